namespace ModelGen;

/// <summary>
/// A Gaussian RBF layer of a generated model (see <see cref="RbfAttribute"/>): live views of its centres and log-widths
/// and of their last gradients.
/// </summary>
public sealed class Rbf
{
    private readonly Memory<float> _centres, _logWidths, _centreGradient, _logWidthGradient;

    /// <summary>Created by generated code only.</summary>
    public Rbf(string model, string name, int inputs, int units, Memory<float> centres, Memory<float> logWidths, Memory<float> centreGradient, Memory<float> logWidthGradient)
    {
        Model = model; Name = name; Inputs = inputs; Units = units;
        _centres = centres; _logWidths = logWidths; _centreGradient = centreGradient; _logWidthGradient = logWidthGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; the manifest holds <c>Name.centers</c> and <c>Name.log_sigma</c>.</summary>
    public string Name { get; }
    /// <summary>Input features.</summary>
    public int Inputs { get; }
    /// <summary>RBF units.</summary>
    public int Units { get; }
    /// <summary>C, row-major [Inputs × Units]: column j is unit j's centre.</summary>
    public Span<float> Centres => _centres.Span;
    /// <summary>log σ_j per unit.</summary>
    public Span<float> LogWidths => _logWidths.Span;
    /// <summary>∂loss/∂C from the last training step.</summary>
    public ReadOnlySpan<float> CentreGradient => _centreGradient.Span;
    /// <summary>∂loss/∂log σ from the last training step.</summary>
    public ReadOnlySpan<float> LogWidthGradient => _logWidthGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: Rbf [{Inputs} → {Units}]";
}
