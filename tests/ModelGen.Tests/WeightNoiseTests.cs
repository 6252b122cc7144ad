namespace ModelGen.Tests;

/// <summary>[WeightNoise]: training passes run on perturbed weights, the update lands on the clean ones, inference never sees noise.</summary>
public class WeightNoiseTests
{
    [Theory]
    [MemberData(nameof(Widths.Each), 1, 4, 9, MemberType = typeof(Widths))]
    public void GradientsAreThoseOfTheNoisyTrainingLoss(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new NoisyWeightsNet.Network<double>(seed: 5);
        double[] inputs = Reference.Random(batch * 5, 20 + batch, 1.5), targets = Reference.Random(batch * 2, 21 + batch);
        double[] before = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        Assert.Equal(before, net.Parameters.ToArray()); // the clean weights are back, bit for bit
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeTrainingLoss(inputs, targets), nameof(NoisyWeightsNet));
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.NotEqual(net.ComputeLoss(inputs, targets), net.ComputeTrainingLoss(inputs, targets));
    }

    [Fact]
    public void TheUpdateIsTheNoisyGradientAppliedToTheCleanWeights()
    {
        double[] inputs = Reference.Random(6 * 5, 1, 1.5), targets = Reference.Random(6 * 2, 2);
        var probe = new NoisyWeightsNet.Network<double>(seed: 5);
        var trained = new NoisyWeightsNet.Network<double>(seed: 5);
        probe.ComputeGradients(inputs, targets);
        double[] expected = probe.Parameters.ToArray().Zip(probe.Gradients.ToArray(), (w, g) => w - 0.05 * g).ToArray();
        trained.TrainStep(inputs, targets);
        Reference.Close(expected, trained.Parameters.ToArray(), 1e-7, 1e-12, "SGD step under weight noise"); // lr is a float constant

        // The next step draws new noise: the gradient at the same weights differs.
        var next = new NoisyWeightsNet.Network<double>(seed: 5);
        next.ComputeGradients(inputs, targets);
        double[] first = next.Gradients.ToArray();
        next.TrainStep(inputs, targets);
        next.Parameters.Span.Clear();
        probe.Parameters.Span.CopyTo(next.Parameters.Span);
        next.ComputeGradients(inputs, targets);
        Assert.NotEqual(first, next.Gradients.ToArray());
    }

    [Fact]
    public void BadInputLeavesTheWeightsUnchanged()
    {
        var model = new NoisyWeightsNet();
        float[] before = model.Hidden.Weights.ToArray();
        Assert.ThrowsAny<ArgumentException>(() => model.TrainStep(new float[5 * 4], new float[3]));
        Assert.Equal(before, model.Hidden.Weights.ToArray());
        var net = new NoisyWeightsNet.Network<double>(seed: 5);
        double[] x = Enumerable.Range(0, 10).Select(i => 0.3 * i - 1).ToArray();
        double[] first = new double[4], second = new double[4];
        net.Predict(x, first);
        net.ComputeTrainingLoss(x, new double[4]); // runs on noisy weights and puts the clean ones back
        net.Predict(x, second);
        Assert.Equal(first, second); // inference never sees the noise
    }
}
