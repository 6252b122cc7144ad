namespace ModelGen;

// The whole declaration surface lives in this file, so the generator's extraction
// (generators/ModelGen.Generators/Extraction) mirrors exactly one place.

/// <summary>Marks a <c>partial class</c> as a network. Its layer properties, in declaration order, form the model.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Features per input sample.</summary>
    public int InputSize { get; set; }

    /// <summary>Seed for initialization; the same seed gives bit-identical weights and losses.</summary>
    public int Seed { get; set; }
}

/// <summary>Fully connected layer: <c>y = activation(x · W + b)</c>, W is [inputs × units].</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.Identity) : Attribute
{
    /// <summary>Output width of the layer.</summary>
    public int Units { get; } = units;

    /// <summary>Nonlinearity applied after the affine map.</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Weight initializer; <see cref="Initializer.Default"/> picks He for the ReLU family and Glorot otherwise.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Slope of <see cref="Activation.LeakyReLU"/> for negative inputs.</summary>
    public float NegativeSlope { get; set; } = 0.01f;
}

/// <summary>Element-wise nonlinearities.</summary>
public enum Activation
{
    /// <summary>No nonlinearity.</summary>
    Identity = 0,
    /// <summary>max(0, x).</summary>
    ReLU = 1,
    /// <summary>max(0, x) + slope · min(0, x).</summary>
    LeakyReLU = 2,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid = 3,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 4,
}

/// <summary>Weight initializers (biases always start at zero).</summary>
public enum Initializer
{
    /// <summary>He uniform for ReLU/LeakyReLU, Glorot uniform otherwise.</summary>
    Default = 0,
    /// <summary>U(±√(6/(fanIn+fanOut))).</summary>
    GlorotUniform = 1,
    /// <summary>N(0, 2/(fanIn+fanOut)).</summary>
    GlorotNormal = 2,
    /// <summary>U(±√(6/fanIn)).</summary>
    HeUniform = 3,
    /// <summary>N(0, 2/fanIn).</summary>
    HeNormal = 4,
}

/// <summary>Softmax over the last layer fused with cross-entropy against integer class labels (stable: log-sum-exp with max subtraction).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : Attribute;

/// <summary>Mean squared error against float targets, averaged over every output element.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MeanSquaredErrorAttribute : Attribute;

/// <summary>Stochastic gradient descent with optional (Nesterov) momentum, as in PyTorch's <c>torch.optim.SGD</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; } = 0.01f;
    /// <summary>Momentum coefficient μ in [0, 1); 0 disables momentum.</summary>
    public float Momentum { get; set; }
    /// <summary>Use Nesterov momentum (needs <see cref="Momentum"/> &gt; 0).</summary>
    public bool Nesterov { get; set; }
}

/// <summary>Adam with bias correction, as in PyTorch's <c>torch.optim.Adam</c>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AdamAttribute : Attribute
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; } = 1e-3f;
    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; set; } = 0.9f;
    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; set; } = 0.999f;
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; set; } = 1e-8f;
}

/// <summary>Rescales all gradients together so their global L2 norm is at most <paramref name="maxNorm"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClipGlobalNormAttribute(float maxNorm) : Attribute
{
    /// <summary>Largest allowed global gradient norm.</summary>
    public float MaxNorm { get; } = maxNorm;
}
