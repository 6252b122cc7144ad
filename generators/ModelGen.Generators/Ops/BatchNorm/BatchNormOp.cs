using System.Linq;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// Batch normalization, emission (rules: BatchNormRules.cs; runtime: src/ModelGen/Ops/BatchNormOp.cs). Training
    /// saves x̂ ([batch × width]), the batch mean and 1/√(σ² + ε) for backward and for the running update; inference
    /// reads the running estimates from the state buffer and saves nothing.
    /// </summary>
    internal sealed class BatchNormOp : OpDefinition
    {
        public static readonly BatchNormOp Instance = new BatchNormOp();

        public override int[] Parameters(OpNode node) => new[] { Of(node).Scale, Of(node).Shift };

        public override int[] GraphTensors(OpNode node) => new[] { Of(node).Scale, Of(node).Shift, Of(node).RunningMean, Of(node).RunningVariance };

        public override string GraphSettings(OpNode node) => $", epsilon: {CodeWriter.Literal(Of(node).Epsilon)}f";

        public override bool AllowsInPlaceSuccessor => true;

        public override bool HasTrainingMode => true;

        public override bool NeedsBatchStatistics => true;

        public override string? Describe(OpNode node) => "batch norm";

        private static BatchNormAttributes Of(OpNode node) => (BatchNormAttributes)node.Attributes;

        public override SavedBuffer[] SavedBuffers(OpNode node) => new[]
        {
            new SavedBuffer("Normalized", node.Width, PerSample: true, "x̂ of " + node.Name),
            new SavedBuffer("BatchMean", Features(node), PerSample: false, "batch mean of " + node.Name),
            new SavedBuffer("BatchInverseDeviation", Features(node), PerSample: false, "1/√(σ² + ε) of " + node.Name),
        };

        /// <summary>Statistics per feature of a flat input, per channel of a feature map.</summary>
        private static int Features(OpNode node) => node.Shape.Dimensions[0];

        /// <summary>Feature maps call the *Spatial kernels with (channels, positions); flat inputs the row kernels with (width).</summary>
        private static bool IsSpatial(OpNode node) => node.Shape.Rank == 3;

        private static string Kernel(OpNode node, string name) => "global::ModelGen.Ops.BatchNormOp." + name + (IsSpatial(node) ? "Spatial" : "") + "<T>";

        private static string[] Extent(OpNode node)
            => IsSpatial(node) ? new[] { "batch", Int(Features(node)), Int(Of(node).Spatial) } : new[] { "batch", Int(node.Width) };

        private static string Saved(EmitContext context, OpNode node, int which) => context.Saved(node, Instance.SavedBuffers(node)[which]);

        public override void EmitForward(EmitContext context, OpNode node, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            string input = context.Value(node.Inputs[0]), output = context.Value(node.Id), epsilon = context.Constant(node.Name + "Epsilon", norm.Epsilon);
            string gamma = context.Parameter(norm.Scale), beta = context.Parameter(norm.Shift);
            string over = IsSpatial(node) ? $"per channel over [batch × {node.Shape.Dimensions[1]} × {node.Shape.Dimensions[2]}] of {Features(node)} channels" : $"over [batch × {node.Width}]";
            context.Writer.Line($"// {node.Name}: batch normalization {over}, batch statistics while training, running ones at inference");
            context.Writer.Open("if (training)");
            context.Writer.Call(Kernel(node, "ForwardTraining"), Args(new[] { input, Saved(context, node, 0), output, gamma, beta, Saved(context, node, 1), Saved(context, node, 2) }, Extent(node), epsilon));
            context.Writer.Close();
            context.Writer.Open("else");
            context.Writer.Call(Kernel(node, "ForwardInference"), Args(new[] { input, output, gamma, beta, context.Parameter(norm.RunningMean), context.Parameter(norm.RunningVariance) }, Extent(node), epsilon));
            context.Writer.Close();
        }

        public override void EmitParameterGradient(EmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dγ = Σ dy ⊙ x̂, dβ = Σ dy");
            context.Writer.Call(Kernel(node, "BackwardParameters"), Args(new[] { Saved(context, node, 0), context.Gradient(node.Id),
                context.ParameterGradient(norm.Scale), context.ParameterGradient(norm.Shift) }, Extent(node)));
        }

        public override void EmitInputGradient(EmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dx = γ/(N·σ) · (N·dy − dβ − x̂ ⊙ dγ)");
            context.Writer.Call(Kernel(node, "BackwardInput"), Args(new[] { Saved(context, node, 0), context.Gradient(node.Id), context.Parameter(norm.Scale),
                Saved(context, node, 2), context.ParameterGradient(norm.Scale), context.ParameterGradient(norm.Shift), target }, Extent(node)));
        }

        public override void EmitTrainingStepEnd(EmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            // The unbiased correction counts every value a channel's statistics saw: batch · positions.
            string count = IsSpatial(node) ? $"batch * {Int(norm.Spatial)}" : "batch";
            context.Writer.Call("global::ModelGen.Ops.BatchNormOp.UpdateRunningStatistics<T>", Saved(context, node, 1), Saved(context, node, 2),
                context.Parameter(norm.RunningMean), context.Parameter(norm.RunningVariance), count, context.Constant(node.Name + "Momentum", norm.Momentum), context.Constant(node.Name + "Epsilon", norm.Epsilon));
        }

        private static string[] Args(string[] head, string[] extent, params string[] tail)
            => head.Concat(extent).Concat(tail).ToArray();

        // GPU (ModelGen.Gpu): flat inputs only for now (BatchNorm1d); per-feature sums run 32 features per group.

        public override bool HasDeviceKernels(OpNode node) => !IsSpatial(node);

        private static string Saved(DeviceEmitContext context, OpNode node, int which) => context.Saved(node, Instance.SavedBuffers(node)[which]);

        public override void EmitDeviceForward(DeviceEmitContext context, OpNode node, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            string input = context.Value(node.Inputs[0]), output = context.Value(node.Id), epsilon = Helpers.CodeWriter.Float(norm.Epsilon);
            string gamma = context.Parameter(norm.Scale), beta = context.Parameter(norm.Shift);
            context.Writer.Line($"// {node.Name}: batch normalization over [batch × {node.Width}], batch statistics while training, running ones at inference");
            context.Writer.Open("if (training)");
            context.Writer.Call("BatchNormTraining", input, Saved(context, node, 0), output, gamma, beta, Saved(context, node, 1), Saved(context, node, 2), "batch", Int(node.Width), epsilon);
            context.Writer.Close();
            context.Writer.Open("else");
            context.Writer.Call("BatchNormInference", input, output, gamma, beta, context.Parameter(norm.RunningMean), context.Parameter(norm.RunningVariance), "batch", Int(node.Width), epsilon);
            context.Writer.Close();
        }

        public override void EmitDeviceParameterGradient(DeviceEmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dγ = Σ dy ⊙ x̂, dβ = Σ dy");
            context.Writer.Call("BatchNormParameterGradient", Saved(context, node, 0), context.Gradient(node.Id), context.ParameterGradient(norm.Scale),
                context.ParameterGradient(norm.Shift), "batch", Int(node.Width));
        }

        public override void EmitDeviceInputGradient(DeviceEmitContext context, OpNode node, int slot, string target, bool accumulate, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: dx = γ/(N·σ) · (N·dy − dβ − x̂ ⊙ dγ)");
            context.Writer.Call("BatchNormInputGradient", Saved(context, node, 0), context.Gradient(node.Id), context.Parameter(norm.Scale), Saved(context, node, 2),
                context.ParameterGradient(norm.Scale), context.ParameterGradient(norm.Shift), target, "batch", Int(node.Width));
        }

        public override void EmitDeviceTrainingStepEnd(DeviceEmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            context.Writer.Line($"// {node.Name}: the running estimates move toward this batch's statistics");
            context.Writer.Call("BatchNormUpdateRunning", Saved(context, node, 1), Saved(context, node, 2), context.Parameter(norm.RunningMean),
                context.Parameter(norm.RunningVariance), "batch", Helpers.CodeWriter.Float(norm.Momentum), Helpers.CodeWriter.Float(norm.Epsilon));
        }

        // Shaders (HLSL, ModelGen.Vulkan): flat inputs only for now, as on the GPU. Per-feature sums run one thread per
        // feature over the rows in order (deterministic); element-wise passes read the feature as i % width.

        public override bool HasShaders(OpNode node) => !IsSpatial(node);

        private static ShaderTensor Saved(ShaderEmitContext context, OpNode node, int which) => context.Saved(node, Instance.SavedBuffers(node)[which]);

        public override void EmitShaderForward(ShaderEmitContext context, OpNode node, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            int width = node.Width;
            ShaderTensor x = context.Value(node.Inputs[0]), y = context.Value(node.Id), gamma = context.Parameter(norm.Scale), beta = context.Parameter(norm.Shift);
            ShaderTensor normalized = Saved(context, node, 0), mean = Saved(context, node, 1), inverse = Saved(context, node, 2);
            string epsilon = Hlsl.Float(norm.Epsilon);
            context.Writer.Open("if (program == global::ModelGen.Vulkan.NetworkProgram.Train)");
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Statistics"), "per-feature batch mean and 1/√(biased variance + ε), two passes over the rows",
                new[] { "x: " + x.Description, "mean: " + mean.Description, "1/σ: " + inverse.Description }, $"{width}u", $"{width}L",
                $@"float sum = 0.0f;
for (uint row = 0u; row < Batch; row++)
    sum += {x.At($"row * {width}u + i")};
float mu = sum / float(Batch);
float squares = 0.0f;
for (uint row = 0u; row < Batch; row++)
{{
    float centred = {x.At($"row * {width}u + i")} - mu;
    squares += centred * centred;
}}
{mean.At("i")} = mu;
{inverse.At("i")} = rsqrt(squares / float(Batch) + {epsilon});");
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Normalize"), "x̂ = (x − mean) / σ, y = γ·x̂ + β",
                new[] { "x: " + x.Description, "x̂: " + normalized.Description, "y: " + y.Description, "γ: " + gamma.Description, "β: " + beta.Description, "mean: " + mean.Description, "1/σ: " + inverse.Description },
                $"Batch * {width}u", $"batch * {width}L",
                $@"uint j = i % {width}u;
float n = ({x.At("i")} - {mean.At("j")}) * {inverse.At("j")};
{normalized.At("i")} = n;
{y.At("i")} = n * {gamma.At("j")} + {beta.At("j")};");
            context.Writer.Close();
            context.Writer.Open("else");
            ShaderTensor runningMean = context.Parameter(norm.RunningMean), runningVariance = context.Parameter(norm.RunningVariance);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "Inference"), "y = γ·(x − running mean)/√(running variance + ε) + β",
                new[] { "x: " + x.Description, "y: " + y.Description, "γ: " + gamma.Description, "β: " + beta.Description, "running mean: " + runningMean.Description, "running variance: " + runningVariance.Description },
                $"Batch * {width}u", $"batch * {width}L",
                $@"uint j = i % {width}u;
float scale = {gamma.At("j")} * rsqrt({runningVariance.At("j")} + {epsilon});
{y.At("i")} = {x.At("i")} * scale + ({beta.At("j")} - {runningMean.At("j")} * scale);");
            context.Writer.Close();
        }

        public override void EmitShaderParameterGradient(ShaderEmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            int width = node.Width;
            ShaderTensor normalized = Saved(context, node, 0), dy = context.Gradient(node.Id), dGamma = context.ParameterGradient(norm.Scale), dBeta = context.ParameterGradient(norm.Shift);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "ParameterGradient"), "dγ = Σ dy ⊙ x̂, dβ = Σ dy per feature, rows in order",
                new[] { "x̂: " + normalized.Description, "dy: " + dy.Description, "dγ: " + dGamma.Description, "dβ: " + dBeta.Description }, $"{width}u", $"{width}L",
                $@"float scaled = 0.0f, plain = 0.0f;
