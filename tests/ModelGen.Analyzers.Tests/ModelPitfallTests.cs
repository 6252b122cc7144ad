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
    public Task ClippedHighLearningRateIsFine() => Check(Model("""
        [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
        [Dense(3)] partial Dense Logits { get; }
        """, optimizer: "[Sgd(LearningRate = 0.5f), ClipGlobalNorm(5f)]"));

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
}
