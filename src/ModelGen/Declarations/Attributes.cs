namespace ModelGen;

// The whole declaration surface lives in this file, so the generator's extraction
// (generators/ModelGen.Generators/Extraction) mirrors exactly one place.

/// <summary>Marks a <c>partial class</c> as a network. Its layer properties, in declaration order, form the model.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>Features per input sample (a flat input). A shaped input declares <see cref="InputShape"/> instead.</summary>
    public int InputSize { get; set; }

    /// <summary>
    /// The shape of one input sample, e.g. <c>new[] { 1, 28, 28 }</c> for [channels × height × width] images in NCHW
    /// order (PyTorch's), or <c>new[] { steps, features }</c> for a time series that recurrent layers read step by step;
    /// each sample is passed row-major, <c>InputSize</c> = the product. Convolutions and pooling need it; a flat
    /// <c>[features]</c> input may use <see cref="InputSize"/> alone.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>Seed for initialization and dropout masks; the same seed gives bit-identical weights and losses.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Training batch size the activation buffers are allocated for when the model is created (0: allocate on the
    /// first batch). Larger batches still work; they grow the buffers once.
    /// </summary>
    public int BatchSize { get; set; }

    /// <summary>Dropout rate on the input features while training (0: none). Rates above 0.2 discard too much input.</summary>
    public float InputDropout { get; set; }

    /// <summary>
    /// Token inputs: each sample is <c>SequenceLength</c> token ids (<c>int</c>), read by an <see cref="EmbeddingAttribute"/>
    /// layer; shorter samples end in the embedding's <see cref="EmbeddingAttribute.PaddingId"/>. 0: the input is features.
    /// </summary>
    public int SequenceLength { get; set; }
}

/// <summary>
/// What every layer attribute can say about wiring. By default a layer reads the layer declared before it (the first
/// reads the model input); <see cref="Input"/> names another, and <see cref="Residual"/> adds a named layer's output to
/// this layer's (He et al.'s identity shortcut).
/// </summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>The layer this one reads, e.g. <c>nameof(Trunk)</c>, or <see cref="Layers.ModelInput"/>; null: the layer declared before.</summary>
    public string? Input { get; set; }

    /// <summary>
    /// A layer declared before this one whose output is added to this layer's output (after its activation and
    /// dropout): y = f(x) + s. The widths must match unless <see cref="ResidualProjection"/> is set.
    /// </summary>
    public string? Residual { get; set; }

    /// <summary>When the residual's width differs, learn a linear map to this layer's width (<c>Name.projection.weight</c>, no bias).</summary>
    public bool ResidualProjection { get; set; }
}

/// <summary>Names for wiring layers.</summary>
public static class Layers
{
    /// <summary>The model's input, for <see cref="LayerAttribute.Input"/>, <see cref="LayerAttribute.Residual"/> and <see cref="ConcatAttribute"/>.</summary>
    public const string ModelInput = "$input";
}

