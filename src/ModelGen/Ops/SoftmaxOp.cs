using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>
/// Softmax as a layer activation, row by row: y = e^(z − max z) / Σ e^(z − max z). Unlike the element-wise
/// activations its Jacobian couples a row, so it is never fused into a GEMM tile; backward is the
/// Jacobian-vector product dz = y ⊙ (dy − ⟨y, dy⟩), again computed from the output alone.
/// </summary>
public static class SoftmaxOp
{
    /// <summary>values ← softmax(values), each of <paramref name="batch"/> rows of <paramref name="width"/> in place.</summary>
    public static void Forward<T>(Span<T> values, int batch, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => SoftmaxCrossEntropyOp.Probabilities<T>(values, values, batch, width);

    /// <summary>inputGradient = y ⊙ (dy − ⟨y, dy⟩) per row; the gradient spans may be the same memory.</summary>
    public static void Backward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> y = output.Slice(row * width, width);
            ReadOnlySpan<T> dy = outputGradient.Slice(row * width, width);
            Span<T> dz = inputGradient.Slice(row * width, width);
            T dot = TensorPrimitives.Dot(y, dy);
            TensorPrimitives.Subtract(dy, dot, dz);
            TensorPrimitives.Multiply(dz, y, dz);
        }
    }
}
