using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>A head's share of a multi-task loss: its loss gradient scaled by the head's weight.</summary>
public static class LossWeight
{
    /// <summary>gradient ← weight · gradient.</summary>
    public static void Apply<T>(Span<T> gradient, T weight) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!gradient.IsEmpty)
            TensorPrimitives.Multiply(gradient, weight, gradient);
    }
}
