using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Additive Gaussian noise, emission (rules: NoiseRules.cs; runtime: GaussianNoiseOp in src/ModelGen/Ops/NoiseOps.cs).
    /// The noise is drawn from (seed, step, stream) while training and skipped at inference; backward passes dy through.
    /// CPU only for now: a model with it gets no GPU or Vulkan network (MG0032 says so).
    /// </summary>
    internal sealed class GaussianNoiseOp : OpDefinition
    {
        public static readonly GaussianNoiseOp Instance = new GaussianNoiseOp();

        public override bool HasTrainingMode => true;

        public override bool UsesSeed => true;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => "Gaussian noise";

        private static GaussianNoiseAttributes Of(OpNode node) => (GaussianNoiseAttributes)node.Attributes;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            GaussianNoiseAttributes noise = Of(node);
            context.Writer.Line($"// {node.Name}: + N(0, {CodeWriter.Literal(noise.Deviation)}²) per element while training; a copy at inference");
            context.Writer.Call("global::ModelGen.Ops.GaussianNoiseOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Id),
                context.Constant(node.Name + "Deviation", noise.Deviation), "_seed", "_step", $"stream: {Int(noise.Stream)}", "training");
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dx = dy (the noise does not depend on x){(accumulate ? ", added: the input fans out" : "")}");
            context.Writer.Call("global::ModelGen.Ops.GaussianNoiseOp.Backward<T>", context.Gradient(node.Id), target, accumulate ? "accumulate: true" : "accumulate: false");
        }
    }

    /// <summary>
    /// Randomized leaky ReLU, emission (runtime: RReLUOp in src/ModelGen/Ops/NoiseOps.cs). Backward reads the input and
    /// draws the forward pass's slopes again from (seed, step, stream). CPU only for now (MG0032 says so).
    /// </summary>
    internal sealed class RReLUOp : OpDefinition
    {
        public static readonly RReLUOp Instance = new RReLUOp();

        public override bool HasTrainingMode => true;

        public override bool UsesSeed => true;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => "RReLU";

        private static RReLUAttributes Of(OpNode node) => (RReLUAttributes)node.Attributes;

        private static string[] Range(EmitContext context, OpNode node)
            => new[] { context.Constant(node.Name + "Lower", Of(node).Lower), context.Constant(node.Name + "Upper", Of(node).Upper) };

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            RReLUAttributes rrelu = Of(node);
            context.Writer.Line($"// {node.Name}: z > 0 ? z : a·z, a ~ U[{CodeWriter.Literal(rrelu.Lower)}, {CodeWriter.Literal(rrelu.Upper)}] per element while training, their mean at inference");
            context.Writer.Call("global::ModelGen.Ops.RReLUOp.Forward<T>", new[] { context.Value(node.Inputs[0]), context.Value(node.Id) }.Concat(Range(context, node))
                .Concat(new[] { "_seed", "_step", $"stream: {Int(rrelu.Stream)}", "training" }).ToArray());
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ (z > 0 ? 1 : a), the forward pass's slopes drawn again{(accumulate ? ", added: the input fans out" : "")}");
            context.Writer.Call("global::ModelGen.Ops.RReLUOp.Backward<T>", new[] { context.Value(node.Inputs[0]), context.Gradient(node.Id), target }.Concat(Range(context, node))
                .Concat(new[] { "_seed", "_step", $"stream: {Int(Of(node).Stream)}", accumulate ? "accumulate: true" : "accumulate: false" }).ToArray());
        }
    }
}
