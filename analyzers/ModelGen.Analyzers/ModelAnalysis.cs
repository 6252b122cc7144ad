using System;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generators.Extraction;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Analyzers
{
    /// <summary>A [Model] class as the analyzers see it: the generator's own extraction and shape check, plus source locations.</summary>
    internal sealed class ModelAnalysis
    {
        /// <summary>Keyed weakly by the symbol, so an entry lives exactly as long as its compilation.</summary>
        private static readonly ConditionalWeakTable<INamedTypeSymbol, ModelAnalysis> Cache = new ConditionalWeakTable<INamedTypeSymbol, ModelAnalysis>();

        public ModelAnalysis(INamedTypeSymbol type, AttributeData modelAttribute, ExtractionResult extraction, CheckedModel model)
        {
            Type = type; ModelAttribute = modelAttribute; Extraction = extraction; Model = model;
        }

        public INamedTypeSymbol Type { get; }
        public AttributeData ModelAttribute { get; }
        public ExtractionResult Extraction { get; }
        public CheckedModel Model { get; }

        /// <summary>Calls <paramref name="analyze"/> for every [Model] class of the compilation.</summary>
        public static void Register(AnalysisContext context, Action<SymbolAnalysisContext, ModelAnalysis> analyze)
        {
            context.RegisterCompilationStartAction(start =>
            {
                INamedTypeSymbol? modelAttributeType = start.Compilation.GetTypeByMetadataName(ModelExtractor.ModelAttributeName);
                if (modelAttributeType is null)
                    return;
                start.RegisterSymbolAction(symbolContext =>
                {
                    var type = (INamedTypeSymbol)symbolContext.Symbol;
                    AttributeData? modelAttribute = type.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, modelAttributeType));
                    if (modelAttribute is null)
                        return;
                    // Both model analyzers see the same symbol; the first to get here extracts and checks it for both.
                    ModelAnalysis analysis = Cache.GetValue(type, _ =>
                    {
                        ExtractionResult extraction = ModelExtractor.Extract(type, symbolContext.CancellationToken);
                        return new ModelAnalysis(type, modelAttribute, extraction, ShapeChecker.Check(extraction.Model));
                    });
                    analyze(symbolContext, analysis);
                }, SymbolKind.NamedType);
            });
        }

        public Location Locate(SiteKind site, int layer) => Extraction.Locate(site, layer);
    }
}
