using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// A residual connection (He et al.): the layer's output plus the named layer's, y = f(x) + s. Widths must match,
    /// unless <c>ResidualProjection = true</c> declares a learned linear map <c>Name.projection.weight</c> [s × y]
    /// (Glorot uniform, no bias) that takes s to the layer's width.
    /// </summary>
    internal static class AddRules
    {
        public static int Residual(GraphBuilder builder, int index, LayerDeclaration layer, int output, int source)
        {
            OpNode value = builder.Node(output), skip = builder.Node(source);
            if (!value.Shape.Equals(skip.Shape))
            {
                if (!layer.Wiring.Projection)
                {
                    builder.ShapeError(index, $"its residual '{layer.Wiring.Residual}' is {skip.Shape} but its output is {value.Shape}: make the widths equal, or set ResidualProjection = true to learn a {skip.Width} × {value.Width} projection",
                        fix: "ResidualProjection");
                    return -1;
                }
                int weight = builder.Parameter(layer.Name, "projection.weight", ParameterRole.Weight, TensorShape.Matrix(skip.Width, value.Width), true,
                    InitializerKind.GlorotUniform, 0, skip.Width, value.Width, decayed: true, transposed: true);
                if (!builder.Fits)
                    return -1;
                source = builder.Add(OpKind.Dense, layer.Name + ".Projection", index, value.Shape, new DenseAttributes(weight, -1), source);
            }
            return builder.Add(OpKind.Add, layer.Name + ".Residual", index, value.Shape, NoAttributes.Instance, output, source);
        }
    }
}
