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

    /// <summary>values ← log softmax(values) = z − max z − log Σ e^(z − max z), each row in place.</summary>
    public static void LogForward<T>(Span<T> values, int batch, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int row = 0; row < batch; row++)
        {
            Span<T> z = values.Slice(row * width, width);
            TensorPrimitives.Subtract(z, SoftmaxCrossEntropyOp.LogSumExp<T>(z), z);
        }
    }

    /// <summary>
    /// Log-softmax backward from its output y (the log-probabilities): dz = dy − e^y · Σ dy per row; the gradient
    /// spans may be the same memory (Σ dy is taken before any element is written).
    /// </summary>
    public static void LogBackward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch, int width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> y = output.Slice(row * width, width);
            ReadOnlySpan<T> dy = outputGradient.Slice(row * width, width);
            Span<T> dz = inputGradient.Slice(row * width, width);
            T total = TensorPrimitives.Sum(dy);
            for (int j = 0; j < width; j++)
                dz[j] = dy[j] - T.Exp(y[j]) * total;
        }
    }

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
