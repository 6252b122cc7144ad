using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Optimizers;

/// <summary>
/// The max-norm constraint (Srebro and Shraibman; Hinton et al. use it with dropout): after each update every unit's
/// incoming weight vector w_u is projected back into the ball ‖w_u‖₂ ≤ c, as w_u ← w_u · c / (‖w_u‖₂ + 1e-7) when it
/// left it (PyTorch's <c>renorm</c>). A unit inside the ball is left as it is, bit for bit. Bounding the weights rather
/// than penalizing them lets a high learning rate explore without the weights blowing up.
/// </summary>
public static class MaxNorm
{
    /// <summary>Units are the rows of <paramref name="weights"/>: [units × fanIn], Conv2D's [filters × channels·k·k].</summary>
    public static void ApplyToRows<T>(Span<T> weights, int units, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int fanIn = FanIn(weights, units);
        for (int u = 0; u < units; u++)
        {
            Span<T> row = weights.Slice(u * fanIn, fanIn);
            T norm = TensorPrimitives.Norm<T>(row);
            if (norm > maxNorm)
                TensorPrimitives.Multiply(row, maxNorm / (norm + Epsilon<T>()), row);
        }
    }

    /// <summary>
    /// Units are the columns of <paramref name="weights"/>: [fanIn × units], Dense's [inputs × units]. The squared norms
    /// accumulate row by row at full vector width, and only the rows of a matrix with a unit outside the ball are scaled.
    /// </summary>
    public static void ApplyToColumns<T>(Span<T> weights, int units, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int fanIn = FanIn(weights, units);
        T[]? rented = units > StackUnits ? ArrayPool<T>.Shared.Rent(units) : null;
        Span<T> factors = rented is null ? stackalloc T[units] : rented.AsSpan(0, units);
        try
        {
            factors.Clear();
            for (int r = 0; r < fanIn; r++)
            {
                ReadOnlySpan<T> row = weights.Slice(r * units, units);
                TensorPrimitives.MultiplyAdd(row, row, factors, factors);
            }
            bool any = false;
            for (int u = 0; u < units; u++)
            {
                T norm = T.Sqrt(factors[u]);
                bool outside = norm > maxNorm;
                factors[u] = outside ? maxNorm / (norm + Epsilon<T>()) : T.One;
                any |= outside;
            }
            if (!any)
                return;
            for (int r = 0; r < fanIn; r++)
            {
                Span<T> row = weights.Slice(r * units, units);
                TensorPrimitives.Multiply(row, factors, row);
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>Up to this many units the column factors live on the stack (4 KB of doubles).</summary>
    private const int StackUnits = 512;

    private static T Epsilon<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T> => T.CreateChecked(1e-7);

    private static int FanIn<T>(Span<T> weights, int units)
    {
        if (units <= 0 || weights.Length % units != 0)
            throw new ArgumentException($"Max-norm: {weights.Length} weights are not a whole number of {units} units.", nameof(weights));
        return weights.Length / units;
    }
}
