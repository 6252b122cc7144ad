using System.Numerics;
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
        T stepT = T.CreateChecked(step);
        var rule = new Rule<T>(gradientScale, beta1, beta2, epsilon, keep,
            stepSize: learningRate / (T.One - T.Pow(beta1, stepT)), inverseCorrection2: T.One / T.Sqrt(T.One - T.Pow(beta2, stepT)));
        ElementwiseUpdate.Run("Adam", parameters, gradients, firstMoment, secondMoment, rule);
    }

    private readonly struct Rule<T>(T scale, T beta1, T beta2, T epsilon, T keep, T stepSize, T inverseCorrection2) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _scale = Vector512.Create(scale), _beta1 = Vector512.Create(beta1), _oneMinusBeta1 = Vector512.Create(T.One - beta1),
            _beta2 = Vector512.Create(beta2), _oneMinusBeta2 = Vector512.Create(T.One - beta2), _epsilon = Vector512.Create(epsilon),
            _keep = Vector512.Create(keep), _stepSize = Vector512.Create(stepSize), _inverseCorrection2 = Vector512.Create(inverseCorrection2),
            _smallestNormal = Vector512.Create(SmallestNormal());

        public static int States => 2;

        public T Apply(T p, T g, ref T m, ref T v)
        {
            T grad = g * scale;
            T mi = beta1 * m + (T.One - beta1) * grad;
            T vi = beta2 * v + (T.One - beta2) * grad * grad;
            if (T.IsSubnormal(mi)) mi = T.Zero;
            if (T.IsSubnormal(vi)) vi = T.Zero;
            m = mi;
            v = vi;
            return keep * p - stepSize * mi / (T.Sqrt(vi) * inverseCorrection2 + epsilon);
        }

        public Vector512<T> Apply(Vector512<T> p, Vector512<T> g, ref Vector512<T> m, ref Vector512<T> v)
        {
            var grad = g * _scale;
            var mi = _beta1 * m + _oneMinusBeta1 * grad;
            var vi = _beta2 * v + _oneMinusBeta2 * grad * grad;
            m = Vector512.ConditionalSelect(Vector512.LessThan(Vector512.Abs(mi), _smallestNormal), Vector512<T>.Zero, mi);
            v = Vector512.ConditionalSelect(Vector512.LessThan(vi, _smallestNormal), Vector512<T>.Zero, vi);
            return _keep * p - _stepSize * m / (Vector512.Sqrt(v) * _inverseCorrection2 + _epsilon);
        }

        private static T SmallestNormal()
            => typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308); // 2^-126, 2^-1022
    }
}
