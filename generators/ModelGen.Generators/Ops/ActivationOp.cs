using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Activations, generator side: width-preserving shape rule, default initializer, and the calls into the runtime
    /// (element-wise structs in src/ModelGen/Ops/Activations.cs; row-wise softmax in src/ModelGen/Ops/SoftmaxOp.cs).
    /// Every derivative reads the output y, never the pre-activation.
    /// </summary>
    internal static class ActivationOp
    {
        public static string RuntimeType(ActivationKind kind) => "global::ModelGen.Ops." + kind;

        /// <summary>
        /// He for the ReLU family (keeps activation variance at depth), LeCun normal for SELU (its self-normalizing
        /// fixed point assumes it), Glorot for saturating and linear units.
        /// </summary>
        public static InitializerKind DefaultInitializer(ActivationKind kind) => kind switch
        {
            ActivationKind.ReLU or ActivationKind.LeakyReLU => InitializerKind.HeUniform,
            ActivationKind.SELU => InitializerKind.LeCunNormal,
            _ => InitializerKind.GlorotUniform,
        };

        /// <summary>False for softmax, whose Jacobian couples a row: it cannot run on a GEMM tile.</summary>
        public static bool IsElementWise(ActivationKind kind) => kind != ActivationKind.Softmax;

        public static void EmitForward(EmitContext context, GraphNode node)
        {
            LayerShape layer = context.Layer(node);
            int input = node.Inputs[0];
            bool inPlace = context.SharesValue(node.Id, input);
            context.Writer.Line($"// {layer.Name}: {layer.Activation}{(inPlace ? " (in place on the layer output)" : " into its own buffer: backward needs the layer output and this value")}");
            if (!inPlace)
                context.Writer.Line($"{context.Value(input)}.CopyTo({context.Value(node.Id)});");
            context.Writer.Line(layer.Activation == ActivationKind.Softmax
                ? $"global::ModelGen.Ops.SoftmaxOp.Forward<T>({context.Value(node.Id)}, batch, {node.Width});"
                : $"global::ModelGen.Ops.Activation<{RuntimeType(layer.Activation)}>.Forward<T>({context.Value(node.Id)}, {Slope(layer)});");
        }

        public static void EmitInputGradient(EmitContext context, GraphNode node, int input)
        {
            LayerShape layer = context.Layer(node);
            string comment = context.SharesGradient(node.Id, input) ? " (in place)" : "";
            if (layer.Activation == ActivationKind.Softmax)
            {
                context.Writer.Line($"// {layer.Name}: dz = y ⊙ (dy − ⟨y, dy⟩) per row, softmax's Jacobian-vector product{comment}");
                context.Writer.Line($"global::ModelGen.Ops.SoftmaxOp.Backward<T>({context.Value(node.Id)}, {context.Gradient(node.Id)}, {context.Gradient(input)}, batch, {node.Width});");
                return;
            }
            context.Writer.Line($"// {layer.Name}: dz = dy ⊙ {layer.Activation}′(y){comment}");
            context.Writer.Line($"global::ModelGen.Ops.Activation<{RuntimeType(layer.Activation)}>.Backward<T>({context.Value(node.Id)}, {context.Gradient(node.Id)}, {context.Gradient(input)}, {Slope(layer)});");
        }

        public static string Slope(LayerShape layer)
            => layer.Activation == ActivationKind.LeakyReLU ? $"T.CreateChecked({CodeWriter.Float(layer.NegativeSlope)})" : "T.Zero";
    }
}
