namespace ModelGen.Training;

/// <summary>
/// Runtime monitors from the diagnostics catalogue that watch a <see cref="Trainer"/> run through what any model
/// exposes — its losses, its parameters and the data — and report each problem once, with the layer, the measured
/// value and the advice. Off unless <see cref="FitOptions.Monitors"/> is set. Parameter checks sample one step in
/// <see cref="SampleEvery"/> (a copy of the parameters before it and a pass over them after), so the rest cost nothing.
/// </summary>
/// <param name="SampleEvery">Steps between parameter checks (update/weight ratio, non-finite weights).</param>
/// <param name="MaxUpdateRatio">‖Δw‖/‖w‖ of a weight tensor in one step above which the learning rate is likely too high (around 1e-3 is healthy).</param>
/// <param name="MinUpdateRatio">… and below which it is likely too low.</param>
/// <param name="StallEpochs">Epochs in a row whose loss improves by less than <see cref="StallImprovement"/> (relative) before "stalled".</param>
/// <param name="StallImprovement">The relative improvement per epoch that counts as progress.</param>
public sealed record TrainingMonitors(int SampleEvery = 50, double MaxUpdateRatio = 1e-2, double MinUpdateRatio = 1e-6, int StallEpochs = 3, double StallImprovement = 1e-3)
{
    /// <summary>Every monitor with its default thresholds.</summary>
    public static TrainingMonitors Default { get; } = new();
}

/// <summary>One monitor's finding: which monitor, the layer (null for the whole model), the measured value, and what to do.</summary>
public sealed record TrainingWarning(string Monitor, string? Layer, double Value, string Message, int Epoch, long Step)
{
    /// <summary>The monitors' names.</summary>
    public const string InitialLoss = "initial-loss", UnnormalizedInputs = "unnormalized-inputs", NonFiniteWeights = "non-finite-weights",
        LargeUpdates = "large-updates", SmallUpdates = "small-updates", Diverging = "diverging", Stalled = "stalled", Oscillating = "oscillating";

    /// <inheritdoc/>
    public override string ToString() => $"warning [{Monitor}] epoch {Epoch}, step {Step}{(Layer is null ? "" : $", layer {Layer}")}: {Message}";
}

