using System.Numerics;
using ModelGen.Simd;

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
        => ElementwiseUpdate.Run("AdaGrad", parameters, gradients, squareSum, Span<T>.Empty, Span<T>.Empty, new Rule<T>(gradientScale, learningRate, epsilon, keep));

    private readonly struct Rule<T>(T scale, T rate, T epsilon, T keep) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int States => 1;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector sum, ref TVector unused2, ref TVector unused3) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            sum = TOps.Add(sum, TOps.Multiply(grad, grad));
            TVector step = TOps.Divide(TOps.Multiply(TOps.Broadcast(rate), grad), TOps.Add(TOps.Sqrt(sum), TOps.Broadcast(epsilon)));
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), step);
        }
    }
}
