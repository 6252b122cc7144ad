using Microsoft.CodeAnalysis;

namespace ModelGen.Analyzers
{
    /// <summary>Deep-learning pitfalls (shared/knowledge/diagnostics-catalogue.md). Help pages: docs/diagnostics/ID.md.</summary>
    internal static class PitfallDescriptors
    {
        private const string HelpBase = "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor InitializerMismatch = Create("MG0002", "ModelGen.Initialization", DiagnosticSeverity.Warning,
            "Initializer does not fit the activation",
            "Layer '{0}' initializes {1} weights with {2}; {3} keeps the activations' variance through {1} units");

        public static readonly DiagnosticDescriptor NoNonlinearity = Create("MG0005", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "No nonlinearity between linear layers",
            "Layer '{0}' has no activation before layer '{1}', so the two collapse into one linear map; give '{0}' a nonlinearity such as ReLU");

        public static readonly DiagnosticDescriptor RegressionLossOnProbabilities = Create("MG0010", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Regression loss on probabilities",
            "MeanSquaredError on the {0} output of layer '{1}' has vanishing gradients where the unit saturates; train classifiers with cross-entropy on linear logits");

        public static readonly DiagnosticDescriptor NonlinearityBeforeSoftmax = Create("MG0011", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Nonlinearity right before softmax",
            "Output layer '{0}' applies {1} to the logits before SoftmaxCrossEntropy's softmax; logits should be linear (Activation.Identity)");

        public static readonly DiagnosticDescriptor SaturatingDeepStack = Create("MG0012", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "Saturating activations in a deep stack",
            "Model '{0}' stacks {1} sigmoid/tanh hidden layers ({2}) with no normalization or residual path; gradients vanish through saturated units, prefer the ReLU family");

        public static readonly DiagnosticDescriptor NoGradientClipping = Create("MG0013", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "No gradient clipping",
            "Model '{0}' {1} but declares no gradient clipping; add [ClipGlobalNorm(5f)]");

        public static readonly DiagnosticDescriptor LearningRateOutOfRange = Create("MG0019", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "Learning rate out of range",
            "{0} learning rate {1} is outside the usual range {2}");

        public static readonly DiagnosticDescriptor AdamEpsilonTooSmall = Create("MG0021", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "Adam epsilon too small",
            "Adam epsilon {0} is below 1e-10: when the second moment is tiny the update divides by almost zero; use 1e-8");

        public static readonly DiagnosticDescriptor SigmoidOutputForMultiClass = Create("MG0027", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Sigmoid output for multi-class",
            "Output layer '{0}' puts independent sigmoids on {1} classes before SoftmaxCrossEntropy; the loss already applies softmax to linear logits");

        public static readonly DiagnosticDescriptor ImplicitHyperParameters = Create("MG0028", "ModelGen.Reproducibility", DiagnosticSeverity.Info,
            "Implicit hyper-parameters",
            "Model '{0}' takes {1} from defaults; declare it explicitly so runs are reproducible and reviewable");

        public static readonly DiagnosticDescriptor UnstableSoftmax = Create("MG0101", "ModelGen.Numerics", DiagnosticSeverity.Warning,
            "Unstable softmax",
            "TensorPrimitives.SoftMax does not subtract the maximum and returns NaN for inputs such as [1000, 1000, 999]; use ModelGen.StableMath.Softmax");

        public static readonly DiagnosticDescriptor LogOfSoftmax = Create("MG0102", "ModelGen.Numerics", DiagnosticSeverity.Warning,
            "Log of a softmax",
            "'{0}' takes the log of a softmax result, which underflows to -∞ for small probabilities; compute log-softmax directly with ModelGen.StableMath.LogSoftmax");

        private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message)
            => new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
    }

    /// <summary>Keys of the properties code fixes read from a diagnostic.</summary>
    internal static class FixProperties
    {
        public const string Initializer = nameof(Initializer);
    }
}
