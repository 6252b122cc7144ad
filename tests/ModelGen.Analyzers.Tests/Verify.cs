using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using ModelGen.Generators.Tests;

namespace ModelGen.Analyzers.Tests;

/// <summary>
/// Runs an analyzer (and a code fix) with Microsoft.CodeAnalysis.Testing over user code plus the real ModelGen
/// attribute declarations (read from src/ModelGen/Declarations), with C# preview for partial properties. Compiler
/// diagnostics are ignored there (without the generator, partial layer properties have no implementation part), so
/// every fixed result is then built for real — runtime assembly, generator, every analyzer — and must compile with
/// no error and without the diagnostic it fixed.
/// </summary>
internal static class Verify
{
    private static readonly string[] Declarations = ["Attributes.cs", "Dense.cs", "BatchNorm.cs", "Highway.cs", "Convolution.cs", "WindowShapes.cs", "Sequence.cs", "Maxout.cs", "PReLU.cs", "NoiseLayers.cs", "Rbf.cs"];

    /// <summary>Stand-ins for System.Numerics.Tensors and ModelGen.StableMath, so tests need no package download.</summary>
    private const string NumericsStubs = """
        namespace System.Numerics.Tensors
        {
            public static class TensorPrimitives
            {
                public static void SoftMax<T>(System.ReadOnlySpan<T> x, System.Span<T> destination) { }
                public static void Log<T>(System.ReadOnlySpan<T> x, System.Span<T> destination) { }
            }
        }
        namespace ModelGen
        {
            public static class StableMath
            {
                public static void Softmax<T>(System.ReadOnlySpan<T> x, System.Span<T> destination) { }
                public static void LogSoftmax<T>(System.ReadOnlySpan<T> x, System.Span<T> destination) { }
            }
        }
        """;

    public static async Task Analyzer<TAnalyzer>(string source) where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { TestCode = source };
        Configure(test);
        await test.RunAsync();
    }

    public static async Task CodeFix<TAnalyzer, TFix>(string source, string fixedSource)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<TAnalyzer, TFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource };
        Configure(test);
        foreach (var (name, text) in Support())
            test.FixedState.Sources.Add((name, text));
        await test.RunAsync();
        AssertFixedCodeBuilds(source, fixedSource);
    }

    private static readonly ImmutableArray<DiagnosticAnalyzer> AllAnalyzers = typeof(ModelGen.Analyzers.ModelPitfallAnalyzer).Assembly.GetTypes()
        .Where(type => type.IsSubclassOf(typeof(DiagnosticAnalyzer)) && !type.IsAbstract)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    /// <summary>The fixed code as a user's build sees it: generator output compiled in, every ModelGen analyzer run.</summary>
    private static void AssertFixedCodeBuilds(string source, string fixedSource)
    {
        var fixedIds = Regex.Matches(source, @"\{\|(MG\d{4}):").Select(match => match.Groups[1].Value).ToHashSet();
        CSharpCompilation compilation = Harness.Compile(fixedSource, "global using System;\n", NumericsStubs);
        Harness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation built, out _);
        var errors = built.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The fixed code does not compile:\n" + string.Join("\n", errors) + "\n" + fixedSource);
        var reported = built.WithAnalyzers(AllAnalyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult()
            .Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal) && d.Location.SourceTree?.FilePath == "User0.cs").ToList();
        var left = reported.Where(d => fixedIds.Contains(d.Id) || d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(left.Count == 0, "The fix left its diagnostic or introduced an error:\n" + string.Join("\n", left) + "\n" + fixedSource);
    }

    private static void Configure<TVerifier>(AnalyzerTest<TVerifier> test) where TVerifier : IVerifier, new()
    {
        test.ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        foreach (var (name, text) in Support())
            test.TestState.Sources.Add((name, text));
        test.SolutionTransforms.Add((solution, project) =>
            solution.WithProjectParseOptions(project, new CSharpParseOptions(LanguageVersion.Preview)));
    }

    private static IEnumerable<(string, string)> Support()
    {
        yield return ("Usings.cs", "global using System;\n");
        yield return ("NumericsStubs.cs", NumericsStubs);
        foreach (string file in Declarations)
            yield return (file, File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "ModelGen", "Declarations", file)));
    }

    private static string RepositoryRoot([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
