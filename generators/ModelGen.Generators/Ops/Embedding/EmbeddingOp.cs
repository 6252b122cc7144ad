using System.Collections.Generic;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Embedding, emission (rules: EmbeddingRules.cs; runtime: src/ModelGen/Ops/EmbeddingOp.cs).
    ///   forward   y[t·batch + n] = E[token(n, t)] on real steps, 0 on padded ones (time-major)
    ///   backward  dE[k] = Σ over the positions holding token k of dy (a scatter-add); token ids have no gradient
    /// Folded into the recurrent layers that read it (Graph/TokenProjectionFolder.cs): forward writes row u = E[token of slot u]
    /// for the batch's distinct tokens (or its positions, when it repeats few: DistinctTokens.PerPosition), backward adds the
    /// layers' gradient of row u into dE[token of slot u].
    /// </summary>
    internal sealed class EmbeddingOp : OpDefinition
    {
        public static readonly EmbeddingOp Instance = new EmbeddingOp();

        public override int[] Parameters(OpNode node) => new[] { Of(node).Weight };

        public override string GraphSettings(OpNode node) => Of(node).PaddingId >= 0 ? $", paddingId: {Of(node).PaddingId}" : "";

        public override string? Describe(OpNode node) => "embedding";

        private static EmbeddingAttributes Of(OpNode node) => (EmbeddingAttributes)node.Attributes;

        private static readonly SavedBuffer DistinctTokensBuffer = new SavedBuffer("Tokens", 0, false, "the batch's distinct tokens", Inference: true, Tokens: true);

        public override SavedBuffer[] SavedBuffers(OpNode node) => Of(node).Distinct ? new[] { DistinctTokensBuffer } : new SavedBuffer[0];

        /// <summary>
        /// The network's field recording which rows of a folded embedding's table gradient its last backward wrote (the next
        /// clears only those), or null: unfolded, or weight decay or an L1 penalty writes the whole gradient tensor.
        /// </summary>
        public static string? WrittenRowsField(CheckedModel model, OpNode node)
        {
            if (node.Kind != OpKind.Embedding || !Of(node).Distinct)
                return null;
            var (l2, l1) = model.Declaration.Regularization.GradientPenalties;
            if (model.Parameters[Of(node).Weight].Decayed && (l2 > 0 || l1 > 0))
                return null;
            return "_" + CodeWriter.Camel(CodeWriter.Pascal(node.Name)) + "WrittenRows";
        }

        /// <summary>A folded embedding's distinct tokens, which its recurrent layers read.</summary>
        public static string DistinctTokens(EmitContext context, OpNode embedding) => context.Saved(embedding, DistinctTokensBuffer);

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            if (Of(node).Distinct)
            {
                context.Writer.Line($"// {node.Name}: row u = E[token of slot u] over the batch's distinct tokens (its recurrent layers project each once)");
                context.Writer.Call("global::ModelGen.Ops.EmbeddingOp.ForwardDistinct<T>", context.Value(node.Inputs[0]), context.Parameter(Of(node).Weight),
                    DistinctTokens(context, node), context.Value(node.Id), context.Lengths, "batch", "steps", Int(node.Shape.Steps), Int(node.Width));
                return;
            }
            context.Writer.Line($"// {node.Name}: row t·batch + n = E[token (n, t)], [batch × {node.Shape.Steps}] ids → {node.Shape} time-major; 0 past each sample's length");
            context.Writer.Call("global::ModelGen.Ops.EmbeddingOp.Forward<T>", context.Value(node.Inputs[0]), context.Parameter(Of(node).Weight), context.Value(node.Id),
                context.Lengths, "batch", "steps", Int(node.Shape.Steps), Int(node.Width));
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            if (Of(node).Distinct)
            {
                string? written = WrittenRowsField(context.Model, node);
                context.Writer.Line($"// {node.Name}: dE[token of slot u] += dy of row u (the layers summed each token's positions), 0 for the rest"
                    + (written is null ? "" : " (clearing only the rows the last backward wrote)"));
                var arguments = new List<string>
                    { DistinctTokens(context, node), context.Gradient(node.Id), context.ParameterGradient(Of(node).Weight), Int(node.Width) };
                if (written is not null)
                    arguments.Add(written);
                context.Writer.Call("global::ModelGen.Ops.EmbeddingOp.BackwardDistinct<T>", arguments.ToArray());
                return;
            }
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
