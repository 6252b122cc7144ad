using ModelGen;

namespace ModelGen.Benchmarks;

/// <summary>The benchmark MLP: 784-256-128-10, ReLU, softmax cross-entropy, Adam 1e-3 (the peer runs the same).</summary>
[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f)]
public partial class Mlp
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(128, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary>A control/RL-sized network: 4-32-32-2, tanh.</summary>
[Model(InputSize = 4, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f)]
public partial class TinyMlp
{
    [Dense(32, Activation.Tanh)] public partial Dense Hidden1 { get; }
    [Dense(32, Activation.Tanh)] public partial Dense Hidden2 { get; }
    [Dense(2)] public partial Dense Logits { get; }
}
