using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// <c>[BatchNorm(activation)]</c>: width-preserving normalization → activation → dropout. Manifest entries as
    /// PyTorch names them: <c>weight</c> (γ, ones), <c>bias</c> (β, zeros), and the state <c>running_mean</c> (zeros)
    /// and <c>running_var</c> (ones). γ and β are decayed only with IncludeBiases.
    /// </summary>
    internal static class BatchNormRules
    {
        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleFlatInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            TensorShape shape = builder.Node(input).Shape;
            int width = builder.Node(input).Width;
            bool decayed = builder.Model.Regularization.DecayBiases;
            int scale = builder.Parameter(layer.Name, "weight", ParameterRole.Scale, shape, true, InitializerKind.Default, 1, width, width, decayed);
            int shift = builder.Parameter(layer.Name, "bias", ParameterRole.Shift, shape, true, InitializerKind.Default, 0, width, width, decayed);
            int mean = builder.Parameter(layer.Name, "running_mean", ParameterRole.RunningMean, shape, false, InitializerKind.Default, 0, width, width, false);
            int variance = builder.Parameter(layer.Name, "running_var", ParameterRole.RunningVariance, shape, false, InitializerKind.Default, 1, width, width, false);
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(OpKind.BatchNorm, layer.Name, index, shape, new BatchNormAttributes(scale, shift, mean, variance, layer.Momentum, layer.Epsilon), input);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }
    }
}
