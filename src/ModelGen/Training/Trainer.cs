using System.Diagnostics;
using ModelGen.Initialization;

namespace ModelGen.Training;

/// <summary>
/// The epoch loop users would otherwise write: seeded shuffling, batching with a stated last-batch policy, validation
/// loss and metrics each epoch, early stopping that restores the best weights, checkpoints, progress and cancellation.
/// A step allocates nothing: batches are copied into buffers allocated once.
/// </summary>
/// <example>
/// <code>
/// var history = Trainer.Fit(model, new Dataset&lt;float, int&gt;(images, labels, 784, 1), new FitOptions
/// {
///     Epochs = 50, BatchSize = 32, ValidationSplit = 0.1, Metrics = [Metric.Accuracy],
///     EarlyStopping = new EarlyStopping("val_accuracy", Patience: 3),
/// });
/// </code>
/// </example>
public static class Trainer
{
    /// <summary>Trains on samples in memory; <paramref name="validation"/> (or <see cref="FitOptions.ValidationSplit"/>) is evaluated after every epoch.</summary>
    public static TrainingHistory Fit<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, Dataset<TInput, TTarget> training, FitOptions options,
        Dataset<TInput, TTarget>? validation = null)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        CheckShape(model, training, "training");
        if (validation is null && options.ValidationSplit != 0)
            (training, validation) = training.Split(options.ValidationSplit);
        else if (validation is not null && options.ValidationSplit != 0)
            throw new ArgumentException("Give validation data or a ValidationSplit, not both.", nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, "options.BatchSize");
        if (options.LastBatch == LastBatch.Drop && training.Count < options.BatchSize)
            throw new ArgumentException($"{training.Count} training samples make no whole batch of {options.BatchSize}, and LastBatch.Drop drops the rest.", nameof(options));
        return Run(model, new ShuffledBatches<TInput, TTarget>(training, options), options, validation, training);
    }

    /// <summary>Trains on batches from a streaming source; <paramref name="validation"/> is evaluated after every epoch.</summary>
    public static TrainingHistory Fit<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, IBatchSource<TInput, TTarget> training, FitOptions options,
        Dataset<TInput, TTarget>? validation = null)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ValidationSplit != 0)
            throw new ArgumentException("A streaming source cannot be split: pass validation data.", nameof(options));
        return Run(model, training, options, validation, trainingData: null);
    }

    /// <summary>Mean loss and the metrics over <paramref name="data"/>, in chunks of <paramref name="batchSize"/>, without changing the model.</summary>
    public static (double Loss, IReadOnlyDictionary<string, double> Metrics) Evaluate<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, Dataset<TInput, TTarget> data,
        IReadOnlyList<Metric> metrics, int batchSize = 256)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(model, data, "evaluation");
        CheckMetrics<TTarget>(metrics);
        return new Evaluator<TInput, TTarget>(model, data, metrics, batchSize).Run();
    }

    private static TrainingHistory Run<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, IBatchSource<TInput, TTarget> training, FitOptions options,
        Dataset<TInput, TTarget>? validation, Dataset<TInput, TTarget>? trainingData)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs, "options.Epochs");
        if (validation is not null)
            CheckShape(model, validation, "validation");
        CheckMetrics<TTarget>(options.Metrics);
        if (validation is null && options.Metrics.Count > 0)
            throw new ArgumentException("Metrics are computed on validation data: pass some, or set ValidationSplit.", nameof(options));
        EarlyStopping? stopping = options.EarlyStopping;
        bool higherIsBetter = false;
        if (stopping is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(stopping.Patience, "EarlyStopping.Patience");
            higherIsBetter = MonitorDirection(stopping.Monitor, options.Metrics, validation is not null);
        }

        var evaluator = validation is null ? null : new Evaluator<TInput, TTarget>(model, validation, options.Metrics, Math.Max(options.BatchSize, 256));
        var warnings = new List<TrainingWarning>();
        MonitorState<TInput, TTarget>? monitors = options.Monitors is null ? null : new MonitorState<TInput, TTarget>(options.Monitors, model, warning =>
        {
            warnings.Add(warning);
            options.Progress?.Report(new TrainingProgress(warning.Epoch, options.Epochs, 0, 0, double.NaN, 0, TimeSpan.Zero, null, warning));
        });
        if (trainingData is not null)
            monitors?.CheckInputs(trainingData);
        var epochs = new List<EpochResult>();
        float[]? bestParameters = null, bestState = null;
        double best = double.NaN;
        int bestEpoch = 0, sinceBest = 0;
        bool stoppedEarly = false;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            long lastReport = 0;
            double lossSum = 0;
            int steps = 0, samples = 0, total = training.BatchesPerEpoch;
            foreach ((ReadOnlyMemory<TInput> inputs, ReadOnlyMemory<TTarget> targets) in training.Batches(epoch))
            {
                options.Cancellation.ThrowIfCancellationRequested();
                bool sampled = monitors?.BeforeStep(model.Step + 1) ?? false;
                float loss = model.TrainStep(inputs.Span, targets.Span);
                monitors?.AfterStep(epoch, model.Step, loss, sampled);
                lossSum += loss;
                steps++;
                samples += inputs.Length / model.InputsPerSample;
                if (options.Progress is not null && clock.ElapsedMilliseconds - lastReport >= 100)
                {
                    lastReport = clock.ElapsedMilliseconds;
                    options.Progress.Report(Progress(epoch, options.Epochs, steps, total, lossSum, samples, clock.Elapsed, null));
                }
            }
            if (steps == 0)
                throw new InvalidOperationException($"Epoch {epoch} had no training batch.");
            (double validationLoss, IReadOnlyDictionary<string, double> metrics) = evaluator?.Run() ?? (double.NaN, new Dictionary<string, double>());
            var result = new EpochResult(epoch, lossSum / steps, evaluator is null ? null : validationLoss, metrics, clock.Elapsed, samples);
            epochs.Add(result);
            monitors?.AfterEpoch(epoch, model.Step, result.Loss);
            if (options.CheckpointEvery > 0 && epoch % options.CheckpointEvery == 0)
                model.SaveCheckpoint(options.CheckpointPath.Replace("{epoch}", epoch.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            options.Progress?.Report(Progress(epoch, options.Epochs, steps, steps, lossSum, samples, clock.Elapsed, result));

            if (stopping is null)
                continue;
            double value = result[stopping.Monitor];
            bool improved = bestEpoch == 0 || (higherIsBetter ? value > best + stopping.MinDelta : value < best - stopping.MinDelta);
            if (improved && !double.IsNaN(value))
            {
                best = value;
                bestEpoch = epoch;
                sinceBest = 0;
                if (stopping.RestoreBestWeights)
                {
                    bestParameters ??= new float[model.Parameters.Length];
                    bestState ??= new float[model.State.Length];
                    model.Parameters.CopyTo(bestParameters);
                    model.State.CopyTo(bestState);
                }
            }
            else if (++sinceBest >= stopping.Patience)
            {
                stoppedEarly = epoch < options.Epochs;
                break;
            }
        }

        bool restored = false;
        if (stopping is { RestoreBestWeights: true } && bestParameters is not null && bestEpoch != epochs.Count)
        {
            bestParameters.CopyTo(model.Parameters);
            bestState!.CopyTo(model.State);
            restored = true;
        }
        return new TrainingHistory(epochs, stopping is null ? epochs.Count : bestEpoch, stoppedEarly, restored, warnings);
    }

    private static TrainingProgress Progress(int epoch, int epochs, int step, int steps, double lossSum, int samples, TimeSpan elapsed, EpochResult? result)
    {
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        TimeSpan remaining = steps > 0 && step > 0 ? TimeSpan.FromSeconds(seconds / step * (steps - step)) : TimeSpan.Zero;
        return new TrainingProgress(epoch, epochs, step, steps, lossSum / Math.Max(step, 1), samples / seconds, remaining, result);
    }

    private static bool MonitorDirection(string monitor, IReadOnlyList<Metric> metrics, bool hasValidation)
    {
        if (monitor == "loss")
            return false;
        if (monitor == "val_loss" && hasValidation)
            return false;
        Metric? metric = metrics.FirstOrDefault(m => "val_" + m.Name == monitor);
        if (metric is not null && hasValidation)
            return metric.HigherIsBetter;
        string known = string.Join(", ", new[] { "loss" }.Concat(hasValidation ? new[] { "val_loss" }.Concat(metrics.Select(m => "val_" + m.Name)) : []));
        throw new ArgumentException($"Early stopping monitors '{monitor}', which this run does not compute; it computes {known}.", nameof(monitor));
    }

    private static void CheckMetrics<TTarget>(IReadOnlyList<Metric> metrics)
    {
        bool labels = typeof(TTarget) == typeof(int);
        foreach (Metric metric in metrics)
            if (metric.ForLabels != labels)
                throw new ArgumentException($"The metric '{metric.Name}' needs {(metric.ForLabels ? "class labels (int targets)" : "float targets")}; this model takes {(labels ? "class labels" : "float targets")}.");
    }

    private static void CheckShape<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, Dataset<TInput, TTarget> data, string role)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        if (data.InputsPerSample != model.InputsPerSample || data.TargetsPerSample != model.TargetsPerSample)
            throw new ArgumentException(
                $"The {role} data has {data.InputsPerSample} inputs and {data.TargetsPerSample} targets per sample; {model.GetType().Name} takes {model.InputsPerSample} and {model.TargetsPerSample}.");
        if (data.Count == 0)
            throw new ArgumentException($"The {role} data holds no samples.");
    }
}

