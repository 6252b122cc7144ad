using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>What lowering one layer produced: its output node (−1: not lowered, a problem was reported) and resolved initializer.</summary>
    internal readonly struct Lowered
    {
        public Lowered(int output, InitializerKind initializer)
        {
            Output = output;
            Initializer = initializer;
        }

        public static Lowered Failed => new Lowered(-1, InitializerKind.Default);

        public int Output { get; }

        public InitializerKind Initializer { get; }
    }

    /// <summary>
    /// The layer registry: one line per layer attribute, mapping it to the rule that checks its shapes and lowers it
    /// to graph ops. A residual, on any layer, is added after the layer's own ops.
    /// </summary>
    internal static class LayerRules
    {
        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs, int residual)
        {
            Lowered lowered = layer.Kind switch
            {
                LayerKind.Dense => DenseRules.Lower(builder, index, layer, inputs),
                LayerKind.BatchNorm => BatchNormRules.Lower(builder, index, layer, inputs),
                LayerKind.Highway => HighwayRules.Lower(builder, index, layer, inputs),
                LayerKind.Concat => ConcatRules.Lower(builder, index, layer, inputs),
                _ => Lowered.Failed,
            };
            if (lowered.Output < 0 || residual < 0)
                return lowered;
            return new Lowered(AddRules.Residual(builder, index, layer, lowered.Output, residual), lowered.Initializer);
        }

        /// <summary>Shared by layers that read exactly one flat tensor; reports MG0023 otherwise.</summary>
        public static int SingleFlatInput(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (inputs.Length != 1)
            {
                builder.ShapeError(index, $"a {layer.Kind} layer reads one tensor, but {inputs.Length} are wired to it; join them first with [Concat]");
                return -1;
            }
            if (builder.Node(inputs[0]).Shape.Rank != 1)
            {
                builder.ShapeError(index, $"a {layer.Kind} layer needs a flat [features] input, but gets {builder.Node(inputs[0]).Shape}");
                return -1;
            }
            return inputs[0];
        }
    }
}
