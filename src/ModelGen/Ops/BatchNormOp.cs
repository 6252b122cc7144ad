using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>
/// Batch normalization over the rows of a row-major [batch × width] tensor, per feature (column):
///   training   μ = mean(x), σ² = mean((x − μ)²), x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β
///   inference  the same with the running μ and σ²
///   backward   dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/(N·√(σ² + ε)) · (N·dy − dβ − x̂·dγ)
/// Reductions run row by row with vector adds across the features, so every pass is SIMD over contiguous memory.
/// </summary>
public static class BatchNormOp
{
    /// <summary>Features per stack scratch chunk in the passes that need per-feature temporaries.</summary>
    private const int FeatureChunk = 256;

    /// <summary>Training forward: writes x̂, y, and the batch mean and 1/√(σ² + ε) per feature.</summary>
    public static void ForwardTraining<T>(ReadOnlySpan<T> x, Span<T> normalized, Span<T> y, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        Span<T> batchMean, Span<T> batchInverseDeviation, int batch, int width, T epsilon)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseBatch = T.One / T.CreateChecked(batch);
        batchMean.Clear();
        for (int row = 0; row < batch; row++)
            TensorPrimitives.Add(batchMean, x.Slice(row * width, width), batchMean);
        TensorPrimitives.Multiply(batchMean, inverseBatch, batchMean);

        // Two passes (centre, then square) rather than E[x²] − E[x]²: no cancellation when |μ| ≫ σ.
        Span<T> variance = batchInverseDeviation;
        variance.Clear();
        for (int row = 0; row < batch; row++)
        {
            Span<T> centred = normalized.Slice(row * width, width);
            TensorPrimitives.Subtract(x.Slice(row * width, width), batchMean, centred);
            TensorPrimitives.MultiplyAdd(centred, centred, variance, variance);
        }
        TensorPrimitives.Multiply(variance, inverseBatch, variance);
        TensorPrimitives.Add(variance, epsilon, variance);
        TensorPrimitives.ReciprocalSqrt(variance, batchInverseDeviation);

