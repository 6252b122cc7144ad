using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// <c>[CheckFinite]</c>: after each step of the program, a check of what that step wrote (runtime:
    /// src/ModelGen/Declarations/NonFinite.cs). The first NaN or ±∞ is reported with the layer and step that produced it.
    /// </summary>
    internal static class FiniteChecks
    {
        public static void AfterForward(EmitContext context, GraphNode node)
        {
            if (!context.Program.Model.Declaration.CheckFinite || node.Layer < 0)
                return; // dropout on the validated inputs cannot create a non-finite value
            LayerShape layer = context.Layer(node);
            string step = node.Kind switch
            {
                NodeKind.Activation => $"forward ({layer.Activation})",
                NodeKind.Dropout => "forward (dropout)",
                NodeKind.BatchNorm => "forward (batch norm)",
                _ => "forward",
            };
            Emit(context, context.Value(node.Id), node.Width, layer.Name, step, "sample");
        }

        public static void AfterLoss(EmitContext context)
        {
            if (!context.Program.Model.Declaration.CheckFinite)
                return;
            context.Writer.Line($"global::ModelGen.FiniteCheck.Loss<T>(loss, ModelName, \"{context.OutputLayer}\");");
            Emit(context, context.Gradient(context.OutputNode), context.OutputWidth, context.OutputLayer, "∂loss/∂output", "sample");
        }

        public static void AfterBackward(EmitContext context, GraphStep step)
        {
            if (!context.Program.Model.Declaration.CheckFinite)
                return;
            GraphNode node = context.Program.Nodes[step.Node];
            LayerShape layer = context.Layer(node);
            if (step.Kind == StepKind.ParameterGradient)
            {
                bool normalization = layer.Kind == LayerKind.BatchNorm;
                Emit(context, context.WeightGradient(layer), layer.Units, layer.Name, normalization ? "∂loss/∂γ" : "∂loss/∂weights", normalization ? "row" : "input");
                if (layer.BiasCount > 0)
                    Emit(context, context.BiasGradient(layer), layer.Units, layer.Name, normalization ? "∂loss/∂β" : "∂loss/∂bias", "row");
                return;
            }
            string what = node.Kind switch
            {
                NodeKind.Activation => $"backward through {layer.Activation}",
                NodeKind.Dropout => "backward through dropout",
                NodeKind.BatchNorm => "backward through batch norm",
                _ => "∂loss/∂input",
            };
            Emit(context, context.Gradient(step.Input), context.Program.Nodes[step.Input].Width, layer.Name, what, "sample");
        }

        private static void Emit(EmitContext context, string buffer, int width, string layer, string step, string rowName)
            => context.Writer.Line($"global::ModelGen.FiniteCheck.Values<T>({buffer}, {width}, ModelName, \"{layer}\", \"{step}\", \"{rowName}\");");
    }
}
