namespace ModelGen;

/// <summary>
/// A dense layer of a generated model: its shape and live views of its parameters and their last gradients.
/// The views alias the model's single parameter buffer, so writes (e.g. loading a checkpoint) take effect at once.
/// </summary>
public sealed class Dense
{
    private readonly Memory<float> _weights, _bias, _weightGradient, _biasGradient;

    /// <summary>Created by generated code only.</summary>
    public Dense(string model, string name, int inputs, int units, Activation activation,
        Memory<float> weights, Memory<float> bias, Memory<float> weightGradient, Memory<float> biasGradient)
    {
        Model = model; Name = name; Inputs = inputs; Units = units; Activation = activation;
        _weights = weights; _bias = bias; _weightGradient = weightGradient; _biasGradient = biasGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; also its checkpoint prefix (<c>Name.Weights</c>, <c>Name.Bias</c>).</summary>
    public string Name { get; }
    /// <summary>Input features.</summary>
    public int Inputs { get; }
    /// <summary>Output features.</summary>
    public int Units { get; }
    /// <summary>Nonlinearity after the affine map.</summary>
    public Activation Activation { get; }
    /// <summary>W, row-major [Inputs × Units].</summary>
    public Span<float> Weights => _weights.Span;
    /// <summary>b, [Units].</summary>
    public Span<float> Bias => _bias.Span;
    /// <summary>∂loss/∂W from the last training step.</summary>
    public ReadOnlySpan<float> WeightGradient => _weightGradient.Span;
    /// <summary>∂loss/∂b from the last training step.</summary>
    public ReadOnlySpan<float> BiasGradient => _biasGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Dense [{Inputs} → {Units}], {Activation}";
}
