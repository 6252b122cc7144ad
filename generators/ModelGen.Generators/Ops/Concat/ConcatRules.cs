using System.Linq;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary><c>[Concat(nameof(A), nameof(B), …)]</c>: the named flat tensors side by side, [a] ⊕ [b] → [a + b], in the order given.</summary>
    internal static class ConcatRules
    {
        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (inputs.Length < 2)
            {
                builder.ShapeError(index, "a concatenation needs at least two inputs");
                return Lowered.Failed;
            }
            OpNode? notFlat = inputs.Select(builder.Node).FirstOrDefault(n => n.Shape.Rank != 1);
            if (notFlat is not null)
            {
                builder.ShapeError(index, $"it concatenates flat [features] tensors, but '{notFlat.Name}' is {notFlat.Shape}");
                return Lowered.Failed;
            }
            int width = inputs.Sum(i => builder.Node(i).Width);
            int node = builder.Add(OpKind.Concat, layer.Name, index, TensorShape.Vector(width), NoAttributes.Instance, inputs);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }
    }
}