for (uint row = 0u; row < Batch; row++)
{{
    float gradient = {dy.At($"row * {width}u + i")};
    scaled += gradient * {normalized.At($"row * {width}u + i")};
    plain += gradient;
}}
{dGamma.At("i")} = scaled;
{dBeta.At("i")} = plain;");
        }

        public override void EmitShaderInputGradient(ShaderEmitContext context, OpNode node, int slot, ShaderTensor target, bool accumulate, OpNode? epilogue)
        {
            BatchNormAttributes norm = Of(node);
            int width = node.Width;
            ShaderTensor normalized = Saved(context, node, 0), dy = context.Gradient(node.Id), gamma = context.Parameter(norm.Scale), inverse = Saved(context, node, 2);
            ShaderTensor dGamma = context.ParameterGradient(norm.Scale), dBeta = context.ParameterGradient(norm.Shift);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "InputGradient"), "dx = γ/σ · (dy − dβ/N − x̂ ⊙ dγ/N)",
                new[] { "x̂: " + normalized.Description, "dy: " + dy.Description, "γ: " + gamma.Description, "1/σ: " + inverse.Description, "dγ: " + dGamma.Description, "dβ: " + dBeta.Description, "dx: " + target.Description },
                $"Batch * {width}u", $"batch * {width}L",
                $@"uint j = i % {width}u;
