using ModelGen.Ops;

namespace ModelGen;

/// <summary>
/// What a convolution and a locally connected layer of a generated model show alike: the geometry inferred at compile
/// time and live views of the parameters, which alias the model's parameter buffer.
/// </summary>
public abstract class WindowedLayer
{
    private readonly Memory<float> _weights, _bias, _weightGradient, _biasGradient;

    private protected WindowedLayer(string model, string name, Conv2DShape shape, Activation activation,
        Memory<float> weights, Memory<float> bias, Memory<float> weightGradient, Memory<float> biasGradient)
    {
        Model = model; Name = name; Shape = shape; Activation = activation;
        _weights = weights; _bias = bias; _weightGradient = weightGradient; _biasGradient = biasGradient;
    }

    /// <summary>The declaring model class.</summary>
    public string Model { get; }
    /// <summary>The layer's property name; its manifest prefix (<c>Name.weight</c>, <c>Name.bias</c>).</summary>
    public string Name { get; }
    /// <summary>Input and output maps, kernel, stride, padding and dilation as inferred at compile time.</summary>
    public Conv2DShape Shape { get; }
    /// <summary>Nonlinearity after the layer.</summary>
    public Activation Activation { get; }
    /// <summary>W, in the layout the concrete layer documents.</summary>
    public Span<float> Weights => _weights.Span;
    /// <summary>b (empty without a bias).</summary>
    public Span<float> Bias => _bias.Span;
    /// <summary>∂loss/∂W from the last training step.</summary>
    public ReadOnlySpan<float> WeightGradient => _weightGradient.Span;
    /// <summary>∂loss/∂b from the last training step.</summary>
    public ReadOnlySpan<float> BiasGradient => _biasGradient.Span;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: {GetType().Name} {Shape}, {Activation}";
}

/// <summary>
/// A convolution of a generated model (see <see cref="Conv2DAttribute"/>): W [Filters × Channels × KernelHeight ×
/// KernelWidth] (PyTorch's <c>Conv2d.weight</c>), b [Filters].
/// </summary>
public sealed class Conv2D : WindowedLayer
{
    /// <summary>Created by generated code only.</summary>
    public Conv2D(string model, string name, Conv2DShape shape, Activation activation,
        Memory<float> weights, Memory<float> bias, Memory<float> weightGradient, Memory<float> biasGradient)
        : base(model, name, shape, activation, weights, bias, weightGradient, biasGradient)
    {
    }
}

/// <summary>
/// A locally connected layer of a generated model (see <see cref="LocallyConnected2DAttribute"/>): W [positions ×
/// Filters × Channels·KernelHeight·KernelWidth], one filter bank per output position; b [Filters × OutputHeight × OutputWidth].
/// </summary>
public sealed class LocallyConnected2D : WindowedLayer
{
    /// <summary>Created by generated code only.</summary>
    public LocallyConnected2D(string model, string name, Conv2DShape shape, Activation activation,
        Memory<float> weights, Memory<float> bias, Memory<float> weightGradient, Memory<float> biasGradient)
        : base(model, name, shape, activation, weights, bias, weightGradient, biasGradient)
    {
    }
}

/// <summary>A max pooling of a generated model (see <see cref="MaxPool2DAttribute"/>).</summary>
public sealed class MaxPool2D(string model, string name, Pool2DShape shape)
{
    /// <summary>The declaring model class.</summary>
    public string Model { get; } = model;
    /// <summary>The layer's property name.</summary>
    public string Name { get; } = name;
    /// <summary>Input and output maps and the window as inferred at compile time.</summary>
    public Pool2DShape Shape { get; } = shape;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: MaxPool2D {Shape}";
}

/// <summary>A mean pooling of a generated model (see <see cref="AvgPool2DAttribute"/>).</summary>
public sealed class AvgPool2D(string model, string name, Pool2DShape shape)
{
    /// <summary>The declaring model class.</summary>
    public string Model { get; } = model;
    /// <summary>The layer's property name.</summary>
    public string Name { get; } = name;
    /// <summary>Input and output maps and the window as inferred at compile time.</summary>
    public Pool2DShape Shape { get; } = shape;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: AvgPool2D {Shape}";
}

/// <summary>A global mean pooling of a generated model (see <see cref="GlobalAvgPoolAttribute"/>).</summary>
public sealed class GlobalAvgPool(string model, string name, Pool2DShape shape)
{
    /// <summary>The declaring model class.</summary>
    public string Model { get; } = model;
    /// <summary>The layer's property name.</summary>
    public string Name { get; } = name;
    /// <summary>The input map; the output is one mean per channel.</summary>
    public Pool2DShape Shape { get; } = shape;

    /// <inheritdoc/>
    public override string ToString() => $"{Model}.{Name}: GlobalAvgPool [{Shape.Channels} × {Shape.Height} × {Shape.Width}] → [{Shape.Channels}]";
}
