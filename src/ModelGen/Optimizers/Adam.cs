using System.Numerics;
using ModelGen.Simd;

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
        T stepT = T.CreateChecked(step);
        var rule = new Rule<T>(gradientScale, beta1, beta2, epsilon, keep,
            stepSize: learningRate / (T.One - T.Pow(beta1, stepT)), inverseCorrection2: T.One / T.Sqrt(T.One - T.Pow(beta2, stepT)));
        ElementwiseUpdate.Run("Adam", parameters, gradients, firstMoment, secondMoment, rule);
    }

    private readonly struct Rule<T>(T scale, T beta1, T beta2, T epsilon, T keep, T stepSize, T inverseCorrection2) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int States => 2;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector m, ref TVector v) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            TVector mi = TOps.Add(TOps.Multiply(TOps.Broadcast(beta1), m), TOps.Multiply(TOps.Broadcast(T.One - beta1), grad));
            TVector vi = TOps.Add(TOps.Multiply(TOps.Broadcast(beta2), v), TOps.Multiply(TOps.Multiply(TOps.Broadcast(T.One - beta2), grad), grad));
            TVector smallestNormal = TOps.Broadcast(SmallestNormal());
            m = TOps.ConditionalSelect(TOps.LessThan(TOps.Abs(mi), smallestNormal), TOps.Zero, mi);
            v = TOps.ConditionalSelect(TOps.LessThan(vi, smallestNormal), TOps.Zero, vi);
            TVector denominator = TOps.Add(TOps.Multiply(TOps.Sqrt(v), TOps.Broadcast(inverseCorrection2)), TOps.Broadcast(epsilon));
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), TOps.Divide(TOps.Multiply(TOps.Broadcast(stepSize), m), denominator));
        }

        private static T SmallestNormal()
            => typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308); // 2^-126, 2^-1022
    }
}
