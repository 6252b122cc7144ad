using ModelGen;

// Graph-wired models: residual connections, highway layers, branches and concatenation. They exist to exercise fan-out
// and gradient accumulation, not as good designs; the pitfall warnings they earn are expected.
#pragma warning disable MG0005, MG0012, MG0013, MG0026

namespace ModelGen.Tests;

/// <summary>
/// Residual blocks: Trunk fans out three ways (Block1's input, Block1's residual and Narrow's projected residual);
/// Block1 fans out twice; Block2 applies dropout before its residual add.
/// </summary>
[Model(InputSize = 5, Seed = 21)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.01f)]
public partial class ResidualNet
{
    [Dense(8, Activation.Tanh)] public partial Dense Trunk { get; }
    [Dense(8, Activation.Tanh, Residual = nameof(Trunk))] public partial Dense Block1 { get; }
    [Dense(8, Activation.ReLU, Residual = nameof(Block1), Dropout = 0.25f)] public partial Dense Block2 { get; }
    [Dense(6, Activation.Sigmoid, Residual = nameof(Trunk), ResidualProjection = true)] public partial Dense Narrow { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>Two highway layers between a tanh embedding and a linear regression head.</summary>
[Model(InputSize = 4, Seed = 22)]
[MeanSquaredError]
[Sgd(LearningRate = 0.05f)]
public partial class HighwayNet
{
    [Dense(6, Activation.Tanh)] public partial Dense Embed { get; }
    [Highway(Activation.ReLU)] public partial Highway Gate1 { get; }
    [Highway(Activation.Tanh, GateBias = -1f)] public partial Highway Gate2 { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>
/// Branches joined by a concatenation that also takes the raw input. Trunk feeds a batch norm (which cannot add into a
/// gradient) and a Dense branch declared after it, so the batch norm's share goes through a partial buffer.
/// </summary>
[Model(InputSize = 6, Seed = 23)]
[BinaryCrossEntropy]
[Adam(LearningRate = 0.01f)]
public partial class BranchNet
{
    [Dense(7, Activation.LeakyReLU)] public partial Dense Trunk { get; }
    [BatchNorm(Activation.Sigmoid)] public partial BatchNorm Left { get; }
    [Dense(4, Activation.Tanh, Input = nameof(Trunk))] public partial Dense Right { get; }
    [Concat(nameof(Left), nameof(Right), Layers.ModelInput)] public partial Concat Joined { get; }
    [Dense(3)] public partial Dense Output { get; }
}

/// <summary>The seeds' point about depth: 20 tanh layers of 24 units, each adding its input back.</summary>
[Model(InputSize = 2, Seed = 7)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), ClipGlobalNorm(1f)]
public partial class DeepResidualSpiral
{
    [Dense(24, Activation.Tanh)] public partial Dense Layer1 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer1))] public partial Dense Layer2 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer2))] public partial Dense Layer3 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer3))] public partial Dense Layer4 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer4))] public partial Dense Layer5 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer5))] public partial Dense Layer6 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer6))] public partial Dense Layer7 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer7))] public partial Dense Layer8 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer8))] public partial Dense Layer9 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer9))] public partial Dense Layer10 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer10))] public partial Dense Layer11 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer11))] public partial Dense Layer12 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer12))] public partial Dense Layer13 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer13))] public partial Dense Layer14 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer14))] public partial Dense Layer15 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer15))] public partial Dense Layer16 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer16))] public partial Dense Layer17 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer17))] public partial Dense Layer18 { get; }
    [Dense(24, Activation.Tanh, Residual = nameof(Layer18))] public partial Dense Layer19 { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

/// <summary>The same 20 layers without the residual paths.</summary>
[Model(InputSize = 2, Seed = 7)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f), ClipGlobalNorm(1f)]
public partial class DeepPlainSpiral
{
    [Dense(24, Activation.Tanh)] public partial Dense Layer1 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer2 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer3 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer4 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer5 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer6 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer7 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer8 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer9 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer10 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer11 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer12 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer13 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer14 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer15 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer16 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer17 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer18 { get; }
    [Dense(24, Activation.Tanh)] public partial Dense Layer19 { get; }
    [Dense(2)] public partial Dense Logits { get; }
}

/// <summary>
/// A multi-task model: a 3-class head, a probability head that also feeds a later layer (so its gradient is the loss's
/// plus what flows back from Joined), and a regression head at half weight.
/// </summary>
[Model(InputSize = 4, Seed = 24)]
[Adam(LearningRate = 0.01f)]
public partial class ThreeHeadNet
{
    [Dense(10, Activation.Tanh)] public partial Dense Trunk { get; }
    [Dense(3)][SoftmaxCrossEntropy] public partial Dense Kind { get; }
    [Dense(2, Activation.Sigmoid, Input = nameof(Trunk))][BinaryCrossEntropy(FromLogits = false, Weight = 2f)] public partial Dense Flags { get; }
    [Dense(5, Activation.Tanh, Input = nameof(Flags))] public partial Dense Refine { get; }
    [Concat(nameof(Refine), nameof(Trunk))] public partial Concat Joined { get; }
    [Dense(2)][MeanSquaredError(Weight = 0.5f)] public partial Dense Size { get; }
}
