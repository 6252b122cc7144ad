using System.Numerics.Tensors;
using ModelGen.Optimizers;

namespace ModelGen.Training;

/// <summary>
/// Runtime monitors from the diagnostics catalogue that watch a <see cref="Trainer"/> run — its losses, its parameters
/// and the data, and in a generated model (<see cref="IMonitoredModel"/>) each layer's gradients and activations — and
/// report each problem once, with the layer, the measured value and the advice. Off unless <see cref="FitOptions.Monitors"/>
/// is set. The per-layer checks sample one step in <see cref="SampleEvery"/> (a copy of the parameters before it and a
/// pass over parameters, gradients and watched activations after), so the rest cost nothing.
/// </summary>
/// <param name="SampleEvery">Steps between parameter checks (update/weight ratio, non-finite weights).</param>
/// <param name="MaxUpdateRatio">
/// ‖Δw‖/‖w‖ of a weight tensor in one step above which the learning rate is likely too high (around 1e-3 is healthy
/// for SGD; Adam's first steps move every weight by about the learning rate, 0.02–0.06 of a small layer's typical
/// weight at 1e-3–3e-3, so the default leaves room for them).
/// </param>
/// <param name="MinUpdateRatio">… and below which it is likely too low.</param>
/// <param name="StallEpochs">Epochs in a row whose loss improves by less than <see cref="StallImprovement"/> (relative) before "stalled".</param>
/// <param name="StallImprovement">The relative improvement per epoch that counts as progress.</param>
/// <param name="ExplodingGrowth">A weight gradient's norm this many times its norm at the first sampled step: exploding.</param>
/// <param name="VanishingRatio">A weight gradient's RMS below this fraction of the largest layer's: vanishing.</param>
/// <param name="DeadFraction">The fraction of a ReLU layer's units that output 0 for every sample of a batch, above which it is reported.</param>
/// <param name="SaturatedFraction">The fraction of a sigmoid or tanh layer's outputs within 0.01 of its limits, above which it is reported.</param>
public sealed record TrainingMonitors(int SampleEvery = 50, double MaxUpdateRatio = 0.1, double MinUpdateRatio = 1e-6, int StallEpochs = 3, double StallImprovement = 1e-3,
    double ExplodingGrowth = 100, double VanishingRatio = 1e-3, double DeadFraction = 0.5, double SaturatedFraction = 0.5)
{
    /// <summary>Every monitor with its default thresholds.</summary>
    public static TrainingMonitors Default { get; } = new();
}

/// <summary>One monitor's finding: which monitor, the layer (null for the whole model), the measured value, and what to do.</summary>
public sealed record TrainingWarning(string Monitor, string? Layer, double Value, string Message, int Epoch, long Step)
{
    /// <summary>The monitors' names.</summary>
    public const string InitialLoss = "initial-loss", UnnormalizedInputs = "unnormalized-inputs", NonFiniteWeights = "non-finite-weights",
        LargeUpdates = "large-updates", SmallUpdates = "small-updates", Diverging = "diverging", Stalled = "stalled", Oscillating = "oscillating",
        ExplodingGradients = "exploding-gradients", VanishingGradients = "vanishing-gradients", DeadUnits = "dead-relu", SaturatedUnits = "saturated-units";

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
    private readonly IMonitoredModel? _inside;
    private float[]? _before;
    private double[]? _firstGradientNorms;
    private bool[]?[]? _silent; // per watched ReLU, its units silent at the last check (null before the first)
    private double _firstLoss = double.NaN;

