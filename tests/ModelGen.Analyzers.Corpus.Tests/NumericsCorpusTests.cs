using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;
using ModelGen.Analyzers;
using Xunit.Abstractions;

namespace ModelGen.Analyzers.Corpus.Tests;

/// <summary>
/// The numerics rules (MG0101–MG0103) run on all of a user's code, so their precision is measured on real numeric
/// code: four public code bases (Corpus/*.tar.gz, sources in Corpus/SOURCES.md), every report classified once by hand
/// in Corpus/reports.tsv; and their recall on planted real bugs (Planted/*.cs).
/// </summary>
public sealed class NumericsCorpusTests(ITestOutputHelper output)
{
    private static readonly string[] Rules = ["MG0101", "MG0102", "MG0103"];

    private static readonly string[] CodeBases = ["accord", "mlnet", "mathnet", "sharplearning"];

    private static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
        .Append(typeof(StableMath).Assembly.Location)
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .ToImmutableArray();

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview, preprocessorSymbols: ["NETCOREAPP", "NET", "NETSTANDARD2_0", "RELEASE"]);

    /// <summary>A source file can only be reported on if it calls Exp, Log or SoftMax; only those files are analyzed (all compile).</summary>
    private static readonly Regex CallsNumerics = new(@"\b(Exp|Log|SoftMax|Softmax)\s*\(", RegexOptions.Compiled);

    private sealed record Report(string Rule, string CodeBase, string Location, string Line);

    private sealed record Verdict(string Rule, string CodeBase, string Location, bool TruePositive, string Reason);

    [Fact]
    public async Task EveryReportOnTheCorpusIsClassifiedAndPrecisionIsAtLeastNinetyPercent()
    {
        var reports = new List<Report>();
        var timing = new StringBuilder();
        foreach (string codeBase in CodeBases)
        {
            (IReadOnlyList<Report> found, int files, int analyzed, TimeSpan analyzerTime) = await AnalyzeCodeBase(codeBase);
            reports.AddRange(found);
            timing.AppendLine($"{codeBase}: {files} files compiled, {analyzed} analyzed, analyzer time {analyzerTime.TotalSeconds:F2} s, {found.Count} reports");
        }
        output.WriteLine(timing.ToString());

        Dictionary<(string, string, string), Verdict> verdicts = ReadVerdicts();
        var unclassified = reports.Where(r => !verdicts.ContainsKey((r.Rule, r.CodeBase, r.Location))).ToList();
        var stale = verdicts.Keys.Except(reports.Select(r => (r.Rule, r.CodeBase, r.Location))).ToList();
        Assert.True(unclassified.Count == 0,
            "Reports not in Corpus/reports.tsv — read each one and add a row (rule, code base, location, TP or FP, why):\n"
            + string.Join("\n", unclassified.Select(r => $"{r.Rule}\t{r.CodeBase}\t{r.Location}\t?\t{r.Line}")));
        Assert.True(stale.Count == 0, "Rows of Corpus/reports.tsv no longer reported (remove them):\n" + string.Join("\n", stale));

        foreach (string rule in Rules)
        {
            var rows = verdicts.Values.Where(v => v.Rule == rule).ToList();
            int truePositives = rows.Count(v => v.TruePositive);
            output.WriteLine($"{rule}: {rows.Count} reports, {truePositives} true, precision {(rows.Count == 0 ? "n/a" : $"{100.0 * truePositives / rows.Count:F0}%")}");
            if (rows.Count > 0)
                Assert.True(truePositives >= 0.9 * rows.Count, $"{rule}: precision {truePositives}/{rows.Count} is below 90%");
        }
    }

    [Fact]
    public async Task PlantedBugsAreReportedAndKnownMissesStayMissed()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Planted");
        var trees = Directory.GetFiles(folder, "*.cs").Order(StringComparer.Ordinal)
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), Parse, Path.GetFileName(path))).ToList();
        CSharpCompilation compilation = Compile("Planted", trees);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        (CompilationWithAnalyzers withAnalyzers, ConcurrentQueue<Exception> thrown) = Analyze(compilation);
        ImmutableArray<Diagnostic> diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.Empty(thrown);

        var reported = diagnostics.Select(d => (d.Id, Location: $"{d.Location.SourceTree!.FilePath}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}")).ToList();
        var expected = new List<(string Id, string Location)>();
        var missed = new List<(string Id, string Location)>();
        foreach (SyntaxTree tree in trees)
        {
            var lines = tree.GetText().Lines;
            foreach (var line in lines)
            {
                string text = line.ToString();
                string location = $"{tree.FilePath}:{line.LineNumber + 1}";
                if (Regex.Match(text, @"//\s*expect((?:\s+MG\d{4})+)\s*$") is { Success: true } expect)
                    expected.AddRange(expect.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => (id, location)));
                if (Regex.Match(text, @"//\s*missed((?:\s+MG\d{4})+)\s*$") is { Success: true } miss)
                    missed.AddRange(miss.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => (id, location)));
            }
        }

        var notFound = expected.Except(reported).ToList();
        var unexpected = reported.Except(expected).ToList();
        Assert.True(notFound.Count == 0 && unexpected.Count == 0,
            $"Planted bugs not reported: {string.Join(", ", notFound)}; reports on lines not marked 'expect': {string.Join(", ", unexpected)}");
        foreach (string rule in Rules)
        {
            int found = expected.Count(e => e.Id == rule), planted = found + missed.Count(m => m.Id == rule);
            output.WriteLine($"{rule}: recall {found}/{planted} planted bugs");
        }
    }

    private static async Task<(IReadOnlyList<Report>, int Files, int Analyzed, TimeSpan AnalyzerTime)> AnalyzeCodeBase(string codeBase)
    {
        var trees = new List<SyntaxTree>();
        await using (var archive = new GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Corpus", codeBase + ".tar.gz")), CompressionMode.Decompress))
        await using (var reader = new TarReader(archive))
        {
            while (await reader.GetNextEntryAsync() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !entry.Name.EndsWith(".cs", StringComparison.Ordinal) || entry.DataStream is null)
                    continue;
                using var text = new StreamReader(entry.DataStream, Encoding.UTF8);
                trees.Add(CSharpSyntaxTree.ParseText(await text.ReadToEndAsync(), Parse, entry.Name.TrimStart('.', '/')));
            }
        }
        CSharpCompilation compilation = Compile(codeBase, trees);
        var analyzed = trees.Where(tree => CallsNumerics.IsMatch(tree.GetText().ToString())).ToList();
        (CompilationWithAnalyzers withAnalyzers, ConcurrentQueue<Exception> thrown) = Analyze(compilation);
        var reports = new List<Report>();
        foreach (SyntaxTree tree in analyzed)
        {
            ImmutableArray<Diagnostic> diagnostics = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree), filterSpan: null, CancellationToken.None);
            foreach (Diagnostic diagnostic in diagnostics.Where(d => Rules.Contains(d.Id)))
            {
                FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
                string line = tree.GetText().Lines[span.StartLinePosition.Line].ToString().Trim();
                reports.Add(new Report(diagnostic.Id, codeBase, $"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}", line));
            }
        }
        Assert.Empty(thrown);
        AnalyzerTelemetryInfo telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(withAnalyzers.Analyzers[0], CancellationToken.None);
        return (reports, trees.Count, analyzed.Count, telemetry.ExecutionTime);
    }

    private static CSharpCompilation Compile(string name, IEnumerable<SyntaxTree> trees) => CSharpCompilation.Create(
        name, trees, References,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The numerics analyzer over a compilation; exceptions it throws are collected (the driver would turn them into AD0001 warnings).</summary>
    private static (CompilationWithAnalyzers, ConcurrentQueue<Exception> Thrown) Analyze(Compilation compilation)
    {
        var thrown = new ConcurrentQueue<Exception>();
        CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers(
            [new SoftmaxNumericsAnalyzer()],
            new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: (exception, _, _) => thrown.Enqueue(exception),
                concurrentAnalysis: true, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
        return (withAnalyzers, thrown);
    }

    /// <summary>Corpus/reports.tsv: rule, code base, path:line:column, TP or FP, why (tab-separated; # starts a comment).</summary>
    private static Dictionary<(string, string, string), Verdict> ReadVerdicts()
    {
        var verdicts = new Dictionary<(string, string, string), Verdict>();
        foreach (string row in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "reports.tsv")))
        {
            if (row.Length == 0 || row.StartsWith('#'))
                continue;
            string[] fields = row.Split('\t');
            Assert.True(fields.Length == 5 && fields[3] is "TP" or "FP", $"Malformed row in reports.tsv: {row}");
            verdicts.Add((fields[0], fields[1], fields[2]), new Verdict(fields[0], fields[1], fields[2], fields[3] == "TP", fields[4]));
        }
        return verdicts;
    }
}
