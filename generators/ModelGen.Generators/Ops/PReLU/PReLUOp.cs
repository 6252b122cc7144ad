using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Parametric ReLU, emission (rules: PReLURules.cs; runtime kernels: src/ModelGen/Ops/PReLUOp.cs). Both backward
    /// passes read the input z, so the op writes its own output buffer and nothing runs in place on its input. On the
    /// devices: an element-wise kernel each way and one thread per slope for its gradient (ILGPU and HLSL alike).
    /// </summary>
    internal sealed class PReLUOp : OpDefinition
    {
        public static readonly PReLUOp Instance = new PReLUOp();

        private static PReLUAttributes Of(OpNode node) => (PReLUAttributes)node.Attributes;

        public override int[] Parameters(OpNode node) => new[] { Of(node).Slope };

        public override bool AccumulatesInputGradient => true;

        public override bool HasDeviceKernels(OpNode node) => true;

        public override bool HasShaders(OpNode node) => true;

        public override string? Describe(OpNode node) => "PReLU";

        private static string[] Geometry(EmitContext context, OpNode node) => new[] { context.Rows(node), Int(Of(node).Channels), Int(Of(node).Spatial) };

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: z > 0 ? z : a·z, {(prelu.Channels == 1 ? "one shared slope" : prelu.Spatial == 1 ? "a slope per feature" : "a slope per channel")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.Forward<T>",
                new[] { context.Value(node.Inputs[0]), context.Value(node.Id), context.Parameter(prelu.Slope) }.Concat(Geometry(context, node)).ToArray());
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: da = Σ dy ⊙ min(z, 0) over the batch{(prelu.Spatial > 1 ? " and positions" : "")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.BackwardSlopes<T>",
                new[] { context.Value(node.Inputs[0]), context.Gradient(node.Id), context.ParameterGradient(prelu.Slope) }.Concat(Geometry(context, node)).ToArray());
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ (z > 0 ? 1 : a){(accumulate ? " (added: the input fans out)" : "")}");
            context.Writer.Call("global::ModelGen.Ops.PReLUOp.BackwardInput<T>",
                new[] { context.Value(node.Inputs[0]), context.Gradient(node.Id), target, context.Parameter(prelu.Slope) }.Concat(Geometry(context, node))
                    .Concat(new[] { accumulate ? "accumulate: true" : "accumulate: false" }).ToArray());
        }

        // GPU (ModelGen.Gpu): the geometry is the CPU call's; the input-gradient kernel overwrites (fan-out takes the partial path).

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: z > 0 ? z : a·z");
            context.Writer.Call("PReLUForward", context.Value(node.Inputs[0]), context.Value(node.Id), context.Parameter(prelu.Slope), Int(prelu.Channels), Int(prelu.Spatial));
        }

        public override void EmitDeviceParameterGradient(DeviceEmitContext context, OpNode node)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: da = Σ dy ⊙ min(z, 0), one thread per slope");
            context.Writer.Call("PReLUSlopeGradient", context.Value(node.Inputs[0]), context.Gradient(node.Id), context.ParameterGradient(prelu.Slope), "batch",
                Int(prelu.Channels), Int(prelu.Spatial));
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            PReLUAttributes prelu = Of(node);
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ (z > 0 ? 1 : a)");
            context.Writer.Call("PReLUInputGradient", context.Value(node.Inputs[0]), context.Gradient(node.Id), target, context.Parameter(prelu.Slope), Int(prelu.Channels), Int(prelu.Spatial));
        }

        // Shaders (HLSL, ModelGen.Vulkan): the same three passes.

        private static string Channel(OpNode node) => $"(i / {Of(node).Spatial}u) % {Of(node).Channels}u";

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), y = context.Value(node.Id), a = context.Parameter(Of(node).Slope);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), "y = z > 0 ? z : a·z, a per channel", new[] { "z: " + z.Description, "y: " + y.Description, "a: " + a.Description },
                $"Batch * {node.Width}u", $"batch * {node.Width}L", $"float value = {z.At("i")};\n{y.At("i")} = value > 0.0f ? value : {a.At(Channel(node))} * value;");
        }

        public override void EmitShaderParameterGradient(ShaderEmitContext context, OpNode node)
        {
            PReLUAttributes prelu = Of(node);
            ShaderTensor z = context.Value(node.Inputs[0]), dy = context.Gradient(node.Id), da = context.ParameterGradient(prelu.Slope);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "SlopeGradient"), "da = Σ dy ⊙ min(z, 0), one thread per slope, rows and positions in order",
                new[] { "z: " + z.Description, "dy: " + dy.Description, "da: " + da.Description }, $"{prelu.Channels}u", Int(prelu.Channels) + "L",
                $"float sum = 0.0f;\nfor (uint row = 0u; row < Batch; row++)\n    for (uint p = 0u; p < {prelu.Spatial}u; p++)\n    {{\n" +
                $"        uint index = (row * {prelu.Channels}u + i) * {prelu.Spatial}u + p;\n        float value = {z.At("index")};\n" +
                $"        if (value <= 0.0f)\n            sum += {dy.At("index")} * value;\n    }}\n{da.At("i")} = sum;");
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), dy = context.Gradient(node.Id), a = context.Parameter(Of(node).Slope);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), "dz = dy ⊙ (z > 0 ? 1 : a)",
                new[] { "z: " + z.Description, "dy: " + dy.Description, "a: " + a.Description, "dz: " + target.Description }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{target.At("i")} {(accumulate ? "+=" : "=")} {dy.At("i")} * ({z.At("i")} > 0.0f ? 1.0f : {a.At(Channel(node))});");
        }
    }
}
