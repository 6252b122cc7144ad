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

        public static double Loss(double[] actual, bool[] expected)
        {
            double sum = 0;
            for (int i = 0; i < actual.Length; i++)
                if (expected[i]) sum -= {|MG0103:Math.Log(actual[i])|};
            return sum;
        }

        public static double Entropy(double[] values, Func<double, double> pdf)
        {
            double sum = 0;
            foreach (double v in values) { double p = pdf(v); sum += p * {|MG0103:Math.Log(p)|}; }
            return sum;
        }

        public static double LogLikelihood(double[] y, double[] predicted)
        {
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += y[i] * {|MG0103:Math.Log(predicted[i])|};
            return sum;
        }

        public static double Entropy(int[] counts)
        {
            double total = counts.Sum(), entropy = 0;
            foreach (int count in counts) { double p = count / total; entropy -= p * {|MG0103:Math.Log(p)|}; }
            return entropy;
        }
        """));

    /// <summary>Conditions that do not rule 0 out are not guards.</summary>
    [Fact]
    public Task ChecksThatAdmitZeroDoNotGuard() => Check(Methods("""
        public static double AboveOne(double p)
        {
            if (p > 1) return 0;
            return -p * {|MG0103:Math.Log(p)|};
        }

        public static double Negative(double p)
        {
            if (p < 0) throw new ArgumentOutOfRangeException(nameof(p));
            return -p * {|MG0103:Math.Log(p)|};
        }

        public static double OtherVariable(double p, double q)
        {
            if (q == 0) return 0;
            return -p * {|MG0103:Math.Log(p)|};
        }

        public static double OneBranchOnly(double p, bool fast)
        {
            if (fast && p > 0) return -p * Math.Log(p);
            return -p * {|MG0103:Math.Log(p)|};
        }
        """));

    [Fact]
    public Task FlooredOrUnrelatedLogsAreFine() => Check(Methods("""
        public static float CrossEntropyLoss(float[] p, int label) => -MathF.Log(MathF.Max(p[label], 1e-7f));

        public static double NegativeLogLikelihood(double p) => -Math.Log(p + 1e-12);

        public static double Decibels(double power) => 10 * Math.Log(power) / Math.Log(10);

        public static double LogOnePlusExp(double x) { double z = Math.Exp(x); return Math.Log(z) + Math.Log(Math.Exp(x) + 1); }
        """));

    /// <summary>A log-probability is −∞ for an impossible event; that is the right answer, not a bug.</summary>
    [Fact]
    public Task LogProbabilitiesMayBeMinusInfinity() => Check(Methods("""
        public static double Score(double probability) => Math.Log(probability);

        public static double LogPmf(int k, double probability) => k == 0 ? 0 : k * Math.Log(probability);

        public static double LogPrior(double[] priors, int c) => Math.Log(priors[c]);
        """));

    /// <summary>Distribution classes' entropies take logs of their parameters, which are validated positive.</summary>
    [Fact]
    public Task LogsOfParametersAreFine() => Check("""
        using System;

        public sealed class Distribution
        {
            private readonly double variance = 1, scale = 2, a = 0, b = 1, rate = 3, sigma = 1;

            public double NormalEntropy => 0.5 * (Math.Log(2.0 * Math.PI * variance) + 1);
            public double CauchyEntropy => Math.Log(scale) + Math.Log(4.0 * Math.PI);
            public double UniformEntropy => Math.Log(b - a);
            public double ExponentialEntropy => 1 - Math.Log(rate);
            public double Quantile(double p) => -Math.Log(1 - p) * sigma;
        }
        """);

    /// <summary>Guards the rule sees through control flow: early exits, enclosing conditions, conditionals and asserts.</summary>
    [Fact]
    public Task GuardedLogsAreFine() => Check(Methods("""
        public static double BinaryEntropy(double p)
        {
            if (p == 0.0 || p == 1.0) return 0.0;
            return -p * Math.Log(p) - (1 - p) * Math.Log(1 - p);
        }

        public static double Entropy(int[] counts, int totalCount)
        {
            double entropy = 0;
            foreach (int count in counts)
            {
                if (count == 0 || count == totalCount) continue;
                double p = (double)count / totalCount;
                entropy -= p * Math.Log(p) + (1 - p) * Math.Log(1 - p);
            }
            return entropy;
        }

        public static double Entropy(double[] probabilities) => -probabilities.Sum(p => p > 0 ? p * Math.Log(p) : 0);

        public static double CrossEntropy(double probTrue, double probPredicted)
        {
            if ((probPredicted == 0.0 || probPredicted == 1.0) && probPredicted == probTrue) return 0.0;
            return -probTrue * Math.Log(probPredicted) - (1 - probTrue) * Math.Log(1 - probPredicted);
        }

        public static double Term(double p)
        {
            System.Diagnostics.Debug.Assert(0 < p && p <= 1);
            return -p * Math.Log(p);
        }

        public static double Loss(double[] predicted, int label)
        {
            double p = predicted[label];
            if (p < 1e-12) throw new ArgumentOutOfRangeException(nameof(predicted));
            return -Math.Log(p);
        }
        """));

    /// <summary>Exps that cannot overflow (Gaussian and t-SNE kernels, negated exponents) or are never normalized.</summary>
    [Fact]
    public Task KernelsAndUnnormalizedExpsAreFine() => Check(Methods("""
        public static void Affinities(double[] d, double beta, double[] p)
        {
            double sum = 0;
            for (int i = 0; i < d.Length; i++) { p[i] = Math.Exp(-beta * d[i] * d[i]); sum += p[i]; }
            for (int i = 0; i < d.Length; i++) p[i] /= sum;
        }

        public static double Smooth(double[] gx, double[] gy, double[] pixels, double factor)
        {
            double f = -8 * factor * factor, total = 0, weights = 0;
            for (int i = 0; i < gx.Length; i++)
            {
                double weight = Math.Exp((gx[i] * gx[i] + gy[i] * gy[i]) / f);
                total += weight * pixels[i];
                weights += weight;
            }
            return total / weights;
        }

        public static double Partition(double[] x)
        {
            double sum = 0;
            foreach (double v in x) sum += Math.Exp(v);
            return sum;
        }

        public static void Boltzmann(double[] estimates, double temperature, double[] p)
        {
            double sum = 0;
            for (int i = 0; i < p.Length; i++) { p[i] = Math.Exp(estimates[i] / temperature); sum += p[i]; }
            if (double.IsInfinity(sum)) { Array.Clear(p); return; }
            for (int i = 0; i < p.Length; i++) p[i] /= sum;
        }
        """));

    [Fact]
    public Task UnshiftedSoftmaxShapesAreFlagged() => Check(Methods("""
        public static void NormalizeSoftmax(float[] scores, int count)
        {
            double sum = 0;
            var score = new double[count];
            for (int i = 0; i < count; i++) { score[i] = {|MG0101:Math.Exp(scores[i])|}; sum += score[i]; }
            for (int i = 0; i < count; i++) scores[i] = (float)(score[i] / sum);
        }

        public static void Multinomial(double[][] coefficients, double[] x, double[] responses)
        {
            double sum = 1;
            for (int j = 0; j < coefficients.Length; j++)
            {
                double logit = coefficients[j][0];
                for (int i = 0; i < x.Length; i++) logit += coefficients[j][i + 1] * x[i];
                sum += responses[j] = {|MG0101:Math.Exp(logit)|};
            }
            for (int j = 0; j < responses.Length; j++) responses[j] /= sum;
        }

        public static double LogSumExp(double[] x)
        {
            double sum = 0;
            foreach (double v in x) sum += {|MG0101:Math.Exp(v)|};
            return Math.Log(sum);
        }
        """));
}
