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

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
