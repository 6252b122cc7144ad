using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Parametric ReLU, emission (rules: PReLURules.cs; runtime kernels: src/ModelGen/Ops/PReLUOp.cs). Both backward
    /// passes read the input z, so the op writes its own output buffer and nothing runs in place on its input. No device
    /// kernels yet: a model with PReLU gets no GPU or Vulkan network (MG0032 says so).
    /// </summary>
    internal sealed class PReLUOp : OpDefinition
    {
        public static readonly PReLUOp Instance = new PReLUOp();

        private static PReLUAttributes Of(OpNode node) => (PReLUAttributes)node.Attributes;

        public override int[] Parameters(OpNode node) => new[] { Of(node).Slope };

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => "PReLU";

        private static string[] Geometry(EmitContext context, OpNode node) => new[] { context.Rows(node), Int(Of(node).Channels), Int(Of(node).Spatial) };

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: z > 0 ? z : a·z, {(prelu.Channels == 1 ? "one shared slope" : prelu.Spatial == 1 ? "a slope per feature" : "a slope per channel")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.Forward<T>",
                new[] { context.Value(node.Inputs[0]), context.Value(node.Id), context.Parameter(prelu.Slope) }.Concat(Geometry(context, node)).ToArray());
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: da = Σ dy ⊙ min(z, 0) over the batch{(prelu.Spatial > 1 ? " and positions" : "")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.BackwardSlopes<T>",
                new[] { context.Value(node.Inputs[0]), context.Gradient(node.Id), context.ParameterGradient(prelu.Slope) }.Concat(Geometry(context, node)).ToArray());
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ (z > 0 ? 1 : a){(accumulate ? " (added: the input fans out)" : "")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.BackwardInput<T>",
                new[] { context.Value(node.Inputs[0]), context.Gradient(node.Id), target, context.Parameter(prelu.Slope) }.Concat(Geometry(context, node))
                    .Concat(new[] { accumulate ? "accumulate: true" : "accumulate: false" }).ToArray());
        }
    }
}
