using ModelGen;
using ModelGen.Optimizers;
using ModelGen.Training;

namespace ModelGen.Tests.Training;

/// <summary>Plain SGD with a cosine decay after a warm-up: the rate of each step shows in the update, w ← w − ε_k·g.</summary>
[Model(InputSize = 3, Seed = 2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), CosineDecay(10, FinalFraction = 0.1f), Warmup(4)]
public partial class CosineWarmupRegressor
{
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Step decay, halving every 3 steps.</summary>
[Model(InputSize = 3, Seed = 2)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), StepDecay(3, Factor = 0.5f)]
public partial class StepDecayRegressor
{
    [Dense(2)] public partial Dense Output { get; }
}

public sealed class ScheduleTests
{
    [Theory]
    [InlineData(1, 0.1)]       // ε₀ · 1
    [InlineData(3, 0.1)]
    [InlineData(4, 0.05)]      // one drop after 3 steps
    [InlineData(10, 0.0125)]   // three drops
    public void Step_decay_at_chosen_steps(long step, double expected)
        => Assert.Equal(expected, LearningRateSchedule.Step(0.1, 0.5, step, 3), 12);

    [Fact]
    public void Exponential_cosine_and_warmup_at_chosen_steps()
    {
        Assert.Equal(1.0, LearningRateSchedule.Exponential(1.0, 0.5, 1, 10), 12);
        Assert.Equal(0.5, LearningRateSchedule.Exponential(1.0, 0.5, 11, 10), 12);
        Assert.Equal(Math.Pow(0.5, 0.5), LearningRateSchedule.Exponential(1.0, 0.5, 6, 10), 12);
        Assert.Equal(1.0, LearningRateSchedule.Cosine(1.0, 0.1, 1, 10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, LearningRateSchedule.Cosine(1.0, 0.1, 6, 10), 12); // halfway: cos(π/2) = 0
        Assert.Equal(0.1, LearningRateSchedule.Cosine(1.0, 0.1, 11, 10), 12);
        Assert.Equal(0.1, LearningRateSchedule.Cosine(1.0, 0.1, 500, 10), 12);
        Assert.Equal(0.25, LearningRateSchedule.Warmup(1.0, 1, 4), 12);
        Assert.Equal(0.75, LearningRateSchedule.Warmup(1.0, 3, 4), 12);
        Assert.Equal(1.0, LearningRateSchedule.Warmup(1.0, 9, 4), 12);
        Assert.Equal(LearningRateSchedule.Linear(0.05, 0.01, 2, 100) * 2 / 5, Schedule.Linear(0.05, 100).WithWarmup(5).Rate(2), 12);
    }

    [Fact]
    public void The_declared_schedule_sets_each_steps_rate()
    {
        var model = new CosineWarmupRegressor();
        var (inputs, targets) = Batch(seed: 1);
        for (long step = 1; step <= 14; step++)
        {
            double expected = LearningRateSchedule.Warmup(LearningRateSchedule.Cosine(0.1, 0.1, step, 10), step, 4);
            Assert.Equal(expected, ObservedRate(model, inputs, targets), 4);
        }

        var stepped = new StepDecayRegressor();
        double[] rates = Enumerable.Range(0, 7).Select(_ => ObservedRate(stepped, inputs, targets)).ToArray();
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], rates.Select(r => Math.Round(r, 4)).ToArray());
    }

    [Fact]
    public void A_schedule_set_at_run_time_replaces_the_declared_one_until_cleared()
    {
        var model = new CosineWarmupRegressor();
        var (inputs, targets) = Batch(seed: 2);
        model.LearningRateSchedule = Schedule.Step(0.4, every: 2, factor: 0.5);
        Assert.Equal(0.4, ObservedRate(model, inputs, targets), 4);
        Assert.Equal(0.4, ObservedRate(model, inputs, targets), 4);
        Assert.Equal(0.2, ObservedRate(model, inputs, targets), 4);
        model.LearningRateSchedule = null;
        double declared = LearningRateSchedule.Cosine(0.1, 0.1, 4, 10); // step 4: warm-up complete
        Assert.Equal(declared, ObservedRate(model, inputs, targets), 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Cosine(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Step(0.1, 0));
    }

    /// <summary>
    /// One SGD step's learning rate, read from the update: the gradient at the current weights (float64 network),
    /// then Δw = −ε·g on the element with the largest gradient.
    /// </summary>
    private static double ObservedRate<TModel>(TModel model, float[] inputs, float[] targets)
        where TModel : ISupervisedModel<float, float>
    {
        double[] before = model.Parameters.ToArray().Select(v => (double)v).ToArray();
        double[] gradient = Gradient(model, inputs, targets);
        model.TrainStep(inputs, targets);
        int largest = Enumerable.Range(0, gradient.Length).MaxBy(i => Math.Abs(gradient[i]));
        return (before[largest] - model.Parameters[largest]) / gradient[largest];
    }

    /// <summary>∂loss/∂w of a linear MSE model with 3 inputs and 2 outputs (W [3 × 2], then b), in double.</summary>
    private static double[] Gradient<TModel>(TModel model, float[] x, float[] t)
        where TModel : ISupervisedModel<float, float>
    {
        float[] w = model.Parameters.ToArray();
        int batch = t.Length / 2;
        var g = new double[w.Length];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < 2; o++)
            {
                double y = w[6 + o];
                for (int i = 0; i < 3; i++)
                    y += (double)x[n * 3 + i] * w[i * 2 + o];
                double dy = 2 * (y - t[n * 2 + o]) / (batch * 2);
                for (int i = 0; i < 3; i++)
                    g[i * 2 + o] += dy * x[n * 3 + i];
                g[6 + o] += dy;
            }
        return g;
    }

    private static (float[] Inputs, float[] Targets) Batch(int seed)
    {
        var random = new Random(seed);
        return (Enumerable.Range(0, 8 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            Enumerable.Range(0, 8 * 2).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray());
    }
}
