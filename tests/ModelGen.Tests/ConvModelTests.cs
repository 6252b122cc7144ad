namespace ModelGen.Tests;

/// <summary>
/// Generated convolutional models: reverse mode against finite differences in float64 at every vector width (through
/// Same/Valid/explicit padding, strides, dilation, non-square kernels, pointwise convolutions with a residual, feature-map
/// dropout, per-channel batch norm, max/mean/global pooling and the implicit flatten), the forward pass against an
/// oracle composed from the definitions, PyTorch's BatchNorm2d statistics, learning, and 0 B per step.
/// </summary>
public class ConvModelTests
{
    public static TheoryData<int, int> WidthsAndBatches() => Widths.Cross([2, 5]);

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void GradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);

        var small = new SmallConvNet.Network<double>(seed: 4);
        double[] x = Reference.Random(batch * SmallConvNet.InputSize, 60 + batch);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        small.ComputeGradients(x, labels);
        Assert.Contains(small.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(small.Parameters.Span, small.Gradients.ToArray(), () => small.ComputeTrainingLoss(x, labels), nameof(SmallConvNet));

        var dilated = new DilatedConvNet.Network<double>(seed: 4);
        double[] d = Reference.Random(batch * DilatedConvNet.InputSize, 70 + batch), targets = Reference.Random(batch * 2, 71 + batch);
        dilated.ComputeGradients(d, targets);
        Reference.CheckGradients(dilated.Parameters.Span, dilated.Gradients.ToArray(), () => dilated.ComputeTrainingLoss(d, targets), nameof(DilatedConvNet));
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 4, MemberType = typeof(Widths))]
    public void LocallyConnectedGradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new LocalNet.Network<double>(seed: 6);
        double[] x = Reference.Random(batch * LocalNet.InputSize, 85 + batch);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        net.ComputeGradients(x, labels);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(x, labels), nameof(LocalNet));
        Assert.Equal([30, 3, 27], LocalNet.Manifest.First(p => p.Name == "Local.weight").Shape.ToArray());
        Assert.Equal([3, 6, 5], LocalNet.Manifest.First(p => p.Name == "Local.bias").Shape.ToArray());
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 3, MemberType = typeof(Widths))]
    public void ManyChannelsAndBatchOneMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new WideChannelNet.Network<double>(seed: 5);
        double[] x = Reference.Random(batch * WideChannelNet.InputSize, 80 + batch);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 4).ToArray();
        net.ComputeGradients(x, labels);
        // Every bias and every twentieth weight: 6,000 parameters would take finite differences a while.
        int[] sample = Enumerable.Range(0, net.Parameters.Length).Where(i => i % 20 == 0 || i >= 18 * 20 * 9 && i < 18 * 20 * 9 + 20).ToArray();
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(x, labels), nameof(WideChannelNet), sample);
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 4, MemberType = typeof(Widths))]
    public void LeNetForwardMatchesTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new LeNetTest.Network<double>(seed: 9);
        double[] x = Reference.Random(batch * 784, 90 + batch).Select(Math.Abs).ToArray();
        double[] T(string name) => net.Parameter(name).ToArray();
        static double[] ReLU(double[] v) => v.Select(z => Math.Max(0, z)).ToArray();

        var conv1 = ConvReference.Shape(1, 28, 28, 6, 5, 5, 1, 1, same: false);
        var conv2 = ConvReference.Shape(6, 12, 12, 16, 5, 5, 1, 1, same: false);
        double[] c1 = ReLU(ConvReference.Forward(x, T("Conv1.weight"), T("Conv1.bias"), batch, conv1));
        double[] p1 = ConvReference.Pool(c1, new double[c1.Length / 4], batch, ConvReference.PoolShape(6, 24, 24, 2, 2, same: false), max: true).Output;
        double[] c2 = ReLU(ConvReference.Forward(p1, T("Conv2.weight"), T("Conv2.bias"), batch, conv2));
        double[] p2 = ConvReference.Pool(c2, new double[c2.Length / 4], batch, ConvReference.PoolShape(16, 8, 8, 2, 2, same: false), max: true).Output;
        double[] h1 = ReLU(Affine(p2, batch, T("Hidden1.weight"), T("Hidden1.bias")));
        double[] h2 = ReLU(Affine(h1, batch, T("Hidden2.weight"), T("Hidden2.bias")));
        double[] logits = Affine(h2, batch, T("Logits.weight"), T("Logits.bias"));

        var predicted = new double[batch * 10];
        net.Predict(x, predicted);
        for (int row = 0; row < batch; row++)
        {
            double[] z = logits.Skip(row * 10).Take(10).ToArray();
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            Reference.Close(z.Select(v => Math.Exp(v - max) / sum).ToArray(), predicted.AsSpan(row * 10, 10), 1e-9, 1e-12, $"LeNet Predict row {row}");
        }
        Assert.Equal([6, 1, 5, 5], LeNetTest.Manifest[0].Shape.ToArray());
        Assert.Equal(16 * 4 * 4, LeNetTest.Manifest.First(p => p.Name == "Hidden1.weight").Shape[0]);
    }

    [Fact]
    public void BatchNormOnFeatureMapsFollowsBatchNorm2d()
    {
        const int batch = 4;
        var net = new ChannelNormNet.Network<double>(seed: 3);
        double[] x = Reference.Random(batch * 18, 40, 2).Select((v, i) => v + i % 18 / 9) .ToArray(); // channel 1 shifted by 1
        net.TrainStep(x, Reference.Random(batch * 2, 41));
        for (int channel = 0; channel < 2; channel++)
        {
            double[] values = Enumerable.Range(0, batch).SelectMany(n => x.Skip(n * 18 + channel * 9).Take(9)).ToArray();
            double mean = values.Average(), unbiased = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
            Assert.Equal(0.25 * mean, net.Parameter("Norm.running_mean")[channel], 12);
            Assert.Equal(0.75 + 0.25 * unbiased, net.Parameter("Norm.running_var")[channel], 12);
        }
        Assert.Equal(2, net.Parameter("Norm.weight").Length);
    }

    [Fact]
    public void LeNetLearnsBarOrientationWithoutAllocating()
    {
        var net = new LeNetTest(seed: 2);
        const int batch = 32;
        float[] inputs = new float[batch * 784];
        int[] labels = new int[batch];
        var random = new Random(5);
        void Fill()
        {
            Array.Clear(inputs);
            for (int n = 0; n < batch; n++)
            {
                labels[n] = random.Next(2);
                int at = random.Next(4, 24), from = random.Next(0, 10);
                for (int t = from; t < from + 16; t++)
                    inputs[n * 784 + (labels[n] == 0 ? at * 28 + t : t * 28 + at)] = 1f; // 0: a horizontal bar, 1: a vertical one
            }
        }
        var outputs = new float[batch * 10];
        for (int step = 0; step < 60; step++)
        {
            Fill();
            net.TrainStep(inputs, labels);
        }
        Fill();
        net.Predict(inputs, outputs);
        int correct = Enumerable.Range(0, batch).Count(n => (outputs[n * 10 + 1] > outputs[n * 10] ? 1 : 0) == labels[n]);
        Assert.True(correct >= 30, $"{correct}/32 bars classified after 60 steps");

        // Warm-up: the training above, and the measured predictions themselves (the smaller batch's first use, tiered
        // JIT's call counting, which allocates on this thread around call 30); now no step allocates.
        for (int i = 0; i < 40; i++)
        {
            net.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10));
            net.Predict(inputs, outputs);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            net.TrainStep(inputs, labels);
            net.Predict(inputs.AsSpan(0, 784), outputs.AsSpan(0, 10));
            net.Predict(inputs, outputs);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static double[] Affine(double[] x, int batch, double[] weights, double[] bias)
    {
        int inputs = x.Length / batch, units = bias.Length;
        var y = new double[batch * units];
        for (int row = 0; row < batch; row++)
            for (int j = 0; j < units; j++)
            {
                double z = bias[j];
                for (int i = 0; i < inputs; i++)
                    z += x[row * inputs + i] * weights[i * units + j];
                y[row * units + j] = z;
            }
        return y;
    }
}
