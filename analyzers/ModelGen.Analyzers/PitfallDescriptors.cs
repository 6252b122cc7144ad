using Microsoft.CodeAnalysis;

namespace ModelGen.Analyzers
{
    /// <summary>Deep-learning pitfalls (shared/knowledge/diagnostics-catalogue.md). Help pages: docs/diagnostics/ID.md.</summary>
    internal static class PitfallDescriptors
    {
        private const string HelpBase = "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor ZeroInitialization = Create("MG0001", "ModelGen.Initialization", DiagnosticSeverity.Error,
            "Zero weight initialization",
            "Layer '{0}' initializes its weights to zeros, so all its units compute the same function and receive the same gradient (and ReLU units never activate); use {1}");

        public static readonly DiagnosticDescriptor InitializerMismatch = Create("MG0002", "ModelGen.Initialization", DiagnosticSeverity.Warning,
            "Initializer does not fit the activation",
            "Layer '{0}' initializes {1} weights with {2}; {3} keeps the activations' variance through {1} units");

        public static readonly DiagnosticDescriptor NonZeroHiddenBias = Create("MG0003", "ModelGen.Initialization", DiagnosticSeverity.Info,
            "Non-zero hidden bias initialization",
            "Hidden layer '{0}' starts its biases at {1}; hidden biases start at 0, a shared offset only shifts every unit towards saturation (or, negative, towards dead ReLUs)");

        public static readonly DiagnosticDescriptor BiasBeforeNormalization = Create("MG0004", "ModelGen.Architecture", DiagnosticSeverity.Info,
            "Bias before normalization is redundant",
            "Layer '{0}' has a bias, but batch norm '{1}' subtracts the batch mean right after it, so the bias never changes the output and β plays its role; declare '{0}' with UseBias = false");

        public static readonly DiagnosticDescriptor NoNonlinearity = Create("MG0005", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "No nonlinearity between linear layers",
            "Layer '{0}' has no activation before layer '{1}', so the two collapse into one linear map; give '{0}' a nonlinearity such as ReLU");

        public static readonly DiagnosticDescriptor ProbabilityLossOnLogits = Create("MG0007", "ModelGen.Loss", DiagnosticSeverity.Error,
            "Probability loss fed raw logits",
            "BinaryCrossEntropy(FromLogits = false) takes the log of output layer '{0}' as a probability, but '{0}' is {1}, not sigmoid; set FromLogits = true so the loss applies the sigmoid stably");

        public static readonly DiagnosticDescriptor DoubleSoftmax = Create("MG0008", "ModelGen.Loss", DiagnosticSeverity.Error,
            "Double softmax / sigmoid",
            "Output layer '{0}' applies {1} and {2} applies it again, squashing the outputs twice; make '{0}' linear and let the fused loss apply {1}");

        public static readonly DiagnosticDescriptor RegressionLossOnProbabilities = Create("MG0010", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Regression loss on probabilities",
            "{2} on the {0} output of layer '{1}' has vanishing gradients where the unit saturates; train classifiers with cross-entropy on linear logits");

        public static readonly DiagnosticDescriptor NonlinearityBeforeSoftmax = Create("MG0011", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Nonlinearity right before softmax",
            "Output layer '{0}' applies {1} to the logits before {2}'s {3}; logits should be linear (Activation.Identity)");

        public static readonly DiagnosticDescriptor SaturatingDeepStack = Create("MG0012", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "Saturating activations in a deep stack",
            "Model '{0}' stacks {1} saturating (sigmoid, tanh, hard tanh, RBF) hidden layers ({2}) with no normalization or residual path; gradients vanish through saturated units, prefer the ReLU family");

        public static readonly DiagnosticDescriptor NoGradientClipping = Create("MG0013", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "No gradient clipping",
            "Model '{0}' {1} but declares no gradient clipping; add [ClipGlobalNorm(5f)]");

