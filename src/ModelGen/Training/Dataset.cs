namespace ModelGen.Training;

/// <summary>
/// Samples in memory: <see cref="Inputs"/> [count × inputs per sample] and <see cref="Targets"/> [count × targets per
/// sample], row-major. The arrays are shared, not copied.
/// </summary>
public sealed class Dataset<TInput, TTarget>
    where TInput : unmanaged
    where TTarget : unmanaged
{
    /// <summary>Wraps the arrays; <paramref name="inputs"/> must hold whole samples and <paramref name="targets"/> as many.</summary>
    public Dataset(TInput[] inputs, TTarget[] targets, int inputsPerSample, int targetsPerSample)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputsPerSample);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetsPerSample);
        if (inputs.Length % inputsPerSample != 0)
            throw new ArgumentException($"The inputs hold {inputs.Length} values, not a whole number of samples of {inputsPerSample}.", nameof(inputs));
        int count = inputs.Length / inputsPerSample;
        if (targets.Length != (long)count * targetsPerSample)
            throw new ArgumentException($"{count} samples need [{count} × {targetsPerSample}] = {(long)count * targetsPerSample} targets, got {targets.Length}.", nameof(targets));
        Inputs = inputs;
        Targets = targets;
        InputsPerSample = inputsPerSample;
        TargetsPerSample = targetsPerSample;
    }

    /// <summary>[count × inputs per sample], row-major.</summary>
    public TInput[] Inputs { get; }

    /// <summary>[count × targets per sample], row-major.</summary>
    public TTarget[] Targets { get; }

    /// <summary>Input elements per sample.</summary>
    public int InputsPerSample { get; }

    /// <summary>Target elements per sample.</summary>
    public int TargetsPerSample { get; }

    /// <summary>Samples held.</summary>
    public int Count => Inputs.Length / InputsPerSample;

    /// <summary>
    /// Splits off the last <paramref name="fraction"/> of the samples (in their current order) for validation, as
    /// Keras's validation_split does: no shuffling, so the split is the same every run.
    /// </summary>
    public (Dataset<TInput, TTarget> Training, Dataset<TInput, TTarget> Validation) Split(double fraction)
    {
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The validation fraction must lie strictly between 0 and 1.");
        int validation = (int)Math.Round(Count * fraction);
        if (validation == 0 || validation == Count)
            throw new ArgumentException($"A fraction of {fraction} of {Count} samples leaves {(validation == 0 ? "no validation samples" : "no training samples")}.", nameof(fraction));
        int training = Count - validation;
        return (Slice(0, training), Slice(training, validation));
    }

    private Dataset<TInput, TTarget> Slice(int start, int count)
        => new(Inputs.AsSpan(start * InputsPerSample, count * InputsPerSample).ToArray(), Targets.AsSpan(start * TargetsPerSample, count * TargetsPerSample).ToArray(),
            InputsPerSample, TargetsPerSample);
}
