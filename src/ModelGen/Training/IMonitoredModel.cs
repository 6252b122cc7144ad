namespace ModelGen.Training;

/// <summary>
/// What the runtime monitors read inside a generated model right after a training step, on the thread that ran it:
/// the parameter gradients and the outputs of its ReLU and saturating (sigmoid, tanh, hard tanh) layers. Every generated model implements it;
/// the <see cref="Trainer"/> reads it only on the steps <see cref="TrainingMonitors.SampleEvery"/> samples.
/// </summary>
public interface IMonitoredModel
{
    /// <summary>∂loss/∂parameters of the last training step, before clipping, laid out as the manifest.</summary>
    ReadOnlySpan<float> Gradients { get; }

    /// <summary>The activation layers the dead-unit and saturation monitors watch, in graph order.</summary>
    IReadOnlyList<ActivationProbe> Activations { get; }

    /// <summary>
    /// The outputs of <see cref="Activations"/>[<paramref name="index"/>] in the last training step: [rows × Channels ×
    /// Positions], a row per sample (per sample and step for a sequence). Empty before the first step.
    /// </summary>
    ReadOnlySpan<float> ActivationValues(int index);
}

/// <summary>
/// One watched activation: the layer it belongs to, its function, and its value's shape per row — <paramref name="Channels"/>
/// units (features, or feature-map channels) of <paramref name="Positions"/> values each (1, or H·W of a map).
/// </summary>
public sealed record ActivationProbe(string Layer, Activation Function, int Channels, int Positions);