        public static readonly DiagnosticDescriptor DropoutRateHigh = Create("MG0015", "ModelGen.Regularization", DiagnosticSeverity.Warning,
            "Dropout rate high",
            "Dropout rate {1} on {0} is above {2}; keep at least half of the hidden units (rate ≤ 0.5) and 80% of the inputs (rate ≤ 0.2), or the network underfits");

        public static readonly DiagnosticDescriptor DropoutOnOutput = Create("MG0016", "ModelGen.Regularization", DiagnosticSeverity.Warning,
            "Dropout placement",
            "{0}");

        public static readonly DiagnosticDescriptor DecayOnBiases = Create("MG0017", "ModelGen.Regularization", DiagnosticSeverity.Warning,
            "Weight decay on biases",
            "{0}");

        public static readonly DiagnosticDescriptor ExcessiveRegularization = Create("MG0018", "ModelGen.Regularization", DiagnosticSeverity.Warning,
            "Excessive regularization",
            "Model '{0}' {1}; regularization this strong makes the network underfit");

        public static readonly DiagnosticDescriptor LearningRateOutOfRange = Create("MG0019", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "Learning rate out of range",
            "{0} learning rate {1} is outside the usual range {2}");

        public static readonly DiagnosticDescriptor HyperParameterOutOfRange = Create("MG0020", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "Momentum or decay hyper-parameter out of range",
            "{0} {1} = {2} is outside {3}: {4}");

        public static readonly DiagnosticDescriptor AdamEpsilonTooSmall = Create("MG0021", "ModelGen.Optimization", DiagnosticSeverity.Warning,
            "Adam epsilon too small",
            "Adam epsilon {0} is below 1e-10: when the second moment is tiny the update divides by almost zero; use 1e-8");

        public static readonly DiagnosticDescriptor AdaGradOnDeepNet = Create("MG0022", "ModelGen.Optimization", DiagnosticSeverity.Info,
            "AdaGrad on a deep non-convex net",
            "Model '{0}' trains {1} hidden layers with AdaGrad, whose ever-growing sum of squared gradients shrinks the learning rate long before a deep net converges; use RMSProp or Adam");

        public static readonly DiagnosticDescriptor BatchNormTinyBatch = Create("MG0024", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "BatchNorm with a tiny batch",
            "Model '{0}' normalizes with batch statistics ('{1}') but declares BatchSize {2}; below 8 samples the batch mean and variance are too noisy to normalize with and differ from the running estimates used at inference");

        public static readonly DiagnosticDescriptor BatchSizeNotPowerOfTwo = Create("MG0025", "ModelGen.Performance", DiagnosticSeverity.Info,
            "Batch size not a power of two",
            "Model '{0}' declares BatchSize {1}; a power of two such as {2} fills SIMD lanes and GEMM tiles evenly");

        public static readonly DiagnosticDescriptor DiscouragedHiddenUnit = Create("MG0026", "ModelGen.Architecture", DiagnosticSeverity.Info,
            "Discouraged hidden unit",
            "Hidden layer '{0}' uses {1}, {2}; use ReLU");

        public static readonly DiagnosticDescriptor SigmoidOutputForMultiClass = Create("MG0027", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Sigmoid output for multi-class",
            "Output layer '{0}' puts independent sigmoids on {1} classes before SoftmaxCrossEntropy; the loss already applies softmax to linear logits");

        public static readonly DiagnosticDescriptor ImplicitHyperParameters = Create("MG0028", "ModelGen.Reproducibility", DiagnosticSeverity.Info,
            "Implicit hyper-parameters",
            "Model '{0}' takes {1} from defaults; declare it explicitly so runs are reproducible and reviewable");

        public static readonly DiagnosticDescriptor CnnDesignSmell = Create("MG0029", "ModelGen.Architecture", DiagnosticSeverity.Info,
            "Convolutional design smell",
            "{0}");

