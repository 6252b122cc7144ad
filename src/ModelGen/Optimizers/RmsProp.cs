using System.Numerics;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// RMSProp (Hinton), matching <c>torch.optim.RMSprop</c> without momentum or centering:
/// v ← ρv + (1 − ρ)g², p ← p − lr · g / (√v + ε).
/// </summary>
public static class RmsProp
{
    /// <summary>One step over every parameter; the gradient scale carries clipping.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareAverage, T learningRate, T rho, T epsilon, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, squareAverage, learningRate, rho, epsilon, gradientScale, T.One);

    /// <summary>The same step with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareAverage, T learningRate, T rho, T epsilon, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, Span<T>.Empty, new Rule<T>(gradientScale, learningRate, rho, epsilon, keep));

    private readonly struct Rule<T>(T scale, T rate, T rho, T epsilon, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _scale = Vector512.Create(scale), _rate = Vector512.Create(rate), _rho = Vector512.Create(rho),
            _oneMinusRho = Vector512.Create(T.One - rho), _epsilon = Vector512.Create(epsilon), _keep = Vector512.Create(keep);

        public static int States => 1;

        public T Apply(T p, T g, ref T average, ref T unused)
        {
            T grad = g * scale;
            average = rho * average + (T.One - rho) * grad * grad;
            return keep * p - rate * grad / (T.Sqrt(average) + epsilon);
        }

        public Vector512<T> Apply(Vector512<T> p, Vector512<T> g, ref Vector512<T> average, ref Vector512<T> unused)
        {
            var grad = g * _scale;
            average = _rho * average + _oneMinusRho * grad * grad;
            return _keep * p - _rate * grad / (Vector512.Sqrt(average) + _epsilon);
        }
    }
}
