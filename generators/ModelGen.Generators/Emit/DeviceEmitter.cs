using System.Linq;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// The GPU backend: renders the same training program as <see cref="ModelEmitter"/> as launches of ModelGen.Gpu's
    /// ILGPU kernels, in a nested <c>Gpu</c> class deriving from <c>ModelGen.Gpu.DeviceNetwork</c>. Emitted only when
    /// the compilation references ModelGen.Gpu, and only for programs whose every op, loss and update has device
    /// kernels (<see cref="Supports"/>); the others keep their CPU network alone.
    /// </summary>
    internal static class DeviceEmitter
    {
        /// <summary>The runtime type whose presence in the compilation switches the backend on.</summary>
        public const string DeviceNetworkTypeName = "ModelGen.Gpu.DeviceNetwork";

        private const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\", \"1.0\")]";
        private const string View = "global::ILGPU.ArrayView<float>";

        /// <summary>
        /// Dense layers, element-wise activations, dropout and batch norm on a flat input, one head with softmax
        /// cross-entropy, mean squared error or binary cross-entropy, any optimizer, clipping, weight decay and the linear
        /// schedule. Not yet: convolution, pooling, recurrence, residual wiring, several heads, [CheckFinite] (MG0032 says which).
        /// </summary>
        public static bool Supports(TrainingProgram program) => !program.IsEmpty && !program.Model.HasErrors && Unsupported(program) is null;

        /// <summary>Why the program gets no GPU network (the first reason found), or null when it gets one.</summary>
        public static string? Unsupported(TrainingProgram program)
            => Unsupported(program, node => OpRegistry.For(node.Kind).HasDeviceKernels(node), "device kernels");

        /// <summary>
        /// What a device backend cannot take yet (shared by the ILGPU and shader backends): several or weighted heads, losses without kernels (class weights, log-probability losses),
        /// sequences, [CheckFinite], no optimizer, fan-out, and ops without <paramref name="kernels"/> (<paramref name="hasKernels"/>).
        /// </summary>
        internal static string? Unsupported(TrainingProgram program, System.Func<OpNode, bool> hasKernels, string kernels)
        {
            CheckedModel model = program.Model;
            ModelDeclaration declaration = model.Declaration;
            if (model.IsMultiTask || model.Heads.Count != 1)
                return "it has several heads";
            if (model.Heads[0].Loss.Weight != 1)
                return "its loss is weighted";
            if (LossOp.For(model.Heads[0].Loss) is { HasDeviceKernels: false } loss)
                return $"its loss, {loss.Name}, has no {kernels} yet";
            if (declaration.RunsSequences || model.Nodes[model.Heads[0].Node].Shape.IsSequence)
                return "it runs sequences";
            if (declaration.CheckFinite)
                return "[CheckFinite] would read every step back from the device";
            if (declaration.Optimizer.Kind == OptimizerKind.None)
                return "it declares no optimizer";
            OpNode? missing = model.Nodes.FirstOrDefault(node => !hasKernels(node));
            if (missing is not null)
                return $"{(missing.Layer < 0 ? "its input" : $"layer '{model.Declaration.Layers[missing.Layer].Name}'")} needs {Describe(missing)}, which has no {kernels} yet";
            if (program.Backward.Any(step => step.Kind == StepKind.AddPartial))
                return "a layer's output feeds several layers";
            return null;
        }

        private static string Describe(OpNode node) => node.Attributes is ActivationAttributes activation ? $"the {activation.Activation} activation" : $"the {node.Kind} op";

        public static GeneratedSource? Emit(TrainingProgram program)
        {
            if (!Supports(program))
                return null;
            return ModelEmitter.SourceFile(program.Model.Declaration, ".Gpu", writer => EmitModel(writer, program));
        }

        private static void EmitModel(CodeWriter writer, TrainingProgram program)
        {
            CheckedModel model = program.Model;
            ModelDeclaration declaration = model.Declaration;
            HeadShape head = model.Heads[0];
            OpNode output = model.Nodes[head.Node];
            LossKind loss = head.Loss.Kind;
            bool labels = loss == LossKind.SoftmaxCrossEntropy;
            string targetType = labels ? "global::System.ReadOnlySpan<int>" : "global::System.ReadOnlySpan<float>";
            string[] optimizerState = OptimizerOp.StateBuffers(declaration.Optimizer);
            var context = new DeviceEmitContext(writer, program);
            string name = declaration.ClassName;

            writer.Open($"partial class {name}");
            writer.Line("/// <summary>");
            writer.Line("/// A copy of this model on <paramref name=\"accelerator\"/> (a CUDA GPU, or ILGPU's CPU accelerator): parameters, optimizer state and step count move to device memory. Train there, then <see cref=\"Gpu.CopyTo\"/> brings the weights back (to Save them, say).");
            writer.Line("/// </summary>");
            writer.Line("public Gpu ToGpu(global::ILGPU.Runtime.Accelerator accelerator) => new Gpu(this, accelerator);");
            writer.Line();
            writer.Line("/// <summary>");
            writer.Line($"/// {name} on an ILGPU accelerator: the training program of <see cref=\"Network{{T}}\"/> as device kernel launches, with the loss read back only when asked (<see cref=\"global::ModelGen.Gpu.DeviceNetwork.LastLoss\"/>). Inputs are checked as on the CPU, with the same exceptions. One call at a time per instance; dispose it to free the device memory.");
            writer.Line("/// </summary>");
            writer.Line(GeneratedCode);
            writer.Open("public sealed class Gpu : global::ModelGen.Gpu.DeviceNetwork");
            var (savedPerSample, savedFixed) = DeviceEmitContext.SavedLayout(program);
            int[] widths = program.Buffers.Select(b => b.Capacity).Concat(savedPerSample.Select(s => s.Buffer.Capacity)).ToArray();
            int[] fixedWidths = savedFixed.Select(s => s.Buffer.Capacity).ToArray();
            string? trainingGuard = DeviceEntryPoints.TrainingBatchGuard(model);
            writer.Line("/// <summary>Uploads <paramref name=\"model\"/>'s parameters, optimizer state and step count to <paramref name=\"accelerator\"/>.</summary>");
            writer.Line($"public Gpu({name} model, global::ILGPU.Runtime.Accelerator accelerator)");
            writer.Open($"    : base(accelerator, \"{name}\", ParameterCount, StateCount, optimizerStates: {optimizerState.Length}, new[] {{ {string.Join(", ", widths)} }}, {(fixedWidths.Length == 0 ? "global::System.Array.Empty<int>()" : $"new[] {{ {string.Join(", ", fixedWidths)} }}")}, InputSize, targetWidth: {(labels ? 1 : output.Width)})");
            writer.Line("global::System.ArgumentNullException.ThrowIfNull(model);");
            writer.Line("CopyFromHost(model._network);");
            writer.Close();
            writer.Line();
            DeviceEntryPoints.EmitCopies(writer, name);

            writer.Line("// Parameter views, named after the manifest.");
            foreach (ParameterTensor tensor in model.Parameters)
            {
                writer.Line($"private {View} {tensor.View} => {(tensor.Trainable ? "Parameters" : "State")}({tensor.Offset}, {tensor.Length});");
                if (tensor.Trainable)
                    writer.Line($"private {View} {tensor.View}Gradient => Gradients({tensor.Offset}, {tensor.Length});");
            }
            writer.Line();

            string upload = labels ? "UploadLabels(labels)" : "UploadTargets(targets)";
            string LossCall(string gradient, string targets) => loss switch
            {
                LossKind.SoftmaxCrossEntropy => $"SoftmaxCrossEntropy({context.Value(output.Id)}, {targets}, {gradient}, batch, {output.Width}{(head.Loss.Smoothing > 0 ? $", labelSmoothing: {Hlsl.Float(head.Loss.Smoothing)}" : "")});",
                LossKind.MeanSquaredError => $"MeanSquaredError({context.Value(output.Id)}, {targets}, {gradient}, batch * {output.Width});",
                LossKind.MeanAbsoluteError => $"MeanAbsoluteError({context.Value(output.Id)}, {targets}, {gradient}, batch * {output.Width});",
                LossKind.Huber => $"Huber({context.Value(output.Id)}, {targets}, {gradient}, batch * {output.Width}, {Hlsl.Float(head.Loss.Delta)});",
                _ => $"BinaryCrossEntropy({context.Value(output.Id)}, {targets}, {gradient}, batch * {output.Width}, fromLogits: {(head.Loss.FromLogits ? "true" : "false")});",
            };
            string targetName = labels ? "labels" : "targets";

            // One body for both overloads: the guards differ (host spans are checked value by value, device views by length).
            void EmitTrainStep(string signature, System.Action guards, string inputs, string targets)
            {
                writer.Open(signature);
                writer.Open("lock (Gate)");
                writer.Line("ThrowIfDisposed();");
                guards();
                if (trainingGuard is not null)
                    writer.Line(trainingGuard);
                writer.Line("EnsureBatch(batch);");
                EmitForwardLocals(writer, context, output, gradient: true);
                if (inputs != "inputs")
                    writer.Line($"{View} x = {inputs};");
                string x = inputs == "inputs" ? "inputs" : "x";
                if (model.Declaration.Regularization.WeightNoise is float deviation)
                {
                    writer.Line("// [WeightNoise]: this step's noise on the weights (the CPU path's draws); the clean weights return before the update.");
                    writer.Line("SaveCleanParameters();");
                    foreach (ParameterTensor tensor in model.Parameters.Where(p => p.Trainable && p.Role == ParameterRole.Weight))
                        writer.Line($"PerturbWeights({tensor.Offset}, {tensor.Length}, {CodeWriter.Float(deviation)}, stream: {CodeWriter.Int(Shapes.GraphBuilder.StreamOf(tensor.Name + ".WeightNoise"))}); // {tensor.Name}");
                }
                writer.Line(Forward(program, x, training: true));
                writer.Wrapped(LossCall(context.Gradient(output.Id), targets));
                writer.Line($"Backward({x}, batch);");
                if (model.Declaration.Regularization.WeightNoise is not null)
                    writer.Line("RestoreCleanParameters();");
                EmitTrainingStepEnd(writer, context);
                writer.Line("Step++;");
                writer.Line("UpdateParameters();");
                writer.Close();
                writer.Close();
                writer.Line();
            }

            writer.Line("/// <summary>One training step on the device: upload, forward, loss, backward, clipping and update. Returns without waiting for the device; <see cref=\"global::ModelGen.Gpu.DeviceNetwork.LastLoss\"/> reads the loss.</summary>");
            EmitTrainStep($"public void TrainStep(global::System.ReadOnlySpan<float> inputs, {targetType} {targetName})", () =>
            {
                writer.Line(DeviceEntryPoints.InputGuard(model, "TrainStep"));
                writer.Line(DeviceEntryPoints.TargetGuard(model, "TrainStep"));
            }, "UploadInputs(inputs)", upload);

            string deviceTargets = labels ? "global::ILGPU.ArrayView<int>" : View;
            writer.Line("/// <summary>One training step on a batch already in device memory (a dataset uploaded once): no host copy at all. Checks the lengths; the values are not inspected (an out-of-range label makes the loss NaN).</summary>");
            EmitTrainStep($"public void TrainStep({View} inputs, {deviceTargets} {targetName})",
                () => writer.Line($"int batch = DeviceBatch(\"TrainStep\", inputs.Length, {targetName}.Length, {(labels ? 1 : output.Width)}, \"{model.Layers[0].Name}\", \"{head.Name}\");"),
                "inputs", targetName);

            writer.Line("/// <summary>Mean loss on a batch, without changing the model (waits for the device).</summary>");
            writer.Open($"public float ComputeLoss(global::System.ReadOnlySpan<float> inputs, {targetType} {targetName})");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line(DeviceEntryPoints.InputGuard(model, "ComputeLoss"));
            writer.Line(DeviceEntryPoints.TargetGuard(model, "ComputeLoss"));
            writer.Line("EnsureBatch(batch);");
            EmitForwardLocals(writer, context, output, gradient: false);
            writer.Line(Forward(program, "UploadInputs(inputs)", training: false));
            writer.Wrapped(LossCall("default", upload));
            writer.Line("return ReadLoss();");
            writer.Close();
            writer.Close();
            writer.Line();

            writer.Line("/// <summary>Inference on a batch (waits for the device); writes what the CPU model's Predict writes, [batch × " + output.Width + "].</summary>");
            writer.Open("public void Predict(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs)");
            writer.Open("lock (Gate)");
            writer.Line("ThrowIfDisposed();");
            writer.Line(DeviceEntryPoints.InputGuard(model, "Predict"));
            writer.Line($"global::ModelGen.InputGuard.Outputs(ModelName, \"Predict\", outputs.Length, batch, {output.Width}, \"{head.Name}\");");
            writer.Line("EnsureBatch(batch);");
            EmitForwardLocals(writer, context, output, gradient: false);
            writer.Line(Forward(program, "UploadInputs(inputs)", training: false));
            if (loss == LossKind.SoftmaxCrossEntropy)
                writer.Line($"SoftmaxToHost({context.Value(output.Id)}, outputs, batch, {output.Width});");
            else if (loss == LossKind.BinaryCrossEntropy && head.Loss.FromLogits)
                writer.Line($"SigmoidToHost({context.Value(output.Id)}, outputs);");
            else
                writer.Line($"Download({context.Value(output.Id)}, outputs);");
            writer.Close();
            writer.Close();
            writer.Line();

            EmitForward(writer, context);
            EmitBackward(writer, context);
            EmitUpdate(writer, model);
            writer.Close();
            writer.Close();
        }

        private static string Forward(TrainingProgram program, string inputs, bool training)
            => HasTrainingMode(program) ? $"Forward({inputs}, batch, training: {(training ? "true" : "false")});" : $"Forward({inputs}, batch);";

        /// <summary>What a real training step does after backward and before the update (batch norm's running statistics).</summary>
        private static void EmitTrainingStepEnd(CodeWriter writer, DeviceEmitContext context)
        {
            var inner = new DeviceEmitContext(writer, context.Program);
            foreach (OpNode node in context.Model.Nodes)
                OpRegistry.For(node.Kind).EmitDeviceTrainingStepEnd(inner, node);
        }

        /// <summary>The locals an entry point names (the output's value, and its gradient when training).</summary>
        private static void EmitForwardLocals(CodeWriter writer, DeviceEmitContext context, OpNode output, bool gradient)
        {
            string body = context.Value(output.Id) + (gradient ? " " + context.Gradient(output.Id) : "");
            foreach (string local in context.UsedLocals(body))
                writer.Line(local);
        }

        private static void EmitForward(CodeWriter writer, DeviceEmitContext context)
        {
            var body = new CodeWriter(writer.Depth + 1);
            var inner = new DeviceEmitContext(body, context.Program);
            foreach (GraphStep step in context.Program.Forward)
            {
                OpNode node = context.Node(step.Node);
                OpRegistry.For(node.Kind).EmitDeviceForward(inner, node, step.Epilogue < 0 ? null : context.Node(step.Epilogue));
            }
            writer.Open($"private void Forward({View} inputs, int batch{(HasTrainingMode(context.Program) ? ", bool training" : "")})");
            foreach (string local in inner.UsedLocals(body.ToString()))
                writer.Line(local);
            writer.Raw(body.ToString());
            writer.Close();
            writer.Line();
        }

        private static bool HasTrainingMode(TrainingProgram program) => program.Model.Nodes.Any(n => OpRegistry.For(n.Kind).HasTrainingMode);

        private static void EmitBackward(CodeWriter writer, DeviceEmitContext context)
        {
            var body = new CodeWriter(writer.Depth + 1);
            var inner = new DeviceEmitContext(body, context.Program);
            foreach (GraphStep step in context.Program.Backward)
            {
                OpNode node = context.Node(step.Node);
                if (step.Kind == StepKind.ParameterGradient)
                    OpRegistry.For(node.Kind).EmitDeviceParameterGradient(inner, node);
                else if (step.Kind == StepKind.InputGradient)
                    OpRegistry.For(node.Kind).EmitDeviceInputGradient(inner, node, step.Slot, inner.Gradient(node.Inputs[step.Slot]), step.Accumulate,
                        step.Epilogue < 0 ? null : context.Node(step.Epilogue));
            }
            writer.Line("/// <summary>Reverse mode, derived at compile time: starts from the loss gradient already in the output's gradient buffer.</summary>");
            writer.Open($"private void Backward({View} inputs, int batch)");
            foreach (string local in inner.UsedLocals(body.ToString()))
                writer.Line(local);
            writer.Raw(body.ToString());
            writer.Close();
            writer.Line();
        }

        /// <summary>Clipping, weight decay, the schedule and the optimizer, as the CPU network's update (ModelEmitter.EmitUpdate) does them.</summary>
        private static void EmitUpdate(CodeWriter writer, CheckedModel model)
        {
            ModelDeclaration declaration = model.Declaration;
            OptimizerDeclaration optimizer = declaration.Optimizer;
            RegularizationDeclaration regularization = declaration.Regularization;
            writer.Open("private void UpdateParameters()");
            if (declaration.ClipValue is float maxValue)
            {
                writer.Line($"// Clipping by value: every gradient clamped to ±{CodeWriter.Literal(maxValue)}{(declaration.ClipNorm is null ? "" : ", before the global norm is measured")}.");
                writer.Line($"ClipByValue({CodeWriter.Float(maxValue)});");
            }
            if (declaration.ClipTensorNorm is float tensorNorm)
            {
                writer.Line($"// Per-tensor clipping: each tensor's gradient rescaled to an L2 norm of at most {CodeWriter.Literal(tensorNorm)}{(declaration.ClipNorm is null ? "" : ", before the global norm is measured")}.");
                foreach (ParameterTensor tensor in model.Parameters.Where(p => p.Trainable && p.Length > 0).OrderBy(p => p.Offset))
                    writer.Line($"ClipTensorNorm({tensor.Offset}, {tensor.Length}, {CodeWriter.Float(tensorNorm)}); // {tensor.Name}");
            }
            if (declaration.ClipNorm is float maxNorm)
            {
                writer.Line("// Global-norm clipping: the norm and the scale stay on the device; the update reads the scale there.");
                writer.Line($"ClipGlobalNorm({CodeWriter.Float(maxNorm)});");
            }
            string declared = CodeWriter.Float(optimizer.LearningRate);
            if (declaration.Schedule is ScheduleDeclaration schedule)
            {
                writer.Line($"// Learning rate: {OptimizerOp.DescribeSchedule(schedule)}; a LearningRateSchedule set at run time replaces it.");
                declared = OptimizerOp.ScheduledRate(schedule, declared, "Step", "float", (_, value) => CodeWriter.Float(value));
            }
            writer.Wrapped($"float rate = LearningRateSchedule is {{ }} runTimeSchedule ? (float)runTimeSchedule.Rate(Step) : {declared};");
            string rate = "rate";
            string scaleSlot = "ClippingScale";
            ParameterTensor[] trainable = model.Parameters.Where(p => p.Trainable).ToArray();
            (float l2, float l1) = regularization.GradientPenalties;
            if (l2 > 0 || l1 > 0)
            {
                string terms = (l2 > 0 ? " + λ₂·w" : "") + (l1 > 0 ? " + λ₁·sign(w)" : "");
                writer.Line($"// {(l2 > 0 && l1 > 0 ? "L2 and L1 penalties" : l2 > 0 ? "L2 weight decay" : "L1 penalty")}: g ← s·g{terms} on the tensors the manifest marks decayed (s: the clipping scale), g ← s·g on the rest.");
                foreach (ParameterTensor tensor in trainable.Where(t => t.Length > 0))
                    if (tensor.Decayed || declaration.ClipNorm is not null)
                        writer.Line($"DecayGradients({tensor.Offset}, {tensor.Length}, {(tensor.Decayed ? CodeWriter.Float(l2) : "0f")}, {(tensor.Decayed ? CodeWriter.Float(l1) : "0f")}); // {tensor.Name}");
                if (declaration.ClipNorm is not null)
                    scaleSlot = "UnitScale";
            }
            if (regularization.WeightDecay is float lambda && regularization.Decoupled)
            {
                writer.Line("// Decoupled weight decay (AdamW), folded into the update: w ← w·(1 − lr·λ) on the tensors the manifest marks decayed.");
                writer.Line($"float keep = 1f - {rate} * {CodeWriter.Float(lambda)};");
                foreach (ParameterTensor tensor in trainable.Where(t => t.Length > 0).OrderBy(t => t.Offset))
                {
                    writer.Line($"// {tensor.Name}");
                    writer.Wrapped($"Update({Rule(optimizer, rate, tensor.Decayed ? "keep" : "1f")}, {tensor.Offset}, {tensor.Length}, {scaleSlot});");
                }
            }
            else
                writer.Wrapped($"Update({Rule(optimizer, rate, "1f")}, 0, ParameterCount, {scaleSlot});");
            if (regularization.MaxNorm is float unitNorm)
            {
                writer.Line($"// Max-norm constraint: each unit's incoming weights rescaled to an L2 norm of at most {CodeWriter.Literal(unitNorm)} after the step.");
                foreach (var (tensor, units, columns) in OptimizerOp.MaxNormTensors(model))
                    writer.Line($"ConstrainMaxNorm({tensor.Offset}, {units}, {tensor.Length / units}, unitsAreColumns: {(columns ? "true" : "false")}, {CodeWriter.Float(unitNorm)}); // {tensor.Name}");
            }
            writer.Close();
        }

        private static string Rule(OptimizerDeclaration optimizer, string rate, string keep)
        {
            const string Kernels = "global::ModelGen.Gpu.Kernels.OptimizerKernels";
            return optimizer.Kind switch
            {
                OptimizerKind.Adam => $"{Kernels}.Adam.ForStep({rate}, {CodeWriter.Float(optimizer.Beta1)}, {CodeWriter.Float(optimizer.Beta2)}, {CodeWriter.Float(optimizer.Epsilon)}, Step, {keep}{(optimizer.AmsGrad ? ", amsGrad: true" : "")})",
                OptimizerKind.NAdam => $"{Kernels}.NAdam.ForStep({rate}, {CodeWriter.Float(optimizer.Beta1)}, {CodeWriter.Float(optimizer.Beta2)}, {CodeWriter.Float(optimizer.Epsilon)}, {CodeWriter.Float(optimizer.MomentumDecay)}, Step, {keep})",
                OptimizerKind.AdaGrad => $"new {Kernels}.AdaGrad({rate}, {CodeWriter.Float(optimizer.Epsilon)}, {keep})",
                OptimizerKind.RmsProp when optimizer.Momentum != 0 || optimizer.Centered => $"new {Kernels}.RmsProp({rate}, {CodeWriter.Float(optimizer.Rho)}, {CodeWriter.Float(optimizer.Epsilon)}, {keep}, Momentum: {CodeWriter.Float(optimizer.Momentum)}, Nesterov: {(optimizer.Nesterov ? 1 : 0)}, Centered: {(optimizer.Centered ? 1 : 0)})",
                OptimizerKind.RmsProp => $"new {Kernels}.RmsProp({rate}, {CodeWriter.Float(optimizer.Rho)}, {CodeWriter.Float(optimizer.Epsilon)}, {keep})",
                OptimizerKind.Sgd when optimizer.Momentum != 0 => $"new {Kernels}.Momentum({rate}, {CodeWriter.Float(optimizer.Momentum)}, Nesterov: {(optimizer.Nesterov ? 1 : 0)}, {keep})",
                _ => $"new {Kernels}.Sgd({rate}, {keep})",
            };
        }
    }
}
