using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Element-wise sum of two tensors of one shape (a residual connection; rules: AddRules.cs, runtime:
    /// src/ModelGen/Ops/AddOp.cs). Backward passes dy to both inputs unchanged, adding where an input fans out.
    /// </summary>
    internal sealed class AddOp : OpDefinition
    {
        public static readonly AddOp Instance = new AddOp();

        public override bool AccumulatesInputGradient => true;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: y = {context.Node(node.Inputs[0]).Name} + {context.Node(node.Inputs[1]).Name}");
            context.Writer.Call("global::ModelGen.Ops.AddOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Inputs[1]), context.Value(node.Id));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: d{context.Node(node.Inputs[slot]).Name} {(accumulate ? "+=" : "=")} dy");
            context.Writer.Call("global::ModelGen.Ops.AddOp.Backward<T>", context.Gradient(node.Id), target, accumulate ? "accumulate: true" : "accumulate: false");
        }
    }
}
