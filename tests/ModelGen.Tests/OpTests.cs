using ModelGen.Ops;
using ModelGen.Optimizers;

namespace ModelGen.Tests;

/// <summary>Each runtime op, forward against a float64 scalar reference and backward against finite differences, over SIMD tail lengths.</summary>
public class OpTests
{
    public static TheoryData<int> Lengths() => new(Enumerable.Range(0, 258));

    private static readonly (string Name, Func<double, double> F, Action<double[]> Forward, Action<double[], double[], double[]> Backward, Action<float[]> ForwardFloat)[] Activations =
    [
        ("ReLU", x => Math.Max(0, x), v => Activation<ReLU>.Forward<double>(v, 0), (y, dy, dx) => Activation<ReLU>.Backward<double>(y, dy, dx, 0), v => Activation<ReLU>.Forward<float>(v, 0)),
        ("LeakyReLU", x => x > 0 ? x : 0.1 * x, v => Activation<LeakyReLU>.Forward<double>(v, 0.1), (y, dy, dx) => Activation<LeakyReLU>.Backward<double>(y, dy, dx, 0.1), v => Activation<LeakyReLU>.Forward<float>(v, 0.1f)),
        ("Sigmoid", x => 1 / (1 + Math.Exp(-x)), v => Activation<Sigmoid>.Forward<double>(v, 0), (y, dy, dx) => Activation<Sigmoid>.Backward<double>(y, dy, dx, 0), v => Activation<Sigmoid>.Forward<float>(v, 0)),
        ("Tanh", Math.Tanh, v => Activation<Tanh>.Forward<double>(v, 0), (y, dy, dx) => Activation<Tanh>.Backward<double>(y, dy, dx, 0), v => Activation<Tanh>.Forward<float>(v, 0)),
    ];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ActivationsMatchReferenceAndFiniteDifferences(int length)
    {
        foreach (var (name, f, forward, backward, forwardFloat) in Activations)
        {
            // Keep inputs away from ReLU's kink so central differences are exact there.
            double[] z = Reference.Random(length, 17 + length, 3).Select(v => Math.Abs(v) < 1e-3 ? v + 0.01 : v).ToArray();
            double[] y = (double[])z.Clone();
            forward(y);
            Reference.Close(z.Select(f).ToArray(), y, 1e-14, 1e-15, $"{name} forward, length {length}");

            float[] yFloat = Reference.ToFloat(z);
            forwardFloat(yFloat);
            Reference.Close(z.Select(f).ToArray(), yFloat, 2e-6, 2e-7, $"{name} float forward, length {length}");

            double[] dy = Reference.Random(length, 99 + length);
            double[] dx = new double[length];
            backward(y, dy, dx);
            double[] numeric = z.Select((value, i) => dy[i] * (f(value + 1e-6) - f(value - 1e-6)) / 2e-6).ToArray();
            Reference.Close(numeric, dx, 1e-7, 1e-9, $"{name} backward, length {length}");

            backward(y, dy, dy); // in place, as the fused program runs it
            Reference.Close(dx, dy, 0, 0, $"{name} in-place backward, length {length}");
        }
    }

