using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Element-wise activations, generator side: width-preserving shape rule, default initializer, and the
    /// calls into the runtime structs (src/ModelGen/Ops/Activations.cs), whose derivatives read the output y.
    /// </summary>
    internal static class ActivationOp
    {
        public static string RuntimeType(ActivationKind kind) => "global::ModelGen.Ops." + kind;

        /// <summary>He for the ReLU family (keeps activation variance at depth), Glorot for saturating and linear units.</summary>
        public static InitializerKind DefaultInitializer(ActivationKind kind)
            => kind == ActivationKind.ReLU || kind == ActivationKind.LeakyReLU ? InitializerKind.HeUniform : InitializerKind.GlorotUniform;

        public static void EmitForward(EmitContext context, GraphNode node)
        {
            LayerShape layer = context.Layer(node);
            int input = node.Inputs[0];
            string comment = context.SharesValue(node.Id, input) ? " (fused: in place on the layer output)" : "";
            context.Writer.Line($"// {layer.Name}: {layer.Activation}{comment}");
            if (!context.SharesValue(node.Id, input))
                context.Writer.Line($"{context.Value(input)}.CopyTo({context.Value(node.Id)});");
            context.Writer.Line($"global::ModelGen.Ops.Activation<{RuntimeType(layer.Activation)}>.Forward<T>({context.Value(node.Id)}, {Slope(layer)});");
        }

        public static void EmitInputGradient(EmitContext context, GraphNode node, int input)
        {
            LayerShape layer = context.Layer(node);
            string comment = context.SharesGradient(node.Id, input) ? " (in place)" : "";
            context.Writer.Line($"// {layer.Name}: dz = dy ⊙ {layer.Activation}′(y){comment}");
            context.Writer.Line($"global::ModelGen.Ops.Activation<{RuntimeType(layer.Activation)}>.Backward<T>({context.Value(node.Id)}, {context.Gradient(node.Id)}, {context.Gradient(input)}, {Slope(layer)});");
        }

        public static string Slope(LayerShape layer)
            => layer.Activation == ActivationKind.LeakyReLU ? $"T.CreateChecked({CodeWriter.Float(layer.NegativeSlope)})" : "T.Zero";
    }
}