/// <summary>The monitors' state for one run: what has been reported, the loss history, the parameter snapshot.</summary>
internal sealed class MonitorState<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    private readonly TrainingMonitors _settings;
    private readonly ISupervisedModel<TInput, TTarget> _model;
    private readonly IReadOnlyList<ParameterInfo> _manifest;
    private readonly HashSet<string> _reported = [];
    private readonly List<double> _epochLosses = [];
    private readonly Action<TrainingWarning> _report;
    private float[]? _before;
    private double _firstLoss = double.NaN;

    public MonitorState(TrainingMonitors settings, ISupervisedModel<TInput, TTarget> model, Action<TrainingWarning> report)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.SampleEvery, "TrainingMonitors.SampleEvery");
        _settings = settings;
        _model = model;
        _report = report;
        _manifest = model is IExportableModel exportable ? exportable.Tensors.Manifest : [];
    }

    /// <summary>Float inputs far from zero mean and unit spread (0–255 pixels, raw measurements).</summary>
    public void CheckInputs(Dataset<TInput, TTarget> data)
    {
        if (typeof(TInput) != typeof(float))
            return;
        ReadOnlySpan<float> x = System.Runtime.InteropServices.MemoryMarshal.Cast<TInput, float>(data.Inputs);
        double sum = 0, squares = 0;
        foreach (float v in x)
        {
            sum += v;
            squares += (double)v * v;
        }
        double mean = sum / x.Length, spread = Math.Sqrt(Math.Max(squares / x.Length - mean * mean, 0));
        if (Math.Abs(mean) > 2 || spread > 5)
            Report(TrainingWarning.UnnormalizedInputs, null, spread, 0, 0,
                $"the training inputs have mean {mean:G3} and spread {spread:G3}, far from 0 and 1: standardize each feature (subtract its mean, divide by its spread), or scale 0–255 pixels by 1/255; large inputs saturate units and make the first steps huge");
    }

    /// <summary>Before a step: keeps a copy of the parameters on sampled steps.</summary>
    public bool BeforeStep(long step)
    {
        if ((step - 1) % _settings.SampleEvery != 0)
            return false;
        _before ??= new float[_model.Parameters.Length];
        _model.Parameters.CopyTo(_before);
        return true;
    }

    /// <summary>After a step: the loss checks; on sampled steps, the weights' values and update sizes per tensor.</summary>
    public void AfterStep(int epoch, long step, double loss, bool sampled)
    {
        if (double.IsNaN(_firstLoss))
        {
            _firstLoss = loss;
            CheckInitialLoss(epoch, step, loss);
        }
        if (!double.IsFinite(loss))
            Report(TrainingWarning.Diverging, null, loss, epoch, step,
                $"the loss is {loss}: training diverged; lower the learning rate, add [ClipGlobalNorm], and check the inputs for NaN or infinity");
        if (!sampled)
            return;
        ReadOnlySpan<float> after = _model.Parameters;
        foreach (ParameterInfo tensor in _manifest)
        {
            if (!tensor.IsTrainable)
                continue;
            ReadOnlySpan<float> now = after.Slice(tensor.Offset, tensor.Length), then = _before.AsSpan(tensor.Offset, tensor.Length);
            double weights = 0, updates = 0;
            bool finite = true;
            for (int i = 0; i < now.Length; i++)
            {
                finite &= float.IsFinite(now[i]);
                weights += (double)now[i] * now[i];
                double change = (double)now[i] - then[i];
                updates += change * change;
            }
            string layer = tensor.Name;
            if (!finite)
            {
                Report(TrainingWarning.NonFiniteWeights, layer, double.NaN, epoch, step,
                    $"{layer} holds NaN or infinity after step {step}: lower the learning rate, add gradient clipping, or look for a log of 0 or a division by 0 upstream");
                continue;
            }
            if (tensor.Role != ParameterRole.Weight || weights == 0)
                continue;
            double ratio = Math.Sqrt(updates / weights);
            if (ratio > _settings.MaxUpdateRatio)
                Report(TrainingWarning.LargeUpdates, layer, ratio, epoch, step,
                    $"one step changes {layer} by {ratio:G3} of its norm (around 1e-3 is healthy): the learning rate is likely too high");
            else if (ratio < _settings.MinUpdateRatio && step > _settings.SampleEvery)
                Report(TrainingWarning.SmallUpdates, layer, ratio, epoch, step,
                    $"one step changes {layer} by only {ratio:G3} of its norm (around 1e-3 is healthy): the learning rate is likely too low, or its gradient vanishes");
        }
    }

    /// <summary>After an epoch: diverging, stalled and oscillating losses.</summary>
    public void AfterEpoch(int epoch, long step, double loss)
    {
        _epochLosses.Add(loss);
        int n = _epochLosses.Count;
        if (n >= 2 && double.IsFinite(loss) && loss > 1.5 * _epochLosses[0] && loss > _epochLosses[n - 2])
            Report(TrainingWarning.Diverging, null, loss, epoch, step,
                $"the epoch's loss {loss:G4} is above the first epoch's {_epochLosses[0]:G4} and rising: lower the learning rate or add gradient clipping");
        int window = _settings.StallEpochs;
        if (n > window && Enumerable.Range(n - window, window).All(i => _epochLosses[i - 1] - _epochLosses[i] < _settings.StallImprovement * Math.Abs(_epochLosses[i - 1])))
            Report(TrainingWarning.Stalled, null, loss, epoch, step,
                $"the loss has improved by less than {_settings.StallImprovement:P1} per epoch for {window} epochs ({_epochLosses[n - window - 1]:G4} → {loss:G4}): try a higher learning rate, a schedule, or a larger model — or stop here");
        if (n >= 6)
        {
            // Four turns in a row, each a swing of more than 5%: the steps overshoot the valley back and forth.
            bool oscillating = true;
            for (int i = n - 4; i < n; i++)
            {
                double previous = _epochLosses[i] - _epochLosses[i - 1], earlier = _epochLosses[i - 1] - _epochLosses[i - 2];
                oscillating &= previous * earlier < 0 && Math.Abs(previous) > 0.05 * Math.Abs(_epochLosses[i - 1]);
            }
            if (oscillating)
                Report(TrainingWarning.Oscillating, null, loss, epoch, step,
                    "the epoch loss has gone up and down by more than 5% four times in a row: the learning rate is likely too high (or the batch too small); lower it or add a decay");
        }
    }

    private void CheckInitialLoss(int epoch, long step, double loss)
    {
        // Class labels over C classes: an untrained classifier's loss is about ln C (every class equally likely).
        if (typeof(TTarget) != typeof(int) || _model.OutputsPerSample % _model.TargetsPerSample != 0)
            return;
        int classes = _model.OutputsPerSample / _model.TargetsPerSample;
        double chance = Math.Log(classes);
        if (classes >= 2 && Math.Abs(loss - chance) > Math.Max(1, 0.5 * chance))
            Report(TrainingWarning.InitialLoss, null, loss, epoch, step,
                $"the first step's loss is {loss:G4}, far from ln {classes} = {chance:G4} expected of an untrained classifier over {classes} classes: check the output layer's initialization (weights too large, a biased bias) and the labels");
    }

    private void Report(string monitor, string? layer, double value, int epoch, long step, string message)
    {
        if (_reported.Add(monitor + "|" + layer))
            _report(new TrainingWarning(monitor, layer, value, message, epoch, step));
    }
}
