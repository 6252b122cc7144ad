namespace ModelGen.Tests;

/// <summary>Every public entry rejects bad input with a message naming model, layer and expected shape, and leaves the model unchanged.</summary>
public class InputValidationTests
{
    private static readonly float[] Image = Enumerable.Range(0, 784).Select(i => (i % 17) / 17f).ToArray();

    private static void AssertRejected<TException>(Action call, DigitClassifier net, params string[] fragments) where TException : Exception
    {
        float[] before = net.Parameters.ToArray();
        long step = net.Step;
        var error = Assert.Throws<TException>(call);
        foreach (string fragment in fragments)
            Assert.Contains(fragment, error.Message);
        Assert.True(net.Parameters.SequenceEqual(before), "a rejected call changed the weights");
        Assert.Equal(step, net.Step);
    }

    [Fact]
    public void BadInputsAreRejectedWithoutSideEffects()
    {
        var net = new DigitClassifier();
        net.TrainStep(Image, [3]); // optimizer state exists, so a rejected call would show if it touched it
        float[] two = [.. Image, .. Image];
        float[] nan = (float[])two.Clone(); nan[784 + 5] = float.NaN;
        float[] infinity = (float[])two.Clone(); infinity[17] = float.PositiveInfinity;

        AssertRejected<ArgumentException>(() => net.TrainStep(two.AsSpan(0, 785), [1]), net, "DigitClassifier.TrainStep", "785", "'Hidden'", "[batch × 784]");
        AssertRejected<ArgumentException>(() => net.TrainStep([], []), net, "DigitClassifier.TrainStep", "empty", "[batch × 784]");
        AssertRejected<ArgumentException>(() => net.TrainStep(two, [1]), net, "DigitClassifier.TrainStep", "labels", "[2]", "'Logits'", "[batch × 10]");
        AssertRejected<ArgumentOutOfRangeException>(() => net.TrainStep(two, [1, 10]), net, "DigitClassifier.TrainStep", "label 10", "sample 1", "'Logits'", "[0, 10)");
        AssertRejected<ArgumentOutOfRangeException>(() => net.TrainStep(two, [-1, 0]), net, "label -1", "[0, 10)");
        AssertRejected<ArgumentException>(() => net.TrainStep(nan, [1, 2]), net, "DigitClassifier.TrainStep", "NaN", "sample 1, feature 5", "'Hidden'", "[batch × 784]");
        AssertRejected<ArgumentException>(() => net.TrainStep(infinity, [1, 2]), net, "∞", "sample 0, feature 17", "finite");
        AssertRejected<ArgumentException>(() => net.ComputeLoss(nan, [1, 2]), net, "DigitClassifier.ComputeLoss", "NaN");
        AssertRejected<ArgumentException>(() => net.Predict(two, new float[10]), net, "DigitClassifier.Predict", "outputs", "'Logits'", "[2 × 10]");
        AssertRejected<ArgumentException>(() => net.Predict(Image.AsSpan(1), new float[10]), net, "DigitClassifier.Predict", "[batch × 784]");
        AssertRejected<ArgumentException>(() => net.Predict(infinity, new float[20]), net, "DigitClassifier.Predict", "finite");

        // The optimizer state was not touched either: the next step matches a model that never saw bad input.
        var twin = new DigitClassifier();
        twin.TrainStep(Image, [3]);
        Assert.Equal(twin.TrainStep(two, [4, 5]), net.TrainStep(two, [4, 5]));
        Assert.True(twin.Parameters.SequenceEqual(net.Parameters));
    }

    [Fact]
    public void RegressionTargetsAreChecked()
    {
        var net = new Regressor();
        float[] inputs = [1, 2, 3, 4, 5, 6];
        var error = Assert.Throws<ArgumentException>(() => net.TrainStep(inputs, [1, 2, 3]));
        Assert.Contains("Regressor.TrainStep", error.Message);
        Assert.Contains("'Output'", error.Message);
        Assert.Contains("[2 × 2]", error.Message);
        error = Assert.Throws<ArgumentException>(() => net.ComputeLoss(inputs, [1, float.NaN, 3, 4]));
        Assert.Contains("targets", error.Message);
        Assert.Equal(0, net.Step);
    }

    [Fact]
    public void CheckFiniteNamesTheFirstLayerThatProducedNaNOrInfinity()
    {
        var net = new CheckedNet();
        float[] inputs = [0, 1, 2, 1, 0, 1];
        net.TrainStep(inputs, [0, 2]); // finite everywhere: no complaint

        // 0 · ∞ = NaN in Hidden's product, for sample 0 (its first feature is 0).
        net.Hidden.Weights[0] = float.PositiveInfinity;
        float[] before = net.Parameters.ToArray();
        var error = Assert.Throws<NonFiniteException>(() => net.TrainStep(inputs, [0, 2]));
        Assert.Equal("Hidden", error.Layer);
        Assert.Equal("forward", error.Step);
        Assert.Contains("CheckedNet: forward of layer 'Hidden' produced NaN at sample 0, column 0", error.Message);
        Assert.True(net.Parameters.SequenceEqual(before), "a failed step changed the parameters");
        Assert.Equal(1, net.Step);
        Assert.Throws<NonFiniteException>(() => net.Predict(inputs, new float[6]));

        // Logits that overflow to ∞ are caught at the layer that overflowed, not later in the loss.
        var overflow = new CheckedNet();
        overflow.Logits.Weights.Fill(3e38f);
        error = Assert.Throws<NonFiniteException>(() => overflow.TrainStep(inputs, [0, 2]));
        Assert.Equal("Logits", error.Layer);
        Assert.Contains("∞", error.Message);
    }

    [Fact]
    public void CheckFiniteAddsNoAllocation()
    {
        var net = new CheckedNet();
        float[] inputs = [0.5f, 1, 2, 1, 0, 1];
        for (int i = 0; i < 100; i++) net.TrainStep(inputs, [0, 2]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) net.TrainStep(inputs, [0, 2]);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
