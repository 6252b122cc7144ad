using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>The log-softmax activation and the losses on log-probabilities (NLL, KL divergence).</summary>
public class LogProbabilityTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 5)]
    [InlineData(2, 33)]
    public void LogSoftmaxMatchesItsDefinitionAndItsBackwardIsTheJacobianProduct(int batch, int width)
    {
        double[] z = Reference.Random(batch * width, 81 + width, 5);
        double[] y = (double[])z.Clone();
        SoftmaxOp.LogForward<double>(y, batch, width);
        for (int row = 0; row < batch; row++)
        {
            double[] r = z.Skip(row * width).Take(width).ToArray();
            double logSum = Math.Log(r.Sum(v => Math.Exp(v - r.Max()))) + r.Max();
            for (int j = 0; j < width; j++)
                Assert.Equal(r[j] - logSum, y[row * width + j], 1e-13);
        }
        // Backward of L = Σ c ⊙ log_softmax(z): against finite differences, and in place (dz over dy) alike.
        double[] c = Reference.Random(batch * width, 82, 1);
        double[] dz = new double[z.Length];
        SoftmaxOp.LogBackward<double>(y, c, dz, batch, width);
        double Objective(double[] values)
        {
            double[] copy = (double[])values.Clone();
            SoftmaxOp.LogForward<double>(copy, batch, width);
            return copy.Zip(c, (a, b) => a * b).Sum();
        }
        for (int i = 0; i < z.Length; i++)
        {
            double saved = z[i];
            z[i] = saved + 1e-6; double plus = Objective(z);
            z[i] = saved - 1e-6; double minus = Objective(z);
            z[i] = saved;
            Assert.Equal((plus - minus) / 2e-6, dz[i], 1e-7);
        }
        double[] inPlace = (double[])c.Clone();
        SoftmaxOp.LogBackward<double>(y, inPlace, inPlace, batch, width);
        Assert.Equal(dz, inPlace);
    }

    [Fact]
    public void LogSoftmaxStaysFiniteWhereTheProbabilitiesUnderflow()
    {
        float[] values = [1000f, 1000f, 999f, -1000f];
        SoftmaxOp.LogForward<float>(values, 1, 4);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(-2000f - MathF.Log(2 + MathF.Exp(-1)), values[3], 1e-3f);
    }

    [Fact]
    public void NllAndKlMatchTheirDefinitionsAndFiniteDifferences()
    {
        const int batch = 3, classes = 4;
        double[] x = Reference.Random(batch * classes, 83, 2);
        SoftmaxOp.LogForward<double>(x, batch, classes);
        int[] labels = [2, 0, 3];
        var gradient = new double[x.Length];
        double nll = NegativeLogLikelihoodOp.ForwardBackward<double>(x, labels, gradient, batch, classes);
        Assert.Equal(-(x[2] + x[4] + x[11]) / batch, nll, 1e-14);
        Assert.Equal(nll, NegativeLogLikelihoodOp.Loss<double>(x, labels, batch, classes), 1e-15);
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(i is 2 or 4 or 11 ? -1.0 / batch : 0, gradient[i]);

        double[] t = [0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.5, 0, 1, 0, 0, 0]; // zero targets count 0
        double kl = KLDivergenceOp.ForwardBackward<double>(x, t, gradient, batch, classes);
        double expected = t.Select((p, i) => p > 0 ? p * (Math.Log(p) - x[i]) : 0).Sum() / batch;
        Assert.Equal(expected, kl, 1e-14);
        Assert.Equal(kl, KLDivergenceOp.Loss<double>(x, t, batch, classes), 1e-15);
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + 1e-6; double plus = KLDivergenceOp.Loss<double>(x, t, batch, classes);
            x[i] = saved - 1e-6; double minus = KLDivergenceOp.Loss<double>(x, t, batch, classes);
            x[i] = saved;
            Assert.Equal((plus - minus) / 2e-6, gradient[i], 1e-8);
        }
        // A model that reproduces the targets exactly has divergence 0.
        double[] matched = t.Select(p => Math.Log(Math.Max(p, 1e-300))).ToArray();
        Assert.Equal(0, KLDivergenceOp.Loss<double>(matched, t, batch, classes), 1e-12);
    }

    [Fact]
    public void LogSoftmaxWithNllIsSoftmaxCrossEntropyOnTheSameWeights()
    {
        var nll = new LogSoftmaxClassifier.Network<double>(seed: 4);
        var fused = new LinearSoftmaxTwin.Network<double>(seed: 4);
        nll.Parameters.Span.CopyTo(fused.Parameters.Span);
        double[] inputs = Reference.Random(6 * 5, 84, 2);
        int[] labels = [0, 3, 1, 2, 2, 1];
        Assert.Equal(fused.ComputeGradients(inputs, labels), nll.ComputeGradients(inputs, labels), 1e-12);
        Reference.Close(fused.Gradients.ToArray(), nll.Gradients.ToArray(), 1e-10, 1e-13, "NLL ∘ log-softmax vs fused softmax cross-entropy");
        // Predict: log-probabilities, the logarithm of the twin's probabilities.
        double[] logProbabilities = new double[6 * 4], probabilities = new double[6 * 4];
        nll.Predict(inputs, logProbabilities);
        fused.Predict(inputs, probabilities);
        Reference.Close(probabilities.Select(p => Math.Log(p)).ToArray(), logProbabilities, 1e-12, 1e-13, "log-probabilities");
    }

    [Fact]
    public void TheDistillationLossHasFiniteDifferenceGradients()
    {
        var net = new DistilledStudent.Network<double>(seed: 5);
        double[] inputs = Reference.Random(4 * 5, 85, 2);
        double[] teacher = [0.7, 0.2, 0.1, 0, 0.5, 0.5, 1 / 3.0, 1 / 3.0, 1 / 3.0, 0.05, 0.05, 0.9];
        net.ComputeGradients(inputs, teacher);
        double[] gradient = net.Gradients.ToArray();
        Span<double> parameters = net.Parameters.Span;
        for (int i = 0; i < parameters.Length; i += 3)
        {
            double saved = parameters[i];
            parameters[i] = saved + 1e-6; double plus = net.ComputeLoss(inputs, teacher);
            parameters[i] = saved - 1e-6; double minus = net.ComputeLoss(inputs, teacher);
            parameters[i] = saved;
            Assert.Equal((plus - minus) / 2e-6, gradient[i], 1e-7);
        }
    }
}
