namespace ModelGen;

/// <summary>
/// A highway layer of a generated model (see <see cref="HighwayAttribute"/>): its width and live views of its
/// parameters, which alias the model's parameter buffer.
/// </summary>
public sealed class Highway
{
    private readonly Memory<float> _weights, _bias, _gateWeights, _gateBias;

    /// <summary>Created by generated code only.</summary>
    public Highway(string model, string name, int units, Activation activation,
        Memory<float> weights, Memory<float> bias, Memory<float> gateWeights, Memory<float> gateBias)
    {
        Model = model; Name = name; Units = units; Activation = activation;
        _weights = weights; _bias = bias; _gateWeights = gateWeights; _gateBias = gateBias;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; its manifest prefix.</summary>
    public string Name { get; }
    /// <summary>Input and output width.</summary>
    public int Units { get; }
    /// <summary>Nonlinearity of the transform H.</summary>
    public Activation Activation { get; }
    /// <summary>W_H, row-major [Units × Units] (manifest <c>Name.weight</c>).</summary>
    public Span<float> Weights => _weights.Span;
    /// <summary>b_H (manifest <c>Name.bias</c>).</summary>
    public Span<float> Bias => _bias.Span;
    /// <summary>W_T of the gate (manifest <c>Name.gate.weight</c>).</summary>
    public Span<float> GateWeights => _gateWeights.Span;
    /// <summary>b_T of the gate (manifest <c>Name.gate.bias</c>).</summary>
    public Span<float> GateBias => _gateBias.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Highway [{Units}], {Activation}";
}

/// <summary>A concatenation of a generated model (see <see cref="ConcatAttribute"/>).</summary>
public sealed class Concat
{
    /// <summary>Created by generated code only.</summary>
    public Concat(string model, string name, int units)
    {
        Model = model; Name = name; Units = units;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name.</summary>
    public string Name { get; }
    /// <summary>Output width: the sum of the inputs' widths.</summary>
    public int Units { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Concat [{Units}]";
}
