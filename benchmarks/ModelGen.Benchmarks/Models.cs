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

/// <summary>
/// The benchmark MLP with the regularizers of a production model: bias-free Dense layers, batch norm + ReLU, dropout
/// 0.3, Adam with decoupled weight decay (AdamW). The peer runs the same modules (dropout masks differ, by nature).
/// </summary>
[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), WeightDecay(1e-2f, Decoupled = true)]
public partial class RegularizedMlp
{
    [Dense(256, UseBias = false)] public partial Dense Hidden1 { get; }
    [BatchNorm(Activation.ReLU, Dropout = 0.3f)] public partial BatchNorm Norm1 { get; }
    [Dense(128, UseBias = false)] public partial Dense Hidden2 { get; }
    [BatchNorm(Activation.ReLU, Dropout = 0.3f)] public partial BatchNorm Norm2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
