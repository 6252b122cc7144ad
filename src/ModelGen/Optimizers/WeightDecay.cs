using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// Weight penalties as gradient terms, the way PyTorch's optimizers apply <c>weight_decay</c>: the optimizer sees
/// g + λ₂·w (L2) + λ₁·sign(w) (L1, the subgradient of λ₁·|w|, 0 at w = 0). Clipping is applied to the loss gradient
/// first (here as <c>gradientScale</c>), so a penalty is never clipped away.
/// </summary>
public static class WeightDecay
{
    /// <summary>gradients ← gradientScale · gradients + λ₂ · parameters, over one slice of the parameter buffer.</summary>
    public static void Apply<T>(Span<T> gradients, ReadOnlySpan<T> parameters, T lambda, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Apply(gradients, parameters, lambda, T.Zero, gradientScale);

    /// <summary>gradients ← gradientScale · gradients + λ₂ · parameters + λ₁ · sign(parameters), over one slice of the parameter buffer.</summary>
    public static void Apply<T>(Span<T> gradients, ReadOnlySpan<T> parameters, T l2, T l1, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException("Weight decay needs parameter and gradient slices of equal length.");
        if (gradients.IsEmpty)
            return;
        if (gradientScale != T.One)
            TensorPrimitives.Multiply(gradients, gradientScale, gradients);
        if (l2 != T.Zero)
            TensorPrimitives.MultiplyAdd(parameters, l2, gradients, gradients);
        if (l1 != T.Zero)
        {
            var kernel = new SignKernel<T>(gradients, parameters, l1);
            Vectorized.Run<T, SignKernel<T>>(ref kernel, gradients.Length);
        }
    }

    /// <summary>g += λ₁·sign(w): +λ₁ where w &gt; 0, −λ₁ where w &lt; 0, nothing at 0 (or NaN, which the finiteness checks report).</summary>
    private readonly ref struct SignKernel<T>(Span<T> gradients, ReadOnlySpan<T> parameters, T lambda) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _gradients = gradients;
        private readonly ReadOnlySpan<T> _parameters = parameters;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T g = ref MemoryMarshal.GetReference(_gradients);
            ref T w = ref MemoryMarshal.GetReference(_parameters);
            TVector up = TOps.Broadcast(lambda), down = TOps.Broadcast(-lambda), zero = TOps.Zero;
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector weights = TOps.Load(in Unsafe.Add(ref w, i));
                TVector term = TOps.ConditionalSelect(TOps.GreaterThan(weights, zero), up, TOps.ConditionalSelect(TOps.LessThan(weights, zero), down, zero));
                TOps.Store(TOps.Add(TOps.Load(in Unsafe.Add(ref g, i)), term), ref Unsafe.Add(ref g, i));
            }
            return i;
        }
    }
}