/// <summary>
/// Fully connected layer: <c>y = activation(x · W + b)</c>, W is [inputs × units]. A feature map input
/// ([channels × height × width]) is flattened implicitly, row-major in NCHW order, as <c>torch.flatten(x, 1)</c> does.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class DenseAttribute(int units, Activation activation = Activation.Identity) : LayerAttribute
{
    /// <summary>Output width of the layer.</summary>
    public int Units { get; } = units;

    /// <summary>Nonlinearity applied after the affine map.</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Weight initializer; <see cref="Initializer.Default"/> picks He for the ReLU family and Glorot otherwise.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Slope of <see cref="Activation.LeakyReLU"/> for negative inputs.</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>Initial value of every bias (default 0).</summary>
    public float BiasInit { get; set; }

    /// <summary>Whether the layer has a bias (default true). A layer that feeds <see cref="BatchNormAttribute"/> needs none: the normalization subtracts it again and β takes its place.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>
    /// Inverted dropout on this layer's output while training: each unit is zeroed with this probability and the
    /// survivors are scaled by 1/(1 − rate), so inference (no dropout) needs no rescaling. 0 disables it.
    /// </summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Batch normalization of the previous layer's output (Ioffe and Szegedy), then an optional activation:
/// y = f(γ · (x − μ) / √(σ² + ε) + β) per feature. Training uses the batch's mean and (biased) variance and updates
/// running estimates, as PyTorch's <c>BatchNorm1d</c> does (running ← (1 − momentum)·running + momentum·batch, with
/// the unbiased variance); inference uses the running estimates. γ starts at 1, β at 0.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class BatchNormAttribute(Activation activation = Activation.Identity) : LayerAttribute
{
    /// <summary>Nonlinearity applied after the normalization and affine map.</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Weight of the current batch in the running estimates, in (0, 1].</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>Slope of <see cref="Activation.LeakyReLU"/> for negative inputs.</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>Inverted dropout on this layer's output while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Highway layer (Srivastava, Greff and Schmidhuber): y = T(x) ⊙ H(x) + (1 − T(x)) ⊙ x, width-preserving, with the
/// transform H(x) = f(x · W_H + b_H) and the transform gate T(x) = σ(x · W_T + b_T). The gate bias starts negative
/// (<see cref="GateBias"/>, −2) so every layer starts by carrying its input, and deep stacks still train.
/// Property type: <see cref="ModelGen.Highway"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class HighwayAttribute(Activation activation = Activation.ReLU) : LayerAttribute
{
    /// <summary>Nonlinearity of the transform H (element-wise; not Softmax).</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Initializer of W_H; <see cref="Initializer.Default"/> follows the activation. W_T is Glorot uniform.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Slope of <see cref="Activation.LeakyReLU"/> for negative inputs.</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>Initial b_H (default 0).</summary>
    public float BiasInit { get; set; }

    /// <summary>Initial b_T: negative (−1 to −3, the paper's advice) biases each layer towards carrying its input at first.</summary>
    public float GateBias { get; set; } = -2f;

    /// <summary>Inverted dropout on the layer's output while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Parametric ReLU (He et al., 2015) on the previous layer's output: y = x for x &gt; 0, a·x otherwise, with the slope a
/// learned — one per feature (per channel on a [C × H × W] map, as PyTorch's <c>PReLU(num_parameters = C)</c>) or one
/// for the whole layer (<see cref="Shared"/>, <c>PReLU()</c>). The slopes are <c>Name.weight</c>, start at
/// <see cref="Init"/> and, like biases and γ/β, take weight decay only with IncludeBiases (the paper decays none).
/// Property type: <see cref="ModelGen.PReLU"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class PReLUAttribute : LayerAttribute
{
    /// <summary>Initial slope of every unit (PyTorch's 0.25).</summary>
    public float Init { get; set; } = 0.25f;

    /// <summary>One slope for the whole layer instead of one per feature or channel.</summary>
    public bool Shared { get; set; }

    /// <summary>Inverted dropout on the layer's output while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Additive Gaussian noise on the previous layer's output (or, declared first, on the model input) while training:
/// y = x + σ·n, n ~ N(0, 1) drawn per element from (seed, step, layer) like dropout's masks; the identity at inference
/// (Keras <c>GaussianNoise</c>; the notes' noise injection as a regularizer). Property type: <see cref="ModelGen.GaussianNoise"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class GaussianNoiseAttribute(float standardDeviation) : LayerAttribute
{
    /// <summary>σ of the added noise, in the units of the layer's input.</summary>
    public float StandardDeviation { get; } = standardDeviation;
}

/// <summary>
/// Randomized leaky ReLU (Xu et al., 2015; PyTorch's <c>RReLU</c>) on the previous layer's output: while training each
/// element's negative slope is drawn uniformly from [<see cref="Lower"/>, <see cref="Upper"/>] (per seed, step, layer
/// and element, so backward and ComputeTrainingLoss see the same slopes); at inference the slope is their mean.
/// Property type: <see cref="ModelGen.RReLU"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class RReLUAttribute : LayerAttribute
{
    /// <summary>Smallest training slope (PyTorch's 1/8).</summary>
    public float Lower { get; set; } = 0.125f;

    /// <summary>Largest training slope (PyTorch's 1/3).</summary>
    public float Upper { get; set; } = 1f / 3;

    /// <summary>Inverted dropout on the layer's output while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Gaussian radial basis function units: h_j = exp(−‖x − c_j‖² / σ_j²) with learned centres c_j (<c>Name.centers</c>,
/// [inputs × units], a column per unit as a Dense weight is held) and learned widths (<c>Name.log_sigma</c>, log σ_j,
/// starting at log <see cref="Width"/>). Each unit answers only near its centre and is ≈ 0 elsewhere, so its gradient
/// vanishes for most inputs: useful as a readout or a similarity layer, hard to train deep (MG0026 in a hidden layer,
/// MG0012 in a deep stack). Property type: <see cref="ModelGen.Rbf"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class RbfAttribute(int units) : LayerAttribute
{
    /// <summary>Number of RBF units (centres).</summary>
    public int Units { get; } = units;

    /// <summary>Initial σ of every unit, in the units of the layer's input (default 1).</summary>
    public float Width { get; set; } = 1f;

    /// <summary>Initializer of the centres; <see cref="Initializer.Default"/> is Glorot uniform.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Inverted dropout on the layer's output while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Maxout units (Goodfellow et al., 2013): each of <c>units</c> outputs is the largest of <c>pieces</c> affine functions of
/// the input, y_j = max_p (x · W + b)[p·units + j] — a learned convex piecewise-linear activation (two pieces can
/// represent ReLU, leaky ReLU or |x|). W is [inputs × pieces·units], piece-major. One piece is a plain linear unit
/// (MG0035). The gradient flows to the winning piece only. Property type: <see cref="ModelGen.Maxout"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class MaxoutAttribute(int units, int pieces) : LayerAttribute
{
    /// <summary>Output width of the layer.</summary>
    public int Units { get; } = units;

    /// <summary>Linear pieces per unit (k; 2–5 in the paper).</summary>
    public int Pieces { get; } = pieces;

    /// <summary>Weight initializer; <see cref="Initializer.Default"/> is Glorot uniform over the pieces' columns.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Initial value of every bias (default 0).</summary>
    public float BiasInit { get; set; }

    /// <summary>Whether each piece has a bias (default true).</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>Inverted dropout on the layer's output while training (0: none); maxout was designed beside dropout.</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// The outputs of the named layers side by side, [a] ⊕ [b] → [a + b], in the order given (Layers.ModelInput names the
/// model input). Property type: <see cref="ModelGen.Concat"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class ConcatAttribute(params string[] inputs) : LayerAttribute
{
    /// <summary>The layers concatenated, by name.</summary>
    public System.Collections.Generic.IReadOnlyList<string> Inputs { get; } = inputs;

    /// <summary>Inverted dropout on the concatenation while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>How a convolution or pooling window treats the border of its input.</summary>
public enum Padding
{
    /// <summary>No padding: the window stays inside the input; out = ⌊(in − window) / stride⌋ + 1.</summary>
    Valid = 0,
    /// <summary>
    /// Zero padding so that out = ⌈in / stride⌉ (the input size at stride 1), split evenly with any odd row or column
    /// after the input (TensorFlow's SAME). Use odd kernels: an even one cannot pad both sides alike.
    /// </summary>
    Same = 1,
}

/// <summary>
/// What <see cref="Conv2DAttribute"/> and <see cref="LocallyConnected2DAttribute"/> declare alike: filters sliding a
/// kernel-sized window over [channels × height × width] feature maps (NCHW), then an activation.
/// </summary>
public abstract class WindowedLayerAttribute(int filters, int kernel, Activation activation) : LayerAttribute
{
    /// <summary>Output channels.</summary>
    public int Filters { get; } = filters;

    /// <summary>Kernel height (and width, unless <see cref="KernelWidth"/> says otherwise).</summary>
    public int Kernel { get; } = kernel;

    /// <summary>Element-wise nonlinearity after the layer (not Softmax).</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Kernel width for a non-square kernel (0: the same as <see cref="Kernel"/>).</summary>
    public int KernelWidth { get; set; }

    /// <summary>Step between windows, in both directions.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Spacing between kernel taps (1: adjacent pixels); a dilated 3×3 kernel sees (2·d + 1)² pixels.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Border handling: <see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>Explicit zero padding on every side (with <see cref="Padding.Valid"/>), as PyTorch's <c>padding=</c>.</summary>
    public int Pad { get; set; }

    /// <summary>Weight initializer; <see cref="Initializer.Default"/> picks He for the ReLU family and Glorot otherwise (fan-in = channels·kernel²).</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Slope of <see cref="Activation.LeakyReLU"/> for negative inputs.</summary>
    public float NegativeSlope { get; set; } = 0.01f;

    /// <summary>Initial value of every bias (default 0).</summary>
    public float BiasInit { get; set; }

    /// <summary>Whether the layer has biases (default true); one that feeds <see cref="BatchNormAttribute"/> needs none.</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>Inverted dropout on the output feature maps while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// 2-D convolution over [channels × height × width] feature maps (NCHW): <c>y = activation(x ⊛ W + b)</c> with
/// <c>filters</c> learned kernels, W [filters × channels × kernel × kernel] and b [filters], PyTorch's <c>Conv2d</c>
/// layout. Property type: <see cref="ModelGen.Conv2D"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class Conv2DAttribute(int filters, int kernel, Activation activation = Activation.Identity) : WindowedLayerAttribute(filters, kernel, activation);

/// <summary>
/// Locally connected layer (unshared convolution, DeepFace): the window of <see cref="Conv2DAttribute"/>, but every
/// output position has its own filters and every output unit its own bias — for inputs whose regions look different
/// (aligned faces), at the cost of positions × the parameters. Weights [positions × filters × channels·kernel²], bias
/// [filters × height′ × width′]. Property type: <see cref="ModelGen.LocallyConnected2D"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class LocallyConnected2DAttribute(int filters, int kernel, Activation activation = Activation.Identity) : WindowedLayerAttribute(filters, kernel, activation);

/// <summary>
/// Max pooling over [channels × height × width] feature maps: each output is the largest input in its window.
/// Property type: <see cref="ModelGen.MaxPool2D"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class MaxPool2DAttribute(int kernel) : LayerAttribute
{
    /// <summary>Window height and width.</summary>
    public int Kernel { get; } = kernel;

    /// <summary>Step between windows (0: the kernel size, non-overlapping windows).</summary>
    public int Stride { get; set; }

    /// <summary>Border handling: <see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>; padding never wins the max.</summary>
    public Padding Padding { get; set; }

    /// <summary>Explicit padding on every side, at most half the kernel (PyTorch's rule).</summary>
    public int Pad { get; set; }
}

/// <summary>
/// Mean pooling over [channels × height × width] feature maps; padding counts as 0 (PyTorch's
/// <c>count_include_pad=True</c>). Property type: <see cref="ModelGen.AvgPool2D"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class AvgPool2DAttribute(int kernel) : LayerAttribute
{
    /// <summary>Window height and width.</summary>
    public int Kernel { get; } = kernel;

    /// <summary>Step between windows (0: the kernel size, non-overlapping windows).</summary>
    public int Stride { get; set; }

    /// <summary>Border handling: <see cref="Padding.Valid"/> (default) or <see cref="Padding.Same"/>.</summary>
    public Padding Padding { get; set; }

    /// <summary>Explicit padding on every side, at most half the kernel (PyTorch's rule).</summary>
    public int Pad { get; set; }
}

/// <summary>
/// The mean of each channel over the whole map: [channels × height × width] → [channels], the usual bridge from
/// convolutions to a classifier with no large Dense layer. Property type: <see cref="ModelGen.GlobalAvgPool"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute;

/// <summary>
/// Token embedding (PyTorch's nn.Embedding): each token id of the model's input becomes a learned vector of
/// <c>dimension</c> features, so [batch × SequenceLength] ids become a sequence [SequenceLength × dimension] per
/// sample. Weight [vocabulary × dimension], N(0, 1) like PyTorch's. Property type: <see cref="ModelGen.Embedding"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class EmbeddingAttribute(int vocabulary, int dimension) : LayerAttribute
{
    /// <summary>Token ids run over [0, vocabulary).</summary>
    public int Vocabulary { get; } = vocabulary;

    /// <summary>Features per token.</summary>
    public int Dimension { get; } = dimension;

    /// <summary>
    /// The id that pads shorter samples at their end (−1: every sample is full length). A sample's length is its count of
    /// tokens before the first padding id; recurrent layers stop there and the loss ignores the padded steps.
    /// </summary>
    public int PaddingId { get; set; } = -1;

    /// <summary>Inverted dropout on the embedded vectors while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// What <see cref="SimpleRnnAttribute"/>, <see cref="LstmAttribute"/> and <see cref="GruAttribute"/> declare alike: a
/// recurrent layer over a sequence [steps × features], with PyTorch's gate equations and weight layout
/// (<c>weight_ih_l0</c> [gates·units × features], <c>weight_hh_l0</c> [gates·units × units], <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>; <c>…_reverse</c> for the backward direction).
/// </summary>
public abstract class RecurrentLayerAttribute(int units) : LayerAttribute
{
    /// <summary>Hidden units (per direction).</summary>
    public int Units { get; } = units;

    /// <summary>
    /// True: the output is the hidden state at every step, [steps × units] (for a tagger, or another recurrent layer).
    /// False (default, like Keras): the last real step's state, [units] (for one label per sequence).
    /// </summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Also run the sequence backwards and concatenate both directions' states: units·2 features.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Initializer of the input weights W_ih; Default is Glorot uniform.</summary>
    public Initializer Initializer { get; set; }

    /// <summary>Initializer of the recurrent weights W_hh; Default is <see cref="Initializer.Orthogonal"/> per gate.</summary>
    public Initializer RecurrentInitializer { get; set; }

    /// <summary>Inverted dropout on the layer's outputs while training (0: none).</summary>
    public float Dropout { get; set; }
}

/// <summary>
/// Elman RNN (PyTorch's nn.RNN): h_t = activation(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh), tanh by default. Its gradient
/// is multiplied by W_hh at every step and vanishes or explodes over long spans: prefer <see cref="LstmAttribute"/> or
/// <see cref="GruAttribute"/>, and clip. Property type: <see cref="ModelGen.SimpleRnn"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class SimpleRnnAttribute(int units, Activation activation = Activation.Tanh) : RecurrentLayerAttribute(units)
{
    /// <summary>The step's nonlinearity: Tanh (PyTorch's default) or ReLU.</summary>
    public Activation Activation { get; } = activation;
}

/// <summary>
/// LSTM (PyTorch's nn.LSTM, gates i, f, g, o): c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t). The cell path is scaled only by
/// the forget gate, so gradients survive long spans while f stays near 1 — hence <see cref="ForgetBias"/> 1 (Jozefowicz et al.).
/// Property type: <see cref="ModelGen.Lstm"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class LstmAttribute(int units) : RecurrentLayerAttribute(units)
{
    /// <summary>Initial forget-gate bias (in b_ih; b_hh starts at 0); 1 keeps early gradients flowing, 0 forgets half the cell every step.</summary>
    public float ForgetBias { get; set; } = 1f;
}

/// <summary>
/// GRU (PyTorch's nn.GRU, gates r, z, n): n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
/// Property type: <see cref="ModelGen.Gru"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class GruAttribute(int units) : RecurrentLayerAttribute(units);

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
    /// <summary>log(1 + e^x), a smooth ReLU.</summary>
    Softplus = 5,
    /// <summary>Scaled exponential linear unit: λx for x &gt; 0, λα(e^x − 1) otherwise (self-normalizing with LeCun normal weights).</summary>
    SELU = 6,
    /// <summary>Row-wise softmax, e^(x − max) / Σ e^(x − max): probabilities over the layer's units.</summary>
    Softmax = 7,
    /// <summary>Exponential linear unit (Clevert et al.): x for x &gt; 0, e^x − 1 otherwise (α = 1, PyTorch's default); negative outputs pull mean activations toward 0.</summary>
    ELU = 8,
    /// <summary>Hard tanh: x clipped to [−1, 1]; gradient 1 inside, 0 outside (it saturates like tanh, see MG0012).</summary>
    HardTanh = 9,
    /// <summary>
    /// Row-wise log-softmax, x − max − log Σ e^(x − max): log-probabilities, computed without forming the probabilities
    /// (no log of an underflowed 0). The output for <see cref="NegativeLogLikelihoodAttribute"/> and <see cref="KLDivergenceAttribute"/>.
    /// </summary>
    LogSoftmax = 10,
    /// <summary>
    /// GELU (Hendrycks and Gimpel), exact: x·Φ(x), Φ the standard normal CDF (PyTorch's <c>GELU()</c>). The layer keeps
    /// its pre-activation for backward (GELU is not monotonic), so it runs as its own pass, not inside the GEMM.
    /// </summary>
    GELU = 11,
    /// <summary>GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch's <c>GELU(approximate="tanh")</c>).</summary>
    GELUTanh = 12,
    /// <summary>Absolute-value rectification |x| (Jarrett et al.); gradient sign x, 0 at 0. Keeps its pre-activation like GELU.</summary>
    AbsoluteValue = 13,
}

/// <summary>Weight initializers (biases start at <see cref="DenseAttribute.BiasInit"/>, 0 by default).</summary>
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
    /// <summary>All zeros: every unit computes the same function and gets the same gradient.</summary>
    Zeros = 5,
    /// <summary>U(±√(3/fanIn)).</summary>
    LeCunUniform = 6,
    /// <summary>N(0, 1/fanIn), the initializer SELU's self-normalization assumes.</summary>
    LeCunNormal = 7,
    /// <summary>
    /// Orthogonal (Saxe et al.): each [units × fan-in] block has orthonormal rows (or columns, when taller than wide), so
    /// repeated products neither grow nor shrink a vector — the default for recurrent weights W_hh, one block per gate.
    /// On Dense and Conv2D layers (a kernel flattened to [filters × channels·k²], as PyTorch's <c>orthogonal_</c>) it is
    /// scaled by the activation's gain: 5/3 for tanh, √2 for ReLU and ELU, √(2/(1 + a²)) for leaky ReLU, 3/4 for SELU.
    /// </summary>
    Orthogonal = 8,
    /// <summary>
    /// Glorot normal truncated at two standard deviations (draws beyond are redrawn), scaled so the variance is still
    /// 2/(fanIn+fanOut): the normal's shape without its rare large weights (Keras's glorot_normal).
    /// </summary>
    GlorotTruncatedNormal = 9,
    /// <summary>He normal, 2/fanIn, truncated at two standard deviations with the variance kept (for the ReLU family).</summary>
    HeTruncatedNormal = 10,
    /// <summary>LeCun normal, 1/fanIn, truncated at two standard deviations with the variance kept (for SELU).</summary>
    LeCunTruncatedNormal = 11,
}

/// <summary>
/// A loss. On the model class it applies to the last layer, the model's one output. On layer properties it makes each
/// of them a head of a multi-task model: TrainStep takes every head's targets, Predict writes every head's output, and
/// the training loss is Σ Weight · head loss.
/// </summary>
public abstract class LossAttribute : Attribute
{
    /// <summary>This loss's share of the total, a finite number greater than 0 (default 1).</summary>
    public float Weight { get; set; } = 1f;
}

/// <summary>Softmax over the output layer fused with cross-entropy against integer class labels (stable: log-sum-exp with max subtraction).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class SoftmaxCrossEntropyAttribute : LossAttribute
{
    /// <summary>
    /// Label smoothing ε in [0, 1) (Szegedy et al.; PyTorch's <c>label_smoothing</c>): the target is (1 − ε) on the label
    /// and ε/C spread over all C classes, so the logits are not pushed without bound towards a one-hot output. 0: off.
    /// </summary>
    public float LabelSmoothing { get; set; }

    /// <summary>
    /// One weight per class, ≥ 0 (PyTorch's <c>weight</c>): a sample of class c counts w_c times and the mean divides by
    /// the batch's Σ w[label], so rare classes can weigh as much as common ones. With <see cref="LabelSmoothing"/> each
    /// class's smoothed term carries its own weight, as in PyTorch. Null: every class weighs 1. CPU networks only for now
    /// (a model with class weights gets no GPU or Vulkan network).
    /// </summary>
    public float[]? ClassWeights { get; set; }
}

/// <summary>
/// Negative log-likelihood against <c>int</c> labels on an output of log-probabilities (PyTorch's <c>NLLLoss</c>): put it
/// on a layer with <see cref="Activation.LogSoftmax"/> (MG0034 otherwise). LogSoftmax + NLL is softmax cross-entropy,
/// with the log-probabilities as Predict's output. CPU networks only for now.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class NegativeLogLikelihoodAttribute : LossAttribute;

/// <summary>
/// KL divergence D(t ‖ p) from target distributions t (float, [batch × classes]) to the model's p, given as
/// log-probabilities (PyTorch's <c>KLDivLoss(reduction="batchmean")</c>): put it on a layer with
/// <see cref="Activation.LogSoftmax"/> (MG0034 otherwise) — knowledge distillation against a teacher's probabilities.
/// CPU networks only for now.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class KLDivergenceAttribute : LossAttribute;

/// <summary>Mean squared error against float targets, averaged over every output element.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class MeanSquaredErrorAttribute : LossAttribute;

/// <summary>
/// Mean absolute error (L1 loss) against float targets, averaged over every output element, as <c>torch.nn.L1Loss</c>:
/// the median rather than the mean of the targets is what it fits, so outliers pull on it far less than on MSE. Its
/// gradient is ±1/count whatever the error's size (0 at an exact fit).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class MeanAbsoluteErrorAttribute : LossAttribute;

/// <summary>
/// Huber loss against float targets, averaged over every output element, as <c>torch.nn.HuberLoss</c>: ½d² where
/// |d| ≤ <see cref="Delta"/> and δ(|d| − ½δ) beyond — squared error near the target, absolute error (robust to
/// outliers) far from it; the gradient is d clipped to [−δ, δ].
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class HuberLossAttribute : LossAttribute
{
    /// <summary>Where the loss turns from quadratic to linear, a finite number greater than 0 (default 1, PyTorch's).</summary>
    public float Delta { get; set; } = 1f;
}

/// <summary>
/// Binary cross-entropy against float targets in [0, 1], one independent yes/no per output unit, averaged over every
/// output element. With <see cref="FromLogits"/> (the default) the last layer must be linear: the sigmoid is fused into
/// the loss, loss = max(z, 0) − z·t + log(1 + e^−|z|), which never takes the log of 0.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, Inherited = false)]
public sealed class BinaryCrossEntropyAttribute : LossAttribute
{
    /// <summary>
    /// True: the outputs are logits and the loss applies the sigmoid itself (stable). False: the outputs are
    /// probabilities (a sigmoid output layer), clamped to [1e-7, 1 − 1e-7] before the log.
    /// </summary>
    public bool FromLogits { get; set; } = true;
}

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
    /// <summary>
    /// AMSGrad (Reddi et al.; PyTorch's <c>amsgrad</c>): divide by the largest second moment seen so far, so a
    /// parameter's step size cannot grow back after a run of small gradients. One more state tensor.
    /// </summary>
    public bool AmsGrad { get; set; }
}

/// <summary>
/// NAdam (Dozat), as in PyTorch's <c>torch.optim.NAdam</c>: Adam whose step looks one momentum step ahead (Nesterov),
/// with the momentum coefficient warming up as β₁(1 − ½·0.96^(t·ψ)).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class NAdamAttribute : Attribute
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; } = 2e-3f;
    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; set; } = 0.9f;
    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; set; } = 0.999f;
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; set; } = 1e-8f;
    /// <summary>ψ ≥ 0, how fast the momentum coefficient warms up to β₁ (PyTorch's <c>momentum_decay</c>).</summary>
    public float MomentumDecay { get; set; } = 4e-3f;
}

/// <summary>AdaGrad, as in PyTorch's <c>torch.optim.Adagrad</c>: s ← s + g², p ← p − lr · g / (√s + ε).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AdaGradAttribute : Attribute
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; } = 0.01f;
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; set; } = 1e-10f;
}

