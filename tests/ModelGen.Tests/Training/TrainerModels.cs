using ModelGen;

namespace ModelGen.Tests.Training;

/// <summary>y = x · W + b: a linear regressor, so where training takes its weights is known in closed form.</summary>
[Model(InputSize = 3, Seed = 5)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f)]
public partial class LinearRegressor
{
    [Dense(1)] public partial Dense Output { get; }
}

/// <summary>A small classifier for the trainer's batching, metrics and checkpoints.</summary>
[Model(InputSize = 4, Seed = 9, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2f), ClipGlobalNorm(5f)]
public partial class BlobClassifier
{
    [Dense(16, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>The blob classifier at a learning rate the update-size monitor calls healthy.</summary>
[Model(InputSize = 4, Seed = 9, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class CalmBlobClassifier
{
    [Dense(16, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>
/// Ten sigmoid layers (Glorot): each passes back at most a quarter of its gradient, so the first layers get almost none —
/// the run-time face of what MG0012 says at compile time.
/// </summary>
#pragma warning disable MG0012
[Model(InputSize = 4, Seed = 21, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class DeepSigmoidClassifier
{
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer1 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer2 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer3 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer4 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer5 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer6 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer7 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer8 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer9 { get; }
    [Dense(12, Activation.Sigmoid)] public partial Dense Layer10 { get; }
    [Dense(3)] public partial Dense Logits { get; }
}
#pragma warning restore MG0012

/// <summary>Three ReLU layers on plain SGD: healthy at its declared rate, exploding at 10 (set at run time).</summary>
[Model(InputSize = 4, Seed = 22, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.01f)]
public partial class DeepReluClassifier
{
    [Dense(32, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(32, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(32, Activation.Tanh)] public partial Dense Hidden3 { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>A sigmoid layer on raw inputs, and a small ReLU convolution on 4×4 maps, for the saturation and dead-channel monitors.</summary>
[Model(InputShape = new[] { 1, 4, 4 }, Seed = 23, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class SquashedConvClassifier
{
    [Conv2D(6, 3, Activation.ReLU, Padding = Padding.Same)] public partial Conv2D Features { get; }
    [Dense(8, Activation.Sigmoid)] public partial Dense Squash { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>A tagger with a per-step ReLU layer: its watched values are time-major rows, batch × the batch's longest sample.</summary>
[Model(SequenceLength = 6, Seed = 24)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
public partial class ReluTagger
{
    [Embedding(9, 5, PaddingId = 0)] public partial Embedding Words { get; }
    [Gru(6, ReturnSequences = true)] public partial Gru Encoder { get; }
    [Dense(7, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(4)] public partial Dense Tags { get; }
}
