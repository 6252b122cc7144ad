using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Analyzers.Tests;

/// <summary>Every shipped diagnostic has a help page, a release-tracking row and a help link that resolves to the page.</summary>
public class CatalogueTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers = [new ModelDeclarationAnalyzer(), new ModelPitfallAnalyzer(), new SoftmaxNumericsAnalyzer()];

    private static IEnumerable<DiagnosticDescriptor> Descriptors() => Analyzers.SelectMany(a => a.SupportedDiagnostics);

    private static string Root([CallerFilePath] string thisFile = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    [Fact]
    public void EveryDiagnosticHasAPageAReleaseRowAndAHelpLink()
    {
        string releases = File.ReadAllText(Path.Combine(Root(), "analyzers", "ModelGen.Analyzers", "AnalyzerReleases.Unshipped.md"));
        var ids = new HashSet<string>();
        foreach (DiagnosticDescriptor descriptor in Descriptors())
        {
            Assert.True(ids.Add(descriptor.Id), $"{descriptor.Id} is supported by two analyzers");
            string page = Path.Combine(Root(), "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no help page");
            Assert.Equal($"# {descriptor.Id}: {descriptor.Title}", File.ReadLines(page).First());
            Assert.Contains($"| Severity | {descriptor.DefaultSeverity} |", File.ReadAllText(page));
            Assert.EndsWith($"docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} |", releases);
        }
        // No orphan pages: each page documents a diagnostic that exists.
        foreach (string page in Directory.GetFiles(Path.Combine(Root(), "docs", "diagnostics"), "MG*.md"))
            Assert.Contains(Path.GetFileNameWithoutExtension(page), ids);
    }

    [Fact]
    public void EveryCodeFixTargetsAShippedDiagnostic()
    {
        var ids = Descriptors().Select(d => d.Id).ToHashSet();
        var fixes = typeof(ModelGen.CodeFixes.AttributeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is not null)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToList();
        Assert.NotEmpty(fixes);
        foreach (CodeFixProvider fix in fixes)
            foreach (string id in fix.FixableDiagnosticIds)
                Assert.Contains(id, ids);
    }
}