        for (int row = 0; row < batch; row++)
        {
            Span<T> n = normalized.Slice(row * width, width);
            TensorPrimitives.Multiply(n, batchInverseDeviation, n);
            TensorPrimitives.MultiplyAdd(n, gamma, beta, y.Slice(row * width, width));
        }
    }

    /// <summary>Inference forward with the running estimates: y = γ·(x − μ)/√(σ² + ε) + β.</summary>
    public static void ForwardInference<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, int batch, int width, T epsilon)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Fold into one scale and shift per feature, y = x·s + (β − μ·s) with s = γ/√(σ² + ε), a chunk of features at a time.
        Span<T> scaleChunk = stackalloc T[FeatureChunk];
        Span<T> shiftChunk = stackalloc T[FeatureChunk];
        for (int start = 0; start < width; start += FeatureChunk)
        {
            int count = Math.Min(FeatureChunk, width - start);
            Span<T> scale = scaleChunk[..count], shift = shiftChunk[..count];
            TensorPrimitives.Add(runningVariance.Slice(start, count), epsilon, scale);
            TensorPrimitives.ReciprocalSqrt(scale, scale);
            TensorPrimitives.Multiply(scale, gamma.Slice(start, count), scale);
            TensorPrimitives.Multiply(runningMean.Slice(start, count), scale, shift);
            TensorPrimitives.Subtract(beta.Slice(start, count), shift, shift);
            for (int row = 0; row < batch; row++)
                TensorPrimitives.MultiplyAdd(x.Slice(row * width + start, count), scale, shift, y.Slice(row * width + start, count));
        }
    }

    /// <summary>dγ = Σ dy·x̂ and dβ = Σ dy over the batch.</summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> normalized, ReadOnlySpan<T> outputGradient, Span<T> gammaGradient, Span<T> betaGradient, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        gammaGradient.Clear();
        betaGradient.Clear();
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> dy = outputGradient.Slice(row * width, width);
            TensorPrimitives.MultiplyAdd(dy, normalized.Slice(row * width, width), gammaGradient, gammaGradient);
            TensorPrimitives.Add(betaGradient, dy, betaGradient);
        }
    }

    /// <summary>dx = γ/(N·√(σ² + ε)) · (N·dy − dβ − x̂·dγ), using the dγ and dβ of <see cref="BackwardParameters"/>.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> normalized, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> gamma, ReadOnlySpan<T> batchInverseDeviation,
        ReadOnlySpan<T> gammaGradient, ReadOnlySpan<T> betaGradient, Span<T> inputGradient, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseBatch = T.One / T.CreateChecked(batch);
        Span<T> scaleChunk = stackalloc T[FeatureChunk];
        Span<T> meanGradientChunk = stackalloc T[FeatureChunk];
        Span<T> meanProjectionChunk = stackalloc T[FeatureChunk];
        for (int start = 0; start < width; start += FeatureChunk)
        {
            int count = Math.Min(FeatureChunk, width - start);
            Span<T> scale = scaleChunk[..count], meanGradient = meanGradientChunk[..count], meanProjection = meanProjectionChunk[..count];
            TensorPrimitives.Multiply(gamma.Slice(start, count), batchInverseDeviation.Slice(start, count), scale); // γ/σ
            TensorPrimitives.Multiply(betaGradient.Slice(start, count), inverseBatch, meanGradient);                // dβ/N
            TensorPrimitives.Multiply(gammaGradient.Slice(start, count), inverseBatch, meanProjection);             // dγ/N
            for (int row = 0; row < batch; row++)
            {
                Span<T> dx = inputGradient.Slice(row * width + start, count);
                TensorPrimitives.Multiply(normalized.Slice(row * width + start, count), meanProjection, dx); // x̂·dγ/N
                TensorPrimitives.Add(dx, meanGradient, dx);                                                   // + dβ/N
                TensorPrimitives.Subtract(outputGradient.Slice(row * width + start, count), dx, dx);
                TensorPrimitives.Multiply(dx, scale, dx);
            }
        }
    }

    /// <summary>running ← (1 − m)·running + m·batch, with the batch variance made unbiased (× N/(N − 1)) as PyTorch does.</summary>
    public static void UpdateRunningStatistics<T>(ReadOnlySpan<T> batchMean, ReadOnlySpan<T> batchInverseDeviation, Span<T> runningMean, Span<T> runningVariance,
        int batch, T momentum, T epsilon)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T keep = T.One - momentum;
        T unbiased = T.CreateChecked(batch) / T.CreateChecked(batch - 1);
        for (int j = 0; j < runningMean.Length; j++)
        {
            T inverse = batchInverseDeviation[j];
            T variance = T.Max(T.One / (inverse * inverse) - epsilon, T.Zero);
            runningMean[j] = keep * runningMean[j] + momentum * batchMean[j];
            runningVariance[j] = keep * runningVariance[j] + momentum * variance * unbiased;
        }
    }

    // ---- Feature maps [batch × channels × spatial]: statistics per channel over batch and positions (BatchNorm2d) ----

    /// <summary>Training forward on feature maps: per channel over batch·spatial values; writes x̂, y, the mean and 1/√(σ² + ε).</summary>
    /// <remarks>Three passes per channel: the sum, the centred squares (no cancellation when |μ| ≫ σ), then x̂ and y together.</remarks>
    public static void ForwardTrainingSpatial<T>(ReadOnlySpan<T> x, Span<T> normalized, Span<T> y, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        Span<T> batchMean, Span<T> batchInverseDeviation, int batch, int channels, int spatial, T epsilon)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseCount = T.One / T.CreateChecked(batch * spatial);
        int width = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++)
                sum += TensorPrimitives.Sum(x.Slice(n * width + c * spatial, spatial));
            T mean = sum * inverseCount, squares = T.Zero;
            for (int n = 0; n < batch; n++)
                squares += SquaredDeviation(x.Slice(n * width + c * spatial, spatial), mean);
            T inverse = T.One / T.Sqrt(squares * inverseCount + epsilon);
            batchMean[c] = mean;
            batchInverseDeviation[c] = inverse;
            for (int n = 0; n < batch; n++)
            {
                int at = n * width + c * spatial;
                NormalizeAndScale(x.Slice(at, spatial), normalized.Slice(at, spatial), y.Slice(at, spatial), mean, inverse, gamma[c], beta[c]);
            }
        }
    }

    /// <summary>Σ (x − μ)², without writing the centred values.</summary>
    private static T SquaredDeviation<T>(ReadOnlySpan<T> x, T mean) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var accumulator = Vector<T>.Zero;
            var centre = new Vector<T>(mean);
            for (; i + Vector<T>.Count <= x.Length; i += Vector<T>.Count)
            {
                Vector<T> deviation = new Vector<T>(x[i..]) - centre;
                accumulator += deviation * deviation;
            }
            sum = Vector.Sum(accumulator);
        }
        for (; i < x.Length; i++)
            sum += (x[i] - mean) * (x[i] - mean);
        return sum;
    }

    /// <summary>x̂ = (x − μ)·s and y = γ·x̂ + β in one pass.</summary>
    private static void NormalizeAndScale<T>(ReadOnlySpan<T> x, Span<T> normalized, Span<T> y, T mean, T inverse, T gamma, T beta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> centre = new(mean), scale = new(inverse), g = new(gamma), b = new(beta);
            for (; i + Vector<T>.Count <= x.Length; i += Vector<T>.Count)
            {
                Vector<T> xHat = (new Vector<T>(x[i..]) - centre) * scale;
                xHat.CopyTo(normalized[i..]);
                (xHat * g + b).CopyTo(y[i..]);
            }
        }
        for (; i < x.Length; i++)
        {
            T xHat = (x[i] - mean) * inverse;
            normalized[i] = xHat;
            y[i] = xHat * gamma + beta;
        }
    }

    /// <summary>Inference forward on feature maps with the running estimates: y = x·s + (β − μ·s), s = γ/√(σ² + ε), per channel.</summary>
    public static void ForwardInferenceSpatial<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVariance, int batch, int channels, int spatial, T epsilon)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T scale = gamma[c] / T.Sqrt(runningVariance[c] + epsilon);
            T shift = beta[c] - runningMean[c] * scale;
            for (int n = 0; n < batch; n++)
            {
                Span<T> output = y.Slice(n * width + c * spatial, spatial);
                TensorPrimitives.Multiply(x.Slice(n * width + c * spatial, spatial), scale, output);
                TensorPrimitives.Add(output, shift, output);
            }
        }
    }

    /// <summary>dγ = Σ dy·x̂ and dβ = Σ dy per channel, over batch and positions.</summary>
    public static void BackwardParametersSpatial<T>(ReadOnlySpan<T> normalized, ReadOnlySpan<T> outputGradient, Span<T> gammaGradient, Span<T> betaGradient,
        int batch, int channels, int spatial)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T dGamma = T.Zero, dBeta = T.Zero;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<T> dy = outputGradient.Slice(n * width + c * spatial, spatial);
                dGamma += TensorPrimitives.Dot(dy, normalized.Slice(n * width + c * spatial, spatial));
                dBeta += TensorPrimitives.Sum(dy);
            }
            gammaGradient[c] = dGamma;
            betaGradient[c] = dBeta;
        }
    }

    /// <summary>dx = γ/(M·√(σ² + ε)) · (M·dy − dβ − x̂·dγ) per channel, M = batch·spatial, in one pass.</summary>
    public static void BackwardInputSpatial<T>(ReadOnlySpan<T> normalized, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> gamma, ReadOnlySpan<T> batchInverseDeviation,
        ReadOnlySpan<T> gammaGradient, ReadOnlySpan<T> betaGradient, Span<T> inputGradient, int batch, int channels, int spatial)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseCount = T.One / T.CreateChecked(batch * spatial);
        int width = channels * spatial;
        for (int c = 0; c < channels; c++)
        {
            T scale = gamma[c] * batchInverseDeviation[c], meanGradient = betaGradient[c] * inverseCount, meanProjection = gammaGradient[c] * inverseCount;
            for (int n = 0; n < batch; n++)
            {
                int at = n * width + c * spatial;
                ReadOnlySpan<T> xHat = normalized.Slice(at, spatial), dy = outputGradient.Slice(at, spatial);
                Span<T> dx = inputGradient.Slice(at, spatial);
                int i = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    Vector<T> s = new(scale), m = new(meanGradient), p = new(meanProjection);
                    for (; i + Vector<T>.Count <= spatial; i += Vector<T>.Count)
                        ((new Vector<T>(dy[i..]) - new Vector<T>(xHat[i..]) * p - m) * s).CopyTo(dx[i..]);
                }
                for (; i < spatial; i++)
                    dx[i] = (dy[i] - xHat[i] * meanProjection - meanGradient) * scale;
            }
        }
    }
}
