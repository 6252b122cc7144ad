using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// The shader backend: renders the same training program as <see cref="ModelEmitter"/> as HLSL compute shaders — one
    /// per op and pass, written by the ops (<see cref="OpDefinition.EmitShaderForward"/>…) from the shapes in
    /// <see cref="Hlsl"/> — and a nested <c>Vulkan</c> class deriving from <c>ModelGen.Vulkan.VulkanNetwork</c> that
    /// records their dispatches and drives a step. The shaders are public (<c>Vulkan.Shaders</c>), so a DirectX 12 host
    /// can compile the same HLSL. Emitted only when the compilation references ModelGen.Vulkan, for the programs the GPU
    /// backend also takes, minus ops without shaders (batch norm for now).
    /// </summary>
    internal static class ShaderEmitter
    {
        /// <summary>The runtime type whose presence in the compilation switches the backend on.</summary>
        public const string VulkanNetworkTypeName = "ModelGen.Vulkan.VulkanNetwork";

        private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\", \"1.0\")]";

        /// <summary>Why the program gets no Vulkan network (the first reason found), or null when it gets one.</summary>
        public static string? Unsupported(TrainingProgram program)
            => program.Model.Declaration.Regularization.WeightNoise is not null ? "[WeightNoise] has no shaders yet"
                : DeviceEmitter.Unsupported(program, node => OpRegistry.For(node.Kind).HasShaders(node), "shaders");

        public static GeneratedSource? Emit(TrainingProgram program)
        {
            if (program.IsEmpty || program.Model.HasErrors || Unsupported(program) is not null)
                return null;
            return ModelEmitter.SourceFile(program.Model.Declaration, ".Vulkan", writer => EmitModel(writer, program));
        }

        private static void EmitModel(CodeWriter writer, TrainingProgram program)
        {
            CheckedModel model = program.Model;
            ModelDeclaration declaration = model.Declaration;
            HeadShape head = model.Heads[0];
            OpNode output = model.Nodes[head.Node];
            LossKind loss = head.Loss.Kind;
            LossOp lossOp = LossOp.For(head.Loss)!;
            bool labels = loss == LossKind.SoftmaxCrossEntropy;
            string targetType = labels ? "global::System.ReadOnlySpan<int>" : "global::System.ReadOnlySpan<float>";
            string targetName = labels ? "labels" : "targets";
            string name = declaration.ClassName;

            // The recording method first: writing it is what produces the shaders, in dispatch-index order.
            var shaders = new List<(string Name, string Source)>();
            var record = new CodeWriter(writer.Depth + 3); // inside the model class, the Vulkan class and Record
            var context = new ShaderEmitContext(record, program, shaders);
            ShaderTensor predicted = EmitRecord(context, lossOp, head);

            writer.Open($"partial class {name}");
            writer.Line("/// <summary>");
            writer.Line("/// A copy of this model on a Vulkan <paramref name=\"device\"/> (a GPU, or Mesa's lavapipe on the CPU): parameters, optimizer state and step count move to device buffers, and training runs as the model's HLSL compute shaders. <see cref=\"Vulkan.CopyTo\"/> brings the weights back.");
            writer.Line("/// </summary>");
            writer.Line("public Vulkan ToVulkan(global::ModelGen.Vulkan.VulkanDevice device) => new Vulkan(this, device);");
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line($"/// {name} on a Vulkan device: the training program of <see cref=\"Network{{T}}\"/> as {shaders.Count} HLSL compute shaders (<see cref=\"Shaders\"/>), recorded once per batch size into a command buffer, with the loss read back only when asked (<see cref=\"global::ModelGen.Vulkan.VulkanNetwork.LastLoss\"/>). Inputs are checked as on the CPU, with the same exceptions. One call at a time per instance; dispose it to free the device buffers.");
            writer.Line("/// </summary>");
            writer.Line(GeneratedCode);
            writer.Open("public sealed class Vulkan : global::ModelGen.Vulkan.VulkanNetwork");
            writer.Line("/// <summary>The model's compute shaders in dispatch-index order: HLSL with entry point <c>main</c>, for glslang (SPIR-V, Vulkan) or dxc (DirectX 12).</summary>");
            writer.Line("public static global::System.Collections.Generic.IReadOnlyList<global::ModelGen.Vulkan.ComputeShader> Shaders => s_shaders;");
            writer.Line();
            writer.Open("private static readonly global::ModelGen.Vulkan.ComputeShader[] s_shaders =");
            foreach ((string shader, _) in shaders)
                writer.Line($"new(\"{shader}\", {shader}Hlsl),");
            writer.Close(";");
            writer.Line();
            string[] optimizerState = OptimizerOp.StateBuffers(declaration.Optimizer);
            writer.Line("/// <summary>Uploads <paramref name=\"model\"/>'s parameters, optimizer state and step count to <paramref name=\"device\"/>, building the shaders' pipelines on first use.</summary>");
            writer.Line($"public Vulkan({name} model, global::ModelGen.Vulkan.VulkanDevice device)");
            writer.Open($"    : base(device, \"{name}\", Shaders, ParameterCount, StateCount, optimizerStates: {optimizerState.Length}, valuesPerSample: {context.ValuesPerSample}, fixedValues: {context.FixedValues}, InputSize, targetWidth: {(labels ? 1 : output.Width)}, termsPerSample: {output.Width}, scalarCount: {context.ScalarCount})");
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
            writer.Line("CopyFromHost(model._network);");
            writer.Close();
            writer.Line();
            DeviceEntryPoints.EmitCopies(writer, name);
            string writeTargets = labels ? "WriteLabels(labels);" : "WriteTargets(targets);";

            writer.Line("/// <summary>One training step on the device: the batch is written to device memory, then forward, loss, backward, clipping and the update run as one submitted command buffer. Returns without waiting for the device; <see cref=\"global::ModelGen.Vulkan.VulkanNetwork.LastLoss\"/> reads the loss.</summary>");
            writer.Open($"public void TrainStep(global::System.ReadOnlySpan<float> inputs, {targetType} {targetName})");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line(DeviceEntryPoints.InputGuard(model, "TrainStep"));
            writer.Line(DeviceEntryPoints.TargetGuard(model, "TrainStep"));
            if (DeviceEntryPoints.TrainingBatchGuard(model) is string trainingGuard)
                writer.Line(trainingGuard);
            writer.Line("Prepare(batch);");
            writer.Line("WriteInputs(inputs);");
            writer.Line(writeTargets);
            foreach (OpNode node in model.Nodes.Where(n => OpRegistry.For(n.Kind).UsesSeed))
                writer.Line(OpRegistry.For(node.Kind).ShaderStepSetup(context, node) + " // " + node.Name);
            writer.Line("Step++;");
            EmitStepScalars(writer, declaration);
            writer.Line("Submit(global::ModelGen.Vulkan.NetworkProgram.Train, batch);");
            writer.Close();
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>Mean loss on a batch, without changing the model (waits for the device).</summary>");
            writer.Open($"public float ComputeLoss(global::System.ReadOnlySpan<float> inputs, {targetType} {targetName})");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line(DeviceEntryPoints.InputGuard(model, "ComputeLoss"));
            writer.Line(DeviceEntryPoints.TargetGuard(model, "ComputeLoss"));
            writer.Line("Prepare(batch);");
            writer.Line("WriteInputs(inputs);");
            writer.Line(writeTargets);
            writer.Line("Submit(global::ModelGen.Vulkan.NetworkProgram.Evaluate, batch);");
            writer.Line("return ReadLoss();");
            writer.Close();
            writer.Close();
            writer.Line();

            writer.Line($"/// <summary>Inference on a batch (waits for the device); writes what the CPU model's Predict writes, [batch × {output.Width}].</summary>");
            writer.Open("public void Predict(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs)");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line(DeviceEntryPoints.InputGuard(model, "Predict"));
            writer.Line($"global::ModelGen.InputGuard.Outputs(ModelName, \"Predict\", outputs.Length, batch, {output.Width}, \"{head.Name}\");");
            writer.Line("Prepare(batch);");
            writer.Line("WriteInputs(inputs);");
            writer.Line("Submit(global::ModelGen.Vulkan.NetworkProgram.Predict, batch);");
            writer.Line($"Read(global::ModelGen.Vulkan.ShaderBinding.{predicted.Buffer}, {predicted.HostOffset}, outputs);");
            writer.Close();
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>Records a program's dispatches; the comments name the shader each index runs.</summary>");
            writer.Open("protected override void Record(global::ModelGen.Vulkan.ProgramRecorder recorder, global::ModelGen.Vulkan.NetworkProgram program, int batch)");
            writer.Raw(record.ToString());
            writer.Close();

            foreach ((string shader, string source) in shaders)
            {
                writer.Line();
                writer.Line($"private const string {shader}Hlsl =");
                writer.Line($"    @\"{source.Replace("\"", "\"\"")}\";");
            }
            writer.Close();
            writer.Close();
        }

        /// <summary>What the update reads per step: the (scheduled) learning rate, Adam's corrections, the decoupled-decay factor.</summary>
        private static void EmitStepScalars(CodeWriter writer, ModelDeclaration declaration)
        {
            OptimizerDeclaration optimizer = declaration.Optimizer;
            string declared = CodeWriter.Float(optimizer.LearningRate);
            if (declaration.Schedule is ScheduleDeclaration schedule)
            {
                writer.Line($"// Learning rate: {OptimizerOp.DescribeSchedule(schedule)}; a LearningRateSchedule set at run time replaces it.");
                declared = OptimizerOp.ScheduledRate(schedule, declared, "Step", "float", (_, value) => CodeWriter.Float(value));
            }
            writer.Wrapped($"float rate = LearningRateSchedule is {{ }} runTimeSchedule ? (float)runTimeSchedule.Rate(Step) : {declared};");
            string rate = "rate";
            writer.Line($"SetScalar({Hlsl.RateSlot}, {rate}); // learning rate");
            if (optimizer.Kind == OptimizerKind.Adam)
            {
                writer.Wrapped($"var (stepSize, correction) = AdamCorrections({rate}, {CodeWriter.Float(optimizer.Beta1)}, {CodeWriter.Float(optimizer.Beta2)}, Step);");
                writer.Line($"SetScalar({Hlsl.StepSizeSlot}, stepSize); // lr / (1 − β₁ᵗ)");
                writer.Line($"SetScalar({Hlsl.CorrectionSlot}, correction); // 1 / √(1 − β₂ᵗ)");
            }
            if (optimizer.Kind == OptimizerKind.NAdam)
            {
                writer.Wrapped($"var (gradientStep, momentumStep) = global::ModelGen.Optimizers.NAdam.Coefficients({rate}, {CodeWriter.Float(optimizer.Beta1)}, {CodeWriter.Float(optimizer.MomentumDecay)}, Step);");
                writer.Line($"SetScalar({Hlsl.StepSizeSlot}, (float)gradientStep); // lr(1 − μₜ) / (1 − Πμ₁…ₜ)");
                writer.Line($"SetScalar({Hlsl.MomentumStepSlot}, (float)momentumStep); // lr·μₜ₊₁ / (1 − Πμ₁…ₜ₊₁)");
                writer.Line($"SetScalar({Hlsl.CorrectionSlot}, global::ModelGen.Optimizers.Adam.InverseCorrection2({CodeWriter.Float(optimizer.Beta2)}, Step)); // 1 / √(1 − β₂ᵗ)");
            }
            if (declaration.Regularization.WeightDecay is float lambda && declaration.Regularization.Decoupled)
                writer.Line($"SetScalar({Hlsl.KeepSlot}, 1f - {rate} * {CodeWriter.Float(lambda)}); // decoupled decay: w ← w·(1 − lr·λ)");
        }

        /// <summary>
        /// The body of Record: forward; for Predict the output transform; the loss (with its gradient when training);
        /// then backward and the update. Returns where Predict's result lies.
        /// </summary>
        private static ShaderTensor EmitRecord(ShaderEmitContext context, LossOp loss, HeadShape head)
        {
            CodeWriter writer = context.Writer;
            writer.Line("// Forward (dropout reads the Training push constant: masks in Train, a copy otherwise).");
            foreach (GraphStep step in context.Program.Forward)
            {
                OpNode node = context.Node(step.Node);
                OpRegistry.For(node.Kind).EmitShaderForward(context, node, step.Epilogue < 0 ? null : context.Node(step.Epilogue));
            }
            writer.Open("if (program == global::ModelGen.Vulkan.NetworkProgram.Predict)");
            ShaderTensor predicted = loss.EmitShaderPredict(context, head);
            writer.Line("return;");
            writer.Close();
            writer.Line("// The loss; its gradient too in Train.");
            loss.EmitShaderLoss(context, head);
            writer.Open("if (program != global::ModelGen.Vulkan.NetworkProgram.Train)");
            writer.Line("return;");
            writer.Close();
            writer.Line("// Reverse mode, derived at compile time.");
            foreach (GraphStep step in context.Program.Backward)
            {
                OpNode node = context.Node(step.Node);
                if (step.Kind == StepKind.ParameterGradient)
                    OpRegistry.For(node.Kind).EmitShaderParameterGradient(context, node);
                else if (step.Kind == StepKind.InputGradient)
                    OpRegistry.For(node.Kind).EmitShaderInputGradient(context, node, step.Slot, context.Gradient(node.Inputs[step.Slot]), step.Accumulate,
                        step.Epilogue < 0 ? null : context.Node(step.Epilogue));
            }
            foreach (OpNode node in context.Model.Nodes)
                OpRegistry.For(node.Kind).EmitShaderTrainingStepEnd(context, node);
            EmitUpdate(context);
            return predicted;
        }

        /// <summary>Clipping, weight decay and the optimizer, as the CPU network's update (ModelEmitter.EmitUpdate) does them.</summary>
        private static void EmitUpdate(ShaderEmitContext context)
        {
            CheckedModel model = context.Model;
            ModelDeclaration declaration = model.Declaration;
            RegularizationDeclaration regularization = declaration.Regularization;
            int parameters = model.Parameters.Where(p => p.Trainable).Select(p => p.Offset + p.Length).DefaultIfEmpty(0).Max();
            context.Writer.Line("// The update: clipping, weight decay, the optimizer.");
            if (declaration.ClipValue is float maxValue)
                Hlsl.Elements(context, "ClipByValue", $"every gradient clamped to ±{CodeWriter.Literal(maxValue)}", new[] { "Gradients: all of them" }, $"{parameters}u", $"{parameters}L",
                    $"Gradients[i] = clamp(Gradients[i], -{Hlsl.Float(maxValue)}, {Hlsl.Float(maxValue)});");
            if (declaration.ClipTensorNorm is float tensorNorm)
                foreach (ParameterTensor tensor in model.Parameters.Where(p => p.Trainable && p.Length > 0).OrderBy(p => p.Offset))
                {
                    string gradient = $"{tensor.Name}: Gradients at {tensor.Offset}";
                    Hlsl.Sum(context, tensor.View + "Norm", $"‖g‖₂ of {tensor.Name}; its clipping scale min(1, {CodeWriter.Literal(tensorNorm)} / (‖g‖₂ + 1e-6))",
                        new[] { gradient, $"Scalars[{Hlsl.TensorClipSlot}]: the tensor's clipping scale" }, $"{tensor.Length}u",
                        $"Gradients[{tensor.Offset}u + i] * Gradients[{tensor.Offset}u + i]", $"Scalars[{Hlsl.TensorClipSlot}] = min({Hlsl.Float(tensorNorm)} / (sqrt(total) + 1e-6f), 1.0f);");
                    Hlsl.Elements(context, tensor.View + "Clip", $"{tensor.Name}'s gradient times its clipping scale", new[] { gradient, $"Scalars[{Hlsl.TensorClipSlot}]: the scale" },
                        $"{tensor.Length}u", $"{tensor.Length}L", $"Gradients[{tensor.Offset}u + i] *= Scalars[{Hlsl.TensorClipSlot}];");
                }
            if (declaration.ClipNorm is float maxNorm)
                Hlsl.Sum(context, "GlobalNorm", $"‖g‖₂ over every gradient; the scale min(1, {CodeWriter.Literal(maxNorm)} / (‖g‖₂ + 1e-6)) stays on the device for the update",
                    new[] { "Gradients: all of them", $"Scalars[{Hlsl.GradientScaleSlot}]: the clipping scale" }, $"{parameters}u", "Gradients[i] * Gradients[i]",
                    $"Scalars[{Hlsl.GradientScaleSlot}] = min({Hlsl.Float(maxNorm)} / (sqrt(total) + 1e-6f), 1.0f);");

            ParameterTensor[] trainable = model.Parameters.Where(p => p.Trainable && p.Length > 0).OrderBy(p => p.Offset).ToArray();
            int scaleSlot = Hlsl.GradientScaleSlot;
            (float l2, float l1) = regularization.GradientPenalties;
            if (l2 > 0 || l1 > 0)
            {
                string terms = (l2 > 0 ? $" + {CodeWriter.Literal(l2)}·w" : "") + (l1 > 0 ? $" + {CodeWriter.Literal(l1)}·sign(w)" : "");
                foreach (ParameterTensor tensor in trainable.Where(t => t.Decayed || declaration.ClipNorm is not null))
                {
                    string penalty = !tensor.Decayed ? "" : (l2 > 0 ? $" + {Hlsl.Float(l2)} * Parameters[{tensor.Offset}u + i]" : "")
                        + (l1 > 0 ? $" + {Hlsl.Float(l1)} * sign(Parameters[{tensor.Offset}u + i])" : "");
                    Hlsl.Elements(context, tensor.View + "Decay", tensor.Decayed ? $"penalties: g ← s·g{terms} (s: the clipping scale)" : "g ← s·g (s: the clipping scale; not a weight, no penalty)",
                        new[] { $"{tensor.Name}: Gradients and Parameters at {tensor.Offset}" }, $"{tensor.Length}u", $"{tensor.Length}L",
                        $"Gradients[{tensor.Offset}u + i] = Scalars[{Hlsl.GradientScaleSlot}] * Gradients[{tensor.Offset}u + i]{penalty};");
                }
                if (declaration.ClipNorm is not null)
                    scaleSlot = Hlsl.OneSlot;
            }
            if (regularization.WeightDecay is float lambda && regularization.Decoupled)
            {
                foreach (ParameterTensor tensor in trainable)
                    Update(context, tensor.View + "Update", $"{tensor.Name}: {OptimizerOp.Describe(declaration.Optimizer)}, decoupled decay {(tensor.Decayed ? $"w·(1 − lr·{CodeWriter.Literal(lambda)})" : "off (not a weight)")}",
                        tensor.Offset, tensor.Length, scaleSlot, tensor.Decayed ? $"Scalars[{Hlsl.KeepSlot}]" : "1.0f");
            }
            else
                Update(context, "Update", $"{OptimizerOp.Describe(declaration.Optimizer)} over every parameter", 0, parameters, scaleSlot, "1.0f");
            if (regularization.MaxNorm is float unitNorm)
                foreach (var (tensor, units, columns) in OptimizerOp.MaxNormTensors(model))
                {
                    // Unit u's k-th incoming weight: Dense [inputs × units] holds it at k·units + u, Conv2D [filters × fan-in] at u·fanIn + k.
                    int fanIn = tensor.Length / units;
                    string at = columns ? $"{tensor.Offset}u + k * {units}u + i" : $"{tensor.Offset}u + i * {fanIn}u + k";
                    Hlsl.Elements(context, tensor.View + "MaxNorm", $"{tensor.Name}: each unit's incoming weights rescaled to an L2 norm of at most {CodeWriter.Literal(unitNorm)}",
                        new[] { $"{tensor.Name}: Parameters at {tensor.Offset}, {units} units of {fanIn}" }, $"{units}u", $"{units}L",
                        $@"float sum = 0.0f;
for (uint k = 0u; k < {fanIn}u; k++)
    sum += Parameters[{at}] * Parameters[{at}];
float norm = sqrt(sum);
if (norm > {Hlsl.Float(unitNorm)})
{{
    float factor = {Hlsl.Float(unitNorm)} / (norm + 1e-7f);
    for (uint k = 0u; k < {fanIn}u; k++)
        Parameters[{at}] *= factor;
}}");
                }
        }

        private static void Update(ShaderEmitContext context, string name, string summary, int offset, int length, int scaleSlot, string keep)
        {
            OptimizerDeclaration optimizer = context.Model.Declaration.Optimizer;
            var tensors = new List<string> { $"Parameters, Gradients [{offset}, {offset + length})", $"Scalars[{scaleSlot}]: the gradient scale", $"Scalars[{Hlsl.RateSlot}]: the learning rate" };
            string[] state = OptimizerOp.StateBuffers(optimizer);
            for (int i = 0; i < state.Length; i++)
                tensors.Add($"Moment{i + 1}: the {state[i]}");
            Hlsl.Elements(context, name, summary, tensors, $"{length}u", $"{length}L",
                $"uint index = {offset}u + i;\nfloat p = Parameters[index];\nfloat g = Gradients[index] * Scalars[{scaleSlot}];\n" + OptimizerOp.ShaderRule(optimizer, keep));
        }
    }
}
