using ModelGen.Ops;
using ModelGen.Optimizers;

namespace ModelGen.Tests;

/// <summary>Each runtime op, forward against a float64 scalar reference and backward against finite differences, over SIMD tail lengths.</summary>
public class OpTests
{
    /// <summary>Every length 0…257 (all tails of every width) at every vector width.</summary>
    public static TheoryData<int, int> WidthsAndLengths() => Widths.Cross(Enumerable.Range(0, 258));

    /// <summary>Each activation: name, float64 reference, forward, backward (from what it keeps), float forward, and whether it keeps its input.</summary>
    private static readonly (string Name, Func<double, double> F, Action<double[]> Forward, Action<double[], double[], double[]> Backward, Action<float[]> ForwardFloat, bool ReadsInput)[] Activations =
    [
        ("ReLU", x => Math.Max(0, x), v => Activation<ReLU>.Forward<double>(v, 0), (y, dy, dx) => Activation<ReLU>.Backward<double>(y, dy, dx, 0), v => Activation<ReLU>.Forward<float>(v, 0), false),
        ("LeakyReLU", x => x > 0 ? x : 0.1 * x, v => Activation<LeakyReLU>.Forward<double>(v, 0.1), (y, dy, dx) => Activation<LeakyReLU>.Backward<double>(y, dy, dx, 0.1), v => Activation<LeakyReLU>.Forward<float>(v, 0.1f), false),
        ("Sigmoid", x => 1 / (1 + Math.Exp(-x)), v => Activation<Sigmoid>.Forward<double>(v, 0), (y, dy, dx) => Activation<Sigmoid>.Backward<double>(y, dy, dx, 0), v => Activation<Sigmoid>.Forward<float>(v, 0), false),
        ("Tanh", Math.Tanh, v => Activation<Tanh>.Forward<double>(v, 0), (y, dy, dx) => Activation<Tanh>.Backward<double>(y, dy, dx, 0), v => Activation<Tanh>.Forward<float>(v, 0), false),
        ("Softplus", x => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))), v => Activation<Softplus>.Forward<double>(v, 0), (y, dy, dx) => Activation<Softplus>.Backward<double>(y, dy, dx, 0), v => Activation<Softplus>.Forward<float>(v, 0), false),
        ("SELU", x => SELU.Scale * (x > 0 ? x : SELU.Alpha * (Math.Exp(x) - 1)), v => Activation<SELU>.Forward<double>(v, 0), (y, dy, dx) => Activation<SELU>.Backward<double>(y, dy, dx, 0), v => Activation<SELU>.Forward<float>(v, 0), false),
        ("ELU", x => x > 0 ? x : Math.Exp(x) - 1, v => Activation<ELU>.Forward<double>(v, 0), (y, dy, dx) => Activation<ELU>.Backward<double>(y, dy, dx, 0), v => Activation<ELU>.Forward<float>(v, 0), false),
        ("HardTanh", x => Math.Clamp(x, -1, 1), v => Activation<HardTanh>.Forward<double>(v, 0), (y, dy, dx) => Activation<HardTanh>.Backward<double>(y, dy, dx, 0), v => Activation<HardTanh>.Forward<float>(v, 0), false),
        ("GELU", x => x * Gaussian.Cdf(x), v => Activation<GELU>.Forward<double>(v, 0), (z, dy, dx) => Activation<GELU>.Backward<double>(z, dy, dx, 0), v => Activation<GELU>.Forward<float>(v, 0), true),
        ("GELUTanh", x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))), v => Activation<GELUTanh>.Forward<double>(v, 0),
            (z, dy, dx) => Activation<GELUTanh>.Backward<double>(z, dy, dx, 0), v => Activation<GELUTanh>.Forward<float>(v, 0), true),
        ("AbsoluteValue", Math.Abs, v => Activation<AbsoluteValue>.Forward<double>(v, 0), (z, dy, dx) => Activation<AbsoluteValue>.Backward<double>(z, dy, dx, 0), v => Activation<AbsoluteValue>.Forward<float>(v, 0), true),
    ];

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void ActivationsMatchReferenceAndFiniteDifferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        foreach (var (name, f, forward, backward, forwardFloat, readsInput) in Activations)
        {
            // Keep inputs away from the kinks (ReLU's at 0, hard tanh's at ±1) so central differences are exact there.
            double[] z = Reference.Random(length, 17 + length, 3).Select(v => Math.Abs(v) < 1e-3 || Math.Abs(Math.Abs(v) - 1) < 1e-3 ? v + 0.01 : v).ToArray();
            double[] y = (double[])z.Clone();
            forward(y);
            Reference.Close(z.Select(f).ToArray(), y, 1e-14, 1e-15, $"{name} forward, length {length}");

            float[] yFloat = Reference.ToFloat(z);
            forwardFloat(yFloat);
            Reference.Close(z.Select(f).ToArray(), yFloat, 2e-6, 2e-7, $"{name} float forward, length {length}");

            double[] dy = Reference.Random(length, 99 + length);
            double[] dx = new double[length];
            double[] kept = readsInput ? z : y;
            backward(kept, dy, dx);
            double[] numeric = z.Select((value, i) => dy[i] * (f(value + 1e-6) - f(value - 1e-6)) / 2e-6).ToArray();
            Reference.Close(numeric, dx, 1e-7, 1e-9, $"{name} backward, length {length}");

            backward(kept, dy, dy); // in place, as the fused program runs it
            Reference.Close(dx, dy, 0, 0, $"{name} in-place backward, length {length}");
        }
    }

    [Fact]
    public void ActivationsSayWhichValueTheirDerivativeReads()
    {
        Assert.False(ReadsInput<ReLU>());
        Assert.False(ReadsInput<ELU>());
        Assert.True(ReadsInput<GELU>());
        Assert.True(ReadsInput<GELUTanh>());
        Assert.True(ReadsInput<AbsoluteValue>());
    }

    private static bool ReadsInput<TActivation>() where TActivation : IActivation => TActivation.DerivativeReadsInput;

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void ErfcKeepsItsRelativePrecisionIntoTheTail(int bits)
    {
        using var width = Widths.Force(bits);
        // z from 0 to 26 (erfc ≈ 6e-296, near double's floor) in steps that miss the grid of the fit.
        double[] z = Enumerable.Range(0, 2601).Select(i => i * 0.01 + 0.0003).ToArray();
        foreach (double value in z)
        {
            double expected = Gaussian.Erfc(value), actual = Erfc.Of(value);
            // e^(−z²) turns z²'s rounding (½ ulp of z²) into a relative error of z²·2⁻⁵³ in both; beyond that, 4e-15.
            Assert.True(Math.Abs(actual - expected) <= (4e-15 + 4.5e-16 * value * value) * expected, $"erfc({value:R}) = {actual:R}, expected {expected:R}");
            Assert.True(Math.Abs(Erfc.Of(-value) - (2 - expected)) <= 4e-15, $"erfc({-value:R})");
        }
        // GELU's Φ in its far negative tail keeps its relative precision in float too (the textbook ½(1 + erf) gives 0).
        float[] tail = [-5f, -8f, -10f, -12f]; // GELU(−12) ≈ −2e-32, still a normal float
        float[] gelu = (float[])tail.Clone();
        Activation<GELU>.Forward<float>(gelu, 0);
        for (int i = 0; i < tail.Length; i++)
        {
            double expected = tail[i] * Gaussian.Cdf(tail[i]);
            // Relative, as near 0: float's rounding of z²/2 inside e^(−z²/2) is the only loss (≈ 1.2e-7·z²).
            Assert.True(Math.Abs(gelu[i] - expected) <= (1e-6 + 1.2e-7 * tail[i] * tail[i]) * Math.Abs(expected), $"GELU({tail[i]}) = {gelu[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void GaussianActivationsStayFiniteAtExtremeInputs(int bits)
    {
        using var width = Widths.Force(bits);
        float[] z = [-1e30f, -1e13f, -40f, -10.5f, 0f, 10.5f, 40f, 1e13f, 1e30f, 3f, 3f, 3f, 3f, 3f, 3f, 3f, 3f];
        float[] ones = Enumerable.Repeat(1f, z.Length).ToArray();
        foreach (var (name, forward, backward) in new (string, Action<float[]>, Action<float[], float[], float[]>)[]
        {
            ("GELU", v => Activation<GELU>.Forward<float>(v, 0), (k, dy, dx) => Activation<GELU>.Backward<float>(k, dy, dx, 0)),
            ("GELUTanh", v => Activation<GELUTanh>.Forward<float>(v, 0), (k, dy, dx) => Activation<GELUTanh>.Backward<float>(k, dy, dx, 0)),
        })
        {
            float[] y = (float[])z.Clone(), dz = new float[z.Length];
            forward(y);
            backward(z, ones, dz);
            for (int i = 0; i < z.Length; i++)
            {
                Assert.True(float.IsFinite(y[i]) && float.IsFinite(dz[i]), $"{name} at {z[i]}: y = {y[i]}, f′ = {dz[i]}");
                if (Math.Abs(z[i]) >= 10)
                {
                    // z itself above, a tiny negative value below (GELU(−10.5) = −4.5e-25, exact to float).
                    Assert.True(z[i] > 0 ? y[i] == z[i] : y[i] <= 0 && y[i] > -1e-20f, $"{name}({z[i]}) = {y[i]}");
                    Assert.True(Math.Abs(dz[i] - (z[i] > 0 ? 1f : 0f)) < 1e-20f, $"{name}′({z[i]}) = {dz[i]}");
                }
            }
        }
        float[] atZero = [0f], gradient = new float[1];
        Activation<AbsoluteValue>.Backward<float>(atZero, [1f], gradient, 0);
        Assert.Equal(0f, gradient[0]); // sign 0 at 0, as PyTorch's abs backward
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

    /// <summary>
    /// The float softmax's exponentials (cross-entropy rows, probabilities): each within 2 ulp of e^(z − max), 0 where
    /// z − max &lt; −87, and their sum — at every width and every tail, logits spread over 100 below the maximum.
    /// </summary>
    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void ShiftedExponentialsMatchExpAndTheirSum(int bits, int length)
    {
        using var width = Widths.Force(bits);
        var random = new Random(length * 7 + bits);
        var z = new float[length];
        for (int i = 0; i < length; i++)
            z[i] = (float)(random.NextDouble() * 100 - 95);
        float max = length == 0 ? 0f : z.Max();
        var e = new float[length];
        float sum = SoftmaxCrossEntropyOp.ShiftedExponentials<float>(z, max, e);
        double expectedSum = 0;
        for (int i = 0; i < length; i++)
        {
            float x = z[i] - max;
            if (x < -87f)
                Assert.Equal(0f, e[i]);
            else
                Assert.True(Math.Abs(e[i] - Math.Exp(x)) <= 2.4e-7 * Math.Exp(x), $"e^{x} = {Math.Exp(x)}, got {e[i]} ({bits} bits, length {length}, element {i})");
            expectedSum += e[i];
        }
        Assert.True(Math.Abs(sum - expectedSum) <= 1e-6 * Math.Max(1, expectedSum), $"sum {sum}, expected {expectedSum} ({bits} bits, length {length})");
    }

    /// <summary>e^x on a grid of 1/64 over [−87, 0] within 2 ulp at every width; e^0 exactly 1; 0 below −87 and at −∞; NaN kept.</summary>
    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void ShiftedExponentialsHoldTheirRangeAndSpecialValues(int bits)
    {
        using var width = Widths.Force(bits);
        float[] x = Enumerable.Range(0, 87 * 64 + 1).Select(i => -i / 64f).ToArray();
        var e = new float[x.Length];
        SoftmaxCrossEntropyOp.ShiftedExponentials<float>(x, 0f, e);
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(e[i] - Math.Exp(x[i])) <= 2.4e-7 * Math.Exp(x[i]), $"e^{x[i]} = {Math.Exp(x[i])}, got {e[i]} ({bits} bits)");
        Assert.Equal(1f, e[0]);
        float[] special = [-87.01f, -100f, float.NegativeInfinity, float.NaN, 0f, -1f, -2f, -3f, -4f, -5f, -6f, -7f, -8f, -9f, -10f, -11f, -12f];
        var result = new float[special.Length];
        float sum = SoftmaxCrossEntropyOp.ShiftedExponentials<float>(special, 0f, result);
        Assert.Equal([0f, 0f, 0f], result[..3]);
        Assert.True(float.IsNaN(result[3]) && float.IsNaN(sum), $"e^NaN gave {result[3]}, sum {sum} ({bits} bits)");
        Assert.Equal(1f, result[4]);
    }

    /// <summary>Float softmax cross-entropy (plain, smoothed, class-weighted) against the same logits in float64, at every width and across vector tails.</summary>
    [Theory]
    [MemberData(nameof(FloatCrossEntropyCases))]
    public void FloatSoftmaxCrossEntropyMatchesFloat64(int bits, int classes)
    {
        using var width = Widths.Force(bits);
        const int Batch = 3;
        double[] logits = Reference.Random(Batch * classes, classes, 6);
        float[] floatLogits = logits.Select(v => (float)v).ToArray();
        double[] exact = floatLogits.Select(v => (double)v).ToArray();
        int[] labels = Enumerable.Range(0, Batch).Select(i => (i * 5 + 1) % classes).ToArray();
        double[] weights = Enumerable.Range(0, classes).Select(c => 0.5 + c % 3).ToArray();
        float[] floatWeights = weights.Select(v => (float)v).ToArray();
        foreach (double smoothing in new[] { 0.0, 0.1 })
            foreach (bool weighted in new[] { false, true })
            {
                var gradient = new double[exact.Length];
                var floatGradient = new float[exact.Length];
                double loss = weighted ? SoftmaxCrossEntropyOp.ForwardBackward<double>(exact, labels, gradient, Batch, classes, smoothing, weights)
                    : SoftmaxCrossEntropyOp.ForwardBackward<double>(exact, labels, gradient, Batch, classes, smoothing);
                float floatLoss = weighted ? SoftmaxCrossEntropyOp.ForwardBackward<float>(floatLogits, labels, floatGradient, Batch, classes, (float)smoothing, floatWeights)
                    : SoftmaxCrossEntropyOp.ForwardBackward<float>(floatLogits, labels, floatGradient, Batch, classes, (float)smoothing);
                string what = $"{classes} classes, smoothing {smoothing}, weighted {weighted}, {bits} bits";
                Assert.True(Math.Abs(floatLoss - loss) <= 1e-5 * Math.Max(1, Math.Abs(loss)), $"loss {floatLoss}, expected {loss} ({what})");
                Reference.Close(gradient, floatGradient.Select(v => (double)v).ToArray(), 1e-5, 1e-7, $"gradient ({what})");
                var probabilities = new float[exact.Length];
                SoftmaxCrossEntropyOp.Probabilities<float>(floatLogits, probabilities, Batch, classes);
                for (int row = 0; row < Batch; row++)
                {
                    double rowMax = exact.Skip(row * classes).Take(classes).Max();
                    double total = exact.Skip(row * classes).Take(classes).Sum(v => Math.Exp(v - rowMax));
                    for (int c = 0; c < classes; c++)
                    {
                        double p = Math.Exp(exact[row * classes + c] - rowMax) / total;
                        Assert.True(Math.Abs(probabilities[row * classes + c] - p) <= 1e-6 * p + 1e-12, $"p = {p}, got {probabilities[row * classes + c]} ({what})");
                    }
                }
            }
    }

    public static TheoryData<int, int> FloatCrossEntropyCases() => Widths.Cross([1, 2, 3, 15, 16, 17, 31, 33, 64, 227]);

    [Theory]
    [InlineData(1, 2, 0.0)]
    [InlineData(3, 10, 0.0)]
    [InlineData(4, 17, 0.0)]
    [InlineData(2, 33, 0.0)]
    [InlineData(1, 2, 0.1)]
    [InlineData(3, 10, 0.1)]
    [InlineData(4, 17, 0.25)]
    [InlineData(2, 33, 0.9)]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences(int batch, int classes, double smoothing)
    {
        double[] logits = Reference.Random(batch * classes, batch * 31 + classes, 4);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7 + 3) % classes).ToArray();
        var gradient = new double[logits.Length];
        double loss = SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, gradient, batch, classes, smoothing);
        Assert.Equal(loss, SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing), 1e-12);
        // The definition: −Σ q log softmax(z) with q = (1 − ε)·onehot(label) + ε/C, averaged over the rows.
        double expected = 0;
        for (int row = 0; row < batch; row++)
        {
            double[] z = logits.Skip(row * classes).Take(classes).ToArray();
            double logSum = Math.Log(z.Sum(v => Math.Exp(v - z.Max()))) + z.Max();
            expected -= Enumerable.Range(0, classes).Sum(j => ((j == labels[row] ? 1 - smoothing : 0) + smoothing / classes) * (z[j] - logSum)) / batch;
        }
        Assert.Equal(expected, loss, 1e-12);
        var numeric = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            double saved = logits[i];
            logits[i] = saved + 1e-6; double plus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing);
            logits[i] = saved - 1e-6; double minus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing);
            logits[i] = saved;
            numeric[i] = (plus - minus) / 2e-6;
        }
        Reference.Close(numeric, gradient, 1e-6, 1e-9, $"softmax cross-entropy gradient {batch}×{classes}, ε = {smoothing}");
    }

    [Theory]
    [InlineData(1, 2, 0.0)]
    [InlineData(3, 10, 0.0)]
    [InlineData(5, 17, 0.0)]
    [InlineData(4, 17, 0.25)]
    [InlineData(2, 33, 0.9)]
    public void ClassWeightedCrossEntropyMatchesPyTorchsDefinitionAndFiniteDifferences(int batch, int classes, double smoothing)
    {
        double[] logits = Reference.Random(batch * classes, batch * 37 + classes, 4);
        int[] labels = Enumerable.Range(0, batch).Select(i => (i * 7 + 3) % classes).ToArray();
        double[] weights = Enumerable.Range(0, classes).Select(c => c % 3 == 1 ? 0.0 : 0.25 + c % 5).ToArray(); // some 0
        if (weights[labels[0]] == 0)
            weights[labels[0]] = 2; // the batch must weigh something
        var gradient = new double[logits.Length];
        double loss = SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, gradient, batch, classes, smoothing, weights);
        Assert.Equal(loss, SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing, weights), 1e-12);
        // torch.nn.functional.cross_entropy(z, y, weight=w, label_smoothing=ε):
        // Σᵢ [(1 − ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c)] / Σᵢ w_y.
        double numerator = 0, denominator = 0;
        for (int row = 0; row < batch; row++)
        {
            double[] z = logits.Skip(row * classes).Take(classes).ToArray();
            double logSum = Math.Log(z.Sum(v => Math.Exp(v - z.Max()))) + z.Max();
            int y = labels[row];
            numerator += (1 - smoothing) * weights[y] * (logSum - z[y]) + smoothing / classes * Enumerable.Range(0, classes).Sum(c => weights[c] * (logSum - z[c]));
            denominator += weights[y];
        }
        Assert.Equal(numerator / denominator, loss, 1e-12);
        var numeric = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            double saved = logits[i];
            logits[i] = saved + 1e-6; double plus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing, weights);
            logits[i] = saved - 1e-6; double minus = SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing, weights);
            logits[i] = saved;
            numeric[i] = (plus - minus) / 2e-6;
        }
        Reference.Close(numeric, gradient, 1e-6, 1e-9, $"class-weighted cross-entropy gradient {batch}×{classes}, ε = {smoothing}");

        // Equal weights are the unweighted loss; a weight list of the wrong length is refused.
        double[] ones = Enumerable.Repeat(1.0, classes).ToArray(), plainGradient = new double[logits.Length];
        Assert.Equal(SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, plainGradient, batch, classes, smoothing),
            SoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, gradient, batch, classes, smoothing, ones), 1e-12);
        Reference.Close(plainGradient, gradient, 1e-12, 1e-15, "weights of 1");
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropyOp.Loss<double>(logits, labels, batch, classes, smoothing, ones.AsSpan(1)));
    }

    [Fact]
    public void ClassWeightedSequenceCrossEntropyDividesByTheRealTokensWeights()
    {
        const int batch = 2, steps = 3, classes = 4;
        const double smoothing = 0.1;
        double[] logits = Reference.Random(steps * batch * classes, 62, 3);
        int[] labels = [1, 3, 0, 2, 2, 0], lengths = [3, 2]; // sample 1's last label (0) is padding
        double[] weights = [3, 0.5, 1, 2];
        var gradient = new double[logits.Length];
        double loss = SequenceSoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, lengths, gradient, batch, steps, steps, classes, smoothing, weights);
        double realWeight = weights[1] + weights[3] + weights[0] + weights[2] + weights[2]; // the five real tokens
        double expected = 0;
        var rowGradient = new double[classes];
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                if (t >= lengths[n])
                {
                    Assert.All(gradient.AsSpan((t * batch + n) * classes, classes).ToArray(), g => Assert.Equal(0.0, g));
                    continue;
                }
                int label = labels[n * steps + t];
                // One row alone divides by its own label's weight: scale it back to this batch's denominator.
                expected += weights[label] * SoftmaxCrossEntropyOp.ForwardBackward<double>(logits.AsSpan((t * batch + n) * classes, classes), [label], rowGradient, 1, classes, smoothing, weights);
                Reference.Close(rowGradient.Select(g => g * weights[label] / realWeight).ToArray(), gradient.AsSpan((t * batch + n) * classes, classes), 1e-13, 1e-15, $"step {t} sample {n}");
            }
        Assert.Equal(expected / realWeight, loss, 1e-12);
        Assert.Equal(loss, SequenceSoftmaxCrossEntropyOp.Loss<double>(logits, labels, lengths, batch, steps, steps, classes, smoothing, weights), 1e-12);
    }

    // (vocabulary, dimension): one core; 320 K table elements, two halves of the vocabulary on two cores when the helper
    // is free; rows of 37 (every width's tail)
    public static TheoryData<int, (int, int)> WidthsAndTables() => Widths.Cross([(17, 5), (5003, 64), (9001, 37)]);

    [Theory]
    [MemberData(nameof(WidthsAndTables))]
    public void EmbeddingGradientSumsEachRealPositionIntoItsTokensRow(int bits, (int, int) table)
    {
        using var width = Widths.Force(bits);
        (int vocabulary, int dimension) = table;
        const int batch = 7, sequenceLength = 9;
        var random = new Random(67 + vocabulary);
        int[] lengths = [9, 3, 9, 1, 8, 9, 5];
        // Repeated tokens (a few hot ones) and tokens at both ends of the vocabulary and of its halves.
        int[] hot = [0, vocabulary - 1, vocabulary / 2 - 1, vocabulary / 2, 3 % vocabulary];
        int[] tokens = Enumerable.Range(0, batch * sequenceLength).Select(i => i % 3 == 0 ? hot[random.Next(hot.Length)] : random.Next(vocabulary)).ToArray();
        double[] dy = Reference.Random(sequenceLength * batch * dimension, 68, 2);
        var expected = new double[vocabulary * dimension];
        for (int t = 0; t < sequenceLength; t++)
            for (int n = 0; n < batch; n++)
                if (t < lengths[n])
                    for (int d = 0; d < dimension; d++)
                        expected[tokens[n * sequenceLength + t] * dimension + d] += dy[(t * batch + n) * dimension + d];
        var gradient64 = Enumerable.Repeat(double.NaN, expected.Length).ToArray(); // every element overwritten
        EmbeddingOp.BackwardWeights<double>(tokens, dy, gradient64, lengths, batch, sequenceLength, sequenceLength, dimension);
        Reference.Close(expected, gradient64, 1e-14, 1e-15, $"embedding gradient {vocabulary} × {dimension}");

        float[] dy32 = Reference.ToFloat(dy);
        float[] Gradient()
        {
            var g = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
            EmbeddingOp.BackwardWeights<float>(tokens, dy32, g, lengths, batch, sequenceLength, sequenceLength, dimension);
            return g;
        }
        float[] alone = Gradient();
        Reference.Close(expected, alone, 1e-6, 5e-6, $"float embedding gradient {vocabulary} × {dimension}");
        Reference.SameWhenRunTwiceAtOnce(alone, Gradient, (x, y) => Assert.Equal(x, y));
    }

    [Theory]
    [InlineData(5, 3, 4, 1)] // one core
    [InlineData(2049, 64, 128, 64)] // 131 K elements: half of the rows on each core
    [InlineData(1500, 70, 77, 0)]
    public void ConcatCopiesRowsIntoTheirColumnsAndBackOnOneCoreOrTwo(int batch, int inputWidth, int outputWidth, int offset)
    {
        double[] input = Reference.Random(batch * inputWidth, 71);
        double[] other = Reference.Random(batch * outputWidth, 72);
        var expected = (double[])other.Clone();
        for (int row = 0; row < batch; row++)
            for (int j = 0; j < inputWidth; j++)
                expected[row * outputWidth + offset + j] = input[row * inputWidth + j];
        float[] Forward()
        {
            float[] output = Reference.ToFloat(other);
            ConcatOp.Forward<float>(Reference.ToFloat(input), inputWidth, output, outputWidth, offset, batch);
            return output;
        }
        float[] forward = Forward();
        Assert.Equal(Reference.ToFloat(expected), forward); // copies: exact, the other columns untouched
        Reference.SameWhenRunTwiceAtOnce(forward, Forward, (x, y) => Assert.Equal(x, y));

        // Backward: dx = dy's columns, or dx += them.
        double[] dy = Reference.Random(batch * outputWidth, 73), dx = Reference.Random(batch * inputWidth, 74);
        var slice = new double[batch * inputWidth];
        for (int row = 0; row < batch; row++)
            for (int j = 0; j < inputWidth; j++)
                slice[row * inputWidth + j] = dy[row * outputWidth + offset + j];
        float[] copied = Enumerable.Repeat(float.NaN, slice.Length).ToArray();
        ConcatOp.Backward<float>(Reference.ToFloat(dy), outputWidth, offset, copied, inputWidth, batch, accumulate: false);
        Assert.Equal(Reference.ToFloat(slice), copied);
        float[] added = Reference.ToFloat(dx);
        ConcatOp.Backward<float>(Reference.ToFloat(dy), outputWidth, offset, added, inputWidth, batch, accumulate: true);
        Assert.Equal(dx.Select((v, i) => (float)v + (float)slice[i]).ToArray(), added);
    }

    // (batch, sequence length, dimension): one core; 131 K elements, half of the steps on each core; rows of 37
    public static TheoryData<int, (int, int, int)> WidthsAndLookups() => Widths.Cross([(3, 4, 5), (64, 32, 64), (33, 31, 37)]);

    [Theory]
    [MemberData(nameof(WidthsAndLookups))]
    public void EmbeddingLookupCopiesEachRealPositionsRowOnOneCoreOrTwo(int bits, (int, int, int) shape)
    {
        using var width = Widths.Force(bits);
        (int batch, int sequenceLength, int dimension) = shape;
        const int vocabulary = 1000;
        var random = new Random(75 + batch);
        int[] lengths = Enumerable.Range(0, batch).Select(n => n % 4 == 1 ? 1 + random.Next(sequenceLength) : sequenceLength).ToArray();
        int[] tokens = Enumerable.Range(0, batch * sequenceLength).Select(_ => random.Next(vocabulary)).ToArray();
        float[] table = Reference.ToFloat(Reference.Random(vocabulary * dimension, 76));
        var expected = new float[sequenceLength * batch * dimension];
        for (int t = 0; t < sequenceLength; t++)
            for (int n = 0; n < batch; n++)
                if (t < lengths[n])
                    Array.Copy(table, tokens[n * sequenceLength + t] * dimension, expected, (t * batch + n) * dimension, dimension);
        float[] Lookup()
        {
            var y = Enumerable.Repeat(float.NaN, expected.Length).ToArray(); // padding rows must be cleared
            EmbeddingOp.Forward<float>(tokens, table, y, lengths, batch, sequenceLength, sequenceLength, dimension);
            return y;
        }
        float[] y = Lookup();
        Assert.Equal(expected, y);
        Reference.SameWhenRunTwiceAtOnce(y, Lookup, (a, b) => Assert.Equal(a, b));

        tokens[^1] = vocabulary; // the last sample's last token, on the second core when the steps split
        lengths[^1] = sequenceLength;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingOp.Forward<float>(tokens, table, new float[expected.Length], lengths, batch, sequenceLength, sequenceLength, dimension));
        Assert.Contains($"Token {vocabulary}", error.Message);
    }

    [Fact]
    public void LargeSequenceCrossEntropyMatchesItsRowsOnOneCoreOrTwo()
    {
        // 9 steps × 48 samples × 227 classes: enough logits for the two halves of the steps to run on two cores.
        const int batch = 48, steps = 9, classes = 227;
        double[] logits = Reference.Random(steps * batch * classes, 63, 4);
        var random = new Random(64);
        int[] lengths = Enumerable.Range(0, batch).Select(n => n % 5 == 0 ? 1 + random.Next(steps) : steps).ToArray();
        int[] labels = Enumerable.Range(0, batch * steps).Select(_ => random.Next(classes)).ToArray();
        int tokens = lengths.Sum();
        float[] logits32 = Reference.ToFloat(logits);
        (float Loss, float[] Gradient) Run()
        {
            var gradient = Enumerable.Repeat(float.NaN, logits.Length).ToArray();
            float loss = SequenceSoftmaxCrossEntropyOp.ForwardBackward<float>(logits32, labels, lengths, gradient, batch, steps, steps, classes);
            return (loss, gradient);
        }
        var (loss, gradient) = Run();
        double expected = 0;
        var rowGradient = new double[classes];
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                int row = t * batch + n;
                if (t >= lengths[n])
                {
                    Assert.All(gradient.AsSpan(row * classes, classes).ToArray(), g => Assert.Equal(0f, g));
                    continue;
                }
                expected += SoftmaxCrossEntropyOp.ForwardBackward<double>(logits.AsSpan(row * classes, classes), [labels[n * steps + t]], rowGradient, 1, classes);
                Reference.Close(rowGradient.Select(g => g / tokens).ToArray(), gradient.AsSpan(row * classes, classes), 1e-5, 1e-9, $"step {t} sample {n}");
            }
        Assert.Equal(expected / tokens, loss, 1e-5);
        Assert.Equal(loss, SequenceSoftmaxCrossEntropyOp.Loss<float>(logits32, labels, lengths, batch, steps, steps, classes));
        Reference.SameWhenRunTwiceAtOnce((loss, gradient), Run, (x, y) =>
        {
            Assert.Equal(x.Item1, y.Item1);
            Assert.Equal(x.Item2, y.Item2);
        });
    }

    [Fact]
    public void SmoothedSequenceCrossEntropySkipsPaddedStepsAndMatchesItsRows()
    {
        // Time-major logits [steps × batch × classes], labels sample-major; sample 1 is one step shorter.
        const int batch = 2, steps = 3, classes = 4;
        const double smoothing = 0.2;
        double[] logits = Reference.Random(steps * batch * classes, 61, 3);
        int[] labels = [1, 3, 0, 2, 2, 0], lengths = [3, 2];
        var gradient = new double[logits.Length];
        double loss = SequenceSoftmaxCrossEntropyOp.ForwardBackward<double>(logits, labels, lengths, gradient, batch, steps, steps, classes, smoothing);
        double expected = 0;
        var rowGradient = new double[classes];
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                var rowLogits = logits.AsSpan((t * batch + n) * classes, classes);
                if (t >= lengths[n])
                {
                    Assert.All(gradient.AsSpan((t * batch + n) * classes, classes).ToArray(), g => Assert.Equal(0.0, g));
                    continue;
                }
                expected += SoftmaxCrossEntropyOp.ForwardBackward<double>(rowLogits, [labels[n * steps + t]], rowGradient, 1, classes, smoothing);
                Reference.Close(rowGradient.Select(g => g / 5).ToArray(), gradient.AsSpan((t * batch + n) * classes, classes), 1e-14, 1e-15, $"step {t} sample {n}");
            }
        Assert.Equal(expected / 5, loss, 1e-12);
        Assert.Equal(loss, SequenceSoftmaxCrossEntropyOp.Loss<double>(logits, labels, lengths, batch, steps, steps, classes, smoothing), 1e-12);
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void MeanSquaredErrorGradientMatchesFiniteDifferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
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
    [MemberData(nameof(WidthsAndLengths))]
    public void MeanAbsoluteErrorMatchesReferenceAndFiniteDifferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        if (length == 0) return;
        double[] outputs = Reference.Random(length, 7 + length), targets = Reference.Random(length, 8 + length);
        if (length > 3)
            targets[3] = outputs[3]; // an exact fit: sign 0, as torch.sign
        var gradient = new double[length];
        double loss = MeanAbsoluteErrorOp.ForwardBackward<double>(outputs, targets, gradient, length);
        Func<double, double> term = d => Math.Abs(d);
        Assert.Equal(outputs.Zip(targets, (o, t) => term(o - t)).Sum() / length, loss, 12);
        Assert.Equal(loss, MeanAbsoluteErrorOp.Loss<double>(outputs, targets, length), 12);
        double[] numeric = outputs.Select((o, i) => i == 3 ? 0 : (term(o - targets[i] + 1e-6) - term(o - targets[i] - 1e-6)) / 2e-6 / length).ToArray();
        Reference.Close(numeric, gradient, 1e-7, 1e-10, "MAE gradient");

        float[] floatGradient = new float[length];
        float floatLoss = MeanAbsoluteErrorOp.ForwardBackward<float>(Reference.ToFloat(outputs), Reference.ToFloat(targets), floatGradient, length);
        Assert.Equal(loss, floatLoss, 1e-5 * Math.Max(1, loss));
        Reference.Close(gradient, floatGradient, 1e-6, 1e-9, "MAE float gradient");
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void HuberLossMatchesReferenceAndFiniteDifferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        if (length == 0) return;
        const double Delta = 0.7;
        // Errors on both sides of ±δ (spread 2), kept off the seams so central differences are exact.
        double[] outputs = Reference.Random(length, 9 + length, 2), targets = Reference.Random(length, 10 + length);
        for (int i = 0; i < length; i++)
            if (Math.Abs(Math.Abs(outputs[i] - targets[i]) - Delta) < 1e-3)
                outputs[i] += 0.01;
        var gradient = new double[length];
        double loss = HuberLossOp.ForwardBackward<double>(outputs, targets, gradient, length, Delta);
        Func<double, double> term = d => Math.Abs(d) <= Delta ? 0.5 * d * d : Delta * (Math.Abs(d) - 0.5 * Delta);
        Assert.Equal(outputs.Zip(targets, (o, t) => term(o - t)).Sum() / length, loss, 12);
        Assert.Equal(loss, HuberLossOp.Loss<double>(outputs, targets, length, Delta), 12);
        double[] numeric = outputs.Select((o, i) => (term(o - targets[i] + 1e-6) - term(o - targets[i] - 1e-6)) / 2e-6 / length).ToArray();
        Reference.Close(numeric, gradient, 1e-7, 1e-10, "Huber gradient");
        if (length > 8)
            Assert.Contains(outputs.Zip(targets), p => Math.Abs(p.First - p.Second) > Delta); // the linear part is exercised

        float[] floatGradient = new float[length];
        float floatLoss = HuberLossOp.ForwardBackward<float>(Reference.ToFloat(outputs), Reference.ToFloat(targets), floatGradient, length, (float)Delta);
        Assert.Equal(loss, floatLoss, 1e-5 * Math.Max(1, loss));
        Reference.Close(gradient, floatGradient, 1e-6, 1e-7, "Huber float gradient");
    }

    /// <summary>Every vector tail, and lengths the pass splits between two cores (above 32 K) and waits for the second to wake (above 256 K).</summary>
    public static TheoryData<int, int> WidthsAndOptimizerLengths() => Widths.Cross(Enumerable.Range(0, 258).Concat([40_001, 300_007]));

    [Theory]
    [MemberData(nameof(WidthsAndOptimizerLengths))]
    public void AdamMatchesScalarReference(int bits, int length)
    {
        using var width = Widths.Force(bits);
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
        // Decoupled decay folded into the same pass: p ← keep·p − step.
        double[] decayed = (double[])p.Clone(), mCopy = (double[])m.Clone(), vCopy = (double[])v.Clone();
        double[] expectedDecayed = new double[length];
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * scale;
            double mi = b1 * mCopy[i] + (1 - b1) * grad, vi = b2 * vCopy[i] + (1 - b2) * grad * grad;
            expectedDecayed[i] = 0.99 * decayed[i] - rate * (mi / (1 - Math.Pow(b1, step))) / (Math.Sqrt(vi / (1 - Math.Pow(b2, step))) + eps);
        }
        Adam.Update<double>(decayed, g, mCopy, vCopy, rate, b1, b2, eps, step, scale, keep: 0.99);
        Reference.Close(expectedDecayed, decayed, 1e-12, 1e-12, "Adam with decoupled decay");
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

    public static TheoryData<int, int> WidthsAndTails() => Widths.Cross([1, 16, 37]);

    [Theory]
    [MemberData(nameof(WidthsAndTails))]
    public void DecayingOptimizerStatesAreFlushedToZeroBelowTheNormalRange(int bits, int length)
    {
        // A dead unit's weights: zero gradients, every state at the bottom of the normal range. One step at decay ½
        // takes each state subnormal, where it would stay (½ · the smallest subnormal rounds back to it) and slow every
        // later step on Intel cores; it must become exactly 0, in the vector body and the scalar tail alike.
        using var width = Widths.Force(bits);
        float[] States() => Enumerable.Repeat(2e-38f, length).ToArray();
        void AllZero(float[] state, string what) => Assert.All(state, x => Assert.True(x == 0f, $"{what}: {x:E} is not 0"));

        float[] p = new float[length], g = new float[length], velocity = States();
        Sgd.Update<float>(p, g, velocity, 1e-2f, 0.5f, nesterov: false, 1f);
        AllZero(velocity, "SGD velocity");
        velocity = States();
        Sgd.Update<float>(p, g, velocity, 1e-2f, 0.5f, nesterov: true, 1f);
        AllZero(velocity, "SGD Nesterov velocity");

        float[] square = States(), rmsVelocity = States(), average = States();
        RmsProp.Update<float>(p, g, square, rmsVelocity, average, 1e-3f, 0.5f, 1e-8f, 0.5f, nesterov: false, 1f, 1f);
        AllZero(square, "RMSProp square average");
        AllZero(rmsVelocity, "RMSProp velocity");
        AllZero(average, "RMSProp gradient average");
        Assert.All(p, x => Assert.Equal(0f, x));

        // A state still in the normal range after the step is kept as it is.
        velocity = Enumerable.Repeat(4e-38f, length).ToArray();
        Sgd.Update<float>(p, g, velocity, 1e-2f, 0.5f, nesterov: false, 1f);
        Assert.All(velocity, x => Assert.Equal(2e-38f, x));
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void SgdMatchesScalarReference(int bits, int length)
    {
        using var width = Widths.Force(bits);
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
    public void SoftplusIsFiniteAndExactFarFromZero()
    {
        double[] z = [-800, -40, 40, 800];
        Activation<Softplus>.Forward<double>(z, 0);
        Assert.Equal(0.0, z[0]);
        Assert.Equal(Math.Exp(-40), z[1], 1e-30);
        Assert.Equal(40.0, z[2]);
        Assert.Equal(800.0, z[3]);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    [InlineData(2, 17)]
    [InlineData(4, 33)]
    public void SoftmaxActivationMatchesReferenceAndFiniteDifferences(int batch, int width)
    {
        double[] z = Reference.Random(batch * width, batch * 13 + width, 5);
        double[] y = (double[])z.Clone();
        SoftmaxOp.Forward<double>(y, batch, width);
        double[] Softmax(double[] values)
        {
            var result = new double[values.Length];
            for (int row = 0; row < batch; row++)
            {
                var r = values.AsSpan(row * width, width);
                double max = r.ToArray().Max(), sum = r.ToArray().Sum(v => Math.Exp(v - max));
                for (int j = 0; j < width; j++) result[row * width + j] = Math.Exp(r[j] - max) / sum;
            }
            return result;
        }
        Reference.Close(Softmax(z), y, 1e-14, 1e-16, "softmax forward");

        // Backward against finite differences of L = Σ dy ⊙ softmax(z).
        double[] dy = Reference.Random(batch * width, 7 + width);
        var dz = new double[z.Length];
        SoftmaxOp.Backward<double>(y, dy, dz, batch, width);
        var numeric = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            double saved = z[i];
            z[i] = saved + 1e-6; double plus = Softmax(z).Zip(dy, (a, b) => a * b).Sum();
            z[i] = saved - 1e-6; double minus = Softmax(z).Zip(dy, (a, b) => a * b).Sum();
            z[i] = saved;
            numeric[i] = (plus - minus) / 2e-6;
        }
        Reference.Close(numeric, dz, 1e-7, 1e-9, "softmax backward");
        SoftmaxOp.Backward<double>(y, dy, dy, batch, width);
        Reference.Close(dz, dy, 0, 0, "softmax in-place backward");

        float[] large = [1000f, 1000f, 999f];
        SoftmaxOp.Forward<float>(large, 1, 3);
        Assert.All(large, p => Assert.True(float.IsFinite(p)));
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void DropoutMasksScaleAndRecomputeTheSameMask(int bits, int length)
    {
        using var width = Widths.Force(bits);
        const float rate = 0.3f;
        double[] x = Reference.Random(length, 21 + length);
        var y = new double[length];
        DropoutOp.Forward<double>(x, y, rate, seed: 5, step: 9, stream: 2, training: true);
        for (int i = 0; i < length; i++)
        {
            bool keeps = DropoutOp.Keeps(rate, 5, 9, 2, i);
            Assert.Equal(keeps ? x[i] / (1 - (double)rate) : 0.0, y[i], 1e-7);
        }

        // The float SIMD path draws the same mask as the scalar double path.
        float[] xf = Reference.ToFloat(x);
        var yf = new float[length];
        DropoutOp.Forward<float>(xf, yf, rate, 5, 9, 2, training: true);
        for (int i = 0; i < length; i++)
            Assert.Equal(DropoutOp.Keeps(rate, 5, 9, 2, i) ? xf[i] * (1f / (1f - rate)) : 0f, yf[i]);

        // Backward multiplies by the same mask and scale (the op is linear, so this is its exact derivative).
        double[] dy = Reference.Random(length, 22 + length);
        var dx = new double[length];
        DropoutOp.Backward<double>(dy, dx, rate, 5, 9, 2);
        for (int i = 0; i < length; i++)
            Assert.Equal(DropoutOp.Keeps(rate, 5, 9, 2, i) ? dy[i] / (1 - (double)rate) : 0.0, dx[i], 1e-12);

        // Inference is the identity.
        DropoutOp.Forward<double>(x, y, rate, 5, 9, 2, training: false);
        Assert.Equal(x, y);
    }

    [Fact]
    public void DropoutDropsAtTheDeclaredRateIndependentlyPerStepAndStream()
    {
        const int n = 200_000;
        var ones = Enumerable.Repeat(1f, n).ToArray();
        var a = new float[n];
        var b = new float[n];
        var c = new float[n];
        DropoutOp.Forward<float>(ones, a, 0.5f, seed: 1, step: 0, stream: 1, training: true);
        DropoutOp.Forward<float>(ones, b, 0.5f, seed: 1, step: 1, stream: 1, training: true);
        DropoutOp.Forward<float>(ones, c, 0.5f, seed: 1, step: 0, stream: 2, training: true);
        double dropped = a.Count(v => v == 0) / (double)n;
        Assert.InRange(dropped, 0.495, 0.505); // ±4.5σ
        Assert.All(a.Where(v => v != 0), v => Assert.Equal(2f, v));
        // Masks of different steps and streams agree on about half the elements, as independent masks do.
        Assert.InRange(a.Zip(b).Count(p => p.First == p.Second) / (double)n, 0.495, 0.505);
        Assert.InRange(a.Zip(c).Count(p => p.First == p.Second) / (double)n, 0.495, 0.505);
        DropoutOp.Forward<float>(ones, b, 0.1f, seed: 1, step: 0, stream: 1, training: true);
        Assert.InRange(b.Count(v => v == 0) / (double)n, 0.097, 0.103);
        DropoutOp.Forward<float>(ones, b, 0f, seed: 1, step: 0, stream: 1, training: true);
        Assert.Equal(ones, b);
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void BinaryCrossEntropyMatchesReferenceAndFiniteDifferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        if (length == 0) return;
        double[] z = Reference.Random(length, 31 + length, 6);
        double[] t = Reference.Random(length, 32 + length).Select(v => Math.Abs(v)).ToArray();
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double expected = z.Select((v, i) => -(t[i] * Math.Log(Sigmoid(v)) + (1 - t[i]) * Math.Log(1 - Sigmoid(v)))).Sum() / length;
        var gradient = new double[length];
        double loss = BinaryCrossEntropyOp.ForwardBackwardFromLogits<double>(z, t, gradient, length);
        Assert.Equal(expected, loss, 1e-12);
        Assert.Equal(loss, BinaryCrossEntropyOp.LossFromLogits<double>(z, t, length), 1e-14);
        double[] numeric = Numeric(z, values => BinaryCrossEntropyOp.LossFromLogits<double>(values, t, length));
        Reference.Close(numeric, gradient, 1e-6, 1e-9, "BCE from logits gradient");

        // From probabilities: same loss on σ(z), gradient by finite differences in p.
        double[] p = z.Select(Sigmoid).ToArray();
        double lossP = BinaryCrossEntropyOp.ForwardBackward<double>(p, t, gradient, length);
        Assert.Equal(expected, lossP, 1e-9);
        Assert.Equal(lossP, BinaryCrossEntropyOp.Loss<double>(p, t, length), 1e-14);
        numeric = Numeric(p, values => BinaryCrossEntropyOp.Loss<double>(values, t, length));
        Reference.Close(numeric, gradient, 1e-5, 1e-8, "BCE from probabilities gradient");

        var probabilities = new double[length];
        BinaryCrossEntropyOp.Probabilities<double>(z, probabilities, length);
        Reference.Close(p, probabilities, 1e-15, 1e-16, "sigmoid probabilities");
    }

    [Fact]
    public void BinaryCrossEntropyIsStableAtSaturation()
    {
        var gradient = new float[4];
        float loss = BinaryCrossEntropyOp.ForwardBackwardFromLogits<float>([1000f, -1000f, 1000f, -1000f], [1f, 0f, 0f, 1f], gradient, 4);
        Assert.Equal(500f, loss); // two exact hits (0) and two misses by 1000
        Assert.Equal([0f, 0f, 0.25f, -0.25f], gradient);
        // On probabilities, 0 and 1 are clamped: finite loss, zero gradient outside the clamp.
        loss = BinaryCrossEntropyOp.ForwardBackward<float>([0f, 1f, 0.5f, 1f], [1f, 0f, 0.5f, 1f], gradient, 4);
        Assert.True(float.IsFinite(loss));
        Assert.Equal(0f, gradient[0]);
        Assert.Equal(0f, gradient[1]);
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void AdaGradAndRmsPropMatchScalarReferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] p = Reference.Random(length, 41), s = Reference.Random(length, 42).Select(Math.Abs).ToArray(), g = Reference.Random(length, 43);
        double[] ep = (double[])p.Clone(), es = (double[])s.Clone();
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * 0.5;
            es[i] += grad * grad;
            ep[i] -= 0.1 * grad / (Math.Sqrt(es[i]) + 1e-10);
        }
        AdaGrad.Update<double>(p, g, s, 0.1, 1e-10, 0.5);
        Reference.Close(es, s, 1e-14, 1e-15, "AdaGrad accumulator");
        Reference.Close(ep, p, 1e-13, 1e-14, "AdaGrad parameters");

        double[] q = Reference.Random(length, 44), v = Reference.Random(length, 45).Select(Math.Abs).ToArray();
        double[] eq = (double[])q.Clone(), ev = (double[])v.Clone();
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * 2;
            ev[i] = 0.9 * ev[i] + 0.1 * grad * grad;
            eq[i] -= 0.01 * grad / (Math.Sqrt(ev[i]) + 1e-8);
        }
        RmsProp.Update<double>(q, g, v, 0.01, 0.9, 1e-8, 2);
        Reference.Close(ev, v, 1e-14, 1e-15, "RMSProp average");
        Reference.Close(eq, q, 1e-13, 1e-14, "RMSProp parameters");
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void AmsGradDividesByTheLargestSecondMomentSoFar(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] p = Reference.Random(length, 71), m = Reference.Random(length, 72, 0.1), v = Reference.Random(length, 73).Select(Math.Abs).ToArray();
        // Half the running maxima above the new v (kept), half below (replaced by it).
        double[] maxV = v.Select((x, i) => i % 2 == 0 ? x * 3 : x * 0.2).ToArray();
        double[] g = Reference.Random(length, 74);
        double[] ep = (double[])p.Clone(), em = (double[])m.Clone(), ev = (double[])v.Clone(), emax = (double[])maxV.Clone();
        const double rate = 0.01, b1 = 0.9, b2 = 0.99, eps = 1e-8, scale = 0.5, keep = 0.98;
        const long step = 4;
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * scale;
            em[i] = b1 * em[i] + (1 - b1) * grad;
            ev[i] = b2 * ev[i] + (1 - b2) * grad * grad;
            emax[i] = Math.Max(emax[i], ev[i]);
            ep[i] = keep * ep[i] - rate / (1 - Math.Pow(b1, step)) * em[i] / (Math.Sqrt(emax[i] / (1 - Math.Pow(b2, step))) + eps);
        }
        Adam.UpdateAmsGrad<double>(p, g, m, v, maxV, rate, b1, b2, eps, step, scale, keep);
        Reference.Close(em, m, 1e-14, 1e-15, "AMSGrad m");
        Reference.Close(ev, v, 1e-14, 1e-15, "AMSGrad v");
        Reference.Close(emax, maxV, 0, 0, "AMSGrad max v");
        Reference.Close(ep, p, 1e-12, 1e-12, "AMSGrad parameters");
        if (length > 1)
            Assert.Contains(Enumerable.Range(0, length), i => emax[i] == ev[i]); // some maxima were replaced
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void NAdamMatchesScalarReference(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] p = Reference.Random(length, 81), m = Reference.Random(length, 82, 0.1), v = Reference.Random(length, 83).Select(Math.Abs).ToArray();
        double[] g = Reference.Random(length, 84);
        double[] ep = (double[])p.Clone(), em = (double[])m.Clone(), ev = (double[])v.Clone();
        const double rate = 2e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8, psi = 4e-3, scale = 0.5, keep = 0.99;
        const long step = 7;
        // torch.optim.NAdam, term by term: μᵢ = β₁(1 − ½·0.96^(iψ)) and the product of μ₁…μₜ.
        Func<long, double> mu = i => b1 * (1 - 0.5 * Math.Pow(0.96, i * psi));
        double product = Enumerable.Range(1, (int)step).Aggregate(1.0, (acc, i) => acc * mu(i));
        for (int i = 0; i < length; i++)
        {
            double grad = g[i] * scale;
            em[i] = b1 * em[i] + (1 - b1) * grad;
            ev[i] = b2 * ev[i] + (1 - b2) * grad * grad;
            double denominator = Math.Sqrt(ev[i] / (1 - Math.Pow(b2, step))) + eps;
            ep[i] = keep * ep[i] - rate * (1 - mu(step)) / (1 - product) * grad / denominator
                - rate * mu(step + 1) / (1 - product * mu(step + 1)) * em[i] / denominator;
        }
        NAdam.Update<double>(p, g, m, v, rate, b1, b2, eps, psi, step, scale, keep);
        Reference.Close(em, m, 1e-14, 1e-15, "NAdam m");
        Reference.Close(ev, v, 1e-14, 1e-15, "NAdam v");
        Reference.Close(ep, p, 1e-12, 1e-12, "NAdam parameters");
    }

    [Theory]
    [InlineData(0.9, 1)]
    [InlineData(0.9, 2)]
    [InlineData(0.9, 1_000)]
    [InlineData(0.99, 20_000)]
    [InlineData(0.5, 3)]
    public void NAdamCoefficientsEqualTheFullProductAtAnyStep(double beta1, long step)
    {
        // The product is cut once 1 − Π rounds to 1; the coefficients must equal those of the full product.
        const double rate = 1e-3, psi = 4e-3;
        Func<long, double> mu = i => beta1 * (1 - 0.5 * Math.Pow(0.96, i * psi));
        double product = 1;
        for (long i = 1; i <= step; i++)
            product *= mu(i);
        var (gradientStep, momentumStep) = NAdam.Coefficients(rate, beta1, psi, step);
        Assert.Equal(rate * (1 - mu(step)) / (1 - product), gradientStep, 1e-15);
        Assert.Equal(rate * mu(step + 1) / (1 - product * mu(step + 1)), momentumStep, 1e-15);
        Assert.Throws<ArgumentOutOfRangeException>(() => NAdam.Coefficients(rate, beta1, psi, 0));
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void RmsPropVariantsMatchScalarReferences(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] g = Reference.Random(length, 91);
        const double rate = 0.01, rho = 0.9, eps = 1e-8, mu = 0.8, scale = 2, keep = 0.97;
        foreach (bool centered in new[] { false, true })
            foreach (double momentum in new[] { 0.0, mu })
                foreach (bool nesterov in momentum == 0 ? new[] { false } : new[] { false, true })
                {
                    double[] p = Reference.Random(length, 92), average = Reference.Random(length, 93).Select(x => Math.Abs(x) + 0.5).ToArray();
                    double[] velocity = momentum == 0 ? [] : Reference.Random(length, 94, 0.1);
                    double[] gradientAverage = centered ? Reference.Random(length, 95, 0.3) : [];
                    double[] ep = (double[])p.Clone(), ea = (double[])average.Clone(), ev = (double[])velocity.Clone(), eg = (double[])gradientAverage.Clone();
                    for (int i = 0; i < length; i++)
                    {
                        double grad = g[i] * scale;
                        ea[i] = rho * ea[i] + (1 - rho) * grad * grad;
                        double variance = ea[i];
                        if (centered)
                        {
                            eg[i] = rho * eg[i] + (1 - rho) * grad;
                            variance = ea[i] - eg[i] * eg[i];
                        }
                        double normalized = grad / (Math.Sqrt(variance) + eps);
                        double direction = normalized;
                        if (momentum != 0)
                        {
                            ev[i] = momentum * ev[i] + normalized;
                            direction = nesterov ? normalized + momentum * ev[i] : ev[i];
                        }
                        ep[i] = keep * ep[i] - rate * direction;
                    }
                    RmsProp.Update<double>(p, g, average, velocity, gradientAverage, rate, rho, eps, momentum, nesterov, scale, keep);
                    string name = $"RMSProp (centred {centered}, momentum {momentum}, Nesterov {nesterov})";
                    Reference.Close(ea, average, 1e-14, 1e-15, name + " average");
                    Reference.Close(ev, velocity, 1e-12, 1e-14, name + " velocity");
                    Reference.Close(eg, gradientAverage, 1e-14, 1e-15, name + " gradient average");
                    Reference.Close(ep, p, 1e-12, 1e-13, name + " parameters");
                }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(19)]
    public void CenteredRmsPropStaysFiniteWhenTheGradientNeverVaries(int length)
    {
        // A constant gradient: a² = v in exact arithmetic, and rounding may leave v − a² just below 0.
        float[] p = new float[length], g = Enumerable.Repeat(0.3f, length).ToArray();
        float[] average = new float[length], gradientAverage = new float[length];
        for (int step = 0; step < 200; step++)
            RmsProp.Update<float>(p, g, average, default, gradientAverage, 1e-3f, 0.5f, 1e-8f, 0f, false, 1f, 1f);
        Assert.All(p, x => Assert.True(float.IsFinite(x)));
        Assert.Throws<ArgumentException>(() => RmsProp.Update<float>(p, g, average, default, gradientAverage, 1e-3f, 0.5f, 1e-8f, 0f, nesterov: true, 1f, 1f));
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void TensorNormClippingRescalesOnlyATensorAboveTheLimit(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] g = Reference.Random(length, 101);
        double norm = Math.Sqrt(g.Sum(x => x * x));
        foreach (double limit in new[] { norm / 3, norm * 2 + 1 })
        {
            double[] clipped = (double[])g.Clone();
            GradientClipping.ClipTensorNorm<double>(clipped, limit);
            double scale = Math.Min(1, limit / (norm + 1e-6));
            if (scale < 1)
                Reference.Close(g.Select(x => x * scale).ToArray(), clipped, 1e-15, 1e-16, "clipped tensor");
            else
                Assert.Equal(g, clipped); // within the limit: the very same bits
        }
        float[] floats = Reference.ToFloat(g);
        GradientClipping.ClipTensorNorm<float>(floats, (float)(norm / 3));
        if (length > 0 && norm > 1e-3)
            Assert.Equal(norm / 3, Math.Sqrt(floats.Sum(x => (double)x * x)), 1e-5 * norm);
    }

    public static TheoryData<int, int, int> WidthsAndUnitShapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (object[] row in Widths.Cross(new[] { (1, 1), (3, 5), (7, 1), (17, 9), (33, 4), (600, 5) }))
        {
            var (units, fanIn) = ((int, int))row[1];
            data.Add((int)row[0], units, fanIn);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndUnitShapes))]
    public void MaxNormProjectsOnlyTheUnitsOutsideTheBall(int bits, int units, int fanIn)
    {
        using var width = Widths.Force(bits);
        double[] weights = Reference.Random(units * fanIn, 111);
        double[] norms = Enumerable.Range(0, units).Select(u => Math.Sqrt(Enumerable.Range(0, fanIn).Sum(k => weights[u * fanIn + k] * weights[u * fanIn + k]))).ToArray();
        double limit = norms.OrderBy(n => n).ElementAt(units / 2); // about half the units outside
        double[] expected = weights.Select((w, i) => norms[i / fanIn] > limit ? w * limit / (norms[i / fanIn] + 1e-7) : w).ToArray();

        double[] rows = (double[])weights.Clone();
        MaxNorm.ApplyToRows<double>(rows, units, limit);
        Reference.Close(expected, rows, 1e-15, 1e-16, "units as rows");
        for (int i = 0; i < rows.Length; i++)
            if (norms[i / fanIn] <= limit)
                Assert.Equal(weights[i], rows[i]); // inside the ball: the very same bits

        // The same units stored as columns of [fanIn × units].
        double[] columns = new double[weights.Length], expectedColumns = new double[weights.Length];
        for (int u = 0; u < units; u++)
            for (int k = 0; k < fanIn; k++)
            {
                columns[k * units + u] = weights[u * fanIn + k];
                expectedColumns[k * units + u] = expected[u * fanIn + k];
            }
        MaxNorm.ApplyToColumns<double>(columns, units, limit);
        Reference.Close(expectedColumns, columns, 1e-15, 1e-16, "units as columns");

        float[] floats = Reference.ToFloat(columns.Select(x => x * 3).ToArray());
        MaxNorm.ApplyToColumns<float>(floats, units, (float)limit);
        for (int u = 0; u < units; u++)
            Assert.True(Math.Sqrt(Enumerable.Range(0, fanIn).Sum(k => (double)floats[k * units + u] * floats[k * units + u])) <= limit * (1 + 1e-6));
        if (units > 1)
            Assert.Throws<ArgumentException>(() => MaxNorm.ApplyToRows<double>(rows.AsSpan(1), units, limit)); // not whole units
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void DecoupledDecayScalesParametersBeforeEveryOptimizerStep(int bits, int length)
    {
        using var width = Widths.Force(bits);
        // The step never reads the parameters, so update(p, keep) must equal update(keep·p, 1), state included.
        const double keep = 0.9;
        double[] g = Reference.Random(length, 61), p = Reference.Random(length, 62), state = Reference.Random(length, 63).Select(Math.Abs).ToArray();
        var cases = new (string Name, Action<double[], double[], double> Update)[]
        {
            ("SGD", (x, s, k) => Sgd.Update<double>(x, g, 0.1, 0.5, k)),
            ("SGD momentum", (x, s, k) => Sgd.Update<double>(x, g, s, 0.1, 0.9, nesterov: true, 0.5, k)),
            ("AdaGrad", (x, s, k) => AdaGrad.Update<double>(x, g, s, 0.1, 1e-10, 0.5, k)),
            ("RMSProp", (x, s, k) => RmsProp.Update<double>(x, g, s, 0.01, 0.9, 1e-8, 0.5, k)),
            ("Adam", (x, s, k) => Adam.Update<double>(x, g, s, (double[])s.Clone(), 0.01, 0.9, 0.99, 1e-8, 2, 0.5, k)),
            ("AMSGrad", (x, s, k) => Adam.UpdateAmsGrad<double>(x, g, s, (double[])s.Clone(), (double[])s.Clone(), 0.01, 0.9, 0.99, 1e-8, 2, 0.5, k)),
            ("NAdam", (x, s, k) => NAdam.Update<double>(x, g, s, (double[])s.Clone(), 0.01, 0.9, 0.99, 1e-8, 4e-3, 2, 0.5, k)),
            ("centred RMSProp, Nesterov", (x, s, k) => RmsProp.Update<double>(x, g, s, (double[])s.Clone(), s.Select(a => -a / 4).ToArray(), 0.01, 0.9, 1e-8, 0.9, true, 0.5, k)),
        };
        foreach (var (name, update) in cases)
        {
            double[] decayed = (double[])p.Clone(), stateA = (double[])state.Clone();
            update(decayed, stateA, keep);
            double[] scaled = p.Select(x => keep * x).ToArray(), stateB = (double[])state.Clone();
            update(scaled, stateB, 1);
            Reference.Close(scaled, decayed, 1e-15, 1e-16, $"{name} with decoupled decay");
            Reference.Close(stateB, stateA, 0, 0, $"{name} state");
        }
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void WeightDecayAddsLambdaTimesWeightsAfterScaling(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] g = Reference.Random(length, 51), w = Reference.Random(length, 52);
        double[] expected = g.Select((x, i) => 0.5 * x + 0.01 * w[i]).ToArray();
        WeightDecay.Apply<double>(g, w, 0.01, 0.5);
        Reference.Close(expected, g, 1e-15, 1e-16, "weight decay");
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void WeightPenaltiesAddL2AndTheSignTimesL1AfterScaling(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] g = Reference.Random(length, 53), w = Reference.Random(length, 54);
        for (int i = 0; i < length; i += 3)
            w[i] = 0; // the subgradient of |w| at 0 is 0: no pull either way
        double[] expected = g.Select((x, i) => 0.5 * x + 0.01 * w[i] + 0.002 * Math.Sign(w[i])).ToArray();
        WeightDecay.Apply<double>(g, w, 0.01, 0.002, 0.5);
        Reference.Close(expected, g, 1e-15, 1e-16, "L2 and L1");

        float[] gf = Reference.ToFloat(Reference.Random(length, 55)), wf = Reference.ToFloat(w);
        float[] expectedF = gf.Select((x, i) => x + 0.003f * MathF.Sign(wf[i])).ToArray();
        WeightDecay.Apply<float>(gf, wf, 0f, 0.003f, 1f);
        Assert.Equal(expectedF, gf);
    }

    [Fact]
    public void LeCunAndZerosInitializersHaveTheirDistributions()
    {
        var random = new ModelGen.Initialization.SeededRandom(3);
        var weights = new double[100_000];
        ModelGen.Initialization.WeightInitializer.Fill<double>(Initializer.LeCunNormal, weights, fanIn: 400, fanOut: 250, random);
        double std = Math.Sqrt(weights.Sum(x => x * x) / weights.Length);
        Assert.InRange(std, 0.99 * Math.Sqrt(1.0 / 400), 1.01 * Math.Sqrt(1.0 / 400));
        ModelGen.Initialization.WeightInitializer.Fill<double>(Initializer.LeCunUniform, weights, fanIn: 300, fanOut: 250, random);
        Assert.InRange(weights.Max(Math.Abs), 0.999 * Math.Sqrt(3.0 / 300), Math.Sqrt(3.0 / 300));
        ModelGen.Initialization.WeightInitializer.Fill<double>(Initializer.Zeros, weights, fanIn: 300, fanOut: 250, random);
        Assert.All(weights, x => Assert.Equal(0.0, x));
    }

    [Theory]
    [InlineData(Initializer.GlorotTruncatedNormal, 300, 200, 2.0 / 500)]
    [InlineData(Initializer.HeTruncatedNormal, 300, 200, 2.0 / 300)]
    [InlineData(Initializer.LeCunTruncatedNormal, 400, 50, 1.0 / 400)]
    public void TruncatedNormalInitializersKeepTheirVarianceAndNothingPastTwoSpreads(Initializer initializer, int fanIn, int fanOut, double variance)
    {
        var weights = new double[200_000];
        ModelGen.Initialization.WeightInitializer.Fill<double>(initializer, weights, fanIn, fanOut, new ModelGen.Initialization.SeededRandom(5));
        double std = Math.Sqrt(weights.Sum(x => x * x) / weights.Length);
        Assert.InRange(std, 0.99 * Math.Sqrt(variance), 1.01 * Math.Sqrt(variance));
        double bound = 2 * Math.Sqrt(variance) / 0.87962566103423978; // two spreads of the underlying normal
        Assert.InRange(weights.Max(Math.Abs), 0.99 * bound, bound);
        Assert.InRange(weights.Average(), -0.01 * Math.Sqrt(variance), 0.01 * Math.Sqrt(variance));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 17)]
    [InlineData(8, 33)]
    [InlineData(5, 300)]
    public void BatchNormMatchesReferenceAndFiniteDifferences(int batch, int width)
    {
        double[] x = Reference.Random(batch * width, batch + width, 3).Select((v, i) => v + i % 5).ToArray(); // non-zero means
        double[] gamma = Reference.Random(width, 2 + width).Select(v => 1 + v / 2).ToArray(), beta = Reference.Random(width, 3 + width);
        const double epsilon = 1e-5;
        double[] Reference_(double[] input, double[] g, double[] b)
        {
            var y = new double[input.Length];
            for (int j = 0; j < width; j++)
            {
                double mean = Enumerable.Range(0, batch).Average(r => input[r * width + j]);
                double variance = Enumerable.Range(0, batch).Average(r => Math.Pow(input[r * width + j] - mean, 2));
                for (int r = 0; r < batch; r++)
                    y[r * width + j] = g[j] * (input[r * width + j] - mean) / Math.Sqrt(variance + epsilon) + b[j];
            }
            return y;
        }
        var normalized = new double[x.Length];
        var y = new double[x.Length];
        var mean = new double[width];
        var inverse = new double[width];
        BatchNormOp.ForwardTraining<double>(x, normalized, y, gamma, beta, mean, inverse, batch, width, epsilon);
        Reference.Close(Reference_(x, gamma, beta), y, 1e-12, 1e-12, "batch norm forward");

        double[] dy = Reference.Random(x.Length, 9 + width);
        double Loss(double[] input, double[] g, double[] b) => Reference_(input, g, b).Zip(dy, (a, c) => a * c).Sum();
        var dGamma = new double[width];
        var dBeta = new double[width];
        var dx = new double[x.Length];
        BatchNormOp.BackwardParameters<double>(normalized, dy, dGamma, dBeta, batch, width);
        BatchNormOp.BackwardInput<double>(normalized, dy, gamma, inverse, dGamma, dBeta, dx, batch, width);
        Reference.Close(Numeric(x, v => Loss(v, gamma, beta)), dx, 1e-5, 1e-8, "batch norm dx");
        Reference.Close(Numeric(gamma, v => Loss(x, v, beta)), dGamma, 1e-6, 1e-8, "batch norm dγ");
        Reference.Close(Numeric(beta, v => Loss(x, gamma, v)), dBeta, 1e-6, 1e-8, "batch norm dβ");

        // Running estimates: momentum-weighted, with the unbiased batch variance; inference uses them.
        double[] runningMean = Enumerable.Repeat(0.5, width).ToArray(), runningVariance = Enumerable.Repeat(2.0, width).ToArray();
        BatchNormOp.UpdateRunningStatistics<double>(mean, inverse, runningMean, runningVariance, batch, 0.1, epsilon);
        for (int j = 0; j < width; j++)
        {
            double m = Enumerable.Range(0, batch).Average(r => x[r * width + j]);
            double unbiased = Enumerable.Range(0, batch).Sum(r => Math.Pow(x[r * width + j] - m, 2)) / (batch - 1);
            Assert.Equal(0.9 * 0.5 + 0.1 * m, runningMean[j], 1e-12);
            Assert.Equal(0.9 * 2.0 + 0.1 * unbiased, runningVariance[j], 1e-9);
        }
        var inference = new double[x.Length];
        BatchNormOp.ForwardInference<double>(x, inference, gamma, beta, runningMean, runningVariance, batch, width, epsilon);
        for (int i = 0; i < x.Length; i++)
        {
            int j = i % width;
            Assert.Equal(gamma[j] * (x[i] - runningMean[j]) / Math.Sqrt(runningVariance[j] + epsilon) + beta[j], inference[i], 1e-12);
        }
    }

    private static double[] Numeric(double[] values, Func<double[], double> loss, double step = 1e-6)
    {
        var numeric = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + step; double plus = loss(values);
            values[i] = saved - step; double minus = loss(values);
            values[i] = saved;
            numeric[i] = (plus - minus) / (2 * step);
        }
        return numeric;
    }

    [Fact]
    public void LinearDecayFallsToTheFinalFractionThenHolds()
    {
        double[] rates = Enumerable.Range(1, 7).Select(k => LearningRateSchedule.Linear<double>(0.1, 0.01, k, 4)).ToArray();
        Reference.Close([0.1, 0.07525, 0.0505, 0.02575, 0.001, 0.001, 0.001], rates, 1e-14, 1e-16, "linear decay");
    }

    [Fact]
    public void GlobalNormScaleClipsOnlyAboveTheThreshold()
    {
        double[] g = [3, 4]; // norm 5
        Assert.Equal(1.0, GradientClipping.GlobalNormScale<double>(g, 10));
        Assert.Equal(2.0 / (5 + 1e-6), GradientClipping.GlobalNormScale<double>(g, 2), 15);
    }

    [Theory]
    [MemberData(nameof(WidthsAndLengths))]
    public void SumOfSquaresCoversEveryTail(int bits, int length)
    {
        using var width = Widths.Force(bits);
        double[] g = Reference.Random(length, 65 + length, 3);
        double expected = g.Sum(v => v * v);
        Assert.Equal(expected, GradientClipping.SumOfSquares<double>(g), 1e-12 * Math.Max(1, expected));
        float[] g32 = Reference.ToFloat(g);
        double expected32 = g32.Sum(v => (double)v * v);
        Assert.Equal(expected32, GradientClipping.SumOfSquares<float>(g32), 1e-6 * Math.Max(1, expected32));
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void SumOfSquaresOfAnEmbeddingSizedBufferIsTheSameOnOneCoreOrTwo(int bits)
    {
        // 300,007 floats, mostly zero as an embedding's gradient is: summed in two halves (on two cores when the helper is free).
        float[] g = new float[300_007];
        var random = new Random(66);
        for (int i = 0; i < g.Length; i += 1 + random.Next(40))
            g[i] = (float)(random.NextDouble() * 2 - 1);
        double expected = g.Sum(v => (double)v * v);
        double Sum()
        {
            using var width = Widths.Force(bits);
            return GradientClipping.SumOfSquares<float>(g);
        }
        double alone = Sum();
        Assert.Equal(expected, alone, 1e-6 * expected);
        Reference.SameWhenRunTwiceAtOnce(alone, Sum, (x, y) => Assert.Equal(x, y));
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
