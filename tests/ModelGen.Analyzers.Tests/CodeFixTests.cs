using ModelGen.CodeFixes;

namespace ModelGen.Analyzers.Tests;

/// <summary>Before and after for every code fix.</summary>
public class CodeFixTests
{
    private static string Model(string layers, string attributes = "[Adam(LearningRate = 1e-3f)]", string name = "Net") => $$"""
        using ModelGen;

        [Model(InputSize = 4, Seed = 1)]
        [SoftmaxCrossEntropy]
        {{attributes}}
        public partial class {{name}}
        {
            {{layers}}
        }
        """;

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
}
