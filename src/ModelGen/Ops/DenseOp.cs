using System.Numerics;
using System.Runtime.InteropServices;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Fully connected layer kernels. Layout: x [batch × inputs], W [inputs × outputs] row-major,
/// b [outputs], y [batch × outputs]. Backward needs x (the layer input) and dy; nothing else is cached.
/// </summary>
public static class DenseOp
{
    /// <summary>y = x · W + b.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, int inputs, int outputs)
        where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float) && Gemm.UsePacked(batch, inputs))
        {
            ForwardBiasPacked(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(weights), MemoryMarshal.Cast<T, float>(bias), MemoryMarshal.Cast<T, float>(y), batch, inputs, outputs);
            return;
        }
        for (int row = 0; row < batch; row++)
            bias[..outputs].CopyTo(y.Slice(row * outputs, outputs));
        Gemm.Multiply(GemmForm.AB, x, weights, y, batch, inputs, outputs, accumulate: true);
    }

    /// <summary>y = f(x · W + b), the activation applied to each finished GEMM tile while it is in cache.</summary>
    public static void Forward<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, int inputs, int outputs, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        if (typeof(T) == typeof(float) && Gemm.UsePacked(batch, inputs))
        {
            ForwardPacked<TActivation>(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(weights), MemoryMarshal.Cast<T, float>(bias), MemoryMarshal.Cast<T, float>(y), batch, inputs, outputs, float.CreateTruncating(negativeSlope));
            return;
        }
        Forward(x, weights, bias, y, batch, inputs, outputs);
        Activation<TActivation>.Forward(y[..(batch * outputs)], negativeSlope);
    }

    /// <summary>y = x · W, for a layer declared without a bias (it feeds a batch normalization, whose β replaces it).</summary>
    public static void ForwardWithoutBias<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, int inputs, int outputs)
        where T : unmanaged, INumber<T>
        => Gemm.Multiply(GemmForm.AB, x, weights, y, batch, inputs, outputs, accumulate: false);

    /// <summary>y = f(x · W) for a layer without a bias, the activation applied to each finished GEMM tile.</summary>
    public static void ForwardWithoutBias<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, int inputs, int outputs, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        if (typeof(T) == typeof(float) && Gemm.UsePacked(batch, inputs))
        {
            Gemm.MultiplyPacked(GemmForm.AB, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(weights), MemoryMarshal.Cast<T, float>(y), batch, inputs, outputs,
                accumulate: false, new ActivationEpilogue<TActivation>(float.CreateTruncating(negativeSlope)));
            return;
        }
        ForwardWithoutBias(x, weights, y, batch, inputs, outputs);
        Activation<TActivation>.Forward(y[..(batch * outputs)], negativeSlope);
    }

    /// <summary>dx = (dy · Wᵀ) ⊙ f′(y_in), where y_in = f(·) is this layer's input as produced by the previous layer's activation.</summary>
    public static void BackwardInput<T, TInputActivation>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, ReadOnlySpan<T> input, int batch, int inputs, int outputs, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        if (typeof(T) == typeof(float) && Gemm.UsePacked(batch, outputs))
        {
            BackwardInputPacked<TInputActivation>(MemoryMarshal.Cast<T, float>(dy), MemoryMarshal.Cast<T, float>(weights), MemoryMarshal.Cast<T, float>(dx), MemoryMarshal.Cast<T, float>(input), batch, inputs, outputs, float.CreateTruncating(negativeSlope));
            return;
        }
        BackwardInput(dy, weights, dx, batch, inputs, outputs);
        Span<T> gradient = dx[..(batch * inputs)];
        Activation<TInputActivation>.Backward(input[..(batch * inputs)], gradient, gradient, negativeSlope);
    }

    private static unsafe void ForwardPacked<TActivation>(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, int batch, int inputs, int outputs, float negativeSlope)
        where TActivation : IActivation
    {
        CheckLengths(x.Length, weights.Length, bias.Length, y.Length, batch, inputs, outputs);
        fixed (float* b = bias)
            Gemm.MultiplyPacked(GemmForm.AB, x, weights, y, batch, inputs, outputs, accumulate: false, new BiasActivationEpilogue<TActivation>(b, negativeSlope));
    }

    private static unsafe void BackwardInputPacked<TInputActivation>(ReadOnlySpan<float> dy, ReadOnlySpan<float> weights, Span<float> dx, ReadOnlySpan<float> input, int batch, int inputs, int outputs, float negativeSlope)
        where TInputActivation : IActivation
    {
        if (input.Length < batch * inputs || dx.Length < batch * inputs)
            throw new ArgumentException($"Dense backward of [{batch} × {inputs}] got spans of {dx.Length} and {input.Length} elements.");
        fixed (float* y = input)
            Gemm.MultiplyPacked(GemmForm.ABt, dy, weights, dx, batch, outputs, inputs, accumulate: false, new ActivationDerivativeEpilogue<TInputActivation>(y, inputs, negativeSlope));
    }

    private static unsafe void ForwardBiasPacked(ReadOnlySpan<float> x, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y, int batch, int inputs, int outputs)
    {
        CheckLengths(x.Length, weights.Length, bias.Length, y.Length, batch, inputs, outputs);
        fixed (float* b = bias)
            Gemm.MultiplyPacked(GemmForm.AB, x, weights, y, batch, inputs, outputs, accumulate: false, new BiasEpilogue(b));
    }

    private static void CheckLengths(int x, int weights, int bias, int y, int batch, int inputs, int outputs)
    {
        if (x < batch * inputs || weights < inputs * outputs || bias < outputs || y < batch * outputs)
            throw new ArgumentException($"Dense [{batch} × {inputs}] → [{batch} × {outputs}] got spans of {x}, {weights}, {bias} and {y} elements.");
    }

    /// <summary>dW = xᵀ · dy and db = Σ_rows dy (both overwritten).</summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, Span<T> biasGradient, int batch, int inputs, int outputs)
        where T : unmanaged, INumber<T>
    {
        Gemm.Multiply(GemmForm.AtB, x, dy, weightGradient, inputs, batch, outputs, accumulate: false);
        BiasGradient(dy, biasGradient, batch, outputs);
    }

    /// <summary>db = Σ_rows dy (overwritten): the gradient of a bias added to every row. Recurrent layers use it for b_ih and b_hh.</summary>
    public static unsafe void BiasGradient<T>(ReadOnlySpan<T> dy, Span<T> biasGradient, int rows, int outputs)
        where T : unmanaged, INumber<T>
    {
        if (dy.Length < rows * outputs || biasGradient.Length < outputs)
            throw new ArgumentException($"A bias gradient over {rows} rows × {outputs} outputs got spans of {dy.Length} and {biasGradient.Length} elements.");
        fixed (T* pdy = dy, pdb = biasGradient)
        {
            var sums = new ColumnSums<T>(pdy, rows, pdb, accumulate: false);
            Vectorized.Run<T, ColumnSums<T>>(ref sums, outputs);
        }
    }

    /// <summary>dW = xᵀ · dy (overwritten), for a layer without a bias.</summary>
    public static void BackwardWeights<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, int batch, int inputs, int outputs)
        where T : unmanaged, INumber<T>
        => Gemm.Multiply(GemmForm.AtB, x, dy, weightGradient, inputs, batch, outputs, accumulate: false);

    /// <summary>dx = dy · Wᵀ, or dx += dy · Wᵀ when <paramref name="accumulate"/> (the input fans out to several layers).</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, int batch, int inputs, int outputs, bool accumulate = false)
        where T : unmanaged, INumber<T>
        => Gemm.Multiply(GemmForm.ABt, dy, weights, dx, batch, outputs, inputs, accumulate);
}

