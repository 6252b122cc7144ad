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
        "[Model(InputSize = 2)][Sgd] public partial class M { [Dense(3, Input = 5, Residual = nameof(M))][MeanSquaredError(Weight = \"x\")][SoftmaxCrossEntropy] partial Dense A { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Concat] partial Concat C { get; } [Highway(GateBias = \"x\")] partial Highway H { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Concat(null, \"\")] partial Concat C { get; } [Dense(3, Residual = nameof(C), ResidualProjection = true)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][Sgd] public partial class M { [Dense(3)][MeanSquaredError] partial Dense A { get; } [Dense(3)][MeanSquaredError(Weight = -1f)] partial Dense B { get; } }",
        "[Model(InputSize = 2)][HuberLoss(Delta = \"x\")][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }",
        "[Model(InputSize = 2)][Sgd] public partial class M { [Dense(3)][HuberLoss(Delta = float.NaN)] partial Dense A { get; } [Dense(3)][MeanAbsoluteError(Weight = 0f)] partial Dense B { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd, WeightNoise(\"x\")] public partial class M { [Maxout(3)] partial Maxout A { get; } [Maxout(\"x\", 2, Dropout = 2f)] partial Maxout B { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [PReLU(Init = float.NaN, Shared = 3)] partial PReLU P { get; } [Rbf(0, Width = -1f)] partial Rbf R { get; } }",
        "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [GaussianNoise] partial GaussianNoise N { get; } [RReLU(Lower = 0.5f, Upper = 0.1f)] partial RReLU R { get; } [Rbf] partial Rbf B { get; } }",
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

    /// <summary>
    /// Models the generator skips: each must still compile (placeholders matching the declared members), so the command
    /// line compiler gets as far as the analyzers and the MG error that explains the skip is what `dotnet build` shows.
    /// </summary>
    [Theory]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class G<TItem> { [Dense(3)] public partial Dense A { get; } }", "MG1007")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial record R { [Dense(3)] public partial Dense A { get; } }", "MG1007")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class W { [Dense(3)] internal partial int A { get; } }", "MG1005")]
    [InlineData("public partial class Outer { [Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] private partial class Inner { [Dense(3)] partial Dense A { get; set; } } }", "MG1005")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class S { [Dense(3)] static partial Dense A { get; } [Dense(3)] partial Dense B { get; init; } }", "MG1005")]
    [InlineData("public partial class Box<TItem> { [Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class M { [Dense(3)] partial Dense A { get; } } }", "MG1007")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class D { [Dense(4)] partial Dense A { get; } [Dense(3, Residual = nameof(A))] partial Dense B { get; } }", "MG0023")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class U { [Dense(4)] partial Dense A { get; } [Dense(3, Input = Layers.ModelInput)] partial Dense B { get; } }", "MG0023")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][Sgd(LearningRate = 0.1f)] public partial class H { [Dense(4)][MeanSquaredError] partial Dense A { get; } [Dense(3)][MeanSquaredError][BinaryCrossEntropy] partial Dense B { get; } }", "MG1006")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][HuberLoss(Delta = 0f)][Sgd(LearningRate = 0.1f)] public partial class Q { [Dense(3)] public partial Dense A { get; } }", "MG1004")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class N { [Dense(4)] partial Dense State { get; } [Dense(3)] partial Dense Step { get; } }", "MG1008")]
    [InlineData("[Model(InputSize = 2, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)] public partial class V { [Dense(4, Activation.ReLU)] partial Dense WatchedActivations { get; } [Dense(3)] partial Dense A { get; } }", "MG1008")]
    public void SkippedModelsCompileAndSayWhy(string body, string id)
    {
        Harness.Run run = Harness.GenerateAndAnalyze("using ModelGen;\n" + body);
        Assert.Empty(run.CompilerErrors);
        Assert.Contains(run.ModelGenDiagnostics, d => d.Id == id && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        Assert.Contains("was not generated", run.Generated);
    }

    /// <summary>Layer names that spell another layer's generated names (Block's residual, Narrow's projection, a saved x̂).</summary>
    [Fact]
    public void GeneratedNamesNeverClash()
    {
        Harness.Run run = Harness.GenerateAndAnalyze("""
            using ModelGen;
            [Model(InputSize = 3, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.1f)]
            public partial class Clash
            {
                [Dense(4, Activation.Tanh)] partial Dense Stem { get; }
                [Dense(4, Activation.Tanh, Residual = nameof(Stem))] partial Dense Block { get; }
                [Dense(4, Activation.Tanh, Residual = nameof(Block))] partial Dense BlockResidual { get; }
                [BatchNorm] partial BatchNorm Norm { get; }
                [Dense(4)] partial Dense NormNormalized { get; }
                [Dense(2, Residual = nameof(Block), ResidualProjection = true)] partial Dense Narrow { get; }
                [Dense(2, Residual = nameof(Narrow))] partial Dense NarrowProjection { get; }
                [Dense(2, Activation.Tanh)] partial Dense Out { get; }
            }
            """);
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
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
    [InlineData("[Maxout(4, 0)] partial Maxout A { get; }", "MG1004", "pieces")]
    [InlineData("[Maxout(0, 2)] partial Maxout A { get; }", "MG1003", "Units")]
    [InlineData("[Rbf(4, Width = 0f)] partial Rbf A { get; }", "MG1004", "Width")]
    [InlineData("[GaussianNoise(0f)] partial GaussianNoise A { get; }", "MG1004", "standardDeviation")]
    [InlineData("[RReLU(Lower = 0.4f, Upper = 0.2f)] partial RReLU A { get; }", "MG1004", "Upper")]
    [InlineData("[RReLU(Upper = 1.5f)] partial RReLU A { get; }", "MG1004", "Upper")]
    [InlineData("[PReLU(Init = float.PositiveInfinity)] partial PReLU A { get; }", "MG1004", "Init")]
    public void ToolboxLayerArgumentsAreChecked(string layer, string id, string argument)
    {
        Harness.Run run = Harness.GenerateAndAnalyze($"using ModelGen;\n[Model(InputSize = 3, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.01f)] public partial class M {{ {layer} [Dense(2)] partial Dense Out {{ get; }} }}");
        Assert.Contains(run.ModelGenDiagnostics, d => d.Id == id && d.GetMessage().Contains(argument));
        Assert.Empty(run.CompilerErrors); // skipped, the model still compiles, so `dotnet build` shows the MG error
    }

    [Fact]
    public void WeightNoiseNeedsAPositiveDeviation()
    {
        Harness.Run run = Harness.GenerateAndAnalyze("using ModelGen;\n[Model(InputSize = 3, Seed = 1)][MeanSquaredError][Sgd(LearningRate = 0.01f), WeightNoise(-0.1f)] public partial class M { [Dense(2)] partial Dense Out { get; } }");
        Assert.Contains(run.ModelGenDiagnostics, d => d.Id == "MG1004" && d.GetMessage().Contains("WeightNoise"));
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
