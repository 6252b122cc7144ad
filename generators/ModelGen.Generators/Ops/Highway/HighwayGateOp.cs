using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// The carry of a highway layer (rules: HighwayRules.cs; runtime: src/ModelGen/Ops/HighwayOp.cs), inputs (x, h, t):
    ///   forward   y = t ⊙ h + (1 − t) ⊙ x
    ///   backward  dx = dy ⊙ (1 − t),  dh = dy ⊙ t,  dt = dy ⊙ (h − x)
    /// </summary>
    internal sealed class HighwayGateOp : OpDefinition
    {
        public static readonly HighwayGateOp Instance = new HighwayGateOp();

        public override bool AccumulatesInputGradient => true;

        private static readonly string[] Derivatives = { "dx = dy ⊙ (1 − t)", "dh = dy ⊙ t", "dt = dy ⊙ (h − x)" };

        private static readonly string[] Kernels = { "BackwardCarry", "BackwardTransform", "BackwardGate" };

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: y = t ⊙ h + (1 − t) ⊙ x, t = {context.Node(node.Inputs[2]).Name}, h = {context.Node(node.Inputs[1]).Name}");
            context.Writer.Call("global::ModelGen.Ops.HighwayOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Inputs[1]), context.Value(node.Inputs[2]),
                context.Value(node.Id));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: {(accumulate ? Derivatives[slot].Replace(" = ", " += ") : Derivatives[slot])}");
            context.Writer.Call($"global::ModelGen.Ops.HighwayOp.{Kernels[slot]}<T>", context.Gradient(node.Id), context.Value(node.Inputs[0]), context.Value(node.Inputs[1]),
                context.Value(node.Inputs[2]), target, accumulate ? "accumulate: true" : "accumulate: false");
        }
    }
}
