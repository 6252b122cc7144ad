using System.Numerics;
using System.Numerics.Tensors;
using ModelGen.Kernels;

namespace ModelGen.Ops;

/// <summary>
/// Locally connected 2-D layer kernels (DeepFace's unshared convolution) over NCHW tensors: the window geometry of a
/// convolution, but every output position p has its own filters W_p [F × C·kh·kw] and every output unit its own bias:
///   forward   y[f, p] = W_p[f] · rows_p(x) + b[f, p]
///   backward  dW_p[f] = Σ_n dy[f, p] · rows_p(x),  db[f, p] = Σ_n dy[f, p],  dx = fold(Σ_f dy[f, p] · W_p[f])
/// rows_p(x) is the input patch output p reads (im2row). Weights [P × F × C·kh·kw]; bias [F × P], the output's layout.
/// The products are per position and small (F × C·kh·kw), so they run as dot products and scaled adds.
/// </summary>
public static unsafe class LocallyConnected2DOp
{
    /// <summary>y = x ⊛ W_p + b.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Forward<T, Identity>(x, weights, bias, y, batch, shape, T.Zero);

    /// <summary>y = f(x ⊛ W_p + b), the activation applied to each sample's output.</summary>
    public static void Forward<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        if (bias.Length < shape.OutputSize)
            throw new ArgumentException($"LocallyConnected2D {shape} needs {shape.OutputSize} biases, got {bias.Length}.");
        ForwardCore<T, TActivation>(x, weights, bias, y, batch, shape, negativeSlope);
    }

    /// <summary>y = x ⊛ W_p, without a bias.</summary>
    public static void ForwardWithoutBias<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ForwardCore<T, Identity>(x, weights, default, y, batch, shape, T.Zero);

    /// <summary>y = f(x ⊛ W_p), without a bias.</summary>
    public static void ForwardWithoutBias<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
        => ForwardCore<T, TActivation>(x, weights, default, y, batch, shape, negativeSlope);

    private static void ForwardCore<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, in Conv2DShape s, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        Check(x.Length, weights.Length, y.Length, batch, s);
        int patch = s.Patch, positions = s.Positions;
        Span<T> rows = Rows<T>(positions * patch);
        for (int n = 0; n < batch; n++)
        {
            fixed (T* sample = x.Slice(n * s.InputSize), unfolded = rows)
                UnfoldRows(sample, unfolded, s);
            Span<T> output = y.Slice(n * s.OutputSize, s.OutputSize);
            for (int p = 0; p < positions; p++)
            {
                ReadOnlySpan<T> row = rows.Slice(p * patch, patch);
                for (int f = 0; f < s.Filters; f++)
                    output[f * positions + p] = TensorPrimitives.Dot(weights.Slice((p * s.Filters + f) * patch, patch), row);
            }
            if (!bias.IsEmpty)
                TensorPrimitives.Add(output, bias[..s.OutputSize], output);
            Activation<TActivation>.Forward(output, negativeSlope);
        }
    }

    /// <summary>dW and db (both overwritten).</summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, Span<T> biasGradient, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        BackwardWeights(x, dy, weightGradient, batch, shape);
        Span<T> db = biasGradient[..shape.OutputSize];
        db.Clear();
        for (int n = 0; n < batch; n++)
            TensorPrimitives.Add(db, dy.Slice(n * shape.OutputSize, shape.OutputSize), db);
    }

    /// <summary>dW_p[f] = Σ_n dy[n, f, p] · rows_p(x_n) (overwritten).</summary>
    public static void BackwardWeights<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, int batch, in Conv2DShape s)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, weightGradient.Length, dy.Length, batch, s);
        int patch = s.Patch, positions = s.Positions;
        weightGradient[..(positions * s.Filters * patch)].Clear();
        Span<T> rows = Rows<T>(positions * patch);
        for (int n = 0; n < batch; n++)
        {
            fixed (T* sample = x.Slice(n * s.InputSize), unfolded = rows)
                UnfoldRows(sample, unfolded, s);
            ReadOnlySpan<T> dOutput = dy.Slice(n * s.OutputSize, s.OutputSize);
            for (int p = 0; p < positions; p++)
            {
                ReadOnlySpan<T> row = rows.Slice(p * patch, patch);
                for (int f = 0; f < s.Filters; f++)
                {
                    Span<T> dw = weightGradient.Slice((p * s.Filters + f) * patch, patch);
                    TensorPrimitives.MultiplyAdd(row, dOutput[f * positions + p], dw, dw);
                }
            }
        }
    }

    /// <summary>dx = fold(Σ_f dy[f, p] · W_p[f]), or dx += … when <paramref name="accumulate"/>.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, int batch, in Conv2DShape shape, bool accumulate = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => BackwardInputCore<T, Identity>(dy, weights, dx, default, batch, shape, accumulate, T.Zero);

    /// <summary>dx = fold(Σ_f dy[f, p] · W_p[f]) ⊙ f′(x), x as the previous layer's activation produced it.</summary>
    public static void BackwardInput<T, TInputActivation>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, ReadOnlySpan<T> input, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        if (input.Length < (long)batch * shape.InputSize)
            throw new ArgumentException($"LocallyConnected2D {shape} backward over a batch of {batch} got an input of {input.Length} elements.");
        BackwardInputCore<T, TInputActivation>(dy, weights, dx, input, batch, shape, accumulate: false, negativeSlope);
    }

    private static void BackwardInputCore<T, TInputActivation>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, ReadOnlySpan<T> input, int batch, in Conv2DShape s, bool accumulate, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        Check(dx.Length, weights.Length, dy.Length, batch, s);
        int patch = s.Patch, positions = s.Positions;
        Span<T> rows = Rows<T>(positions * patch);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> dOutput = dy.Slice(n * s.OutputSize, s.OutputSize);
            rows.Clear();
            for (int p = 0; p < positions; p++)
            {
                Span<T> row = rows.Slice(p * patch, patch);
                for (int f = 0; f < s.Filters; f++)
                    TensorPrimitives.MultiplyAdd(weights.Slice((p * s.Filters + f) * patch, patch), dOutput[f * positions + p], row, row);
            }
            Span<T> dInput = dx.Slice(n * s.InputSize, s.InputSize);
            if (!accumulate)
                dInput.Clear();
            fixed (T* unfolded = rows, target = dInput)
                FoldRows(unfolded, target, s);
            if (!input.IsEmpty)
                Activation<TInputActivation>.Backward(input.Slice(n * s.InputSize, s.InputSize), dInput, dInput, negativeSlope);
        }
    }

    /// <summary>
    /// im2row: one row of <see cref="Conv2DShape.Patch"/> entries per output position, (c, i, j) in weight order — the
    /// transpose of <see cref="Conv2DOp.Unfold"/> (each position's patch contiguous, for its own filter bank).
    /// </summary>
    private static void UnfoldRows<T>(T* x, T* rows, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        for (int oy = 0; oy < s.OutputHeight; oy++)
            for (int ox = 0; ox < s.OutputWidth; ox++)
            {
                T* row = rows + (long)(oy * s.OutputWidth + ox) * s.Patch;
                int top = oy * s.StrideY - s.PadTop, left = ox * s.StrideX - s.PadLeft;
                for (int c = 0; c < s.Channels; c++)
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        T* target = row + (c * s.KernelHeight + i) * s.KernelWidth, source = x + ((long)c * s.Height + top + i * s.DilationY) * s.Width;
                        bool inside = (uint)(top + i * s.DilationY) < (uint)s.Height;
                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int ix = left + j * s.DilationX;
                            target[j] = inside && (uint)ix < (uint)s.Width ? source[ix] : T.Zero;
                        }
                    }
            }
    }

    /// <summary>row2im: adds each row entry back onto the input pixel it was read from (padding entries are dropped).</summary>
    private static void FoldRows<T>(T* rows, T* dx, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        for (int oy = 0; oy < s.OutputHeight; oy++)
            for (int ox = 0; ox < s.OutputWidth; ox++)
            {
                T* row = rows + (long)(oy * s.OutputWidth + ox) * s.Patch;
                int top = oy * s.StrideY - s.PadTop, left = ox * s.StrideX - s.PadLeft;
                for (int c = 0; c < s.Channels; c++)
                    for (int i = 0; i < s.KernelHeight; i++)
                    {
                        int iy = top + i * s.DilationY;
                        if ((uint)iy >= (uint)s.Height)
                            continue;
                        T* source = row + (c * s.KernelHeight + i) * s.KernelWidth, target = dx + ((long)c * s.Height + iy) * s.Width;
                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int ix = left + j * s.DilationX;
                            if ((uint)ix < (uint)s.Width)
                                target[ix] += source[j];
                        }
                    }
            }
    }

    private static void Check(int input, int weights, int output, int batch, in Conv2DShape s)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (input < (long)batch * s.InputSize || weights < (long)s.Positions * s.Filters * s.Patch || output < (long)batch * s.OutputSize)
            throw new ArgumentException($"LocallyConnected2D {s} over a batch of {batch} got spans of {input}, {weights} and {output} elements.");
    }

    /// <summary>This thread's unfolded-rows buffer, grown on demand and then reused (0 B per call).</summary>
    private static Span<T> Rows<T>(int length) where T : unmanaged
        => new(PinnedScratch.Get(ref Scratch<T>.Rows, length), length);

    private static class Scratch<T>
    {
        [ThreadStatic] public static T[]? Rows;
    }
}
