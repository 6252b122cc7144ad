namespace ModelGen.Training;

/// <summary>
/// A learning-rate schedule chosen at run time, which replaces the declared one (<c>model.LearningRateSchedule =
/// Schedule.Cosine(3e-3, 5000).WithWarmup(200)</c>): the rate of every update from its 1-based step. Set it to null to
/// return to the declared schedule.
/// </summary>
public abstract class Schedule
{
    /// <summary>The learning rate of update <paramref name="step"/> (1-based).</summary>
    public abstract double Rate(long step);

    /// <summary>The same rate at every step.</summary>
    public static Schedule Constant(double rate)
    {
        CheckRate(rate);
        return new Function(_ => rate);
    }

    /// <summary>Linear decay from <paramref name="initialRate"/> to <paramref name="finalFraction"/> of it over <paramref name="steps"/> updates.</summary>
    public static Schedule Linear(double initialRate, long steps, double finalFraction = 0.01)
    {
        Check(initialRate, steps, finalFraction);
        return new Function(step => Optimizers.LearningRateSchedule.Linear(initialRate, finalFraction, step, steps));
    }

    /// <summary>Drops the rate by <paramref name="factor"/> every <paramref name="every"/> updates.</summary>
    public static Schedule Step(double initialRate, long every, double factor = 0.1)
    {
        Check(initialRate, every, factor);
        return new Function(step => Optimizers.LearningRateSchedule.Step(initialRate, factor, step, every));
    }

    /// <summary>Decays the rate smoothly by <paramref name="factor"/> every <paramref name="steps"/> updates.</summary>
    public static Schedule Exponential(double initialRate, long steps, double factor = 0.96)
    {
        Check(initialRate, steps, factor);
        return new Function(step => Optimizers.LearningRateSchedule.Exponential(initialRate, factor, step, steps));
    }

    /// <summary>Cosine decay from <paramref name="initialRate"/> to <paramref name="finalFraction"/> of it over <paramref name="steps"/> updates.</summary>
    public static Schedule Cosine(double initialRate, long steps, double finalFraction = 0)
    {
        Check(initialRate, steps, finalFraction);
        return new Function(step => Optimizers.LearningRateSchedule.Cosine(initialRate, finalFraction, step, steps));
    }

    /// <summary>This schedule with a linear warm-up over its first <paramref name="steps"/> updates.</summary>
    public Schedule WithWarmup(long steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        return new Function(step => Optimizers.LearningRateSchedule.Warmup(Rate(step), step, steps));
    }

    private static void CheckRate(double rate)
    {
        if (!(rate > 0 && double.IsFinite(rate)))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A learning rate must be positive and finite.");
    }

    private static void Check(double initialRate, long steps, double fraction)
    {
        CheckRate(initialRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction or factor must lie in [0, 1].");
    }

    private sealed class Function(Func<long, double> rate) : Schedule
    {
        public override double Rate(long step) => rate(step);
    }
}