/// <summary>
/// sums (+)= the sum of <c>count</c> rows of the kernel's length, each column added in row order in registers, a few
/// vectors of columns at a time (a vector add per row, storing every partial sum, cost ~100 cycles a 1 KB row on a Xeon;
/// this ~25).
/// </summary>
internal readonly unsafe struct ColumnSums<T>(T* rows, int count, T* sums, bool accumulate) : IVectorKernel<T>
    where T : unmanaged, INumber<T>
{
    public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        for (; j + 4 * w <= length; j += 4 * w)
        {
            TVector s0 = accumulate ? TOps.Load(in sums[j]) : TOps.Zero, s1 = accumulate ? TOps.Load(in sums[j + w]) : TOps.Zero;
            TVector s2 = accumulate ? TOps.Load(in sums[j + 2 * w]) : TOps.Zero, s3 = accumulate ? TOps.Load(in sums[j + 3 * w]) : TOps.Zero;
            T* row = rows + j;
            for (int r = 0; r < count; r++, row += length)
            {
                s0 = TOps.Add(s0, TOps.Load(in row[0]));
                s1 = TOps.Add(s1, TOps.Load(in row[w]));
                s2 = TOps.Add(s2, TOps.Load(in row[2 * w]));
                s3 = TOps.Add(s3, TOps.Load(in row[3 * w]));
            }
            TOps.Store(s0, ref sums[j]);
            TOps.Store(s1, ref sums[j + w]);
            TOps.Store(s2, ref sums[j + 2 * w]);
            TOps.Store(s3, ref sums[j + 3 * w]);
        }
        for (; j + w <= length; j += w)
        {
            TVector s0 = accumulate ? TOps.Load(in sums[j]) : TOps.Zero;
            T* row = rows + j;
            for (int r = 0; r < count; r++, row += length)
                s0 = TOps.Add(s0, TOps.Load(in row[0]));
            TOps.Store(s0, ref sums[j]);
        }
        return j;
    }
}