/// <summary>
/// RMSProp, as in PyTorch's <c>torch.optim.RMSprop</c>: v ← ρv + (1−ρ)g², p ← p − lr · g / (√v + ε); optionally
/// centred and with (Nesterov) momentum on the normalized gradient.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RmsPropAttribute : Attribute
{
    /// <summary>Step size.</summary>
    public float LearningRate { get; set; } = 0.01f;
    /// <summary>Decay ρ of the running average of squared gradients, in (0, 1) (PyTorch's <c>alpha</c>).</summary>
    public float Rho { get; set; } = 0.99f;
    /// <summary>Added to the denominator for stability.</summary>
    public float Epsilon { get; set; } = 1e-8f;
    /// <summary>Momentum μ in [0, 1) on the normalized gradient: b ← μb + g/(√v + ε), p ← p − lr·b; 0 disables it.</summary>
    public float Momentum { get; set; }
    /// <summary>Nesterov momentum, p ← p − lr·(g/(√v + ε) + μb) (needs <see cref="Momentum"/> &gt; 0).</summary>
    public bool Nesterov { get; set; }
    /// <summary>
    /// Centred RMSProp (Graves; PyTorch's <c>centered</c>): divide by the running standard deviation of the gradient,
    /// √(v − a²) with a the running mean, instead of its root mean square. One more state tensor.
    /// </summary>
    public bool Centered { get; set; }
}

