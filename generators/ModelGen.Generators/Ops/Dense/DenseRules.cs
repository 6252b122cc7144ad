using System.Globalization;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// <c>[Dense(units, activation)]</c>: [in] → [units] as Dense → activation → dropout. Parameters <c>Name.weight</c>
    /// [in × units] (row-major, x · W) and <c>Name.bias</c> [units].
    /// </summary>
    internal static class DenseRules
    {
        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (layer.Units <= 0)
            {
                builder.Problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, "Units", layer.Name, layer.Units.ToString(CultureInfo.InvariantCulture)));
                return Lowered.Failed;
            }
            int input = LayerRules.SingleFlatInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            int fanIn = builder.Node(input).Width;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? ActivationRules.DefaultInitializer(layer.Activation) : layer.Initializer;
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, TensorShape.Matrix(fanIn, layer.Units), true, initializer, 0, fanIn, layer.Units, decayed: true);
            int bias = layer.UseBias
                ? builder.Parameter(layer.Name, "bias", ParameterRole.Bias, TensorShape.Vector(layer.Units), true, InitializerKind.Default, layer.BiasInit, fanIn, layer.Units, builder.Model.Regularization.DecayBiases)
                : -1;
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(OpKind.Dense, layer.Name, index, TensorShape.Vector(layer.Units), new DenseAttributes(weight, bias), input);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }
    }
}
