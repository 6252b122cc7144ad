using System.Runtime.CompilerServices;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Generated code is part of the product: these baselines show every change to it in review.
/// Regenerate with MODELGEN_UPDATE_BASELINES=1 dotnet test tests/ModelGen.Generators.Tests.
/// </summary>
public class BaselineTests
{
    public static TheoryData<string, string> Models() => new()
    {
        { "WiredHeads", """
            using ModelGen;
            namespace Samples;
            [Model(InputSize = 12, Seed = 4, InputDropout = 0.1f)]
            [Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
            public partial class WiredHeads
            {
                [Dense(32, Activation.ReLU)] public partial Dense Trunk { get; }
                [Dense(32, Activation.ReLU, Residual = nameof(Trunk))] public partial Dense Block { get; }
                [Highway(Activation.Tanh)] public partial Highway Gate { get; }
                [BatchNorm(Activation.ReLU, Input = nameof(Trunk))] public partial BatchNorm Side { get; }
                [Concat(nameof(Gate), nameof(Side))] public partial Concat Joined { get; }
                [Dense(10)][SoftmaxCrossEntropy] public partial Dense Digit { get; }
                [Dense(16, Activation.Tanh, Input = nameof(Joined), Residual = nameof(Trunk), ResidualProjection = true)] public partial Dense Shape { get; }
                [Dense(2)][MeanSquaredError(Weight = 0.25f)] public partial Dense Size { get; }
            }
            """ },
        { "DigitClassifier", """
            using ModelGen;
            namespace Samples;
            [Model(InputSize = 784, Seed = 42)]
            [SoftmaxCrossEntropy]
            [Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
            public partial class DigitClassifier
            {
                [Dense(256, Activation.ReLU)] public partial Dense Hidden { get; }
                [Dense(10)] public partial Dense Logits { get; }
            }
            """ },
        { "RegressorWithNesterov", """
            using ModelGen;
            [Model(InputSize = 3, Seed = 7)]
            [MeanSquaredError]
            [Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true)]
            public partial class Regressor
            {
                [Dense(16, Activation.Tanh, Initializer = Initializer.GlorotNormal)] internal partial Dense Hidden { get; }
                [Dense(8, Activation.LeakyReLU, NegativeSlope = 0.2f)] partial Dense Leaky { get; }
                [Dense(2, Activation.Sigmoid)] protected internal partial Dense Output { get; }
            }
            """ },
        { "RegularizedTagger", """
            using ModelGen;
            namespace Samples;
            [Model(InputSize = 20, Seed = 3, BatchSize = 64, InputDropout = 0.2f)]
            [BinaryCrossEntropy]
            [RmsProp(LearningRate = 1e-3f), ClipGlobalNorm(1f), WeightDecay(1e-4f), CheckFinite]
            public partial class RegularizedTagger
            {
                [Dense(32, Activation.SELU, Dropout = 0.1f)] public partial Dense Hidden { get; }
                [Dense(8, Activation.Softmax, BiasInit = 0.5f)] public partial Dense Mixture { get; }
                [Dense(4)] public partial Dense Tags { get; }
            }
            """ },
        { "NormalizedNet", """
            using ModelGen;
            [Model(InputSize = 6, Seed = 5, BatchSize = 32)]
            [SoftmaxCrossEntropy]
            [Adam(LearningRate = 1e-3f), WeightDecay(1e-4f, Decoupled = true)]
            public partial class NormalizedNet
            {
                [Dense(16, UseBias = false)] public partial Dense Hidden { get; }
                [BatchNorm(Activation.ReLU)] public partial BatchNorm HiddenNorm { get; }
                [Dense(3)] public partial Dense Logits { get; }
            }
            """ },
        { "DigitCnn", """
            using ModelGen;
            namespace Samples;
            [Model(InputShape = new[] { 1, 28, 28 }, Seed = 42, BatchSize = 64)]
            [SoftmaxCrossEntropy]
            [Adam(LearningRate = 2e-3f)]
            public partial class DigitCnn
            {
                [Conv2D(16, 3, Padding = Padding.Same, UseBias = false)] public partial Conv2D Conv1 { get; }
                [BatchNorm(Activation.ReLU)] public partial BatchNorm Norm1 { get; }
                [MaxPool2D(2)] public partial MaxPool2D Pool1 { get; }
                [Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)] public partial Conv2D Conv2 { get; }
                [AvgPool2D(2)] public partial AvgPool2D Pool2 { get; }
                [LocallyConnected2D(8, 3, Activation.Tanh)] public partial LocallyConnected2D Local { get; }
                [GlobalAvgPool] public partial GlobalAvgPool Squeeze { get; }
                [Dense(10)] public partial Dense Logits { get; }
            }
            """ },
        { "SequenceTagger", """
            using ModelGen;
            namespace Samples;
            [Model(SequenceLength = 40, Seed = 11, BatchSize = 32)]
            [SoftmaxCrossEntropy]
            [Adam(LearningRate = 3e-3f), ClipGlobalNorm(5f), ClipValue(1f)]
            public partial class SequenceTagger
            {
                [Embedding(5000, 32, PaddingId = 0, Dropout = 0.25f)] public partial Embedding Words { get; }
                [Lstm(32, ReturnSequences = true, Bidirectional = true)] public partial Lstm Context { get; }
                [Gru(16, ReturnSequences = true)] public partial Gru Upper { get; }
                [Dense(12)] public partial Dense Tags { get; }
            }
            """ },
        { "NestedWithErrors", """
            using ModelGen;
            namespace Samples;
            public static partial class Container
            {
                [Model(InputSize = 0)]
                [SoftmaxCrossEntropy]
                [Sgd]
                public partial class Broken
                {
                    [Dense(0)] partial Dense Hidden { get; }
                }
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void MatchesBaseline(string name, string source)
    {
        string generated = Harness.GenerateAndAnalyze(source).Generated.ReplaceLineEndings("\n");
        string path = Path.Combine(BaselineDirectory(), name + ".g.cs.txt");
        if (Environment.GetEnvironmentVariable("MODELGEN_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"No baseline {path}; run with MODELGEN_UPDATE_BASELINES=1 to create it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), generated);
    }

    /// <summary>The design note's bar for generated code: short lines, named views, marked as generated.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void GeneratedCodeReadsWell(string name, string source)
    {
        string generated = Harness.GenerateAndAnalyze(source).Generated;
        string[] lines = generated.Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= 140, $"{name}: a line of {line.Length} characters: {line}"));
        if (name == "NestedWithErrors")
            return;
        Assert.Contains("[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\"", generated);
        // Forward and Backward read parameters through named views (HiddenWeight), never through raw offsets.
        string program = generated[generated.IndexOf("private void Forward(", StringComparison.Ordinal)..generated.IndexOf("private sealed class Workspace", StringComparison.Ordinal)];
        Assert.DoesNotContain("_parameters", program);
        Assert.DoesNotContain("_gradients", program);
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
