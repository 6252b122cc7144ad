using System.Numerics;

namespace ModelGen.Optimizers;

/// <summary>
/// The learning-rate schedules the attributes declare (<c>[LinearDecay]</c>, <c>[StepDecay]</c>,
/// <c>[ExponentialDecay]</c>, <c>[CosineDecay]</c>, <c>[Warmup]</c>), as the generated update computes them: the rate
/// for update <c>step</c> (1-based) from the optimizer's initial rate ε₀.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// Linear decay: the rate for update <paramref name="step"/> (1-based) is (1 − α)·ε₀ + α·fraction·ε₀ with
    /// α = min((step − 1)/steps, 1).
    /// </summary>
    public static T Linear<T>(T initialRate, T finalFraction, long step, long steps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T alpha = T.Min(T.CreateChecked(step - 1) / T.CreateChecked(steps), T.One);
        return (T.One - alpha) * initialRate + alpha * finalFraction * initialRate;
    }

    /// <summary>Step decay: ε₀ · factor^⌊(step − 1)/every⌋ — the rate drops by <paramref name="factor"/> every <paramref name="every"/> updates.</summary>
    public static T Step<T>(T initialRate, T factor, long step, long every) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => initialRate * T.Pow(factor, T.CreateChecked((step - 1) / every));

    /// <summary>Exponential decay: ε₀ · factor^((step − 1)/steps) — smoothly, by <paramref name="factor"/> every <paramref name="steps"/> updates.</summary>
    public static T Exponential<T>(T initialRate, T factor, long step, long steps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => initialRate * T.Pow(factor, T.CreateChecked(step - 1) / T.CreateChecked(steps));

    /// <summary>
    /// Cosine decay (Loshchilov and Hutter): ε₀ · (f + (1 − f) · ½(1 + cos πα)) with α = min((step − 1)/steps, 1), from ε₀
    /// down to f·ε₀, constant afterwards.
    /// </summary>
    public static T Cosine<T>(T initialRate, T finalFraction, long step, long steps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T alpha = T.Min(T.CreateChecked(step - 1) / T.CreateChecked(steps), T.One);
        T half = T.CreateChecked(0.5);
        return initialRate * (finalFraction + (T.One - finalFraction) * half * (T.One + T.Cos(T.Pi * alpha)));
    }

    /// <summary>Linear warm-up: the scheduled rate × min(1, step/steps), so update 1 takes 1/steps of it and update <paramref name="steps"/> all of it.</summary>
    public static T Warmup<T>(T rate, long step, long steps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => step >= steps ? rate : rate * T.CreateChecked(step) / T.CreateChecked(steps);
}
