using System.Collections.Generic;
using System.Globalization;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Dense layer, generator side: shape rule, and the forward and backward calls it emits into
    /// ModelGen.Ops.DenseOp (runtime kernels in src/ModelGen/Ops/DenseOp.cs).
    ///   forward   y  = x · W + b          x [batch × in], W [in × out], b [out]
    ///   backward  dW = xᵀ · dy,  db = Σ_batch dy,  dx = dy · Wᵀ
    /// </summary>
    internal static class DenseOp
    {
        /// <summary>[batch × in] → [batch × units]; units must be positive.</summary>
        public static int InferShape(LayerDeclaration layer, int index, bool alreadyReported, List<Problem> problems)
        {
            if (layer.Units <= 0 && !alreadyReported)
                problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, "Units", layer.Name, layer.Units.ToString(CultureInfo.InvariantCulture)));
            return layer.Units;
        }

        public static void EmitForward(EmitContext context, GraphStep step)
        {
            GraphNode node = context.Program.Nodes[step.Node];
            LayerShape layer = context.Layer(node);
            // A layer without a bias (it feeds a batch norm, whose β replaces it) calls the ForwardWithoutBias kernels.
            string kernel = layer.UseBias ? "Forward" : "ForwardWithoutBias";
            string bias = layer.UseBias ? $"{context.Bias(layer)}, " : "";
            string affine = $"[batch × {layer.Inputs}] · W[{layer.Inputs} × {layer.Units}]{(layer.UseBias ? $" + b[{layer.Units}]" : "")}";
            string arguments = $"{context.Value(node.Inputs[0])}, {context.Weights(layer)}, {bias}{context.Value(node.Id)}, batch, {layer.Inputs}, {layer.Units}";
            if (step.Epilogue < 0)
            {
                context.Writer.Line($"// {layer.Name}: {affine}{(layer.UseBias ? "" : ", no bias")}");
                context.Writer.Line($"global::ModelGen.Ops.DenseOp.{kernel}<T>({arguments});");
                return;
            }
            LayerShape activation = context.Layer(context.Program.Nodes[step.Epilogue]);
            context.Writer.Line($"// {layer.Name}: {activation.Activation}({affine}), {(layer.UseBias ? "bias and " : "")}{activation.Activation} fused into the GEMM epilogue");
            context.Writer.Line($"global::ModelGen.Ops.DenseOp.{kernel}<T, {ActivationOp.RuntimeType(activation.Activation)}>({arguments}, {ActivationOp.Slope(activation)});");
        }

        public static void EmitParameterGradient(EmitContext context, GraphNode node)
        {
            LayerShape layer = context.Layer(node);
            if (!layer.UseBias)
            {
                context.Writer.Line($"// {layer.Name}: dW = xᵀ · dy");
                context.Writer.Line($"global::ModelGen.Ops.DenseOp.BackwardWeights<T>({context.Value(node.Inputs[0])}, {context.Gradient(node.Id)}, {context.WeightGradient(layer)}, batch, {layer.Inputs}, {layer.Units});");
                return;
            }
            context.Writer.Line($"// {layer.Name}: dW = xᵀ · dy, db = Σ dy");
            context.Writer.Line($"global::ModelGen.Ops.DenseOp.BackwardParameters<T>({context.Value(node.Inputs[0])}, {context.Gradient(node.Id)}, {context.WeightGradient(layer)}, {context.BiasGradient(layer)}, batch, {layer.Inputs}, {layer.Units});");
        }

        public static void EmitInputGradient(EmitContext context, GraphStep step)
        {
            GraphNode node = context.Program.Nodes[step.Node];
            LayerShape layer = context.Layer(node);
            string arguments = $"{context.Gradient(node.Id)}, {context.Weights(layer)}, {context.Gradient(step.Input)}";
            if (step.Epilogue < 0)
            {
                context.Writer.Line($"// {layer.Name}: dx = dy · Wᵀ");
                context.Writer.Line($"global::ModelGen.Ops.DenseOp.BackwardInput<T>({arguments}, batch, {layer.Inputs}, {layer.Units});");
                return;
            }
            LayerShape activation = context.Layer(context.Program.Nodes[step.Epilogue]);
            context.Writer.Line($"// {layer.Name}: dx = (dy · Wᵀ) ⊙ {activation.Activation}′(x), the derivative of {activation.Name}'s activation fused into the GEMM epilogue");
            context.Writer.Line($"global::ModelGen.Ops.DenseOp.BackwardInput<T, {ActivationOp.RuntimeType(activation.Activation)}>({arguments}, {context.Value(step.Epilogue)}, batch, {layer.Inputs}, {layer.Units}, {ActivationOp.Slope(activation)});");
        }
    }
}
