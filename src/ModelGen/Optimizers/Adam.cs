using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// Adam (Kingma and Ba) with bias correction, matching <c>torch.optim.Adam</c>:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε).
/// One pass over parameters, gradients and both moments; the gradient scale carries clipping.
/// Moments that decay below the smallest normal number are flushed to zero: near convergence they would
/// otherwise sit in the subnormal range, where every arithmetic operation costs ~100× more on x86, and a
/// subnormal m or v changes no update (the step is bounded by m / ε, and √v ≪ ε).
/// </summary>
public static class Adam
{
    /// <summary>Applies step <paramref name="step"/> (1-based) to every parameter.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoment, Span<T> secondMoment,
        T learningRate, T beta1, T beta2, T epsilon, long step, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, firstMoment, secondMoment, learningRate, beta1, beta2, epsilon, step, gradientScale, T.One);

    /// <summary>
    /// The same step with the parameters first multiplied by <paramref name="keep"/> = 1 − lr·λ: decoupled weight decay
    /// (AdamW) in the same pass over memory rather than a pass of its own.
    /// </summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoment, Span<T> secondMoment,
        T learningRate, T beta1, T beta2, T epsilon, long step, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || firstMoment.Length != length || secondMoment.Length != length)
            throw new ArgumentException("Adam needs parameter, gradient and moment buffers of equal length.");
        T stepT = T.CreateChecked(step);
        T stepSize = learningRate / (T.One - T.Pow(beta1, stepT));
        T inverseCorrection2 = T.One / T.Sqrt(T.One - T.Pow(beta2, stepT));
        T oneMinusBeta1 = T.One - beta1, oneMinusBeta2 = T.One - beta2;

        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T m = ref MemoryMarshal.GetReference(firstMoment);
        ref T v = ref MemoryMarshal.GetReference(secondMoment);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vScale = Vector512.Create(gradientScale);
            var vBeta1 = Vector512.Create(beta1); var vOneMinusBeta1 = Vector512.Create(oneMinusBeta1);
            var vBeta2 = Vector512.Create(beta2); var vOneMinusBeta2 = Vector512.Create(oneMinusBeta2);
            var vInv2 = Vector512.Create(inverseCorrection2); var vEps = Vector512.Create(epsilon); var vStep = Vector512.Create(stepSize);
            var vSmallest = Vector512.Create(SmallestNormal<T>());
            var vKeep = Vector512.Create(keep);
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
            {
                var grad = Vector512.LoadUnsafe(ref g, (nuint)i) * vScale;
                var mi = vBeta1 * Vector512.LoadUnsafe(ref m, (nuint)i) + vOneMinusBeta1 * grad;
                var vi = vBeta2 * Vector512.LoadUnsafe(ref v, (nuint)i) + vOneMinusBeta2 * grad * grad;
                mi = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mi), vSmallest), Vector512<T>.Zero, mi);
                vi = Vector512.ConditionalSelect(Vector512.LessThan(vi, vSmallest), Vector512<T>.Zero, vi);
                mi.StoreUnsafe(ref m, (nuint)i);
                vi.StoreUnsafe(ref v, (nuint)i);
                var denominator = Vector512.Sqrt(vi) * vInv2 + vEps;
                (vKeep * Vector512.LoadUnsafe(ref p, (nuint)i) - vStep * mi / denominator).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            T grad = Unsafe.Add(ref g, i) * gradientScale;
            T mi = beta1 * Unsafe.Add(ref m, i) + oneMinusBeta1 * grad;
            T vi = beta2 * Unsafe.Add(ref v, i) + oneMinusBeta2 * grad * grad;
            if (T.IsSubnormal(mi)) mi = T.Zero;
            if (T.IsSubnormal(vi)) vi = T.Zero;
            Unsafe.Add(ref m, i) = mi;
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) = keep * Unsafe.Add(ref p, i) - stepSize * mi / (T.Sqrt(vi) * inverseCorrection2 + epsilon);
        }
    }

    private static T SmallestNormal<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308); // 2^-126, 2^-1022
}
