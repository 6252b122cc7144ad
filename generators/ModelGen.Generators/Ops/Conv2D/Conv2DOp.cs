using System.Collections.Generic;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Conv2D, emission (rules: Conv2DRules.cs; runtime kernels: src/ModelGen/Ops/Conv2DOp.cs), NCHW:
    ///   forward   Y_n = W · cols(X_n) + b          W [F × C·kh·kw], cols(X_n) [C·kh·kw × H′·W′]
    ///   backward  dW = Σ_n dY_n · cols(X_n)ᵀ,  db = Σ dY,  dX_n = col2im(Wᵀ · dY_n) (+= when X fans out)
    /// Like Dense, forward takes its activation as an epilogue and backward the derivative of its input's activation.
    /// The locally connected layer (runtime: src/ModelGen/Ops/LocallyConnected2DOp.cs) has the same calls with unshared
    /// parameters, so one definition emits both.
    /// </summary>
    internal sealed class Conv2DOp : OpDefinition
    {
        public static readonly Conv2DOp Instance = new Conv2DOp("global::ModelGen.Ops.Conv2DOp", "convolution");
        public static readonly Conv2DOp Unshared = new Conv2DOp("global::ModelGen.Ops.LocallyConnected2DOp", "locally connected");

        private readonly string _runtime, _what;

        private Conv2DOp(string runtime, string what)
        {
            _runtime = runtime;
            _what = what;
        }

        public override int[] Parameters(OpNode node) => Of(node).Bias < 0 ? new[] { Of(node).Weight } : new[] { Of(node).Weight, Of(node).Bias };

        public override string GraphSettings(OpNode node) => ", window: " + Of(node).Geometry.GraphLiteral();

        public override bool TakesEpilogue => true;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => null;

        private static Conv2DAttributes Of(OpNode node) => (Conv2DAttributes)node.Attributes;

        /// <summary>The runtime's Conv2DShape for a geometry, positional in its declared order.</summary>
        public static string Shape(WindowGeometry g)
            => $"new global::ModelGen.Ops.Conv2DShape({Int(g.Channels)}, {Int(g.Height)}, {Int(g.Width)}, {Int(g.Filters)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, "
                + $"{Int(g.StrideY)}, {Int(g.StrideX)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.DilationY)}, {Int(g.DilationX)}, {Int(g.OutputHeight)}, {Int(g.OutputWidth)})";

        /// <summary>The layer's hoisted geometry field, e.g. <c>Conv1Shape</c>.</summary>
        private static string ShapeField(EmitContext context, OpNode node)
        {
            WindowGeometry g = Of(node).Geometry;
            string comment = $"{node.Name}: {g}, kernel {g.KernelHeight}×{g.KernelWidth}, stride {g.StrideY}, padding {g.PadTop} before, dilation {g.DilationY}";
            return context.Geometry(node.Name + "Shape", "global::ModelGen.Ops.Conv2DShape", Shape(g), comment);
        }

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            Conv2DAttributes conv = Of(node);
            bool hasBias = conv.Bias >= 0;
            string kernel = _runtime + "." + (hasBias ? "Forward" : "ForwardWithoutBias");
            var arguments = new List<string> { context.Value(node.Inputs[0]), context.Parameter(conv.Weight) };
            if (hasBias)
                arguments.Add(context.Parameter(conv.Bias));
            arguments.AddRange(new[] { context.Value(node.Id), "batch", ShapeField(context, node) });
            string what = $"{node.Name}: {conv.Geometry} {_what}{(hasBias ? " + b" : ", no bias")}";
            if (epilogue is null)
            {
                context.Writer.Line($"// {what}");
                context.Writer.Call(kernel + "<T>", arguments.ToArray());
                return;
            }
            var activation = (ActivationAttributes)epilogue.Attributes;
            context.Writer.Line($"// {what}, {activation.Activation} applied to each sample's output while it is in cache");
            arguments.Add(ActivationOp.Slope(context, epilogue));
            context.Writer.Call($"{kernel}<T, {ActivationOp.RuntimeType(activation.Activation)}>", arguments.ToArray());
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            Conv2DAttributes conv = Of(node);
            string x = context.Value(node.Inputs[0]), dy = context.Gradient(node.Id), dw = context.ParameterGradient(conv.Weight);
            if (conv.Bias < 0)
            {
                context.Writer.Line($"// {node.Name}: dW = Σ_n dY_n · cols(X_n)ᵀ");
                context.Writer.Call(_runtime + ".BackwardWeights<T>", x, dy, dw, "batch", ShapeField(context, node));
                return;
            }
            context.Writer.Line($"// {node.Name}: dW = Σ_n dY_n · cols(X_n)ᵀ, db = Σ dY");
            context.Writer.Call(_runtime + ".BackwardParameters<T>", x, dy, dw, context.ParameterGradient(conv.Bias), "batch", ShapeField(context, node));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            OpNode input = context.Node(node.Inputs[0]);
            string dy = context.Gradient(node.Id), weights = context.Parameter(Of(node).Weight);
            if (epilogue is null)
            {
                context.Writer.Line($"// {node.Name}: dX {(accumulate ? "+=" : "=")} col2im(Wᵀ · dY){(accumulate ? $" ({input.Name} fans out: its gradients add up)" : "")}");
                context.Writer.Call(_runtime + ".BackwardInput<T>", dy, weights, target, "batch", ShapeField(context, node), accumulate ? "accumulate: true" : "accumulate: false");
                return;
            }
            var activation = (ActivationAttributes)epilogue.Attributes;
            context.Writer.Line($"// {node.Name}: dX = col2im(Wᵀ · dY) ⊙ {activation.Activation}′(x), the derivative of {context.LayerName(epilogue)}'s activation fused per sample");
            context.Writer.Call($"{_runtime}.BackwardInput<T, {ActivationOp.RuntimeType(activation.Activation)}>",
                dy, weights, target, context.Value(epilogue.Id), "batch", ShapeField(context, node), ActivationOp.Slope(context, epilogue));
        }
    }
}
