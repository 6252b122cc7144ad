namespace ModelGen;

/// <summary>
/// A parametric ReLU of a generated model (see <see cref="PReLUAttribute"/>): its slopes and their last gradients,
/// live views of the model's parameter buffer.
/// </summary>
public sealed class PReLU
{
    private readonly Memory<float> _slopes, _slopeGradient;

    /// <summary>Created by generated code only.</summary>
    public PReLU(string model, string name, int channels, Memory<float> slopes, Memory<float> slopeGradient)
    {
        Model = model; Name = name; Channels = channels; _slopes = slopes; _slopeGradient = slopeGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; its slopes are <c>Name.weight</c> in the manifest, as PyTorch names them.</summary>
    public string Name { get; }
    /// <summary>How many slopes: the features (or channels of a map), or 1 when shared.</summary>
    public int Channels { get; }
    /// <summary>The learned negative slopes a_c.</summary>
    public Span<float> Slopes => _slopes.Span;
    /// <summary>∂loss/∂a from the last training step.</summary>
    public ReadOnlySpan<float> SlopeGradient => _slopeGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: PReLU, {Channels} slope{(Channels == 1 ? "" : "s")}";
}
