using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Batch normalization, generator side (runtime: src/ModelGen/Ops/BatchNormOp.cs). Width-preserving; γ and β live in
    /// the parameter buffer where a Dense layer keeps W and b. Per layer the network also holds the running mean and
    /// variance (inference), the last batch's mean and 1/√(σ² + ε) (backward and the running update), and x̂
    /// (a [batch × width] buffer grown with the others).
    /// </summary>
    internal static class BatchNormOp
    {
        /// <summary>[batch × width] → [batch × width]: it normalizes the features it is given, with one γ and one β each.</summary>
        public static int InferShape(int inputWidth) => inputWidth;

        private static string Field(LayerShape layer, string what) => $"_{CodeWriter.Camel(layer.Name)}{what}";

        public static string RunningMean(LayerShape layer) => Field(layer, "RunningMean");

        public static string RunningVariance(LayerShape layer) => Field(layer, "RunningVariance");

        private static string Normalized(LayerShape layer) => $"new global::System.Span<T>({Field(layer, "Normalized")}, 0, batch * {layer.Units})";

        public static void EmitFields(CodeWriter writer, LayerShape layer)
        {
            writer.Line($"// {layer.Name}: running estimates for inference (mean 0, variance 1 at first), and the last training batch's statistics.");
            writer.Line($"private readonly T[] {RunningMean(layer)} = new T[{layer.Units}];");
            writer.Line($"private readonly T[] {RunningVariance(layer)} = new T[{layer.Units}];");
            writer.Line($"private readonly T[] {Field(layer, "BatchMean")} = new T[{layer.Units}];");
            writer.Line($"private readonly T[] {Field(layer, "BatchInverseDeviation")} = new T[{layer.Units}];");
        }

        public static void EmitNormalizedField(CodeWriter writer, LayerShape layer)
            => writer.Line($"private T[] {Field(layer, "Normalized")} = global::System.Array.Empty<T>();   // [batch × {layer.Units}] x̂ of {layer.Name}, kept for backward");

        public static void EmitCapacity(CodeWriter writer, LayerShape layer)
            => writer.Line($"{Field(layer, "Normalized")} = new T[batch * {layer.Units}];");

        public static void EmitInitialization(EmitContext context, LayerShape layer)
        {
            context.Writer.Line($"{context.Weights(layer)}.Fill(T.One); // {layer.Name}.γ");
            context.Writer.Line($"global::System.Array.Fill({RunningVariance(layer)}, T.One);");
        }

        public static void EmitForward(EmitContext context, GraphNode node)
        {
            LayerShape layer = context.Layer(node);
            string input = context.Value(node.Inputs[0]), output = context.Value(node.Id), epsilon = OptimizerOp.T(layer.Epsilon);
            context.Writer.Line($"// {layer.Name}: batch normalization over [batch × {layer.Units}], batch statistics while training, running ones at inference");
            context.Writer.Line("if (training)");
            context.Writer.Line($"    global::ModelGen.Ops.BatchNormOp.ForwardTraining<T>({input}, {Normalized(layer)}, {output}, {context.Weights(layer)}, {context.Bias(layer)}, {Field(layer, "BatchMean")}, {Field(layer, "BatchInverseDeviation")}, batch, {layer.Units}, {epsilon});");
            context.Writer.Line("else");
            context.Writer.Line($"    global::ModelGen.Ops.BatchNormOp.ForwardInference<T>({input}, {output}, {context.Weights(layer)}, {context.Bias(layer)}, {RunningMean(layer)}, {RunningVariance(layer)}, batch, {layer.Units}, {epsilon});");
        }

        public static void EmitParameterGradient(EmitContext context, GraphNode node)
        {
            LayerShape layer = context.Layer(node);
            context.Writer.Line($"// {layer.Name}: dγ = Σ dy ⊙ x̂, dβ = Σ dy");
            context.Writer.Line($"global::ModelGen.Ops.BatchNormOp.BackwardParameters<T>({Normalized(layer)}, {context.Gradient(node.Id)}, {context.WeightGradient(layer)}, {context.BiasGradient(layer)}, batch, {layer.Units});");
        }

        public static void EmitInputGradient(EmitContext context, GraphNode node, int input)
        {
            LayerShape layer = context.Layer(node);
            context.Writer.Line($"// {layer.Name}: dx = γ/(N·σ) · (N·dy − dβ − x̂ ⊙ dγ)");
            context.Writer.Line($"global::ModelGen.Ops.BatchNormOp.BackwardInput<T>({Normalized(layer)}, {context.Gradient(node.Id)}, {context.Weights(layer)}, {Field(layer, "BatchInverseDeviation")}, {context.WeightGradient(layer)}, {context.BiasGradient(layer)}, {context.Gradient(input)}, batch, {layer.Units});");
        }

        public static void EmitRunningUpdate(EmitContext context, LayerShape layer)
            => context.Writer.Line($"global::ModelGen.Ops.BatchNormOp.UpdateRunningStatistics<T>({Field(layer, "BatchMean")}, {Field(layer, "BatchInverseDeviation")}, {RunningMean(layer)}, {RunningVariance(layer)}, batch, {OptimizerOp.T(layer.Momentum)}, {OptimizerOp.T(layer.Epsilon)});");
    }
}
