namespace ModelGen;

/// <summary>An embedding layer of a generated model: its table and the last gradient, live views of the model's buffers.</summary>
public sealed class Embedding
{
    private readonly Memory<float> _weights, _weightGradient;

    /// <summary>Created by generated code only.</summary>
    public Embedding(string model, string name, int vocabulary, int dimension, int paddingId, Memory<float> weights, Memory<float> weightGradient)
    {
        Model = model; Name = name; Vocabulary = vocabulary; Dimension = dimension; PaddingId = paddingId;
        _weights = weights; _weightGradient = weightGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; its tensor is <c>Name.weight</c>.</summary>
    public string Name { get; }
    /// <summary>Token ids run over [0, Vocabulary).</summary>
    public int Vocabulary { get; }
    /// <summary>Features per token.</summary>
    public int Dimension { get; }
    /// <summary>The id that ends a shorter sample (−1: none).</summary>
    public int PaddingId { get; }
    /// <summary>E, row-major [Vocabulary × Dimension]: row k is token k's vector.</summary>
    public Span<float> Weights => _weights.Span;
    /// <summary>∂loss/∂E from the last training step.</summary>
    public ReadOnlySpan<float> WeightGradient => _weightGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Embedding [{Vocabulary} tokens → {Dimension}]{(PaddingId >= 0 ? $", padding id {PaddingId}" : "")}";
}

/// <summary>
/// The tensors of one direction of a recurrent layer, PyTorch's layout: W_ih [gates·units × inputs], W_hh
/// [gates·units × units], b_ih and b_hh [gates·units]; live views of the model's parameter buffer.
/// </summary>
public sealed class RecurrentDirection
{
    private readonly Memory<float> _inputWeights, _hiddenWeights, _inputBias, _hiddenBias;

    /// <summary>Created by the layer views.</summary>
    public RecurrentDirection(Memory<float> inputWeights, Memory<float> hiddenWeights, Memory<float> inputBias, Memory<float> hiddenBias)
    {
        _inputWeights = inputWeights; _hiddenWeights = hiddenWeights; _inputBias = inputBias; _hiddenBias = hiddenBias;
    }

    /// <summary>W_ih (<c>weight_ih_l0</c>).</summary>
    public Span<float> InputWeights => _inputWeights.Span;
    /// <summary>W_hh (<c>weight_hh_l0</c>).</summary>
    public Span<float> HiddenWeights => _hiddenWeights.Span;
    /// <summary>b_ih (<c>bias_ih_l0</c>).</summary>
    public Span<float> InputBias => _inputBias.Span;
    /// <summary>b_hh (<c>bias_hh_l0</c>).</summary>
    public Span<float> HiddenBias => _hiddenBias.Span;
}

/// <summary>What the recurrent layer views share: shape, directions and output form.</summary>
public abstract class RecurrentLayer
{
    // tensors: W_ih, W_hh, b_ih, b_hh of the forward direction, then of the reverse one (empty when not bidirectional).
    private protected RecurrentLayer(string model, string name, int inputs, int units, int gates, bool returnSequences, Memory<float>[] tensors)
    {
        Model = model; Name = name; Inputs = inputs; Units = units; Gates = gates; ReturnSequences = returnSequences;
        Forward = new RecurrentDirection(tensors[0], tensors[1], tensors[2], tensors[3]);
        Reverse = tensors[4].IsEmpty ? null : new RecurrentDirection(tensors[4], tensors[5], tensors[6], tensors[7]);
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; its tensors are <c>Name.weight_ih_l0</c> and so on.</summary>
    public string Name { get; }
    /// <summary>Features per step of the input sequence.</summary>
    public int Inputs { get; }
    /// <summary>Hidden units per direction.</summary>
    public int Units { get; }
    /// <summary>Gate blocks of <see cref="Units"/> rows in W_ih and W_hh (LSTM 4, GRU 3, RNN 1).</summary>
    public int Gates { get; }
    /// <summary>Whether the output is every step's state or the last real step's.</summary>
    public bool ReturnSequences { get; }
    /// <summary>The forward direction's tensors.</summary>
    public RecurrentDirection Forward { get; }
    /// <summary>The backward direction's tensors (<c>…_reverse</c>), or null when the layer is not bidirectional.</summary>
    public RecurrentDirection? Reverse { get; }
    /// <summary>Whether the layer runs both directions (its output has 2 × <see cref="Units"/> features).</summary>
    public bool IsBidirectional => Reverse is not null;

    /// <inheritdoc/>
    public override string ToString()
        => $"{Model}.{Name}: {GetType().Name} [{Inputs} → {Units}{(IsBidirectional ? " × 2 directions" : "")}], {(ReturnSequences ? "every step" : "last state")}";
}

/// <summary>A simple (Elman) RNN layer of a generated model.</summary>
public sealed class SimpleRnn : RecurrentLayer
{
    /// <summary>Created by generated code only.</summary>
    public SimpleRnn(string model, string name, int inputs, int units, Activation activation, bool returnSequences, params Memory<float>[] tensors)
        : base(model, name, inputs, units, 1, returnSequences, tensors) => Activation = activation;

    /// <summary>The step's nonlinearity.</summary>
    public Activation Activation { get; }
}

/// <summary>An LSTM layer of a generated model.</summary>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Created by generated code only.</summary>
    public Lstm(string model, string name, int inputs, int units, bool returnSequences, params Memory<float>[] tensors)
        : base(model, name, inputs, units, 4, returnSequences, tensors) { }
}

/// <summary>A GRU layer of a generated model.</summary>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Created by generated code only.</summary>
    public Gru(string model, string name, int inputs, int units, bool returnSequences, params Memory<float>[] tensors)
        : base(model, name, inputs, units, 3, returnSequences, tensors) { }
}
