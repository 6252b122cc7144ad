using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Extraction;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators
{
    /// <summary>Names of the pipeline steps, for incrementality tests and generator tracing.</summary>
    internal static class TrackingNames
    {
        public const string Extract = nameof(Extract);
        public const string CheckShapes = nameof(CheckShapes);
        public const string Differentiate = nameof(Differentiate);
        public const string Fuse = nameof(Fuse);
        public const string Emit = nameof(Emit);
        public const string EmitGpu = nameof(EmitGpu);
        public const string EmitVulkan = nameof(EmitVulkan);
    }

    /// <summary>
    /// extract → check shapes → differentiate → fuse → emit (CPU; the GPU when ModelGen.Gpu is referenced; HLSL shaders when ModelGen.Vulkan is). Every step's output is an equatable value,
    /// so an edit that does not change a model leaves all its steps cached. The generator reports nothing:
    /// diagnostics come from ModelDeclarationAnalyzer, which runs the same extraction and shape checks.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModelGenerator : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var programs = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    ModelExtractor.ModelAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                    static (attributed, cancellationToken) => ModelExtractor.Extract((INamedTypeSymbol)attributed.TargetSymbol, cancellationToken).Model)
                .WithTrackingName(TrackingNames.Extract)
                .Select(static (model, _) => ShapeChecker.Check(model))
                .WithTrackingName(TrackingNames.CheckShapes)
                .Select(static (model, _) => Differentiator.Differentiate(model))
                .WithTrackingName(TrackingNames.Differentiate)
                .Select(static (program, _) => Fuser.Fuse(program))
                .WithTrackingName(TrackingNames.Fuse);

            var cpu = programs
                .Select(static (program, _) => ModelEmitter.Emit(program))
                .WithTrackingName(TrackingNames.Emit);

            // The GPU backend renders the same programs when the compilation references ModelGen.Gpu.
            var referencesGpu = context.CompilationProvider
                .Select(static (compilation, _) => compilation.GetTypeByMetadataName(DeviceEmitter.DeviceNetworkTypeName) is not null);
            var gpu = programs
                .Combine(referencesGpu)
                .Select(static (pair, _) => pair.Right ? DeviceEmitter.Emit(pair.Left) : null)
                .WithTrackingName(TrackingNames.EmitGpu);

            // The shader backend likewise when it references ModelGen.Vulkan.
            var referencesVulkan = context.CompilationProvider
                .Select(static (compilation, _) => compilation.GetTypeByMetadataName(ShaderEmitter.VulkanNetworkTypeName) is not null);
            var vulkan = programs
                .Combine(referencesVulkan)
                .Select(static (pair, _) => pair.Right ? ShaderEmitter.Emit(pair.Left) : null)
                .WithTrackingName(TrackingNames.EmitVulkan);

            context.RegisterSourceOutput(cpu, static (output, source) =>
            {
                if (source is not null)
                    output.AddSource(source.HintName, source.Text);
            });
            context.RegisterSourceOutput(gpu, static (output, source) =>
            {
                if (source is not null)
                    output.AddSource(source.HintName, source.Text);
            });
            context.RegisterSourceOutput(vulkan, static (output, source) =>
            {
                if (source is not null)
                    output.AddSource(source.HintName, source.Text);
            });
        }
    }
}
