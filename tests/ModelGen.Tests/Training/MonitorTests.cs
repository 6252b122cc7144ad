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
        Assert.True(large.Value > 0.1, $"update ratio {large.Value}");
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

    [Fact]
    public void Healthy_deeper_models_raise_nothing()
    {
        TrainingHistory relu = Trainer.Fit(new DeepReluClassifier(), Data, new FitOptions { Epochs = 6, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 3) });
        Assert.Empty(relu.Warnings.Select(w => w.ToString()));
        TrainingHistory conv = Trainer.Fit(new SquashedConvClassifier(), Images(), new FitOptions { Epochs = 4, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 3) });
        Assert.Empty(conv.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void A_learning_rate_of_10_makes_the_gradients_explode()
    {
        var model = new DeepReluClassifier { LearningRateSchedule = Schedule.Constant(10) };
        TrainingHistory history = Trainer.Fit(model, Data, new FitOptions { Epochs = 3, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 2) });
        TrainingWarning exploding = history.Warnings.First(w => w.Monitor == TrainingWarning.ExplodingGradients);
        Assert.EndsWith(".weight", exploding.Layer);
        Assert.True(double.IsFinite(exploding.Value), exploding.Message); // caught growing, before it overflows
        Assert.Contains("× its norm at the first checked step: gradients are exploding", exploding.Message);
    }

    [Fact]
    public void Ten_sigmoid_layers_make_the_first_layers_gradients_vanish()
    {
        TrainingHistory history = Trainer.Fit(new DeepSigmoidClassifier(), Data, new FitOptions { Epochs = 1, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        TrainingWarning vanishing = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.VanishingGradients);
        Assert.Equal("Layer1.weight", vanishing.Layer);
        Assert.True(vanishing.Value < 1e-3, $"ratio {vanishing.Value}");
        Assert.Contains("of Logits.weight's (RMS per weight)", vanishing.Message);
        Assert.Equal(1, vanishing.Step);
    }

    [Fact]
    public void A_bias_of_minus_10_under_relu_kills_every_unit()
    {
        var model = new DeepReluClassifier();
        model.Parameter("Hidden2.bias").Fill(-10);
        TrainingHistory history = Trainer.Fit(model, Data, new FitOptions { Epochs = 1, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        TrainingWarning dead = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.DeadUnits);
        Assert.Equal("Hidden2", dead.Layer);
        Assert.Equal(1.0, dead.Value);
        Assert.Contains("(32 of 32) output 0 for every sample, at this check and the last", dead.Message);
        Assert.Equal(6, dead.Step); // the second check (steps 1, 6, 11 are checked)
    }

    [Fact]
    public void Dead_feature_map_channels_are_counted_per_channel()
    {
        var model = new SquashedConvClassifier();
        model.Parameter("Features.bias")[..4].Fill(-10); // four of six channels off at every position
        TrainingHistory history = Trainer.Fit(model, Images(), new FitOptions { Epochs = 1, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        TrainingWarning dead = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.DeadUnits);
        Assert.Equal("Features", dead.Layer);
        Assert.Equal(4.0 / 6, dead.Value, 9);
    }

    [Fact]
    public void Raw_0_to_255_inputs_saturate_a_sigmoid_layer()
    {
        Dataset<float, int> images = Images();
        float[] raw = images.Inputs.Select(v => v * 255).ToArray();
        TrainingHistory history = Trainer.Fit(new SquashedConvClassifier(), new Dataset<float, int>(raw, images.Targets, 16, 1),
            new FitOptions { Epochs = 1, BatchSize = 8, Monitors = new TrainingMonitors(SampleEvery: 5) });
        TrainingWarning saturated = Assert.Single(history.Warnings, w => w.Monitor == TrainingWarning.SaturatedUnits);
        Assert.Equal("Squash", saturated.Layer);
        Assert.True(saturated.Value > 0.5, $"saturated share {saturated.Value}");
        Assert.Contains(history.Warnings, w => w.Monitor == TrainingWarning.UnnormalizedInputs);
    }

    [Fact]
    public void Generated_models_expose_what_the_monitors_read()
    {
        IMonitoredModel model = new SquashedConvClassifier();
        Assert.Equal([new ActivationProbe("Features", Activation.ReLU, 6, 16), new ActivationProbe("Squash", Activation.Sigmoid, 8, 1)], model.Activations);
        Assert.True(model.ActivationValues(0).IsEmpty);
        var trained = new SquashedConvClassifier();
        Dataset<float, int> images = Images();
        trained.TrainStep(images.Inputs.AsSpan(0, 5 * 16), images.Targets.AsSpan(0, 5));
        IMonitoredModel monitored = trained;
        Assert.Equal(5 * 6 * 16, monitored.ActivationValues(0).Length);
        Assert.Equal(5 * 8, monitored.ActivationValues(1).Length);
        Assert.All(monitored.ActivationValues(1).ToArray(), y => Assert.InRange(y, 0f, 1f));
        // The workspace's buffers start on a cache line (AlignedBuffer): full-width vectors never straddle two.
        unsafe
        {
            fixed (float* features = monitored.ActivationValues(0), squash = monitored.ActivationValues(1))
            {
                Assert.Equal(0u, (nuint)features % 64);
                Assert.Equal(0u, (nuint)squash % 64);
            }
        }
        Assert.Equal(SquashedConvClassifier.ParameterCount, monitored.Gradients.Length);
        Assert.Contains(monitored.Gradients.ToArray(), g => g != 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => monitored.ActivationValues(2).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((IMonitoredModel)new LinearRegressor()).ActivationValues(0).Length);
    }

    [Fact]
    public void A_sequence_layers_watched_values_cover_the_steps_the_batch_ran()
    {
        var tagger = new ReluTagger();
        IMonitoredModel monitored = tagger;
        Assert.Equal([new ActivationProbe("Hidden", Activation.ReLU, 7, 1)], monitored.Activations);
        int[] tokens = [3, 4, 5, 0, 0, 0, 1, 2, 0, 0, 0, 0]; // the longest sample has 3 steps
        tagger.TrainStep(tokens, [1, 2, 3, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
        Assert.Equal(2 * 3 * 7, monitored.ActivationValues(0).Length);
    }

    /// <summary>Three classes of 4×4 images: a bright row, column or diagonal over noise, in [0, 1].</summary>
    private static Dataset<float, int> Images()
    {
        var random = new Random(31);
        const int Samples = 48;
        float[] x = new float[Samples * 16];
        int[] y = new int[Samples];
        for (int n = 0; n < Samples; n++)
        {
            y[n] = n % 3;
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 4; j++)
                    x[n * 16 + i * 4 + j] = (float)random.NextDouble() * 0.3f;
                int lit = y[n] switch { 0 => 4 + i, 1 => i * 4 + 1, _ => i * 5 };
                x[n * 16 + lit] = 1;
            }
        }
        return new Dataset<float, int>(x, y, 16, 1);
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

    [Fact]
    public void A_noisy_loss_that_still_falls_is_not_oscillating()
    {
        double[] losses = [0.0837, 0.0840, 0.0782, 0.0835, 0.0650, 0.0686]; // an augmented CNN's epochs 16–21
        TrainingHistory history = Trainer.Fit(new ScriptedModel(losses), new Dataset<float, int>(new float[2], [0, 1], 1, 1),
            new FitOptions { Epochs = losses.Length, BatchSize = 2, Monitors = TrainingMonitors.Default });
        Assert.DoesNotContain(history.Warnings, w => w.Monitor == TrainingWarning.Oscillating);
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
