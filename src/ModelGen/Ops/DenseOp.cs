using System.Numerics;
using System.Numerics.Tensors;
using ModelGen.Kernels;

namespace ModelGen.Ops;

/// <summary>
/// Fully connected layer kernels. Layout: x [batch × inputs], W [inputs × outputs] row-major,
/// b [outputs], y [batch × outputs]. Backward needs x (the layer input) and dy; nothing else is cached.
/// </summary>
public static class DenseOp
{
    /// <summary>y = x · W + b.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, int inputs, int outputs)
        where T : unmanaged, INumberBase<T>
    {
        for (int row = 0; row < batch; row++)
            bias[..outputs].CopyTo(y.Slice(row * outputs, outputs));
        Gemm.Multiply(GemmForm.AB, x, weights, y, batch, inputs, outputs, accumulate: true);
    }

    /// <summary>dW = xᵀ · dy and db = Σ_rows dy (both overwritten).</summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, Span<T> biasGradient, int batch, int inputs, int outputs)
        where T : unmanaged, INumberBase<T>
    {
        Gemm.Multiply(GemmForm.AtB, x, dy, weightGradient, inputs, batch, outputs, accumulate: false);
        Span<T> db = biasGradient[..outputs];
        dy[..outputs].CopyTo(db);
        for (int row = 1; row < batch; row++)
            TensorPrimitives.Add(db, dy.Slice(row * outputs, outputs), db);
    }

    /// <summary>dx = dy · Wᵀ (overwritten).</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, int batch, int inputs, int outputs)
        where T : unmanaged, INumberBase<T>
        => Gemm.Multiply(GemmForm.ABt, dy, weights, dx, batch, outputs, inputs, accumulate: false);
}
