namespace ModelGen.Training;

/// <summary>How <see cref="Trainer"/> trains: epochs, batching, validation, metrics, early stopping, checkpoints, progress.</summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data (an upper bound when <see cref="EarlyStopping"/> is set).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per training step (the model's declared BatchSize is a good choice).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>What happens to the samples left over when the data is not a multiple of the batch size.</summary>
    public LastBatch LastBatch { get; init; } = LastBatch.Keep;

    /// <summary>The shuffling seed: the same seed gives the same batches in the same order (with in-memory data).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Shuffle the training samples every epoch (in-memory data).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The last fraction of the training samples (before any shuffling) to hold out for validation, as Keras's validation_split (when Fit is given no validation data).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>Metrics computed on the validation data every epoch, beside its loss.</summary>
    public IReadOnlyList<Metric> Metrics { get; init; } = [];

    /// <summary>Stop when the monitored value stops improving; null trains every epoch.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Write a checkpoint (<c>SaveCheckpoint</c>) every this many epochs; 0 writes none.</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Where checkpoints go; "{epoch}" in it is replaced by the epoch number.</summary>
    public string CheckpointPath { get; init; } = "checkpoint-{epoch}.safetensors";

    /// <summary>The runtime monitors (initial loss, input scale, update sizes, non-finite weights, diverging/stalled/oscillating loss); null: off.</summary>
    public TrainingMonitors? Monitors { get; init; }

    /// <summary>Receives progress during each epoch (about ten times a second) and at its end.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Checked before every step; cancelling throws <see cref="OperationCanceledException"/> with the model as of the last finished step.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>The samples left over after the last whole batch of an epoch.</summary>
public enum LastBatch
{
    /// <summary>Train on them as a smaller batch (a model with batch norm needs at least two).</summary>
    Keep,
    /// <summary>Leave them out of this epoch (they are in other batches next epoch when shuffling).</summary>
    Drop,
}

/// <summary>
/// Stops training when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs, and (by default) puts back the weights of the best epoch — the notes' early stopping.
/// </summary>
/// <param name="Monitor">"loss", "val_loss", or "val_" + a metric's name ("val_accuracy", "val_mae"…).</param>
/// <param name="Patience">Epochs without improvement before stopping.</param>
/// <param name="MinDelta">The smallest change that counts as an improvement.</param>
/// <param name="RestoreBestWeights">Put back the parameters and state of the best epoch when training ends.</param>
public sealed record EarlyStopping(string Monitor = "val_loss", int Patience = 5, double MinDelta = 0, bool RestoreBestWeights = true);

/// <summary>Where training stands: during an epoch (<see cref="Epoch"/> null) and at its end.</summary>
/// <param name="EpochNumber">1-based.</param>
/// <param name="Epochs">The epochs asked for.</param>
/// <param name="Step">Steps done in this epoch.</param>
/// <param name="Steps">Steps in this epoch (−1 when a streaming source does not say).</param>
/// <param name="Loss">Mean training loss of the epoch so far.</param>
/// <param name="SamplesPerSecond">Training throughput of the epoch so far.</param>
/// <param name="Remaining">Estimated time to the end of the epoch.</param>
/// <param name="Epoch">The finished epoch's record, at its end.</param>
/// <param name="Warning">A monitor's finding, reported once when it is made (<see cref="FitOptions.Monitors"/>).</param>
public readonly record struct TrainingProgress(int EpochNumber, int Epochs, int Step, int Steps, double Loss, double SamplesPerSecond, TimeSpan Remaining, EpochResult? Epoch,
    TrainingWarning? Warning = null);

/// <summary>One epoch: training loss, validation loss and metrics, time.</summary>
public sealed record EpochResult(int Epoch, double Loss, double? ValidationLoss, IReadOnlyDictionary<string, double> Metrics, TimeSpan Elapsed, int Samples)
{
    /// <summary>"loss", "val_loss" or "val_" + metric name, as <see cref="EarlyStopping.Monitor"/> names them; NaN when absent.</summary>
    public double this[string name] => name switch
    {
        "loss" => Loss,
        "val_loss" => ValidationLoss ?? double.NaN,
        _ when name.StartsWith("val_", StringComparison.Ordinal) && Metrics.TryGetValue(name[4..], out double value) => value,
        _ => double.NaN,
    };
}

/// <summary>What <see cref="Trainer"/> did: every epoch's record, the best epoch, and why it stopped.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochResult> epochs, int bestEpoch, bool stoppedEarly, bool restoredBest, IReadOnlyList<TrainingWarning> warnings)
    {
        Warnings = warnings;
        Epochs = epochs;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
        RestoredBestWeights = restoredBest;
    }

    /// <summary>What the monitors found, in order (empty with monitors off).</summary>
    public IReadOnlyList<TrainingWarning> Warnings { get; }

    /// <summary>Every epoch trained, in order.</summary>
    public IReadOnlyList<EpochResult> Epochs { get; }

    /// <summary>The epoch whose monitored value was best (the last epoch without early stopping).</summary>
    public int BestEpoch { get; }

    /// <summary>Early stopping ended training before the last epoch.</summary>
    public bool StoppedEarly { get; }

    /// <summary>The model holds the best epoch's weights (not the last epoch's).</summary>
    public bool RestoredBestWeights { get; }

    /// <summary>The curves as CSV: epoch, loss, val_loss, then val_ + each metric, seconds.</summary>
    public void WriteCsv(string path)
    {
        string[] metrics = Epochs.SelectMany(e => e.Metrics.Keys).Distinct().ToArray();
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(",", new[] { "epoch", "loss", "val_loss" }.Concat(metrics.Select(m => "val_" + m)).Append("seconds")));
        foreach (EpochResult epoch in Epochs)
        {
            IEnumerable<string> cells = new[] { epoch.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), Number(epoch.Loss), epoch.ValidationLoss is double v ? Number(v) : "" }
                .Concat(metrics.Select(m => epoch.Metrics.TryGetValue(m, out double value) ? Number(value) : ""))
                .Append(Number(epoch.Elapsed.TotalSeconds));
            writer.WriteLine(string.Join(",", cells));
        }
    }

    private static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Training batches from anywhere (a file read as it goes, a generator of augmented samples): one sequence of batches
/// per epoch. The trainer reads each batch before asking for the next, so a source may reuse its buffers.
/// </summary>
public interface IBatchSource<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>Batches of epoch <paramref name="epoch"/> (1-based), each [count × inputs] and [count × targets].</summary>
    IEnumerable<(ReadOnlyMemory<TInput> Inputs, ReadOnlyMemory<TTarget> Targets)> Batches(int epoch);

    /// <summary>Batches per epoch, or −1 when not known in advance (progress then shows no ETA).</summary>
    int BatchesPerEpoch { get; }
}
