namespace ModelGen;

/// <summary>What a manifest tensor is to its layer (PyTorch's state_dict roles).</summary>
public enum ParameterRole
{
    /// <summary>A weight tensor: a Dense layer's [inputs × units] matrix (x · W), a convolution's filters, a recurrent layer's gate matrices, an embedding table.</summary>
    Weight = 0,
    /// <summary>A bias vector.</summary>
    Bias = 1,
    /// <summary>Batch norm's γ (state_dict <c>weight</c>).</summary>
    Scale = 2,
    /// <summary>Batch norm's β (state_dict <c>bias</c>).</summary>
    Shift = 3,
    /// <summary>Batch norm's running mean (state, not trained).</summary>
    RunningMean = 4,
    /// <summary>Batch norm's running (unbiased) variance (state, not trained).</summary>
    RunningVariance = 5,
    /// <summary>A PReLU layer's learned negative slopes (state_dict <c>weight</c>).</summary>
    Slope = 6,
    /// <summary>An RBF layer's learned log-widths log σ_j (state_dict <c>log_sigma</c>).</summary>
    LogWidth = 7,
}

/// <summary>
/// One tensor of a generated model's manifest: its stable name (<c>Hidden1.weight</c>), shape, place in the
/// trainable parameter buffer (or the state buffer when not <see cref="IsTrainable"/>), how it was initialized and
/// whether weight decay applies to it. Save/load, export and debugger views read the manifest.
/// </summary>
public sealed class ParameterInfo
{
    private readonly int[] _shape;

    /// <summary>Created by generated code only.</summary>
    public ParameterInfo(string name, ParameterRole role, int[] shape, bool trainable, int offset, string initialization, bool decayed, bool transposed = false)
    {
        Name = name; Role = role; _shape = shape; IsTrainable = trainable; Offset = offset; Initialization = initialization; IsDecayed = decayed;
        IsStoredTransposed = transposed;
        int length = 1;
        foreach (int dimension in shape)
            length *= dimension;
        Length = length;
    }

    /// <summary>Stable name, <c>Layer.weight</c>, <c>Layer.gate.bias</c>, <c>Layer.running_mean</c>….</summary>
    public string Name { get; }
    /// <summary>What the tensor is to its layer.</summary>
    public ParameterRole Role { get; }
    /// <summary>Dimensions, row-major.</summary>
    public ReadOnlySpan<int> Shape => _shape;
    /// <summary>Elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; }
    /// <summary>In the trainable parameter buffer (true) or the state buffer (batch-norm running statistics).</summary>
    public bool IsTrainable { get; }
    /// <summary>First element in its buffer.</summary>
    public int Offset { get; }
    /// <summary>The initializer (e.g. "HeUniform") or "constant v".</summary>
    public string Initialization { get; }
    /// <summary>Whether [WeightDecay] applies to it (weights always; biases and γ/β only with IncludeBiases).</summary>
    public bool IsDecayed { get; }
    /// <summary>
    /// A Dense weight: held [inputs × units] for x · W, and exchanged — in saved files, as PyTorch's torch.nn.Linear —
    /// transposed, [units × inputs].
    /// </summary>
    public bool IsStoredTransposed { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join(" × ", _shape)}] at {(IsTrainable ? "parameters" : "state")}[{Offset}]";

    /// <summary>The tensor named <paramref name="name"/>; a clear exception naming the model and the valid names otherwise.</summary>
    public static ParameterInfo Find(IReadOnlyList<ParameterInfo> manifest, string name, string model)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (ParameterInfo tensor in manifest)
            if (tensor.Name == name)
                return tensor;
        throw new ArgumentException($"{model} has no tensor named '{name}'; its manifest lists {string.Join(", ", manifest.Select(t => t.Name))}.", nameof(name));
    }
}
