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

        // Shaders (HLSL, ModelGen.Vulkan): the host writes this step's key and threshold (the CPU path's) into two scalar
        // slots; forward and backward hash them per element as the CPU does. The Training push constant selects the copy.

        public override bool HasShaders(OpNode node) => true;

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor x = context.Value(node.Inputs[0]), y = context.Value(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), $"rate {CodeWriter.Literal(Of(node).Rate)} inverted dropout while training (Training = 1), a copy otherwise",
                new[] { "x: " + x.Description, "y: " + y.Description, Slots(context, node) }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{y.At("i")} = Training != 0u ? Masked({x.At("i")}, i) : {x.At("i")};", MaskFunction(context, node));
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor dy = context.Gradient(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), "dx = dy ⊙ mask / (1 − rate), the forward pass's mask recomputed",
                new[] { "dy: " + dy.Description, "dx: " + target.Description, Slots(context, node) }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{target.At("i")} = Masked({dy.At("i")}, i);", MaskFunction(context, node));
        }

        private static string Slots(ShaderEmitContext context, OpNode node)
            => $"Scalars[{context.DropoutSlot(node)}], Scalars[{context.DropoutSlot(node) + 1}]: this step's mask key and threshold (as bits), set by the host";

        private static string MaskFunction(ShaderEmitContext context, OpNode node)
        {
            int slot = context.DropoutSlot(node);
            return "// MurmurHash3's finalizer of key + i·φ: element i is kept when its hash reaches the threshold (rate · 2³²).\n" +
                "float Masked(float value, uint i)\n{\n" +
                $"    uint h = asuint(Scalars[{slot}]) + i * 0x9E3779B9u;\n" +
                "    h = (h ^ (h >> 16)) * 0x85EBCA6Bu;\n" +
                "    h = (h ^ (h >> 13)) * 0xC2B2AE35u;\n" +
                "    h ^= h >> 16;\n" +
                $"    return h >= asuint(Scalars[{slot + 1}]) ? value * {Hlsl.Float(1f / (1f - Of(node).Rate))} : 0.0f;\n}}\n\n";
        }

        /// <summary>The per-step host call that sets the node's key and threshold.</summary>
        public override string ShaderStepSetup(ShaderEmitContext context, OpNode node)
            => $"SetDropout({context.DropoutSlot(node)}, {CodeWriter.Float(Of(node).Rate)}, stream: {Int(Of(node).Stream)});";
    }
}
