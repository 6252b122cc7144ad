using System.Collections.Generic;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// One direction of a recurrent layer, emission (rules: RecurrentRules.cs; runtime: src/ModelGen/Ops/RecurrentOp.cs and
    /// RecurrentCells.cs). Time-major throughout: row t·batch + n.
    ///   forward   G = X·W_ihᵀ for every step (one GEMM); per step R = h_{t−1}·W_hhᵀ (one GEMM), then the cell's fused gate math
    ///   backward  BPTT from the last step to the first: the cell's gate gradients dG_t, dh_{t−1} += dG_t·W_hh per step;
    ///             then dW_ih = dGᵀ·X, dW_hh = dG_{t}ᵀ·h_{t−1} and dX = dG·W_ih, each one GEMM over every step
    /// Without ReturnSequences the node's value is the last real step's state, read from the kept sequence.
    /// Fed by a folded embedding (DistinctTokenInput; Graph/TokenProjectionFolder.cs) the input is the batch's distinct-token
    /// rows: G is projected once per token and each position's cell reads its token's row; backward sums dG per token, then
    /// dW_ih and the rows' gradient are GEMMs over the distinct tokens.
    /// </summary>
    internal sealed class RecurrentOp : OpDefinition
    {
        public static readonly RecurrentOp Instance = new RecurrentOp();

        public override int[] Parameters(OpNode node) => new[] { Of(node).InputWeight, Of(node).HiddenWeight, Of(node).InputBias, Of(node).HiddenBias };

        public override string GraphSettings(OpNode node)
        {
            RecurrentAttributes recurrent = Of(node);
            return $", cell: global::ModelGen.RecurrentCell.{recurrent.Cell}"
                + (recurrent.Cell == CellKind.SimpleRnn ? $", activation: global::ModelGen.Activation.{recurrent.Activation}" : "")
                + (recurrent.Activation == ActivationKind.LeakyReLU ? $", negativeSlope: {CodeWriter.Literal(recurrent.NegativeSlope)}f" : "")
                + $", reverse: {(recurrent.Reverse ? "true" : "false")}, returnSequences: {(recurrent.ReturnSequences ? "true" : "false")}";
        }

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => Of(node).Cell.ToString();

        private static RecurrentAttributes Of(OpNode node) => (RecurrentAttributes)node.Attributes;

        // Step buffers hold the declared length; each call uses the prefix its longest sample needs.
        // Backpropagation through time writes each row's gate gradients over the gates it has just read (the cells read a
        // row's gates before they write its gradients, and nothing reads the gates after): a second [steps × batch × G·H]
        // buffer would be one more to bring in from memory (LSTM classifier step, two Xeon cores: ~45 µs).
        private static SavedBuffer Gates(OpNode node)
            => new SavedBuffer("Gates", Of(node).GateCount * Of(node).Units, true, "gates of " + node.Name + ", then ∂loss/∂gates", Of(node).SequenceLength, Inference: true);

        private static SavedBuffer Cells(OpNode node)
            => new SavedBuffer("Cells", Of(node).Units, true, (Of(node).Cell == CellKind.Lstm ? "cell states c_t of " : "h·W_hnᵀ + b_hn of ") + node.Name,
                Of(node).SequenceLength, Inference: true);

        private static SavedBuffer Recurrent(OpNode node)
            => new SavedBuffer("Recurrent", Of(node).GateCount * Of(node).Units, true, "h_{t−1}·W_hhᵀ of one step of " + node.Name, 0, Inference: true);

        private static SavedBuffer Sequence(OpNode node)
            => new SavedBuffer("Sequence", Of(node).Units, true, "hidden state at every step of " + node.Name, Of(node).SequenceLength, Inference: true);

        private static SavedBuffer HiddenGateGradient(OpNode node)
            => new SavedBuffer("HiddenGateGradient", Of(node).GateCount * Of(node).Units, true, "∂loss/∂(h-side gates) of " + node.Name, Of(node).SequenceLength);

        private static SavedBuffer Projection(OpNode node)
            => new SavedBuffer("Projection", Of(node).GateCount * Of(node).Units, true, "x·W_ihᵀ of each distinct token, then Σ dG per token, of " + node.Name,
                Of(node).SequenceLength, Inference: true);

        private static SavedBuffer CellCarry(OpNode node)
            => new SavedBuffer("CellCarry", Of(node).Units, true, "∂loss/∂c carried between steps of " + node.Name);

        public override SavedBuffer[] SavedBuffers(OpNode node)
        {
            RecurrentAttributes recurrent = Of(node);
            var buffers = new List<SavedBuffer> { Gates(node) };
            if (recurrent.Cell != CellKind.SimpleRnn)
                buffers.Add(Cells(node));
            buffers.Add(Recurrent(node));
            if (recurrent.DistinctTokenInput)
                buffers.Add(Projection(node));
            if (!recurrent.ReturnSequences)
                buffers.Add(Sequence(node));
            if (recurrent.Cell == CellKind.Gru)
                buffers.Add(HiddenGateGradient(node));
            if (recurrent.Cell == CellKind.Lstm)
                buffers.Add(CellCarry(node));
            return buffers.ToArray();
        }

        private static string CellType(OpNode node) => Of(node).Cell switch
        {
            CellKind.Lstm => "global::ModelGen.Ops.LstmCell",
            CellKind.Gru => "global::ModelGen.Ops.GruCell",
            _ => $"global::ModelGen.Ops.SimpleRnnCell<{ActivationOp.RuntimeType(Of(node).Activation)}>",
        };

        private static string Slope(EmitContext context, OpNode node)
            => Of(node).Activation == ActivationKind.LeakyReLU ? context.Constant(node.Name + "NegativeSlope", Of(node).NegativeSlope) : "T.Zero";

        private static string Direction(OpNode node) => Of(node).Reverse ? "reverse: true" : "reverse: false";

        private static string HiddenSequence(EmitContext context, OpNode node)
            => Of(node).ReturnSequences ? context.Value(node.Id) : context.Saved(node, Sequence(node));

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            RecurrentAttributes recurrent = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            context.Writer.Line($"// {node.Name}: {recurrent.Cell}{(recurrent.Cell == CellKind.SimpleRnn ? $"({recurrent.Activation})" : "")} over {input.Shape}, "
                + $"{(recurrent.Reverse ? "last step to first" : "first step to last")}; "
                + (recurrent.DistinctTokenInput ? "G = E[token]·W_ihᵀ once per distinct token (one GEMM), each position reading its token's row" : "G = X·W_ihᵀ in one GEMM")
                + ", then per step h_{t−1}·W_hhᵀ and the fused gate math");
            string cells = recurrent.Cell == CellKind.SimpleRnn ? "global::System.Span<T>.Empty" : context.Saved(node, Cells(node));
            if (recurrent.DistinctTokenInput)
                context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.ForwardDistinct<T, {CellType(node)}>",
                    EmbeddingOp.DistinctTokens(context, input), context.Value(input.Id), context.Parameter(recurrent.InputWeight), context.Parameter(recurrent.HiddenWeight),
                    context.Parameter(recurrent.InputBias), context.Parameter(recurrent.HiddenBias), HiddenSequence(context, node),
                    context.Saved(node, Gates(node)), cells, context.Saved(node, Recurrent(node)), context.Saved(node, Projection(node)),
                    context.Lengths, "batch", "steps", Int(input.Width), Int(recurrent.Units), Direction(node), Slope(context, node));
            else
                context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.Forward<T, {CellType(node)}>",
                    context.Value(input.Id), context.Parameter(recurrent.InputWeight), context.Parameter(recurrent.HiddenWeight),
                    context.Parameter(recurrent.InputBias), context.Parameter(recurrent.HiddenBias), HiddenSequence(context, node),
                    context.Saved(node, Gates(node)), cells,
                    context.Saved(node, Recurrent(node)), context.Lengths, "batch", "steps", Int(input.Width), Int(recurrent.Units), Direction(node), Slope(context, node));
            if (!recurrent.ReturnSequences)
            {
                context.Writer.Line($"// {node.Name}: the state after each sample's {(recurrent.Reverse ? "first step (where the reverse sweep ends)" : "last real step")}");
                context.Writer.Call("global::ModelGen.Ops.RecurrentOp.LastState<T>", HiddenSequence(context, node), context.Value(node.Id), context.Lengths, "batch",
                    Int(recurrent.Units), Direction(node));
            }
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            RecurrentAttributes recurrent = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            // Without ReturnSequences ∂loss/∂h comes from the last state alone: the sweep keeps it for the two steps it is between.
            string hiddenGradient = recurrent.ReturnSequences ? context.Gradient(node.Id) : "global::System.Span<T>.Empty";
            string hiddenGates = recurrent.Cell == CellKind.Gru ? context.Saved(node, HiddenGateGradient(node)) : "global::System.Span<T>.Empty";
            string cells = recurrent.Cell == CellKind.SimpleRnn ? "global::System.Span<T>.Empty" : context.Saved(node, Cells(node));
            context.Writer.Line($"// {node.Name}: backpropagation through time{(recurrent.ReturnSequences ? "" : " from the last state's gradient")}, "
                + $"{(recurrent.Reverse ? "first step to last" : "last step to first")}: gate gradients dG_t over the gates, dh_{{t−1}} += dG_t·W_hh");
            var arguments = new List<string>
            {
                hiddenGradient, context.Parameter(recurrent.HiddenWeight), HiddenSequence(context, node), context.Saved(node, Gates(node)), cells,
                context.Saved(node, Gates(node)), hiddenGates, recurrent.Cell == CellKind.Lstm ? context.Saved(node, CellCarry(node)) : "global::System.Span<T>.Empty",
                context.Lengths, "batch", "steps", Int(recurrent.Units), Direction(node), Slope(context, node),
            };
            if (!recurrent.ReturnSequences)
                arguments.Add("lastStateGradient: " + context.Gradient(node.Id));
            context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.BackwardThroughTime<T, {CellType(node)}>", arguments.ToArray());
            if (recurrent.DistinctTokenInput)
            {
                context.Writer.Line($"// {node.Name}: dW_hh = dG_tᵀ·h_{{t−1}}, db = Σ dG; dG summed per distinct token, dW_ih = (Σ dG)ᵀ·E[token]");
                context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.BackwardParametersDistinct<T, {CellType(node)}>",
                    EmbeddingOp.DistinctTokens(context, input), context.Value(input.Id), HiddenSequence(context, node), context.Saved(node, Gates(node)), hiddenGates,
                    context.Saved(node, Projection(node)), context.ParameterGradient(recurrent.InputWeight), context.ParameterGradient(recurrent.HiddenWeight),
                    context.ParameterGradient(recurrent.InputBias), context.ParameterGradient(recurrent.HiddenBias),
                    "batch", "steps", Int(input.Width), Int(recurrent.Units), Direction(node));
                return;
            }
            context.Writer.Line($"// {node.Name}: dW_ih = dGᵀ·X, dW_hh = dG_tᵀ·h_{{t−1}}, db = Σ dG, per core over its own samples");
            context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.BackwardParameters<T, {CellType(node)}>",
                context.Value(input.Id), HiddenSequence(context, node), context.Saved(node, Gates(node)), hiddenGates,
                context.ParameterGradient(recurrent.InputWeight), context.ParameterGradient(recurrent.HiddenWeight),
                context.ParameterGradient(recurrent.InputBias), context.ParameterGradient(recurrent.HiddenBias),
                "batch", "steps", Int(input.Width), Int(recurrent.Units), Direction(node));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            RecurrentAttributes recurrent = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            if (recurrent.DistinctTokenInput)
            {
                context.Writer.Line($"// {node.Name}: d(row of token u) {(accumulate ? "+=" : "=")} (Σ dG over its positions)·W_ih for every distinct token at once");
                context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.BackwardInputDistinct<T, {CellType(node)}>",
                    EmbeddingOp.DistinctTokens(context, input), context.Saved(node, Gates(node)), context.Saved(node, Projection(node)),
                    context.Parameter(recurrent.InputWeight), target,
                    Int(input.Width), Int(recurrent.Units), accumulate ? "accumulate: true" : "accumulate: false");
                return;
            }
            context.Writer.Line($"// {node.Name}: dX {(accumulate ? "+=" : "=")} dG·W_ih for every step at once");
            context.Writer.Call($"global::ModelGen.Ops.RecurrentOp.BackwardInput<T, {CellType(node)}>",
                context.Saved(node, Gates(node)), context.Parameter(recurrent.InputWeight), target, "batch", "steps",
                Int(input.Width), Int(recurrent.Units), accumulate ? "accumulate: true" : "accumulate: false");
        }
    }
}