/// <summary>
/// L2 weight decay, as PyTorch's optimizer <c>weight_decay</c>: λ·w is added to each weight's gradient (after clipping)
/// before the optimizer step. Biases and batch-norm γ/β are excluded unless <see cref="IncludeBiases"/> is set: decaying
/// them only pulls the model towards the origin (or γ towards 0) without reducing its capacity.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WeightDecayAttribute(float lambda) : Attribute
{
    /// <summary>Decay coefficient λ ≥ 0.</summary>
    public float Lambda { get; } = lambda;

    /// <summary>Decay the biases and batch-norm γ/β too (discouraged).</summary>
    public bool IncludeBiases { get; set; }

    /// <summary>
    /// Decoupled decay (Loshchilov and Hutter; PyTorch's <c>AdamW</c>): w ← w·(1 − lr·λ) before the optimizer step,
    /// instead of adding λw to the gradient. With Adam the coupled form is rescaled per parameter by the adaptive
    /// denominator, so it does not act as weight decay; the decoupled form does, for every optimizer.
    /// </summary>
    public bool Decoupled { get; set; }
}

/// <summary>
/// L1 penalty λ·Σ|w| on the weights (Goodfellow et al. §7.1.2): λ·sign(w) is added to each weight's gradient (after
/// clipping) before the optimizer step, driving small weights to exactly 0 — sparse weights, where L2 only shrinks
/// them. It covers the tensors weight decay covers: the weights, and biases and batch-norm γ/β only under
/// <see cref="WeightDecayAttribute.IncludeBiases"/>. Beside <see cref="WeightDecayAttribute"/> it makes the elastic net.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class L1PenaltyAttribute(float lambda) : Attribute
{
    /// <summary>Penalty coefficient λ ≥ 0.</summary>
    public float Lambda { get; } = lambda;
}

