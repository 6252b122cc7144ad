using System.Numerics;
using ModelGen.Simd;

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
        => ElementwiseUpdate.Run("SGD", parameters, gradients, Span<T>.Empty, Span<T>.Empty, Span<T>.Empty, new Plain<T>(learningRate * gradientScale, keep));

    /// <summary>SGD with (Nesterov) momentum.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, velocity, learningRate, momentum, nesterov, gradientScale, T.One);

    /// <summary>SGD with momentum, the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (nesterov)
            ElementwiseUpdate.Run("SGD", parameters, gradients, velocity, Span<T>.Empty, Span<T>.Empty, new Momentum<T, Yes>(gradientScale, learningRate, momentum, keep));
        else
            ElementwiseUpdate.Run("SGD", parameters, gradients, velocity, Span<T>.Empty, Span<T>.Empty, new Momentum<T, No>(gradientScale, learningRate, momentum, keep));
    }

    /// <summary>p ← keep·p − (lr·scale)·g.</summary>
    private readonly struct Plain<T>(T step, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int States => 0;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector unused1, ref TVector unused2, ref TVector unused3) where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), TOps.Multiply(TOps.Broadcast(step), g));
    }

    /// <summary>b ← μb + g·scale (flushed to 0 below the normal range); p ← keep·p − lr·(Nesterov ? g·scale + μb : b). Nesterov is a type so the choice is compiled in.</summary>
    private readonly struct Momentum<T, TNesterov>(T scale, T rate, T momentum, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TNesterov : struct, IFlag
    {
        public static int States => 1;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector velocity, ref TVector unused2, ref TVector unused3) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            TVector mu = TOps.Broadcast(momentum);
            velocity = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(mu, velocity), grad));
            TVector direction = TNesterov.Value ? TOps.Add(grad, TOps.Multiply(mu, velocity)) : velocity;
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), TOps.Multiply(TOps.Broadcast(rate), direction));
        }
    }
}