/// <summary>In-memory samples as shuffled batches, copied into two buffers allocated once.</summary>
internal sealed class ShuffledBatches<TInput, TTarget> : IBatchSource<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    private readonly Dataset<TInput, TTarget> _data;
    private readonly FitOptions _options;
    private readonly int[] _order;
    private readonly SeededRandom _random;
    private readonly TInput[] _inputs;
    private readonly TTarget[] _targets;

    public ShuffledBatches(Dataset<TInput, TTarget> data, FitOptions options)
    {
        _data = data;
        _options = options;
        _order = Enumerable.Range(0, data.Count).ToArray();
        _random = new SeededRandom(options.Seed);
        int batch = Math.Min(options.BatchSize, data.Count);
        _inputs = new TInput[batch * data.InputsPerSample];
        _targets = new TTarget[batch * data.TargetsPerSample];
    }

    public int BatchesPerEpoch => _options.LastBatch == LastBatch.Drop ? _data.Count / _options.BatchSize : (_data.Count + _options.BatchSize - 1) / _options.BatchSize;

    public IEnumerable<(ReadOnlyMemory<TInput> Inputs, ReadOnlyMemory<TTarget> Targets)> Batches(int epoch)
    {
        if (_options.Shuffle)
            _random.Shuffle<int>(_order);
        int inputs = _data.InputsPerSample, targets = _data.TargetsPerSample;
        for (int start = 0; start < _order.Length; start += _options.BatchSize)
        {
            int count = Math.Min(_options.BatchSize, _order.Length - start);
            if (count < _options.BatchSize && _options.LastBatch == LastBatch.Drop)
                yield break;
            for (int i = 0; i < count; i++)
            {
                int sample = _order[start + i];
                _data.Inputs.AsSpan(sample * inputs, inputs).CopyTo(_inputs.AsSpan(i * inputs));
                _data.Targets.AsSpan(sample * targets, targets).CopyTo(_targets.AsSpan(i * targets));
            }
            yield return (_inputs.AsMemory(0, count * inputs), _targets.AsMemory(0, count * targets));
        }
    }
}

