namespace ModelGen.Analyzers.Tests;

public class SoftmaxNumericsTests
{
    private static string Method(string body) => $$"""
        using System;
        using System.Numerics.Tensors;

        public static class Code
        {
            public static void Run(float[] logits, float[] p, float[] logP)
            {
                {{body}}
            }
        }
        """;

    private static Task Check(string source) => Verify.Analyzer<SoftmaxNumericsAnalyzer>(source);

    [Fact]
    public Task TensorPrimitivesSoftMaxIsFlagged() => Check(Method("{|MG0101:TensorPrimitives.SoftMax<float>(logits, p)|};"));

    [Fact]
    public Task StableSoftmaxIsFine() => Check(Method("ModelGen.StableMath.Softmax<float>(logits, p);"));

    [Fact]
    public Task LogOfSoftmaxSpanIsFlagged() => Check(Method("""
        ModelGen.StableMath.Softmax<float>(logits, p);
        {|MG0102:TensorPrimitives.Log<float>(p, logP)|};
        """));

    [Fact]
    public Task LogOfSoftmaxElementIsFlagged() => Check(Method("""
        ModelGen.StableMath.Softmax<float>(logits.AsSpan(), p.AsSpan());
        float loss = -{|MG0102:MathF.Log(p[2])|};
        """));

    [Fact]
    public Task LogOfOtherValuesIsFine() => Check(Method("""
        ModelGen.StableMath.Softmax<float>(logits, p);
        TensorPrimitives.Log<float>(logits, logP);
        float x = MathF.Log(logP[0] + 1);
        """));
}