    public MonitorState(TrainingMonitors settings, ISupervisedModel<TInput, TTarget> model, Action<TrainingWarning> report)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.SampleEvery, "TrainingMonitors.SampleEvery");
        _settings = settings;
        _model = model;
        _report = report;
        _manifest = model is IExportableModel exportable ? exportable.Tensors.Manifest : [];
        _inside = model as IMonitoredModel;
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
            // Vectorized float norms: a monitor needs the order of magnitude, and a sampled step then costs a few passes at memory speed.
            double weights = TensorPrimitives.Norm(now), update = TensorPrimitives.Distance(now, then);
            string layer = tensor.Name;
            if (!TensorPrimitives.IsFiniteAll(now))
            {
                Report(TrainingWarning.NonFiniteWeights, layer, double.NaN, epoch, step,
                    $"{layer} holds NaN or infinity after step {step}: lower the learning rate, add gradient clipping, or look for a log of 0 or a division by 0 upstream");
                continue;
            }
            if (tensor.Role != ParameterRole.Weight || weights == 0)
                continue;
            double ratio = update / weights;
            if (ratio > _settings.MaxUpdateRatio)
                Report(TrainingWarning.LargeUpdates, layer, ratio, epoch, step,
                    $"one step changes {layer} by {ratio:G3} of its norm (around 1e-3 is healthy): the learning rate is likely too high");
            else if (ratio < _settings.MinUpdateRatio && step > _settings.SampleEvery)
                Report(TrainingWarning.SmallUpdates, layer, ratio, epoch, step,
                    $"one step changes {layer} by only {ratio:G3} of its norm (around 1e-3 is healthy): the learning rate is likely too low, or its gradient vanishes");
        }
        if (_inside is null)
            return;
        CheckGradients(epoch, step, _inside.Gradients);
        _silent ??= new bool[_inside.Activations.Count][];
        for (int i = 0; i < _inside.Activations.Count; i++)
            CheckActivation(epoch, step, i, _inside.Activations[i], _inside.ActivationValues(i));
    }

    /// <summary>Per weight tensor: a norm that grew far past its first sampled value (exploding), an RMS far below the largest layer's (vanishing).</summary>
    private void CheckGradients(int epoch, long step, ReadOnlySpan<float> gradients)
    {
        _firstGradientNorms ??= new double[_manifest.Count];
        double largest = 0;
        string? largestLayer = null;
        (string Layer, double Rms)? smallest = null;
        for (int t = 0; t < _manifest.Count; t++)
        {
            ParameterInfo tensor = _manifest[t];
            if (!tensor.IsTrainable || tensor.Role != ParameterRole.Weight)
                continue;
            double squares = GradientClipping.SumOfSquares(gradients.Slice(tensor.Offset, tensor.Length)); // the norm clipping sees
            double norm = Math.Sqrt(squares), rms = Math.Sqrt(squares / tensor.Length);
            if (_firstGradientNorms[t] == 0)
                _firstGradientNorms[t] = norm; // the first sampled step with a gradient is the reference
            double growth = norm / _firstGradientNorms[t];
            if (!double.IsFinite(norm) || growth > _settings.ExplodingGrowth)
                Report(TrainingWarning.ExplodingGradients, tensor.Name, norm, epoch, step, double.IsFinite(norm)
                    ? $"the gradient of {tensor.Name} has norm {norm:G3}, {growth:G3}× its norm at the first checked step: gradients are exploding; lower the learning rate, add [ClipGlobalNorm], or add batch norm"
                    : $"the gradient of {tensor.Name} holds NaN or infinity: gradients exploded; lower the learning rate and add [ClipGlobalNorm]");
            if (!double.IsFinite(rms))
                continue;
            if (rms > largest)
                (largest, largestLayer) = (rms, tensor.Name);
            if (smallest is null || rms < smallest.Value.Rms)
                smallest = (tensor.Name, rms);
        }
        if (smallest is { } low && largest > 0 && low.Rms < _settings.VanishingRatio * largest)
        {
            double ratio = low.Rms / largest;
            Report(TrainingWarning.VanishingGradients, low.Layer, ratio, epoch, step,
                $"the gradient of {low.Layer} is {ratio:G3} of {largestLayer}'s (RMS per weight): gradients vanish on their way back; use ReLU-family activations with He initialization, batch norm, residual connections, or fewer sigmoid/tanh layers");
        }
    }

    /// <summary>A ReLU layer whose units output 0 for the whole batch (dead), a sigmoid or tanh layer pinned at its limits (saturated).</summary>
    private void CheckActivation(int epoch, long step, int index, ActivationProbe probe, ReadOnlySpan<float> values)
    {
        int unit = probe.Channels * probe.Positions;
        if (values.Length == 0 || values.Length % unit != 0)
            return;
        int rows = values.Length / unit;
        if (probe.Function == Activation.ReLU)
        {
            // Dead: silent for every sample of the batch at this check and the one before — a unit merely quiet on one
            // batch, or early in training, is not reported.
            bool first = _silent![index] is null;
            bool[] before = _silent[index] ??= new bool[probe.Channels];
            int dead = 0;
            for (int c = 0; c < probe.Channels; c++)
            {
                bool silent = true;
                for (int r = 0; r < rows && silent; r++)
                    silent = !values.Slice(r * unit + c * probe.Positions, probe.Positions).ContainsAnyExcept(0f);
                dead += silent && before[c] ? 1 : 0;
                before[c] = silent;
            }
            double fraction = (double)dead / probe.Channels;
            if (!first && fraction > _settings.DeadFraction)
                Report(TrainingWarning.DeadUnits, probe.Layer, fraction, epoch, step,
                    $"{fraction:P0} of {probe.Layer}'s ReLU units ({dead} of {probe.Channels}) output 0 for every sample, at this check and the last: they are dead and get no gradient; lower the learning rate, use He initialization and a zero or small positive bias, or LeakyReLU");
            return;
        }
        // Sigmoid saturates toward 0 and 1; tanh and hard tanh toward ±1 (hard tanh reaches it, and its gradient is then 0).
        float limit = probe.Function == Activation.Sigmoid ? 0.01f : 0.99f;
        int saturated = 0;
        foreach (float y in values)
            saturated += probe.Function == Activation.Sigmoid ? (y < limit || y > 1 - limit ? 1 : 0) : (Math.Abs(y) > limit ? 1 : 0);
        double share = (double)saturated / values.Length;
        if (share > _settings.SaturatedFraction)
            Report(TrainingWarning.SaturatedUnits, probe.Layer, share, epoch, step,
                $"{share:P0} of {probe.Layer}'s {probe.Function} outputs are within 0.01 of its limits: the units are saturated and pass almost no gradient; standardize the inputs, use Glorot initialization, lower the learning rate, or add batch norm before the activation");
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
            // Four turns in a row, each a swing of more than 5%, with less than 5% net progress over them: the steps
            // overshoot the valley back and forth (a noisy loss that still falls is not reported).
            bool oscillating = _epochLosses[n - 1] > 0.95 * _epochLosses[n - 5];
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
