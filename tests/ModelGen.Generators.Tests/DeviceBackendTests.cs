using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Generators.Tests;

/// <summary>
/// The device backends of the generator — ILGPU (ModelGen.Gpu) and HLSL shaders (ModelGen.Vulkan): each emitted only
/// when the compilation references its runtime, and only for models whose ops all have its kernels; what each emits
/// compiles against the real runtime and matches its baseline, and each one's diagnostic says why a model gets none.
/// </summary>
public class DeviceBackendTests
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

    /// <summary>A backend: the runtime its compilation references, its file suffix, its diagnostic and how that names the kernels.</summary>
    public sealed record Backend(string Name, string Suffix, string Diagnostic, string Network, string Kernels, ImmutableArray<MetadataReference> References)
    {
        public override string ToString() => Name;
    }

    private static readonly Backend Gpu = new("Gpu", ".Gpu.g.cs", "MG0032", "GPU network", "device kernels",
    [
        MetadataReference.CreateFromFile(typeof(ModelGen.Gpu.DeviceNetwork).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location),
    ]);

    private static readonly Backend Vulkan = new("Vulkan", ".Vulkan.g.cs", "MG0033", "Vulkan network", "shaders",
    [
        MetadataReference.CreateFromFile(typeof(ModelGen.Vulkan.VulkanNetwork).Assembly.Location),
    ]);

    public static TheoryData<Backend> Backends => new() { Gpu, Vulkan };

    public static TheoryData<Backend, string, string> Baselines()
    {
        var data = new TheoryData<Backend, string, string>();
        foreach (Backend backend in new[] { Gpu, Vulkan })
        {
            data.Add(backend, "DigitClassifier", Classifier);
            data.Add(backend, "Regressor", Regressor);
            data.Add(backend, "Normalized", Normalized);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Baselines))]
    public void Device_network_compiles_and_matches_baseline(Backend backend, string name, string source)
    {
        Compilation output = Generate(source, backend, out GeneratorDriverRunResult result);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        SyntaxTree tree = Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith(backend.Suffix, StringComparison.Ordinal));
        string generated = tree.GetText().ToString().ReplaceLineEndings("\n");
        Assert.All(generated.Split('\n'), line => Assert.True(line.Length <= 140, $"{name}: a line of {line.Length} characters: {line}"));
        string path = Path.Combine(BaselineDirectory(), name + backend.Suffix + ".txt");
        if (Environment.GetEnvironmentVariable("MODELGEN_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"No baseline {path}; run with MODELGEN_UPDATE_BASELINES=1 to create it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), generated);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void No_device_network_without_the_package_or_for_ops_without_kernels(Backend backend)
    {
        Generate(Classifier, null, out GeneratorDriverRunResult without);
        Assert.DoesNotContain(without.GeneratedTrees, t => t.FilePath.EndsWith(backend.Suffix, StringComparison.Ordinal));
        Compilation output = Generate(Residual, backend, out GeneratorDriverRunResult residual);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.DoesNotContain(residual.GeneratedTrees, t => t.FilePath.EndsWith(backend.Suffix, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void The_backends_diagnostic_says_why_a_model_gets_no_network_and_only_when_the_package_is_referenced(Backend backend)
    {
        Diagnostic diagnostic = Assert.Single(Analyze(Residual, backend), d => d.Id == backend.Diagnostic);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains($"Model 'Residual' gets no {backend.Network}", diagnostic.GetMessage());
        Assert.Contains($"layer 'Block' needs the Add op, which has no {backend.Kernels} yet", diagnostic.GetMessage());
        Assert.DoesNotContain(Analyze(Residual, null), d => d.Id is "MG0032" or "MG0033");
        Assert.Single(Analyze(Residual, backend), d => d.Id is "MG0032" or "MG0033"); // the other backend's stays quiet
        Assert.DoesNotContain(Analyze(Normalized, backend), d => d.Id == backend.Diagnostic);
        Assert.DoesNotContain(Analyze(Classifier, backend), d => d.Id == backend.Diagnostic);
    }

    private static ImmutableArray<Diagnostic> Analyze(string source, Backend? backend)
    {
        Compilation output = Generate(source, backend, out _);
        return output.WithAnalyzers([new ModelGen.Analyzers.ModelPitfallAnalyzer()]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    private static Compilation Generate(string source, Backend? backend, out GeneratorDriverRunResult result)
    {
        CSharpCompilation compilation = Harness.Compile(source);
        if (backend is not null)
            compilation = compilation.AddReferences(backend.References);
        GeneratorDriver driver = Harness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        return output;
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
