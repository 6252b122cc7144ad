using ModelGen;

// These models exercise every op and optimizer path, not good practice: the pitfall warnings they earn are expected.
#pragma warning disable MG0003, MG0005, MG0010, MG0013, MG0017, MG0019, MG0026

namespace ModelGen.Tests;

// Models compiled by the real generator (referenced as an analyzer), exercised by the tests in this project.

[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class DigitClassifier
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary>Every activation and both initializer families in one stack, softmax cross-entropy on 3 classes.</summary>
[Model(InputSize = 5, Seed = 3)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1f)]
public partial class ActivationZoo
{
    [Dense(7, Activation.ReLU)] public partial Dense Rectified { get; }
    [Dense(9, Activation.LeakyReLU, NegativeSlope = 0.1f, Initializer = Initializer.HeNormal)] public partial Dense Leaky { get; }
    [Dense(6, Activation.Sigmoid, Initializer = Initializer.GlorotNormal)] public partial Dense Squashed { get; }
    [Dense(8, Activation.Tanh)] public partial Dense Hyperbolic { get; }
    [Dense(4)] public partial Dense Linear { get; }
    [Dense(3)] public partial Dense Scores { get; }
}

/// <summary>Regression: mean squared error on a linear output, SGD with Nesterov momentum.</summary>
[Model(InputSize = 3, Seed = 11)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true), ClipGlobalNorm(1f)]
public partial class Regressor
{
    [Dense(17, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>MSE with a sigmoid output and classic momentum.</summary>
[Model(InputSize = 4, Seed = 5)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.5f)]
public partial class SigmoidRegressor
{
    [Dense(33, Activation.LeakyReLU)] public partial Dense Hidden { get; }
    [Dense(3, Activation.Sigmoid)] public partial Dense Output { get; }
}

[Model(InputSize = 2, Seed = 1)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.05f)]
public partial class XorNet
{
    [Dense(8, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

[Model(InputSize = 2, Seed = 7)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
public partial class SpiralNet
{
    [Dense(64, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

public static partial class Outer
{
    /// <summary>A model nested in a partial type, in a namespace, with private layers.</summary>
    [Model(InputSize = 2, Seed = 9)]
    [MeanSquaredError]
    [Sgd]
    internal partial class Nested
    {
        [Dense(3)] private partial Dense Only { get; }
        public Dense Layer => Only;
    }
}

/// <summary>
/// Softplus, SELU and a softmax hidden layer, a non-zero bias start, dropout on the inputs and two hidden layers,
/// binary cross-entropy from logits, RMSProp with weight decay on the weights, buffers preallocated for batch 16.
/// </summary>
[Model(InputSize = 6, Seed = 13, BatchSize = 16, InputDropout = 0.2f)]
[BinaryCrossEntropy]
[RmsProp(LearningRate = 1e-3f, Rho = 0.9f), WeightDecay(1e-3f)]
public partial class RegularizedZoo
{
    [Dense(9, Activation.Softplus, BiasInit = 0.1f, Dropout = 0.3f)] public partial Dense Smooth { get; }
    [Dense(7, Activation.SELU, Dropout = 0.5f)] public partial Dense SelfNormalizing { get; }
    [Dense(5, Activation.Softmax)] public partial Dense Mixture { get; }
    [Dense(3)] public partial Dense Tags { get; }
}

/// <summary>Binary cross-entropy on sigmoid probabilities, AdaGrad, decay on weights and biases, with clipping.</summary>
[Model(InputSize = 4, Seed = 17)]
[BinaryCrossEntropy(FromLogits = false)]
[AdaGrad(LearningRate = 0.05f), WeightDecay(1e-4f, IncludeBiases = true), ClipGlobalNorm(0.05f)]
public partial class ProbabilityTagger
{
    [Dense(10, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(3, Activation.Sigmoid)] public partial Dense Tags { get; }
}

/// <summary>Multi-label classifier with dropout, trained in a test.</summary>
[Model(InputSize = 2, Seed = 23)]
[BinaryCrossEntropy]
[Adam(LearningRate = 0.01f)]
public partial class QuadrantTagger
{
    [Dense(32, Activation.ReLU, Dropout = 0.1f)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Tags { get; }
}

/// <summary>Batch norm after bias-free Dense layers (ReLU and tanh on the normalization), dropout after one, SGD with decay on γ/β too.</summary>
[Model(InputSize = 5, Seed = 29)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), WeightDecay(1e-3f, IncludeBiases = true)]
public partial class NormalizedNet
{
    [Dense(12, UseBias = false)] public partial Dense Hidden { get; }
    [BatchNorm(Activation.ReLU, Dropout = 0.2f)] public partial BatchNorm HiddenNorm { get; }
    [Dense(8, UseBias = false)] public partial Dense Second { get; }
    [BatchNorm(Activation.Tanh, Momentum = 0.2f)] public partial BatchNorm SecondNorm { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>Plain SGD whose learning rate decays linearly to 1% over four steps.</summary>
[Model(InputSize = 3, Seed = 31)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), LinearDecay(4)]
public partial class DecayedRegressor
{
    [Dense(4, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(1)] public partial Dense Output { get; }
}

/// <summary>[CheckFinite]: every forward value, the loss and every gradient are checked.</summary>
[Model(InputSize = 3, Seed = 37)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), CheckFinite]
public partial class CheckedNet
{
    [Dense(8, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>AdamW: Adam with decoupled weight decay on the weights.</summary>
[Model(InputSize = 4, Seed = 41)]
[MeanSquaredError]
[Adam(LearningRate = 1e-2f), WeightDecay(1e-2f, Decoupled = true)]
public partial class AdamWRegressor
{
    [Dense(6, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>The elastic net: an L1 penalty beside coupled L2 decay under plain SGD, on the weights only.</summary>
[Model(InputSize = 4, Seed = 43)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), L1Penalty(1e-3f), WeightDecay(1e-4f)]
public partial class ElasticNetRegressor
{
    [Dense(6, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>
/// ELU and hard tanh hidden layers into a regression head, Nesterov momentum: the two activations' forward, backward
/// (derivatives read from the output) and default initializers (He for ELU, Glorot for hard tanh) in a whole model.
/// </summary>
[Model(InputSize = 5, Seed = 14)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true)]
public partial class ExponentialZoo
{
    [Dense(11, Activation.ELU)] public partial Dense Smooth { get; }
    [Dense(6, Activation.HardTanh)] public partial Dense Clipped { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Huber loss at δ = 0.3 (errors on both sides of it), Adam, a truncated He initializer.</summary>
[Model(InputSize = 4, Seed = 15)]
[HuberLoss(Delta = 0.3f)]
[Adam(LearningRate = 1e-2f)]
public partial class HuberRegressor
{
    [Dense(9, Activation.ReLU, Initializer = Initializer.HeTruncatedNormal)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>Mean absolute error (L1 loss), SGD with momentum.</summary>
[Model(InputSize = 3, Seed = 16)]
[MeanAbsoluteError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class AbsoluteRegressor
{
    [Dense(8, Activation.Sigmoid)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Adam with AMSGrad: a third optimizer state (the largest second moment so far).</summary>
[Model(InputSize = 5, Seed = 47)]
[MeanSquaredError]
[Adam(LearningRate = 1e-3f, AmsGrad = true)]
public partial class AmsGradRegressor
{
    [Dense(7, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>NAdam at PyTorch's defaults.</summary>
[Model(InputSize = 5, Seed = 49)]
[MeanSquaredError]
[NAdam(LearningRate = 2e-3f)]
public partial class NAdamRegressor
{
    [Dense(7, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Centred RMSProp with Nesterov momentum: square average, velocity and gradient average.</summary>
[Model(InputSize = 5, Seed = 51)]
[MeanSquaredError]
[RmsProp(LearningRate = 1e-3f, Rho = 0.9f, Momentum = 0.9f, Nesterov = true, Centered = true)]
public partial class CenteredMomentumRegressor
{
    [Dense(7, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Per-tensor clipping, then global-norm clipping of what is left, under plain SGD.</summary>
[Model(InputSize = 4, Seed = 53)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), ClipTensorNorm(1f), ClipGlobalNorm(1.5f)]
public partial class TensorClippedRegressor
{
    [Dense(6, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>The max-norm constraint on a convolution's filters (rows) and two Dense layers' units (columns).</summary>
[Model(InputShape = new[] { 2, 5, 5 }, Seed = 57)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f), MaxNorm(1.2f)]
public partial class MaxNormRegressor
{
    [Conv2D(3, 3, Activation.Tanh)] public partial Conv2D Features { get; }
    [Dense(4, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Orthogonal initialization on a convolution (ReLU: gain √2), a tanh Dense layer (5/3) and a linear head (1).</summary>
[Model(InputShape = new[] { 2, 4, 4 }, Seed = 59)]
[MeanSquaredError]
[Sgd(LearningRate = 0.01f)]
public partial class OrthogonalZoo
{
    [Conv2D(4, 3, Activation.ReLU, Initializer = Initializer.Orthogonal)] public partial Conv2D Features { get; }
    [Dense(3, Activation.Tanh, Initializer = Initializer.Orthogonal)] public partial Dense Hidden { get; }
    [Dense(2, Initializer = Initializer.Orthogonal)] public partial Dense Output { get; }
}

/// <summary>Class weights beside label smoothing (PyTorch's weight and label_smoothing together); no device network.</summary>
[Model(InputSize = 6, Seed = 61)]
[SoftmaxCrossEntropy(LabelSmoothing = 0.1f, ClassWeights = new[] { 1f, 3f, 0.5f })]
[Adam(LearningRate = 1e-3f)]
public partial class WeightedClassifier
{
    [Dense(8, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>LogSoftmax + NLL: the same loss as <see cref="LinearSoftmaxTwin"/>'s softmax cross-entropy on the same weights.</summary>
[Model(InputSize = 5, Seed = 63)]
[NegativeLogLikelihood]
[Sgd(LearningRate = 0.1f)]
public partial class LogSoftmaxClassifier
{
    [Dense(7, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(4, Activation.LogSoftmax)] public partial Dense LogProbabilities { get; }
}

/// <summary>The same layers with linear logits under the fused softmax cross-entropy.</summary>
[Model(InputSize = 5, Seed = 63)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.1f)]
public partial class LinearSoftmaxTwin
{
    [Dense(7, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(4)] public partial Dense Logits { get; }
}

/// <summary>A student distilled from target distributions with the KL divergence.</summary>
[Model(InputSize = 5, Seed = 65)]
[KLDivergence]
[Adam(LearningRate = 1e-3f)]
public partial class DistilledStudent
{
    [Dense(6, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(3, Activation.LogSoftmax)] public partial Dense LogProbabilities { get; }
}

/// <summary>
/// GELU (exact and tanh) and absolute-value units, whose derivatives read the pre-activation: on Dense layers, after
/// batch norm (which would otherwise hand its successor its own buffer) and on a convolution (whose GEMM would
/// otherwise run the activation in its epilogue).
/// </summary>
[Model(InputShape = new[] { 2, 5, 5 }, Seed = 61)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class GaussianZoo
{
    [Conv2D(4, 3, Activation.GELU, Padding = Padding.Same)] public partial Conv2D Features { get; }
    [Dense(9, Activation.GELUTanh)] public partial Dense Smooth { get; }
    [Dense(7)] public partial Dense Linear { get; }
    [BatchNorm(Activation.AbsoluteValue)] public partial BatchNorm Rectified { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>A maxout layer (3 pieces per unit, piece-major columns) into a softmax classifier.</summary>
[Model(InputSize = 4, Seed = 62)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3f)]
public partial class MaxoutNet
{
    [Maxout(5, 3)] public partial Maxout Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>
/// PReLU three ways: a slope per channel on a feature map, a slope per feature on a flat layer, one shared slope;
/// weight decay on the weights (not the slopes).
/// </summary>
[Model(InputShape = new[] { 2, 6, 6 }, Seed = 63)]
[MeanSquaredError]
[Sgd(LearningRate = 0.02f, Momentum = 0.9f), WeightDecay(1e-4f)]
public partial class PReLUNet
{
    [Conv2D(3, 3)] public partial Conv2D Features { get; }
    [PReLU] public partial PReLU MapSlopes { get; }
    [Dense(7)] public partial Dense Hidden { get; }
    [PReLU] public partial PReLU FeatureSlopes { get; }
    [Dense(5)] public partial Dense Second { get; }
    [PReLU(Shared = true, Init = 0.1f)] public partial PReLU SharedSlope { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Gaussian noise on the input and on a hidden layer, and an RReLU hidden layer: the stochastic layers end to end.</summary>
[Model(InputSize = 6, Seed = 64)]
[MeanSquaredError]
[Adam(LearningRate = 3e-3f)]
public partial class NoisyNet
{
    [GaussianNoise(0.1f)] public partial GaussianNoise InputNoise { get; }
    [Dense(10)] public partial Dense Hidden { get; }
    [RReLU(Lower = 0.1f, Upper = 0.3f)] public partial RReLU Slopes { get; }
    [GaussianNoise(0.05f)] public partial GaussianNoise HiddenNoise { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>A Gaussian RBF layer (learned centres and log-widths) between two Dense layers, a regression head.</summary>
[Model(InputSize = 3, Seed = 65)]
[MeanSquaredError]
[Adam(LearningRate = 1e-2f)]
public partial class RbfNet
{
    [Dense(4, Activation.Tanh)] public partial Dense Embed { get; }
    [Rbf(6, Width = 1.5f)] public partial Rbf Bumps { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Noise on the weights while training ([WeightNoise]), plain SGD so one step's update is exactly −lr·gradient.</summary>
[Model(InputSize = 5, Seed = 66)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f), WeightNoise(0.1f)]
public partial class NoisyWeightsNet
{
    [Dense(8, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}
