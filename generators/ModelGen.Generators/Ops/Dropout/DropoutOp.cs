using System.Globalization;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Inverted dropout, emission (runtime: src/ModelGen/Ops/DropoutOp.cs). Forward masks and rescales while training
    /// and copies at inference; backward recomputes the same mask from (seed, step, stream), so no mask is stored. The
    /// stream is a hash of the layer name (GraphBuilder.StreamOf), so adding a layer elsewhere leaves every mask as it was.
    /// </summary>
    internal sealed class DropoutOp : OpDefinition
    {
        public static readonly DropoutOp Instance = new DropoutOp();

        public override bool HasTrainingMode => true;

        public override bool UsesSeed => true;

        public override string? Describe(OpNode node) => "dropout";

        private static DropoutAttributes Of(OpNode node) => (DropoutAttributes)node.Attributes;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            DropoutAttributes dropout = Of(node);
            string scale = (1 / (1 - (double)dropout.Rate)).ToString("0.###", CultureInfo.InvariantCulture);
            context.Writer.Line($"// {node.Name}: rate {CodeWriter.Literal(dropout.Rate)} while training (kept units × {scale}); a copy at inference");
            context.Writer.Call("global::ModelGen.Ops.DropoutOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Constant(node.Name + "Rate", dropout.Rate),
                "_seed", "_step", $"stream: {Int(dropout.Stream)}", "training");
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            DropoutAttributes dropout = Of(node);
            context.Writer.Line($"// {node.Name}: backward, the forward mask recomputed from (seed, step, stream)");
            context.Writer.Call("global::ModelGen.Ops.DropoutOp.Backward<T>", context.Gradient(node.Id), target, context.Constant(node.Name + "Rate", dropout.Rate),
                "_seed", "_step", $"stream: {Int(dropout.Stream)}");
        }

        // GPU (ModelGen.Gpu): one element-wise kernel hashing the same (seed, step, stream) keys, so the masks are the CPU path's.

        public override bool HasDeviceKernels(OpNode node) => true;

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            DropoutAttributes dropout = Of(node);
            context.Writer.Line($"// {node.Name}: rate {CodeWriter.Literal(dropout.Rate)} while training; a copy at inference");
            context.Writer.Call("DropoutForward", context.Value(node.Inputs[0]), context.Value(node.Id), CodeWriter.Float(dropout.Rate), $"stream: {Int(dropout.Stream)}", "training");
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            DropoutAttributes dropout = Of(node);
            context.Writer.Line($"// {node.Name}: backward, the forward mask recomputed from (seed, step, stream)");
            context.Writer.Call("DropoutBackward", context.Gradient(node.Id), target, CodeWriter.Float(dropout.Rate), $"stream: {Int(dropout.Stream)}");
        }
    }
}
