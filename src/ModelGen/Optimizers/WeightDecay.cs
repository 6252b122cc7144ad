using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Optimizers;

/// <summary>
/// L2 weight decay as PyTorch's optimizers apply <c>weight_decay</c>: the optimizer sees g + λ·w. Clipping is applied
/// to the loss gradient first (here as <c>gradientScale</c>), so decay is never clipped away.
/// </summary>
public static class WeightDecay
{
    /// <summary>gradients ← gradientScale · gradients + λ · parameters, over one slice of the parameter buffer.</summary>
    public static void Apply<T>(Span<T> gradients, ReadOnlySpan<T> parameters, T lambda, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException("Weight decay needs parameter and gradient slices of equal length.");
        if (gradients.IsEmpty)
            return;
        if (gradientScale != T.One)
            TensorPrimitives.Multiply(gradients, gradientScale, gradients);
        TensorPrimitives.MultiplyAdd(parameters, lambda, gradients, gradients);
    }
}
