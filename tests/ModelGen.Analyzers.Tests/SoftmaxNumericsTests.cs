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

    private static string Methods(string members) => $$"""
        using System;
        using System.Linq;

        public static class Code
        {
            {{members}}
        }
        """;

    [Fact]
    public Task HandWrittenSoftmaxWithoutShiftIsFlagged() => Check(Methods("""
        public static void Softmax(float[] x, float[] p)
        {
            float sum = 0;
            for (int i = 0; i < x.Length; i++) { p[i] = {|MG0101:MathF.Exp(x[i])|}; sum += p[i]; }
            for (int i = 0; i < x.Length; i++) p[i] /= sum;
        }

        public static double[] Normalize(double[] x)
        {
            double total = 0;
            foreach (double v in x) total += {|MG0101:Math.Exp(v)|};
            return x.Select(v => Math.Exp(v) / total).ToArray();
        }
        """));

    [Fact]
    public Task ShiftedOrUnnormalizedExpIsFine() => Check(Methods("""
        public static void Softmax(float[] x, float[] p)
        {
            float max = x.Max(), sum = 0;
            for (int i = 0; i < x.Length; i++) { p[i] = MathF.Exp(x[i] - max); sum += p[i]; }
            for (int i = 0; i < x.Length; i++) p[i] /= sum;
        }

        public static double Growth(double rate, double years) => Math.Exp(rate * years) / years;
        """));

    [Fact]
    public Task LogOfAProbabilityWithoutFloorIsFlagged() => Check(Methods("""
        public static float CrossEntropyLoss(float[] p, int label) => -{|MG0103:MathF.Log(p[label])|};

        public static double Score(double probability) => {|MG0103:Math.Log(probability)|};
        """));

    [Fact]
    public Task FlooredOrUnrelatedLogsAreFine() => Check(Methods("""
        public static float CrossEntropyLoss(float[] p, int label) => -MathF.Log(MathF.Max(p[label], 1e-7f));

        public static double NegativeLogLikelihood(double p) => -Math.Log(p + 1e-12);

        public static double Decibels(double power) => 10 * Math.Log(power) / Math.Log(10);
        """));
}