/// <summary>
/// Linear learning-rate decay (Goodfellow et al. §8.3.1): update k uses ε_k = (1 − α)·ε₀ + α·ε_τ with α = (k − 1)/τ,
/// from the optimizer's rate ε₀ down to ε_τ = <see cref="FinalFraction"/>·ε₀ at update τ + 1, constant afterwards.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class LinearDecayAttribute(int steps) : Attribute
{
    /// <summary>τ: optimizer steps over which the rate decays.</summary>
    public int Steps { get; } = steps;

    /// <summary>ε_τ / ε₀, in [0, 1]; about 1% is the usual choice.</summary>
    public float FinalFraction { get; set; } = 0.01f;
}

/// <summary>Step decay: the rate drops by <see cref="Factor"/> every <see cref="Every"/> optimizer steps, ε_k = ε₀ · factor^⌊(k − 1)/every⌋.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class StepDecayAttribute(int every) : Attribute
{
    /// <summary>Optimizer steps between drops.</summary>
    public int Every { get; } = every;

    /// <summary>The multiplier at each drop, in (0, 1]; 0.1 is the classic choice.</summary>
    public float Factor { get; set; } = 0.1f;
}

/// <summary>Exponential decay: ε_k = ε₀ · factor^((k − 1)/steps), by <see cref="Factor"/> every <see cref="Steps"/> optimizer steps, smoothly.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ExponentialDecayAttribute(int steps) : Attribute
{
    /// <summary>Optimizer steps over which the rate shrinks by <see cref="Factor"/>.</summary>
    public int Steps { get; } = steps;

    /// <summary>The multiplier per <see cref="Steps"/> steps, in (0, 1].</summary>
    public float Factor { get; set; } = 0.96f;
}

