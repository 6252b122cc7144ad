using ModelGen.Terminal;
using ModelGen.Training;
using Spectre.Console.Testing;

namespace ModelGen.Extras.Tests;

/// <summary>The terminal display: live bars that end as the epochs' records, warnings above them, plain lines when redirected.</summary>
public sealed class LiveTrainingTests
{
    private static readonly Dataset<float, int> Data = Blobs.Make(samples: 96, seed: 12);

    [Fact]
    public void A_terminal_shows_each_epochs_record_and_the_warnings()
    {
        var console = new TestConsole().Interactive().Width(160);
        var model = new BlobClassifier { LearningRateSchedule = Schedule.Constant(10) };
        TrainingHistory history = LiveTraining.Fit(model, Data, new FitOptions
        {
            Epochs = 3, BatchSize = 8, ValidationSplit = 0.25, Metrics = [Metric.Accuracy], Monitors = new TrainingMonitors(SampleEvery: 5),
        }, console: console);

        string screen = console.Output;
        Assert.Equal(3, history.Epochs.Count);
        foreach (EpochResult epoch in history.Epochs)
            Assert.Contains(ConsoleProgress.Describe(epoch, 3)[..40], screen); // the record, up to its timing
        Assert.Contains("val_accuracy", screen);
        Assert.Contains("warning [large-updates] epoch 1, step 1, layer Hidden.weight", screen.Replace("\n", ""));
    }

    [Fact]
    public void The_running_epoch_shows_a_bar_with_its_figures_then_gives_way_to_its_record()
    {
        var console = new TestConsole().Interactive().Width(120);
        var record = new EpochResult(1, 0.25, 0.5, new Dictionary<string, double> { ["accuracy"] = 0.875 }, TimeSpan.FromSeconds(2), 640);
        LiveTraining.Run(progress =>
        {
            progress.Report(new TrainingProgress(1, 2, 5, 20, 0.3125, 320, TimeSpan.FromSeconds(6), null));
            progress.Report(new TrainingProgress(1, 2, 20, 20, 0.25, 320, TimeSpan.Zero, record));
            return 0;
        }, console);
        string screen = console.Output;
        Assert.Contains("epoch 1/2", screen);
        Assert.Contains("━", screen); // the bar
        Assert.Contains("5/20  loss 0.3125  320 samples/s  6 s left", screen);
        Assert.Contains("epoch 1/2  loss 0.2500  val_loss 0.5000  val_accuracy 0.8750  2.0 s  320 samples/s", screen);
    }

    [Fact]
    public void Redirected_output_gets_plain_lines()
    {
        var console = new TestConsole(); // not interactive, as when output goes to a file
        TrainingHistory history = LiveTraining.Fit(new BlobClassifier(), Data, new FitOptions { Epochs = 2, BatchSize = 8 }, console: console);
        string[] lines = console.Lines.Where(l => l.Length > 0).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("epoch 1/2  loss ", lines[0]);
        Assert.StartsWith(ConsoleProgress.Describe(history.Epochs[1], 2)[..24], lines[1]);
        Assert.False(console.Output.Contains('\u001b', StringComparison.Ordinal), "escape codes in redirected output");
    }

    [Fact]
    public void The_callers_own_progress_still_hears_every_report()
    {
        var heard = new List<TrainingProgress>();
        var console = new TestConsole().Interactive();
        LiveTraining.Fit(new BlobClassifier(), Data, new FitOptions { Epochs = 2, BatchSize = 8, Progress = new Recorder(heard) }, console: console);
        Assert.Equal([1, 2], heard.Where(p => p.Epoch is not null).Select(p => p.EpochNumber));
    }

    [Fact]
    public void A_streaming_source_shows_a_bar_without_a_known_length()
    {
        var console = new TestConsole().Interactive();
        TrainingHistory history = LiveTraining.Fit(new BlobClassifier(), new Unsized(Data), new FitOptions { Epochs = 2, BatchSize = 8 }, console: console);
        Assert.Equal(2, history.Epochs.Count);
        Assert.Contains("epoch 2/2  loss", console.Output);
    }

    private sealed class Recorder(List<TrainingProgress> heard) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => heard.Add(value);
    }

    /// <summary>Batches of 8 in order, with no length announced.</summary>
    private sealed class Unsized(Dataset<float, int> data) : IBatchSource<float, int>
    {
        public int BatchesPerEpoch => -1;

        public IEnumerable<(ReadOnlyMemory<float> Inputs, ReadOnlyMemory<int> Targets)> Batches(int epoch)
        {
            for (int start = 0; start < data.Count; start += 8)
                yield return (data.Inputs.AsMemory(start * 4, 8 * 4), data.Targets.AsMemory(start, 8));
        }
    }
}
