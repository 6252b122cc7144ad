namespace ModelGen;

/// <summary>
/// A maxout layer of a generated model (see <see cref="MaxoutAttribute"/>): its shape and live views of its pieces'
/// parameters and their last gradients, aliasing the model's parameter buffer.
/// </summary>
public sealed class Maxout
{
    private readonly Memory<float> _weights, _bias, _weightGradient, _biasGradient;

    /// <summary>Created by generated code only.</summary>
    public Maxout(string model, string name, int inputs, int units, int pieces,
        Memory<float> weights, Memory<float> bias, Memory<float> weightGradient, Memory<float> biasGradient)
    {
        Model = model; Name = name; Inputs = inputs; Units = units; Pieces = pieces;
        _weights = weights; _bias = bias; _weightGradient = weightGradient; _biasGradient = biasGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; also its checkpoint prefix.</summary>
    public string Name { get; }
    /// <summary>Input features.</summary>
    public int Inputs { get; }
    /// <summary>Output features (maxout units).</summary>
    public int Units { get; }
    /// <summary>Linear pieces per unit.</summary>
    public int Pieces { get; }
    /// <summary>W, row-major [Inputs × Pieces·Units]; column p·Units + j is piece p of unit j.</summary>
    public Span<float> Weights => _weights.Span;
    /// <summary>b, [Pieces·Units], in the columns' order.</summary>
    public Span<float> Bias => _bias.Span;
    /// <summary>∂loss/∂W from the last training step.</summary>
    public ReadOnlySpan<float> WeightGradient => _weightGradient.Span;
    /// <summary>∂loss/∂b from the last training step.</summary>
    public ReadOnlySpan<float> BiasGradient => _biasGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Maxout [{Inputs} → {Units}], {Pieces} pieces";
}
