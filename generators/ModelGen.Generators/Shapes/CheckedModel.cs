using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// One declared layer with its inferred widths, resolved initializer and resolved wiring: what the pitfall analyzers
    /// reason about. <see cref="Sources"/> are the layer indices it reads (−1: the model input); <see cref="Residual"/>
    /// the layer added to its output (−1: none). <see cref="Geometry"/> is the window of a convolution or pooling;
    /// <see cref="Options"/> the kind's own declaration (a recurrent layer's cell and directions, an embedding's vocabulary).
    /// </summary>
    internal sealed record LayerShape(
        string Name,
        string Modifiers,
        LayerKind Kind,
        ActivationKind Activation,
        InitializerKind Initializer,
        float NegativeSlope,
        float BiasInit,
        float Dropout,
        bool UseBias,
        EquatableArray<int> Sources,
        int Residual,
        TensorShape InputShape,
        TensorShape OutputShape,
        WindowGeometry? Geometry,
        LayerOptions Options)
    {
        /// <summary>Elements per sample of the (first) input.</summary>
        public int Inputs => (int)InputShape.Size;

        /// <summary>Elements per sample of the output.</summary>
        public int Units => (int)OutputShape.Size;
    }

    /// <summary>
    /// One output of the model with its loss: the class-level loss on the last layer, or a loss on a layer property (a head
    /// of a multi-task model). <see cref="Targets"/> and <see cref="Outputs"/> are its parameter names in the generated
    /// entry points ("labels"/"outputs" for a one-output model, "digitLabels"/"digitOutputs" for a head named Digit).
    /// </summary>
    internal sealed record HeadShape(string Name, int Layer, int Node, LossDeclaration Loss, string Targets, string Outputs);

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
        EquatableArray<HeadShape> Heads,
        EquatableArray<Problem> Problems)
    {
        public bool HasErrors => Problems.Count > 0;

        /// <summary>False when even placeholder declarations would create compiler errors of their own.</summary>
        public bool CanEmitDeclarations => !Problems.Any(p => p.Id == DiagnosticIds.ModelNotPartial) && Declaration.ContainingTypes.All(t => t.IsPartial);

        /// <summary>Several heads, each with its own loss on a layer property (rather than one class-level loss).</summary>
        public bool IsMultiTask => Declaration.Loss.Kind == LossKind.None;

        public bool IsHead(int layer) => Heads.Any(h => h.Layer == layer);

        /// <summary>The padding id that ends a token sample (the rules make every embedding agree), or −1.</summary>
        public int PaddingId => Nodes.Where(n => n.Kind == OpKind.Embedding).Select(n => ((EmbeddingAttributes)n.Attributes).PaddingId).DefaultIfEmpty(-1).First();

        /// <summary>Layers that read layer <paramref name="index"/>'s output (by wiring or as a residual).</summary>
        public int[] Consumers(int index)
            => Enumerable.Range(0, Layers.Count).Where(i => Layers[i].Sources.Contains(index) || Layers[i].Residual == index).ToArray();
    }
}
