using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Analyzers
{
    /// <summary>
    /// Reports declaration and shape errors on <c>[Model]</c> classes, at the offending attribute or property.
    /// It runs exactly the generator's extraction and shape checks, so what it accepts is what the generator emits.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ModelDeclarationAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Descriptors.All;

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            ModelAnalysis.Register(context, static (symbolContext, analysis) =>
            {
                foreach (Problem problem in analysis.Model.Problems)
                {
                    var properties = problem.Fix is null ? null : ImmutableDictionary<string, string?>.Empty.Add("Fix", problem.Fix);
                    symbolContext.ReportDiagnostic(Diagnostic.Create(Descriptors.For(problem.Id), analysis.Extraction.Locate(problem), properties, problem.Arguments.ToArrayForMessage()));
                }
            });
        }
    }

    internal static class ProblemArguments
    {
        public static object[] ToArrayForMessage(this ModelGen.Generators.Helpers.EquatableArray<string> arguments)
        {
            var result = new object[arguments.Count];
            for (int i = 0; i < result.Length; i++)
                result[i] = arguments[i];
            return result;
        }
    }
}
