using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Activations, emission (element-wise structs in src/ModelGen/Ops/Activations.cs; row-wise softmax and log-softmax
    /// in src/ModelGen/Ops/SoftmaxOp.cs). Every derivative reads the output y, never the pre-activation, which is what lets
    /// an activation share its producer's buffer and run inside its GEMM.
    /// </summary>
    internal sealed class ActivationOp : OpDefinition
    {
        public static readonly ActivationOp Instance = new ActivationOp();

        public static string RuntimeType(ActivationKind kind) => "global::ModelGen.Ops." + kind;

        private static ActivationAttributes Of(OpNode node) => (ActivationAttributes)node.Attributes;

        public override bool IsEpilogue(OpNode node) => ActivationRules.IsElementWise(Of(node).Activation);

        /// <summary>
        /// The activations the runtime monitors watch (ModelGen.Training.IMonitoredModel): ReLU for dead units, the
        /// saturating ones (sigmoid, tanh, hard tanh) for saturation — those whose output alone says the unit has stopped learning.
        /// </summary>
        public static bool IsWatched(OpNode node)
            => node.Kind == OpKind.Activation && (Of(node).Activation == ActivationKind.ReLU || ActivationRules.IsSaturating(Of(node).Activation));

        public static ActivationKind KindOf(OpNode node) => Of(node).Activation;

        public override string? Describe(OpNode node) => Of(node).Activation.ToString();

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            ActivationAttributes activation = Of(node);
            int input = node.Inputs[0];
            bool inPlace = context.SharesValue(node.Id, input);
            context.Writer.Line($"// {node.Name}{(inPlace ? " (in place on the layer output)" : " into its own buffer: backward needs the layer output and this value")}");
            if (!inPlace)
                context.Writer.Line($"{context.Value(input)}.CopyTo({context.Value(node.Id)});");
            if (activation.Activation == ActivationKind.Softmax)
                context.Writer.Call("global::ModelGen.Ops.SoftmaxOp.Forward<T>", context.Value(node.Id), context.Rows(node), Int(node.Width));
            else if (activation.Activation == ActivationKind.LogSoftmax)
                context.Writer.Call("global::ModelGen.Ops.SoftmaxOp.LogForward<T>", context.Value(node.Id), context.Rows(node), Int(node.Width));
            else
                context.Writer.Call($"global::ModelGen.Ops.Activation<{RuntimeType(activation.Activation)}>.Forward<T>", context.Value(node.Id), Slope(context, node));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            ActivationAttributes activation = Of(node);
            string comment = target == context.Gradient(node.Id) ? " (in place)" : "";
            if (activation.Activation == ActivationKind.Softmax)
            {
                context.Writer.Line($"// {node.Name}: dz = y ⊙ (dy − ⟨y, dy⟩) per row, softmax's Jacobian-vector product{comment}");
                context.Writer.Call("global::ModelGen.Ops.SoftmaxOp.Backward<T>", context.Value(node.Id), context.Gradient(node.Id), target, context.Rows(node), Int(node.Width));
                return;
            }
            if (activation.Activation == ActivationKind.LogSoftmax)
            {
                context.Writer.Line($"// {node.Name}: dz = dy − e^y · Σ dy per row, log-softmax's Jacobian-vector product{comment}");
                context.Writer.Call("global::ModelGen.Ops.SoftmaxOp.LogBackward<T>", context.Value(node.Id), context.Gradient(node.Id), target, context.Rows(node), Int(node.Width));
                return;
            }
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ {activation.Activation}′(y){comment}");
            context.Writer.Call($"global::ModelGen.Ops.Activation<{RuntimeType(activation.Activation)}>.Backward<T>",
                context.Value(node.Id), context.Gradient(node.Id), target, Slope(context, node));
        }

        /// <summary>LeakyReLU's negative slope, a hoisted constant; the other activations ignore the argument.</summary>
        public static string Slope(EmitContext context, OpNode node)
        {
            var activation = (ActivationAttributes)node.Attributes;
            return activation.Activation == ActivationKind.LeakyReLU ? context.Constant(node.Name + "Slope", activation.NegativeSlope) : "T.Zero";
        }

        // GPU (ModelGen.Gpu): element-wise kernels; softmax has none yet, so a model with a softmax layer gets no GPU network.

        public override bool HasDeviceKernels(OpNode node) => ActivationRules.IsElementWise(Of(node).Activation);

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            ActivationAttributes activation = Of(node);
            context.Writer.Line($"// {node.Name}");
            context.Writer.Call($"ActivationForward<{DeviceEmitContext.ActivationType(activation.Activation.ToString())}>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Slope(node));
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            ActivationAttributes activation = Of(node);
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ {activation.Activation}′(y)");
            context.Writer.Call($"ActivationBackward<{DeviceEmitContext.ActivationType(activation.Activation.ToString())}>", context.Value(node.Id), context.Gradient(node.Id), target,
                context.Slope(node));
        }

        // Shaders (HLSL, ModelGen.Vulkan): the same formulas as the CPU structs, term by term.

        public override bool HasShaders(OpNode node) => ActivationRules.IsElementWise(Of(node).Activation);

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            ShaderTensor x = context.Value(node.Inputs[0]), y = context.Value(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Forward"), $"y = {Of(node).Activation}(x), element-wise", new[] { x.Description, y.Description },
                $"Batch * {node.Width}u", $"batch * {node.Width}L", $"{y.At("i")} = Activation({x.At("i")});", ShaderFunctions(node));
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            ShaderTensor y = context.Value(node.Id), dy = context.Gradient(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), $"dz = dy ⊙ {Of(node).Activation}′(y), element-wise",
                new[] { y.Description, dy.Description, "dz: " + target.Description }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{target.At("i")} = {dy.At("i")} * Derivative({y.At("i")});", ShaderFunctions(node));
        }

        /// <summary><c>Activation(z)</c> and <c>Derivative(y)</c> of an element-wise activation node, as HLSL functions.</summary>
        public static string ShaderFunctions(OpNode activation)
        {
            ActivationAttributes attributes = Of(activation);
            string slope = Hlsl.Float(attributes.Activation == ActivationKind.LeakyReLU ? attributes.NegativeSlope : 0f);
            string scale = Hlsl.Float((float)SeluScale), scaledAlpha = Hlsl.Float((float)(SeluScale * SeluAlpha));
            (string apply, string derivative) = attributes.Activation switch
            {
                ActivationKind.ReLU => ("z > 0.0f ? z : 0.0f", "y > 0.0f ? 1.0f : 0.0f"),
                ActivationKind.LeakyReLU => ($"z > 0.0f ? z : z * {slope}", $"y > 0.0f ? 1.0f : {slope}"),
                ActivationKind.Sigmoid => ("1.0f / (1.0f + exp(-z))", "y * (1.0f - y)"),
                // tanh through exp(−2|z|), which cannot overflow (a driver's tanh may compute e^z / e^z = ∞/∞ for large z).
                ActivationKind.Tanh => ("sign(z) * (1.0f - exp(-2.0f * abs(z))) / (1.0f + exp(-2.0f * abs(z)))", "1.0f - y * y"),
                ActivationKind.Softplus => ("max(z, 0.0f) + log(1.0f + exp(-abs(z)))", "1.0f - exp(-y)"),
                ActivationKind.SELU => ($"z > 0.0f ? {scale} * z : {scaledAlpha} * (exp(z) - 1.0f)", $"y > 0.0f ? {scale} : y + {scaledAlpha}"),
                ActivationKind.ELU => ("z > 0.0f ? z : exp(z) - 1.0f", "y > 0.0f ? 1.0f : y + 1.0f"),
                ActivationKind.HardTanh => ("clamp(z, -1.0f, 1.0f)", "(y > -1.0f && y < 1.0f) ? 1.0f : 0.0f"),
                _ => ("z", "1.0f"),
            };
            return $"// {attributes.Activation}, and its derivative through the output y.\nfloat Activation(float z)\n{{\n    return {apply};\n}}\n\n" +
                $"float Derivative(float y)\n{{\n    return {derivative};\n}}\n\n";
        }

        // SELU's constants (Klambauer et al.), as ModelGen.Ops.SELU states them.
        private const double SeluScale = 1.0507009873554804934193349852946;
        private const double SeluAlpha = 1.6732632423543772848170429916717;
    }
}
