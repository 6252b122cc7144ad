using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Dense, emission (rules: DenseRules.cs; runtime kernels: src/ModelGen/Ops/DenseOp.cs).
    ///   forward   y  = x · W + b          x [batch × in], W [in × out], b [out]
    ///   backward  dW = xᵀ · dy,  db = Σ_batch dy,  dx = dy · Wᵀ (+= when x fans out)
    /// Forward takes an activation epilogue on its GEMM; backward takes the derivative of its input's activation.
    /// </summary>
    internal sealed class DenseOp : OpDefinition
    {
        public static readonly DenseOp Instance = new DenseOp();

        public override int[] Parameters(OpNode node) => Of(node).Bias < 0 ? new[] { Of(node).Weight } : new[] { Of(node).Weight, Of(node).Bias };

        public override bool TakesEpilogue => true;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => null;

        private static DenseAttributes Of(OpNode node) => (DenseAttributes)node.Attributes;

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            bool hasBias = dense.Bias >= 0;
            // A layer without a bias (it feeds a batch norm, whose β replaces it) calls the ForwardWithoutBias kernels.
            string kernel = "global::ModelGen.Ops.DenseOp." + (hasBias ? "Forward" : "ForwardWithoutBias");
            string affine = $"[{context.Rows(node)} × {input.Width}] · W[{input.Width} × {node.Width}]{(hasBias ? $" + b[{node.Width}]" : "")}";
            var arguments = new System.Collections.Generic.List<string> { context.Value(input.Id), context.Parameter(dense.Weight) };
            if (hasBias)
                arguments.Add(context.Parameter(dense.Bias));
            arguments.AddRange(new[] { context.Value(node.Id), context.Rows(node), Int(input.Width), Int(node.Width) });
            if (epilogue is null)
            {
                context.Writer.Line($"// {node.Name}: {affine}{(hasBias ? "" : ", no bias")}");
                context.Writer.Call(kernel + "<T>", arguments.ToArray());
                return;
            }
            var activation = (ActivationAttributes)epilogue.Attributes;
            context.Writer.Line($"// {node.Name}: {activation.Activation}({affine}), {(hasBias ? "bias and " : "")}{activation.Activation} fused into the GEMM epilogue");
            arguments.Add(ActivationOp.Slope(context, epilogue));
            context.Writer.Call($"{kernel}<T, {ActivationOp.RuntimeType(activation.Activation)}>", arguments.ToArray());
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            string x = context.Value(input.Id), dy = context.Gradient(node.Id), dw = context.ParameterGradient(dense.Weight);
            if (dense.Bias < 0)
            {
                context.Writer.Line($"// {node.Name}: dW = xᵀ · dy");
                context.Writer.Call("global::ModelGen.Ops.DenseOp.BackwardWeights<T>", x, dy, dw, context.Rows(node), Int(input.Width), Int(node.Width));
                return;
            }
            context.Writer.Line($"// {node.Name}: dW = xᵀ · dy, db = Σ dy");
            context.Writer.Call("global::ModelGen.Ops.DenseOp.BackwardParameters<T>", x, dy, dw, context.ParameterGradient(dense.Bias), context.Rows(node), Int(input.Width), Int(node.Width));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            OpNode input = context.Node(node.Inputs[0]);
            string dy = context.Gradient(node.Id), weights = context.Parameter(Of(node).Weight);
            if (epilogue is null)
            {
                context.Writer.Line($"// {node.Name}: dx {(accumulate ? "+=" : "=")} dy · Wᵀ{(accumulate ? $" ({input.Name} fans out: its gradients add up)" : "")}");
                context.Writer.Call("global::ModelGen.Ops.DenseOp.BackwardInput<T>", dy, weights, target, context.Rows(node), Int(input.Width), Int(node.Width), accumulate ? "accumulate: true" : "accumulate: false");
                return;
            }
            var activation = (ActivationAttributes)epilogue.Attributes;
            context.Writer.Line($"// {node.Name}: dx = (dy · Wᵀ) ⊙ {activation.Activation}′(x), the derivative of {context.LayerName(epilogue)}'s activation fused into the GEMM epilogue");
            context.Writer.Call($"global::ModelGen.Ops.DenseOp.BackwardInput<T, {ActivationOp.RuntimeType(activation.Activation)}>",
                dy, weights, target, context.Value(epilogue.Id), context.Rows(node), Int(input.Width), Int(node.Width), ActivationOp.Slope(context, epilogue));
        }

        // GPU (ModelGen.Gpu): the same three products as one tiled GEMM kernel each, reading W and x transposed in place.

        public override bool HasDeviceKernels(OpNode node) => true;

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            string bias = dense.Bias >= 0 ? context.Parameter(dense.Bias) : "default";
            string activation = epilogue is null ? "Identity" : ((ActivationAttributes)epilogue.Attributes).Activation.ToString();
            string affine = $"[batch × {input.Width}] · W[{input.Width} × {node.Width}]{(dense.Bias >= 0 ? $" + b[{node.Width}]" : "")}";
            context.Writer.Line($"// {node.Name}: {(epilogue is null ? affine : $"{activation}({affine}), {activation} in the GEMM epilogue")}");
            context.Writer.Call($"DenseForward<{DeviceEmitContext.ActivationType(activation)}>", context.Value(input.Id), context.Parameter(dense.Weight), bias, context.Value(node.Id),
                "batch", Int(input.Width), Int(node.Width), epilogue is null ? "0f" : context.Slope(epilogue));
        }

        public override void EmitDeviceParameterGradient(DeviceEmitContext context, OpNode node)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            context.Writer.Line($"// {node.Name}: dW = xᵀ · dy{(dense.Bias >= 0 ? ", db = Σ dy" : "")}");
            context.Writer.Call("DenseWeightGradient", context.Value(input.Id), context.Gradient(node.Id), context.ParameterGradient(dense.Weight), "batch", Int(input.Width), Int(node.Width));
            if (dense.Bias >= 0)
                context.Writer.Call("BiasGradient", context.Gradient(node.Id), context.ParameterGradient(dense.Bias), "batch", Int(node.Width));
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            OpNode input = context.Node(node.Inputs[0]);
            string dy = context.Gradient(node.Id), weights = context.Parameter(Of(node).Weight);
            if (epilogue is null)
            {
                context.Writer.Line($"// {node.Name}: dx {(accumulate ? "+=" : "=")} dy · Wᵀ");
                context.Writer.Call("DenseInputGradient", dy, weights, target, "batch", Int(input.Width), Int(node.Width), accumulate ? "accumulate: true" : "accumulate: false");
                return;
            }
            string activation = ((ActivationAttributes)epilogue.Attributes).Activation.ToString();
            context.Writer.Line($"// {node.Name}: dx = (dy · Wᵀ) ⊙ {activation}′(x), in the GEMM epilogue");
            context.Writer.Call($"DenseInputGradient<{DeviceEmitContext.ActivationType(activation)}>", dy, weights, target, context.Value(epilogue.Id), "batch", Int(input.Width), Int(node.Width),
                context.Slope(epilogue));
        }

        // Shaders (HLSL, ModelGen.Vulkan): the three products as tiled GEMMs that read x, W and dy where they lie.

        public override bool HasShaders(OpNode node) => true;

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            int inputs = input.Width, units = node.Width;
            ShaderTensor x = context.Value(input.Id), w = context.Parameter(dense.Weight), y = context.Value(node.Id);
            ShaderTensor? b = dense.Bias >= 0 ? context.Parameter(dense.Bias) : null;
            string activation = epilogue is null ? "" : ((ActivationAttributes)epilogue.Attributes).Activation.ToString();
            string z = b is null ? "sum" : $"sum + {b.At("column")}";
            string affine = $"x · W{(b is null ? "" : " + b")}";
            Hlsl.Gemm(context, ShaderEmitContext.ShaderName(node, "Forward"),
                epilogue is null ? $"y = {affine}" : $"y = {activation}({affine}), bias and activation in the GEMM's store",
                new[] { "x: " + x.Description, "W: " + w.Description, b is null ? "" : "b: " + b.Description, "y: " + y.Description }.Where(t => t.Length > 0),
                "Batch", $"{units}u", $"{inputs}u",
                x.At($"row * {inputs}u + k"), w.At($"k * {units}u + column"),
                $"{y.At($"row * {units}u + column")} = {(epilogue is null ? z : $"Activation({z})")};", "batch", Int(units),
                epilogue is null ? "" : ActivationOp.ShaderFunctions(epilogue));
        }

        public override void EmitShaderParameterGradient(ShaderEmitContext context, OpNode node)
        {
            DenseAttributes dense = Of(node);
            OpNode input = context.Node(node.Inputs[0]);
            int inputs = input.Width, units = node.Width;
            ShaderTensor x = context.Value(input.Id), dy = context.Gradient(node.Id), dw = context.ParameterGradient(dense.Weight);
            Hlsl.Gemm(context, ShaderEmitContext.ShaderName(node, "WeightGradient"), "dW = xᵀ · dy (the sum over the batch is the GEMM's depth)",
                new[] { "x: " + x.Description, "dy: " + dy.Description, "dW: " + dw.Description },
                $"{inputs}u", $"{units}u", "Batch", x.At($"k * {inputs}u + row"), dy.At($"k * {units}u + column"),
                $"{dw.At($"row * {units}u + column")} = sum;", Int(inputs), Int(units));
            if (dense.Bias < 0)
                return;
            ShaderTensor db = context.ParameterGradient(dense.Bias);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "BiasGradient"), "db = Σ over the batch of dy, one thread per unit, rows in order",
                new[] { "dy: " + dy.Description, "db: " + db.Description }, $"{units}u", Int(units) + "L",
                $"float sum = 0.0f;\nfor (uint row = 0u; row < Batch; row++)\n    sum += {dy.At($"row * {units}u + i")};\n{db.At("i")} = sum;");
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            OpNode input = context.Node(node.Inputs[0]);
            int inputs = input.Width, units = node.Width;
            ShaderTensor dy = context.Gradient(node.Id), w = context.Parameter(Of(node).Weight);
            string dx = target.At($"row * {inputs}u + column");
            string store, summary;
            var tensors = new List<string> { "dy: " + dy.Description, "W: " + w.Description, "dx: " + target.Description };
            if (epilogue is null)
            {
                store = accumulate ? $"{dx} += sum;" : $"{dx} = sum;";
                summary = accumulate ? "dx += dy · Wᵀ" : "dx = dy · Wᵀ";
            }
            else
            {
                ShaderTensor activated = context.Value(epilogue.Id);
                tensors.Add("f(x): " + activated.Description);
                store = $"{dx} = sum * Derivative({activated.At($"row * {inputs}u + column")});";
                summary = $"dx = (dy · Wᵀ) ⊙ {((ActivationAttributes)epilogue.Attributes).Activation}′, the producer's activation derivative in the GEMM's store";
            }
            Hlsl.Gemm(context, ShaderEmitContext.ShaderName(node, "InputGradient"), summary, tensors, "Batch", $"{inputs}u", $"{units}u",
                dy.At($"row * {units}u + k"), w.At($"column * {units}u + k"), store, "batch", Int(inputs),
                epilogue is null ? "" : ActivationOp.ShaderFunctions(epilogue));
        }
    }
}
