using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Maxout, emission (rules: MaxoutRules.cs; runtime kernels: src/ModelGen/Ops/MaxoutOp.cs). Backward finds each unit's
    /// winning piece again from its input (the pieces, the Dense output before it) and its output, so it saves nothing.
    /// On the devices one thread per output, forward and backward (ILGPU and HLSL alike).
    /// </summary>
    internal sealed class MaxoutOp : OpDefinition
    {
        public static readonly MaxoutOp Instance = new MaxoutOp();

        public override bool AccumulatesInputGradient => true;

        public override bool HasDeviceKernels(OpNode node) => true;

        public override bool HasShaders(OpNode node) => true;

        public override string? Describe(OpNode node) => "maxout";

        private static int Pieces(OpNode node) => ((MaxoutAttributes)node.Attributes).Pieces;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: each of {node.Width} units the largest of its {Pieces(node)} pieces (piece-major columns)");
            context.Writer.Call("global::ModelGen.Ops.MaxoutOp.Forward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Rows(node), Int(node.Width), Int(Pieces(node)));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dy to each unit's first winning piece{(accumulate ? " (added: the input fans out)" : "")}");
            context.Writer.Call("global::ModelGen.Ops.MaxoutOp.Backward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Gradient(node.Id), target,
                context.Rows(node), Int(node.Width), Int(Pieces(node)), accumulate ? "accumulate: true" : "accumulate: false");
        }

        // GPU (ModelGen.Gpu) and shaders (HLSL, ModelGen.Vulkan): one thread per output; backward writes every piece of its unit.

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: the largest of {Pieces(node)} pieces per unit");
            context.Writer.Call("MaxoutForward", context.Value(node.Inputs[0]), context.Value(node.Id), Int(node.Width), Int(Pieces(node)));
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: dy to each unit's first winning piece");
            context.Writer.Call("MaxoutBackward", context.Value(node.Inputs[0]), context.Value(node.Id), context.Gradient(node.Id), target, Int(node.Width), Int(Pieces(node)));
        }

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), y = context.Value(node.Id);
            int units = node.Width, pieces = Pieces(node);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), $"y = the largest of {pieces} piece-major pieces per unit", new[] { "z: " + z.Description, "y: " + y.Description },
                $"Batch * {units}u", $"batch * {units}L",
                $"uint start = (i / {units}u) * {units * pieces}u + i % {units}u;\nfloat largest = {z.At("start")};\n" +
                $"for (uint p = 1u; p < {pieces}u; p++)\n    largest = max(largest, {z.At($"start + p * {units}u")});\n{y.At("i")} = largest;");
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor z = context.Value(node.Inputs[0]), y = context.Value(node.Id), dy = context.Gradient(node.Id);
            int units = node.Width, pieces = Pieces(node);
            string op = accumulate ? "+=" : "=";
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), "dy to each unit's first winning piece, 0 to the others",
                new[] { "z: " + z.Description, "y: " + y.Description, "dy: " + dy.Description, "dz: " + target.Description }, $"Batch * {units}u", $"batch * {units}L",
                $"uint start = (i / {units}u) * {units * pieces}u + i % {units}u;\nbool taken = false;\n" +
                $"for (uint p = 0u; p < {pieces}u; p++)\n{{\n    bool first = !taken && {z.At($"start + p * {units}u")} == {y.At("i")};\n" +
                $"    {target.At($"start + p * {units}u")} {op} first ? {dy.At("i")} : 0.0f;\n    taken = taken || first;\n}}");
        }
    }
}
