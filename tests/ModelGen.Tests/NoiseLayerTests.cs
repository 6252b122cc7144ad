using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>The stochastic layers: Gaussian noise and RReLU, their draws at every width, and generated models end to end.</summary>
public class NoiseLayerTests
{
    [Fact]
    public void DrawsAreTheSameAtEveryWidthAndFollowTheirDistributions()
    {
        const int count = 200_003; // a tail at every width
        float[] reference = Draw(1, count);
        foreach (int bits in Widths.Bits)
            Assert.Equal(reference, Draw(bits, count)); // integer hashes, exact conversions: identical bits
        double mean = reference.Average(v => (double)v), variance = reference.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.01, 0.01); // 4.5 standard errors
        Assert.InRange(variance, 0.985, 1.015);
        Assert.InRange(reference.Count(v => Math.Abs(v) > 1.959964) / (double)count, 0.047, 0.053); // the 5% two-sided tail
        Assert.All(reference, v => Assert.True(float.IsFinite(v)));

        static float[] Draw(int bits, int count)
        {
            using var width = Widths.Force(bits);
            var normals = new float[count];
            var scratch = new float[CounterRandom.Chunk];
            for (int start = 0; start < count; start += CounterRandom.Chunk)
                CounterRandom.Normals(normals.AsSpan(start, Math.Min(CounterRandom.Chunk, count - start)), scratch, key: 12345u, start);
            return normals;
        }
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void GaussianNoiseIsAddedWhileTrainingOnlyAndRepeatsPerStep(int bits)
    {
        using var width = Widths.Force(bits);
        double[] x = Reference.Random(1000, 4);
        var a = new double[1000];
        var b = new double[1000];
        GaussianNoiseOp.Forward<double>(x, a, 0.5, seed: 1, step: 7, stream: 3, training: false);
        Assert.Equal(x, a);
        GaussianNoiseOp.Forward<double>(x, a, 0.5, seed: 1, step: 7, stream: 3, training: true);
        GaussianNoiseOp.Forward<double>(x, b, 0.5, seed: 1, step: 7, stream: 3, training: true);
        Assert.Equal(a, b);
        double[] noise = a.Select((v, i) => (v - x[i]) / 0.5).ToArray();
        Assert.InRange(noise.Select(n => n * n).Average(), 0.85, 1.15);
        GaussianNoiseOp.Forward<double>(x, b, 0.5, seed: 1, step: 8, stream: 3, training: true);
        Assert.NotEqual(a, b); // a new step, new noise
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void RReLUDrawsSlopesInItsRangeAndBackwardUsesTheSameOnes(int bits)
    {
        using var width = Widths.Force(bits);
        double[] z = Reference.Random(777, 5, 2).Select(v => Math.Abs(v) < 1e-3 ? v + 0.01 : v).ToArray();
        var y = new double[z.Length];
        RReLUOp.Forward<double>(z, y, 0.1, 0.3, seed: 2, step: 4, stream: 9, training: true);
        double[] slopes = z.Select((v, i) => v > 0 ? double.NaN : y[i] / v).ToArray();
        for (int i = 0; i < z.Length; i++)
            if (z[i] > 0)
                Assert.Equal(z[i], y[i]);
            else
                Assert.InRange(slopes[i], 0.1, 0.3);
        Assert.True(slopes.Where(double.IsFinite).Distinct().Count() > 100, "slopes vary per element");

        double[] dy = Reference.Random(z.Length, 6);
        var dz = new double[z.Length];
        RReLUOp.Backward<double>(z, dy, dz, 0.1, 0.3, seed: 2, step: 4, stream: 9, accumulate: false);
        // The forward map is linear per element at a fixed draw: f′ = y/z exactly.
        Reference.Close(z.Select((v, i) => dy[i] * (v > 0 ? 1 : slopes[i])).ToArray(), dz, 1e-12, 0, "RReLU backward");

        RReLUOp.Forward<double>(z, y, 0.1, 0.3, seed: 2, step: 4, stream: 9, training: false);
        Reference.Close(z.Select(v => v > 0 ? v : 0.2 * v).ToArray(), y, 1e-15, 0, "RReLU at inference: the mean slope");
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 4, 9, MemberType = typeof(Widths))]
    public void NoisyModelGradientsAreTheGradientsOfTheTrainingLoss(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new NoisyNet.Network<double>(seed: 8);
        double[] inputs = Reference.Random(batch * NoisyNet.InputSize, 30 + batch, 2), targets = Reference.Random(batch * 2, 31 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        // The training loss re-evaluates the same step's noise and slopes; the inference loss has neither.
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeTrainingLoss(inputs, targets), nameof(NoisyNet));
        Assert.NotEqual(net.ComputeLoss(inputs, targets), net.ComputeTrainingLoss(inputs, targets));
    }

    [Fact]
    public void PredictIsDeterministicAndTrainingStillLearns()
    {
        var model = new NoisyNet();
        float[] inputs = Enumerable.Range(0, 32 * NoisyNet.InputSize).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        float[] targets = Enumerable.Range(0, 32 * 2).Select(i => MathF.Cos(i * 0.21f) * 0.5f).ToArray();
        float first = model.TrainStep(inputs, targets);
        for (int step = 0; step < 200; step++)
            model.TrainStep(inputs, targets);
        var a = new float[64];
        var b = new float[64];
        model.Predict(inputs, a);
        model.Predict(inputs, b);
        Assert.Equal(a, b);
        Assert.True(model.TrainStep(inputs, targets) < 0.5f * first);
        Assert.Equal(0.2f, model.Slopes.InferenceSlope, 1e-6f);
    }
}
