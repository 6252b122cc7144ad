using ModelGen;

// Convolutional models for the gradient and oracle tests. Small on purpose: finite differences visit every parameter.
#pragma warning disable MG0005, MG0012, MG0013, MG0026

namespace ModelGen.Tests;

/// <summary>
/// A non-square two-channel input through a Same-padded convolution (ReLU fused), max pooling, a strided Valid
/// convolution without a bias into a per-channel batch norm, mean pooling and an implicit flatten into a classifier.
/// </summary>
[Model(InputShape = new[] { 2, 7, 6 }, Seed = 31)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f)]
public partial class SmallConvNet
{
    [Conv2D(3, 3, Activation.ReLU, Padding = Padding.Same)] public partial Conv2D Features { get; }
    [MaxPool2D(2, Stride = 1)] public partial MaxPool2D Pool { get; }
    [Conv2D(4, 2, Stride = 2, Pad = 1, UseBias = false)] public partial Conv2D Down { get; }
    [BatchNorm(Activation.Tanh)] public partial BatchNorm Norm { get; }
    [AvgPool2D(2, Stride = 1, Padding = Padding.Same)] public partial AvgPool2D Smooth { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>
/// Dilated and non-square kernels, a pointwise (1×1) convolution with a residual from the map before it (the map fans
/// out), dropout on feature maps and global mean pooling into a regression head.
/// </summary>
[Model(InputShape = new[] { 1, 8, 9 }, Seed = 32)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class DilatedConvNet
{
    [Conv2D(3, 3, Activation.Tanh, Dilation = 2, KernelWidth = 2)] public partial Conv2D Wide { get; }
    [Conv2D(3, 1, Activation.Sigmoid, Residual = nameof(Wide), Dropout = 0.25f)] public partial Conv2D Mix { get; }
    [Conv2D(5, 3, Activation.LeakyReLU, Stride = 2, Padding = Padding.Same)] public partial Conv2D Strided { get; }
    [GlobalAvgPool] public partial GlobalAvgPool Pool { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Many channels (beyond one 512-bit vector of filters) at batch 1 and more; 1×1 input maps still convolve.</summary>
[Model(InputShape = new[] { 18, 3, 3 }, Seed = 33)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f)]
public partial class WideChannelNet
{
    [Conv2D(20, 3, Activation.ReLU, Pad = 1)] public partial Conv2D Spread { get; }
    [Conv2D(17, 3, Activation.SELU)] public partial Conv2D Squeeze { get; }
    [Dense(4)] public partial Dense Logits { get; }
}

/// <summary>LeNet-5 as the benchmark declares it, for the sample-scale tests: 28×28 digits, 6@5×5, pool, 16@5×5, pool, 120, 84, 10.</summary>
[Model(InputShape = new[] { 1, 28, 28 }, Seed = 34)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f)]
public partial class LeNetTest
{
    [Conv2D(6, 5, Activation.ReLU)] public partial Conv2D Conv1 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool1 { get; }
    [Conv2D(16, 5, Activation.ReLU)] public partial Conv2D Conv2 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool2 { get; }
    [Dense(120, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(84, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary>Batch norm straight on a [2 × 3 × 3] input: per-channel statistics the test can compute from the batch itself.</summary>
[Model(InputShape = new[] { 2, 3, 3 }, Seed = 35)]
[MeanSquaredError]
[Sgd(LearningRate = 0.1f)]
public partial class ChannelNormNet
{
    [BatchNorm(Momentum = 0.25f)] public partial BatchNorm Norm { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>A locally connected layer (unshared weights, per-unit biases) between two convolutions, fanning out into a residual.</summary>
[Model(InputShape = new[] { 2, 6, 5 }, Seed = 36)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f)]
public partial class LocalNet
{
    [Conv2D(3, 3, Activation.Tanh, Padding = Padding.Same)] public partial Conv2D Stem { get; }
    [LocallyConnected2D(3, 3, Activation.ReLU, Padding = Padding.Same, Residual = nameof(Stem))] public partial LocallyConnected2D Local { get; }
    [LocallyConnected2D(2, 2, Stride = 2, KernelWidth = 3, UseBias = false)] public partial LocallyConnected2D Down { get; }
    [Dense(3)] public partial Dense Logits { get; }
}
