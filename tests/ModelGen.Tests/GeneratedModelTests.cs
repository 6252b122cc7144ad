namespace ModelGen.Tests;

/// <summary>Generated models: compile-time gradients against finite differences in float64, training, determinism, allocation.</summary>
public class GeneratedModelTests
{
    [Theory]
    [MemberData(nameof(Widths.Each), 1, 3, 17, MemberType = typeof(Widths))]
    public void EveryActivationBackpropagatesCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new ActivationZoo.Network<double>(seed: 5);
        double[] inputs = Reference.Random(batch * 5, batch, 2);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        net.ComputeGradients(inputs, labels);
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeLoss(inputs, labels), nameof(ActivationZoo));
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 6, MemberType = typeof(Widths))]
    public void MeanSquaredErrorModelsBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var regressor = new Regressor.Network<double>(seed: 2);
        double[] inputs = Reference.Random(batch * 3, 40 + batch), targets = Reference.Random(batch * 2, 41 + batch);
        regressor.ComputeGradients(inputs, targets);
        Reference.CheckGradients(regressor.Parameters.Span, regressor.Gradients.ToArray(), () => regressor.ComputeLoss(inputs, targets), nameof(Regressor));

        var sigmoid = new SigmoidRegressor.Network<double>(seed: 2);
        double[] x = Reference.Random(batch * 4, 50 + batch), t = Reference.Random(batch * 3, 51 + batch).Select(Math.Abs).ToArray();
        sigmoid.ComputeGradients(x, t);
        Reference.CheckGradients(sigmoid.Parameters.Span, sigmoid.Gradients.ToArray(), () => sigmoid.ComputeLoss(x, t), nameof(SigmoidRegressor));
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void WideModelBackpropagatesCorrectly(int bits)
    {
        using var width = Widths.Force(bits);
        // 784-wide input crosses every GEMM tile path; check a stride of parameters across both layers.
        var net = new DigitClassifier.Network<double>(seed: 1);
        double[] inputs = Reference.Random(5 * 784, 77).Select(Math.Abs).ToArray();
        int[] labels = [3, 1, 4, 1, 5];
        net.ComputeGradients(inputs, labels);
        var indices = Enumerable.Range(0, DigitClassifier.ParameterCount).Where(i => i % 613 == 0 || i >= 200704);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(inputs, labels), nameof(DigitClassifier), indices);
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void FloatModelAgreesWithDoubleModel(int bits)
    {
        using var width = Widths.Force(bits);
        var single = new DigitClassifier(seed: 8);
        var dual = new DigitClassifier.Network<double>(seed: 8);
        double[] inputs = Reference.Random(4 * 784, 3).Select(Math.Abs).ToArray();
        int[] labels = [0, 9, 2, 7];
        float lossSingle = single.TrainStep(Reference.ToFloat(inputs), labels);
        double lossDouble = dual.TrainStep(inputs, labels);
        Assert.Equal(lossDouble, lossSingle, 4);
        Reference.Close(dual.Parameters.ToArray(), single.Parameters, 1e-4, 1e-6, "parameters after one step");
    }

    [Fact]
    public void XorReachesFullAccuracy()
    {
        var net = new XorNet();
        float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
        int[] labels = [0, 1, 1, 0];
        for (int step = 0; step < 300; step++)
            net.TrainStep(inputs, labels);
        Assert.Equal(1.0, Accuracy(net.Predict, inputs, labels, 2, 2));
    }

    /// <summary>Two interleaved spirals, one and a half turns each: the classic test of depth and nonlinearity.</summary>
    internal static (float[] Inputs, int[] Labels) TwoSpirals(int perClass)
    {
        var inputs = new float[2 * perClass * 2];
        var labels = new int[2 * perClass];
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < perClass; i++)
            {
                double t = 0.5 + 3 * Math.PI * i / perClass; // one and a half turns
                int sample = c * perClass + i;
                inputs[2 * sample] = (float)(t * Math.Cos(t + c * Math.PI) / 10);
                inputs[2 * sample + 1] = (float)(t * Math.Sin(t + c * Math.PI) / 10);
                labels[sample] = c;
            }
        return (inputs, labels);
    }

    [Fact]
    public void TwoSpiralsReachNinetyEightPercent()
    {
        (float[] inputs, int[] labels) = TwoSpirals(perClass: 200);
        var net = new SpiralNet();
        for (int step = 0; step < 1500; step++)
            net.TrainStep(inputs, labels);
        double accuracy = Accuracy(net.Predict, inputs, labels, 2, 2);
        Assert.True(accuracy >= 0.98, $"two spirals: training accuracy {accuracy:P1}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalRuns()
    {
        float[] inputs = Reference.ToFloat(Reference.Random(8 * 784, 12).Select(Math.Abs).ToArray());
        int[] labels = [1, 2, 3, 4, 5, 6, 7, 8];
        (float[] Losses, float[] Weights) Run(int seed)
        {
            var net = new DigitClassifier(seed);
            float[] losses = Enumerable.Range(0, 5).Select(_ => net.TrainStep(inputs, labels)).ToArray();
            return (losses, net.Parameters.ToArray());
        }
        var first = Run(42);
        var second = Run(42);
        Assert.Equal(first.Losses, second.Losses);
        Assert.True(first.Weights.AsSpan().SequenceEqual(second.Weights), "same seed, different weights");
        Assert.False(first.Weights.AsSpan().SequenceEqual(Run(43).Weights), "different seeds, same weights");
        Assert.True(new DigitClassifier().Parameters.SequenceEqual(new DigitClassifier(42).Parameters), "the declared seed is 42");
    }

    [Fact]
    public void InitializationFollowsTheActivation()
    {
        var net = new DigitClassifier(seed: 1);
        // He uniform for ReLU: limit √(6/784); Glorot uniform for the linear logits: √(6/(256+10)); biases zero.
        Assert.InRange(MaxAbs(net.Hidden.Weights), 0.9 * Math.Sqrt(6.0 / 784), Math.Sqrt(6.0 / 784));
        Assert.InRange(MaxAbs(net.Logits.Weights), 0.9 * Math.Sqrt(6.0 / 266), Math.Sqrt(6.0 / 266));
        Assert.True(net.Hidden.Bias.IndexOfAnyExcept(0f) < 0 && net.Logits.Bias.IndexOfAnyExcept(0f) < 0);
        Assert.Equal(784 * 256, net.Hidden.Weights.Length);
        Assert.Equal("DigitClassifier.Hidden: Dense [784 → 256], ReLU", net.Hidden.ToString());
        Assert.Equal(3, new Outer.Nested().Layer.Units);
    }

    [Fact]
    public void TrainStepAndPredictDoNotAllocateAfterWarmUp()
    {
        var net = new DigitClassifier();
        float[] inputs = Reference.ToFloat(Reference.Random(32 * 784, 4).Select(Math.Abs).ToArray());
        int[] labels = Enumerable.Range(0, 32).Select(i => i % 10).ToArray();
        float[] outputs = new float[32 * 10];
        // Warm-up covers buffer growth and tiered JIT's call counting (which allocates on this thread around call 30).
        for (int i = 0; i < 100; i++) { net.TrainStep(inputs, labels); net.Predict(inputs, outputs); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            net.TrainStep(inputs, labels);
            net.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10)); // a smaller batch reuses the buffers
            net.Predict(inputs, outputs);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        float max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    internal delegate void PredictFunction(ReadOnlySpan<float> inputs, Span<float> outputs);

    internal static double Accuracy(PredictFunction predict, float[] inputs, int[] labels, int inputSize, int classes)
    {
        float[] probabilities = new float[labels.Length * classes];
        predict(inputs, probabilities);
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(probabilities.AsSpan(i * classes, classes)) == labels[i])
                correct++;
        return (double)correct / labels.Length;
    }
}
