using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// A layer with its inferred shape, resolved initializer and place in the parameter buffer. For batch norm the
    /// "weights" are γ and the "bias" is β, one of each per feature.
    /// </summary>
    internal sealed record LayerShape(
        string Name,
        string Modifiers,
        LayerKind Kind,
        int Inputs,
        int Units,
        ActivationKind Activation,
        InitializerKind Initializer,
        float NegativeSlope,
        float BiasInit,
        float Dropout,
        bool UseBias,
        float Momentum,
        float Epsilon,
        int WeightOffset,
        int BiasOffset)
    {
        public long WeightCount => Kind == LayerKind.BatchNorm ? Units : (long)Inputs * Units;

        public int BiasCount => Kind == LayerKind.BatchNorm || UseBias ? Units : 0;
    }

    /// <summary>Output of the shape-checking step.</summary>
    internal sealed record CheckedModel(
        ModelDeclaration Declaration,
        EquatableArray<LayerShape> Layers,
        int ParameterCount,
        EquatableArray<Problem> Problems)
    {
        public bool HasErrors => Problems.Count > 0;

        /// <summary>False when even partial declarations cannot be emitted without creating compiler errors of their own.</summary>
        public bool CanEmitDeclarations => !Problems.Any(p => p.Id == DiagnosticIds.ModelNotPartial || p.Id == DiagnosticIds.UnsupportedModelClass);

        public int OutputSize => Layers.Count == 0 ? 0 : Layers[Layers.Count - 1].Units;
    }
}
