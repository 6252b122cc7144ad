using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>
/// Batch normalization over [batch × width] (statistics per feature, PyTorch's BatchNorm1d), the CPU path's formulas
/// (src/ModelGen/Ops/BatchNormOp.cs): the batch mean, the biased variance from centred squares (no cancellation when
/// |μ| ≫ σ), x̂ and y; dγ, dβ; dx = γ/σ · (dy − dβ/N − x̂·dγ/N); the running estimates with the unbiased variance.
/// The column sums run like the bias gradient: 32 features per group, 8 row slices added in a fixed order.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>Groups for the per-feature reductions over <paramref name="width"/> features.</summary>
    public static KernelConfig ColumnConfig(int width) => LayerKernels.BiasGradientConfig(width);

    /// <summary>mean[j] and inverseDeviation[j] = 1/√(σ²[j] + ε) over the rows.</summary>
    public static void Statistics(ArrayView<float> x, ArrayView<float> mean, ArrayView<float> inverseDeviation, int rows, int width, float epsilon)
    {
        var sums = SharedMemory.Allocate<float>(LayerKernels.BiasColumns * LayerKernels.BiasSlices);
        int lane = Group.IdxX % LayerKernels.BiasColumns, slice = Group.IdxX / LayerKernels.BiasColumns;
        int column = Grid.IdxX * LayerKernels.BiasColumns + lane;
        float sum = 0f;
        if (column < width)
            for (int row = slice; row < rows; row += LayerKernels.BiasSlices)
                sum += x[row * width + column];
        float mu = LayerKernels.ColumnTotal(sums, sum, lane) / rows;
        float squares = 0f;
        if (column < width)
            for (int row = slice; row < rows; row += LayerKernels.BiasSlices)
            {
                float centred = x[row * width + column] - mu;
                squares += centred * centred;
            }
        float variance = LayerKernels.ColumnTotal(sums, squares, lane) / rows;
        if (slice == 0 && column < width)
        {
            mean[column] = mu;
            inverseDeviation[column] = XMath.Rsqrt(variance + epsilon);
        }
    }

    /// <summary>x̂ = (x − μ)/σ and y = γ·x̂ + β, element-wise.</summary>
    public static void Normalize(Index1D i, ArrayView<float> x, ArrayView<float> normalized, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> mean, ArrayView<float> inverseDeviation, int width)
    {
        int j = i % width;
        float n = (x[i] - mean[j]) * inverseDeviation[j];
        normalized[i] = n;
        y[i] = n * gamma[j] + beta[j];
    }

    /// <summary>y = γ·(x − μ_running)/√(σ²_running + ε) + β, element-wise (inference).</summary>
    public static void Inference(Index1D i, ArrayView<float> x, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVariance, int width, float epsilon)
    {
        int j = i % width;
        float scale = gamma[j] * XMath.Rsqrt(runningVariance[j] + epsilon);
        y[i] = x[i] * scale + (beta[j] - runningMean[j] * scale);
    }

    /// <summary>dγ[j] = Σ dy·x̂ and dβ[j] = Σ dy over the rows.</summary>
    public static void ParameterGradient(ArrayView<float> normalized, ArrayView<float> outputGradient, ArrayView<float> gammaGradient, ArrayView<float> betaGradient,
        int rows, int width)
    {
        var sums = SharedMemory.Allocate<float>(LayerKernels.BiasColumns * LayerKernels.BiasSlices);
        int lane = Group.IdxX % LayerKernels.BiasColumns, slice = Group.IdxX / LayerKernels.BiasColumns;
        int column = Grid.IdxX * LayerKernels.BiasColumns + lane;
        float scaled = 0f, plain = 0f;
        if (column < width)
            for (int row = slice; row < rows; row += LayerKernels.BiasSlices)
            {
                float dy = outputGradient[row * width + column];
                scaled += dy * normalized[row * width + column];
                plain += dy;
            }
        float gamma = LayerKernels.ColumnTotal(sums, scaled, lane);
        float beta = LayerKernels.ColumnTotal(sums, plain, lane);
        if (slice == 0 && column < width)
        {
            gammaGradient[column] = gamma;
            betaGradient[column] = beta;
        }
    }

    /// <summary>dx = γ/σ · (dy − dβ/N − x̂·dγ/N), element-wise, from the gradients of <see cref="ParameterGradient"/>.</summary>
    public static void InputGradient(Index1D i, ArrayView<float> normalized, ArrayView<float> outputGradient, ArrayView<float> gamma, ArrayView<float> inverseDeviation,
        ArrayView<float> gammaGradient, ArrayView<float> betaGradient, ArrayView<float> inputGradient, int width, float inverseRows)
    {
        int j = i % width;
        float correction = normalized[i] * (gammaGradient[j] * inverseRows) + betaGradient[j] * inverseRows;
        inputGradient[i] = (outputGradient[i] - correction) * (gamma[j] * inverseDeviation[j]);
    }

    /// <summary>running ← (1 − m)·running + m·batch, the batch variance recovered from 1/σ and made unbiased (× N/(N − 1)).</summary>
    public static void UpdateRunning(Index1D j, ArrayView<float> mean, ArrayView<float> inverseDeviation, ArrayView<float> runningMean, ArrayView<float> runningVariance,
        float momentum, float epsilon, float unbiased)
    {
        float inverse = inverseDeviation[j];
        float variance = XMath.Max(1f / (inverse * inverse) - epsilon, 0f);
        runningMean[j] = (1f - momentum) * runningMean[j] + momentum * mean[j];
        runningVariance[j] = (1f - momentum) * runningVariance[j] + momentum * variance * unbiased;
    }
}
