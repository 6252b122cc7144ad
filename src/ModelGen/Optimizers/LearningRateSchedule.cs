using System.Numerics;

namespace ModelGen.Optimizers;

/// <summary>Learning-rate schedules, evaluated once per optimizer step.</summary>
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
}
