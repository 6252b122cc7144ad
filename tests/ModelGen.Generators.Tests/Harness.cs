using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Analyzers;
using ModelGen.Generators;

namespace ModelGen.Generators.Tests;

/// <summary>Compiles user code in memory against the real runtime assembly, runs the generator and the analyzer.</summary>
internal static class Harness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
        .Append(typeof(ModelGen.Dense).Assembly.Location)
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .ToImmutableArray();

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "UserAssembly",
        sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"User{i}.cs")),
        References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) => CSharpGeneratorDriver.Create(
        [new ModelGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public sealed record Run(GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> AnalyzerDiagnostics, IReadOnlyList<Exception> AnalyzerExceptions)
    {
        public IEnumerable<Diagnostic> ModelGenDiagnostics => AnalyzerDiagnostics.Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal));

        public IEnumerable<Diagnostic> CompilerErrors => Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error);

        public string Generated => string.Join("\n", Result.GeneratedTrees.Select(t => t.GetText().ToString()));
    }

    /// <summary>
    /// The generator and analyzers run cleanly on <paramref name="source"/> and report exactly one ModelGen error, <paramref name="id"/>,
    /// on the text <paramref name="covered"/> with <paramref name="fragment"/> in its message; the model still compiles (placeholders).
    /// </summary>
    public static void AssertOneErrorAt(string source, string id, string covered, string fragment)
    {
        Run run = GenerateAndAnalyze(source);
        Assert.All(run.Result.Results, result => Assert.Null(result.Exception));
        Assert.Empty(run.AnalyzerExceptions);
        Assert.Empty(run.CompilerErrors);
        Diagnostic diagnostic = Assert.Single(run.ModelGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(covered, diagnostic.Location.SourceTree!.ToString()[diagnostic.Location.SourceSpan.Start..diagnostic.Location.SourceSpan.End]);
        Assert.Contains(fragment, diagnostic.GetMessage());
        Assert.Contains("was not generated", run.Generated);
    }

    public static Run GenerateAndAnalyze(params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (exception, _, _) => exceptions.Add(exception), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> analyzerDiagnostics = output
            .WithAnalyzers([new ModelDeclarationAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return new Run(driver.GetRunResult(), output, generatorDiagnostics, analyzerDiagnostics, exceptions);
    }
}
