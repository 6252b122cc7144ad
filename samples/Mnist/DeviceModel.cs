using ModelGen.Training;

namespace Mnist;

/// <summary>
/// A device network seen by the Trainer: steps run on the device; anything else (evaluation, the parameters, saving)
/// first copies the device's weights into the CPU model — once after each run of steps — and runs there.
/// </summary>
internal sealed class DeviceModel(IDeviceTraining device, DigitClassifier model) : ISupervisedModel<float, int>
{
    private bool _deviceAhead;

    public int InputsPerSample => DigitClassifier.InputSize;
    public int TargetsPerSample => 1;
    public int OutputsPerSample => DigitClassifier.OutputSize;
    public Span<float> Parameters => Synced().Parameters;
    public Span<float> State => Synced().State;
    public long Step => Synced().Step;

    public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets)
    {
        _deviceAhead = true;
        return device.TrainStep(inputs, targets);
    }

    public float ComputeLoss(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets) => Synced().ComputeLoss(inputs, targets);
    public void Predict(ReadOnlySpan<float> inputs, Span<float> outputs) => Synced().Predict(inputs, outputs);
    public void SaveCheckpoint(string path) => Synced().SaveCheckpoint(path);

    private DigitClassifier Synced()
    {
        if (_deviceAhead)
            device.CopyTo(model);
        _deviceAhead = false;
        return model;
    }
}
