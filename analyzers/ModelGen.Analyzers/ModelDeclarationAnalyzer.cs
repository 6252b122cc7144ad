using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generators.Extraction;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

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
            context.RegisterCompilationStartAction(start =>
            {
                INamedTypeSymbol? modelAttribute = start.Compilation.GetTypeByMetadataName(ModelExtractor.ModelAttributeName);
                if (modelAttribute is null)
                    return;
                start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, modelAttribute), SymbolKind.NamedType);
            });
        }

        private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol modelAttribute)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            bool isModel = false;
            foreach (AttributeData attribute in type.GetAttributes())
                isModel |= SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, modelAttribute);
            if (!isModel)
                return;

            ExtractionResult extraction = ModelExtractor.Extract(type, context.CancellationToken);
            CheckedModel model = ShapeChecker.Check(extraction.Model);
            foreach (Problem problem in model.Problems)
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.For(problem.Id), extraction.Locate(problem), problem.Arguments.ToArrayForMessage()));
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
