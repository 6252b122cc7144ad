using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Max and mean pooling, emission (rules: Pool2DRules.cs; runtime kernels: src/ModelGen/Ops/Pool2DOp.cs). Max
    /// pooling's backward reads its input and output to find each window's maximum again, so its output must survive
    /// (no in-place successor) and nothing else is saved.
    /// </summary>
    internal sealed class Pool2DOp : OpDefinition
    {
        public static readonly Pool2DOp Max = new Pool2DOp(isMax: true);
        public static readonly Pool2DOp Average = new Pool2DOp(isMax: false);

        private readonly bool _isMax;

        private Pool2DOp(bool isMax) => _isMax = isMax;

        public override bool AccumulatesInputGradient => true;

        public override string? Describe(OpNode node) => _isMax ? "max pooling" : "mean pooling";

        public override string GraphSettings(OpNode node) => ", window: " + Geometry(node).GraphLiteral();

        private static WindowGeometry Geometry(OpNode node) => ((Pool2DAttributes)node.Attributes).Geometry;

        /// <summary>The runtime's Pool2DShape for a geometry, positional in its declared order.</summary>
        public static string Shape(WindowGeometry g)
            => $"new global::ModelGen.Ops.Pool2DShape({Int(g.Channels)}, {Int(g.Height)}, {Int(g.Width)}, {Int(g.KernelHeight)}, {Int(g.KernelWidth)}, "
                + $"{Int(g.StrideY)}, {Int(g.StrideX)}, {Int(g.PadTop)}, {Int(g.PadLeft)}, {Int(g.OutputHeight)}, {Int(g.OutputWidth)})";

        private static string ShapeField(EmitContext context, OpNode node)
        {
            WindowGeometry g = Geometry(node);
            return context.Geometry(node.Name + "Shape", "global::ModelGen.Ops.Pool2DShape", Shape(g),
                $"{node.Name}: {g}, window {g.KernelHeight}×{g.KernelWidth}, stride {g.StrideY}, padding {g.PadTop} before");
        }

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            context.Writer.Line($"// {node.Name}: {(_isMax ? "max" : "mean")} over each {Geometry(node).KernelHeight}×{Geometry(node).KernelWidth} window, {Geometry(node)}");
            context.Writer.Call("global::ModelGen.Ops.Pool2DOp." + (_isMax ? "MaxForward" : "AvgForward") + "<T>",
                context.Value(node.Inputs[0]), context.Value(node.Id), "batch", ShapeField(context, node));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            string mode = accumulate ? "accumulate: true" : "accumulate: false";
            if (_isMax)
            {
                context.Writer.Line($"// {node.Name}: dy to each window's first maximum {(accumulate ? "(added: the input fans out)" : "")}".TrimEnd());
                context.Writer.Call("global::ModelGen.Ops.Pool2DOp.MaxBackward<T>", context.Value(node.Inputs[0]), context.Value(node.Id), context.Gradient(node.Id), target,
                    "batch", ShapeField(context, node), mode);
                return;
            }
            context.Writer.Line($"// {node.Name}: dy shared evenly over each window {(accumulate ? "(added: the input fans out)" : "")}".TrimEnd());
            context.Writer.Call("global::ModelGen.Ops.Pool2DOp.AvgBackward<T>", context.Gradient(node.Id), target, "batch", ShapeField(context, node), mode);
        }
    }
}
