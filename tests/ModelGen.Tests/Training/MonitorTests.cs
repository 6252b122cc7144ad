using ModelGen.Training;

namespace ModelGen.Tests.Training;

/// <summary>Each runtime monitor fires on a run built to trigger it, once, and all stay quiet on a healthy run.</summary>
public sealed class MonitorTests
{
    private static readonly Dataset<float, int> Data = TrainerTests.Blobs(samples: 96, seed: 12);

    [Fact]
    public void A_healthy_run_raises_nothing()
    {
        TrainingHistory history = Trainer.Fit(new CalmBlobClassifier(), Data, new FitOptions { Epochs = 8, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        Assert.Empty(history.Warnings);
    }

    [Fact]
    public void A_learning_rate_of_10_gives_huge_updates()
    {
        var model = new BlobClassifier { LearningRateSchedule = Schedule.Constant(10) };
        var printed = new StringWriter();
        TrainingHistory history = Trainer.Fit(model, Data, new FitOptions
        {
            Epochs = 6, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5), Progress = new ConsoleProgress(printed, live: false),
        });
        TrainingWarning large = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.LargeUpdates && w.Layer == "Hidden.weight");
        Assert.True(large.Value > 0.01, $"update ratio {large.Value}");
        Assert.Contains("warning [large-updates] epoch 1, step 1, layer Hidden.weight: one step changes Hidden.weight by", printed.ToString());
        Assert.Equal(history.Warnings.Count, history.Warnings.Select(w => (w.Monitor, w.Layer)).Distinct().Count()); // each once
    }

    [Fact]
    public void Plain_sgd_at_a_learning_rate_of_10_diverges_to_non_finite_weights()
    {
        var random = new Random(13);
        float[] x = Enumerable.Range(0, 64 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, 64).Select(i => x[i * 3] - x[i * 3 + 2]).ToArray();
        var model = new LinearRegressor { LearningRateSchedule = Schedule.Constant(10) };
        TrainingHistory history = Trainer.Fit(model, new Dataset<float, float>(x, y, 3, 1), new FitOptions { Epochs = 8, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 4) });
        Assert.Contains(history.Warnings, w => w.Monitor == TrainingWarning.Diverging);
        Assert.Contains(history.Warnings, w => w.Monitor == TrainingWarning.NonFiniteWeights && w.Layer == "Output.weight");
    }

    [Fact]
    public void Oversized_output_weights_make_the_first_loss_far_from_ln_c()
    {
        var model = new CalmBlobClassifier();
        foreach (ParameterInfo tensor in CalmBlobClassifier.Manifest.Where(t => t.Name == "Logits.weight"))
            foreach (ref float w in model.Parameters.Slice(tensor.Offset, tensor.Length))
                w *= 60;
        TrainingHistory history = Trainer.Fit(model, Data, new FitOptions { Epochs = 1, BatchSize = 8, Monitors = TrainingMonitors.Default });
        TrainingWarning warning = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.InitialLoss);
        Assert.Contains("far from ln 3 = 1.099", warning.Message);
        Assert.Equal(1, warning.Step);
    }

    [Fact]
    public void Pixels_in_0_to_255_are_unnormalized_inputs()
    {
        float[] raw = Data.Inputs.Select(v => v * 120 + 128).ToArray();
        TrainingHistory history = Trainer.Fit(new CalmBlobClassifier(), new Dataset<float, int>(raw, Data.Targets, 4, 1),
            new FitOptions { Epochs = 1, BatchSize = 8, Monitors = TrainingMonitors.Default });
        TrainingWarning warning = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.UnnormalizedInputs);
        Assert.Contains("scale 0–255 pixels by 1/255", warning.Message);
        Assert.Equal(0, warning.Step); // before any step
    }

    [Fact]
    public void A_vanishing_learning_rate_gives_tiny_updates_and_a_stalled_loss()
    {
        var model = new CalmBlobClassifier { LearningRateSchedule = Schedule.Constant(1e-9) };
        TrainingHistory history = Trainer.Fit(model, Data, new FitOptions { Epochs = 5, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        Assert.Contains(history.Warnings, w => w.Monitor == TrainingWarning.SmallUpdates && w.Layer == "Hidden.weight");
        TrainingWarning stalled = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.Stalled);
        Assert.Equal(4, stalled.Epoch); // three epochs without progress after the first
    }

    [Theory]
    [InlineData(new[] { 1.0, 0.8, 1.0, 0.78, 1.02, 0.77 }, TrainingWarning.Oscillating, 6)]
    [InlineData(new[] { 1.0, 0.9, 1.2, 1.6, 2.5 }, TrainingWarning.Diverging, 4)]
    [InlineData(new[] { 1.0, double.NaN }, TrainingWarning.Diverging, 2)]
    public void Loss_curves_that_oscillate_or_diverge_are_named(double[] epochLosses, string monitor, int epoch)
    {
        var model = new ScriptedModel(epochLosses);
        TrainingHistory history = Trainer.Fit(model, new Dataset<float, int>(new float[2], [0, 1], 1, 1),
            new FitOptions { Epochs = epochLosses.Length, BatchSize = 2, Monitors = TrainingMonitors.Default });
        Assert.Equal(epoch, Assert.Single(history.Warnings, w => w.Monitor == monitor).Epoch);
    }

    /// <summary>A stand-in model whose one step per epoch returns the scripted loss (and whose parameters never change).</summary>
    private sealed class ScriptedModel(double[] losses) : ISupervisedModel<float, int>
    {
        private readonly float[] _parameters = [1f];
        private long _step;

        public int InputsPerSample => 1;
        public int TargetsPerSample => 1;
        public int OutputsPerSample => 1;
        public Span<float> Parameters => _parameters;
        public Span<float> State => Span<float>.Empty;
        public long Step => _step;
        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => (float)losses[_step++];
        public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => 0;
        public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs) => outputs.Clear();
        public void SaveCheckpoint(string path) => throw new NotSupportedException();
    }
}
