namespace ModelGen.Analyzers.Tests;

/// <summary>A positive and a negative case for every model pitfall.</summary>
public class ModelPitfallTests
{
    private static string Model(string layers, string loss = "[SoftmaxCrossEntropy]", string optimizer = "[Adam(LearningRate = 1e-3f)]", string model = "[Model(InputSize = 4, Seed = 1)]", string name = "Net") => $$"""
        using ModelGen;

        {{model}}
        {{loss}}
        {{optimizer}}
        public partial class {{name}}
        {
            {{layers}}
        }
        """;

    private static Task Check(string source) => Verify.Analyzer<ModelPitfallAnalyzer>(source);

    [Fact]
    public Task CleanModelHasNoPitfalls() => Check(Model("""
        [Dense(32, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task GlorotUnderReLU() => Check(Model("""
        [{|MG0002:Dense(32, Activation.ReLU, Initializer = Initializer.GlorotUniform)|}] partial Dense Hidden { get; }
        [{|MG0002:Dense(32, Activation.Tanh, Initializer = Initializer.HeNormal)|}] partial Dense Squash { get; }
        [Dense(3, Initializer = Initializer.GlorotNormal)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task MatchingInitializersAreFine() => Check(Model("""
        [Dense(32, Activation.LeakyReLU, Initializer = Initializer.HeNormal)] partial Dense Hidden { get; }
        [Dense(32, Activation.Sigmoid, Initializer = Initializer.GlorotUniform)] partial Dense Squash { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task StackedLinearLayers() => Check(Model("""
        [{|MG0005:Dense(32)|}] partial Dense Projection { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task MseOnSigmoid() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(2, Activation.Sigmoid)] partial Dense Output { get; }
        """, loss: "[{|MG0010:MeanSquaredError|}]"));

    [Fact]
    public Task MseOnLinearOutputIsRegression() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(2)] partial Dense Output { get; }
        """, loss: "[MeanSquaredError]"));

    [Fact]
    public Task ReluOnLogits() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [{|MG0011:Dense(3, Activation.ReLU)|}] partial Dense Logits { get; }
        """));

    [Fact]
    public Task SigmoidOnThreeClasses() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [{|MG0027:Dense(3, Activation.Sigmoid)|}] partial Dense Logits { get; }
        """));

    [Fact]
    public Task DeepSaturatingStack() => Check(Model("""
        [Dense(8, Activation.Tanh)] partial Dense A { get; }
        [Dense(8, Activation.Sigmoid)] partial Dense B { get; }
        [{|MG0012:Dense(8, Activation.Tanh)|}] partial Dense C { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task HardTanhSaturatesToo() => Check(Model("""
        [Dense(8, Activation.HardTanh)] partial Dense A { get; }
        [Dense(8, Activation.ELU)] partial Dense B { get; }
        [Dense(8, Activation.HardTanh)] partial Dense C { get; }
        [{|MG0012:Dense(8, Activation.Tanh)|}] partial Dense D { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task ResidualPathsCureASaturatingStack() => Check(Model("""
        [Dense(8, Activation.Tanh)] partial Dense A { get; }
        [Dense(8, Activation.Tanh, Residual = nameof(A))] partial Dense B { get; }
        [Dense(8, Activation.Tanh, Residual = nameof(B))] partial Dense C { get; }
        [Highway(Activation.Tanh)] partial Highway D { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task SaturatingLayersWithoutABypassStillCount() => Check(Model("""
        [Dense(8, Activation.Tanh)] partial Dense A { get; }
        [Dense(8, Activation.Tanh, Residual = nameof(A))] partial Dense B { get; }
        [Dense(8, Activation.Sigmoid)] partial Dense C { get; }
        [{|MG0012:Dense(8, Activation.Tanh)|}] partial Dense D { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task OpenHighwayGate() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense A { get; }
        [{|MG0030:Highway(Activation.ReLU, GateBias = 0f)|}] partial Highway B { get; }
        [Highway(Activation.ReLU, GateBias = -1f)] partial Highway C { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task TwoSaturatingLayersAreFine() => Check(Model("""
        [Dense(8, Activation.Tanh)] partial Dense A { get; }
        [Dense(8, Activation.Tanh)] partial Dense B { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task HighLearningRateWithoutClipping() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Sgd(LearningRate = 0.5f)]", name: "{|MG0013:Net|}"));

    [Fact]
    public Task DeepModelWithoutClipping() => Check(Model(string.Join("\n", Enumerable.Range(0, 7).Select(i => $"[Dense(8, Activation.ReLU)] partial Dense H{i} {{ get; }}")) + "\n[Dense(3)] partial Dense Logits { get; }",
        name: "{|MG0013:Net|}"));

    [Fact]
    public Task RecurrentLayersWithoutClipping() => Check(Model("""
        [Embedding(50, 8)] partial Embedding Words { get; }
        [Gru(8)] partial Gru Summary { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[Model(SequenceLength = 10, Seed = 1)]", name: "{|MG0013:Net|}"));

    [Fact]
    public Task ReluRnnWithoutClipping() => Check(Model("""
        [Embedding(50, 8)] partial Embedding Words { get; }
        [SimpleRnn(8, Activation.ReLU)] partial SimpleRnn Summary { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[Model(SequenceLength = 10, Seed = 1)]", name: "{|MG0013:Net|}"));

    [Fact]
    public Task ClippedLstmWithAClosedForgetGate() => Check(Model("""
        [Embedding(50, 8)] partial Embedding Words { get; }
        [{|MG0031:Lstm(8, ReturnSequences = true, ForgetBias = 0f)|}] partial Lstm Lower { get; }
        [Lstm(8, ForgetBias = 0.5f)] partial Lstm Upper { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Adam(LearningRate = 1e-3f)][ClipGlobalNorm(5f)]", model: "[Model(SequenceLength = 10, Seed = 1)]"));

    [Fact]
    public Task LogProbabilityLossesNeedALogSoftmaxOutput() => Check(Model(Hidden + "\n[{|MG0034:Dense(3, Activation.Softmax)|}] partial Dense Probabilities { get; }", name: "A",
        loss: "[NegativeLogLikelihood]")
        + Model(Hidden + "\n[{|MG0034:Dense(3)|}] partial Dense Logits { get; }", name: "B", loss: "[KLDivergence]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3, Activation.LogSoftmax)] partial Dense LogProbabilities { get; }", name: "C", loss: "[NegativeLogLikelihood]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3, Activation.LogSoftmax)] partial Dense LogProbabilities { get; }", name: "D", loss: "[KLDivergence]").Replace("using ModelGen;", ""));

    [Fact]
    public Task MaxoutNeedsTwoPieces() => Check(Model("""
        [{|MG0035:Maxout(8, 1)|}] partial Maxout Linear { get; }
        [Maxout(8, 2, Dropout = 0.5f)] partial Maxout Piecewise { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task RbfUnitsAreDiscouragedHiddenAndSaturateInADeepStack() => Check(Model("""
        [{|MG0026:Rbf(8)|}] partial Rbf A { get; }
        [{|MG0026:Rbf(8)|}] partial Rbf B { get; }
        [{|MG0012:Dense(8, Activation.Tanh)|}] partial Dense C { get; }
        [Rbf(3)] partial Rbf Readout { get; }
        """, loss: "[MeanSquaredError]"));

    [Fact]
    public Task ClippedHighLearningRateIsFine() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Sgd(LearningRate = 0.5f), ClipGlobalNorm(5f)]"));

    [Fact]
    public Task RecurrentLayersClippedPerTensorAreFine() => Check(Model("""
        [Embedding(50, 8)] partial Embedding Words { get; }
        [Gru(8)] partial Gru Summary { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Adam(LearningRate = 1e-3f), ClipTensorNorm(1f)]", model: "[Model(SequenceLength = 10, Seed = 1)]"));

    [Fact]
    public Task LearningRateOutOfRange() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[{|MG0019:Adam(LearningRate = 0.05f)|}, ClipGlobalNorm(1f)]"));

    [Fact]
    public Task TinySgdLearningRate() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[{|MG0019:Sgd(LearningRate = 1e-9f)|}]"));

    [Fact]
    public Task AdamEpsilonTooSmall() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[{|MG0021:Adam(LearningRate = 1e-3f, Epsilon = 1e-12f)|}]"));

    [Fact]
    public Task ImplicitSeedAndLearningRate() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[{|MG0028:Model(InputSize = 4)|}]", optimizer: "[Adam]"));

    [Fact]
    public Task ImplicitLearningRate() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[{|MG0028:Sgd(Momentum = 0.9f)|}]"));

    [Fact]
    public Task ModelsWithDeclarationErrorsGetNoPitfalls() => Check(Model("""
        [Dense(0)] partial Dense Hidden { get; }
        [Dense(3, Activation.ReLU)] partial Dense Logits { get; }
        """));

    private const string Hidden = "[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }";

    [Fact]
    public Task ZeroInitializedHiddenLayer() => Check(Model("""
        [{|MG0001:Dense(8, Activation.ReLU, Initializer = Initializer.Zeros)|}] partial Dense Hidden { get; }
        [Dense(3, Initializer = Initializer.Zeros)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task ZeroInitializedSingleLayerIsFine() => Check(Model("[Dense(3, Initializer = Initializer.Zeros)] partial Dense Logits { get; }"));

    [Fact]
    public Task SeluWithoutLeCun() => Check(Model("""
        [{|MG0002:Dense(8, Activation.SELU, Initializer = Initializer.HeNormal)|}] partial Dense Hidden { get; }
        [Dense(8, Activation.SELU)] partial Dense Default { get; }
        [Dense(8, Activation.SELU, Initializer = Initializer.LeCunNormal)] partial Dense Explicit { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task NonZeroHiddenBias() => Check(Model("""
        [{|MG0003:Dense(8, Activation.ReLU, BiasInit = 0.1f)|}] partial Dense Hidden { get; }
        [Dense(3, BiasInit = -1f)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task ProbabilityLossOnLinearOutput() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Tags { get; }",
        loss: "[{|MG0007:BinaryCrossEntropy(FromLogits = false)|}]"));

    [Fact]
    public Task ProbabilityLossOnSigmoidIsFine() => Check(Model(Hidden + "\n[Dense(3, Activation.Sigmoid)] partial Dense Tags { get; }",
        loss: "[BinaryCrossEntropy(FromLogits = false)]"));

    [Fact]
    public Task SoftmaxLayerBeforeSoftmaxLoss() => Check(Model(Hidden + "\n[{|MG0008:Dense(3, Activation.Softmax)|}] partial Dense Logits { get; }"));

    [Fact]
    public Task SigmoidLayerBeforeFusedBinaryLoss() => Check(Model(Hidden + "\n[{|MG0008:Dense(3, Activation.Sigmoid)|}] partial Dense Tags { get; }",
        loss: "[BinaryCrossEntropy]"));

    [Fact]
    public Task FusedBinaryLossOnLinearLogitsIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Tags { get; }", loss: "[BinaryCrossEntropy]"));

    [Fact]
    public Task MaeOnSigmoid() => Check(Model(Hidden + "\n[Dense(2, Activation.Sigmoid)] partial Dense Tags { get; }", loss: "[{|MG0010:MeanAbsoluteError|}]"));

    [Fact]
    public Task TruncatedGlorotUnderReluSuggestsTruncatedHe() => Check(Model("""
        [{|MG0002:Dense(8, Activation.ReLU, Initializer = Initializer.GlorotTruncatedNormal)|}] partial Dense Hidden { get; }
        [Dense(8, Activation.Tanh, Initializer = Initializer.GlorotTruncatedNormal)] partial Dense Smooth { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task HuberOnSoftmax() => Check(Model(Hidden + "\n[Dense(3, Activation.Softmax)] partial Dense Output { get; }", loss: "[{|MG0010:HuberLoss(Delta = 0.5f)|}]"));

    [Fact]
    public Task MseOnSoftmax() => Check(Model(Hidden + "\n[Dense(3, Activation.Softmax)] partial Dense Output { get; }", loss: "[{|MG0010:MeanSquaredError|}]"));

    [Fact]
    public Task TanhBeforeFusedBinaryLoss() => Check(Model(Hidden + "\n[{|MG0011:Dense(3, Activation.Tanh)|}] partial Dense Tags { get; }", loss: "[BinaryCrossEntropy]"));

    [Fact]
    public Task HighDropoutRates() => Check(Model("""
        [{|MG0015:Dense(8, Activation.ReLU, Dropout = 0.7f)|}] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[{|MG0015:Model(InputSize = 4, Seed = 1, InputDropout = 0.5f)|}]"));

    [Fact]
    public Task ModerateDropoutRatesAreFine() => Check(Model("""
        [Dense(8, Activation.ReLU, Dropout = 0.5f)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[Model(InputSize = 4, Seed = 1, InputDropout = 0.2f)]"));

    [Fact]
    public Task DropoutOnTheOutput() => Check(Model(Hidden + "\n[{|MG0016:Dense(3, Dropout = 0.2f)|}] partial Dense Logits { get; }"));

    [Fact]
    public Task WeightDecayOnBiases() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Adam(LearningRate = 1e-3f), {|MG0017:WeightDecay(1e-4f, IncludeBiases = true, Decoupled = true)|}]"));

    [Fact]
    public Task WeightDecayOnWeightsIsFine() => Check(Model("""
        [Dense(8, Activation.ReLU, Dropout = 0.5f)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Adam(LearningRate = 1e-3f), WeightDecay(1e-3f, Decoupled = true)]"));

    [Fact]
    public Task CoupledWeightDecayUnderAdam() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Adam(LearningRate = 1e-3f), {|MG0017:WeightDecay(1e-4f)|}]"));

    [Fact]
    public Task CoupledWeightDecayUnderSgdIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Sgd(LearningRate = 0.01f), WeightDecay(1e-4f)]"));

    [Fact]
    public Task StrongWeightDecay() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Adam(LearningRate = 1e-3f), {|MG0018:WeightDecay(0.05f, Decoupled = true)|}]"));

    [Fact]
    public Task StrongL1Penalty() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Sgd(LearningRate = 0.01f), {|MG0018:L1Penalty(5e-3f)|}]"));

    [Fact]
    public Task L1PenaltyBesideModerateWeightDecay() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Sgd(LearningRate = 0.01f), {|MG0018:L1Penalty(5e-4f)|}, WeightDecay(5e-3f)]"));

    [Fact]
    public Task MildElasticNetIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Sgd(LearningRate = 0.01f), L1Penalty(1e-5f), WeightDecay(1e-4f)]"));

    [Fact]
    public Task WeightDecayWithHeavyDropout() => Check(Model("""
        [Dense(8, Activation.ReLU, Dropout = 0.5f)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Adam(LearningRate = 1e-3f), {|MG0018:WeightDecay(5e-3f, Decoupled = true)|}]"));

    [Fact]
    public Task RmsPropLearningRateOutOfRange() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[{|MG0019:RmsProp(LearningRate = 0.5f)|}]"));

    [Fact]
    public Task MomentumAndDecayRatesOutOfRange() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "A",
        optimizer: "[{|MG0020:Sgd(LearningRate = 0.01f, Momentum = 1.2f)|}]")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "B", optimizer: "[{|MG0020:Adam(LearningRate = 1e-3f, Beta2 = 1f)|}]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "C", optimizer: "[{|MG0020:RmsProp(LearningRate = 1e-3f, Rho = 0f)|}]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "D", optimizer: "[{|MG0020:NAdam(LearningRate = 2e-3f, Beta1 = 1f)|}]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "E", optimizer: "[{|MG0020:RmsProp(LearningRate = 1e-3f, Momentum = 1f, Centered = true)|}]").Replace("using ModelGen;", ""));

    [Fact]
    public Task MomentumAndDecayRatesInRangeAreFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "A",
        optimizer: "[Sgd(LearningRate = 0.01f, Momentum = 0f)]")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "B", optimizer: "[Adam(LearningRate = 1e-3f, Beta1 = 0f, Beta2 = 0.9999f)]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "C", optimizer: "[RmsProp(LearningRate = 1e-3f, Rho = 0.9f)]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "D", optimizer: "[NAdam(LearningRate = 2e-3f, Beta1 = 0.95f)]").Replace("using ModelGen;", "")
        + Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", name: "E", optimizer: "[RmsProp(LearningRate = 1e-3f, Momentum = 0.9f, Nesterov = true, Centered = true)]").Replace("using ModelGen;", ""));

    [Fact]
    public Task AdaGradOnADeepNet() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense A { get; }
        [Dense(8, Activation.ReLU)] partial Dense B { get; }
        [Dense(8, Activation.ReLU)] partial Dense C { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[{|MG0022:AdaGrad(LearningRate = 0.01f)|}]"));

    [Fact]
    public Task AdaGradOnAShallowNetIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", optimizer: "[AdaGrad(LearningRate = 0.01f)]"));

    [Fact]
    public Task BatchSizeNotAPowerOfTwo() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        model: "[{|MG0025:Model(InputSize = 4, Seed = 1, BatchSize = 48)|}]"));

    [Fact]
    public Task PowerOfTwoBatchSizeIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }", model: "[Model(InputSize = 4, Seed = 1, BatchSize = 64)]"));

    [Fact]
    public Task SoftplusHiddenUnit() => Check(Model("[{|MG0026:Dense(8, Activation.Softplus)|}] partial Dense Hidden { get; }\n[Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task SoftplusOutputForPositiveRegressionIsFine() => Check(Model(Hidden + "\n[Dense(2, Activation.Softplus)] partial Dense Rate { get; }", loss: "[MeanSquaredError]"));

    [Fact]
    public Task BiasBeforeBatchNorm() => Check(Model("""
        [{|MG0004:Dense(16)|}] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task BiasFreeLayerBeforeBatchNormIsFine() => Check(Model("""
        [Dense(16, UseBias = false)] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task LinearLayersAroundAnIdentityBatchNormCollapse() => Check(Model("""
        [{|MG0005:Dense(16, UseBias = false)|}] partial Dense Hidden { get; }
        [BatchNorm] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task BatchNormWithATinyBatch() => Check(Model("""
        [Dense(16, UseBias = false)] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[{|MG0024:Model(InputSize = 4, Seed = 1, BatchSize = 4)|}]"));

    [Fact]
    public Task BatchNormWithABatchOfSixtyFourIsFine() => Check(Model("""
        [Dense(16, UseBias = false)] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, model: "[Model(InputSize = 4, Seed = 1, BatchSize = 64)]"));

    [Fact]
    public Task DropoutRightBeforeBatchNorm() => Check(Model("""
        [{|MG0016:Dense(16, Activation.ReLU, Dropout = 0.3f)|}] partial Dense Hidden { get; }
        [BatchNorm] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task DropoutAfterBatchNormIsFine() => Check(Model("""
        [Dense(16, UseBias = false)] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU, Dropout = 0.3f)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task NormalizedSaturatingStackIsFine() => Check(Model("""
        [Dense(8, UseBias = false)] partial Dense A { get; }
        [BatchNorm(Activation.Tanh)] partial BatchNorm ANorm { get; }
        [Dense(8, UseBias = false)] partial Dense B { get; }
        [BatchNorm(Activation.Tanh)] partial BatchNorm BNorm { get; }
        [Dense(8, UseBias = false)] partial Dense C { get; }
        [BatchNorm(Activation.Tanh)] partial BatchNorm CNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """));

    [Fact]
    public Task WeightDecayOnBatchNormParameters() => Check(Model("""
        [Dense(16, UseBias = false)] partial Dense Hidden { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm HiddenNorm { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Sgd(LearningRate = 0.01f), {|MG0017:WeightDecay(1e-4f, IncludeBiases = true)|}]"));

    [Fact]
    public Task LinearDecayThatBarelyAnneals() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Adam(LearningRate = 1e-3f), {|MG0019:LinearDecay(1000, FinalFraction = 0.5f)|}]"));

    [Fact]
    public Task LinearDecayToOnePercentIsFine() => Check(Model(Hidden + "\n[Dense(3)] partial Dense Logits { get; }",
        optimizer: "[Adam(LearningRate = 1e-3f), LinearDecay(1000)]"));

    private const string Image = "[Model(InputShape = new[] { 1, 28, 28 }, Seed = 1)]";

    [Fact]
    public Task CleanCnnHasNoPitfalls() => Check(Model("""
        [Conv2D(16, 3, Activation.ReLU, Padding = Padding.Same)] partial Conv2D Conv1 { get; }
        [MaxPool2D(2)] partial MaxPool2D Pool1 { get; }
        [Conv2D(32, 3, UseBias = false)] partial Conv2D Conv2 { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm Norm2 { get; }
        [MaxPool2D(2, Stride = 1, Padding = Padding.Same)] partial MaxPool2D Pool2 { get; }
        [Conv2D(8, 1)] partial Conv2D Mix { get; }
        [MaxPool2D(4)] partial MaxPool2D Pool3 { get; }
        [Dense(64, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(10)] partial Dense Logits { get; }
        """, model: Image));

    [Fact]
    public Task CnnDesignSmells() => Check(Model("""
        [{|MG0029:MaxPool2D(2)|}] partial MaxPool2D Shrink { get; }
        [{|MG0029:Conv2D(32, 4, Activation.ReLU, Padding = Padding.Same)|}] partial Conv2D Conv { get; }
        [{|MG0029:Dense(128, Activation.ReLU)|}] partial Dense Hidden { get; }
        [Dense(10)] partial Dense Logits { get; }
        """, model: Image));

    [Fact]
    public Task ConvolutionsShareTheDenseRules() => Check(Model("""
        [{|MG0001:Conv2D(8, 3, Activation.ReLU, Initializer = Initializer.Zeros)|}] partial Conv2D Zeroed { get; }
        [{|MG0002:Conv2D(8, 3, Activation.ReLU, Initializer = Initializer.GlorotUniform)|}] partial Conv2D Glorot { get; }
        [{|MG0004:Conv2D(8, 3)|}] partial Conv2D Biased { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm Norm { get; }
        [{|MG0005:Conv2D(8, 3)|}] partial Conv2D Linear { get; }
        [AvgPool2D(2)] partial AvgPool2D Average { get; }
        [Conv2D(8, 3, Activation.ReLU)] partial Conv2D Last { get; }
        [GlobalAvgPool] partial GlobalAvgPool Pool { get; }
        [Dense(10)] partial Dense Logits { get; }
        """, model: Image));

    [Fact]
    public Task DropoutRightBeforePooling() => Check(Model("""
        [{|MG0016:Conv2D(8, 3, Activation.ReLU, Dropout = 0.2f)|}] partial Conv2D Conv { get; }
        [MaxPool2D(2)] partial MaxPool2D Pool { get; }
        [Conv2D(8, 3, Activation.ReLU)] partial Conv2D Conv2 { get; }
        [MaxPool2D(2, Stride = 1)] partial MaxPool2D Pool2 { get; }
        [Dense(64, Activation.ReLU, Dropout = 0.3f)] partial Dense Hidden { get; }
        [Dense(10)] partial Dense Logits { get; }
        """, model: Image));

    [Fact]
    public Task DepthCountsWeightLayersOnly() => Check(Model("""
        [Conv2D(8, 3, UseBias = false, Padding = Padding.Same)] partial Conv2D C1 { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm N1 { get; }
        [Conv2D(8, 3, UseBias = false, Padding = Padding.Same)] partial Conv2D C2 { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm N2 { get; }
        [MaxPool2D(2)] partial MaxPool2D P1 { get; }
        [Conv2D(8, 3, UseBias = false, Padding = Padding.Same)] partial Conv2D C3 { get; }
        [BatchNorm(Activation.ReLU)] partial BatchNorm N3 { get; }
        [MaxPool2D(2)] partial MaxPool2D P2 { get; }
        [Dense(32, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(10)] partial Dense Logits { get; }
        """, model: Image));
}
