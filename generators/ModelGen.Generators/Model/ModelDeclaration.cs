using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Model
{
    // Pipeline models: plain equatable values (strings, numbers, enums, EquatableArray). No ISymbol,
    // SyntaxNode, Location or Compilation may appear here; a reflection test enforces it.

    /// <summary>Mirrors ModelGen.Activation (runtime). A test checks names and values agree.</summary>
    internal enum ActivationKind { Identity = 0, ReLU = 1, LeakyReLU = 2, Sigmoid = 3, Tanh = 4, Softplus = 5, SELU = 6, Softmax = 7, ELU = 8, HardTanh = 9, LogSoftmax = 10,
        GELU = 11, GELUTanh = 12, AbsoluteValue = 13 }

    /// <summary>Mirrors ModelGen.Initializer (runtime).</summary>
    internal enum InitializerKind { Default = 0, GlorotUniform = 1, GlorotNormal = 2, HeUniform = 3, HeNormal = 4, Zeros = 5, LeCunUniform = 6, LeCunNormal = 7, Orthogonal = 8,
        GlorotTruncatedNormal = 9, HeTruncatedNormal = 10, LeCunTruncatedNormal = 11 }

    /// <summary>The layer attributes a model property can carry; each lowers to one or more graph ops (Ops/*/).</summary>
    internal enum LayerKind { Dense, BatchNorm, Highway, Concat, Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool, LocallyConnected2D, Embedding, SimpleRnn, Lstm, Gru, Maxout, PReLU, GaussianNoise, RReLU, Rbf }

    internal enum LossKind { None, SoftmaxCrossEntropy, MeanSquaredError, BinaryCrossEntropy, MeanAbsoluteError, Huber, NegativeLogLikelihood, KLDivergence }

    internal enum OptimizerKind { None, Sgd, Adam, AdaGrad, RmsProp, NAdam }

    /// <summary>A type that encloses the model class; it must be a non-generic partial type for the model to be generated.</summary>
    internal sealed record ContainingType(string Keyword, string Name, string TypeParameters, bool IsPartial);

    /// <summary>
    /// How a layer is wired. <see cref="Inputs"/> names the layers it reads (empty: the layer declared before it;
    /// <c>Layers.ModelInput</c>: the model's input); <see cref="Residual"/> names a layer whose output is added to this
    /// one's (through a learned linear map when <see cref="Projection"/> is set and the widths differ).
    /// </summary>
    internal sealed record LayerWiring(EquatableArray<string> Inputs, string? Residual, bool Projection)
    {
        public static readonly LayerWiring Sequential = new LayerWiring(EquatableArray<string>.Empty, null, false);
    }

    /// <summary>
    /// The property as written, so a model that is not generated can still get a matching implementation part
    /// (a placeholder) and the compiler reports ModelGen's error instead of its own.
    /// </summary>
    internal sealed record PropertySignature(string Type, bool IsStatic, bool HasSetter, bool HasInit, bool IsPartial)
    {
        /// <summary>Before extraction has looked at the property.</summary>
        public static readonly PropertySignature None = new PropertySignature("", false, false, false, false);
    }

    /// <summary>What only one layer kind declares (batch norm's momentum, a highway's gate bias): a record in that kind's rules.</summary>
    internal abstract record LayerOptions;

    internal sealed record NoOptions : LayerOptions
    {
        public static readonly NoOptions Instance = new NoOptions();
    }

    /// <summary>
    /// One layer property, as declared: the fields most layer kinds share (units, activation, initializer, bias, dropout),
    /// the kind's own <see cref="Options"/>, its wiring and the property's signature. Each kind's rules read it
    /// (Ops/&lt;Kind&gt;/*Rules.cs: <c>[Dense]</c>, <c>[BatchNorm]</c>, <c>[Highway]</c>, <c>[Concat]</c>).
    /// <see cref="Head"/> is the loss attribute on the property when the layer is a head of a multi-task model (None otherwise).
    /// </summary>
    internal sealed record LayerDeclaration(
        string Name,
        string Modifiers,
        LayerKind Kind,
        int Units,
        ActivationKind Activation,
        InitializerKind Initializer,
        float NegativeSlope,
        float BiasInit,
        float Dropout,
        bool UseBias,
        LayerOptions Options,
        LayerWiring Wiring,
        PropertySignature Signature,
        LossDeclaration Head);

    internal sealed record OptimizerDeclaration(
        OptimizerKind Kind,
        float LearningRate,
        float Momentum,
        bool Nesterov,
        float Beta1,
        float Beta2,
        float Epsilon,
        float Rho,
        bool AmsGrad = false,
        bool Centered = false,
        float MomentumDecay = 0f)
    {
        public static readonly OptimizerDeclaration None = new OptimizerDeclaration(OptimizerKind.None, 0, 0, false, 0, 0, 0, 0);
    }

    /// <summary><c>[LinearDecay]</c>: the learning rate falls linearly to FinalFraction of itself over Steps updates.</summary>
    internal enum ScheduleKind { Constant, Linear, Step, Exponential, Cosine }

    /// <summary>
    /// The declared learning-rate schedule: a decay (<see cref="Kind"/> over <see cref="Steps"/>, with its final fraction
    /// or factor in <see cref="Fraction"/>) and an optional linear warm-up over <see cref="WarmupSteps"/> (0: none).
    /// </summary>
    internal sealed record ScheduleDeclaration(ScheduleKind Kind, int Steps, float Fraction, int WarmupSteps = 0);

    /// <summary>
    /// A loss attribute: which loss, for binary cross-entropy whether the outputs are logits, its weight in the total,
    /// for Huber where it turns linear (<see cref="Delta"/>; 0 for the others), and for softmax cross-entropy the label
    /// smoothing ε (<see cref="Smoothing"/>; 0: off).
    /// </summary>
    internal sealed record LossDeclaration(LossKind Kind, bool FromLogits, float Weight, float Delta = 0, float Smoothing = 0, EquatableArray<float> ClassWeights = default)
    {
        public static readonly LossDeclaration None = new LossDeclaration(LossKind.None, false, 0);

        /// <summary>The loss takes one class index per sample (or step) rather than float targets.</summary>
        public bool TakesLabels => Kind is LossKind.SoftmaxCrossEntropy or LossKind.NegativeLogLikelihood;
    }

    /// <summary>
    /// Class-level regularization: input dropout, L2 weight decay (null: none), coupled or decoupled, and the L1
    /// penalty (null: none), always coupled, on the same tensors.
    /// </summary>
    /// <summary>
    /// <see cref="WeightNoise"/>: σ of the Gaussian noise added to the weights (the tensors weight decay covers) for each
    /// training forward and backward pass, the update then applied to the clean weights.
    /// </summary>
    internal sealed record RegularizationDeclaration(float InputDropout, float? WeightDecay, bool DecayBiases, bool Decoupled, float? L1Penalty = null, float? MaxNorm = null,
        float? WeightNoise = null)
    {
        public static readonly RegularizationDeclaration None = new RegularizationDeclaration(0, null, false, false);

        /// <summary>The coefficients added to the gradients of the decayed tensors before the step: coupled L2 and L1 (0 when absent).</summary>
        public (float L2, float L1) GradientPenalties => (Decoupled ? 0 : WeightDecay ?? 0, L1Penalty ?? 0);
    }

    /// <summary>Everything the generator knows about one model class, straight from its attributes.</summary>
    /// <remarks>
    /// <see cref="TypeKeyword"/> and <see cref="TypeParameters"/> are as declared, for placeholders of models that are not generated.
    /// <see cref="InputShape"/> is one sample's shape ([InputSize] for a flat input, [C, H, W] for images); InputSize is its product.
    /// <see cref="SequenceLength"/> &gt; 0 makes the input token ids, [SequenceLength] ints per sample (InputSize = SequenceLength).
    /// </remarks>
    internal sealed record ModelDeclaration(
        string? Namespace,
        string ClassName,
        string TypeKeyword,
        string TypeParameters,
        EquatableArray<ContainingType> ContainingTypes,
        int InputSize,
        EquatableArray<int> InputShape,
        int SequenceLength,
        int Seed,
        int BatchSize,
        LossDeclaration Loss,
        OptimizerDeclaration Optimizer,
        ScheduleDeclaration? Schedule,
        float? ClipNorm,
        float? ClipValue,
        float? ClipTensorNorm,
        RegularizationDeclaration Regularization,
        bool CheckFinite,
        bool HasDebuggerView,
        EquatableArray<LayerDeclaration> Layers,
        EquatableArray<Problem> Problems)
    {
        public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

        /// <summary>The input is token ids (int) rather than features.</summary>
        public bool TakesTokens => SequenceLength > 0;

        /// <summary>The input is a sequence of feature vectors, InputShape [steps, features] (a time series).</summary>
        public bool TakesFeatureSequences => !TakesTokens && InputShape.Count == 2;

        /// <summary>The network runs sequences: its methods take the batch's step count and each sample's length.</summary>
        public bool RunsSequences => TakesTokens || TakesFeatureSequences;

        /// <summary>Steps per sample of a sequence input (0 otherwise).</summary>
        public int InputSteps => TakesTokens ? SequenceLength : TakesFeatureSequences ? InputShape[0] : 0;
    }
}