    [Fact]
    public void SoftmaxCrossEntropyIsStableForLargeLogits()
    {
        double[] logits = [1000, 1000, 999];
        var probabilities = new double[3];
        SoftmaxCrossEntropyOp.Probabilities<double>(logits, probabilities, 1, 3);
        double e = Math.Exp(-1);
        Reference.Close([1 / (2 + e), 1 / (2 + e), e / (2 + e)], probabilities, 1e-15, 1e-15, "softmax [1000, 1000, 999]");

        var floatProbabilities = new float[3];
        SoftmaxCrossEntropyOp.Probabilities<float>([1000f, 1000f, 999f], floatProbabilities, 1, 3);
        Assert.All(floatProbabilities, p => Assert.True(float.IsFinite(p)));

        var gradient = new double[3];
        double loss = SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, [2], gradient, 1, 3);
        Assert.Equal(Math.Log(2 + e) + 1, loss, 12);
        Assert.Equal(loss, SoftmaxCrossEntropyOp.Loss<double>(logits, [2], 1, 3), 12);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 10)]
    [InlineData(4, 17)]
    [InlineData(2, 33)]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences(int batch, int classes)
    {
        double[] logits = Reference.Random(batch * classes, batch * 31 + classes, 4);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7 + 3) % classes).ToArray();
        var gradient = new double[logits.Length];
        double loss = SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, gradient, batch, classes);
        Assert.Equal(loss, SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes), 12);
        var numeric = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            double saved = logits[i];
            logits[i] = saved + 1e-6; double plus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes);
            logits[i] = saved - 1e-6; double minus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes);
            logits[i] = saved;
            numeric[i] = (plus - minus) / 2e-6;
        }
        Reference.Close(numeric, gradient, 1e-6, 1e-9, $"softmax cross-entropy gradient {batch}×{classes}");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MeanSquaredErrorGradientMatchesFiniteDifferences(int length)
    {
        if (length == 0) return;
        double[] outputs = Reference.Random(length, 5 + length), targets = Reference.Random(length, 6 + length);
        var gradient = new double[length];
        double loss = MeanSquaredErrorOp.ForwardBackward<double>(outputs, targets, gradient, length);
        Assert.Equal(outputs.Zip(targets, (o, t) => (o - t) * (o - t)).Sum() / length, loss, 12);
        double[] numeric = outputs.Select((o, i) =>
        {
            double d = o - targets[i];
            return ((d + 1e-6) * (d + 1e-6) - (d - 1e-6) * (d - 1e-6)) / 2e-6 / length;
        }).ToArray();
        Reference.Close(numeric, gradient, 1e-7, 1e-10, "MSE gradient");
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void AdamMatchesScalarReference(int length)
    {
        double[] p = Reference.Random(length, 1), m = Reference.Random(length, 2, 0.1), v = Reference.Random(length, 3).Select(Math.Abs).ToArray();
        double[] g = Reference.Random(length, 4);
        double[] ep = (double[])p.Clone(), em = (double[])m.Clone(), ev = (double[])v.Clone();
        const double rate = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, scale = 0.5;
        const long step = 3;
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * scale;
            em[i] = b1 * em[i] + (1 - b1) * grad;
            ev[i] = b2 * ev[i] + (1 - b2) * grad * grad;
            double mHat = em[i] / (1 - Math.Pow(b1, step)), vHat = ev[i] / (1 - Math.Pow(b2, step));
            ep[i] -= rate * mHat / (Math.Sqrt(vHat) + eps * 1); // torch places ε after the bias-corrected root
        }
        Adam.Update<double>(p, g, m, v, rate, b1, b2, eps, step, scale);
        Reference.Close(em, m, 1e-14, 1e-15, "Adam m");
        Reference.Close(ev, v, 1e-14, 1e-15, "Adam v");
        Reference.Close(ep, p, 1e-12, 1e-12, "Adam parameters");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(37)]
    public void AdamFlushesSubnormalMomentsToZero(int length)
    {
        // Converged: zero gradients, moments at the bottom of the normal range. One step takes them subnormal.
        var p = new float[length];
        var g = new float[length];
        var m = Enumerable.Repeat(2e-38f, length).ToArray();
        var v = Enumerable.Repeat(2e-38f, length).ToArray();
        Adam.Update<float>(p, g, m, v, 1e-3f, 0.5f, 0.5f, 1e-8f, 10, 1f);
        Assert.All(m, x => Assert.Equal(0f, x));
        Assert.All(v, x => Assert.Equal(0f, x));
        Assert.All(p, x => Assert.True(float.IsFinite(x)));
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SgdMatchesScalarReference(int length)
    {
        foreach (bool nesterov in new[] { false, true })
        {
            double[] p = Reference.Random(length, 7), b = Reference.Random(length, 8), g = Reference.Random(length, 9);
            double[] ep = (double[])p.Clone(), eb = (double[])b.Clone();
            for (int i = 0; i < length; i++)
            {
                double grad = g[i] * 0.25;
                eb[i] = 0.9 * eb[i] + grad;
                ep[i] -= 0.1 * (nesterov ? grad + 0.9 * eb[i] : eb[i]);
            }
            Sgd.Update<double>(p, g, b, 0.1, 0.9, nesterov, 0.25);
            Reference.Close(eb, b, 1e-14, 1e-15, "SGD velocity");
            Reference.Close(ep, p, 1e-14, 1e-15, $"SGD parameters (nesterov {nesterov})");
        }
        double[] plain = Reference.Random(length, 10), plainGradient = Reference.Random(length, 11);
        double[] expected = plain.Select((x, i) => x - 0.1 * 2 * plainGradient[i]).ToArray();
        Sgd.Update<double>(plain, plainGradient, 0.1, 2);
        Reference.Close(expected, plain, 1e-14, 1e-15, "plain SGD");
    }

    [Fact]
    public void GlobalNormScaleClipsOnlyAboveTheThreshold()
    {
        double[] g = [3, 4]; // norm 5
        Assert.Equal(1.0, GradientClipping.GlobalNormScale<double>(g, 10));
        Assert.Equal(2.0 / (5 + 1e-6), GradientClipping.GlobalNormScale<double>(g, 2), 15);
    }
}

public class StableMathTests
{
    [Fact]
    public void SoftmaxAndLogSoftmaxAreStableWhereTensorPrimitivesIsNot()
    {
        float[] x = [1000f, 1000f, 999f];
        var p = new float[3];
        var logP = new float[3];
        StableMath.Softmax<float>(x, p);
        StableMath.LogSoftmax<float>(x, logP);
        double e = Math.Exp(-1);
        Reference.Close([1 / (2 + e), 1 / (2 + e), e / (2 + e)], p, 1e-6, 1e-7, "softmax");
        Reference.Close([-Math.Log(2 + e), -Math.Log(2 + e), -1 - Math.Log(2 + e)], logP, 1e-6, 1e-6, "log-softmax");

        // log(softmax) underflows to −∞ where log-softmax stays finite.
        var far = new double[2];
        StableMath.LogSoftmax<double>([0.0, -800.0], far);
        Assert.Equal(-800.0, far[1], 9);
        Assert.Throws<ArgumentException>(() => StableMath.Softmax<float>([], new float[1]));
        Assert.Throws<ArgumentException>(() => StableMath.LogSoftmax<float>(x, new float[2]));
    }
}
