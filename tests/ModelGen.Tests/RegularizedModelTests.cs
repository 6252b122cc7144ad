namespace ModelGen.Tests;

/// <summary>Generated models with dropout, weight decay, AdaGrad/RMSProp, binary cross-entropy and the newer activations.</summary>
public class RegularizedModelTests
{
    private static double[] Probabilities(int count, int seed) => Reference.Random(count, seed).Select(Math.Abs).ToArray();

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 5, 19, MemberType = typeof(Widths))]
    public void DropoutSoftplusSeluAndSoftmaxLayersBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new RegularizedZoo.Network<double>(seed: 4);
        double[] inputs = Reference.Random(batch * 6, 60 + batch, 2), targets = Probabilities(batch * 3, 61 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);
        // Dropout makes the training loss a different function from the inference loss; its masks are fixed per step.
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeTrainingLoss(inputs, targets), nameof(RegularizedZoo));
        Assert.NotEqual(net.ComputeLoss(inputs, targets), net.ComputeTrainingLoss(inputs, targets));
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 6, 17, MemberType = typeof(Widths))]
    public void EluAndHardTanhLayersBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new ExponentialZoo.Network<double>(seed: 3);
        // Inputs of spread 2 put some hard-tanh pre-activations past ±1 (zero gradient) and some ELU ones below 0.
        double[] inputs = Reference.Random(batch * 5, 80 + batch, 2), targets = Reference.Random(batch * 2, 81 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeLoss(inputs, targets), nameof(ExponentialZoo));
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 6, 17, MemberType = typeof(Widths))]
    public void HuberAndMeanAbsoluteErrorModelsBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var huber = new HuberRegressor.Network<double>(seed: 5);
        // Targets of spread 2 leave some errors under δ = 0.3 (quadratic) and most above it (linear).
        double[] inputs = Reference.Random(batch * 4, 90 + batch, 2), targets = Reference.Random(batch * 3, 91 + batch, 2);
        huber.ComputeGradients(inputs, targets);
        Reference.CheckGradients(huber.Parameters.Span, huber.Gradients.ToArray(), () => huber.ComputeLoss(inputs, targets), nameof(HuberRegressor));

        var absolute = new AbsoluteRegressor.Network<double>(seed: 6);
        double[] x = Reference.Random(batch * 3, 92 + batch, 2), t = Reference.Random(batch * 2, 93 + batch, 2);
        absolute.ComputeGradients(x, t);
        Reference.CheckGradients(absolute.Parameters.Span, absolute.Gradients.ToArray(), () => absolute.ComputeLoss(x, t), nameof(AbsoluteRegressor));
    }

    [Fact]
    public void HuberLossReachesItsTargetsWhereMseIsPulledByAnOutlier()
    {
        // y = 2x on 32 points, one target corrupted to 40: Huber fits the line, as a robust loss should.
        double[] x = Enumerable.Range(0, 32).Select(i => i / 16.0 - 1).ToArray();
        double[] y = x.Select(v => 2 * v).ToArray();
        y[5] = 40;
        var model = new HuberRegressor.Network<double>(seed: 2);
        double[] inputs = x.SelectMany(v => new[] { v, 0.0, 0.0, 0.0 }).ToArray(), targets = y.SelectMany(v => new[] { v, v, v }).ToArray();
        for (int step = 0; step < 600; step++)
            model.TrainStep(inputs, targets);
        double[] predicted = new double[32 * 3];
        model.Predict(inputs, predicted);
        double worstClean = Enumerable.Range(0, 32).Where(i => i != 5).Max(i => Math.Abs(predicted[i * 3] - 2 * x[i]));
        Assert.True(worstClean < 0.25, $"Huber fit is off the clean line by {worstClean}");
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 2, 3, 8, MemberType = typeof(Widths))]
    public void ActivationsThatReadTheirInputBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new GaussianZoo.Network<double>(seed: 4);
        // Spread 2 puts pre-activations on both sides of 0 (|z| flips the gradient's sign there, GELU dips below 0).
        double[] inputs = Reference.Random(batch * 50, 90 + batch, 2), targets = Reference.Random(batch * 2, 91 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeTrainingLoss(inputs, targets), nameof(GaussianZoo));
    }

    [Fact]
    public void EluDefaultsToHeAndHardTanhToGlorot()
    {
        Assert.Equal("HeUniform", ExponentialZoo.Manifest.Single(t => t.Name == "Smooth.weight").Initialization);
        Assert.Equal("GlorotUniform", ExponentialZoo.Manifest.Single(t => t.Name == "Clipped.weight").Initialization);
        Assert.Equal("HeTruncatedNormal", HuberRegressor.Manifest.Single(t => t.Name == "Hidden.weight").Initialization);
        float bound = 2 * MathF.Sqrt(2f / 4) / 0.8796f; // fan-in 4: nothing past two spreads
        Assert.All(new HuberRegressor().Parameter("Hidden.weight").ToArray(), w => Assert.InRange(w, -bound, bound));
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 7, MemberType = typeof(Widths))]
    public void BinaryCrossEntropyOnProbabilitiesBackpropagatesCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new ProbabilityTagger.Network<double>(seed: 2);
        double[] inputs = Reference.Random(batch * 4, 70 + batch, 2), targets = Probabilities(batch * 3, 71 + batch);
        net.ComputeGradients(inputs, targets);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(inputs, targets), nameof(ProbabilityTagger));
    }

    [Fact]
    public void DropoutMasksChangeEveryStepAndTrainStepReportsTheTrainingLoss()
    {
        var net = new RegularizedZoo.Network<double>(seed: 1);
        double[] inputs = Reference.Random(8 * 6, 3), targets = Probabilities(8 * 3, 4);
        double before = net.ComputeTrainingLoss(inputs, targets);
        Assert.Equal(before, net.ComputeTrainingLoss(inputs, targets)); // same step, same masks
        Assert.Equal(before, net.TrainStep(inputs, targets));
        double[] afterOne = net.Parameters.ToArray();
        // The next step's masks differ: re-running the new step's loss on the old parameters gives another value.
        var twin = new RegularizedZoo.Network<double>(seed: 1);
        twin.TrainStep(inputs, targets);
        afterOne.CopyTo(twin.Parameters.Span);
        Assert.Equal(net.ComputeTrainingLoss(inputs, targets), twin.ComputeTrainingLoss(inputs, targets));
        Assert.NotEqual(before, net.ComputeTrainingLoss(inputs, targets));
    }

    [Fact]
    public void WeightDecayAppliesToWeightsOnlyBeforeTheRmsPropStep()
    {
        var layers = new RegularizedZoo();
        var net = new RegularizedZoo.Network<double>(seed: 6);
        double[] inputs = Reference.Random(4 * 6, 8), targets = Probabilities(4 * 3, 9);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets); // same step (0), so the same dropout masks as the TrainStep below
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);

        bool[] isWeight = WeightMask([layers.Smooth, layers.SelfNormalizing, layers.Mixture, layers.Tags]);
        var expected = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            // Hyper-parameters are declared as floats: compare against their float values.
            double grad = g[i] + (isWeight[i] ? (double)1e-3f * p[i] : 0);
            double average = (1 - (double)0.9f) * grad * grad; // from zero
            expected[i] = p[i] - (double)1e-3f * grad / (Math.Sqrt(average) + (double)1e-8f);
        }
        Reference.Close(expected, net.Parameters.Span, 1e-9, 1e-12, "RMSProp step with weight decay");
    }

    [Fact]
    public void DecoupledDecayShrinksWeightsBeforeTheAdamStep()
    {
        var layers = new AdamWRegressor();
        var net = new AdamWRegressor.Network<double>(seed: 5);
        double[] inputs = Reference.Random(3 * 4, 17), targets = Reference.Random(3 * 2, 18);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);
        bool[] isWeight = WeightMask([layers.Hidden, layers.Output]);
        double rate = (double)1e-2f, lambda = (double)1e-2f, epsilon = (double)1e-8f;
        // Step 1 of Adam: m̂ = g, v̂ = g², so the step is lr·g/(|g| + ε); decay multiplies the weights first.
        var expected = p.Select((w, i) => (isWeight[i] ? w * (1 - rate * lambda) : w) - rate * g[i] / (Math.Abs(g[i]) + epsilon)).ToArray();
        Reference.Close(expected, net.Parameters.Span, 1e-9, 1e-12, "AdamW step");
    }

    [Fact]
    public void L1PenaltyAddsTheSignOfEachWeightBesideL2BeforeTheSgdStep()
    {
        var layers = new ElasticNetRegressor();
        var net = new ElasticNetRegressor.Network<double>(seed: 4);
        double[] inputs = Reference.Random(5 * 4, 21), targets = Reference.Random(5 * 2, 22);
        // A weight at exactly 0 feels no L1 pull (the subgradient there is 0), a negative one is pulled up.
        net.Parameters.Span[0] = 0;
        net.Parameters.Span[1] = -Math.Abs(net.Parameters.Span[1]);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);
        bool[] isWeight = WeightMask([layers.Hidden, layers.Output]);
        double rate = (double)0.1f, l1 = (double)1e-3f, l2 = (double)1e-4f;
        var expected = p.Select((w, i) => w - rate * (g[i] + (isWeight[i] ? l2 * w + l1 * Math.Sign(w) : 0))).ToArray();
        Reference.Close(expected, net.Parameters.Span, 1e-12, 1e-14, "elastic-net SGD step");
    }

    [Fact]
    public void EachTensorIsClippedToItsNormBeforeTheGlobalNormIsMeasured()
    {
        var layers = new TensorClippedRegressor();
        var net = new TensorClippedRegressor.Network<double>(seed: 5);
        double[] inputs = Reference.Random(6 * 4, 41, 3), targets = Reference.Random(6 * 2, 42, 3);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);
        // The tensors in manifest order: each layer's weights, then its biases.
        var tensors = new List<(int Start, int Length)>();
        int offset = 0;
        foreach (Dense layer in new[] { layers.Hidden, layers.Output })
            foreach (int length in new[] { layer.Inputs * layer.Units, layer.Units })
            {
                tensors.Add((offset, length));
                offset += length;
            }
        double tensorNorm = 1, globalNorm = 1.5, rate = (double)0.1f;
        double[] clipped = (double[])g.Clone();
        int clippedTensors = 0;
        foreach (var (start, length) in tensors)
        {
            double norm = Math.Sqrt(g.Skip(start).Take(length).Sum(x => x * x));
            double scale = Math.Min(1, tensorNorm / (norm + 1e-6));
            clippedTensors += scale < 1 ? 1 : 0;
            for (int i = start; i < start + length; i++)
                clipped[i] *= scale;
        }
        Assert.InRange(clippedTensors, 1, tensors.Count - 1); // the test needs tensors on both sides of the limit
        double total = Math.Sqrt(clipped.Sum(x => x * x));
        double global = Math.Min(1, globalNorm / (total + 1e-6));
        Assert.True(global < 1, "the test needs a global norm above its limit after per-tensor clipping");
        var expected = p.Select((w, i) => w - rate * global * clipped[i]).ToArray();
        Reference.Close(expected, net.Parameters.Span, 1e-12, 1e-14, "SGD step after per-tensor and global clipping");
    }

    [Fact]
    public void MaxNormProjectsEachUnitsIncomingWeightsAfterTheStep()
    {
        var net = new MaxNormRegressor.Network<double>(seed: 6);
        double[] inputs = Reference.Random(5 * 50, 43, 2), targets = Reference.Random(5 * 2, 44, 2);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);
        double rate = (double)0.1f, limit = (double)1.2f;
        double[] expected = p.Select((w, i) => w - rate * g[i]).ToArray();
        int inside = 0, outside = 0;
        foreach (ParameterInfo tensor in MaxNormRegressor.Manifest.Where(t => t.Role == ParameterRole.Weight))
        {
            // Units: the filters of the convolution (rows), the Dense units (columns of the stored [inputs × units]).
            int units = tensor.IsStoredTransposed ? tensor.Shape[1] : tensor.Shape[0], fanIn = tensor.Length / units;
            Func<int, int, int> at = tensor.IsStoredTransposed ? (u, k) => tensor.Offset + k * units + u : (u, k) => tensor.Offset + u * fanIn + k;
            for (int u = 0; u < units; u++)
            {
                double norm = Math.Sqrt(Enumerable.Range(0, fanIn).Sum(k => expected[at(u, k)] * expected[at(u, k)]));
                if (norm <= limit)
                {
                    inside++;
                    continue;
                }
                outside++;
                for (int k = 0; k < fanIn; k++)
                    expected[at(u, k)] *= limit / (norm + 1e-7);
            }
        }
        Assert.True(inside > 0 && outside > 0, $"the test needs units on both sides of the limit ({inside} inside, {outside} outside)");
        Reference.Close(expected, net.Parameters.Span, 1e-12, 1e-14, "SGD step, then the max-norm projection");
    }

    [Fact]
    public void ClippedDecayOfWeightsAndBiasesFeedsAdaGrad()
    {
        var net = new ProbabilityTagger.Network<double>(seed: 3);
        double[] inputs = Reference.Random(5 * 4, 10, 3), targets = Probabilities(5 * 3, 11);
        double[] p = net.Parameters.ToArray();
        net.ComputeGradients(inputs, targets);
        double[] g = net.Gradients.ToArray();
        net.TrainStep(inputs, targets);
        double norm = Math.Sqrt(g.Sum(x => x * x));
        double scale = norm > (double)0.05f ? (double)0.05f / (norm + 1e-6) : 1;
        Assert.True(scale < 1, "the test needs a gradient above the clipping threshold");
        var expected = p.Select((w, i) =>
        {
            double grad = scale * g[i] + (double)1e-4f * w; // decay is added after clipping, biases included
            return w - (double)0.05f * grad / (Math.Abs(grad) + (double)1e-10f);
        }).ToArray();
        Reference.Close(expected, net.Parameters.Span, 1e-9, 1e-12, "AdaGrad step with clipping and decay");
    }

    [Fact]
    public void LinearDecayScalesEachSgdStep()
    {
        var net = new DecayedRegressor.Network<double>(seed: 2);
        double[] inputs = Reference.Random(6 * 3, 14), targets = Reference.Random(6, 15);
        for (int k = 1; k <= 6; k++)
        {
            double[] before = net.Parameters.ToArray();
            net.ComputeGradients(inputs, targets);
            double[] g = net.Gradients.ToArray();
            net.TrainStep(inputs, targets);
            double alpha = Math.Min((k - 1) / 4.0, 1), rate = (1 - alpha) * (double)0.1f + alpha * (double)0.01f * (double)0.1f;
            Reference.Close(before.Select((p, i) => p - rate * g[i]).ToArray(), net.Parameters.Span, 1e-12, 1e-14, $"SGD step {k}");
        }
    }

    [Fact]
    public void MultiLabelModelWithDropoutLearnsQuadrants()
    {
        // Three independent labels per point: x > 0, y > 0, and x·y > 0 (XOR of the first two).
        var random = new ModelGen.Initialization.SeededRandom(5);
        const int n = 512;
        var inputs = new float[n * 2];
        var targets = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            float x = (float)(2 * random.NextDouble() - 1), y = (float)(2 * random.NextDouble() - 1);
            inputs[2 * i] = x; inputs[2 * i + 1] = y;
            targets[3 * i] = x > 0 ? 1 : 0; targets[3 * i + 1] = y > 0 ? 1 : 0; targets[3 * i + 2] = x * y > 0 ? 1 : 0;
        }
        var net = new QuadrantTagger();
        for (int epoch = 0; epoch < 60; epoch++)
            for (int start = 0; start < n; start += 64)
                net.TrainStep(inputs.AsSpan(start * 2, 128), targets.AsSpan(start * 3, 192));
        var predictions = new float[n * 3];
        net.Predict(inputs, predictions);
        double accuracy = predictions.Select((p, i) => (p > 0.5f ? 1f : 0f) == targets[i]).Count(ok => ok) / (double)predictions.Length;
        Assert.True(accuracy >= 0.97, $"multi-label accuracy {accuracy:P1}");
        Assert.All(predictions, p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void DeclaredBatchSizeAllocatesBuffersUpFront()
    {
        float[] inputs = Reference.ToFloat(Reference.Random(16 * 6, 12));
        float[] targets = Reference.ToFloat(Probabilities(16 * 3, 13));
        var warmUp = new RegularizedZoo(); // JIT-compiles every path first
        for (int i = 0; i < 100; i++) warmUp.TrainStep(inputs, targets);

        var net = new RegularizedZoo();
        var outputs = new float[16 * 3];
        long before = GC.GetAllocatedBytesForCurrentThread();
        net.TrainStep(inputs, targets);
        net.Predict(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // Without a declared size the first step of a larger batch grows the buffers (Regressor declares none).
        var warmRegressor = new Regressor();
        for (int i = 0; i < 100; i++) warmRegressor.TrainStep(new float[3], new float[2]);
        var regressor = new Regressor();
        before = GC.GetAllocatedBytesForCurrentThread();
        regressor.TrainStep(new float[3], new float[2]);
        Assert.NotEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BinaryTargetsOutsideZeroOneAreRejectedWithoutSideEffects()
    {
        var net = new ProbabilityTagger();
        float[] inputs = [1, 2, 3, 4];
        net.TrainStep(inputs, [0, 1, 0.5f]);
        float[] before = net.Parameters.ToArray();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(inputs, [0, 1.5f, 0]));
        Assert.Contains("ProbabilityTagger.TrainStep", error.Message);
        Assert.Contains("'Tags'", error.Message);
        Assert.Contains("[0, 1]", error.Message);
        Assert.Contains("sample 0, output 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => net.ComputeLoss(inputs, [-0.1f, 0, 0]));
        Assert.True(net.Parameters.SequenceEqual(before));
        Assert.Equal(1, net.Step);
    }

    [Fact]
    public void LayersStartFromTheirDeclaredInitializersAndBiases()
    {
        var net = new RegularizedZoo(seed: 2);
        Assert.All(net.Smooth.Bias.ToArray(), b => Assert.Equal(0.1f, b));
        Assert.All(net.SelfNormalizing.Bias.ToArray(), b => Assert.Equal(0f, b));
        // SELU defaults to LeCun normal, N(0, 1/fanIn) = N(0, 1/9). Glorot normal would give √(2/16) = 0.354 against
        // 1/3, 6% apart: 400 seeds × 63 weights pin the spread to ±2% (≈ 4 standard errors), and a normal's tail
        // (beyond 3σ in 25,200 draws) tells it from LeCun uniform, which stops at √3 σ.
        double[] draws = Enumerable.Range(1, 400).SelectMany(seed => new RegularizedZoo(seed).SelfNormalizing.Weights.ToArray().Select(w => (double)w)).ToArray();
        double std = Math.Sqrt(draws.Sum(w => w * w) / draws.Length);
        Assert.InRange(std, 0.98 / 3, 1.02 / 3);
        Assert.True(draws.Max(Math.Abs) > 3 * std, "SELU's default initializer should be normal, not uniform");
        Assert.Equal("RegularizedZoo.Mixture: Dense [7 → 5], Softmax", net.Mixture.ToString());
    }

    private static bool[] WeightMask(Dense[] layers)
    {
        var mask = new List<bool>();
        foreach (Dense layer in layers)
        {
            mask.AddRange(Enumerable.Repeat(true, layer.Inputs * layer.Units));
            mask.AddRange(Enumerable.Repeat(false, layer.Units));
        }
        return mask.ToArray();
    }
}

/// <summary>Generated models with batch normalization.</summary>
public class BatchNormModelTests
{
    [Theory]
    [MemberData(nameof(Widths.Each), 2, 9, MemberType = typeof(Widths))]
    public void BatchNormLayersBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new NormalizedNet.Network<double>(seed: 3);
        double[] inputs = Reference.Random(batch * 5, 80 + batch, 2);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        net.ComputeGradients(inputs, labels);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeTrainingLoss(inputs, labels), nameof(NormalizedNet));
    }

    [Fact]
    public void RunningStatisticsMoveOnlyInTrainStepAndServeInference()
    {
        var net = new NormalizedNet(seed: 1);
        float[] inputs = Reference.ToFloat(Reference.Random(16 * 5, 5, 3).Select(v => v + 2).ToArray());
        int[] labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        Assert.All(net.HiddenNorm.RunningMean.ToArray(), m => Assert.Equal(0f, m));
        Assert.All(net.HiddenNorm.RunningVariance.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.HiddenNorm.Gamma.ToArray(), g => Assert.Equal(1f, g));

        var outputs = new float[16 * 3];
        net.ComputeLoss(inputs, labels);
        net.Predict(inputs, outputs);
        Assert.All(net.HiddenNorm.RunningMean.ToArray(), m => Assert.Equal(0f, m)); // inference leaves them alone

        // One step moves the running mean by momentum 0.1 towards the batch mean of Hidden's output.
        float[] hidden = new float[16 * 12];
        for (int r = 0; r < 16; r++)
            for (int j = 0; j < 12; j++)
                for (int k = 0; k < 5; k++)
                    hidden[r * 12 + j] += inputs[r * 5 + k] * net.Hidden.Weights[k * 12 + j];
        net.TrainStep(inputs, labels);
        for (int j = 0; j < 12; j++)
            Assert.Equal(0.1 * Enumerable.Range(0, 16).Average(r => hidden[r * 12 + j]), net.HiddenNorm.RunningMean[j], 1e-4);

        // Inference is deterministic and independent of the batch: one sample alone gives the same outputs as in a batch.
        net.Predict(inputs, outputs);
        var single = new float[3];
        net.Predict(inputs.AsSpan(5, 5), single);
        Reference.Close(Array.ConvertAll(outputs[3..6], v => (double)v), single, 1e-5, 1e-6, "batch-independent inference");
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void FloatAndDoubleModelsAgreeWithDropoutAndBatchNorm(int bits)
    {
        using var width = Widths.Force(bits);
        var single = new NormalizedNet(seed: 4);
        var dual = new NormalizedNet.Network<double>(seed: 4);
        double[] inputs = Reference.Random(8 * 5, 16);
        int[] labels = [0, 1, 2, 0, 1, 2, 0, 1];
        for (int step = 0; step < 3; step++)
        {
            float lossSingle = single.TrainStep(Reference.ToFloat(inputs), labels);
            double lossDouble = dual.TrainStep(inputs, labels);
            Assert.Equal(lossDouble, lossSingle, 4);
        }
        Reference.Close(dual.Parameters.ToArray(), single.Parameters, 1e-3, 1e-5, "parameters after three steps");
    }

    [Fact]
    public void DropoutAndBatchNormStepsDoNotAllocateAfterWarmUp()
    {
        var net = new NormalizedNet();
        float[] inputs = Reference.ToFloat(Reference.Random(16 * 5, 6));
        int[] labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var outputs = new float[16 * 3];
        for (int i = 0; i < 100; i++) { net.TrainStep(inputs, labels); net.Predict(inputs, outputs); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) { net.TrainStep(inputs, labels); net.Predict(inputs, outputs); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainingBatchesOfOneAreRejected()
    {
        var net = new NormalizedNet();
        var error = Assert.Throws<ArgumentException>(() => net.TrainStep(new float[5], [0]));
        Assert.Contains("NormalizedNet.TrainStep", error.Message);
        Assert.Contains("'HiddenNorm'", error.Message);
        Assert.Contains("at least 2 samples", error.Message);
        Assert.Equal(0, net.Step);
        Assert.All(net.HiddenNorm.RunningMean.ToArray(), m => Assert.Equal(0f, m));
        var outputs = new float[3];
        net.Predict(new float[5], outputs); // inference on one sample is fine
        Assert.Equal(1f, outputs.Sum(), 5);
    }

    [Fact]
    public void NormalizedNetworkLearnsClusters()
    {
        const int perClass = 150;
        var inputs = new float[3 * perClass * 5];
        var labels = new int[3 * perClass];
        var random = new ModelGen.Initialization.SeededRandom(2);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < perClass; i++)
            {
                double angle = c * 2 * Math.PI / 3;
                int sample = c * perClass + i;
                double x = 1.5 * Math.Cos(angle) + 0.4 * random.NextGaussian(), y = 1.5 * Math.Sin(angle) + 0.4 * random.NextGaussian();
                float[] features = [(float)x, (float)y, (float)(x * y), (float)(x - y), (float)(random.NextDouble() - 0.5)];
                features.CopyTo(inputs, sample * 5);
                labels[sample] = c;
            }
        int[] order = Enumerable.Range(0, labels.Length).ToArray();
        var net = new NormalizedNet();
        var batchInputs = new float[32 * 5];
        var batchLabels = new int[32];
        for (int epoch = 0; epoch < 40; epoch++)
        {
            for (int i = order.Length - 1; i > 0; i--) { int j = (int)(random.NextDouble() * (i + 1)); (order[i], order[j]) = (order[j], order[i]); }
            for (int start = 0; start + 32 <= order.Length; start += 32)
            {
                for (int b = 0; b < 32; b++)
                {
                    inputs.AsSpan(order[start + b] * 5, 5).CopyTo(batchInputs.AsSpan(b * 5));
                    batchLabels[b] = labels[order[start + b]];
                }
                net.TrainStep(batchInputs, batchLabels);
            }
        }
        var probabilities = new float[labels.Length * 3];
        net.Predict(inputs, probabilities);
        int correct = Enumerable.Range(0, labels.Length).Count(i => System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(probabilities.AsSpan(i * 3, 3)) == labels[i]);
        double accuracy = (double)correct / labels.Length;
        Assert.True(accuracy >= 0.95, $"three clusters with batch norm: {accuracy:P1}");
    }
}
