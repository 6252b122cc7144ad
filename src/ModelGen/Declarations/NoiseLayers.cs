namespace ModelGen;

/// <summary>A Gaussian noise layer of a generated model (see <see cref="GaussianNoiseAttribute"/>).</summary>
public sealed class GaussianNoise(string model, string name, int features, float standardDeviation)
{
    /// <summary>The declaring model class.</summary>
    public string Model { get; } = model;
    /// <summary>The layer's property name; its noise stream is hashed from it.</summary>
    public string Name { get; } = name;
    /// <summary>Elements per sample.</summary>
    public int Features { get; } = features;
    /// <summary>σ of the noise added while training.</summary>
    public float StandardDeviation { get; } = standardDeviation;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: GaussianNoise σ = {StandardDeviation} over {Features}";
}

/// <summary>A randomized leaky ReLU of a generated model (see <see cref="RReLUAttribute"/>).</summary>
public sealed class RReLU(string model, string name, int features, float lower, float upper)
{
    /// <summary>The declaring model class.</summary>
    public string Model { get; } = model;
    /// <summary>The layer's property name; its slope stream is hashed from it.</summary>
    public string Name { get; } = name;
    /// <summary>Elements per sample.</summary>
    public int Features { get; } = features;
    /// <summary>Smallest training slope.</summary>
    public float Lower { get; } = lower;
    /// <summary>Largest training slope.</summary>
    public float Upper { get; } = upper;
    /// <summary>The slope at inference, (Lower + Upper)/2.</summary>
    public float InferenceSlope => (Lower + Upper) / 2;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: RReLU slopes [{Lower}, {Upper}] over {Features}";
}
