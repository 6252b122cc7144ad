using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Extraction
{
    /// <summary>
    /// Reads a <c>[Model]</c> class into a <see cref="ModelDeclaration"/>. Shared by the generator (which keeps only
    /// the declaration) and the analyzer (which also uses <see cref="ExtractionResult.Locate"/> to place diagnostics).
    /// Never throws on malformed code: every unreadable argument becomes a <see cref="Problem"/>.
    /// </summary>
    internal static class ModelExtractor
    {
        public const string ModelAttributeName = "ModelGen.ModelAttribute";

        /// <summary>Members every generated model has; a layer property cannot take one of these names.</summary>
        private static readonly string[] GeneratedMembers =
        {
            "InputSize", "OutputSize", "ParameterCount", "StateCount", "Manifest", "Parameters", "State", "Parameter", "Step",
            "TrainStep", "ComputeLoss", "Predict", "Network", "DebugView", "Graph", "Save", "Load", "SaveCheckpoint", "LoadCheckpoint",
            "LearningRateSchedule", "WatchedActivations",
        };

        private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        public static ExtractionResult Extract(INamedTypeSymbol model, CancellationToken cancellationToken)
        {
            var problems = new List<Problem>();
            var sites = new Sites(model);

            bool isPartial = model.DeclaringSyntaxReferences
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!isPartial)
            {
                // Nothing can be generated for it, and every other finding would follow from this one.
                problems.Add(Problem.At(DiagnosticIds.ModelNotPartial, SiteKind.Class, model.Name));
                return new ExtractionResult(
                    new ModelDeclaration(null, model.Name, "class", "", EquatableArray<ContainingType>.Empty, 0, EquatableArray<int>.Empty, 0, 0, 0, LossDeclaration.None,
                        OptimizerDeclaration.None, null, null, null, null, RegularizationDeclaration.None, false, false, EquatableArray<LayerDeclaration>.Empty, problems.ToEquatableArray()),
                    sites);
            }
            if (model.IsRecord)
                problems.Add(Problem.At(DiagnosticIds.UnsupportedModelClass, SiteKind.Class, model.Name, "a model must be a class, not a record (a record's value equality and printing would cover its parameters and buffers)"));
            else if (model.IsGenericType || model.IsStatic || model.IsAbstract)
                problems.Add(Problem.At(DiagnosticIds.UnsupportedModelClass, SiteKind.Class, model.Name, "a model class must be a non-generic, non-static, non-abstract class"));
            var modelSyntax = model.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();

            var containing = new List<ContainingType>();
            for (INamedTypeSymbol? outer = model.ContainingType; outer is not null; outer = outer.ContainingType)
            {
                var declaration = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().FirstOrDefault();
                if (declaration is null || !declaration.Modifiers.Any(SyntaxKind.PartialKeyword) || outer.IsGenericType)
                    problems.Add(Problem.At(DiagnosticIds.UnsupportedModelClass, SiteKind.Class, model.Name, $"its enclosing type '{outer.Name}' must be a non-generic partial type"));
                containing.Insert(0, new ContainingType(declaration is null ? "class" : KeywordOf(declaration), outer.Name, TypeParametersOf(outer),
                    declaration is not null && declaration.Modifiers.Any(SyntaxKind.PartialKeyword)));
            }

            int inputSize = 0, seed = 0, batchSize = 0, sequenceLength = 0;
            int[]? inputShape = null;
            float inputDropout = 0;
            LossDeclaration loss = LossDeclaration.None;
            int lossCount = 0, optimizerCount = 0;
            OptimizerDeclaration optimizer = OptimizerDeclaration.None;
            float? clipNorm = null, clipValue = null, clipTensorNorm = null, maxNorm = null, weightDecay = null, l1Penalty = null, weightNoise = null;
            ScheduleDeclaration? schedule = null;
            int warmupSteps = 0;
            bool decayBiases = false, decoupled = false, checkFinite = false;

            // Several losses or optimizers are counted (MG1006) and the first one's attribute is where that is reported.
            void SetLoss(AttributeData attribute, LossDeclaration declared)
            {
                sites.LossAttribute ??= attribute;
                loss = declared;
                lossCount++;
            }
            void SetOptimizer(AttributeData attribute, OptimizerDeclaration declared)
            {
                sites.OptimizerAttribute ??= attribute;
                optimizer = declared;
                optimizerCount++;
            }
            // One decay at most (a warm-up combines with it); the fraction or factor must lie in [0, 1] ((0, 1] for factors).
            void ReadDecay(AttributeData attribute, ScheduleKind kind, string name, string fractionName, float fallback, bool zeroAllowed)
            {
                if (schedule is not null)
                {
                    sites.ScheduleAttribute = attribute; // the error belongs on the second decay
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ScheduleAttribute, name, "the schedule",
                        $"one decay per model ({schedule.Kind}Decay is declared already; [Warmup] combines with either)"));
                    return;
                }
                sites.ScheduleAttribute = attribute;
                float fraction = ReadNamed(attribute, fractionName, fallback, name, SiteKind.ScheduleAttribute, problems);
                if (!TryReadConstructorArgument(attribute, 0, out int steps) || steps <= 0)
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ScheduleAttribute, name, "steps", "a positive number of optimizer steps"));
                else if (!(fraction <= 1 && (zeroAllowed ? fraction >= 0 : fraction > 0)))
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ScheduleAttribute, name, fractionName, zeroAllowed ? "a number in [0, 1]" : "a number in (0, 1]"));
                else
                    schedule = new ScheduleDeclaration(kind, steps, fraction);
            }

            foreach (AttributeData attribute in model.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (attribute.AttributeClass?.ToDisplayString())
                {
                    case ModelAttributeName:
                        sites.ModelAttribute = attribute;
                        inputSize = ReadNamed(attribute, "InputSize", 0, "Model", SiteKind.ModelAttribute, problems);
                        inputDropout = ReadNamed(attribute, "InputDropout", 0f, "Model", SiteKind.ModelAttribute, problems);
                        if (!IsDropoutRate(inputDropout))
                            problems.Add(Problem.At(DiagnosticIds.DropoutRateInvalid, SiteKind.ModelAttribute, "the input", Number(inputDropout)));
                        inputShape = ReadInputShape(attribute, ref inputSize, problems);
                        sequenceLength = ReadNamed(attribute, "SequenceLength", 0, "Model", SiteKind.ModelAttribute, problems);
                        if (sequenceLength < 0)
                        {
                            problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "SequenceLength", "a positive number of token ids per sample"));
                            sequenceLength = 0;
                        }
                        else if (sequenceLength > 0)
                        {
                            // Reported, then read as tokens anyway, so the layers are checked against the input the user meant.
                            if (inputShape is not null || (inputSize != 0 && inputSize != sequenceLength))
                                problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "SequenceLength",
                                    "a positive number of token ids per sample, given without InputShape (InputSize, if given, equal to it)"));
                            if (inputDropout > 0)
                                problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "InputDropout",
                                    "0 on token inputs (put Dropout on the Embedding instead)"));
                            inputSize = sequenceLength;
                            inputShape = new[] { sequenceLength };
                        }
                        seed = ReadNamed(attribute, "Seed", 0, "Model", SiteKind.ModelAttribute, problems);
                        batchSize = ReadNamed(attribute, "BatchSize", 0, "Model", SiteKind.ModelAttribute, problems);
                        if (batchSize < 0)
                            problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "BatchSize", "0 (allocate on the first batch) or a positive batch size"));
                        break;
                    case { } when ReadLoss(attribute, SiteKind.LossAttribute, -1, problems) is LossDeclaration declared:
                        SetLoss(attribute, declared);
                        break;
                    case "ModelGen.SgdAttribute":
                        SetOptimizer(attribute, ReadSgd(attribute, problems));
                        break;
                    case "ModelGen.AdamAttribute":
                        SetOptimizer(attribute, ReadAdam(attribute, problems));
                        break;
                    case "ModelGen.AdaGradAttribute":
                        SetOptimizer(attribute, ReadAdaGrad(attribute, problems));
                        break;
                    case "ModelGen.RmsPropAttribute":
                        SetOptimizer(attribute, ReadRmsProp(attribute, problems));
                        break;
                    case "ModelGen.NAdamAttribute":
                        SetOptimizer(attribute, ReadNAdam(attribute, problems));
                        break;
                    case "ModelGen.CheckFiniteAttribute":
                        checkFinite = true;
                        break;
                    case "ModelGen.LinearDecayAttribute":
                        ReadDecay(attribute, ScheduleKind.Linear, "LinearDecay", "FinalFraction", 0.01f, zeroAllowed: true);
                        break;
                    case "ModelGen.StepDecayAttribute":
                        ReadDecay(attribute, ScheduleKind.Step, "StepDecay", "Factor", 0.1f, zeroAllowed: false);
                        break;
                    case "ModelGen.ExponentialDecayAttribute":
                        ReadDecay(attribute, ScheduleKind.Exponential, "ExponentialDecay", "Factor", 0.96f, zeroAllowed: false);
                        break;
                    case "ModelGen.CosineDecayAttribute":
                        ReadDecay(attribute, ScheduleKind.Cosine, "CosineDecay", "FinalFraction", 0f, zeroAllowed: true);
                        break;
                    case "ModelGen.WarmupAttribute":
                        sites.ScheduleAttribute ??= attribute;
                        if (!TryReadConstructorArgument(attribute, 0, out int warmup) || warmup <= 0)
                            problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ScheduleAttribute, "Warmup", "steps", "a positive number of optimizer steps"));
                        else
                            warmupSteps = warmup;
                        break;
                    case "ModelGen.WeightDecayAttribute":
                        sites.WeightDecayAttribute = attribute;
                        weightDecay = ReadPenalty(attribute, SiteKind.WeightDecayAttribute, "WeightDecay", problems);
                        decayBiases = ReadNamed(attribute, "IncludeBiases", false, "WeightDecay", SiteKind.WeightDecayAttribute, problems);
                        decoupled = ReadNamed(attribute, "Decoupled", false, "WeightDecay", SiteKind.WeightDecayAttribute, problems);
                        break;
                    case "ModelGen.L1PenaltyAttribute":
                        sites.L1PenaltyAttribute = attribute;
                        l1Penalty = ReadPenalty(attribute, SiteKind.L1PenaltyAttribute, "L1Penalty", problems);
                        break;
                    case "ModelGen.ClipValueAttribute":
                        sites.ClipValueAttribute = attribute;
                        clipValue = ReadClipLimit(attribute, SiteKind.ClipValueAttribute, "ClipValue", "maxValue", problems);
                        break;
                    case "ModelGen.ClipGlobalNormAttribute":
                        sites.ClipAttribute = attribute;
                        clipNorm = ReadClipLimit(attribute, SiteKind.ClipAttribute, "ClipGlobalNorm", "maxNorm", problems);
                        break;
                    case "ModelGen.MaxNormAttribute":
                        sites.MaxNormAttribute = attribute;
                        maxNorm = ReadClipLimit(attribute, SiteKind.MaxNormAttribute, "MaxNorm", "maxNorm", problems);
                        break;
                    case "ModelGen.WeightNoiseAttribute":
                        sites.WeightNoiseAttribute = attribute;
                        weightNoise = ReadClipLimit(attribute, SiteKind.WeightNoiseAttribute, "WeightNoise", "standardDeviation", problems);
                        break;
                    case "ModelGen.ClipTensorNormAttribute":
                        sites.ClipTensorNormAttribute = attribute;
                        clipTensorNorm = ReadClipLimit(attribute, SiteKind.ClipTensorNormAttribute, "ClipTensorNorm", "maxNorm", problems);
                        break;
                }
            }

            if (optimizerCount != 1)
                problems.Add(Problem.At(DiagnosticIds.LossOrOptimizerCount, optimizerCount == 0 ? SiteKind.Class : SiteKind.OptimizerAttribute, model.Name, "optimizer", "[Adam], [NAdam], [Sgd], [RmsProp] or [AdaGrad]", optimizerCount.ToString(CultureInfo.InvariantCulture)));

            var layers = new List<LayerDeclaration>();
            foreach (ISymbol member in model.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (member is not IPropertySymbol property)
                    continue;
                AttributeData? layerAttribute = property.GetAttributes().FirstOrDefault(a => LayerRules.For(a.AttributeClass?.ToDisplayString()) is not null);
                if (layerAttribute is null)
                    continue;
                LayerDefinition definition = LayerRules.For(layerAttribute.AttributeClass!.ToDisplayString())!;
                LayerKind kind = definition.Kind;
                int index = layers.Count;
                sites.Layers.Add((layerAttribute, property));
                var declaration = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<PropertyDeclarationSyntax>().FirstOrDefault();
                bool partialProperty = declaration is not null && declaration.Modifiers.Any(SyntaxKind.PartialKeyword);
                var signature = new PropertySignature(property.Type.ToDisplayString(TypeFormat), property.IsStatic,
                    property.SetMethod is { IsInitOnly: false }, property.SetMethod is { IsInitOnly: true }, partialProperty);
                bool wellFormed = partialProperty && !property.IsStatic && property.SetMethod is null && property.Type.ToDisplayString() == "ModelGen." + kind;
                if (!wellFormed)
                    problems.Add(Problem.AtLayer(DiagnosticIds.InvalidLayerProperty, SiteKind.LayerProperty, index, property.Name, kind.ToString()));
                else if (Array.IndexOf(GeneratedMembers, property.Name) >= 0)
                    problems.Add(Problem.AtLayer(DiagnosticIds.ReservedLayerName, SiteKind.LayerProperty, index, property.Name, model.Name));
                string modifiers = declaration is not null ? ModifiersOf(declaration) : "";
                LayerDeclaration layer = definition.Read(layerAttribute, property.Name, modifiers, index, problems);
                LossDeclaration head = LossDeclaration.None;
                foreach (AttributeData attribute in property.GetAttributes())
                    if (ReadLoss(attribute, SiteKind.HeadLossAttribute, index, problems) is LossDeclaration declared)
                    {
                        if (head.Kind != LossKind.None)
                            problems.Add(Problem.AtLayer(DiagnosticIds.LossOrOptimizerCount, SiteKind.HeadLossAttribute, index, model.Name, $"loss on head '{property.Name}'", "one loss attribute per head layer", "more"));
                        sites.HeadLosses[index] = attribute;
                        head = declared;
                    }
                layers.Add(layer with { Wiring = ReadWiring(layerAttribute, kind, index, problems, layer.Wiring), Signature = signature, Head = head });
            }
            int heads = layers.Count(l => l.Head.Kind != LossKind.None);
            if (lossCount > 1 || (lossCount == 0 && heads == 0))
                problems.Add(Problem.At(DiagnosticIds.LossOrOptimizerCount, lossCount == 0 ? SiteKind.Class : SiteKind.LossAttribute, model.Name, "loss", "[SoftmaxCrossEntropy], [BinaryCrossEntropy], [MeanSquaredError], [MeanAbsoluteError] or [HuberLoss]", lossCount.ToString(CultureInfo.InvariantCulture)));
            if (lossCount > 0 && heads > 0)
                problems.Add(Problem.At(DiagnosticIds.LossOrOptimizerCount, SiteKind.LossAttribute, model.Name, "loss",
                    "a loss on the class (one output: the last layer) or a loss on each head layer, not both", (lossCount + heads).ToString(CultureInfo.InvariantCulture)));

            var declarationModel = new ModelDeclaration(
                model.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
                model.Name,
                modelSyntax is null ? "class" : KeywordOf(modelSyntax),
                TypeParametersOf(model),
                containing.ToEquatableArray(),
                inputSize,
                (inputShape ?? (inputSize > 0 ? new[] { inputSize } : new int[0])).ToEquatableArray(),
                sequenceLength,
                seed,
                batchSize,
                loss,
                optimizer,
                warmupSteps > 0 ? (schedule ?? new ScheduleDeclaration(ScheduleKind.Constant, 1, 1f)) with { WarmupSteps = warmupSteps } : schedule,
                clipNorm,
                clipValue,
                clipTensorNorm,
                new RegularizationDeclaration(inputDropout, weightDecay, decayBiases, decoupled, l1Penalty, maxNorm, weightNoise),
                checkFinite,
                model.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is "System.Diagnostics.DebuggerTypeProxyAttribute" or "System.Diagnostics.DebuggerDisplayAttribute"),
                layers.ToEquatableArray(),
                problems.ToEquatableArray());
            return new ExtractionResult(declarationModel, sites);
        }




        /// <summary>A clipping or max-norm attribute's limit: finite and positive, or null after reporting it.</summary>
        private static float? ReadClipLimit(AttributeData attribute, SiteKind site, string attributeName, string argument, List<Problem> problems)
        {
            if (TryReadConstructorArgument(attribute, 0, out float limit) && limit > 0 && !float.IsInfinity(limit))
                return limit;
            problems.Add(Problem.At(DiagnosticIds.InvalidArgument, site, attributeName, argument, "a finite number greater than 0"));
            return null;
        }

        /// <summary>
        /// <c>InputShape = new[] { C, H, W }</c> (or one dimension): every dimension positive, the product within int, and
        /// equal to InputSize when both are given. Sets InputSize to the product; null when absent or invalid.
        /// </summary>
        private static int[]? ReadInputShape(AttributeData attribute, ref int inputSize, List<Problem> problems)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key != "InputShape")
                    continue;
                int[] dimensions = argument.Value.Kind == TypedConstantKind.Array && !argument.Value.IsNull
                    ? argument.Value.Values.Select(v => v.Value is int d ? d : 0).ToArray()
                    : new int[0];
                long size = dimensions.Aggregate(1L, (product, d) => product * Math.Max(d, 0));
                if (dimensions.Length == 0 || dimensions.Length > 3 || dimensions.Any(d => d <= 0) || size > int.MaxValue)
                {
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "InputShape",
                        "new[] { channels, height, width }, new[] { steps, features } or one dimension, every one positive"));
                    return null;
                }
                if (inputSize != 0 && inputSize != size)
                {
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.ModelAttribute, "Model", "InputSize",
                        $"the product of InputShape [{string.Join(" × ", dimensions)}] = {size}, or no InputSize at all"));
                    return null;
                }
                inputSize = (int)size;
                return dimensions;
            }
            return null;
        }

        private static LossKind? LossKindOf(AttributeData attribute) => attribute.AttributeClass?.ToDisplayString() switch
        {
            "ModelGen.SoftmaxCrossEntropyAttribute" => LossKind.SoftmaxCrossEntropy,
            "ModelGen.MeanSquaredErrorAttribute" => LossKind.MeanSquaredError,
            "ModelGen.BinaryCrossEntropyAttribute" => LossKind.BinaryCrossEntropy,
            "ModelGen.MeanAbsoluteErrorAttribute" => LossKind.MeanAbsoluteError,
            "ModelGen.HuberLossAttribute" => LossKind.Huber,
            "ModelGen.NegativeLogLikelihoodAttribute" => LossKind.NegativeLogLikelihood,
            "ModelGen.KLDivergenceAttribute" => LossKind.KLDivergence,
            _ => null,
        };

        /// <summary>A weight penalty's coefficient λ (its constructor argument), or null with MG1004 when it is not a finite number ≥ 0.</summary>
        private static float? ReadPenalty(AttributeData attribute, SiteKind site, string name, List<Problem> problems)
        {
            if (TryReadConstructorArgument(attribute, 0, out float lambda) && lambda >= 0 && !float.IsInfinity(lambda))
                return lambda;
            problems.Add(Problem.At(DiagnosticIds.InvalidArgument, site, name, "lambda", "a finite number ≥ 0"));
            return null;
        }

        /// <summary>A loss attribute (on the class or on a head layer), or null for any other attribute.</summary>
        private static LossDeclaration? ReadLoss(AttributeData attribute, SiteKind site, int layer, List<Problem> problems)
        {
            if (LossKindOf(attribute) is not LossKind kind)
                return null;
            string name = kind.ToString();
            var scoped = new List<Problem>();
            bool fromLogits = kind != LossKind.BinaryCrossEntropy || ReadNamed(attribute, "FromLogits", true, name, site, scoped);
            float weight = ReadNamed(attribute, "Weight", 1f, name, site, scoped);
            if (!(weight > 0) || float.IsInfinity(weight))
                scoped.Add(Problem.At(DiagnosticIds.InvalidArgument, site, name, "Weight", "a finite number greater than 0"));
            float delta = kind == LossKind.Huber ? ReadNamed(attribute, "Delta", 1f, name, site, scoped) : 0f;
            if (kind == LossKind.Huber && (!(delta > 0) || float.IsInfinity(delta)))
                scoped.Add(Problem.At(DiagnosticIds.InvalidArgument, site, name, "Delta", "a finite number greater than 0"));
            float smoothing = kind == LossKind.SoftmaxCrossEntropy ? ReadNamed(attribute, "LabelSmoothing", 0f, name, site, scoped) : 0f;
            if (!(smoothing >= 0 && smoothing < 1))
                scoped.Add(Problem.At(DiagnosticIds.InvalidArgument, site, name, "LabelSmoothing", "a number in [0, 1)"));
            EquatableArray<float> classWeights = kind == LossKind.SoftmaxCrossEntropy ? ReadClassWeights(attribute, name, site, scoped) : default;
            problems.AddRange(scoped.Select(p => p with { LayerIndex = layer }));
            return new LossDeclaration(kind, kind == LossKind.SoftmaxCrossEntropy || fromLogits, weight, delta, smoothing, classWeights);
        }

        /// <summary>
        /// <c>ClassWeights = new[] { … }</c>: finite numbers ≥ 0, not all 0 (empty when absent or invalid, with MG1004). Their
        /// count must equal the head's classes, which the loss checks against the output's shape.
        /// </summary>
        private static EquatableArray<float> ReadClassWeights(AttributeData attribute, string name, SiteKind site, List<Problem> problems)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key != "ClassWeights" || argument.Value.IsNull)
                    continue;
                var weights = new List<float>();
                bool valid = argument.Value.Kind == TypedConstantKind.Array;
                if (valid)
                    foreach (TypedConstant element in argument.Value.Values)
                    {
                        valid &= element.Value is float value && value >= 0 && !float.IsInfinity(value);
                        weights.Add(element.Value is float weight ? weight : 0);
                    }
                if (!valid || weights.Count == 0 || weights.TrueForAll(w => w == 0))
                {
                    problems.Add(Problem.At(DiagnosticIds.InvalidArgument, site, name, "ClassWeights", "one finite weight ≥ 0 per class, not all 0"));
                    return default;
                }
                return weights.ToEquatableArray();
            }
            return default;
        }




        /// <summary>The wiring arguments every layer attribute inherits: Input, Residual, ResidualProjection.</summary>
        private static LayerWiring ReadWiring(AttributeData attribute, LayerKind kind, int index, List<Problem> problems, LayerWiring declared)
        {
            EquatableArray<string> inputs = declared.Inputs;
            string? residual = null;
            bool projection = false;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "Input" when kind == LayerKind.Concat:
                        problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Concat", "Input", "the inputs as constructor arguments, [Concat(nameof(A), nameof(B))]"));
                        break;
                    case "Input" when argument.Value.Value is string input && input.Length > 0:
                        inputs = new[] { input }.ToEquatableArray();
                        break;
                    case "Residual" when argument.Value.Value is string source && source.Length > 0:
                        residual = source;
                        break;
                    case "ResidualProjection" when argument.Value.Value is bool b:
                        projection = b;
                        break;
                    case "Input":
                    case "Residual":
                        problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kind.ToString(), argument.Key, "a layer name, e.g. nameof(Hidden1)"));
                        break;
                }
            }
            if (projection && residual is null)
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kind.ToString(), "ResidualProjection", "a Residual to project"));
            return new LayerWiring(inputs, residual, projection);
        }


        private static OptimizerDeclaration ReadSgd(AttributeData attribute, List<Problem> problems)
        {
            float rate = ReadNamed(attribute, "LearningRate", 0.01f, "Sgd", SiteKind.OptimizerAttribute, problems);
            float momentum = ReadNamed(attribute, "Momentum", 0f, "Sgd", SiteKind.OptimizerAttribute, problems);
            bool nesterov = ReadNamed(attribute, "Nesterov", false, "Sgd", SiteKind.OptimizerAttribute, problems);
            RequireRange(rate > 0 && !float.IsInfinity(rate), "Sgd", "LearningRate", "a finite number greater than 0", problems);
            RequireRange(!float.IsNaN(momentum) && !float.IsInfinity(momentum), "Sgd", "Momentum", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(!nesterov || momentum > 0, "Sgd", "Nesterov", "Momentum > 0 (Nesterov needs momentum)", problems);
            return new OptimizerDeclaration(OptimizerKind.Sgd, rate, momentum, nesterov, 0, 0, 0, 0);
        }

        private static OptimizerDeclaration ReadAdam(AttributeData attribute, List<Problem> problems)
        {
            float rate = ReadNamed(attribute, "LearningRate", 1e-3f, "Adam", SiteKind.OptimizerAttribute, problems);
            float beta1 = ReadNamed(attribute, "Beta1", 0.9f, "Adam", SiteKind.OptimizerAttribute, problems);
            float beta2 = ReadNamed(attribute, "Beta2", 0.999f, "Adam", SiteKind.OptimizerAttribute, problems);
            float epsilon = ReadNamed(attribute, "Epsilon", 1e-8f, "Adam", SiteKind.OptimizerAttribute, problems);
            RequireRange(rate > 0 && !float.IsInfinity(rate), "Adam", "LearningRate", "a finite number greater than 0", problems);
            RequireRange(!float.IsNaN(beta1) && !float.IsInfinity(beta1), "Adam", "Beta1", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(!float.IsNaN(beta2) && !float.IsInfinity(beta2), "Adam", "Beta2", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(epsilon > 0 && !float.IsInfinity(epsilon), "Adam", "Epsilon", "a finite number greater than 0", problems);
            bool amsGrad = ReadNamed(attribute, "AmsGrad", false, "Adam", SiteKind.OptimizerAttribute, problems);
            return new OptimizerDeclaration(OptimizerKind.Adam, rate, 0, false, beta1, beta2, epsilon, 0, AmsGrad: amsGrad);
        }

        private static OptimizerDeclaration ReadNAdam(AttributeData attribute, List<Problem> problems)
        {
            float rate = ReadNamed(attribute, "LearningRate", 2e-3f, "NAdam", SiteKind.OptimizerAttribute, problems);
            float beta1 = ReadNamed(attribute, "Beta1", 0.9f, "NAdam", SiteKind.OptimizerAttribute, problems);
            float beta2 = ReadNamed(attribute, "Beta2", 0.999f, "NAdam", SiteKind.OptimizerAttribute, problems);
            float epsilon = ReadNamed(attribute, "Epsilon", 1e-8f, "NAdam", SiteKind.OptimizerAttribute, problems);
            float momentumDecay = ReadNamed(attribute, "MomentumDecay", 4e-3f, "NAdam", SiteKind.OptimizerAttribute, problems);
            RequireRange(rate > 0 && !float.IsInfinity(rate), "NAdam", "LearningRate", "a finite number greater than 0", problems);
            RequireRange(!float.IsNaN(beta1) && !float.IsInfinity(beta1), "NAdam", "Beta1", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(!float.IsNaN(beta2) && !float.IsInfinity(beta2), "NAdam", "Beta2", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(epsilon > 0 && !float.IsInfinity(epsilon), "NAdam", "Epsilon", "a finite number greater than 0", problems);
            RequireRange(momentumDecay >= 0 && !float.IsInfinity(momentumDecay), "NAdam", "MomentumDecay", "a finite number ≥ 0", problems);
            return new OptimizerDeclaration(OptimizerKind.NAdam, rate, 0, false, beta1, beta2, epsilon, 0, MomentumDecay: momentumDecay);
        }

        private static OptimizerDeclaration ReadAdaGrad(AttributeData attribute, List<Problem> problems)
        {
            float rate = ReadNamed(attribute, "LearningRate", 0.01f, "AdaGrad", SiteKind.OptimizerAttribute, problems);
            float epsilon = ReadNamed(attribute, "Epsilon", 1e-10f, "AdaGrad", SiteKind.OptimizerAttribute, problems);
            RequireRange(rate > 0 && !float.IsInfinity(rate), "AdaGrad", "LearningRate", "a finite number greater than 0", problems);
            RequireRange(epsilon > 0 && !float.IsInfinity(epsilon), "AdaGrad", "Epsilon", "a finite number greater than 0", problems);
            return new OptimizerDeclaration(OptimizerKind.AdaGrad, rate, 0, false, 0, 0, epsilon, 0);
        }

        private static OptimizerDeclaration ReadRmsProp(AttributeData attribute, List<Problem> problems)
        {
            float rate = ReadNamed(attribute, "LearningRate", 0.01f, "RmsProp", SiteKind.OptimizerAttribute, problems);
            float rho = ReadNamed(attribute, "Rho", 0.99f, "RmsProp", SiteKind.OptimizerAttribute, problems);
            float epsilon = ReadNamed(attribute, "Epsilon", 1e-8f, "RmsProp", SiteKind.OptimizerAttribute, problems);
            RequireRange(rate > 0 && !float.IsInfinity(rate), "RmsProp", "LearningRate", "a finite number greater than 0", problems);
            RequireRange(!float.IsNaN(rho) && !float.IsInfinity(rho), "RmsProp", "Rho", "a finite number (MG0020 flags values outside (0, 1))", problems);
            RequireRange(epsilon > 0 && !float.IsInfinity(epsilon), "RmsProp", "Epsilon", "a finite number greater than 0", problems);
            float momentum = ReadNamed(attribute, "Momentum", 0f, "RmsProp", SiteKind.OptimizerAttribute, problems);
            bool nesterov = ReadNamed(attribute, "Nesterov", false, "RmsProp", SiteKind.OptimizerAttribute, problems);
            bool centered = ReadNamed(attribute, "Centered", false, "RmsProp", SiteKind.OptimizerAttribute, problems);
            RequireRange(!float.IsNaN(momentum) && !float.IsInfinity(momentum), "RmsProp", "Momentum", "a finite number (MG0020 flags values outside [0, 1))", problems);
            RequireRange(!nesterov || momentum > 0, "RmsProp", "Nesterov", "Momentum > 0 (Nesterov needs momentum)", problems);
            return new OptimizerDeclaration(OptimizerKind.RmsProp, rate, momentum, nesterov, 0, 0, epsilon, rho, Centered: centered);
        }



        private static void RequireRange(bool ok, string attribute, string argument, string expected, List<Problem> problems)
        {
            if (!ok)
                problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.OptimizerAttribute, attribute, argument, expected));
        }




        private static string TypeParametersOf(INamedTypeSymbol type)
            => type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(p => p.Name)) + ">";

        private static string KeywordOf(TypeDeclarationSyntax declaration) => declaration switch
        {
            RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
            StructDeclarationSyntax => "struct",
            InterfaceDeclarationSyntax => "interface",
            _ => "class",
        };

        /// <summary>The accessibility written on the declaring part; the implementing part must repeat it exactly.</summary>
        private static string ModifiersOf(PropertyDeclarationSyntax declaration) => string.Join(" ", declaration.Modifiers
            .Where(m => m.IsKind(SyntaxKind.PublicKeyword) || m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword) || m.IsKind(SyntaxKind.InternalKeyword))
            .Select(m => m.Text));
    }
}
