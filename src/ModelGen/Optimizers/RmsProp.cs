using System.Numerics;
using ModelGen.Simd;

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
        public static int States => 1;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector average, ref TVector unused) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            average = TOps.Add(TOps.Multiply(TOps.Broadcast(rho), average), TOps.Multiply(TOps.Multiply(TOps.Broadcast(T.One - rho), grad), grad));
            TVector step = TOps.Divide(TOps.Multiply(TOps.Broadcast(rate), grad), TOps.Add(TOps.Sqrt(average), TOps.Broadcast(epsilon)));
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), step);
        }
    }
}
