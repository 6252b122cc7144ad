using System.Linq;
using System.Collections.Generic;
using System.Globalization;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// A loss on one output (head): its output check, its target argument, and the calls it emits. A model has one head
    /// (the class-level loss, on the last layer) or several (losses on layer properties); each call names its head's
    /// node and its target and output spans.
    /// </summary>
    internal abstract class LossOp
    {
        public static LossOp? For(LossDeclaration loss) => loss.Kind switch
        {
            LossKind.SoftmaxCrossEntropy => loss.Smoothing > 0 || loss.ClassWeights.Count > 0 ? new SoftmaxCrossEntropy(loss.Smoothing, loss.ClassWeights) : SoftmaxCrossEntropy.Plain,
            LossKind.MeanSquaredError => MeanSquaredError.Instance,
            LossKind.BinaryCrossEntropy => loss.FromLogits ? BinaryCrossEntropy.FromLogits : BinaryCrossEntropy.FromProbabilities,
            LossKind.MeanAbsoluteError => MeanAbsoluteError.Instance,
            LossKind.Huber => new Huber(loss.Delta),
            LossKind.NegativeLogLikelihood => NegativeLogLikelihood.Instance,
            LossKind.KLDivergence => KLDivergence.Instance,
            _ => null,
        };

        /// <summary>Whether the device backends (ILGPU, shaders) have this loss's kernels; a model whose loss has none gets no device network.</summary>
        public virtual bool HasDeviceKernels => true;

        /// <summary>How the loss reads in the generated class's documentation.</summary>
        public abstract string Name { get; }

        /// <summary>Problems with the output this loss is on; every loss but softmax cross-entropy needs one row per sample.</summary>
        public virtual void CheckOutput(LayerShape output, int index, List<Problem> problems)
        {
            if (output.OutputShape.IsSequence)
                problems.Add(Problem.AtLayer(DiagnosticIds.ShapeMismatch, SiteKind.LayerAttribute, index, output.Name,
                    $"its output {output.OutputShape} is a sequence, and {Name} takes one row per sample: put [SoftmaxCrossEntropy] on it (one class per step), or set ReturnSequences = false on the recurrent layer before it"));
        }

        protected static bool PerStep(EmitContext context, HeadShape head) => context.Node(head.Node).Shape.IsSequence;

        protected static string InputSteps(EmitContext context) => Helpers.CodeWriter.Int(context.Model.Declaration.InputSteps);

        /// <summary>"labels" or "targets": the target parameter of a one-output model, and the suffix of a head's.</summary>
        public abstract string TargetName { get; }

        /// <summary>The targets' parameter type, e.g. <c>ReadOnlySpan&lt;int&gt;</c>.</summary>
        public abstract string TargetType(string element);

        public abstract string TargetDocumentation { get; }

        /// <summary>The targets of a per-step (sequence) output; only losses that accept one override it.</summary>
        public virtual string SequenceTargetDocumentation => TargetDocumentation;

        public abstract string PredictDocumentation { get; }

        /// <summary>Validates the targets; <paramref name="entry"/> is a C# expression naming the public entry point.</summary>
        public abstract void EmitGuard(EmitContext context, HeadShape head, string entry);

        public abstract string LossAndGradient(EmitContext context, HeadShape head);

        public abstract string LossOnly(EmitContext context, HeadShape head);

        public abstract void EmitPredictOutput(EmitContext context, HeadShape head);

        /// <summary>
        /// Shaders (HLSL, ModelGen.Vulkan): the loss terms into <c>Terms</c> and, while Training, dz into the output's
        /// gradient; then their mean into the loss slot. The formulas are the CPU kernels', term by term.
        /// </summary>
        public abstract void EmitShaderLoss(ShaderEmitContext context, HeadShape head);

        /// <summary>Predict's shaders, if the output needs a transform; returns where the host reads the [Batch × width] result.</summary>
        public virtual ShaderTensor EmitShaderPredict(ShaderEmitContext context, HeadShape head) => context.Value(head.Node);

        /// <summary>The mean of the first <paramref name="count"/> loss terms into the loss slot.</summary>
        protected static void ShaderMean(ShaderEmitContext context, string count)
            => Hlsl.Sum(context, "LossMean", "the mean of the loss terms, into the loss slot", new[] { "Terms: the loss terms", $"Scalars[{Hlsl.LossSlot}]: the mean loss" },
                count, "Terms[i]", $"Scalars[{Hlsl.LossSlot}] = total * (1.0f / float({count}));");

        private static string Elements(ShaderEmitContext context, HeadShape head) => $"Batch * {context.Node(head.Node).Width}u";

        private static string HostElements(ShaderEmitContext context, HeadShape head) => $"batch * {context.Node(head.Node).Width}L";

        protected static string Output(EmitContext context, HeadShape head) => context.Value(head.Node);

        protected static string Gradient(EmitContext context, HeadShape head) => context.Gradient(head.Node);

        protected static string Width(EmitContext context, HeadShape head) => Helpers.CodeWriter.Int(context.Node(head.Node).Width);

        /// <summary>
        /// Stable softmax + cross-entropy, fused: loss = logsumexp(z) − z_y, dz = (softmax(z) − onehot(y)) / batch; with
        /// label smoothing ε the target is q = (1 − ε)·onehot(y) + ε/C: loss = logsumexp(z) − (1 − ε)·z_y − (ε/C)·Σz,
        /// dz = (softmax(z) − q) / batch. Runtime: src/ModelGen/Ops/SoftmaxCrossEntropyOp.cs.
        /// </summary>
        private sealed class SoftmaxCrossEntropy(float smoothing, Helpers.EquatableArray<float> classWeights = default) : LossOp
        {
            public static readonly SoftmaxCrossEntropy Plain = new SoftmaxCrossEntropy(0);

            /// <summary>The device kernels take label smoothing but no class weights yet.</summary>
            public override bool HasDeviceKernels => classWeights.Count == 0;

            public override string Name => "softmax cross-entropy (fused, from logits"
                + (smoothing > 0 ? $"; labels smoothed by {Helpers.CodeWriter.Literal(smoothing)}" : "")
                + (classWeights.Count > 0 ? $"; classes weighted {string.Join(", ", classWeights.Select(Helpers.CodeWriter.Literal))}" : "") + ")";

            /// <summary>
            /// The extra arguments of the runtime calls: none when neither is on (the plain overloads), ε when smoothing,
            /// ε (or 0) and the head's class-weight table when weighted.
            /// </summary>
            private string Options(EmitContext context, HeadShape head)
            {
                string epsilon = smoothing > 0 ? context.Constant("LabelSmoothing", smoothing) : "T.Zero";
                if (classWeights.Count == 0)
                    return smoothing > 0 ? ", " + epsilon : "";
                return $", {epsilon}, {context.Table(head.Name + "ClassWeights", classWeights, $"Class weights of head {head.Name}, as declared.")}";
            }

            public override void CheckOutput(LayerShape output, int index, List<Problem> problems)
            {
                if (output.OutputShape.Size < 2)
                    problems.Add(Problem.AtLayer(DiagnosticIds.SoftmaxOverSingleUnit, SiteKind.LayerAttribute, index, output.Name, output.Units.ToString(CultureInfo.InvariantCulture)));
                else if (classWeights.Count > 0 && classWeights.Count != output.OutputShape.Size)
                    problems.Add(Problem.AtLayer(DiagnosticIds.ShapeMismatch, SiteKind.LayerAttribute, index, output.Name,
                        $"its softmax cross-entropy declares {classWeights.Count} class weights for {output.OutputShape.Size} classes: give one weight per class"));
            }

            public override string TargetName => "labels";

            public override string TargetType(string element) => "global::System.ReadOnlySpan<int>";

            public override string TargetDocumentation => "One class index per sample, each in [0, width of the output).";

            public override string SequenceTargetDocumentation => "One class index per step, [batch × SequenceLength], each in [0, width of the output); padded steps' labels are ignored.";

            public override string PredictDocumentation => "class probabilities (a stable softmax of the logits)";

            public override void EmitGuard(EmitContext context, HeadShape head, string entry)
                => context.Writer.Wrapped(PerStep(context, head)
                    ? $"global::ModelGen.InputGuard.SequenceLabels(ModelName, {entry}, {head.Targets}, {(context.Model.Declaration.TakesTokens ? "inputs" : "default")}, batch, {InputSteps(context)}, {Width(context, head)}, {context.Model.PaddingId}, \"{head.Name}\");"
                    : $"global::ModelGen.InputGuard.Labels(ModelName, {entry}, {head.Targets}, batch, {Width(context, head)}, \"{head.Name}\");");

            // A per-step output is time-major with labels sample-major; the sequence kernels map one to the other and skip padded steps.
            public override string LossAndGradient(EmitContext context, HeadShape head) => PerStep(context, head)
                ? $"global::ModelGen.Ops.SequenceSoftmaxCrossEntropyOp.ForwardBackward<T>({Output(context, head)}, {head.Targets}, {context.Lengths}, {Gradient(context, head)}, batch, steps, {InputSteps(context)}, {Width(context, head)}{Options(context, head)})"
                : $"global::ModelGen.Ops.SoftmaxCrossEntropyOp.ForwardBackward<T>({Output(context, head)}, {head.Targets}, {Gradient(context, head)}, batch, {Width(context, head)}{Options(context, head)})";

            public override string LossOnly(EmitContext context, HeadShape head) => PerStep(context, head)
                ? $"global::ModelGen.Ops.SequenceSoftmaxCrossEntropyOp.Loss<T>({Output(context, head)}, {head.Targets}, {context.Lengths}, batch, steps, {InputSteps(context)}, {Width(context, head)}{Options(context, head)})"
                : $"global::ModelGen.Ops.SoftmaxCrossEntropyOp.Loss<T>({Output(context, head)}, {head.Targets}, batch, {Width(context, head)}{Options(context, head)})";

            public override void EmitPredictOutput(EmitContext context, HeadShape head) => context.Writer.Wrapped(PerStep(context, head)
                ? $"global::ModelGen.Ops.SequenceSoftmaxCrossEntropyOp.Probabilities<T>({Output(context, head)}, {head.Outputs}, {context.Lengths}, batch, steps, {InputSteps(context)}, {Width(context, head)});"
                : $"global::ModelGen.Ops.SoftmaxCrossEntropyOp.Probabilities<T>({Output(context, head)}, {head.Outputs}, batch, {Width(context, head)});");

            public override void EmitShaderLoss(ShaderEmitContext context, HeadShape head)
            {
                int classes = context.Node(head.Node).Width;
                ShaderTensor z = context.Value(head.Node), dz = context.Gradient(head.Node);
                // With smoothing ε the target is (1 − ε) on the label and ε/C on every class: the row also needs Σz.
                string off = Hlsl.Float(smoothing / classes), on = Hlsl.Float(1 - smoothing);
                string summary = smoothing > 0
                    ? $"loss = logsumexp(z) − (1 − ε)·z[label] − (ε/C)·Σz per row, ε = {Helpers.CodeWriter.Literal(smoothing)}; dz = (softmax(z) − (1 − ε)·onehot(label) − ε/C) / Batch while Training"
                    : "loss = logsumexp(z) − z[label] per row; dz = (softmax(z) − onehot(label)) / Batch while Training";
                string target = smoothing > 0 ? $"({on} * {z.At("start + uint(label)")} + {off} * total)" : z.At("start + uint(label)");
                string logits = smoothing > 0 ? $"\nfloat total = 0.0f;\nfor (uint j = 0u; j < {classes}u; j++)\n    total += {z.At("start + j")};" : "";
                string gradient = smoothing > 0 ? $"((int(j) == label ? probability - {on} : probability) - {off})" : "(int(j) == label ? probability - 1.0f : probability)";
                Hlsl.Elements(context, "SoftmaxCrossEntropy", summary,
                    new[] { "z: " + z.Description, "Labels: one class per row", "Terms: one loss term per row", "dz: " + dz.Description }, "Batch", "batch",
                    $@"uint start = i * {classes}u;
{RowMaximum(z, classes)}
float sum = 0.0f;
for (uint j = 0u; j < {classes}u; j++)
    sum += exp({z.At("start + j")} - maximum);{logits}
int label = Labels[i];
// Labels are range-checked on the host; one out of range anyway makes the loss NaN, never a stray read.
if (label >= 0 && label < {classes})
    Terms[i] = log(sum) + maximum - {target};
else
    Terms[i] = asfloat(0x7FC00000u);
if (Training != 0u)
{{
    float inverse = 1.0f / sum, scale = 1.0f / float(Batch);
    for (uint j = 0u; j < {classes}u; j++)
    {{
        float probability = exp({z.At("start + j")} - maximum) * inverse;
        {dz.At("start + j")} = {gradient} * scale;
    }}
}}");
                ShaderMean(context, "Batch");
            }

            /// <summary>HLSL: the largest logit of the row at <c>start</c>, subtracted before exponentiating (the stable softmax).</summary>
            private static string RowMaximum(ShaderTensor z, int classes)
                => $"float maximum = {z.At("start")};\nfor (uint j = 1u; j < {classes}u; j++)\n    maximum = max(maximum, {z.At("start + j")});";

            public override ShaderTensor EmitShaderPredict(ShaderEmitContext context, HeadShape head)
            {
                int classes = context.Node(head.Node).Width;
                ShaderTensor z = context.Value(head.Node), probabilities = ShaderEmitContext.Terms($"softmax(z) [Batch × {classes}]");
                Hlsl.Elements(context, "Softmax", "stable softmax of each row of logits", new[] { "z: " + z.Description, probabilities.Description }, "Batch", "batch",
                    $@"uint start = i * {classes}u;
{RowMaximum(z, classes)}
float sum = 0.0f;
for (uint j = 0u; j < {classes}u; j++)
{{
    float e = exp({z.At("start + j")} - maximum);
    Terms[start + j] = e;
    sum += e;
}}
float inverse = 1.0f / sum;
for (uint j = 0u; j < {classes}u; j++)
    Terms[start + j] *= inverse;");
                return probabilities;
            }
        }

        /// <summary>
        /// The losses on log-probabilities (a <c>LogSoftmax</c> output): NLL against labels, KL divergence against target
        /// distributions. Predict writes the log-probabilities as they are. CPU networks only for now: the log-softmax
        /// they follow has no device kernels either. Runtime: src/ModelGen/Ops/LogProbabilityLossOps.cs.
        /// </summary>
        private abstract class LogProbabilityLoss : LossOp
        {
            public override bool HasDeviceKernels => false;

            public override string PredictDocumentation => "the log-probabilities (the output layer's values)";

            public override void EmitPredictOutput(EmitContext context, HeadShape head)
                => context.Writer.Line($"{Output(context, head)}.CopyTo({head.Outputs});");

            public override void EmitShaderLoss(ShaderEmitContext context, HeadShape head)
                => throw new System.InvalidOperationException($"{Name} has no shaders: DeviceEmitter.Unsupported keeps its models off the device backends.");
        }

        /// <summary>NLL: −(1/batch)·Σ x[i, yᵢ] (torch.nn.NLLLoss).</summary>
        private sealed class NegativeLogLikelihood : LogProbabilityLoss
        {
            public static readonly NegativeLogLikelihood Instance = new NegativeLogLikelihood();

            public override string Name => "negative log-likelihood (on log-probabilities)";

            public override string TargetName => "labels";

            public override string TargetType(string element) => "global::System.ReadOnlySpan<int>";

            public override string TargetDocumentation => "One class index per sample, each in [0, width of the output).";

            public override void EmitGuard(EmitContext context, HeadShape head, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.Labels(ModelName, {entry}, {head.Targets}, batch, {Width(context, head)}, \"{head.Name}\");");

            public override string LossAndGradient(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.NegativeLogLikelihoodOp.ForwardBackward<T>({Output(context, head)}, {head.Targets}, {Gradient(context, head)}, batch, {Width(context, head)})";

            public override string LossOnly(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.NegativeLogLikelihoodOp.Loss<T>({Output(context, head)}, {head.Targets}, batch, {Width(context, head)})";
        }

        /// <summary>KL divergence, batch mean: (1/batch)·Σ t·(log t − x) (torch.nn.KLDivLoss(reduction="batchmean")).</summary>
        private sealed class KLDivergence : LogProbabilityLoss
        {
            public static readonly KLDivergence Instance = new KLDivergence();

            public override string Name => "KL divergence (targets' distributions from the log-probabilities, batch mean)";

            public override string TargetName => "targets";

            public override string TargetType(string element) => $"global::System.ReadOnlySpan<{element}>";

            public override string TargetDocumentation => "Target distributions, [batch × width of the output], each element in [0, 1] (each row should sum to 1).";

            public override void EmitGuard(EmitContext context, HeadShape head, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.ProbabilityTargets<T>(ModelName, {entry}, {head.Targets}, batch, {Width(context, head)}, \"{head.Name}\");");

            public override string LossAndGradient(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.KLDivergenceOp.ForwardBackward<T>({Output(context, head)}, {head.Targets}, {Gradient(context, head)}, batch, {Width(context, head)})";

            public override string LossOnly(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.KLDivergenceOp.Loss<T>({Output(context, head)}, {head.Targets}, batch, {Width(context, head)})";
        }

        /// <summary>
        /// An element-wise regression loss on float targets, averaged over every output: what MSE, MAE and Huber share
        /// (targets, guards, Predict's identity output, the shader's shape); each says its runtime op and its term.
        /// </summary>
        private abstract class RegressionLoss : LossOp
        {
            /// <summary>The runtime op class (src/ModelGen/Ops), e.g. "MeanSquaredErrorOp".</summary>
            protected abstract string RuntimeOp { get; }

            /// <summary>Arguments after the count (Huber's δ), with their leading comma.</summary>
            protected virtual string ExtraArguments(EmitContext context) => "";

            /// <summary>HLSL: from <c>difference</c> = y − t, declares <c>term</c> (the loss term) and <c>slope</c> (dy · count).</summary>
            protected abstract string ShaderTerm { get; }

            /// <summary>The formulas in words, for the shader's header.</summary>
            protected abstract string ShaderSummary { get; }

            public override string TargetName => "targets";

            public override string TargetType(string element) => $"global::System.ReadOnlySpan<{element}>";

            public override string TargetDocumentation => "Regression targets, [batch × width of the output], finite.";

            public override string PredictDocumentation => "the network outputs";

            public override void EmitGuard(EmitContext context, HeadShape head, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.Targets<T>(ModelName, {entry}, {head.Targets}, batch, {Width(context, head)}, \"{head.Name}\");");

            public override string LossAndGradient(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.{RuntimeOp}.ForwardBackward<T>({Output(context, head)}, {head.Targets}, {Gradient(context, head)}, batch * {Width(context, head)}{ExtraArguments(context)})";

            public override string LossOnly(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.{RuntimeOp}.Loss<T>({Output(context, head)}, {head.Targets}, batch * {Width(context, head)}{ExtraArguments(context)})";

            public override void EmitPredictOutput(EmitContext context, HeadShape head)
                => context.Writer.Line($"{Output(context, head)}.CopyTo({head.Outputs});");

            public override void EmitShaderLoss(ShaderEmitContext context, HeadShape head)
            {
                ShaderTensor y = context.Value(head.Node), dy = context.Gradient(head.Node);
                string count = Elements(context, head);
                Hlsl.Elements(context, RuntimeOp.Substring(0, RuntimeOp.Length - 2), ShaderSummary + " while Training",
                    new[] { "y: " + y.Description, "Targets: the regression targets", "Terms: one term per output", "dy: " + dy.Description }, count, HostElements(context, head),
                    $@"float difference = {y.At("i")} - Targets[i];
{ShaderTerm}
Terms[i] = term;
if (Training != 0u)
    {dy.At("i")} = slope * (1.0f / float({count}));");
                ShaderMean(context, count);
            }
        }

        /// <summary>Mean squared error over all outputs. Runtime: src/ModelGen/Ops/MeanSquaredErrorOp.cs.</summary>
        private sealed class MeanSquaredError : RegressionLoss
        {
            public static readonly MeanSquaredError Instance = new MeanSquaredError();

            public override string Name => "mean squared error";

            protected override string RuntimeOp => "MeanSquaredErrorOp";

            protected override string ShaderSummary => "loss terms (y − t)²; dy = 2 (y − t) / count";

            protected override string ShaderTerm => "float term = difference * difference;\nfloat slope = 2.0f * difference;";
        }

        /// <summary>Mean absolute error over all outputs, as torch.nn.L1Loss. Runtime: src/ModelGen/Ops/RobustRegressionOps.cs.</summary>
        private sealed class MeanAbsoluteError : RegressionLoss
        {
            public static readonly MeanAbsoluteError Instance = new MeanAbsoluteError();

            public override string Name => "mean absolute error";

            protected override string RuntimeOp => "MeanAbsoluteErrorOp";

            protected override string ShaderSummary => "loss terms |y − t|; dy = sign(y − t) / count";

            protected override string ShaderTerm => "float term = abs(difference);\nfloat slope = sign(difference);";
        }

        /// <summary>Huber loss with threshold δ over all outputs, as torch.nn.HuberLoss. Runtime: src/ModelGen/Ops/RobustRegressionOps.cs.</summary>
        private sealed class Huber : RegressionLoss
        {
            private readonly float _delta;

            public Huber(float delta) => _delta = delta;

            public override string Name => $"Huber loss (δ {Helpers.CodeWriter.Literal(_delta)})";

            protected override string RuntimeOp => "HuberLossOp";

            protected override string ExtraArguments(EmitContext context) => ", " + context.Constant("HuberDelta", _delta);

            protected override string ShaderSummary => $"loss terms ½d² for |d| ≤ δ = {Helpers.CodeWriter.Literal(_delta)}, δ(|d| − ½δ) beyond; dy = clamp(d, −δ, δ) / count";

            protected override string ShaderTerm
            {
                get
                {
                    string delta = Hlsl.Float(_delta);
                    return $"float size = abs(difference);\nfloat term = size <= {delta} ? 0.5f * difference * difference : {delta} * (size - 0.5f * {delta});\nfloat slope = clamp(difference, -{delta}, {delta});";
                }
            }
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

            public override string TargetName => "targets";

            public override string TargetType(string element) => $"global::System.ReadOnlySpan<{element}>";

            public override string TargetDocumentation => "Binary targets, [batch × width of the output], each in [0, 1].";

            public override string PredictDocumentation => _fromLogits ? "per-output probabilities (the sigmoid of the logits)" : "the network outputs (probabilities)";

            public override void EmitGuard(EmitContext context, HeadShape head, string entry)
                => context.Writer.Wrapped($"global::ModelGen.InputGuard.ProbabilityTargets<T>(ModelName, {entry}, {head.Targets}, batch, {Width(context, head)}, \"{head.Name}\");");

            public override string LossAndGradient(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.BinaryCrossEntropyOp.{(_fromLogits ? "ForwardBackwardFromLogits" : "ForwardBackward")}<T>({Output(context, head)}, {head.Targets}, {Gradient(context, head)}, batch * {Width(context, head)})";

            public override string LossOnly(EmitContext context, HeadShape head)
                => $"global::ModelGen.Ops.BinaryCrossEntropyOp.{(_fromLogits ? "LossFromLogits" : "Loss")}<T>({Output(context, head)}, {head.Targets}, batch * {Width(context, head)})";

            public override void EmitPredictOutput(EmitContext context, HeadShape head)
            {
                if (_fromLogits)
                    context.Writer.Wrapped($"global::ModelGen.Ops.BinaryCrossEntropyOp.Probabilities<T>({Output(context, head)}, {head.Outputs}, batch * {Width(context, head)});");
                else
                    context.Writer.Line($"{Output(context, head)}.CopyTo({head.Outputs});");
            }

            public override void EmitShaderLoss(ShaderEmitContext context, HeadShape head)
            {
                ShaderTensor y = context.Value(head.Node), dy = context.Gradient(head.Node);
                string count = Elements(context, head);
                string[] tensors = { (_fromLogits ? "z: " : "p: ") + y.Description, "Targets: in [0, 1]", "Terms: one term per output", "d: " + dy.Description };
                if (_fromLogits)
                    Hlsl.Elements(context, "BinaryCrossEntropy", "loss terms max(z, 0) − z·t + log(1 + e^−|z|); dz = (σ(z) − t) / count while Training", tensors, count, HostElements(context, head),
                        $@"float z = {y.At("i")}, t = Targets[i];
Terms[i] = max(z, 0.0f) - z * t + log(1.0f + exp(-abs(z)));
if (Training != 0u)
    {dy.At("i")} = (1.0f / (1.0f + exp(-z)) - t) * (1.0f / float({count}));");
                else
                    Hlsl.Elements(context, "BinaryCrossEntropy", "loss terms −t·log p − (1 − t)·log(1 − p), p clamped to [1e-7, 1 − 1e-7]; dp = (p − t) / (p (1 − p)) / count inside the clamp while Training",
                        tensors, count, HostElements(context, head),
                        $@"float raw = {y.At("i")}, t = Targets[i];
float p = min(max(raw, 1e-7f), 1.0f - 1e-7f);
Terms[i] = -t * log(p) - (1.0f - t) * log(1.0f - p);
if (Training != 0u)
    {dy.At("i")} = raw >= 1e-7f && raw <= 1.0f - 1e-7f ? (p - t) / (p * (1.0f - p)) * (1.0f / float({count})) : 0.0f;");
                ShaderMean(context, count);
            }

            public override ShaderTensor EmitShaderPredict(ShaderEmitContext context, HeadShape head)
            {
                if (!_fromLogits)
                    return context.Value(head.Node);
                ShaderTensor z = context.Value(head.Node), probabilities = ShaderEmitContext.Terms("σ(z)");
                Hlsl.Elements(context, "Sigmoid", "σ of each logit", new[] { "z: " + z.Description, probabilities.Description }, Elements(context, head), HostElements(context, head),
                    $"Terms[i] = 1.0f / (1.0f + exp(-{z.At("i")}));");
                return probabilities;
            }
        }
    }
}