float inverseRows = 1.0f / float(Batch);
float correction = {normalized.At("i")} * ({dGamma.At("j")} * inverseRows) + {dBeta.At("j")} * inverseRows;
{target.At("i")} = ({dy.At("i")} - correction) * ({gamma.At("j")} * {inverse.At("j")});");
        }

        public override void EmitShaderTrainingStepEnd(ShaderEmitContext context, OpNode node)
        {
            BatchNormAttributes norm = Of(node);
            ShaderTensor mean = Saved(context, node, 1), inverse = Saved(context, node, 2);
            ShaderTensor runningMean = context.Parameter(norm.RunningMean), runningVariance = context.Parameter(norm.RunningVariance);
            string momentum = Hlsl.Float(norm.Momentum), keep = Hlsl.Float(1f - norm.Momentum);
            Hlsl.Elements(context, ShaderEmitContext.ShaderName(node, "UpdateRunning"), $"running estimates move {Helpers.CodeWriter.Literal(norm.Momentum)} of the way to this batch's mean and unbiased variance",
                new[] { "mean: " + mean.Description, "1/σ: " + inverse.Description, "running mean: " + runningMean.Description, "running variance: " + runningVariance.Description },
                $"{Features(node)}u", $"{Features(node)}L",
                $@"float inverse = {inverse.At("i")};
float variance = max(1.0f / (inverse * inverse) - {Hlsl.Float(norm.Epsilon)}, 0.0f);
{runningMean.At("i")} = {keep} * {runningMean.At("i")} + {momentum} * {mean.At("i")};
{runningVariance.At("i")} = {keep} * {runningVariance.At("i")} + {momentum} * variance * (float(Batch) / (float(Batch) - 1.0f));");
        }
    }
}
