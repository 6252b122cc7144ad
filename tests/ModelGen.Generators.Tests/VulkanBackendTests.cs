using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Generators.Tests;

/// <summary>
/// The shader backend of the generator: emitted only when the compilation references ModelGen.Vulkan and only for
/// models whose ops all have shaders; what it emits compiles against the real runtime and matches its baseline.
/// </summary>
public class VulkanBackendTests
{
    private const string Classifier = """
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
        """;

    private const string Regressor = """
        using ModelGen;
        [Model(InputSize = 3, Seed = 7)]
        [MeanSquaredError]
        [Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true), ClipValue(1f), WeightDecay(1e-4f, Decoupled = true), LinearDecay(100)]
        public partial class Regressor
        {
            [Dense(16, Activation.Tanh)] internal partial Dense Hidden { get; }
            [Dense(8, Activation.LeakyReLU, NegativeSlope = 0.2f)] partial Dense Leaky { get; }
            [Dense(2)] protected internal partial Dense Output { get; }
        }
        """;

    private const string Normalized = """
        using ModelGen;
        [Model(InputSize = 4, Seed = 2, InputDropout = 0.1f)]
        [SoftmaxCrossEntropy]
        [Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
        public partial class Normalized
        {
            [Dense(8, UseBias = false)] public partial Dense Hidden { get; }
            [BatchNorm(Activation.ReLU)] public partial BatchNorm Norm { get; }
            [Dense(2)] public partial Dense Logits { get; }
        }
        """;

    private const string Residual = """
        using ModelGen;
        [Model(InputSize = 4, Seed = 2)]
        [SoftmaxCrossEntropy]
        [Adam(LearningRate = 1e-3f), ClipGlobalNorm(1f)]
        public partial class Residual
        {
            [Dense(8, Activation.ReLU)] public partial Dense Trunk { get; }
            [Dense(8, Activation.ReLU, Residual = nameof(Trunk))] public partial Dense Block { get; }
            [Dense(2)] public partial Dense Logits { get; }
        }
        """;

    private static readonly ImmutableArray<MetadataReference> VulkanReferences =
    [
        MetadataReference.CreateFromFile(typeof(ModelGen.Vulkan.VulkanNetwork).Assembly.Location),
    ];

    [Theory]
    [InlineData("DigitClassifier", Classifier)]
    [InlineData("Regressor", Regressor)]
    [InlineData("Normalized", Normalized)]
    public void Vulkan_network_compiles_and_matches_baseline(string name, string source)
    {
        Compilation output = Generate(source, withVulkan: true, out GeneratorDriverRunResult result);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        SyntaxTree vulkan = Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith(".Vulkan.g.cs", StringComparison.Ordinal));
        string generated = vulkan.GetText().ToString().ReplaceLineEndings("\n");
        Assert.All(generated.Split('\n'), line => Assert.True(line.Length <= 140, $"{name}: a line of {line.Length} characters: {line}"));
        string path = Path.Combine(BaselineDirectory(), name + ".Vulkan.g.cs.txt");
        if (Environment.GetEnvironmentVariable("MODELGEN_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"No baseline {path}; run with MODELGEN_UPDATE_BASELINES=1 to create it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), generated);
    }

    [Fact]
    public void No_vulkan_network_without_the_package_or_for_ops_without_shaders()
    {
        Generate(Classifier, withVulkan: false, out GeneratorDriverRunResult without);
        Assert.DoesNotContain(without.GeneratedTrees, t => t.FilePath.EndsWith(".Vulkan.g.cs", StringComparison.Ordinal));
        Compilation output = Generate(Residual, withVulkan: true, out GeneratorDriverRunResult residual);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.DoesNotContain(residual.GeneratedTrees, t => t.FilePath.EndsWith(".Vulkan.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Mg0033_says_why_a_model_gets_no_vulkan_network_and_only_when_the_package_is_referenced()
    {
        Diagnostic diagnostic = Assert.Single(Analyze(Residual, withVulkan: true), d => d.Id == "MG0033");
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains("Model 'Residual' gets no Vulkan network", diagnostic.GetMessage());
        Assert.Contains("layer 'Block' needs the Add op, which has no shaders yet", diagnostic.GetMessage());
        Assert.DoesNotContain(Analyze(Residual, withVulkan: false), d => d.Id == "MG0033");
        Assert.DoesNotContain(Analyze(Residual, withVulkan: true), d => d.Id == "MG0032"); // ModelGen.Gpu is not referenced
        Assert.DoesNotContain(Analyze(Normalized, withVulkan: true), d => d.Id == "MG0033");
        Assert.DoesNotContain(Analyze(Classifier, withVulkan: true), d => d.Id == "MG0033");
    }

    private static ImmutableArray<Diagnostic> Analyze(string source, bool withVulkan)
    {
        Compilation output = Generate(source, withVulkan, out _);
        return output.WithAnalyzers([new ModelGen.Analyzers.ModelPitfallAnalyzer()]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    private static Compilation Generate(string source, bool withVulkan, out GeneratorDriverRunResult result)
    {
        CSharpCompilation compilation = Harness.Compile(source);
        if (withVulkan)
            compilation = compilation.AddReferences(VulkanReferences);
        GeneratorDriver driver = Harness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        return output;
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
