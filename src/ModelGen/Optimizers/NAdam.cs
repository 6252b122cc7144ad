using System.Numerics;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// NAdam (Dozat: Adam with Nesterov momentum), matching <c>torch.optim.NAdam</c>: the momentum coefficient warms up
/// as μₜ = β₁(1 − ½·0.96^(t·ψ)) (ψ: the momentum decay), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², and the step looks one
/// momentum ahead: p ← p − [lr(1 − μₜ)/(1 − Πμ₁…ₜ) · g + lr·μₜ₊₁/(1 − Πμ₁…ₜ₊₁) · m] / (√(v/(1 − β₂ᵗ)) + ε).
/// The product of the μ is recomputed from the step count (PyTorch keeps it as state) so a checkpoint needs no extra
/// scalar; moments below the smallest normal flush to zero as in <see cref="Adam"/>.
/// </summary>
public static class NAdam
{
    /// <summary>
    /// Applies step <paramref name="step"/> (1-based) to every parameter, the parameters first multiplied by
    /// <paramref name="keep"/> (decoupled weight decay; 1 for none); the gradient scale carries clipping.
    /// </summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoment, Span<T> secondMoment,
        T learningRate, T beta1, T beta2, T epsilon, T momentumDecay, long step, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var (gradientStep, momentumStep) = Coefficients(double.CreateChecked(learningRate), double.CreateChecked(beta1), double.CreateChecked(momentumDecay), step);
        var rule = new Rule<T>(gradientScale, beta1, beta2, epsilon, keep, T.CreateChecked(gradientStep), T.CreateChecked(momentumStep), Adam.InverseCorrection2(beta2, step));
        ElementwiseUpdate.Run("NAdam", parameters, gradients, firstMoment, secondMoment, Span<T>.Empty, rule);
    }

    /// <summary>
    /// The step's two coefficients, lr(1 − μₜ)/(1 − Πμ₁…ₜ) on the gradient and lr·μₜ₊₁/(1 − Πμ₁…ₜ₊₁) on the first moment,
    /// in double; every backend computes them here so all agree.
    /// </summary>
    public static (double GradientStep, double MomentumStep) Coefficients(double learningRate, double beta1, double momentumDecay, long step)
    {
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step, "NAdam: steps count from 1.");
        // Π μᵢ shrinks at least as fast as β₁ⁱ·(1 − ½·0.96^(iψ)); once 1 − Π is 1 in double no later factor can change
        // either coefficient, so the loop stops there: at most a few hundred factors for β₁ = 0.9, not t.
        double product = 1;
        for (long i = 1; i <= step && 1 - product != 1; i++)
            product *= Momentum(beta1, momentumDecay, i);
        double current = Momentum(beta1, momentumDecay, step), next = Momentum(beta1, momentumDecay, step + 1);
        return (learningRate * (1 - current) / (1 - product), learningRate * next / (1 - product * next));
    }

    /// <summary>μᵢ = β₁(1 − ½·0.96^(i·ψ)).</summary>
    private static double Momentum(double beta1, double momentumDecay, long step) => beta1 * (1 - 0.5 * Math.Pow(0.96, step * momentumDecay));

    private readonly struct Rule<T>(T scale, T beta1, T beta2, T epsilon, T keep, T gradientStep, T momentumStep, T inverseCorrection2) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public static int States => 2;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector m, ref TVector v, ref TVector unused3) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            m = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(beta1), m), TOps.Multiply(TOps.Broadcast(T.One - beta1), grad)));
            v = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(beta2), v), TOps.Multiply(TOps.Multiply(TOps.Broadcast(T.One - beta2), grad), grad)));
            TVector denominator = TOps.Add(TOps.Multiply(TOps.Sqrt(v), TOps.Broadcast(inverseCorrection2)), TOps.Broadcast(epsilon));
            TVector step = TOps.Add(TOps.Multiply(TOps.Broadcast(gradientStep), grad), TOps.Multiply(TOps.Broadcast(momentumStep), m));
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), TOps.Divide(step, denominator));
        }
    }
}
