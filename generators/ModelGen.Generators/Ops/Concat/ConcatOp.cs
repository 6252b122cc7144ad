using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Concatenation of flat tensors along the features (rules: ConcatRules.cs, runtime: src/ModelGen/Ops/ConcatOp.cs):
    /// input k fills columns [offset_k, offset_k + width_k) of each row. Backward hands each input its columns of dy.
    /// </summary>
    internal sealed class ConcatOp : OpDefinition
    {
        public static readonly ConcatOp Instance = new ConcatOp();

        public override bool AccumulatesInputGradient => true;

        private static int Offset(EmitContext context, OpNode node, int slot)
        {
            int offset = 0;
            for (int i = 0; i < slot; i++)
                offset += context.Node(node.Inputs[i]).Width;
            return offset;
        }

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: [{context.Rows(node)} × {node.Width}] = {string.Join(" ⊕ ", System.Linq.Enumerable.Select(node.Inputs, i => context.Node(i).Name))}");
            for (int slot = 0; slot < node.Inputs.Count; slot++)
            {
                OpNode input = context.Node(node.Inputs[slot]);
                context.Writer.Call("global::ModelGen.Ops.ConcatOp.Forward<T>", context.Value(input.Id), Int(input.Width), context.Value(node.Id), Int(node.Width),
                    $"offset: {Int(Offset(context, node, slot))}", context.Rows(node));
            }
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            OpNode input = context.Node(node.Inputs[slot]);
            int offset = Offset(context, node, slot);
            context.Writer.Line($"// {node.Name}: d{input.Name} {(accumulate ? "+=" : "=")} dy[:, {offset}..{offset + input.Width})");
            context.Writer.Call("global::ModelGen.Ops.ConcatOp.Backward<T>", context.Gradient(node.Id), Int(node.Width), $"offset: {Int(offset)}", target, Int(input.Width),
                context.Rows(node), accumulate ? "accumulate: true" : "accumulate: false");
        }
    }
}
