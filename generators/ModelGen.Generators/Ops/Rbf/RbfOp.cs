using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Gaussian RBF units, emission (rules: RbfRules.cs; runtime: src/ModelGen/Ops/RbfOp.cs). The forward pass keeps the
    /// squared distances (it needs them at inference too, as scratch); the parameter-gradient step reads them with the
    /// output and leaves g = ∂L/∂d in a second scratch, which the input-gradient step (it runs after) turns into dx.
    /// CPU only for now (MG0032 says so).
    /// </summary>
    internal sealed class RbfOp : OpDefinition
    {
        public static readonly RbfOp Instance = new RbfOp();

        private static RbfAttributes Of(OpNode node) => (RbfAttributes)node.Attributes;

        public override int[] Parameters(OpNode node) => new[] { Of(node).Centres, Of(node).LogWidths };

        public override string? Describe(OpNode node) => "RBF units";

        public override SavedBuffer[] SavedBuffers(OpNode node) => new[]
        {
            new SavedBuffer("Distances", node.Width, PerSample: true, "‖x − c_j‖² of " + node.Name, Inference: true),
            new SavedBuffer("DistanceGradient", node.Width, PerSample: true, "∂loss/∂‖x − c_j‖² of " + node.Name),
        };

        private static string Saved(EmitContext context, OpNode node, int which) => context.Saved(node, Instance.SavedBuffers(node)[which]);

        private static int Inputs(EmitContext context, OpNode node) => context.Program.Model.Nodes[node.Inputs[0]].Width;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            RbfAttributes rbf = Of(node);
            context.Writer.Line($"// {node.Name}: exp(−‖x − c_j‖²/σ_j²) for {node.Width} centres, the distances from one GEMM");
            context.Writer.Call("global::ModelGen.Ops.RbfOp.Forward<T>", context.Value(node.Inputs[0]), context.Parameter(rbf.Centres), context.Parameter(rbf.LogWidths),
                Saved(context, node, 0), context.Value(node.Id), context.Rows(node), Int(Inputs(context, node)), Int(node.Width));
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            RbfAttributes rbf = Of(node);
            context.Writer.Line($"// {node.Name}: g = −dy ⊙ h/σ², then dC = 2(c·Σ_n g − Xᵀg), d log σ = −2 Σ_n g ⊙ d (g kept for dx)");
            context.Writer.Call("global::ModelGen.Ops.RbfOp.BackwardParameters<T>", context.Value(node.Inputs[0]), context.Parameter(rbf.Centres), context.Parameter(rbf.LogWidths),
                Saved(context, node, 0), context.Value(node.Id), context.Gradient(node.Id), Saved(context, node, 1),
                context.ParameterGradient(rbf.Centres), context.ParameterGradient(rbf.LogWidths), context.Rows(node), Int(Inputs(context, node)), Int(node.Width));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dx = 2(x·Σ_j g − g·Cᵀ)");
            context.Writer.Call("global::ModelGen.Ops.RbfOp.BackwardInput<T>", context.Value(node.Inputs[0]), context.Parameter(Of(node).Centres), Saved(context, node, 1), target,
                context.Rows(node), Int(Inputs(context, node)), Int(node.Width));
        }
    }
}
