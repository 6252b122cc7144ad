using ModelGen.Generators.Graph;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// <c>[CheckFinite]</c>: after each step of the program, a check of what that step wrote (runtime:
    /// src/ModelGen/Declarations/NonFinite.cs). The first NaN or ±∞ is reported with the layer and step that produced it.
    /// </summary>
    internal static class FiniteChecks
    {
        public static void AfterForward(EmitContext context, OpNode node)
        {
            if (!context.Model.Declaration.CheckFinite || node.Layer < 0)
                return; // dropout on the validated inputs cannot create a non-finite value
            // A fused activation writes the same buffer as its GEMM; the step is named after the GEMM, which produced it.
            string? what = OpRegistry.For(node.Kind).Describe(node);
            string step = what is null ? "forward" : $"forward ({what})";
            Emit(context, context.Value(node.Id), node.Width, context.LayerName(node), step, "sample");
        }

        public static void AfterLoss(EmitContext context, HeadShape head)
        {
            if (!context.Model.Declaration.CheckFinite)
                return;
            context.Writer.Line($"global::ModelGen.FiniteCheck.Loss<T>(loss, ModelName, \"{head.Name}\");");
            Emit(context, context.Gradient(head.Node), context.Node(head.Node).Width, head.Name, "∂loss/∂output", "sample");
        }

        public static void AfterBackward(EmitContext context, GraphStep step, string target)
        {
            if (!context.Model.Declaration.CheckFinite || step.Kind == StepKind.AddPartial)
                return;
            OpNode node = context.Node(step.Node);
            string layer = context.LayerName(node);
            if (step.Kind == StepKind.ParameterGradient)
            {
                foreach (int index in OpRegistry.For(node.Kind).Parameters(node))
                {
                    ParameterTensor tensor = context.Model.Parameters[index];
                    // A Dense weight [in × out] is named by input row; a convolution's [F × C × kh × kw] by its first index.
                    Emit(context, EmitContext.ViewName(tensor) + "Gradient", tensor.Shape.Rank > 1 ? tensor.Length / tensor.Shape.Dimensions[0] : tensor.Length,
                        layer, "∂loss/∂" + tensor.Name, tensor.Shape.Rank == 2 ? "input" : tensor.Shape.Rank > 2 ? "slice" : "row");
                }
                return;
            }
            string? op = OpRegistry.For(node.Kind).Describe(node);
            string what = op is null ? "∂loss/∂input" : $"backward through {op}";
            Emit(context, target, context.Node(node.Inputs[step.Slot]).Width, layer, what, "sample");
        }

        private static void Emit(EmitContext context, string buffer, int width, string layer, string step, string rowName)
            => context.Writer.Call("global::ModelGen.FiniteCheck.Values<T>", buffer, width.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "ModelName", $"\"{layer}\"", $"\"{step}\"", $"\"{rowName}\"");
    }
}