/// <summary>
/// Cosine decay (Loshchilov and Hutter, SGDR without restarts): ε_k = ε₀ · (f + (1 − f) · ½(1 + cos πα)) with
/// α = min((k − 1)/steps, 1), from ε₀ down to <see cref="FinalFraction"/>·ε₀, constant afterwards.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CosineDecayAttribute(int steps) : Attribute
{
    /// <summary>Optimizer steps over which the rate decays.</summary>
    public int Steps { get; } = steps;

    /// <summary>f: the final rate as a fraction of ε₀, in [0, 1].</summary>
    public float FinalFraction { get; set; }
}

/// <summary>
/// Linear warm-up over the first <see cref="Steps"/> optimizer steps: the (scheduled) rate × min(1, k/steps). Combines
/// with any one decay; large batches and Adam on deep nets start more stably with it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WarmupAttribute(int steps) : Attribute
{
    /// <summary>Optimizer steps until the full rate.</summary>
    public int Steps { get; } = steps;
}

/// <summary>
/// Runtime monitor: every forward value, loss, and gradient the generated code produces is checked, and the first
/// NaN or ±∞ throws <see cref="NonFiniteException"/> naming the layer and the step that produced it, before the
/// optimizer touches the parameters. Costs one extra pass over each buffer; meant for debugging a diverging run.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CheckFiniteAttribute : Attribute;

