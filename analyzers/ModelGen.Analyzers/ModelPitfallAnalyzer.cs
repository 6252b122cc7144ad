using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Analyzers
{
    /// <summary>
    /// Deep-learning pitfalls on declared models, found before anything trains: initialization, nonlinearity,
    /// logits vs probabilities, saturating stacks, clipping and optimizer hyper-parameters. Runs on models that
    /// have no declaration errors (those come first, from <see cref="ModelDeclarationAnalyzer"/>).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class ModelPitfallAnalyzer : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
            PitfallDescriptors.ZeroInitialization, PitfallDescriptors.InitializerMismatch, PitfallDescriptors.NonZeroHiddenBias, PitfallDescriptors.BiasBeforeNormalization,
            PitfallDescriptors.NoNonlinearity, PitfallDescriptors.ProbabilityLossOnLogits, PitfallDescriptors.DoubleSoftmax,
            PitfallDescriptors.RegressionLossOnProbabilities, PitfallDescriptors.NonlinearityBeforeSoftmax, PitfallDescriptors.SaturatingDeepStack,
            PitfallDescriptors.NoGradientClipping, PitfallDescriptors.DropoutRateHigh, PitfallDescriptors.DropoutOnOutput,
            PitfallDescriptors.DecayOnBiases, PitfallDescriptors.ExcessiveRegularization, PitfallDescriptors.LearningRateOutOfRange,
            PitfallDescriptors.HyperParameterOutOfRange, PitfallDescriptors.AdamEpsilonTooSmall, PitfallDescriptors.AdaGradOnDeepNet,
            PitfallDescriptors.BatchNormTinyBatch, PitfallDescriptors.BatchSizeNotPowerOfTwo, PitfallDescriptors.DiscouragedHiddenUnit, PitfallDescriptors.SigmoidOutputForMultiClass,
            PitfallDescriptors.ImplicitHyperParameters, PitfallDescriptors.CnnDesignSmell, PitfallDescriptors.HighwayGateOpen,
            PitfallDescriptors.LstmForgetBiasClosed, PitfallDescriptors.NoGpuNetwork, PitfallDescriptors.NoVulkanNetwork,
            PitfallDescriptors.LogProbabilityLossWithoutLogSoftmax, PitfallDescriptors.MaxoutWithOnePiece);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            ModelAnalysis.Register(context, static (symbolContext, analysis) => Analyze(symbolContext, analysis));
        }

        private static void Analyze(SymbolAnalysisContext context, ModelAnalysis analysis)
        {
            CheckedModel model = analysis.Model;
            if (model.HasErrors)
                return;
            var report = new Reporter(context, analysis);
            ModelDeclaration declaration = model.Declaration;
            CheckLayers(model, report);
            CheckConvolutions(model, report);
            CheckLoss(model, report, analysis);
            CheckRegularization(model, report);
            CheckOptimizer(model, report);
            CheckDeviceBackends(model, report, context.Compilation);

            LayerShape? normalization = model.Layers.FirstOrDefault(l => l.Kind == LayerKind.BatchNorm);
            if (normalization is not null && declaration.BatchSize > 0 && declaration.BatchSize < 8)
                report.At(PitfallDescriptors.BatchNormTinyBatch, SiteKind.ModelAttribute, -1, null, declaration.ClassName, normalization.Name, Format(declaration.BatchSize));
            if (declaration.BatchSize > 0 && (declaration.BatchSize & (declaration.BatchSize - 1)) != 0)
            {
                int suggestion = NearestPowerOfTwo(declaration.BatchSize);
                report.At(PitfallDescriptors.BatchSizeNotPowerOfTwo, SiteKind.ModelAttribute, -1, Property(FixProperties.BatchSize, Format(suggestion)),
                    declaration.ClassName, Format(declaration.BatchSize), Format(suggestion));
            }

            var implicitSettings = new List<string>();
            if (!analysis.ModelAttribute.NamedArguments.Any(a => a.Key == "Seed"))
                implicitSettings.Add("its seed");
            AttributeData? optimizerAttribute = analysis.Type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString()
                is "ModelGen.AdamAttribute" or "ModelGen.NAdamAttribute" or "ModelGen.SgdAttribute" or "ModelGen.RmsPropAttribute" or "ModelGen.AdaGradAttribute");
            if (optimizerAttribute is not null && !optimizerAttribute.NamedArguments.Any(a => a.Key == "LearningRate"))
                implicitSettings.Add("its learning rate");
            if (implicitSettings.Count > 0)
                report.At(PitfallDescriptors.ImplicitHyperParameters, implicitSettings[0] == "its seed" ? SiteKind.ModelAttribute : SiteKind.OptimizerAttribute, -1, null,
                    declaration.ClassName, string.Join(" and ", implicitSettings));
        }

        /// <summary>
        /// A project that references ModelGen.Gpu expects ToGpu on its models, one that references ModelGen.Vulkan
        /// ToVulkan: say why a model gets none (the generator's own rules).
        /// </summary>
        private static void CheckDeviceBackends(CheckedModel model, Reporter report, Compilation compilation)
        {
            bool gpu = compilation.GetTypeByMetadataName(ModelGen.Generators.Emit.DeviceEmitter.DeviceNetworkTypeName) is not null;
            bool vulkan = compilation.GetTypeByMetadataName(ModelGen.Generators.Emit.ShaderEmitter.VulkanNetworkTypeName) is not null;
            if (!gpu && !vulkan)
                return;
            TrainingProgram program = Fuser.Fuse(Differentiator.Differentiate(model));
            if (gpu && ModelGen.Generators.Emit.DeviceEmitter.Unsupported(program) is string gpuReason)
                report.At(PitfallDescriptors.NoGpuNetwork, SiteKind.ModelAttribute, -1, null, model.Declaration.ClassName, gpuReason);
            if (vulkan && ModelGen.Generators.Emit.ShaderEmitter.Unsupported(program) is string vulkanReason)
                report.At(PitfallDescriptors.NoVulkanNetwork, SiteKind.ModelAttribute, -1, null, model.Declaration.ClassName, vulkanReason);
        }

        /// <summary>Initialization, nonlinearity and hidden-unit choices, layer by layer.</summary>
        private static void CheckLayers(CheckedModel model, Reporter report)
        {
            ModelDeclaration declaration = model.Declaration;
            int last = model.Layers.Count - 1;
            for (int i = 0; i < model.Layers.Count; i++)
            {
                LayerDeclaration layer = declaration.Layers[i];
                bool hidden = i < last;
                if (layer.Kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.LocallyConnected2D)
                    CheckDense(model, i, report);
                if (layer.Options is HighwayOptions { GateBias: >= 0 } highway)
                    report.At(PitfallDescriptors.HighwayGateOpen, SiteKind.LayerAttribute, i, Property(FixProperties.GateBias, "-2f"), layer.Name, Format(highway.GateBias));
                if (layer.Options is RecurrentOptions { Cell: CellKind.Lstm, ForgetBias: <= 0 } lstm)
                    report.At(PitfallDescriptors.LstmForgetBiasClosed, SiteKind.LayerAttribute, i, Property(FixProperties.ForgetBias, "1f"), layer.Name, Format(lstm.ForgetBias));
                if (layer.Options is MaxoutOptions { Pieces: 1 })
                    report.At(PitfallDescriptors.MaxoutWithOnePiece, SiteKind.LayerAttribute, i, null, layer.Name);
                if (hidden && layer.Activation == ActivationKind.Softplus)
                    report.At(PitfallDescriptors.DiscouragedHiddenUnit, SiteKind.LayerAttribute, i, Property(FixProperties.Activation, "ReLU"), layer.Name, layer.Activation.ToString(),
                        "which is smooth but saturates on the negative side and trains slower than ReLU without working better");
                if (hidden && layer.Kind == LayerKind.Rbf)
                    report.At(PitfallDescriptors.DiscouragedHiddenUnit, SiteKind.LayerAttribute, i, null, layer.Name, "RBF units",
                        "which are ≈ 0 away from their centres, so their gradient vanishes for most inputs and they are hard to optimize");
            }

            // Normalization keeps pre-activations in the linear range, and a residual or highway path carries the gradient
            // around the unit: both are the cure this rule asks for, so only saturating layers without a bypass count.
            var saturating = model.Layers.Take(last).Select((l, i) => (Layer: l, Index: i))
                .Where(l => ActivationRules.IsSaturating(l.Layer.Activation) || l.Layer.Kind == LayerKind.Rbf)
                .Where(l => l.Layer.Residual == -2 && l.Layer.Kind != LayerKind.Highway).ToList();
            if (saturating.Count >= 3 && !model.Layers.Any(l => l.Kind == LayerKind.BatchNorm))
                report.At(PitfallDescriptors.SaturatingDeepStack, SiteKind.LayerAttribute, saturating[2].Index, null,
                    declaration.ClassName, Format(saturating.Count), string.Join(", ", saturating.Select(s => s.Layer.Name)));
        }

        /// <summary>
        /// MG0029, convolutional design smells: pooling raw pixels before any convolution, an even kernel with Same padding
        /// (the padding cannot be split evenly, so the output shifts by half a pixel), and a Dense layer that reads a large
        /// feature map straight from a convolution, with the weight count it costs.
        /// </summary>
        private static void CheckConvolutions(CheckedModel model, Reporter report)
        {
            ModelDeclaration declaration = model.Declaration;
            int firstConvolution = Enumerable.Range(0, model.Layers.Count).Where(i => model.Layers[i].Kind is LayerKind.Conv2D or LayerKind.LocallyConnected2D).DefaultIfEmpty(-1).First();
            for (int i = 0; i < model.Layers.Count; i++)
            {
                LayerShape layer = model.Layers[i];
                if (layer.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D && (firstConvolution < 0 || i < firstConvolution))
                    report.At(PitfallDescriptors.CnnDesignSmell, SiteKind.LayerAttribute, i, null,
                        $"Pooling '{layer.Name}' runs before any convolution, so it throws away pixels no filter has looked at; convolve first, then pool");
                if (declaration.Layers[i].Options is Conv2DOptions { Window: { Padding: PaddingKind.Same } window } && (window.KernelHeight % 2 == 0 || window.KernelWidth % 2 == 0))
                    report.At(PitfallDescriptors.CnnDesignSmell, SiteKind.LayerAttribute, i, null,
                        $"Convolution '{layer.Name}' has an even {window.KernelHeight}×{window.KernelWidth} kernel with Padding.Same: the padding cannot be split evenly, so every output sits half a pixel off its input; use an odd kernel");
                if (layer.Kind == LayerKind.Dense && layer.InputShape.Rank == 3 && layer.Sources.Count == 1 && layer.Sources[0] >= 0
                    && model.Layers[layer.Sources[0]].Kind is LayerKind.Conv2D or LayerKind.LocallyConnected2D && layer.Inputs >= LargeFeatureMap)
                {
                    long weights = (long)layer.Inputs * layer.Units;
                    report.At(PitfallDescriptors.CnnDesignSmell, SiteKind.LayerAttribute, i, null,
                        $"Dense layer '{layer.Name}' reads the {layer.InputShape} feature map of '{model.Layers[layer.Sources[0]].Name}' with no pooling: {layer.Inputs:N0} inputs × {layer.Units:N0} units = {weights:N0} weights, most of them spent on exact pixel positions; pool first (MaxPool2D, or GlobalAvgPool for one value per channel)");
                }
            }
        }

        /// <summary>From this many inputs a Dense layer on an unpooled feature map is worth a word (a 16-channel 16×16 map).</summary>
        private const int LargeFeatureMap = 4096;

        /// <summary>Initialization, biases and linearity of one Dense or Conv2D layer.</summary>
        private static void CheckDense(CheckedModel model, int i, Reporter report)
        {
            ModelDeclaration declaration = model.Declaration;
            LayerDeclaration layer = declaration.Layers[i];
            int last = model.Layers.Count - 1;
            bool hidden = i < last;
            // Zeros on the output layer alone is a known-good choice (the hidden layers break the symmetry).
            if (layer.Initializer == InitializerKind.Zeros && hidden)
            {
                InitializerKind suggestion = ActivationRules.DefaultInitializer(layer.Activation);
                report.At(PitfallDescriptors.ZeroInitialization, SiteKind.LayerAttribute, i, Property(FixProperties.Initializer, suggestion.ToString()),
                    layer.Name, suggestion.ToString());
            }
            if (SuggestedInitializer(layer) is InitializerKind better)
                report.At(PitfallDescriptors.InitializerMismatch, SiteKind.LayerAttribute, i, Property(FixProperties.Initializer, better.ToString()),
                    layer.Name, layer.Activation.ToString(), layer.Initializer.ToString(), better.ToString());
            if (hidden && layer.BiasInit != 0)
                report.At(PitfallDescriptors.NonZeroHiddenBias, SiteKind.LayerAttribute, i, null, layer.Name, Format(layer.BiasInit));
            // The layer that reads this one's output, when it is the only reader (wiring may skip the next declared layer).
            int[] consumers = model.Consumers(i);
            bool sequential = consumers.Length == 1 && consumers[0] == i + 1 && model.Layers[i + 1].Sources.Count == 1 && model.Layers[i + 1].Residual == -2;
            LayerDeclaration? next = sequential ? declaration.Layers[i + 1] : null;
            if (next?.Kind == LayerKind.BatchNorm && layer.UseBias && layer.Activation == ActivationKind.Identity && layer.Dropout == 0)
                report.At(PitfallDescriptors.BiasBeforeNormalization, SiteKind.LayerAttribute, i, null, layer.Name, next.Name);
            if (sequential && layer.Activation == ActivationKind.Identity)
            {
                // Batch norms (affine at inference) and mean pooling in between are linear: the stack collapses unless one of
                // the batch norms has an activation. Max pooling is a nonlinearity of its own.
                int j = i + 1;
                bool nonlinear = false;
                while (j <= last && declaration.Layers[j].Kind is LayerKind.BatchNorm or LayerKind.AvgPool2D or LayerKind.GlobalAvgPool)
                    nonlinear |= declaration.Layers[j++].Activation != ActivationKind.Identity;
                if (!nonlinear && j <= last && declaration.Layers[j].Kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.LocallyConnected2D or LayerKind.Highway)
                    report.At(PitfallDescriptors.NoNonlinearity, SiteKind.LayerAttribute, i, null, layer.Name, declaration.Layers[j].Name);
            }
        }

        /// <summary>Logits versus probabilities: what the output layer produces against what the loss expects.</summary>
        private static void CheckLoss(CheckedModel model, Reporter report, ModelAnalysis analysis)
        {
            foreach (HeadShape head in model.Heads)
                CheckHead(model, report, analysis, head, model.IsMultiTask ? SiteKind.HeadLossAttribute : SiteKind.LossAttribute, model.IsMultiTask ? head.Layer : -1);
        }

        /// <summary>One output and its loss; <paramref name="lossSite"/> is where its loss attribute is (class or head property).</summary>
        private static void CheckHead(CheckedModel model, Reporter report, ModelAnalysis analysis, HeadShape head, SiteKind lossSite, int lossLayer)
        {
            LossDeclaration loss = head.Loss;
            int last = head.Layer;
            LayerShape output = model.Layers[last];
            ActivationKind activation = output.Activation;
            switch (loss.Kind)
            {
                // Every regression loss (MSE, MAE, Huber) reaches the logit through σ′ or the softmax Jacobian.
                case LossKind.MeanSquaredError or LossKind.MeanAbsoluteError or LossKind.Huber when activation == ActivationKind.Sigmoid || activation == ActivationKind.Softmax:
                    // The fix rewrites the loss and the output layer together; it finds the layer through the additional location.
                    // Only a sigmoid output has a drop-in replacement: binary cross-entropy keeps the float targets.
                    report.At(PitfallDescriptors.RegressionLossOnProbabilities, lossSite, lossLayer,
                        activation == ActivationKind.Sigmoid ? Property(FixProperties.Replacement, "BinaryCrossEntropy") : null,
                        new[] { analysis.Locate(SiteKind.LayerAttribute, last) }, activation == ActivationKind.Sigmoid ? "sigmoid" : "softmax", output.Name,
                        loss.Kind == LossKind.Huber ? "HuberLoss" : loss.Kind.ToString());
                    break;
                case LossKind.SoftmaxCrossEntropy when activation == ActivationKind.Softmax:
                    report.At(PitfallDescriptors.DoubleSoftmax, SiteKind.LayerAttribute, last, null, output.Name, "softmax", "SoftmaxCrossEntropy");
                    break;
                case LossKind.SoftmaxCrossEntropy when activation == ActivationKind.Sigmoid && output.Units >= 3:
                    report.At(PitfallDescriptors.SigmoidOutputForMultiClass, SiteKind.LayerAttribute, last, null, output.Name, Format(output.Units));
                    break;
                case LossKind.SoftmaxCrossEntropy when activation != ActivationKind.Identity:
                    report.At(PitfallDescriptors.NonlinearityBeforeSoftmax, SiteKind.LayerAttribute, last, null, output.Name, activation.ToString(), "SoftmaxCrossEntropy", "softmax");
                    break;
                case LossKind.BinaryCrossEntropy when loss.FromLogits && activation == ActivationKind.Sigmoid:
                    report.At(PitfallDescriptors.DoubleSoftmax, SiteKind.LayerAttribute, last, null, output.Name, "sigmoid", "BinaryCrossEntropy(FromLogits = true)");
                    break;
                case LossKind.BinaryCrossEntropy when loss.FromLogits && activation != ActivationKind.Identity:
                    report.At(PitfallDescriptors.NonlinearityBeforeSoftmax, SiteKind.LayerAttribute, last, null, output.Name, activation.ToString(), "BinaryCrossEntropy", "sigmoid");
                    break;
                // NLL and KL read log-probabilities: probabilities (softmax) are all ≤ 0 only by accident, logits not at all.
                case LossKind.NegativeLogLikelihood or LossKind.KLDivergence when activation != ActivationKind.LogSoftmax:
                    report.At(PitfallDescriptors.LogProbabilityLossWithoutLogSoftmax, SiteKind.LayerAttribute, last, null, loss.Kind.ToString(), output.Name,
                        activation == ActivationKind.Softmax ? "probabilities (softmax), not their logarithms" : activation == ActivationKind.Identity ? "raw logits" : $"{activation} values");
                    break;
                case LossKind.BinaryCrossEntropy when !loss.FromLogits && activation != ActivationKind.Sigmoid && activation != ActivationKind.Softmax:
                    report.At(PitfallDescriptors.ProbabilityLossOnLogits, lossSite, lossLayer, null, output.Name, activation == ActivationKind.Identity ? "linear" : activation.ToString());
                    break;
            }
        }

        /// <summary>Dropout rates and placement, weight decay coverage and strength.</summary>
        private static void CheckRegularization(CheckedModel model, Reporter report)
        {
            ModelDeclaration declaration = model.Declaration;
            RegularizationDeclaration regularization = declaration.Regularization;
            int last = model.Layers.Count - 1;
            if (regularization.InputDropout > 0.2f)
                report.At(PitfallDescriptors.DropoutRateHigh, SiteKind.ModelAttribute, -1, Property(FixProperties.Rate, "0.2f"),
                    "the input", Format(regularization.InputDropout), "0.2");
            for (int i = 0; i < last; i++)
                if (model.Layers[i].Dropout > 0.5f)
                    report.At(PitfallDescriptors.DropoutRateHigh, SiteKind.LayerAttribute, i, Property(FixProperties.Rate, "0.5f"),
                        $"hidden layer '{model.Layers[i].Name}'", Format(model.Layers[i].Dropout), "0.5");
            foreach (HeadShape head in model.Heads)
                if (model.Layers[head.Layer].Dropout > 0)
                    report.At(PitfallDescriptors.DropoutOnOutput, SiteKind.LayerAttribute, head.Layer, null,
                        $"Output layer '{head.Name}' applies dropout (rate {Format(model.Layers[head.Layer].Dropout)}) to the model's predictions, so the loss sees randomly zeroed outputs; apply dropout to hidden layers only");
            for (int i = 0; i < last; i++)
            {
                if (model.Layers[i].Dropout > 0 && model.Layers[i + 1].Kind == LayerKind.BatchNorm)
                    report.At(PitfallDescriptors.DropoutOnOutput, SiteKind.LayerAttribute, i, null,
                        $"Layer '{model.Layers[i].Name}' applies dropout right before batch norm '{model.Layers[i + 1].Name}', whose training statistics then see a variance inference never has (the variance shift); apply dropout after the normalization");
                if (model.Layers[i].Dropout > 0 && model.Layers[i + 1].Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.GlobalAvgPool)
                    report.At(PitfallDescriptors.DropoutOnOutput, SiteKind.LayerAttribute, i, null,
                        $"Layer '{model.Layers[i].Name}' applies dropout right before pooling '{model.Layers[i + 1].Name}': max pooling then picks the largest survivor (training sees a different maximum than inference) and mean pooling averages the zeros away; apply dropout after the pooling");
            }

            // L1's gradient term is λ₁ per step whatever the weight's size: above 1e-3 it zeroes most weights before the
            // loss gradient can hold them. Beside L2 (the elastic net) both at moderate strength regularize twice, as
            // moderate decay with heavy dropout does below.
            if (regularization.L1Penalty is float l1 && l1 > 0)
            {
                float l2 = regularization.WeightDecay ?? 0;
                string? excessL1 = l1 > 1e-3f ? $"applies an L1 penalty λ₁ = {Format(l1)} (above 1e-3)"
                    : l1 > 1e-4f && l2 > 1e-3f ? $"combines an L1 penalty λ₁ = {Format(l1)} (above 1e-4) with weight decay λ₂ = {Format(l2)} (above 1e-3)"
                    : null;
                if (excessL1 is not null)
                    report.At(PitfallDescriptors.ExcessiveRegularization, SiteKind.L1PenaltyAttribute, -1, null, declaration.ClassName, excessL1);
            }
            if (regularization.WeightDecay is not float lambda)
                return;
            if (regularization.DecayBiases && lambda > 0)
                report.At(PitfallDescriptors.DecayOnBiases, SiteKind.WeightDecayAttribute, -1, null,
                    $"[WeightDecay] with IncludeBiases = true decays the {(model.Layers.Any(l => l.Kind == LayerKind.BatchNorm) ? "biases and batch-norm γ/β" : "biases")} of model '{declaration.ClassName}'; they add no capacity worth penalizing and decaying them only pulls units towards the origin (and γ towards 0), so decay weights only");
            // The catalogue's softer sub-rule: L2 in the gradient is not weight decay under Adam (informational).
            if (!regularization.Decoupled && lambda > 0 && declaration.Optimizer.Kind == OptimizerKind.Adam)
                report.At(PitfallDescriptors.DecayOnBiases, SiteKind.WeightDecayAttribute, -1, DiagnosticSeverity.Info, Property(FixProperties.Decoupled, "true"),
                    $"[WeightDecay] on Adam adds λw to the gradient of model '{declaration.ClassName}', where Adam's per-parameter denominator rescales it, so large weights decay least; set Decoupled = true (AdamW)");
            LayerShape? heavyDropout = model.Layers.Take(last).FirstOrDefault(l => l.Dropout >= 0.5f);
            string? excess = lambda > 1e-2f ? $"decays weights with λ = {Format(lambda)} (above 1e-2)"
                : lambda > 1e-3f && heavyDropout is not null ? $"combines weight decay λ = {Format(lambda)} (above 1e-3) with dropout {Format(heavyDropout.Dropout)} on '{heavyDropout.Name}'"
                : null;
            if (excess is not null)
                report.At(PitfallDescriptors.ExcessiveRegularization, SiteKind.WeightDecayAttribute, -1, null, declaration.ClassName, excess);
        }

        /// <summary>Clipping, learning-rate and decay-rate ranges, Adam's ε, AdaGrad on deep nets.</summary>
        private static void CheckOptimizer(CheckedModel model, Reporter report)
        {
            ModelDeclaration declaration = model.Declaration;
            OptimizerDeclaration optimizer = declaration.Optimizer;
            string rate = Format(optimizer.LearningRate);
            if (declaration.ClipNorm is null && declaration.ClipValue is null && declaration.ClipTensorNorm is null)
            {
                // Depth counts the layers with weights on the gradient's path: normalization and pooling add none.
                int depth = model.Layers.Count(l => l.Kind is LayerKind.Dense or LayerKind.Conv2D or LayerKind.LocallyConnected2D or LayerKind.Highway);
                // A recurrent layer multiplies its gradient by W_hh once per step: over a sequence that is a very deep net.
                string[] recurrent = model.Layers.Where(l => l.Kind is LayerKind.SimpleRnn or LayerKind.Lstm or LayerKind.Gru).Select(l => $"{l.Kind} '{l.Name}'").ToArray();
                LayerShape? unboundedRnn = model.Layers.FirstOrDefault(l => l.Kind == LayerKind.SimpleRnn && l.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU);
                string? reason = unboundedRnn is not null ? $"runs SimpleRnn '{unboundedRnn.Name}' with {unboundedRnn.Activation}, unbounded through every step, so one large W_hh eigenvalue makes its gradients explode,"
                    : recurrent.Length > 0 ? $"has recurrent layers ({string.Join(", ", recurrent)}) whose gradients are multiplied by W_hh at every step and can explode through time,"
                    : depth >= 8 ? $"is {depth} weight layers deep"
                    : optimizer.Kind is OptimizerKind.Adam or OptimizerKind.NAdam && optimizer.LearningRate > 3e-3f ? $"trains with {optimizer.Kind} at learning rate {rate}"
                    : optimizer.Kind == OptimizerKind.Sgd && optimizer.LearningRate > 0.1f ? $"trains with SGD at learning rate {rate}"
                    : null;
                if (reason is not null)
                    report.At(PitfallDescriptors.NoGradientClipping, SiteKind.Class, -1, null, declaration.ClassName, reason);
            }

            string? range = optimizer.Kind switch
            {
                OptimizerKind.Adam or OptimizerKind.NAdam when optimizer.LearningRate > 1e-2f || optimizer.LearningRate < 1e-7f => "[1e-7, 1e-2]",
                OptimizerKind.RmsProp when optimizer.LearningRate > 1e-1f || optimizer.LearningRate < 1e-7f => "[1e-7, 0.1]",
                OptimizerKind.Sgd or OptimizerKind.AdaGrad when optimizer.LearningRate > 1f || optimizer.LearningRate < 1e-7f => "[1e-7, 1]",
                _ => null,
            };
            if (range is not null)
                report.At(PitfallDescriptors.LearningRateOutOfRange, SiteKind.OptimizerAttribute, -1, null, optimizer.Kind.ToString(), rate, range);
            // The catalogue's softer sub-rule: a linear decay should end near 1% of the start (informational).
            if (declaration.Schedule is { Kind: ScheduleKind.Linear } schedule && (schedule.Fraction < 0.002f || schedule.Fraction > 0.05f))
                report.At(PitfallDescriptors.LearningRateOutOfRange, SiteKind.ScheduleAttribute, -1, DiagnosticSeverity.Info,
                    "LinearDecay's final", $"{Format(schedule.Fraction)} × the initial rate", "of about 0.01 × the initial rate (0.002–0.05)");

            switch (optimizer.Kind)
            {
                case OptimizerKind.Sgd when optimizer.Momentum < 0 || optimizer.Momentum >= 1:
                    report.At(PitfallDescriptors.HyperParameterOutOfRange, SiteKind.OptimizerAttribute, -1, null, "Sgd", "Momentum", Format(optimizer.Momentum), "[0, 1)",
                        optimizer.Momentum >= 1 ? "the velocity never decays and the steps grow without bound" : "negative momentum reverses the previous step");
                    break;
                case OptimizerKind.Adam or OptimizerKind.NAdam:
                    foreach ((string name, float beta) in new[] { ("Beta1", optimizer.Beta1), ("Beta2", optimizer.Beta2) })
                        if (beta < 0 || beta >= 1)
                            report.At(PitfallDescriptors.HyperParameterOutOfRange, SiteKind.OptimizerAttribute, -1, null, optimizer.Kind.ToString(), name, Format(beta), "[0, 1)",
                                beta >= 1 ? "the moment never forgets and the bias correction 1 − βᵗ divides by zero" : "a negative decay makes the moment estimate oscillate");
                    break;
                case OptimizerKind.RmsProp:
                    if (optimizer.Rho <= 0 || optimizer.Rho >= 1)
                        report.At(PitfallDescriptors.HyperParameterOutOfRange, SiteKind.OptimizerAttribute, -1, null, "RmsProp", "Rho", Format(optimizer.Rho), "(0, 1)",
                            optimizer.Rho >= 1 ? "the squared-gradient average never updates from 0, so every step divides by ε" : "the average keeps no history and is no longer an average");
                    if (optimizer.Momentum < 0 || optimizer.Momentum >= 1)
                        report.At(PitfallDescriptors.HyperParameterOutOfRange, SiteKind.OptimizerAttribute, -1, null, "RmsProp", "Momentum", Format(optimizer.Momentum), "[0, 1)",
                            optimizer.Momentum >= 1 ? "the velocity never decays and the steps grow without bound" : "negative momentum reverses the previous step");
                    break;
            }
            if (optimizer.Kind is OptimizerKind.Adam or OptimizerKind.NAdam && optimizer.Epsilon < 1e-10f)
                report.At(PitfallDescriptors.AdamEpsilonTooSmall, SiteKind.OptimizerAttribute, -1, null, Format(optimizer.Epsilon));
            if (optimizer.Kind == OptimizerKind.AdaGrad && model.Layers.Count - 1 >= 3)
                report.At(PitfallDescriptors.AdaGradOnDeepNet, SiteKind.OptimizerAttribute, -1, null, declaration.ClassName, Format(model.Layers.Count - 1));
        }

        /// <summary>
        /// He for the ReLU family, Glorot for saturating units, LeCun normal for SELU; keeps the declared distribution
        /// family (uniform/normal) where there is a choice. Zeros is MG0001's business.
        /// </summary>
        private static InitializerKind? SuggestedInitializer(LayerDeclaration layer)
        {
            bool relu = ActivationRules.IsRectifier(layer.Activation);
            bool saturating = ActivationRules.IsSaturating(layer.Activation);
            if (layer.Activation == ActivationKind.SELU)
                return layer.Initializer is InitializerKind.Default or InitializerKind.LeCunNormal or InitializerKind.LeCunTruncatedNormal or InitializerKind.Zeros
                    ? null : InitializerKind.LeCunNormal;
            return layer.Initializer switch
            {
                InitializerKind.GlorotUniform or InitializerKind.LeCunUniform when relu => InitializerKind.HeUniform,
                InitializerKind.GlorotNormal or InitializerKind.LeCunNormal when relu => InitializerKind.HeNormal,
                InitializerKind.HeUniform when saturating => InitializerKind.GlorotUniform,
                InitializerKind.HeNormal when saturating => InitializerKind.GlorotNormal,
                InitializerKind.GlorotTruncatedNormal or InitializerKind.LeCunTruncatedNormal when relu => InitializerKind.HeTruncatedNormal,
                InitializerKind.HeTruncatedNormal when saturating => InitializerKind.GlorotTruncatedNormal,
                _ => null,
            };
        }

        private static int NearestPowerOfTwo(int value)
        {
            int lower = 1;
            while (lower <= value / 2)
                lower *= 2;
            long upper = (long)lower * 2;
            return upper - value < value - lower && upper <= int.MaxValue ? (int)upper : lower;
        }

        private static string Format(float value) => value.ToString("G", CultureInfo.InvariantCulture);

        private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

        private static ImmutableDictionary<string, string?> Property(string key, string value) => ImmutableDictionary<string, string?>.Empty.Add(key, value);

        /// <summary>Reports at a model site.</summary>
        private readonly struct Reporter
        {
            private readonly SymbolAnalysisContext _context;
            private readonly ModelAnalysis _analysis;

            public Reporter(SymbolAnalysisContext context, ModelAnalysis analysis)
            {
                _context = context;
                _analysis = analysis;
            }

            public void At(DiagnosticDescriptor descriptor, SiteKind site, int layer, ImmutableDictionary<string, string?>? properties, params string[] arguments)
                => At(descriptor, site, layer, properties, System.Array.Empty<Location>(), arguments);

            public void At(DiagnosticDescriptor descriptor, SiteKind site, int layer, ImmutableDictionary<string, string?>? properties, Location[] additional, params string[] arguments)
                => _context.ReportDiagnostic(Diagnostic.Create(descriptor, _analysis.Locate(site, layer), additional, properties, arguments));

            /// <summary>Reports with a severity below the descriptor's default, for a rule's softer sub-case.</summary>
            public void At(DiagnosticDescriptor descriptor, SiteKind site, int layer, DiagnosticSeverity severity, params string[] arguments)
                => At(descriptor, site, layer, severity, null, arguments);

            public void At(DiagnosticDescriptor descriptor, SiteKind site, int layer, DiagnosticSeverity severity, ImmutableDictionary<string, string?>? properties, params string[] arguments)
                => _context.ReportDiagnostic(Diagnostic.Create(descriptor, _analysis.Locate(site, layer), severity, null, properties, arguments));
        }
    }
}
