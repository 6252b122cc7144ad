using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Optimizers;

/// <summary>Gradient clipping: by value (element-wise, in place) and by global norm (a scale folded into the optimizer pass).</summary>
public static class GradientClipping
{
    /// <summary>g ← clamp(g, −maxValue, maxValue) element-wise (PyTorch's <c>clip_grad_value_</c>); NaN stays NaN.</summary>
    public static void ClipByValue<T>(Span<T> gradients, T maxValue) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Min(gradients, maxValue, gradients);
        TensorPrimitives.Max(gradients, -maxValue, gradients);
    }

    /// <summary>
    /// The factor min(1, maxNorm / (‖g‖₂ + 1e-6)) that brings the global norm of all gradients to at most
    /// <paramref name="maxNorm"/> (PyTorch's <c>clip_grad_norm_</c>). The norm is computed once, over the whole buffer.
    /// </summary>
    public static T GlobalNormScale<T>(ReadOnlySpan<T> gradients, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T norm = T.Sqrt(TensorPrimitives.SumOfSquares(gradients));
        T scale = maxNorm / (norm + T.CreateChecked(1e-6));
        return scale < T.One ? scale : T.One;
    }
}
