using ModelGen;

namespace ModelGen.DeviceTests;

// The models both device backends are tested on (linked into ModelGen.Gpu.Tests and ModelGen.Vulkan.Tests, so each
// project's generator emits its own backend's network for them): each activation in a GEMM epilogue, the five losses
// (both BCE forms; label smoothing), the six optimizers and their variants (AMSGrad, centred and Nesterov RMSProp —
// the three-state rules), the three clippings, coupled and decoupled weight decay, the L1
// penalty (alone and beside decoupled L2), and the linear schedule.

[Model(InputSize = 20, Seed = 11)]
[SoftmaxCrossEntropy(LabelSmoothing = 0.1f)]
[Adam(LearningRate = 1e-2f), ClipGlobalNorm(0.5f)]
public partial class DeviceClassifier
{
    [Dense(33, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(17, Activation.Tanh)] public partial Dense Second { get; }
    [Dense(5)] public partial Dense Logits { get; }
}

[Model(InputSize = 7, Seed = 5)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true), ClipValue(0.05f)]
public partial class DeviceRegressor
{
    [Dense(70, Activation.LeakyReLU, NegativeSlope = 0.2f)] public partial Dense Leaky { get; }
    [Dense(9, Activation.Softplus)] public partial Dense Soft { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>Huber loss at δ = 0.5, so some errors fall in its quadratic part and some in its linear part.</summary>
[Model(InputSize = 6, Seed = 17)]
[HuberLoss(Delta = 0.5f)]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), ClipGlobalNorm(1f)]
public partial class DeviceHuber
{
    [Dense(14, Activation.ELU)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>Mean absolute error: the gradient is ±1/count whatever the error.</summary>
[Model(InputSize = 5, Seed = 19)]
[MeanAbsoluteError]
[Adam(LearningRate = 1e-3f)]
public partial class DeviceAbsolute
{
    [Dense(10, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

[Model(InputSize = 12, Seed = 9)]
[BinaryCrossEntropy(FromLogits = true)]
[RmsProp(LearningRate = 1e-2f), WeightDecay(1e-2f), ClipGlobalNorm(1f)]
public partial class DeviceTagger
{
    [Dense(65, Activation.SELU, Initializer = Initializer.LeCunNormal)] public partial Dense Hidden { get; }
    [Dense(4)] public partial Dense Tags { get; }
}

[Model(InputSize = 6, Seed = 3)]
[BinaryCrossEntropy(FromLogits = false)]
[AdaGrad(LearningRate = 0.1f), WeightDecay(1e-2f, Decoupled = true), L1Penalty(1e-4f), LinearDecay(4, FinalFraction = 0.25f)]
public partial class DeviceProbabilities
{
    [Dense(16, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2, Activation.Sigmoid)] public partial Dense Output { get; }
}

[Model(InputSize = 10, Seed = 21)]
[MeanSquaredError]
[Sgd(LearningRate = 0.02f), L1Penalty(1e-3f)]
public partial class DevicePlainSgd
{
    [Dense(8, Activation.Sigmoid)] public partial Dense Hidden { get; }
    [Dense(12, Activation.ELU)] public partial Dense Exponential { get; }
    [Dense(6, Activation.HardTanh)] public partial Dense Clipped { get; }
    [Dense(1)] public partial Dense Output { get; }
}

/// <summary>AMSGrad: a third state tensor (the largest second moment), with decoupled decay slicing the update; the max-norm constraint after it.</summary>
[Model(InputSize = 8, Seed = 23)]
[MeanSquaredError]
[Adam(LearningRate = 1e-2f, AmsGrad = true), WeightDecay(1e-2f, Decoupled = true), ClipGlobalNorm(1f), MaxNorm(0.9f)]
public partial class DeviceAmsGrad
{
    [Dense(15, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>NAdam (the host computes the momentum schedule's two coefficients per step); per-tensor clipping before the global norm.</summary>
[Model(InputSize = 9, Seed = 25)]
[MeanSquaredError]
[NAdam(LearningRate = 1e-2f), ClipTensorNorm(0.05f), ClipGlobalNorm(0.1f)]
public partial class DeviceNAdam
{
    [Dense(13, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Centred RMSProp with Nesterov momentum: all three state tensors (square average, velocity, gradient average).</summary>
[Model(InputSize = 7, Seed = 27)]
[MeanSquaredError]
[RmsProp(LearningRate = 1e-3f, Rho = 0.9f, Momentum = 0.9f, Nesterov = true, Centered = true), ClipGlobalNorm(1f)]
public partial class DeviceCenteredMomentum
{
    [Dense(11, Activation.Sigmoid)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Centred RMSProp without momentum: the gradient average is the second state tensor.</summary>
[Model(InputSize = 6, Seed = 29)]
[MeanSquaredError]
[RmsProp(LearningRate = 1e-3f, Centered = true), WeightDecay(1e-2f, Decoupled = true), ClipTensorNorm(0.05f)]
public partial class DeviceCentered
{
    [Dense(10, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>Dropout on the input and on a hidden layer: the devices must draw the CPU path's masks.</summary>
[Model(InputSize = 24, Seed = 13, InputDropout = 0.2f)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2f), ClipGlobalNorm(1f)]
public partial class DeviceDropout
{
    [Dense(40, Activation.ReLU, Dropout = 0.5f)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>XOR, the classic that a linear model cannot fit.</summary>
[Model(InputSize = 2, Seed = 1)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
public partial class DeviceXor
{
    [Dense(8, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

/// <summary>Two interleaved spirals (Lang and Witbrock), a harder two-class problem.</summary>
[Model(InputSize = 2, Seed = 4)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
public partial class DeviceSpirals
{
    [Dense(64, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

/// <summary>Batch norm (batch statistics while training, running ones at inference) between bias-free Dense layers.</summary>
[Model(InputSize = 9, Seed = 2)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2f), ClipGlobalNorm(1f), WeightDecay(1e-3f, Decoupled = true)]
public partial class DeviceNormalized
{
    [Dense(37, UseBias = false)] public partial Dense Hidden { get; }
    [BatchNorm(Activation.ReLU)] public partial BatchNorm Norm { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>A residual connection (an Add op) has neither device kernels nor shaders yet: this model gets no device network.</summary>
[Model(InputSize = 4, Seed = 2)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
public partial class CpuOnlyResidual
{
    [Dense(8, Activation.ReLU)] public partial Dense Trunk { get; }
    [Dense(8, Activation.ReLU, Residual = nameof(Trunk))] public partial Dense Block { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

/// <summary>
/// The activations whose derivative reads the pre-activation (GELU both forms, |z|): each keeps its own output buffer
/// and runs as its own kernel, one of them after batch norm (whose output it must not overwrite).
/// </summary>
[Model(InputSize = 9, Seed = 27)]
[MeanSquaredError]
[Adam(LearningRate = 1e-3f)]
public partial class DeviceGaussian
{
    [Dense(12, Activation.GELU)] public partial Dense Smooth { get; }
    [Dense(10, Activation.AbsoluteValue)] public partial Dense Rectified { get; }
    [Dense(8, Activation.GELUTanh)] public partial Dense Approximate { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>PReLU per feature and shared: learned slopes, their gradients reduced on the device, weight decay left off them.</summary>
[Model(InputSize = 7, Seed = 28)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), WeightDecay(1e-3f)]
public partial class DevicePReLU
{
    [Dense(11)] public partial Dense Hidden { get; }
    [PReLU(Init = -0.2f)] public partial PReLU Slopes { get; }
    [Dense(6)] public partial Dense Second { get; }
    [PReLU(Shared = true)] public partial PReLU Shared { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>Maxout (three pieces per unit) into a softmax classifier: max forward, first-winner backward on the device.</summary>
[Model(InputSize = 6, Seed = 29)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3f)]
public partial class DeviceMaxout
{
    [Maxout(9, 3)] public partial Maxout Hidden { get; }
    [Dense(4)] public partial Dense Logits { get; }
}

/// <summary>
/// Noise on the inputs, RReLU and dropout: three ops drawing from seeded streams in one step, each from its own key
/// (on Vulkan each in its own scalar slot), the CPU path's draws on both backends.
/// </summary>
[Model(InputSize = 8, Seed = 30)]
[MeanSquaredError]
[Adam(LearningRate = 2e-3f)]
public partial class DeviceNoisy
{
    [GaussianNoise(0.2f)] public partial GaussianNoise InputNoise { get; }
    [Dense(12, Dropout = 0.25f)] public partial Dense Hidden { get; }
    [RReLU] public partial RReLU Slopes { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>[WeightNoise] on the GPU: each step's forward and backward on noisy weights (the CPU path's draws), the update on the clean ones. No shaders yet (MG0033).</summary>
[Model(InputSize = 6, Seed = 31)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), WeightNoise(0.05f)]
public partial class DeviceWeightNoise
{
    [Dense(10, Activation.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)] public partial Dense Output { get; }
}
