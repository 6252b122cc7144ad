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
