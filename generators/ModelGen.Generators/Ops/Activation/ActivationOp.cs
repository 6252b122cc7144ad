using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Activations, emission (element-wise structs in src/ModelGen/Ops/Activations.cs; row-wise softmax and log-softmax
    /// in src/ModelGen/Ops/SoftmaxOp.cs). A derivative reads the output y where y determines it, which is what lets an
    /// activation share its producer's buffer and run inside its GEMM; GELU and |z| read the pre-activation z instead
    /// (<see cref="ActivationRules.DerivativeReadsInput"/>), so they keep their own output buffer and run as their own pass.
    /// </summary>
    internal sealed class ActivationOp : OpDefinition
    {
        public static readonly ActivationOp Instance = new ActivationOp();

        public static string RuntimeType(ActivationKind kind) => "global::ModelGen.Ops." + kind;

        private static ActivationAttributes Of(OpNode node) => (ActivationAttributes)node.Attributes;

        public override bool IsEpilogue(OpNode node) => ActivationRules.IsElementWise(Of(node).Activation) && !ActivationRules.DerivativeReadsInput(Of(node).Activation);

        /// <summary>The buffer the derivative reads: the node's input z, or its output y.</summary>
        private static int Kept(OpNode node) => ActivationRules.DerivativeReadsInput(Of(node).Activation) ? node.Inputs[0] : node.Id;

        private static string KeptName(OpNode node) => ActivationRules.DerivativeReadsInput(Of(node).Activation) ? "z" : "y";

        /// <summary>
        /// The activations the runtime monitors watch (ModelGen.Training.IMonitoredModel): ReLU for dead units, the
        /// saturating ones (sigmoid, tanh, hard tanh) for saturation — those whose output alone says the unit has stopped learning.
        /// </summary>
        public static bool IsWatched(OpNode node)
            => node.Kind == OpKind.Activation && (Of(node).Activation == ActivationKind.ReLU || ActivationRules.IsSaturating(Of(node).Activation));

        public static ActivationKind KindOf(OpNode node) => Of(node).Activation;

        public override string? Describe(OpNode node) => Of(node).Activation.ToString();

        public override string GraphSettings(OpNode node) => $", activation: global::ModelGen.Activation.{Of(node).Activation}"
            + (Of(node).Activation == ActivationKind.LeakyReLU ? $", negativeSlope: {CodeWriter.Literal(Of(node).NegativeSlope)}f" : "");

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            ActivationAttributes activation = Of(node);
            int input = node.Inputs[0];
            bool inPlace = context.SharesValue(node.Id, input);
            context.Writer.Line($"// {node.Name}{(inPlace ? " (in place on the layer output)" : ActivationRules.DerivativeReadsInput(activation.Activation) ? " into its own buffer: backward reads its input z" : " into its own buffer: backward needs the layer output and this value")}");
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
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ {activation.Activation}′({KeptName(node)}){comment}");
            context.Writer.Call($"global::ModelGen.Ops.Activation<{RuntimeType(activation.Activation)}>.Backward<T>",
                context.Value(Kept(node)), context.Gradient(node.Id), target, Slope(context, node));
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
            context.Writer.Line($"// {node.Name}: dz = dy ⊙ {activation.Activation}′({KeptName(node)})");
            context.Writer.Call($"ActivationBackward<{DeviceEmitContext.ActivationType(activation.Activation.ToString())}>", context.Value(Kept(node)), context.Gradient(node.Id), target,
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
            ShaderTensor kept = context.Value(Kept(node)), dy = context.Gradient(node.Id);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Backward"), $"dz = dy ⊙ {Of(node).Activation}′({KeptName(node)}), element-wise",
                new[] { kept.Description, dy.Description, "dz: " + target.Description }, $"Batch * {node.Width}u", $"batch * {node.Width}L",
                $"{target.At("i")} = {dy.At("i")} * Derivative({kept.At("i")});", ShaderFunctions(node));
        }

        /// <summary>
        /// <c>Activation(z)</c> and <c>Derivative(v)</c> of an element-wise activation node, as HLSL functions; v is the
        /// output y, or the input z for the activations that read it.
        /// </summary>
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
                ActivationKind.GELU => ("z * NormalCdf(z)", $"NormalCdf(z) + z * {Hlsl.Float((float)InverseSqrtTwoPi)} * exp(-0.5f * z * z)"),
                // z·σ(2u), u = √(2/π)(z + 0.044715z³); f′ is 0 or 1 beyond |z| = 10, where z³ could overflow into ∞·0.
                ActivationKind.GELUTanh => ("z * GeluGate(z)",
                    $"abs(z) > 10.0f ? (z > 0.0f ? 1.0f : 0.0f) : GeluGate(z) + z * GeluGate(z) * (1.0f - GeluGate(z)) * {Hlsl.Float((float)(2 * SqrtTwoOverPi))} * (1.0f + {Hlsl.Float((float)(3 * GeluCubic))} * z * z)"),
                ActivationKind.AbsoluteValue => ("abs(z)", "z > 0.0f ? 1.0f : (z < 0.0f ? -1.0f : 0.0f)"),
                _ => ("z", "1.0f"),
            };
            string kept = ActivationRules.DerivativeReadsInput(attributes.Activation) ? "z" : "y";
            return $"// {attributes.Activation}, and its derivative through the {(kept == "z" ? "input z" : "output y")}.\n{Helpers(attributes.Activation)}" +
                $"float Activation(float z)\n{{\n    return {apply};\n}}\n\n" +
                $"float Derivative(float {kept})\n{{\n    return {derivative};\n}}\n\n";
        }

        /// <summary>The functions GELU's two forms call: Φ through erfc, and the tanh form's gate σ(2u).</summary>
        private static string Helpers(ActivationKind kind)
        {
            if (kind == ActivationKind.GELUTanh)
                return $"float GeluGate(float z)\n{{\n    return 1.0f / (1.0f + exp(-2.0f * {Hlsl.Float((float)SqrtTwoOverPi)} * (z + {Hlsl.Float((float)GeluCubic)} * z * z * z)));\n}}\n\n";
            if (kind != ActivationKind.GELU)
                return "";
            var clenshaw = new System.Text.StringBuilder();
            for (int j = ErfcCoefficients.Length - 1; j > 0; j--)
                clenshaw.Append($"    previous = d; d = ty * d - dd + {Hlsl.Float((float)ErfcCoefficients[j])}; dd = previous;\n");
            return "// erfc(z) for z >= 0: t·exp(−z² + Chebyshev series in 2t − 1), t = 2/(2 + z) (ModelGen.Ops.Erfc, float's 13 terms).\n" +
                "float ErfcNonNegative(float z)\n{\n    float t = 2.0f / (2.0f + z);\n    float ty = 4.0f * t - 2.0f;\n    float d = 0.0f, dd = 0.0f, previous;\n" +
                clenshaw + $"    return t * exp(0.5f * ({Hlsl.Float((float)ErfcCoefficients[0])} + ty * d) - dd - z * z);\n}}\n\n" +
                $"float NormalCdf(float z)\n{{\n    float halfTail = 0.5f * ErfcNonNegative(abs(z) * {Hlsl.Float((float)InverseSqrtTwo)});\n    return z < 0.0f ? halfTail : 1.0f - halfTail;\n}}\n\n";
        }

        // SELU's constants (Klambauer et al.), as ModelGen.Ops.SELU states them.
        private const double SeluScale = 1.0507009873554804934193349852946;
        private const double SeluAlpha = 1.6732632423543772848170429916717;

        // GELU's constants as ModelGen.Ops.GELU, GELUTanh and Erfc state them (the generator cannot reference the runtime);
        // the Vulkan parity tests hold the shaders to the CPU path.
        private const double InverseSqrtTwo = 0.70710678118654752440084436210485;
        private const double InverseSqrtTwoPi = 0.39894228040143267793994605993438;
        private const double SqrtTwoOverPi = 0.79788456080286535587989211986876;
        private const double GeluCubic = 0.044715;
        private static readonly double[] ErfcCoefficients =
        {
            -1.30265371978170941e+00, 6.41969792356490210e-01, 1.94764732041859401e-02, -9.56151478680873634e-03,
            -9.46595344481943567e-04, 3.66839497852648690e-04, 4.25233248070193333e-05, -2.02785781126331753e-05,
            -1.62429000456953586e-06, 1.30365583548584253e-06, 1.56264418465937759e-08, -8.52380959972385431e-08,
            6.52905448981956239e-09,
        };
    }
}