        public static readonly DiagnosticDescriptor HighwayGateOpen = Create("MG0030", "ModelGen.Initialization", DiagnosticSeverity.Warning,
            "Highway gate bias not negative",
            "Highway layer '{0}' starts its transform-gate bias at {1}, so from the first step it mixes its input away instead of carrying it; start the gate bias negative (−1 to −3) so a deep stack begins close to the identity");

        public static readonly DiagnosticDescriptor LstmForgetBiasClosed = Create("MG0031", "ModelGen.Initialization", DiagnosticSeverity.Info,
            "LSTM forget bias not positive",
            "LSTM layer '{0}' starts its forget-gate bias at {1}, so from the first step its cell keeps at most half of itself per step and early gradients fade over long spans; start it at 1 (Jozefowicz et al.)");

        public static readonly DiagnosticDescriptor NoGpuNetwork = Create("MG0032", "ModelGen.Gpu", DiagnosticSeverity.Info,
            "Model gets no GPU network",
            "Model '{0}' gets no GPU network (no ToGpu) although the project references ModelGen.Gpu: {1}; it trains on the CPU only");

        public static readonly DiagnosticDescriptor NoVulkanNetwork = Create("MG0033", "ModelGen.Vulkan", DiagnosticSeverity.Info,
            "Model gets no Vulkan network",
            "Model '{0}' gets no Vulkan network or HLSL shaders (no ToVulkan) although the project references ModelGen.Vulkan: {1}; it trains on the CPU only");

        public static readonly DiagnosticDescriptor LogProbabilityLossWithoutLogSoftmax = Create("MG0034", "ModelGen.Loss", DiagnosticSeverity.Warning,
            "Log-probability loss on an output that is not log-softmax",
            "{0} reads output layer '{1}' as log-probabilities, but '{1}' produces {2}; end it with Activation.LogSoftmax");

        public static readonly DiagnosticDescriptor MaxoutWithOnePiece = Create("MG0035", "ModelGen.Architecture", DiagnosticSeverity.Warning,
            "Maxout unit with one piece",
            "Maxout layer '{0}' has one piece per unit, so each unit is the maximum of a single affine function: a linear layer with no nonlinearity; give it 2 or more pieces (Goodfellow et al. used 2–5)");

        public static readonly DiagnosticDescriptor UnstableSoftmax = Create("MG0101", "ModelGen.Numerics", DiagnosticSeverity.Warning,
            "Unstable softmax",
            "{0} does not subtract the maximum before exponentiating and returns NaN for inputs such as [1000, 1000, 999]; {1}");

        public static readonly DiagnosticDescriptor LogOfSoftmax = Create("MG0102", "ModelGen.Numerics", DiagnosticSeverity.Warning,
            "Log of a softmax",
            "'{0}' takes the log of a softmax result, which underflows to -∞ for small probabilities; compute log-softmax directly with ModelGen.StableMath.LogSoftmax");

        public static readonly DiagnosticDescriptor LogWithoutFloor = Create("MG0103", "ModelGen.Numerics", DiagnosticSeverity.Info,
            "Log of a probability without a floor",
            "'{0}' takes the log of '{1}', which is -∞ when the probability is 0 and turns the loss and its gradient into NaN; clamp it first, e.g. Max({1}, 1e-7)");

        private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message)
            => new DiagnosticDescriptor(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
    }

    /// <summary>Keys of the properties code fixes read from a diagnostic.</summary>
    internal static class FixProperties
    {
        public const string GateBias = nameof(GateBias);
        public const string ForgetBias = nameof(ForgetBias);
        public const string Initializer = nameof(Initializer);
        public const string Rate = nameof(Rate);
        public const string BatchSize = nameof(BatchSize);
        public const string Replacement = nameof(Replacement);
        public const string Decoupled = nameof(Decoupled);
        /// <summary>The activation a one-edit fix switches to (MG0026 on a softplus layer; an RBF layer has no such edit).</summary>
        public const string Activation = nameof(Activation);
    }
}
