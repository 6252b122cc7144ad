using Microsoft.CodeAnalysis;

namespace ModelGen.Generators.Tests;

/// <summary>Each declaration error is reported once, at the offending syntax, and never cascades into compiler errors.</summary>
public class DiagnosticTests
{
    private const string Usings = "using ModelGen;\n";

    public static TheoryData<string, string, string> Cases() => new()
    {
        // id, the source text the diagnostic must cover, the class body
        { "MG1001", "Plain", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public class Plain { }" },
        { "MG1002", "Empty", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class Empty { }" },
        { "MG1003", "Dense(0)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(0)] partial Dense A { get; } }" },
        { "MG1003", "Dense(-4, Activation.ReLU)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } [Dense(-4, Activation.ReLU)] partial Dense B { get; } }" },
        { "MG1003", "Model(InputSize = 0)", "[Model(InputSize = 0)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1003", "Model(Seed = 1)", "[Model(Seed = 1)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG0009", "Dense(1)", "[Model(InputSize = 2)][SoftmaxCrossEntropy][Sgd] public partial class M { [Dense(4, Activation.Tanh)] partial Dense A { get; } [Dense(1)] partial Dense B { get; } }" },
        { "MG1006", "M", "[Model(InputSize = 2)][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1006", "MeanSquaredError", "[Model(InputSize = 2)][MeanSquaredError][SoftmaxCrossEntropy][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1006", "Sgd", "[Model(InputSize = 2)][MeanSquaredError][Sgd][Adam] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1005", "A", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] Dense A { get; } = null!; }" },
        { "MG1005", "B", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } [Dense(3)] static Dense B => null!; }" },
        { "MG1005", "C", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial string C { get; } }" },
        { "MG1007", "G", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class G<T> { [Dense(3)] partial Dense A { get; } }" },
        { "MG1007", "Inner", "public class Outer { [Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class Inner { [Dense(3)] partial Dense A { get; } } }" },
        { "MG1004", "Adam(LearningRate = -1f)", "[Model(InputSize = 2)][MeanSquaredError][Adam(LearningRate = -1f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Adam(Beta1 = float.NaN)", "[Model(InputSize = 2)][MeanSquaredError][Adam(Beta1 = float.NaN)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "RmsProp(Epsilon = -1f)", "[Model(InputSize = 2)][MeanSquaredError][RmsProp(Epsilon = -1f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "AdaGrad(LearningRate = 0f)", "[Model(InputSize = 2)][MeanSquaredError][AdaGrad(LearningRate = 0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "WeightDecay(-1e-4f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, WeightDecay(-1e-4f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "L1Penalty(float.PositiveInfinity)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, L1Penalty(float.PositiveInfinity)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "SoftmaxCrossEntropy(LabelSmoothing = 1f)", "[Model(InputSize = 2)][SoftmaxCrossEntropy(LabelSmoothing = 1f)][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Model(InputSize = 2, BatchSize = -8)", "[Model(InputSize = 2, BatchSize = -8)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Dense(3, BiasInit = float.PositiveInfinity)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, BiasInit = float.PositiveInfinity)] partial Dense A { get; } }" },
        { "MG0014", "Dense(4, Activation.ReLU, Dropout = 1f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(4, Activation.ReLU, Dropout = 1f)] partial Dense A { get; } [Dense(1)] partial Dense B { get; } }" },
        { "MG0014", "Model(InputSize = 2, InputDropout = -0.1f)", "[Model(InputSize = 2, InputDropout = -0.1f)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1005", "Norm", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } [BatchNorm] partial Dense Norm { get; } }" },
        { "MG1004", "BatchNorm(Momentum = 0f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } [BatchNorm(Momentum = 0f)] partial BatchNorm Norm { get; } }" },
        { "MG1004", "Dense(3, UseBias = false, BiasInit = 1f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, UseBias = false, BiasInit = 1f)] partial Dense A { get; } }" },
        { "MG0014", "BatchNorm(Activation.ReLU, Dropout = 2f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, UseBias = false)] partial Dense A { get; } [BatchNorm(Activation.ReLU, Dropout = 2f)] partial BatchNorm Norm { get; } [Dense(1)] partial Dense B { get; } }" },
        { "MG1004", "LinearDecay(0)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, LinearDecay(0)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "LinearDecay(100, FinalFraction = 2f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, LinearDecay(100, FinalFraction = 2f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "CosineDecay(50)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, LinearDecay(100), CosineDecay(50)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "StepDecay(100, Factor = 0f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, StepDecay(100, Factor = 0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Warmup(0)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, Warmup(0)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1006", "BinaryCrossEntropy", "[Model(InputSize = 2)][BinaryCrossEntropy][MeanSquaredError][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Adam(Epsilon = 0f)", "[Model(InputSize = 2)][MeanSquaredError][Adam(Epsilon = 0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Sgd(Nesterov = true)", "[Model(InputSize = 2)][MeanSquaredError][Sgd(Nesterov = true)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "RmsProp(Nesterov = true)", "[Model(InputSize = 2)][MeanSquaredError][RmsProp(Nesterov = true)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "NAdam(MomentumDecay = -1f)", "[Model(InputSize = 2)][MeanSquaredError][NAdam(MomentumDecay = -1f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "NAdam(Epsilon = 0f)", "[Model(InputSize = 2)][MeanSquaredError][NAdam(Epsilon = 0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1006", "Adam", "[Model(InputSize = 2)][MeanSquaredError][Adam][NAdam] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Sgd(Momentum = float.PositiveInfinity)", "[Model(InputSize = 2)][MeanSquaredError][Sgd(Momentum = float.PositiveInfinity)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "ClipGlobalNorm(0f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, ClipGlobalNorm(0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "SoftmaxCrossEntropy(ClassWeights = new[] { 0f, 0f, 0f })", "[Model(InputSize = 2)][SoftmaxCrossEntropy(ClassWeights = new[] { 0f, 0f, 0f })][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "SoftmaxCrossEntropy(ClassWeights = new[] { 1f, -1f, 1f })", "[Model(InputSize = 2)][SoftmaxCrossEntropy(ClassWeights = new[] { 1f, -1f, 1f })][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG0023", "Dense(3)", "[Model(InputSize = 2)][SoftmaxCrossEntropy(ClassWeights = new[] { 1f, 2f })][Sgd] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "MaxNorm(0f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, MaxNorm(0f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "ClipTensorNorm(-1f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd, ClipTensorNorm(-1f)] public partial class M { [Dense(3)] partial Dense A { get; } }" },
        { "MG1004", "Dense(3, (Activation)42)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, (Activation)42)] partial Dense A { get; } }" },
        { "MG1004", "Dense(3, Activation.LeakyReLU, NegativeSlope = 2f)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, Activation.LeakyReLU, NegativeSlope = 2f)] partial Dense A { get; } }" },
        { "MG1004", "Dense(3, Initializer = (Initializer)12)", "[Model(InputSize = 2)][MeanSquaredError][Sgd] public partial class M { [Dense(3, Initializer = (Initializer)12)] partial Dense A { get; } }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportsAtTheOffendingSyntax(string id, string covered, string body)
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Usings + body);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.AnalyzerExceptions);
        Diagnostic diagnostic = Assert.Single(run.ModelGenDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(covered, diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan));
        Assert.Contains(diagnostic.Id, diagnostic.Descriptor.HelpLinkUri);

        // The generator emitted placeholders where it could, so the compiler adds no errors of its own,
        // except those the user's code has regardless (a non-partial class's partial property, a non-partial outer type).
        // Where no implementation may be emitted (generic or unreachable class, a property of the wrong shape), the compiler's
        // own "partial property has no implementation" (CS9248) is the one error allowed besides ours.
        bool mayLackImplementation = id is "MG1007" || body.Contains("partial string") || body.Contains("[BatchNorm] partial Dense");
        Assert.DoesNotContain(run.CompilerErrors, e => !(mayLackImplementation && e.Id == "CS9248"));
        Assert.Empty(run.GeneratorDiagnostics);
    }

    [Fact]
    public void MessagesNameTheLayerAndValue()
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Usings + "[Model(InputSize = 2)][SoftmaxCrossEntropy][Adam] public partial class Net { [Dense(0)] partial Dense Hidden { get; } }");
        Diagnostic diagnostic = Assert.Single(run.ModelGenDiagnostics);
        Assert.Equal("Units of 'Hidden' must be positive, but is 0", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
    }

    [Fact]
    public void ValidModelHasNoDiagnosticsAndCompiles()
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Usings + """
            namespace App;
            [Model(InputSize = 784, Seed = 42)]
            [SoftmaxCrossEntropy]
            [Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
            public partial class DigitClassifier
            {
                [Dense(256, Activation.ReLU)] partial Dense Hidden { get; }
                [Dense(10)] partial Dense Logits { get; }
            }
            """);
        Assert.Empty(run.ModelGenDiagnostics);
        Assert.Empty(run.CompilerErrors);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning));
    }
}
