using ModelGen;

namespace Mnist;

/// <summary>784 → 256 (ReLU) → 128 (ReLU) → 10 logits, softmax cross-entropy, Adam, clipped at global norm 5.</summary>
[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class DigitClassifier
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(128, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
