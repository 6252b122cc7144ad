using ModelGen;

/// <summary>
/// Large enough that a save takes tens of milliseconds: 784 → 2048 → 2048 → 10, Adam (three buffers saved). Linked into
/// ModelGen.Tests, which loads the checkpoints this program writes.
/// </summary>
[Model(InputSize = 784, Seed = 1)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
public partial class LargeNet
{
    [Dense(2048, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(2048, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
