using System.Numerics;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// Adam (Kingma and Ba) with bias correction, matching <c>torch.optim.Adam</c>:
/// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε).
/// One pass over parameters, gradients and both moments; the gradient scale carries clipping.
/// Moments that decay below the smallest normal number are flushed to zero (<see cref="ElementwiseUpdate.FlushSubnormal"/>):
/// a subnormal m or v changes no update (the step is bounded by m / ε, and √v ≪ ε).
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
        => ElementwiseUpdate.Run("Adam", parameters, gradients, firstMoment, secondMoment, Span<T>.Empty,
            new Rule<T, No>(gradientScale, beta1, beta2, epsilon, keep, StepSize(learningRate, beta1, step), InverseCorrection2(beta2, step)));

    /// <summary>
    /// AMSGrad (Reddi et al.; <c>torch.optim.Adam(amsgrad=True)</c>): the denominator uses the largest second moment seen
    /// so far, v̂ ← max(v̂, v), so a parameter's effective step size never grows again after a run of small gradients.
    /// </summary>
    public static void UpdateAmsGrad<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoment, Span<T> secondMoment, Span<T> maxSecondMoment,
        T learningRate, T beta1, T beta2, T epsilon, long step, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ElementwiseUpdate.Run("Adam (AMSGrad)", parameters, gradients, firstMoment, secondMoment, maxSecondMoment,
            new Rule<T, Yes>(gradientScale, beta1, beta2, epsilon, keep, StepSize(learningRate, beta1, step), InverseCorrection2(beta2, step)));

    /// <summary>lr / (1 − β₁ᵗ): the first moment's bias correction folded into the step size (every backend uses this).</summary>
    public static T StepSize<T>(T learningRate, T beta1, long step) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => learningRate / (T.One - T.Pow(beta1, T.CreateChecked(step)));

    /// <summary>1 / √(1 − β₂ᵗ): the second moment's bias correction, applied to √v.</summary>
    public static T InverseCorrection2<T>(T beta2, long step) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => T.One / T.Sqrt(T.One - T.Pow(beta2, T.CreateChecked(step)));

    /// <summary>The Adam step; with <typeparamref name="TAmsGrad"/> the denominator reads max(v̂, v), kept in state 3.</summary>
    private readonly struct Rule<T, TAmsGrad>(T scale, T beta1, T beta2, T epsilon, T keep, T stepSize, T inverseCorrection2) : IUpdateRule<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TAmsGrad : struct, IFlag
    {
        public static int States => TAmsGrad.Value ? 3 : 2;

        public TVector Apply<TVector, TOps>(TVector p, TVector g, ref TVector m, ref TVector v, ref TVector maxV) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            TVector grad = TOps.Multiply(g, TOps.Broadcast(scale));
            m = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(beta1), m), TOps.Multiply(TOps.Broadcast(T.One - beta1), grad)));
            v = ElementwiseUpdate.FlushSubnormal<T, TVector, TOps>(TOps.Add(TOps.Multiply(TOps.Broadcast(beta2), v), TOps.Multiply(TOps.Multiply(TOps.Broadcast(T.One - beta2), grad), grad)));
            TVector second = v;
            if (TAmsGrad.Value)
                second = maxV = TOps.ConditionalSelect(TOps.GreaterThan(v, maxV), v, maxV);
            TVector denominator = TOps.Add(TOps.Multiply(TOps.Sqrt(second), TOps.Broadcast(inverseCorrection2)), TOps.Broadcast(epsilon));
            return TOps.Subtract(TOps.Multiply(TOps.Broadcast(keep), p), TOps.Divide(TOps.Multiply(TOps.Broadcast(stepSize), m), denominator));
        }
    }
}
