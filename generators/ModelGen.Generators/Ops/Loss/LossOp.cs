using System.Collections.Generic;
using System.Globalization;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>A loss on the model's output: its output check, target argument, and emitted calls.</summary>
    internal abstract class LossOp
    {
        public static LossOp? For(LossDeclaration loss) => loss.Kind switch
        {
            LossKind.SoftmaxCrossEntropy => SoftmaxCrossEntropy.Instance,
            LossKind.MeanSquaredError => MeanSquaredError.Instance,
            LossKind.BinaryCrossEntropy => loss.FromLogits ? BinaryCrossEntropy.FromLogits : BinaryCrossEntropy.FromProbabilities,
            _ => null,
        };

        /// <summary>How the loss reads in the generated class's documentation.</summary>
        public abstract string Name { get; }

        public abstract void CheckOutput(LayerShape output, int index, List<Problem> problems);

        /// <summary>Parameter list entry for the targets, e.g. <c>ReadOnlySpan&lt;int&gt; labels</c>.</summary>
        public abstract string TargetParameter(string element);

        public abstract string TargetName { get; }

        public abstract string TargetDocumentation { get; }

        public abstract string PredictDocumentation { get; }

        /// <summary>Validates the targets; <paramref name="entry"/> is a C# expression naming the public entry point.</summary>
        public abstract void EmitGuard(EmitContext context, string entry);

        public abstract string LossAndGradient(EmitContext context);

        public abstract string LossOnly(EmitContext context);

        public abstract void EmitPredictOutput(EmitContext context);

        /// <summary>
        /// Stable softmax + cross-entropy, fused: loss = logsumexp(z) − z_y, dz = (softmax(z) − onehot(y)) / batch.
        /// Runtime: src/ModelGen/Ops/SoftmaxCrossEntropyOp.cs.
        /// </summary>
        private sealed class SoftmaxCrossEntropy : LossOp
        {
            public static readonly SoftmaxCrossEntropy Instance = new SoftmaxCrossEntropy();

            public override string Name => "softmax cross-entropy (fused, from logits)";

            public override void CheckOutput(LayerShape output, int index, List<Problem> problems)
            {
                if (output.Units < 2)
                    problems.Add(Problem.AtLayer(DiagnosticIds.SoftmaxOverSingleUnit, SiteKind.LayerAttribute, index, output.Name, output.Units.ToString(CultureInfo.InvariantCulture)));
            }

            public override string TargetParameter(string element) => "global::System.ReadOnlySpan<int> labels";

            public override string TargetName => "labels";

            public override string TargetDocumentation => "One class index per sample, each in [0, OutputSize).";

            public override string PredictDocumentation => "Writes class probabilities (a stable softmax of the logits), [batch × OutputSize].";

            public override void EmitGuard(EmitContext context, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.Labels(ModelName, {entry}, labels, batch, {context.Output.Width}, \"{context.LayerName(context.Output)}\");");

            public override string LossAndGradient(EmitContext context)
                => $"global::ModelGen.Ops.SoftmaxCrossEntropyOp.ForwardBackward<T>({context.Value(context.Model.OutputNode)}, labels, {context.Gradient(context.Model.OutputNode)}, batch, {context.Output.Width})";

            public override string LossOnly(EmitContext context)
                => $"global::ModelGen.Ops.SoftmaxCrossEntropyOp.Loss<T>({context.Value(context.Model.OutputNode)}, labels, batch, {context.Output.Width})";

            public override void EmitPredictOutput(EmitContext context)
                => context.Writer.Wrapped($"global::ModelGen.Ops.SoftmaxCrossEntropyOp.Probabilities<T>({context.Value(context.Model.OutputNode)}, outputs, batch, {context.Output.Width});");
        }

        /// <summary>Mean squared error over all outputs. Runtime: src/ModelGen/Ops/MeanSquaredErrorOp.cs.</summary>
        private sealed class MeanSquaredError : LossOp
        {
            public static readonly MeanSquaredError Instance = new MeanSquaredError();

            public override string Name => "mean squared error";

            public override void CheckOutput(LayerShape output, int index, List<Problem> problems)
            {
            }

            public override string TargetParameter(string element) => $"global::System.ReadOnlySpan<{element}> targets";

            public override string TargetName => "targets";

            public override string TargetDocumentation => "Regression targets, [batch × OutputSize], finite.";

            public override string PredictDocumentation => "Writes the network outputs, [batch × OutputSize].";

            public override void EmitGuard(EmitContext context, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.Targets<T>(ModelName, {entry}, targets, batch, {context.Output.Width}, \"{context.LayerName(context.Output)}\");");

            public override string LossAndGradient(EmitContext context)
                => $"global::ModelGen.Ops.MeanSquaredErrorOp.ForwardBackward<T>({context.Value(context.Model.OutputNode)}, targets, {context.Gradient(context.Model.OutputNode)}, batch * {context.Output.Width})";

            public override string LossOnly(EmitContext context)
                => $"global::ModelGen.Ops.MeanSquaredErrorOp.Loss<T>({context.Value(context.Model.OutputNode)}, targets, batch * {context.Output.Width})";

            public override void EmitPredictOutput(EmitContext context)
                => context.Writer.Wrapped($"{context.Value(context.Model.OutputNode)}.CopyTo(outputs);");
        }
            /// <summary>
        /// Binary cross-entropy over all outputs, from logits (sigmoid fused, stable) or from probabilities (clamped).
        /// Runtime: src/ModelGen/Ops/BinaryCrossEntropyOp.cs.
        /// </summary>
        private sealed class BinaryCrossEntropy : LossOp
        {
            public static readonly BinaryCrossEntropy FromLogits = new BinaryCrossEntropy(fromLogits: true);
            public static readonly BinaryCrossEntropy FromProbabilities = new BinaryCrossEntropy(fromLogits: false);

            private readonly bool _fromLogits;

            private BinaryCrossEntropy(bool fromLogits) => _fromLogits = fromLogits;

            public override string Name => _fromLogits ? "binary cross-entropy (sigmoid fused, from logits)" : "binary cross-entropy on probabilities (clamped to [1e-7, 1 − 1e-7])";

            public override void CheckOutput(LayerShape output, int index, List<Problem> problems)
            {
            }

            public override string TargetParameter(string element) => $"global::System.ReadOnlySpan<{element}> targets";

            public override string TargetName => "targets";

            public override string TargetDocumentation => "Binary targets, [batch × OutputSize], each in [0, 1].";

            public override string PredictDocumentation => _fromLogits
                ? "Writes per-output probabilities (the sigmoid of the logits), [batch × OutputSize]."
                : "Writes the network outputs (probabilities), [batch × OutputSize].";

            public override void EmitGuard(EmitContext context, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.ProbabilityTargets<T>(ModelName, {entry}, targets, batch, {context.Output.Width}, \"{context.LayerName(context.Output)}\");");

            public override string LossAndGradient(EmitContext context)
                => $"global::ModelGen.Ops.BinaryCrossEntropyOp.{(_fromLogits ? "ForwardBackwardFromLogits" : "ForwardBackward")}<T>({context.Value(context.Model.OutputNode)}, targets, {context.Gradient(context.Model.OutputNode)}, batch * {context.Output.Width})";

            public override string LossOnly(EmitContext context)
                => $"global::ModelGen.Ops.BinaryCrossEntropyOp.{(_fromLogits ? "LossFromLogits" : "Loss")}<T>({context.Value(context.Model.OutputNode)}, targets, batch * {context.Output.Width})";

            public override void EmitPredictOutput(EmitContext context)
                => context.Writer.Wrapped(_fromLogits
                    ? $"global::ModelGen.Ops.BinaryCrossEntropyOp.Probabilities<T>({context.Value(context.Model.OutputNode)}, outputs, batch * {context.Output.Width});"
                    : $"{context.Value(context.Model.OutputNode)}.CopyTo(outputs);");
        }
    }
}
