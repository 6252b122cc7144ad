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

/// <summary>
/// LeNet-5 on 28×28 digits: 6@5×5 → max pool 2 → 16@5×5 → max pool 2 → 120 → 84 → 10, ReLU, SGD with momentum 0.9
/// (the peers run the same modules).
/// </summary>
[Model(InputShape = new[] { 1, 28, 28 }, Seed = 42)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.01f, Momentum = 0.9f)]
public partial class LeNet5
{
    [Conv2D(6, 5, Activation.ReLU)] public partial Conv2D Conv1 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool1 { get; }
    [Conv2D(16, 5, Activation.ReLU)] public partial Conv2D Conv2 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool2 { get; }
    [Dense(120, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(84, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary>
/// A sequence classifier sized like the small recurrent nets RLtools compares with PyTorch: 64 token ids → embedding 32
/// → GRU 64 (last state) → 10 classes; Adam 1e-3, global-norm clip 5 (the peer runs the same modules).
/// </summary>
[Model(SequenceLength = 64, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class GruClassifier
{
    [Embedding(1000, 32)] public partial Embedding Words { get; }
    [Gru(64)] public partial Gru Summary { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary><see cref="GruClassifier"/> with an LSTM.</summary>
[Model(SequenceLength = 64, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class LstmClassifier
{
    [Embedding(1000, 32)] public partial Embedding Words { get; }
    [Lstm(64)] public partial Lstm Summary { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

/// <summary>
/// The part-of-speech tagger of samples/PosTagger (embedding 64 over its 28,800-word vocabulary → bidirectional LSTM 2×64
/// → 227 tags per word, Adam 3e-3, clip 5), without its dropout (masks cannot match the peer's), on 32-word sentences.
/// </summary>
[Model(SequenceLength = 32, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 3e-3f), ClipGlobalNorm(5f)]
public partial class Tagger
{
    [Embedding(28_800, 64)] public partial Embedding Words { get; }
    [Lstm(64, ReturnSequences = true, Bidirectional = true)] public partial Lstm Context { get; }
    [Dense(227)] public partial Dense Tags { get; }
}
