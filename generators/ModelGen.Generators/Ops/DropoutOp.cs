using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Inverted dropout, generator side (runtime: src/ModelGen/Ops/DropoutOp.cs). Forward masks and rescales while
    /// training and copies at inference; backward recomputes the same mask from (seed, step, node id), so no mask is
    /// stored. The rate comes from <c>[Dense(Dropout = …)]</c>, or <c>[Model(InputDropout = …)]</c> for the input.
    /// </summary>
    internal static class DropoutOp
    {
        public static float Rate(CheckedModel model, GraphNode node)
            => node.Layer < 0 ? model.Declaration.Regularization.InputDropout : model.Layers[node.Layer].Dropout;

        private static string Site(CheckedModel model, GraphNode node)
            => node.Layer < 0 ? "inputs" : model.Layers[node.Layer].Name;

        public static void EmitForward(EmitContext context, GraphNode node)
        {
            float rate = Rate(context.Program.Model, node);
            context.Writer.Line($"// {Site(context.Program.Model, node)}: dropout at rate {CodeWriter.Literal(rate)} while training (kept units × {(1 / (1 - (double)rate)).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}); a copy at inference");
            context.Writer.Line($"global::ModelGen.Ops.DropoutOp.Forward<T>({context.Value(node.Inputs[0])}, {context.Value(node.Id)}, {OptimizerOp.T(rate)}, _seed, _step, stream: {node.Id}, training);");
        }

        public static void EmitInputGradient(EmitContext context, GraphNode node, int input)
        {
            float rate = Rate(context.Program.Model, node);
            context.Writer.Line($"// {Site(context.Program.Model, node)}: dropout backward, the forward mask recomputed from (seed, step, {node.Id})");
            context.Writer.Line($"global::ModelGen.Ops.DropoutOp.Backward<T>({context.Gradient(node.Id)}, {context.Gradient(input)}, {OptimizerOp.T(rate)}, _seed, _step, stream: {node.Id});");
        }
    }
}
