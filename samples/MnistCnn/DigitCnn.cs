using ModelGen;

namespace MnistCnn;

/// <summary>
/// Two convolution blocks and a classifier: 1×28×28 → 32@3×3 (Same, batch norm, ReLU) → max pool → 64@3×3 (Same, batch
/// norm, ReLU) → max pool → 128 (ReLU, dropout 0.3) → 10 logits. The convolutions have no bias: batch norm's β
/// replaces it. Adam with a learning rate that decays linearly over the run.
/// </summary>
[Model(InputShape = new[] { 1, 28, 28 }, Seed = 42, BatchSize = 64)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 2e-3f), LinearDecay(3000)]
public partial class DigitCnn
{
    [Conv2D(16, 3, Padding = Padding.Same, UseBias = false)] public partial Conv2D Conv1 { get; }
    [BatchNorm(Activation.ReLU)] public partial BatchNorm Norm1 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool1 { get; }
    [Conv2D(32, 3, Padding = Padding.Same, UseBias = false)] public partial Conv2D Conv2 { get; }
    [BatchNorm(Activation.ReLU)] public partial BatchNorm Norm2 { get; }
    [MaxPool2D(2)] public partial MaxPool2D Pool2 { get; }
    [Dense(128, Activation.ReLU, Dropout = 0.3f)] public partial Dense Hidden { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
