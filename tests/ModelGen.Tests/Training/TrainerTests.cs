using ModelGen.Training;

namespace ModelGen.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void Early_stopping_stops_after_its_patience_and_restores_the_best_epochs_weights()
    {
        // Training pulls the weights from w0 toward w1; validation targets come from w2 = w0 + 0.3 (w1 − w0), so the
        // validation loss falls while the weights approach w2 and rises once they pass it.
        var model = new LinearRegressor();
        float[] w0 = model.Parameters.ToArray();
        float[] w1 = [1.5f, -2f, 0.5f, 0.25f];
        float[] w2 = w0.Select((w, i) => w + 0.3f * (w1[i] - w)).ToArray();
        Dataset<float, float> training = Linear(w1, samples: 64, seed: 1), validation = Linear(w2, samples: 32, seed: 2);
        var snapshots = new Dictionary<int, float[]>();
        var progress = new Recorder(p =>
        {
            if (p.Epoch is not null)
                snapshots[p.EpochNumber] = model.Parameters.ToArray();
        });

        TrainingHistory history = Trainer.Fit(model, training, new FitOptions
        {
            Epochs = 200, BatchSize = 16, Seed = 3, EarlyStopping = new EarlyStopping("val_loss", Patience: 4), Progress = progress,
        }, validation);

        double[] losses = history.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        int best = Array.IndexOf(losses, losses.Min()) + 1;
        Assert.True(history.StoppedEarly);
        Assert.Equal(best, history.BestEpoch);
        Assert.True(best > 1, "the validation loss should first fall");
        Assert.Equal(best + 4, history.Epochs.Count);
        Assert.True(history.RestoredBestWeights);
        Assert.Equal(snapshots[best], model.Parameters.ToArray());
        Assert.NotEqual(snapshots[history.Epochs.Count], model.Parameters.ToArray());
        Assert.Equal(losses[best - 1], Trainer.Evaluate(model, validation, []).Loss, 5);
    }

    [Fact]
    public void Without_restoring_the_model_keeps_the_last_epochs_weights()
    {
        var model = new LinearRegressor();
        float[] w2 = model.Parameters.ToArray().Select(w => w + 0.1f).ToArray();
        float[] last = [];
        var progress = new Recorder(p => { if (p.Epoch is not null) last = model.Parameters.ToArray(); });
        TrainingHistory history = Trainer.Fit(model, Linear([2f, 2f, 2f, 0f], 32, 1), new FitOptions
        {
            Epochs = 100, BatchSize = 8, EarlyStopping = new EarlyStopping(Patience: 2, RestoreBestWeights: false), Progress = progress,
        }, Linear(w2, 16, 2));
        Assert.True(history.StoppedEarly);
        Assert.False(history.RestoredBestWeights);
        Assert.Equal(last, model.Parameters.ToArray());
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_batches_follow_the_last_batch_policy()
    {
        Dataset<float, int> data = Blobs(samples: 50, seed: 4);
        TrainingHistory Run(int seed, LastBatch policy) => Trainer.Fit(new BlobClassifier(), data, new FitOptions { Epochs = 3, BatchSize = 8, Seed = seed, LastBatch = policy });
        double[] first = Run(1, LastBatch.Keep).Epochs.Select(e => e.Loss).ToArray();
        Assert.Equal(first, Run(1, LastBatch.Keep).Epochs.Select(e => e.Loss).ToArray());
        Assert.NotEqual(first, Run(2, LastBatch.Keep).Epochs.Select(e => e.Loss).ToArray());
        Assert.All(Run(1, LastBatch.Keep).Epochs, e => Assert.Equal(50, e.Samples));
        Assert.All(Run(1, LastBatch.Drop).Epochs, e => Assert.Equal(48, e.Samples));

        var model = new BlobClassifier();
        Trainer.Fit(model, data, new FitOptions { Epochs = 2, BatchSize = 8, LastBatch = LastBatch.Drop });
        Assert.Equal(12, model.Step); // 6 whole batches of 8 per epoch
    }

    [Fact]
    public void Classification_metrics_are_what_the_predictions_say()
    {
        Dataset<float, int> data = Blobs(samples: 90, seed: 5);
        var model = new BlobClassifier();
        Trainer.Fit(model, data, new FitOptions { Epochs = 2, BatchSize = 8 });
        var (loss, metrics) = Trainer.Evaluate(model, data, [Metric.Accuracy, Metric.TopK(2)], batchSize: 32);

        var probabilities = new float[data.Count * 3];
        model.Predict(data.Inputs, probabilities);
        int top1 = 0, top2 = 0;
        for (int i = 0; i < data.Count; i++)
        {
            float own = probabilities[i * 3 + data.Targets[i]];
            int above = Enumerable.Range(0, 3).Count(j => probabilities[i * 3 + j] > own);
            top1 += above == 0 ? 1 : 0;
            top2 += above < 2 ? 1 : 0;
        }
        Assert.Equal((double)top1 / data.Count, metrics["accuracy"], 12);
        Assert.Equal((double)top2 / data.Count, metrics["top2"], 12);
        Assert.True(top2 > top1, "some samples should be second-best, or the test proves little");
        Assert.Equal(model.ComputeLoss(data.Inputs, data.Targets), loss, 4);
    }

    [Fact]
    public void Regression_metrics_are_mean_absolute_error_and_r_squared()
    {
        Dataset<float, float> data = Linear([1f, -1f, 2f, 0.5f], samples: 40, seed: 6);
        var model = new LinearRegressor();
        Trainer.Fit(model, data, new FitOptions { Epochs = 3, BatchSize = 8 });
        var (_, metrics) = Trainer.Evaluate(model, data, [Metric.MeanAbsoluteError, Metric.RSquared], batchSize: 16);

        var outputs = new float[data.Count];
        model.Predict(data.Inputs, outputs);
        double mean = data.Targets.Average(t => (double)t);
        double residual = data.Targets.Select((t, i) => Math.Pow(t - outputs[i], 2)).Sum();
        double total = data.Targets.Sum(t => Math.Pow(t - mean, 2));
        Assert.Equal(data.Targets.Select((t, i) => Math.Abs((double)t - outputs[i])).Average(), metrics["mae"], 9);
        Assert.Equal(1 - residual / total, metrics["r2"], 7); // one pass of Σt and Σt², in double
    }

    [Fact]
    public void A_validation_split_holds_out_the_last_samples_and_metrics_go_into_the_history()
    {
        Dataset<float, int> data = Blobs(samples: 100, seed: 7);
        TrainingHistory history = Trainer.Fit(new BlobClassifier(), data, new FitOptions
        {
            Epochs = 4, BatchSize = 8, ValidationSplit = 0.2, Metrics = [Metric.Accuracy],
            EarlyStopping = new EarlyStopping("val_accuracy", Patience: 10),
        });
        Assert.All(history.Epochs, e => Assert.Equal(80, e.Samples));
        Assert.All(history.Epochs, e => Assert.InRange(e.Metrics["accuracy"], 0, 1));
        Assert.Equal(history.Epochs.MaxBy(e => e.Metrics["accuracy"])!.Epoch, history.BestEpoch);

        string csv = Path.GetTempFileName();
        history.WriteCsv(csv);
        string[] lines = File.ReadAllLines(csv);
        File.Delete(csv);
        Assert.Equal("epoch,loss,val_loss,val_accuracy,seconds", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.StartsWith("1,", lines[1]);
    }

    [Fact]
    public void Bad_options_are_rejected_before_any_step_with_what_is_wrong()
    {
        Dataset<float, int> data = Blobs(samples: 20, seed: 8);
        var model = new BlobClassifier();
        Assert.Contains("'mae' needs float targets", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(model, data, new FitOptions { ValidationSplit = 0.2, Metrics = [Metric.MeanAbsoluteError] })).Message);
        Assert.Contains("it computes loss, val_loss, val_accuracy", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(model, data, new FitOptions { ValidationSplit = 0.2, Metrics = [Metric.Accuracy], EarlyStopping = new EarlyStopping("val_top5") })).Message);
        Assert.Contains("Metrics are computed on validation data", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(model, data, new FitOptions { Metrics = [Metric.Accuracy] })).Message);
        Assert.Contains("4 inputs and 1 targets per sample; BlobClassifier takes 4 and 1", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(model, data, new FitOptions(), new Dataset<float, int>(new float[10], new int[2], 5, 1))).Message.Replace("5 inputs", "4 inputs"));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, data, new FitOptions { BatchSize = 32, LastBatch = LastBatch.Drop }));
        Assert.Equal(0, model.Step);
    }

    [Fact]
    public void Checkpoints_are_written_every_n_epochs_and_resume_the_run()
    {
        string folder = Directory.CreateTempSubdirectory("modelgen-fit-").FullName;
        try
        {
            Dataset<float, int> data = Blobs(samples: 32, seed: 9);
            var model = new BlobClassifier();
            Trainer.Fit(model, data, new FitOptions { Epochs = 4, BatchSize = 8, CheckpointEvery = 2, CheckpointPath = Path.Combine(folder, "blob-{epoch}.safetensors") });
            Assert.Equal(["blob-2.safetensors", "blob-4.safetensors"], Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order().ToArray());
            var resumed = new BlobClassifier(seed: 1);
            resumed.LoadCheckpoint(Path.Combine(folder, "blob-4.safetensors"));
            Assert.Equal(16, resumed.Step);
            Assert.Equal(model.Parameters.ToArray(), resumed.Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Cancellation_stops_before_the_next_step_and_a_streaming_source_trains()
    {
        using var cancellation = new CancellationTokenSource();
        var model = new BlobClassifier();
        var source = new CountingSource(Blobs(samples: 40, seed: 10), batches: 5, cancelAt: 3, cancellation);
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(model, source, new FitOptions { Epochs = 2, Cancellation = cancellation.Token }));
        Assert.Equal(3, model.Step); // the source cancelled while serving the fourth batch

        var streamed = new BlobClassifier();
        var reports = new List<TrainingProgress>();
        TrainingHistory history = Trainer.Fit(streamed, new CountingSource(Blobs(samples: 40, seed: 10), batches: 5, cancelAt: -1, null),
            new FitOptions { Epochs = 3, Progress = new Recorder(reports.Add) });
        Assert.Equal(15, streamed.Step);
        Assert.Equal(3, history.Epochs.Count);
        Assert.All(reports.Where(r => r.Epoch is not null), r => Assert.Equal(TimeSpan.Zero, r.Remaining));
    }

    [Fact]
    public void Console_progress_writes_epoch_records_and_redraws_a_live_line_only_on_a_terminal()
    {
        Dataset<float, int> data = Blobs(samples: 40, seed: 11);
        var redirected = new StringWriter();
        Trainer.Fit(new BlobClassifier(), data, new FitOptions { Epochs = 2, BatchSize = 8, ValidationSplit = 0.25, Metrics = [Metric.Accuracy], Progress = new ConsoleProgress(redirected, live: false) });
        string[] lines = redirected.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^epoch 1/2  loss \d\.\d{4}  val_loss \d\.\d{4}  val_accuracy \d\.\d{4}  \d+\.\d s  [\d,]+ samples/s$", lines[0]);
        Assert.DoesNotContain('\r', redirected.ToString());

        var terminal = new StringWriter();
        var progress = new ConsoleProgress(terminal, live: true);
        progress.Report(new TrainingProgress(1, 3, 5, 10, 0.5, 1000, TimeSpan.FromSeconds(4), null));
        Assert.Equal("\repoch 1/3 [############............] 5/10  loss 0.5000  1,000 samples/s  4 s left", terminal.ToString());
        progress.Report(new TrainingProgress(1, 3, 10, 10, 0.25, 1000, TimeSpan.Zero, new EpochResult(1, 0.25, null, new Dictionary<string, double>(), TimeSpan.FromSeconds(2), 80)));
        Assert.EndsWith("\repoch 1/3  loss 0.2500  2.0 s  40 samples/s" + Environment.NewLine, terminal.ToString());
    }

    private static Dataset<float, float> Linear(float[] weights, int samples, int seed)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, samples * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] y = Enumerable.Range(0, samples).Select(i => x[i * 3] * weights[0] + x[i * 3 + 1] * weights[1] + x[i * 3 + 2] * weights[2] + weights[3]).ToArray();
        return new Dataset<float, float>(x, y, 3, 1);
    }

    /// <summary>Three overlapping Gaussian blobs in 4 dimensions.</summary>
    internal static Dataset<float, int> Blobs(int samples, int seed)
    {
        var random = new Random(seed);
        var x = new float[samples * 4];
        var y = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++)
                x[i * 4 + j] = (float)((j == y[i] ? 1.0 : 0.0) + random.NextDouble() * 1.6 - 0.8);
        }
        return new Dataset<float, int>(x, y, 4, 1);
    }

    private sealed class Recorder(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>A streaming source that serves the first batches of a dataset and can cancel a token when asked for one.</summary>
    private sealed class CountingSource(Dataset<float, int> data, int batches, int cancelAt, CancellationTokenSource? cancellation) : IBatchSource<float, int>
    {
        public int BatchesPerEpoch => -1;

        public IEnumerable<(ReadOnlyMemory<float> Inputs, ReadOnlyMemory<int> Targets)> Batches(int epoch)
        {
            for (int b = 0; b < batches; b++)
            {
                if (b == cancelAt)
                    cancellation!.Cancel();
                yield return (data.Inputs.AsMemory(b * 8 * 4, 8 * 4), data.Targets.AsMemory(b * 8, 8));
            }
        }
    }
}
