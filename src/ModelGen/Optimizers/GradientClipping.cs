using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Optimizers;

/// <summary>
/// Gradient clipping: by value (element-wise, in place), by each tensor's norm (in place) and by global norm (a scale
/// folded into the optimizer pass).
/// </summary>
public static class GradientClipping
{
    /// <summary>g ← clamp(g, −maxValue, maxValue) element-wise (PyTorch's <c>clip_grad_value_</c>); NaN stays NaN.</summary>
    public static void ClipByValue<T>(Span<T> gradients, T maxValue) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Min(gradients, maxValue, gradients);
        TensorPrimitives.Max(gradients, -maxValue, gradients);
    }

    /// <summary>
    /// g ← g · min(1, maxNorm / (‖g‖₂ + 1e-6)) over one tensor's gradient (Keras's <c>clipnorm</c>); a tensor already
    /// within the limit is left untouched, bit for bit.
    /// </summary>
    public static void ClipTensorNorm<T>(Span<T> gradient, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T scale = GlobalNormScale<T>(gradient, maxNorm);
        if (scale < T.One)
            TensorPrimitives.Multiply(gradient, scale, gradient);
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
