namespace ModelGen.Generators.Tests;

/// <summary>Malformed and half-typed declarations: diagnostics, never a generator or analyzer crash (CS8785 / AD0001).</summary>
public class BrokenDeclarationTests
{
    public static TheoryData<string> Sources() => new()
    {
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(\"wide\")] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, 4, 5)] partial Dense A { get; } }",
        "[Model(InputSize = \"x\")][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd(LearningRate = \"fast\")] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd, ClipGlobalNorm] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(256, Activation.",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(256, Activation.ReLU)] partial Dense",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Unknown A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; set; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense this[int i] { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(int.MaxValue)] partial Dense A { get; } [Dense(int.MaxValue)] partial Dense B { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)][Dense(4)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][Model(InputSize = 3)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial struct S { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public static partial class M { }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public abstract partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } } public partial class M { [Dense(4)] partial Dense B { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class",
        "[Model(",
        "[Model(InputSize = 2)] partial class M : Missing { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [BatchNorm(\"relu\")] partial BatchNorm N { get; } [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [BatchNorm(Momentum = \"x\", Epsilon = -1f)] partial BatchNorm N { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [BatchNorm][Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [BatchNorm(Activation.",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd, WeightDecay] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd, WeightDecay(float.NaN, IncludeBiases = 1)] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2, BatchSize = \"big\", InputDropout = float.NaN)][BinaryCrossEntropy(FromLogits = \"yes\")][RmsProp(Rho = \"x\")] public partial class M { [Dense(3, Dropout = \"half\", UseBias = 0, BiasInit = float.NaN)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][AdaGrad(Epsilon = 0f)][Sgd] public partial class M { [Dense(3, Activation.Softmax, Initializer = Initializer.Zeros)] partial Dense A { get; } }",
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void NeverCrashes(string body)
    {
        Harness.Run run = Harness.GenerateAndAnalyze("using ModelGen;\n" + body);
        Assert.All(run.Result.Results, result => Assert.Null(result.Exception));
        Assert.Empty(run.AnalyzerExceptions);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id is "CS8785" or "AD0001");
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id is "CS8785");
    }

    [Theory]
    [InlineData("[Dense]", "MG1004")]
    [InlineData("[Dense(\"wide\")]", "MG1004")]
    [InlineData("[Dense(int.MaxValue)] partial Dense B { get; } [Dense(int.MaxValue)]", "MG1004")]
    public void MalformedArgumentsAreDiagnosed(string attribute, string id)
    {
        Harness.Run run = Harness.GenerateAndAnalyze($"using ModelGen;\n[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M {{ {attribute} partial Dense A {{ get; }} }}");
        Assert.Contains(run.ModelGenDiagnostics, d => d.Id == id);
    }

    [Theory]
    [InlineData("[BatchNorm] partial BatchNorm Inputs { get; } [Dense(3)] partial Dense A { get; }")]
    [InlineData("[Dense(4, UseBias = false)] partial Dense A { get; } [BatchNorm(Activation.Softmax, Dropout = 0.1f)] partial BatchNorm Out { get; }")]
    [InlineData("[BatchNorm(Activation.Tanh)] partial BatchNorm Only { get; }")]
    public void BatchNormAnywhereCompiles(string layers)
    {
        Harness.Run run = Harness.GenerateAndAnalyze($"using ModelGen;\n[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.01f)] public partial class M {{ {layers} }}");
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
    }
}
