using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Batch normalization, emission (rules: BatchNormRules.cs; runtime: src/ModelGen/Ops/BatchNormOp.cs). Training
    /// saves x̂ ([batch × width]), the batch mean and 1/√(σ² + ε) for backward and for the running update; inference
    /// reads the running estimates from the state buffer and saves nothing.
    /// </summary>
    internal sealed class BatchNormOp : OpDefinition
    {
        public static readonly BatchNormOp Instance = new BatchNormOp();

        public override int[] Parameters(OpNode node) => new[] { Of(node).Scale, Of(node).Shift };

        public override bool AllowsInPlaceSuccessor => true;

        public override bool HasTrainingMode => true;

        public override bool NeedsBatchStatistics => true;

        public override string? Describe(OpNode node) => "batch norm";

        private static BatchNormAttributes Of(OpNode node) => (BatchNormAttributes)node.Attributes;

        public override SavedBuffer[] SavedBuffers(OpNode node) => new[]
        {
            new SavedBuffer("Normalized", node.Width, PerSample: true, "x̂ of " + node.Name),
            new SavedBuffer("BatchMean", node.Width, PerSample: false, "batch mean of " + node.Name),
            new SavedBuffer("BatchInverseDeviation", node.Width, PerSample: false, "1/√(σ² + ε) of " + node.Name),
        };

        private static string Saved(EmitContext context, OpNode node, int which) => context.Saved(node, Instance.SavedBuffers(node)[which]);

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            string input = context.Value(node.Inputs[0]), output = context.Value(node.Id), epsilon = context.Constant(node.Name + "Epsilon", norm.Epsilon);
            string gamma = context.Parameter(norm.Scale), beta = context.Parameter(norm.Shift);
            context.Writer.Line($"// {node.Name}: batch normalization over [batch × {node.Width}], batch statistics while training, running ones at inference");
            context.Writer.Open("if (training)");
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.ForwardTraining<T>", input, Saved(context, node, 0), output, gamma, beta,
                Saved(context, node, 1), Saved(context, node, 2), "batch", Int(node.Width), epsilon);
            context.Writer.Close();
            context.Writer.Open("else");
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.ForwardInference<T>", input, output, gamma, beta,
                context.Parameter(norm.RunningMean), context.Parameter(norm.RunningVariance), "batch", Int(node.Width), epsilon);
            context.Writer.Close();
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dγ = Σ dy ⊙ x̂, dβ = Σ dy");
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.BackwardParameters<T>", Saved(context, node, 0), context.Gradient(node.Id),
                context.ParameterGradient(norm.Scale), context.ParameterGradient(norm.Shift), "batch", Int(node.Width));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dx = γ/(N·σ) · (N·dy − dβ − x̂ ⊙ dγ)");
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.BackwardInput<T>", Saved(context, node, 0), context.Gradient(node.Id), context.Parameter(norm.Scale),
                Saved(context, node, 2), context.ParameterGradient(norm.Scale), context.ParameterGradient(norm.Shift), target, "batch", Int(node.Width));
        }

        public override void EmitTrainingStepEnd(EmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.UpdateRunningStatistics<T>", Saved(context, node, 1), Saved(context, node, 2),
                context.Parameter(norm.RunningMean), context.Parameter(norm.RunningVariance), "batch", context.Constant(node.Name + "Momentum", norm.Momentum), context.Constant(node.Name + "Epsilon", norm.Epsilon));
        }
    }
}
