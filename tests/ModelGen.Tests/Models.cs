using ModelGen;

namespace ModelGen.Tests;

[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class DigitClassifier
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
