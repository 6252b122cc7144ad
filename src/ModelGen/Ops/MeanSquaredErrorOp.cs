using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>
/// Mean squared error over every element: loss = Σ (y − t)² / (batch · outputs), dy = 2 (y − t) / (batch · outputs).
/// </summary>
public static class MeanSquaredErrorOp
{
    /// <summary>Loss, and its gradient with respect to the outputs written into <paramref name="outputGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> outputGradient, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> g = outputGradient[..count];
        TensorPrimitives.Subtract(outputs[..count], targets[..count], g);
        T loss = TensorPrimitives.SumOfSquares<T>(g) / T.CreateChecked(count);
        TensorPrimitives.Multiply(g, T.CreateChecked(2) / T.CreateChecked(count), g);
        return loss;
    }

    /// <summary>Loss without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T d = outputs[i] - targets[i];
            sum += d * d;
        }
        return sum / T.CreateChecked(count);
    }
}
