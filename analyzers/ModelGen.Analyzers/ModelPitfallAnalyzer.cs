using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generators.Model;
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
            PitfallDescriptors.InitializerMismatch, PitfallDescriptors.NoNonlinearity, PitfallDescriptors.RegressionLossOnProbabilities,
            PitfallDescriptors.NonlinearityBeforeSoftmax, PitfallDescriptors.SaturatingDeepStack, PitfallDescriptors.NoGradientClipping,
            PitfallDescriptors.LearningRateOutOfRange, PitfallDescriptors.AdamEpsilonTooSmall, PitfallDescriptors.SigmoidOutputForMultiClass,
            PitfallDescriptors.ImplicitHyperParameters);

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

            void Report(DiagnosticDescriptor descriptor, SiteKind site, int layer, ImmutableDictionary<string, string?>? properties, params string[] arguments)
                => context.ReportDiagnostic(Diagnostic.Create(descriptor, analysis.Locate(site, layer), properties, arguments));

            ModelDeclaration declaration = model.Declaration;
            int last = model.Layers.Count - 1;
            LayerShape output = model.Layers[last];

            for (int i = 0; i < model.Layers.Count; i++)
            {
                LayerDeclaration layer = declaration.Layers[i];
                if (SuggestedInitializer(layer) is InitializerKind suggestion)
                    Report(PitfallDescriptors.InitializerMismatch, SiteKind.LayerAttribute, i,
                        ImmutableDictionary<string, string?>.Empty.Add(FixProperties.Initializer, suggestion.ToString()),
                        layer.Name, layer.Activation.ToString(), layer.Initializer.ToString(), suggestion.ToString());
                if (i < last && layer.Activation == ActivationKind.Identity)
                    Report(PitfallDescriptors.NoNonlinearity, SiteKind.LayerAttribute, i, null, layer.Name, declaration.Layers[i + 1].Name);
            }

            if (declaration.Loss == LossKind.MeanSquaredError && output.Activation == ActivationKind.Sigmoid)
                Report(PitfallDescriptors.RegressionLossOnProbabilities, SiteKind.LossAttribute, -1, null, "sigmoid", output.Name);
            if (declaration.Loss == LossKind.SoftmaxCrossEntropy && output.Activation != ActivationKind.Identity)
            {
                if (output.Activation == ActivationKind.Sigmoid && output.Units >= 3)
                    Report(PitfallDescriptors.SigmoidOutputForMultiClass, SiteKind.LayerAttribute, last, null, output.Name, output.Units.ToString(CultureInfo.InvariantCulture));
                else
                    Report(PitfallDescriptors.NonlinearityBeforeSoftmax, SiteKind.LayerAttribute, last, null, output.Name, output.Activation.ToString());
            }

            var saturating = model.Layers.Take(last).Select((l, i) => (Layer: l, Index: i))
                .Where(l => l.Layer.Activation == ActivationKind.Sigmoid || l.Layer.Activation == ActivationKind.Tanh).ToList();
            if (saturating.Count >= 3)
                Report(PitfallDescriptors.SaturatingDeepStack, SiteKind.LayerAttribute, saturating[2].Index, null,
                    declaration.ClassName, saturating.Count.ToString(CultureInfo.InvariantCulture), string.Join(", ", saturating.Select(s => s.Layer.Name)));

            OptimizerDeclaration optimizer = declaration.Optimizer;
            string rate = optimizer.LearningRate.ToString("G", CultureInfo.InvariantCulture);
            if (declaration.ClipNorm is null)
            {
                string? reason = model.Layers.Count >= 8 ? $"is {model.Layers.Count} layers deep"
                    : optimizer.Kind == OptimizerKind.Adam && optimizer.LearningRate > 3e-3f ? $"trains with Adam at learning rate {rate}"
                    : optimizer.Kind == OptimizerKind.Sgd && optimizer.LearningRate > 0.1f ? $"trains with SGD at learning rate {rate}"
                    : null;
                if (reason is not null)
                    Report(PitfallDescriptors.NoGradientClipping, SiteKind.Class, -1, null, declaration.ClassName, reason);
            }

            string? range = optimizer.Kind switch
            {
                OptimizerKind.Adam when optimizer.LearningRate > 1e-2f || optimizer.LearningRate < 1e-7f => "[1e-7, 1e-2]",
                OptimizerKind.Sgd when optimizer.LearningRate > 1f || optimizer.LearningRate < 1e-7f => "[1e-7, 1]",
                _ => null,
            };
            if (range is not null)
                Report(PitfallDescriptors.LearningRateOutOfRange, SiteKind.OptimizerAttribute, -1, null, optimizer.Kind.ToString(), rate, range);
            if (optimizer.Kind == OptimizerKind.Adam && optimizer.Epsilon < 1e-10f)
                Report(PitfallDescriptors.AdamEpsilonTooSmall, SiteKind.OptimizerAttribute, -1, null, optimizer.Epsilon.ToString("G", CultureInfo.InvariantCulture));

            var implicitSettings = new List<string>();
            if (!analysis.ModelAttribute.NamedArguments.Any(a => a.Key == "Seed"))
                implicitSettings.Add("its seed");
            AttributeData? optimizerAttribute = analysis.Type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() is "ModelGen.AdamAttribute" or "ModelGen.SgdAttribute");
            if (optimizerAttribute is not null && !optimizerAttribute.NamedArguments.Any(a => a.Key == "LearningRate"))
                implicitSettings.Add("its learning rate");
            if (implicitSettings.Count > 0)
                Report(PitfallDescriptors.ImplicitHyperParameters, implicitSettings[0] == "its seed" ? SiteKind.ModelAttribute : SiteKind.OptimizerAttribute, -1, null,
                    declaration.ClassName, string.Join(" and ", implicitSettings));
        }

        /// <summary>He for the ReLU family, Glorot for saturating units; the same distribution family (uniform/normal) as declared.</summary>
        private static InitializerKind? SuggestedInitializer(LayerDeclaration layer)
        {
            bool relu = layer.Activation == ActivationKind.ReLU || layer.Activation == ActivationKind.LeakyReLU;
            bool saturating = layer.Activation == ActivationKind.Sigmoid || layer.Activation == ActivationKind.Tanh;
            return layer.Initializer switch
            {
                InitializerKind.GlorotUniform when relu => InitializerKind.HeUniform,
                InitializerKind.GlorotNormal when relu => InitializerKind.HeNormal,
                InitializerKind.HeUniform when saturating => InitializerKind.GlorotUniform,
                InitializerKind.HeNormal when saturating => InitializerKind.GlorotNormal,
                _ => null,
            };
        }
    }
}
