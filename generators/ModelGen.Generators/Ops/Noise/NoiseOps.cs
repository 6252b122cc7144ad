using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Additive Gaussian noise, emission (rules: NoiseRules.cs; runtime: GaussianNoiseOp in src/ModelGen/Ops/NoiseOps.cs).
    /// The noise is drawn from (seed, step, stream) while training and skipped at inference; backward passes dy through.
    /// The devices draw the same uniforms from the same keys (ILGPU computes the key per call; HLSL reads it from the
    /// op's scalar slot, which the host sets per step as dropout's).
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

        public override bool HasDeviceKernels(OpNode node) => true;

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: + N(0, {CodeWriter.Literal(Of(node).Deviation)}²) while training; a copy at inference");
            context.Writer.Call("GaussianNoiseForward", context.Value(node.Inputs[0]), context.Value(node.Id), CodeWriter.Float(Of(node).Deviation), $"stream: {Int(Of(node).Stream)}", "training");
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dx = dy");
            context.Writer.Call("GaussianNoiseBackward", context.Gradient(node.Id), target);
        }

        public override bool HasShaders(OpNode node) => true;

        public override string ShaderStepSetup(ShaderEmitContext context, OpNode node) => NoiseShaders.StepSetup(context, node, Of(node).Stream);

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor x = context.Value(node.Inputs[0]), y = context.Value(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), $"y = x + N(0, {CodeWriter.Literal(Of(node).Deviation)}²) while training (Training = 1), a copy otherwise",
                new[] { "x: " + x.Description, "y: " + y.Description, NoiseShaders.KeySlot(context, node) }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{y.At("i")} = Training != 0u ? {x.At("i")} + {Hlsl.Float(Of(node).Deviation)} * Normal(i) : {x.At("i")};", NoiseShaders.Functions(context, node));
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor dy = context.Gradient(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), "dx = dy", new[] { "dy: " + dy.Description, "dx: " + target.Description },
                $"Batch * {node.Width}u", $"batch * {node.Width}L", $"{target.At("i")} {(accumulate ? "+=" : "=")} {dy.At("i")};");
        }
    }

    /// <summary>
    /// Randomized leaky ReLU, emission (runtime: RReLUOp in src/ModelGen/Ops/NoiseOps.cs). Backward reads the input and
    /// draws the forward pass's slopes again from (seed, step, stream), on the CPU and the devices alike.
    /// </summary>
    internal sealed class RReLUOp : OpDefinition
    {
        public static readonly RReLUOp Instance = new RReLUOp();

        public override bool HasTrainingMode => true;

        public override bool UsesSeed => true;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => "RReLU";

        /// <summary>At inference RReLU is a leaky ReLU with the mean slope: exporters read it from the graph.</summary>
        public override string GraphSettings(OpNode node) => $", negativeSlope: {CodeWriter.Literal((Of(node).Lower + Of(node).Upper) / 2)}f";

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

        public override bool HasDeviceKernels(OpNode node) => true;

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            RReLUAttributes rrelu = Of(node);
            context.Writer.Line($"// {node.Name}: slopes drawn from [{CodeWriter.Literal(rrelu.Lower)}, {CodeWriter.Literal(rrelu.Upper)}] while training, their mean at inference");
            context.Writer.Call("RReLUForward", context.Value(node.Inputs[0]), context.Value(node.Id), CodeWriter.Float(rrelu.Lower), CodeWriter.Float(rrelu.Upper),
                $"stream: {Int(rrelu.Stream)}", "training");
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            RReLUAttributes rrelu = Of(node);
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ (z > 0 ? 1 : a), the forward pass's slopes drawn again");
            context.Writer.Call("RReLUBackward", context.Value(node.Inputs[0]), context.Gradient(node.Id), target, CodeWriter.Float(rrelu.Lower), CodeWriter.Float(rrelu.Upper),
                $"stream: {Int(rrelu.Stream)}");
        }

        public override bool HasShaders(OpNode node) => true;

        public override string ShaderStepSetup(ShaderEmitContext context, OpNode node) => NoiseShaders.StepSetup(context, node, Of(node).Stream);

        /// <summary>The slope of element i: this step's draw when <c>training</c>, else the mean.</summary>
        private static string Slope(OpNode node, string training)
            => $"({training} ? {Hlsl.Float(Of(node).Lower)} + {Hlsl.Float(Of(node).Upper - Of(node).Lower)} * Uniform(Key(), i) : {Hlsl.Float((Of(node).Lower + Of(node).Upper) / 2)})";

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), y = context.Value(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), "y = z > 0 ? z : a·z, a drawn per element while training (Training = 1), the mean otherwise",
                new[] { "z: " + z.Description, "y: " + y.Description, NoiseShaders.KeySlot(context, node) }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"float value = {z.At("i")};\n{y.At("i")} = value > 0.0f ? value : {Slope(node, "Training != 0u")} * value;", NoiseShaders.Functions(context, node));
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), dy = context.Gradient(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), "dz = dy ⊙ (z > 0 ? 1 : a), the forward pass's slopes drawn again",
                new[] { "z: " + z.Description, "dy: " + dy.Description, "dz: " + target.Description, NoiseShaders.KeySlot(context, node) }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{target.At("i")} {(accumulate ? "+=" : "=")} {z.At("i")} > 0.0f ? {dy.At("i")} : {Slope(node, "true")} * {dy.At("i")};", NoiseShaders.Functions(context, node));
        }
    }

    /// <summary>HLSL shared by the noise ops: the step key in the op's scalar slot, the counter hash, uniforms and normals (ModelGen.Ops.CounterRandom's).</summary>
    internal static class NoiseShaders
    {
        /// <summary>The host call that writes this step's key into the op's first slot (the threshold slot stays unused).</summary>
        public static string StepSetup(ShaderEmitContext context, OpNode node, int stream) => $"SetDropout({context.DropoutSlot(node)}, 0f, stream: {CodeWriter.Int(stream)});";

        public static string KeySlot(ShaderEmitContext context, OpNode node) => $"Scalars[{context.DropoutSlot(node)}]: this step's key (as bits), set by the host";

        public static string Functions(ShaderEmitContext context, OpNode node)
            => "// This step's key, and MurmurHash3's finalizer of key + i·φ as on the CPU; uniforms (top 24 bits + ½)·2⁻²⁴ in (0, 1).\n" +
                $"uint Key()\n{{\n    return asuint(Scalars[{context.DropoutSlot(node)}]);\n}}\n\n" +
                "float Uniform(uint key, uint i)\n{\n    uint h = key + i * 0x9E3779B9u;\n    h = (h ^ (h >> 16)) * 0x85EBCA6Bu;\n    h = (h ^ (h >> 13)) * 0xC2B2AE35u;\n    h ^= h >> 16;\n" +
                "    return ((float)(h >> 8) + 0.5f) * (1.0f / 16777216.0f);\n}\n\n" +
                "// Box–Muller, the cosine branch: √(−2 ln u₁)·cos 2πu₂, u₂ from the key xor 0x5BD1E995.\n" +
                "float Normal(uint i)\n{\n    return sqrt(-2.0f * log(Uniform(Key(), i))) * cos(6.28318530717958647692f * Uniform(Key() ^ 0x5BD1E995u, i));\n}\n\n";
    }
}
