using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelGen.Generators.Tests;

/// <summary>
/// The GPU backend of the generator: emitted only when the compilation references ModelGen.Gpu and only for models
/// whose ops all have device kernels; what it emits compiles against the real runtime and matches its baseline.
/// </summary>
public class GpuBackendTests
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
        [Model(InputSize = 4, Seed = 2)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Normalized
        {
            [Dense(8, Activation.ReLU, UseBias = false)] public partial Dense Hidden { get; }
            [BatchNorm] public partial BatchNorm Norm { get; }
            [Dense(2)] public partial Dense Logits { get; }
        }
        """;

    private static readonly ImmutableArray<MetadataReference> GpuReferences =
    [
        MetadataReference.CreateFromFile(typeof(ModelGen.Gpu.DeviceNetwork).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location),
    ];

    [Theory]
    [InlineData("DigitClassifier", Classifier)]
    [InlineData("Regressor", Regressor)]
    public void Gpu_network_compiles_and_matches_baseline(string name, string source)
    {
        Compilation output = Generate(source, withGpu: true, out GeneratorDriverRunResult result);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        SyntaxTree gpu = Assert.Single(result.GeneratedTrees, t => t.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal));
        string generated = gpu.GetText().ToString().ReplaceLineEndings("\n");
        Assert.All(generated.Split('\n'), line => Assert.True(line.Length <= 140, $"{name}: a line of {line.Length} characters: {line}"));
        string path = Path.Combine(BaselineDirectory(), name + ".Gpu.g.cs.txt");
        if (Environment.GetEnvironmentVariable("MODELGEN_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"No baseline {path}; run with MODELGEN_UPDATE_BASELINES=1 to create it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), generated);
    }

    [Fact]
    public void No_gpu_network_without_the_package_or_for_ops_without_device_kernels()
    {
        Generate(Classifier, withGpu: false, out GeneratorDriverRunResult without);
        Assert.DoesNotContain(without.GeneratedTrees, t => t.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal));
        Compilation output = Generate(Normalized, withGpu: true, out GeneratorDriverRunResult normalized);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.DoesNotContain(normalized.GeneratedTrees, t => t.FilePath.EndsWith(".Gpu.g.cs", StringComparison.Ordinal));
    }

    private static Compilation Generate(string source, bool withGpu, out GeneratorDriverRunResult result)
    {
        CSharpCompilation compilation = Harness.Compile(source);
        if (withGpu)
            compilation = compilation.AddReferences(GpuReferences);
        GeneratorDriver driver = Harness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        result = driver.GetRunResult();
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        return output;
    }

    private static string BaselineDirectory([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Baselines");
}