/// <summary>
/// Clamps every gradient element to [−maxValue, maxValue] (PyTorch's <c>clip_grad_value_</c>, Keras's <c>clipvalue</c>), before
/// the update and before a <see cref="ClipGlobalNormAttribute"/> measures the norm. Unlike the global norm it changes the
/// gradient's direction, but it bounds every single step — a common guard for recurrent nets.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClipValueAttribute(float maxValue) : Attribute
{
    /// <summary>Largest allowed magnitude of any gradient element.</summary>
    public float MaxValue { get; } = maxValue;
}

/// <summary>
/// Rescales each parameter tensor's gradient on its own so its L2 norm is at most <paramref name="maxNorm"/> (Keras's
/// <c>clipnorm</c>): g_t ← g_t · min(1, maxNorm / (‖g_t‖₂ + 1e-6)) per weight matrix, bias vector, γ or β. After
/// <see cref="ClipValueAttribute"/>, before <see cref="ClipGlobalNormAttribute"/> measures the global norm. Unlike the
/// global norm it changes the direction of the whole step, but a layer whose gradients explode cannot shrink every
/// other layer's step with it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClipTensorNormAttribute(float maxNorm) : Attribute
{
    /// <summary>Largest allowed L2 norm of any one tensor's gradient.</summary>
    public float MaxNorm { get; } = maxNorm;
}