/// <summary>Validation loss (sample-weighted mean over chunks) and metrics from Predict, with buffers allocated once.</summary>
internal sealed class Evaluator<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    private readonly ISupervisedModel<TInput, TTarget> _model;
    private readonly Dataset<TInput, TTarget> _data;
    private readonly IReadOnlyList<Metric> _metrics;
    private readonly int _chunk;
    private readonly float[] _outputs;

    public Evaluator(ISupervisedModel<TInput, TTarget> model, Dataset<TInput, TTarget> data, IReadOnlyList<Metric> metrics, int chunk)
    {
        _model = model;
        _data = data;
        _metrics = metrics;
        _chunk = Math.Min(chunk, data.Count);
        _outputs = metrics.Count == 0 ? [] : new float[_chunk * model.OutputsPerSample];
    }

    public (double Loss, IReadOnlyDictionary<string, double> Metrics) Run()
    {
        // A row of outputs per target: one class-probability row per label, or one output per float target.
        int outputsPerTarget = _model.OutputsPerSample / _model.TargetsPerSample;
        IMetricAccumulator[] accumulators = _metrics.Select(m => m.Start(outputsPerTarget)).ToArray();
        double lossSum = 0;
        int inputs = _data.InputsPerSample, targets = _data.TargetsPerSample;
        for (int start = 0; start < _data.Count; start += _chunk)
        {
            int count = Math.Min(_chunk, _data.Count - start);
            ReadOnlySpan<TInput> x = _data.Inputs.AsSpan(start * inputs, count * inputs);
            ReadOnlySpan<TTarget> y = _data.Targets.AsSpan(start * targets, count * targets);
            lossSum += (double)_model.ComputeLoss(x, y) * count;
            if (accumulators.Length == 0)
                continue;
            Span<float> outputs = _outputs.AsSpan(0, count * _model.OutputsPerSample);
            _model.Predict(x, outputs);
            foreach (IMetricAccumulator accumulator in accumulators)
            {
                if (typeof(TTarget) == typeof(int))
                    accumulator.AddLabels(outputs, System.Runtime.InteropServices.MemoryMarshal.Cast<TTarget, int>(y));
                else
                    accumulator.AddTargets(outputs, System.Runtime.InteropServices.MemoryMarshal.Cast<TTarget, float>(y));
            }
        }
        var metrics = new Dictionary<string, double>();
        for (int i = 0; i < accumulators.Length; i++)
            metrics[_metrics[i].Name] = accumulators[i].Result;
        return (lossSum / _data.Count, metrics);
    }
}
