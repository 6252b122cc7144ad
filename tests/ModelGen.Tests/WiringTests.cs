using Xunit.Abstractions;

namespace ModelGen.Tests;

/// <summary>
/// Graph wiring: residual connections (with and without projection), highway layers, branches, concatenation. Reverse
/// mode is checked against finite differences in float64 at every vector width (a tensor that fans out must collect
/// every consumer's gradient), and the forward pass against an oracle written from the math with the tensors read by
/// their manifest names.
/// </summary>
public class WiringTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> WidthsAndBatches() => Widths.Cross([2, 5, 17]);

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void GradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);

        var residual = new ResidualNet.Network<double>(seed: 4);
        double[] x = Reference.Random(batch * 5, 60 + batch);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        residual.ComputeGradients(x, labels);
        Assert.Contains(residual.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(residual.Parameters.Span, residual.Gradients.ToArray(), () => residual.ComputeTrainingLoss(x, labels), nameof(ResidualNet));

        var highway = new HighwayNet.Network<double>(seed: 4);
        double[] h = Reference.Random(batch * 4, 70 + batch), targets = Reference.Random(batch * 2, 71 + batch);
        highway.ComputeGradients(h, targets);
        Reference.CheckGradients(highway.Parameters.Span, highway.Gradients.ToArray(), () => highway.ComputeLoss(h, targets), nameof(HighwayNet));

        var branches = new BranchNet.Network<double>(seed: 4);
        double[] b = Reference.Random(batch * 6, 80 + batch), probabilities = Reference.Random(batch * 3, 81 + batch).Select(Math.Abs).ToArray();
        branches.ComputeGradients(b, probabilities);
        Reference.CheckGradients(branches.Parameters.Span, branches.Gradients.ToArray(), () => branches.ComputeTrainingLoss(b, probabilities), nameof(BranchNet));
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void ResidualForwardMatchesTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new ResidualNet.Network<double>(seed: 9);
        double[] x = Reference.Random(batch * 5, 90 + batch, 1.5);
        int[] labels = Enumerable.Range(0, batch).Select(i => (2 * i) % 3).ToArray();
        for (int step = 0; step < 3; step++)
            net.TrainStep(x, labels);
        double[] T(string name) => net.Parameter(name).ToArray();

        double[] trunk = Map(Affine(x, batch, T("Trunk.weight"), T("Trunk.bias")), Math.Tanh);
        double[] block1 = Add(Map(Affine(trunk, batch, T("Block1.weight"), T("Block1.bias")), Math.Tanh), trunk);
        double[] block2 = Add(Map(Affine(block1, batch, T("Block2.weight"), T("Block2.bias")), z => Math.Max(0, z)), block1);
        double[] narrow = Add(Map(Affine(block2, batch, T("Narrow.weight"), T("Narrow.bias")), Sigmoid), Affine(trunk, batch, T("Narrow.projection.weight"), null));
        double[] logits = Affine(narrow, batch, T("Logits.weight"), T("Logits.bias"));

        double[] expected = Softmax(logits, batch);
        var predicted = new double[expected.Length];
        net.Predict(x, predicted);
        Reference.Close(expected, predicted, 1e-9, 1e-12, $"ResidualNet Predict (batch {batch})");
        double loss = -labels.Select((label, row) => Math.Log(expected[row * 3 + label])).Average();
        Assert.Equal(loss, net.ComputeLoss(x, labels), 9);
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void HighwayForwardMatchesTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new HighwayNet.Network<double>(seed: 9);
        double[] x = Reference.Random(batch * 4, 100 + batch, 1.5), targets = Reference.Random(batch * 2, 101 + batch);
        for (int step = 0; step < 3; step++)
            net.TrainStep(x, targets);
        double[] T(string name) => net.Parameter(name).ToArray();

        double[] Highway(double[] input, string layer, Func<double, double> f)
        {
            double[] transform = Map(Affine(input, batch, T(layer + ".weight"), T(layer + ".bias")), f);
            double[] gate = Map(Affine(input, batch, T(layer + ".gate.weight"), T(layer + ".gate.bias")), Sigmoid);
            return transform.Select((hi, i) => gate[i] * hi + (1 - gate[i]) * input[i]).ToArray();
        }
        double[] embed = Map(Affine(x, batch, T("Embed.weight"), T("Embed.bias")), Math.Tanh);
        double[] gated = Highway(Highway(embed, "Gate1", z => Math.Max(0, z)), "Gate2", Math.Tanh);
        double[] expected = Affine(gated, batch, T("Output.weight"), T("Output.bias"));

        var predicted = new double[expected.Length];
        net.Predict(x, predicted);
        Reference.Close(expected, predicted, 1e-9, 1e-12, $"HighwayNet Predict (batch {batch})");
        Assert.Equal(expected.Select((o, i) => (o - targets[i]) * (o - targets[i])).Average(), net.ComputeLoss(x, targets), 9);
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void BranchesAndConcatenationMatchTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new BranchNet.Network<double>(seed: 9);
        double[] x = Reference.Random(batch * 6, 110 + batch, 1.5), targets = Reference.Random(batch * 3, 111 + batch).Select(Math.Abs).ToArray();
        for (int step = 0; step < 3; step++)
            net.TrainStep(x, targets); // moves the running statistics the inference pass reads
        double[] T(string name) => net.Parameter(name).ToArray();

        double[] trunk = Map(Affine(x, batch, T("Trunk.weight"), T("Trunk.bias")), z => z > 0 ? z : 0.01 * z);
        double[] gamma = T("Left.weight"), beta = T("Left.bias"), mean = T("Left.running_mean"), variance = T("Left.running_var");
        Assert.Contains(mean, m => m != 0);
        double[] left = trunk.Select((v, i) => Sigmoid(gamma[i % 7] * (v - mean[i % 7]) / Math.Sqrt(variance[i % 7] + 1e-5) + beta[i % 7])).ToArray();
        double[] right = Map(Affine(trunk, batch, T("Right.weight"), T("Right.bias")), Math.Tanh);
        double[] joined = new double[batch * 17];
        for (int row = 0; row < batch; row++)
        {
            Array.Copy(left, row * 7, joined, row * 17, 7);
            Array.Copy(right, row * 4, joined, row * 17 + 7, 4);
            Array.Copy(x, row * 6, joined, row * 17 + 11, 6);
        }
        double[] logits = Affine(joined, batch, T("Output.weight"), T("Output.bias"));

        var predicted = new double[logits.Length];
        net.Predict(x, predicted);
        Reference.Close(logits.Select(Sigmoid).ToArray(), predicted, 1e-9, 1e-12, $"BranchNet Predict (batch {batch})");
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void HeadsTrainTogether(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new ThreeHeadNet.Network<double>(seed: 6);
        double[] x = Reference.Random(batch * 4, 120 + batch, 1.5);
        int[] kinds = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        double[] flags = Reference.Random(batch * 2, 121 + batch).Select(Math.Abs).ToArray();
        double[] sizes = Reference.Random(batch * 2, 122 + batch);
        net.ComputeGradients(x, kinds, flags, sizes);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(x, kinds, flags, sizes), nameof(ThreeHeadNet));

        for (int step = 0; step < 3; step++)
            net.TrainStep(x, kinds, flags, sizes);
        double[] T(string name) => net.Parameter(name).ToArray();
        double[] trunk = Map(Affine(x, batch, T("Trunk.weight"), T("Trunk.bias")), Math.Tanh);
        double[] kind = Softmax(Affine(trunk, batch, T("Kind.weight"), T("Kind.bias")), batch);
        double[] flag = Map(Affine(trunk, batch, T("Flags.weight"), T("Flags.bias")), Sigmoid);
        double[] refine = Map(Affine(flag, batch, T("Refine.weight"), T("Refine.bias")), Math.Tanh);
        double[] joined = new double[batch * 15];
        for (int row = 0; row < batch; row++)
        {
            Array.Copy(refine, row * 5, joined, row * 15, 5);
            Array.Copy(trunk, row * 10, joined, row * 15 + 5, 10);
        }
        double[] size = Affine(joined, batch, T("Size.weight"), T("Size.bias"));

        double[] kindOut = new double[batch * 3], flagOut = new double[batch * 2], sizeOut = new double[batch * 2];
        net.Predict(x, kindOut, flagOut, sizeOut);
        Reference.Close(kind, kindOut, 1e-9, 1e-12, "Kind head");
        Reference.Close(flag, flagOut, 1e-9, 1e-12, "Flags head");
        Reference.Close(size, sizeOut, 1e-9, 1e-12, "Size head");
        double crossEntropy = -kinds.Select((k, row) => Math.Log(kind[row * 3 + k])).Average();
        double binary = flag.Select((p, i) => -(flags[i] * Math.Log(p) + (1 - flags[i]) * Math.Log(1 - p))).Average();
        double squared = size.Select((o, i) => (o - sizes[i]) * (o - sizes[i])).Average();
        Assert.Equal(crossEntropy + 2 * binary + 0.5 * squared, net.ComputeLoss(x, kinds, flags, sizes), 9);
    }

    [Fact]
    public void EachHeadValidatesItsOwnTargetsAndOutputs()
    {
        var net = new ThreeHeadNet();
        Assert.Equal(3, ThreeHeadNet.KindOutputSize);
        Assert.Equal(2, ThreeHeadNet.SizeOutputSize);
        float[] x = new float[2 * 4];
        var error = Assert.ThrowsAny<ArgumentException>(() => net.TrainStep(x, [0, 1], [0.5f, 2f, 0, 1], [0, 0, 0, 0]));
        Assert.Contains("Flags", error.Message);
        error = Assert.ThrowsAny<ArgumentException>(() => net.Predict(x, new float[6], new float[4], new float[3]));
        Assert.Contains("Size", error.Message);
        Assert.Equal(0, net.Step);
    }

    [Fact]
    public void ManifestNamesEveryTensorWithItsShapeAndPlace()
    {
        Assert.Equal(
            ["Trunk.weight", "Trunk.bias", "Block1.weight", "Block1.bias", "Block2.weight", "Block2.bias", "Narrow.weight", "Narrow.bias",
             "Narrow.projection.weight", "Logits.weight", "Logits.bias"],
            ResidualNet.Manifest.Select(t => t.Name));
        Assert.Equal([8, 6], ResidualNet.Manifest.Single(t => t.Name == "Narrow.projection.weight").Shape.ToArray());
        Assert.Equal(
            ["Trunk.weight", "Trunk.bias", "Left.weight", "Left.bias", "Left.running_mean", "Left.running_var", "Right.weight", "Right.bias",
             "Output.weight", "Output.bias"],
            BranchNet.Manifest.Select(t => t.Name));
        foreach (var manifest in new[] { ResidualNet.Manifest, HighwayNet.Manifest, BranchNet.Manifest, NormalizedNet.Manifest })
            foreach (bool trainable in new[] { true, false })
            {
                int offset = 0;
                foreach (ParameterInfo tensor in manifest.Where(t => t.IsTrainable == trainable))
                {
                    Assert.Equal(offset, tensor.Offset); // contiguous, in declaration order
                    offset += tensor.Length;
                }
            }
        Assert.Equal(ResidualNet.ParameterCount, ResidualNet.Manifest.Sum(t => t.Length));
        Assert.Equal(14, BranchNet.StateCount);
        Assert.All(BranchNet.Manifest.Where(t => t.Name.StartsWith("Left.running", StringComparison.Ordinal)), t => Assert.False(t.IsTrainable));
        Assert.True(ResidualNet.Manifest.Single(t => t.Name == "Trunk.weight").IsDecayed);
        Assert.False(ResidualNet.Manifest.Single(t => t.Name == "Trunk.bias").IsDecayed);

        var net = new ResidualNet();
        Assert.True(net.Parameter("Trunk.weight") == net.Trunk.Weights, "a manifest view aliases the layer's weights");
        net.Parameter("Logits.bias")[1] = 0.25f;
        Assert.Equal(0.25f, net.Logits.Bias[1]);
        var error = Assert.Throws<ArgumentException>(() => net.Parameter("Trunk.weights"));
        Assert.Contains("ResidualNet", error.Message);
        Assert.Contains("Trunk.weight,", error.Message);

        // The debugger's view of a model lists its tensors by manifest name.
        var proxy = (System.Diagnostics.DebuggerTypeProxyAttribute)Attribute.GetCustomAttribute(typeof(ResidualNet), typeof(System.Diagnostics.DebuggerTypeProxyAttribute))!;
        object view = Activator.CreateInstance(typeof(ResidualNet).Assembly.GetType(proxy.ProxyTypeName.Split(',')[0])!, net)!;
        var tensors = (TensorView[])view.GetType().GetProperty("Tensors")!.GetValue(view)!;
        Assert.Equal(ResidualNet.Manifest.Select(t => t.Name), tensors.Select(t => t.Name));
        Assert.Equal(0.25f, tensors.Single(t => t.Name == "Logits.bias").Values[1]);

        var highway = new HighwayNet();
        Assert.All(highway.Parameter("Gate1.gate.bias").ToArray(), b => Assert.Equal(-2f, b));
        Assert.All(highway.Gate2.GateBias.ToArray(), b => Assert.Equal(-1f, b));
        Assert.All(highway.Parameter("Gate1.bias").ToArray(), b => Assert.Equal(0f, b));
    }

    /// <summary>
    /// The seeds' point about depth: with the same 20 tanh layers, budget and seed, residual paths let two spirals be
    /// fitted; the plain stack's figure is reported, not asserted (it is the point of comparison).
    /// </summary>
    [Fact]
    public void TwentyLayerResidualStackFitsTwoSpirals()
    {
        (float[] inputs, int[] labels) = GeneratedModelTests.TwoSpirals(perClass: 200);
        const int steps = 300;
        var residual = new DeepResidualSpiral();
        var plain = new DeepPlainSpiral();
        for (int step = 0; step < steps; step++)
        {
            residual.TrainStep(inputs, labels);
            plain.TrainStep(inputs, labels);
        }
        double residualAccuracy = GeneratedModelTests.Accuracy(residual.Predict, inputs, labels, 2, 2);
        double plainAccuracy = GeneratedModelTests.Accuracy(plain.Predict, inputs, labels, 2, 2);
        output.WriteLine($"two spirals, 20 tanh layers × 24, {steps} full-batch SGD steps (momentum 0.9): residual {residualAccuracy:P1}, plain {plainAccuracy:P1}");
        Assert.True(residualAccuracy >= 0.98, $"20-layer residual tanh MLP: training accuracy {residualAccuracy:P1} (plain stack: {plainAccuracy:P1})");
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double[] Map(double[] values, Func<double, double> f) => values.Select(f).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>x · W (+ b), W row-major [inputs × units] as the manifest documents.</summary>
    private static double[] Affine(double[] x, int batch, double[] weights, double[]? bias)
    {
        int inputs = x.Length / batch, units = weights.Length / inputs;
        var y = new double[batch * units];
        for (int row = 0; row < batch; row++)
            for (int j = 0; j < units; j++)
            {
                double z = bias?[j] ?? 0;
                for (int i = 0; i < inputs; i++)
                    z += x[row * inputs + i] * weights[i * units + j];
                y[row * units + j] = z;
            }
        return y;
    }

    private static double[] Softmax(double[] logits, int batch)
    {
        int width = logits.Length / batch;
        var p = new double[logits.Length];
        for (int row = 0; row < batch; row++)
        {
            double max = Enumerable.Range(0, width).Max(j => logits[row * width + j]);
            double sum = Enumerable.Range(0, width).Sum(j => Math.Exp(logits[row * width + j] - max));
            for (int j = 0; j < width; j++)
                p[row * width + j] = Math.Exp(logits[row * width + j] - max) / sum;
        }
        return p;
    }
}