/// <summary>
/// Gaussian noise on the weights while training (Graves 2011; the notes' noise injection on weights, a stochastic
/// regularizer akin to a Bayesian prior): every training forward and backward pass — TrainStep, ComputeGradients,
/// ComputeTrainingLoss — runs on w + σ·n, n ~ N(0, 1) drawn per element from (seed, step, tensor) as dropout's masks
/// are, and the update is applied to the clean weights, which Predict and ComputeLoss always use. It covers the tensors
/// weight decay covers (weights; biases and γ/β are left clean). CPU networks.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WeightNoiseAttribute(float standardDeviation) : Attribute
{
    /// <summary>σ of the noise, in the units of the weights.</summary>
    public float StandardDeviation { get; } = standardDeviation;
}

/// <summary>
/// The max-norm constraint (Srebro and Shraibman; Hinton et al. pair it with dropout): after every update each unit's
/// incoming weight vector — a column of a Dense layer's [inputs × units] weights, a Conv2D filter — is rescaled to an
/// L2 norm of at most <paramref name="maxNorm"/> when it grew past it (3–4 is usual). Other layers' weights and all
/// biases are not constrained. On every backend.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MaxNormAttribute(float maxNorm) : Attribute
{
    /// <summary>Largest allowed L2 norm of one unit's incoming weights.</summary>
    public float MaxNorm { get; } = maxNorm;
}

/// <summary>Rescales all gradients together so their global L2 norm is at most <paramref name="maxNorm"/>.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ClipGlobalNormAttribute(float maxNorm) : Attribute
{
    /// <summary>Largest allowed global gradient norm.</summary>
    public float MaxNorm { get; } = maxNorm;
}
