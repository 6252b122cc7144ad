using System.Numerics;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// AdaGrad (Duchi et al.), matching <c>torch.optim.Adagrad</c> without learning-rate decay:
/// s ← s + g², p ← p − lr · g / (√s + ε). The accumulated s only grows, so the effective rate only falls.
/// </summary>
public static class AdaGrad
{
    /// <summary>One step over every parameter; the gradient scale carries clipping.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareSum, T learningRate, T epsilon, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, squareSum, learningRate, epsilon, gradientScale, T.One);

    /// <summary>The same step with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareSum, T learningRate, T epsilon, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ElementwiseUpdate.Run("AdaGrad", parameters, gradients, squareSum, Span<T>.Empty, new Rule<T>(gradientScale, learningRate, epsilon, keep));

    private readonly struct Rule<T>(T scale, T rate, T epsilon, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _scale = Vector512.Create(scale), _rate = Vector512.Create(rate), _epsilon = Vector512.Create(epsilon), _keep = Vector512.Create(keep);

        public static int States => 1;

        public T Apply(T p, T g, ref T sum, ref T unused)
        {
            T grad = g * scale;
            sum += grad * grad;
            return keep * p - rate * grad / (T.Sqrt(sum) + epsilon);
        }

        public Vector512<T> Apply(Vector512<T> p, Vector512<T> g, ref Vector512<T> sum, ref Vector512<T> unused)
        {
            var grad = g * _scale;
            sum += grad * grad;
            return _keep * p - _rate * grad / (Vector512.Sqrt(sum) + _epsilon);
        }
    }
}
