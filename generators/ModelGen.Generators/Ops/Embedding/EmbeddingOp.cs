using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Embedding, emission (rules: EmbeddingRules.cs; runtime: src/ModelGen/Ops/EmbeddingOp.cs).
    ///   forward   y[t·batch + n] = E[token(n, t)] on real steps, 0 on padded ones (time-major)
    ///   backward  dE[k] = Σ over the positions holding token k of dy (a scatter-add); token ids have no gradient
    /// </summary>
    internal sealed class EmbeddingOp : OpDefinition
    {
        public static readonly EmbeddingOp Instance = new EmbeddingOp();

        public override int[] Parameters(OpNode node) => new[] { Of(node).Weight };

        public override string GraphSettings(OpNode node) => Of(node).PaddingId >= 0 ? $", paddingId: {Of(node).PaddingId}" : "";

        public override string? Describe(OpNode node) => "embedding";

        private static EmbeddingAttributes Of(OpNode node) => (EmbeddingAttributes)node.Attributes;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: row t·batch + n = E[token (n, t)], [batch × {node.Shape.Steps}] ids → {node.Shape} time-major; 0 past each sample's length");
            context.Writer.Call("global::ModelGen.Ops.EmbeddingOp.Forward<T>", context.Value(node.Inputs[0]), context.Parameter(Of(node).Weight), context.Value(node.Id),
                context.Lengths, "batch", "steps", Int(node.Shape.Steps), Int(node.Width));
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            context.Writer.Line($"// {node.Name}: dE[k] = Σ dy over the real positions holding token k");
            context.Writer.Call("global::ModelGen.Ops.EmbeddingOp.BackwardWeights<T>", context.Value(node.Inputs[0]), context.Gradient(node.Id),
                context.ParameterGradient(Of(node).Weight), context.Lengths, "batch", "steps", Int(node.Shape.Steps), Int(node.Width));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            // Token ids are the model input: nothing upstream to differentiate.
        }
    }
}
