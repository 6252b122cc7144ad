namespace ModelGen;

/// <summary>
/// A batch-normalization layer of a generated model: its width, live views of γ and β (aliasing the model's parameter
/// buffer), their last gradients, and the running mean and variance used at inference.
/// </summary>
public sealed class BatchNorm
{
    private readonly Memory<float> _gamma, _beta, _gammaGradient, _betaGradient, _runningMean, _runningVariance;

    /// <summary>Created by generated code only.</summary>
    public BatchNorm(string model, string name, int units, Activation activation,
        Memory<float> gamma, Memory<float> beta, Memory<float> gammaGradient, Memory<float> betaGradient,
        Memory<float> runningMean, Memory<float> runningVariance)
    {
        Model = model; Name = name; Units = units; Activation = activation;
        _gamma = gamma; _beta = beta; _gammaGradient = gammaGradient; _betaGradient = betaGradient;
        _runningMean = runningMean; _runningVariance = runningVariance;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name.</summary>
    public string Name { get; }
    /// <summary>Features normalized (input width = output width).</summary>
    public int Units { get; }
    /// <summary>Nonlinearity after the normalization.</summary>
    public Activation Activation { get; }
    /// <summary>Scale γ, [Units].</summary>
    public Span<float> Gamma => _gamma.Span;
    /// <summary>Shift β, [Units].</summary>
    public Span<float> Beta => _beta.Span;
    /// <summary>∂loss/∂γ from the last training step.</summary>
    public ReadOnlySpan<float> GammaGradient => _gammaGradient.Span;
    /// <summary>∂loss/∂β from the last training step.</summary>
    public ReadOnlySpan<float> BetaGradient => _betaGradient.Span;
    /// <summary>Running mean of the layer's input, used at inference.</summary>
    public Span<float> RunningMean => _runningMean.Span;
    /// <summary>Running (unbiased) variance of the layer's input, used at inference.</summary>
    public Span<float> RunningVariance => _runningVariance.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: BatchNorm [{Units}], {Activation}";
}
