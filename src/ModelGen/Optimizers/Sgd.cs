using System.Numerics;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// SGD matching <c>torch.optim.SGD</c> (no dampening): with momentum μ, b ← μb + g and the step uses b,
/// or g + μb for Nesterov. One pass; the gradient scale carries clipping.
/// </summary>
public static class Sgd
{
    /// <summary>Plain SGD: p ← p − lr·g.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, learningRate, gradientScale, T.One);

    /// <summary>Plain SGD with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ElementwiseUpdate.Run("SGD", parameters, gradients, Span<T>.Empty, Span<T>.Empty, new Plain<T>(learningRate * gradientScale, keep));

    /// <summary>SGD with (Nesterov) momentum.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, velocity, learningRate, momentum, nesterov, gradientScale, T.One);

    /// <summary>SGD with momentum, the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (nesterov)
            ElementwiseUpdate.Run("SGD", parameters, gradients, velocity, Span<T>.Empty, new Momentum<T, Yes>(gradientScale, learningRate, momentum, keep));
        else
            ElementwiseUpdate.Run("SGD", parameters, gradients, velocity, Span<T>.Empty, new Momentum<T, No>(gradientScale, learningRate, momentum, keep));
    }

    /// <summary>p ← keep·p − (lr·scale)·g.</summary>
    private readonly struct Plain<T>(T step, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Vector512<T> _step = Vector512.Create(step), _keep = Vector512.Create(keep);

        public static int States => 0;

        public T Apply(T p, T g, ref T unused1, ref T unused2) => keep * p - step * g;

        public Vector512<T> Apply(Vector512<T> p, Vector512<T> g, ref Vector512<T> unused1, ref Vector512<T> unused2) => _keep * p - _step * g;
    }

    /// <summary>b ← μb + g·scale; p ← keep·p − lr·(Nesterov ? g·scale + μb : b). Nesterov is a type so the choice is compiled in.</summary>
    private readonly struct Momentum<T, TNesterov>(T scale, T rate, T momentum, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TNesterov : struct, IFlag
    {
        private readonly Vector512<T> _scale = Vector512.Create(scale), _rate = Vector512.Create(rate), _momentum = Vector512.Create(momentum), _keep = Vector512.Create(keep);

        public static int States => 1;

        public T Apply(T p, T g, ref T velocity, ref T unused)
        {
            T grad = g * scale;
            velocity = momentum * velocity + grad;
            return keep * p - rate * (TNesterov.Value ? grad + momentum * velocity : velocity);
        }

        public Vector512<T> Apply(Vector512<T> p, Vector512<T> g, ref Vector512<T> velocity, ref Vector512<T> unused)
        {
            var grad = g * _scale;
            velocity = _momentum * velocity + grad;
            return _keep * p - _rate * (TNesterov.Value ? grad + _momentum * velocity : velocity);
        }
    }

    private interface IFlag { static abstract bool Value { get; } }
    private readonly struct Yes : IFlag { public static bool Value => true; }
    private readonly struct No : IFlag { public static bool Value => false; }
}
