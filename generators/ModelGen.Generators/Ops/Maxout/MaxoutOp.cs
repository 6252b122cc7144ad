using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Maxout, emission (rules: MaxoutRules.cs; runtime kernels: src/ModelGen/Ops/MaxoutOp.cs). Backward finds each unit's
    /// winning piece again from its input (the pieces, the Dense output before it) and its output, so it saves nothing.
    /// No device kernels yet: a model with maxout gets no GPU or Vulkan network (MG0032 says so).
    /// </summary>
    internal sealed class MaxoutOp : OpDefinition
    {
        public static readonly MaxoutOp Instance = new MaxoutOp();

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => "maxout";

        private static int Pieces(OpNode node) => ((MaxoutAttributes)node.Attributes).Pieces;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: each of {node.Width} units the largest of its {Pieces(node)} pieces (piece-major columns)");
            context.Writer.Call("global::ModelGen.Ops.MaxoutOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Rows(node), Int(node.Width), Int(Pieces(node)));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dy to each unit's first winning piece{(accumulate ? " (added: the input fans out)" : "")}");
            context.Writer.Call("global::ModelGen.Ops.MaxoutOp.Backward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Gradient(node.Id), target,
                context.Rows(node), Int(node.Width), Int(Pieces(node)), accumulate ? "accumulate: true" : "accumulate: false");
        }
    }
}
