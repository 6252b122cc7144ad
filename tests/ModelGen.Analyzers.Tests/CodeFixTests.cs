using ModelGen.CodeFixes;

namespace ModelGen.Analyzers.Tests;

/// <summary>Before and after for every code fix.</summary>
public class CodeFixTests
{
    private static string Model(string layers, string attributes = "[Adam(LearningRate = 1e-3f)]", string name = "Net", string loss = "[SoftmaxCrossEntropy]") => $$"""
        using ModelGen;

        [Model(InputSize = 4, Seed = 1)]
        {{loss}}
        {{attributes}}
        public partial class {{name}}
        {
            {{layers}}
        }
        """;

    [Fact]
    public Task GivesAOnePieceMaxoutTwoPieces() => Verify.CodeFix<ModelPitfallAnalyzer, MaxoutPiecesFix>(
        Model("[{|MG0035:Maxout(8, 1, Dropout = 0.2f)|}] partial Maxout Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"),
        Model("[Maxout(8, 2, Dropout = 0.2f)] partial Maxout Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task GivesANegativeLogLikelihoodOutputItsLogSoftmax() => Verify.CodeFix<ModelPitfallAnalyzer, LogSoftmaxOutputFix>(
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0034:Dense(3, Activation.Softmax)|}] partial Dense Probabilities { get; }", loss: "[NegativeLogLikelihood]"),
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3, Activation.LogSoftmax)] partial Dense Probabilities { get; }", loss: "[NegativeLogLikelihood]"));

    [Fact]
    public Task SwitchesInitializer() => Verify.CodeFix<ModelPitfallAnalyzer, InitializerFix>(
        Model("[{|MG0002:Dense(8, Activation.ReLU, Initializer = Initializer.GlorotNormal)|}] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"),
        Model("[Dense(8, Activation.ReLU, Initializer = Initializer.HeNormal)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task InsertsRelu() => Verify.CodeFix<ModelPitfallAnalyzer, InsertReluFix>(
        Model("[{|MG0005:Dense(8)|}] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"),
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task ReplacesExplicitIdentityWithRelu() => Verify.CodeFix<ModelPitfallAnalyzer, InsertReluFix>(
        Model("[{|MG0005:Dense(8, Activation.Identity, Initializer = Initializer.HeUniform)|}] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"),
        Model("[Dense(8, Activation.ReLU, Initializer = Initializer.HeUniform)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task MakesLogitsLinear() => Verify.CodeFix<ModelPitfallAnalyzer, LinearLogitsFix>(
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0011:Dense(3, Activation.Tanh)|}] partial Dense Logits { get; }"),
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Logits { get; }"));

    [Fact]
    public Task RemovesSigmoidFromMultiClassLogits() => Verify.CodeFix<ModelPitfallAnalyzer, LinearLogitsFix>(
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0027:Dense(4, Activation.Sigmoid)|}] partial Dense Logits { get; }"),
        Model("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(4)] partial Dense Logits { get; }"));

    [Fact]
    public Task SetsAdamEpsilon() => Verify.CodeFix<ModelPitfallAnalyzer, AdamEpsilonFix>(
        Model("[Dense(3)] partial Dense Logits { get; }", "[{|MG0021:Adam(LearningRate = 1e-3f, Epsilon = 1e-12f)|}]"),
        Model("[Dense(3)] partial Dense Logits { get; }", "[Adam(LearningRate = 1e-3f, Epsilon = 1e-8f)]"));

    [Fact]
    public Task AddsClipping() => Verify.CodeFix<ModelPitfallAnalyzer, AddClippingFix>(
        Model("[Dense(3)] partial Dense Logits { get; }", "[Sgd(LearningRate = 0.5f)]", "{|MG0013:Net|}"),
        Model("[Dense(3)] partial Dense Logits { get; }", "[Sgd(LearningRate = 0.5f)]\n[ClipGlobalNorm(5f)]"));

    private const string Code = """
        using System;
        using System.Numerics.Tensors;

        public static class Code
        {
            public static void Run(float[] logits, float[] p, float[] logP)
            {
                BODY
            }
        }
        """;

    [Fact]
    public Task RewritesSoftMaxToStableCall() => Verify.CodeFix<SoftmaxNumericsAnalyzer, StableSoftmaxFix>(
        Code.Replace("BODY", "{|MG0101:TensorPrimitives.SoftMax<float>(logits, p)|};"),
        Code.Replace("BODY", "ModelGen.StableMath.Softmax<float>(logits, p);"));

    [Fact]
    public Task RewritesLogOfSoftmaxToLogSoftmax() => Verify.CodeFix<SoftmaxNumericsAnalyzer, LogSoftmaxFix>(
        Code.Replace("BODY", "ModelGen.StableMath.Softmax<float>(logits, p);\n        {|MG0102:TensorPrimitives.Log<float>(p, logP)|};"),
        Code.Replace("BODY", "ModelGen.StableMath.Softmax<float>(logits, p);\n        ModelGen.StableMath.LogSoftmax<float>(logits, logP);"));

    private static string Declared(string layers, string loss = "[SoftmaxCrossEntropy]", string optimizer = "[Adam(LearningRate = 1e-3f)]", string model = "[Model(InputSize = 4, Seed = 1)]") => $$"""
        using ModelGen;

        {{model}}
        {{loss}}
        {{optimizer}}
        public partial class Net
        {
            {{layers}}
        }
        """;

    private const string Logits = "\n    [Dense(3)] partial Dense Logits { get; }";

    [Fact]
    public Task ReplacesZeroInitialization() => Verify.CodeFix<ModelPitfallAnalyzer, InitializerFix>(
        Declared("[{|MG0001:Dense(8, Activation.ReLU, Initializer = Initializer.Zeros)|}] partial Dense Hidden { get; }" + Logits),
        Declared("[Dense(8, Activation.ReLU, Initializer = Initializer.HeUniform)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task GivesSeluLeCunNormal() => Verify.CodeFix<ModelPitfallAnalyzer, InitializerFix>(
        Declared("[{|MG0002:Dense(8, Activation.SELU, Initializer = Initializer.GlorotUniform)|}] partial Dense Hidden { get; }" + Logits),
        Declared("[Dense(8, Activation.SELU, Initializer = Initializer.LeCunNormal)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task StartsHiddenBiasesAtZero() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[{|MG0003:Dense(8, Activation.ReLU, BiasInit = 0.1f)|}] partial Dense Hidden { get; }" + Logits),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task ProjectsAResidualOfAnotherWidth() => Verify.CodeFix<ModelDeclarationAnalyzer, ResidualProjectionFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0023:Dense(3, Residual = nameof(Hidden))|}] partial Dense Logits { get; }"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3, Residual = nameof(Hidden), ResidualProjection = true)] partial Dense Logits { get; }"));

    [Fact]
    public Task StartsAHighwayGateClosed() => Verify.CodeFix<ModelPitfallAnalyzer, GateBiasFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0030:Highway(Activation.ReLU, GateBias = 0.5f)|}] partial Highway Block { get; }" + Logits),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Highway(Activation.ReLU, GateBias = -2f)] partial Highway Block { get; }" + Logits));

    [Fact]
    public Task OpensAnLstmForgetGate() => Verify.CodeFix<ModelPitfallAnalyzer, ForgetBiasFix>(
        Declared("[Embedding(50, 8)] partial Embedding Words { get; }\n    [{|MG0031:Lstm(8, ForgetBias = 0f)|}] partial Lstm Summary { get; }" + Logits,
            optimizer: "[Adam(LearningRate = 1e-3f)][ClipGlobalNorm(5f)]", model: "[Model(SequenceLength = 10, Seed = 1)]"),
        Declared("[Embedding(50, 8)] partial Embedding Words { get; }\n    [Lstm(8, ForgetBias = 1f)] partial Lstm Summary { get; }" + Logits,
            optimizer: "[Adam(LearningRate = 1e-3f)][ClipGlobalNorm(5f)]", model: "[Model(SequenceLength = 10, Seed = 1)]"));

    [Fact]
    public Task LetsBinaryCrossEntropyApplyTheSigmoid() => Verify.CodeFix<ModelPitfallAnalyzer, FromLogitsFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, loss: "[{|MG0007:BinaryCrossEntropy(FromLogits = false)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, loss: "[BinaryCrossEntropy(FromLogits = true)]"));

    [Fact]
    public Task RemovesRedundantSoftmax() => Verify.CodeFix<ModelPitfallAnalyzer, LinearLogitsFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0008:Dense(3, Activation.Softmax)|}] partial Dense Logits { get; }"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task ReplacesMseWithCrossEntropyOnSigmoidOutput() => Verify.CodeFix<ModelPitfallAnalyzer, CrossEntropyFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3, Activation.Sigmoid)] partial Dense Tags { get; }", loss: "[{|MG0010:MeanSquaredError|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Tags { get; }", loss: "[BinaryCrossEntropy]"));

    [Fact]
    public Task ReplacesHuberWithCrossEntropyOnSigmoidOutput() => Verify.CodeFix<ModelPitfallAnalyzer, CrossEntropyFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3, Activation.Sigmoid)] partial Dense Tags { get; }", loss: "[{|MG0010:HuberLoss(Delta = 0.5f)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3)] partial Dense Tags { get; }", loss: "[BinaryCrossEntropy]"));

    [Fact]
    public Task LowersDropoutRates() => Verify.CodeFix<ModelPitfallAnalyzer, LowerDropoutFix>(
        Declared("[{|MG0015:Dense(8, Activation.ReLU, Dropout = 0.8f)|}] partial Dense Hidden { get; }" + Logits, model: "[{|MG0015:Model(InputSize = 4, Seed = 1, InputDropout = 0.5f)|}]"),
        Declared("[Dense(8, Activation.ReLU, Dropout = 0.5f)] partial Dense Hidden { get; }" + Logits, model: "[Model(InputSize = 4, Seed = 1, InputDropout = 0.2f)]"));

    [Fact]
    public Task RemovesDropoutFromTheOutput() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [{|MG0016:Dense(3, Dropout = 0.3f)|}] partial Dense Logits { get; }"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task ExcludesBiasesFromWeightDecay() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, optimizer: "[Sgd(LearningRate = 0.01f), {|MG0017:WeightDecay(1e-4f, IncludeBiases = true)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, optimizer: "[Sgd(LearningRate = 0.01f), WeightDecay(1e-4f)]"));

    [Fact]
    public Task DecouplesWeightDecayUnderAdam() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, optimizer: "[Adam(LearningRate = 1e-3f), {|MG0017:WeightDecay(1e-4f)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, optimizer: "[Adam(LearningRate = 1e-3f), WeightDecay(1e-4f, Decoupled = true)]"));

    [Fact]
    public Task ReplacesAdaGradWithRmsProp() => Verify.CodeFix<ModelPitfallAnalyzer, RmsPropFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense A { get; }\n    [Dense(8, Activation.ReLU)] partial Dense B { get; }\n    [Dense(8, Activation.ReLU)] partial Dense C { get; }" + Logits,
            optimizer: "[{|MG0022:AdaGrad(LearningRate = 0.01f, Epsilon = 1e-10f)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense A { get; }\n    [Dense(8, Activation.ReLU)] partial Dense B { get; }\n    [Dense(8, Activation.ReLU)] partial Dense C { get; }" + Logits,
            optimizer: "[RmsProp(LearningRate = 0.01f)]"));

    [Fact]
    public Task RoundsBatchSizeToAPowerOfTwo() => Verify.CodeFix<ModelPitfallAnalyzer, PowerOfTwoBatchFix>(
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, model: "[{|MG0025:Model(InputSize = 4, Seed = 1, BatchSize = 100)|}]"),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits, model: "[Model(InputSize = 4, Seed = 1, BatchSize = 128)]"));

    [Fact]
    public Task ReplacesSoftplusWithRelu() => Verify.CodeFix<ModelPitfallAnalyzer, InsertReluFix>(
        Declared("[{|MG0026:Dense(8, Activation.Softplus)|}] partial Dense Hidden { get; }" + Logits),
        Declared("[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }" + Logits));

    [Fact]
    public Task FloorsTheLogOfAProbability() => Verify.CodeFix<SoftmaxNumericsAnalyzer, LogFloorFix>(
        "public static class Code { public static float CrossEntropyLoss(float[] p, int label) => -{|MG0103:MathF.Log(p[label])|}; }",
        "public static class Code { public static float CrossEntropyLoss(float[] p, int label) => -MathF.Log(System.MathF.Max(p[label], 1e-7f)); }");

    [Fact]
    public Task RemovesTheBiasBeforeBatchNorm() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[{|MG0004:Dense(16)|}] partial Dense Hidden { get; }\n    [BatchNorm(Activation.ReLU)] partial BatchNorm Norm { get; }" + Logits),
        Declared("[Dense(16, UseBias = false)] partial Dense Hidden { get; }\n    [BatchNorm(Activation.ReLU)] partial BatchNorm Norm { get; }" + Logits));

    [Fact]
    public Task MovesDropoutOffTheLayerBeforeBatchNorm() => Verify.CodeFix<ModelPitfallAnalyzer, RemoveArgumentFix>(
        Declared("[{|MG0016:Dense(16, Activation.ReLU, Dropout = 0.3f)|}] partial Dense Hidden { get; }\n    [BatchNorm] partial BatchNorm Norm { get; }" + Logits),
        Declared("[Dense(16, Activation.ReLU)] partial Dense Hidden { get; }\n    [BatchNorm] partial BatchNorm Norm { get; }" + Logits));

    // Batch norm takes its activation as the first positional argument, not the second as Dense does.
    private const string BiasFreeLogits = "[Dense(8, Activation.ReLU)] partial Dense Hidden { get; }\n    [Dense(3, UseBias = false)] partial Dense Logits { get; }\n    ";

    [Fact]
    public Task ReplacesSoftplusWithReluOnBatchNorm() => Verify.CodeFix<ModelPitfallAnalyzer, InsertReluFix>(
        Declared("[Dense(8, UseBias = false)] partial Dense Hidden { get; }\n    [{|MG0026:BatchNorm(Activation.Softplus)|}] partial BatchNorm Norm { get; }" + Logits),
        Declared("[Dense(8, UseBias = false)] partial Dense Hidden { get; }\n    [BatchNorm(Activation.ReLU)] partial BatchNorm Norm { get; }" + Logits));

    [Fact]
    public Task MakesBatchNormLogitsLinear() => Verify.CodeFix<ModelPitfallAnalyzer, LinearLogitsFix>(
        Declared(BiasFreeLogits + "[{|MG0011:BatchNorm(Activation.Tanh)|}] partial BatchNorm Norm { get; }"),
        Declared(BiasFreeLogits + "[BatchNorm] partial BatchNorm Norm { get; }"));

    [Fact]
    public Task RemovesSoftmaxFromBatchNormLogits() => Verify.CodeFix<ModelPitfallAnalyzer, LinearLogitsFix>(
        Declared(BiasFreeLogits + "[{|MG0008:BatchNorm(Activation.Softmax, Momentum = 0.2f)|}] partial BatchNorm Norm { get; }"),
        Declared(BiasFreeLogits + "[BatchNorm(Momentum = 0.2f)] partial BatchNorm Norm { get; }"));

    [Fact]
    public Task ReplacesMseWithCrossEntropyOnBatchNormSigmoidOutput() => Verify.CodeFix<ModelPitfallAnalyzer, CrossEntropyFix>(
        Declared(BiasFreeLogits + "[BatchNorm(Activation.Sigmoid)] partial BatchNorm Norm { get; }", loss: "[{|MG0010:MeanSquaredError|}]"),
        Declared(BiasFreeLogits + "[BatchNorm] partial BatchNorm Norm { get; }", loss: "[BinaryCrossEntropy]"));
}
