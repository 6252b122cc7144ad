using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// One declared layer with its inferred widths, resolved initializer and resolved wiring: what the pitfall analyzers
    /// reason about. <see cref="Sources"/> are the layer indices it reads (−1: the model input); <see cref="Residual"/>
    /// the layer added to its output (−1: none).
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
        EquatableArray<int> Sources,
        int Residual);

    /// <summary>
    /// Output of the shape-checking step: the op graph in topological order (node 0 is the input), the parameter
    /// manifest with the buffer layout it implies, and every problem found.
    /// </summary>
    internal sealed record CheckedModel(
        ModelDeclaration Declaration,
        EquatableArray<LayerShape> Layers,
        EquatableArray<OpNode> Nodes,
        EquatableArray<ParameterTensor> Parameters,
        int ParameterCount,
        int StateCount,
        int OutputNode,
        EquatableArray<Problem> Problems)
    {
        public bool HasErrors => Problems.Count > 0;

        /// <summary>False when even placeholder declarations would create compiler errors of their own.</summary>
        public bool CanEmitDeclarations => !Problems.Any(p => p.Id == DiagnosticIds.ModelNotPartial) && Declaration.ContainingTypes.All(t => t.IsPartial);

        public int OutputSize => OutputNode < 0 ? 0 : Nodes[OutputNode].Width;

        /// <summary>Layers that read layer <paramref name="index"/>'s output (by wiring or as a residual).</summary>
        public int[] Consumers(int index)
            => Enumerable.Range(0, Layers.Count).Where(i => Layers[i].Sources.Contains(index) || Layers[i].Residual == index).ToArray();
    }
}
