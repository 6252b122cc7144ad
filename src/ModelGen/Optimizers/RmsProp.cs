using System.Numerics;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// RMSProp (Hinton), matching <c>torch.optim.RMSprop</c>: v ← ρv + (1 − ρ)g², p ← p − lr · g / (√v + ε).
/// Centred (Graves): also a running mean of the gradients, a ← ρa + (1 − ρ)g, and the denominator √(v − a²) + ε, the
/// gradients' running standard deviation rather than their root mean square. With momentum μ: b ← μb + g / denominator
/// and p ← p − lr·b, or, with Nesterov, p ← p − lr·(g / denominator + μb) — the look-ahead form <see cref="Sgd"/> uses
/// (Goodfellow et al., algorithm 8.7; PyTorch's RMSprop has no Nesterov switch). Decaying states are flushed to 0 below
/// the normal range (<see cref="ElementwiseUpdate.FlushSubnormal"/>).
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
        => ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, Span<T>.Empty, Span<T>.Empty,
            new Rule<T, No, No, No>(gradientScale, learningRate, rho, epsilon, T.Zero, keep));

    /// <summary>
    /// The general step: with <paramref name="momentum"/> &gt; 0 the <paramref name="velocity"/> buffer is read and
    /// written (empty otherwise), and when <paramref name="gradientAverage"/> is not empty the step is centred.
    /// </summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareAverage, Span<T> velocity, Span<T> gradientAverage,
        T learningRate, T rho, T epsilon, T momentum, bool nesterov, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (nesterov && momentum == T.Zero)
            throw new ArgumentException("RMSProp: Nesterov needs momentum > 0.", nameof(nesterov));
        bool centred = !gradientAverage.IsEmpty;
        // The rule reads the first States buffers: the square average, then the velocity (with momentum), then the
        // gradient average (centred) — the order of the generated state buffers.
        if (momentum == T.Zero)
        {
            if (centred)
                ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, gradientAverage, Span<T>.Empty, new Rule<T, No, No, Yes>(gradientScale, learningRate, rho, epsilon, momentum, keep));
            else
                ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, Span<T>.Empty, Span<T>.Empty, new Rule<T, No, No, No>(gradientScale, learningRate, rho, epsilon, momentum, keep));
        }
        else if (nesterov)
        {
            if (centred)
                ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, velocity, gradientAverage, new Rule<T, Yes, Yes, Yes>(gradientScale, learningRate, rho, epsilon, momentum, keep));
            else
                ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, velocity, Span<T>.Empty, new Rule<T, Yes, Yes, No>(gradientScale, learningRate, rho, epsilon, momentum, keep));
        }
        else if (centred)
            ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, velocity, gradientAverage, new Rule<T, Yes, No, Yes>(gradientScale, learningRate, rho, epsilon, momentum, keep));
        else
            ElementwiseUpdate.Run("RMSProp", parameters, gradients, squareAverage, velocity, Span<T>.Empty, new Rule<T, Yes, No, No>(gradientScale, learningRate, rho, epsilon, momentum, keep));
    }

    /// <summary>
    /// State 1 is the square average; then the velocity when <typeparamref name="TMomentum"/>; then (or second, without
    /// momentum) the gradient average when <typeparamref name="TCentred"/>.
    /// </summary>
    private readonly struct Rule<T, TMomentum, TNesterov, TCentred>(T scale, T rate, T rho, T epsilon, T momentum, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TMomentum : struct, IFlag
        where TNesterov : struct, IFlag
        where TCentred : struct, IFlag
    {
        public static int States => 1 + (TMomentum.Value ? 1 : 0) + (TCentred.Value ? 1 : 0);

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector average, ref TVector state2, ref TVector state3) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            TVector oneMinusRho = TOps.Broadcast(T.One - rho);
            average = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(rho), average), TOps.Multiply(TOps.Multiply(oneMinusRho, grad), grad)));
            TVector variance = average;
            if (TCentred.Value)
            {
                ref TVector gradientAverage = ref TMomentum.Value ? ref state3 : ref state2;
                gradientAverage = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(rho), gradientAverage), TOps.Multiply(oneMinusRho, grad)));
                // v − a² ≥ 0 in exact arithmetic (both are averages with the same weights); rounding can dip below 0
                // when the gradient barely varies, where the root would be NaN.
                TVector centred = TOps.Subtract(average, TOps.Multiply(gradientAverage, gradientAverage));
                variance = TOps.ConditionalSelect(TOps.LessThan(centred, TOps.Zero), TOps.Zero, centred);
            }
            TVector denominator = TOps.Add(TOps.Sqrt(variance), TOps.Broadcast(epsilon));
            TVector kept = TOps.Multiply(TOps.Broadcast(keep), p);
            if (!TMomentum.Value)
                return TOps.Subtract(kept, TOps.Divide(TOps.Multiply(TOps.Broadcast(rate), grad), denominator));
            TVector normalized = TOps.Divide(grad, denominator);
            TVector mu = TOps.Broadcast(momentum);
            state2 = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(mu, state2), normalized));
            TVector direction = TNesterov.Value ? TOps.Add(normalized, TOps.Multiply(mu, state2)) : state2;
            return TOps.Subtract(kept, TOps.Multiply(TOps.Broadcast(rate), direction));
        }
    }
}
