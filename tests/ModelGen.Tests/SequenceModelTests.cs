using ModelGen.Initialization;
using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>
/// Sequence models: the recurrent kernels against a scalar float64 transcription of PyTorch's equations (every cell, both
/// directions, padding, every vector width and SIMD tail), one LSTM and one GRU step against hand-computed numbers,
/// backpropagation through time against finite differences through generated models (bidirectional, stacked, padded,
/// last-state and per-step heads), padding that cannot leak, input validation, learning, and 0 B per step.
/// </summary>
public class SequenceModelTests
{
    public static TheoryData<int, int> WidthsAndBatches() => Widths.Cross([1, 3]);

    public static TheoryData<int, int> WidthsAndUnits() => Widths.Cross([1, 7, 19, 53]); // 53: an odd count of vectors at 512 and 128 bits

    /// <summary>Token rows with lengths 6, 3, 5, 1, …: every sample ends in padding but the first.</summary>
    private static int[] PaddedTokens(int batch, int sequenceLength, int vocabulary, int padding, int seed)
    {
        var random = new Random(seed);
        var tokens = new int[batch * sequenceLength];
        for (int n = 0; n < batch; n++)
        {
            int length = n == 0 ? sequenceLength : 1 + (n * 5 + 2) % sequenceLength;
            for (int t = 0; t < sequenceLength; t++)
            {
                int token;
                do token = random.Next(vocabulary); while (token == padding);
                tokens[n * sequenceLength + t] = t < length ? token : padding;
            }
        }
        return tokens;
    }

    private static int[] Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(classes)).ToArray();
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void BidirectionalLstmTaggerGradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new TinyTagger.Network<double>(seed: 7);
        int[] tokens = PaddedTokens(batch, TinyTagger.SequenceLength, 9, padding: 0, seed: batch);
        // Padded steps carry labels out of range: the loss must ignore them.
        int[] labels = Labels(tokens.Length, 4, 10 + batch).Select((label, i) => tokens[i] == 0 ? 99 : label).ToArray();
        net.ComputeGradients(tokens, labels);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(tokens, labels), nameof(TinyTagger));
        // The padding token's embedding row never reaches a real step, so it gets no gradient.
        Assert.All(net.Gradients.Slice(0, 5).ToArray(), g => Assert.Equal(0, g));
    }

    /// <summary>
    /// A vocabulary large beside a batch: the folded embedding's backward clears only the rows the last one wrote, so a
    /// batch's gradients must not depend on the batch before it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void GradientsDoNotDependOnTheBatchBefore(int bits)
    {
        using var width = Widths.Force(bits);
        var random = new Random(41);
        int[] Batch(int samples) => Enumerable.Range(0, samples * WideVocabularyTagger.SequenceLength).Select(_ => random.Next(400)).ToArray();
        int[] first = Batch(4), second = Batch(3);
        int[] firstLabels = Labels(first.Length, 3, 1), secondLabels = Labels(second.Length, 3, 2);
        var net = new WideVocabularyTagger.Network<float>(seed: 9);
        net.ComputeGradients(first, firstLabels);
        net.ComputeGradients(second, secondLabels);
        var fresh = new WideVocabularyTagger.Network<float>(seed: 9);
        fresh.ComputeGradients(second, secondLabels);
        Assert.Equal(fresh.Gradients.ToArray(), net.Gradients.ToArray());
        Assert.Contains(net.Gradients.Slice(0, 400 * 4).ToArray(), g => g != 0);
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void StackedGruGradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new GruClassifier.Network<double>(seed: 8);
        var random = new Random(20 + batch);
        int[] tokens = Enumerable.Range(0, batch * GruClassifier.SequenceLength).Select(_ => random.Next(12)).ToArray();
        int[] labels = Labels(batch, 3, 30 + batch);
        net.ComputeGradients(tokens, labels);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(tokens, labels), nameof(GruClassifier));
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void PaddedSimpleRnnGradientsMatchFiniteDifferences(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new RnnClassifier.Network<double>(seed: 9);
        int[] tokens = PaddedTokens(batch, RnnClassifier.SequenceLength, 10, padding: 9, seed: 40 + batch);
        int[] labels = Labels(batch, 2, 50 + batch);
        net.ComputeGradients(tokens, labels);
        Assert.Contains(net.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, net.Gradients.ToArray(), () => net.ComputeLoss(tokens, labels), nameof(RnnClassifier));
    }

    [Theory]
    [MemberData(nameof(WidthsAndUnits))]
    public void KernelsMatchTheScalarEquationsInBothDirections(int bits, int units)
    {
        using var width = Widths.Force(bits);
        const int batch = 3, steps = 5, inputs = 4;
        int[] lengths = [5, 2, 4];
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
            foreach (bool reverse in new[] { false, true })
            {
                int gates = (cell == "lstm" ? 4 : cell == "gru" ? 3 : 1) * units;
                double[] x = Reference.Random(steps * batch * inputs, 1 + units);
                double[] wih = Reference.Random(gates * inputs, 2 + units, 0.5), whh = Reference.Random(gates * units, 3 + units, 0.5);
                double[] bih = Reference.Random(gates, 4 + units, 0.5), bhh = Reference.Random(gates, 5 + units, 0.5);
                double[] expected = ScalarRecurrent(cell, x, wih, whh, bih, bhh, lengths, batch, steps, inputs, units, reverse);

                var hidden = new double[steps * batch * units];
                var gateBuffer = new double[steps * batch * gates];
                var cells = new double[steps * batch * units];
                var recurrent = new double[batch * gates];
                void Run<TCell>() where TCell : IRecurrentCell
                    => RecurrentOp.Forward<double, TCell>(x, wih, whh, bih, bhh, hidden, gateBuffer, cells, recurrent, lengths, batch, steps, inputs, units, reverse, 0);
                if (cell == "lstm") Run<LstmCell>();
                else if (cell == "gru") Run<GruCell>();
                else Run<SimpleRnnCell<Tanh>>();
                Reference.Close(expected, hidden, 1e-12, 1e-13, $"{cell} {(reverse ? "reverse" : "forward")} h");

                var hiddenF = new float[hidden.Length];
                var gatesF = new float[gateBuffer.Length];
                var cellsF = new float[cells.Length];
                var recurrentF = new float[recurrent.Length];
                void RunFloat<TCell>() where TCell : IRecurrentCell
                    => RecurrentOp.Forward<float, TCell>(Reference.ToFloat(x), Reference.ToFloat(wih), Reference.ToFloat(whh), Reference.ToFloat(bih), Reference.ToFloat(bhh),
                        hiddenF, gatesF, cellsF, recurrentF, lengths, batch, steps, inputs, units, reverse, 0f);
                if (cell == "lstm") RunFloat<LstmCell>();
                else if (cell == "gru") RunFloat<GruCell>();
                else RunFloat<SimpleRnnCell<Tanh>>();
                Reference.Close(expected, hiddenF, 1e-4, 2e-6, $"{cell} {(reverse ? "reverse" : "forward")} h (float)");
            }
    }

    /// <summary>PyTorch's equations, one sample, one step at a time, in plain double arithmetic.</summary>
    private static double[] ScalarRecurrent(string cell, double[] x, double[] wih, double[] whh, double[] bih, double[] bhh, int[] lengths,
        int batch, int steps, int inputs, int units, bool reverse)
    {
        int gates = wih.Length / inputs;
        var output = new double[steps * batch * units];
        double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));
        for (int n = 0; n < batch; n++)
        {
            var h = new double[units];
            var c = new double[units];
            for (int s = 0; s < lengths[n]; s++)
            {
                int t = reverse ? lengths[n] - 1 - s : s;
                var xi = new double[gates];
                var hh = new double[gates];
                for (int g = 0; g < gates; g++)
                {
                    xi[g] = bih[g];
                    hh[g] = bhh[g];
                    for (int i = 0; i < inputs; i++)
                        xi[g] += wih[g * inputs + i] * x[(t * batch + n) * inputs + i];
                    for (int j = 0; j < units; j++)
                        hh[g] += whh[g * units + j] * h[j];
                }
                var next = new double[units];
                for (int j = 0; j < units; j++)
                {
                    if (cell == "lstm")
                    {
                        double i = Sigmoid(xi[j] + hh[j]), f = Sigmoid(xi[units + j] + hh[units + j]);
                        double g = Math.Tanh(xi[2 * units + j] + hh[2 * units + j]), o = Sigmoid(xi[3 * units + j] + hh[3 * units + j]);
                        c[j] = f * c[j] + i * g;
                        next[j] = o * Math.Tanh(c[j]);
                    }
                    else if (cell == "gru")
                    {
                        double r = Sigmoid(xi[j] + hh[j]), z = Sigmoid(xi[units + j] + hh[units + j]);
                        double candidate = Math.Tanh(xi[2 * units + j] + r * hh[2 * units + j]);
                        next[j] = (1 - z) * candidate + z * h[j];
                    }
                    else
                        next[j] = Math.Tanh(xi[j] + hh[j]);
                }
                h = next;
                Array.Copy(h, 0, output, (t * batch + n) * units, units);
            }
        }
        return output;
    }

    [Fact]
    public void OneLstmStepMatchesHandComputedValues()
    {
        // One unit, one input, x = 1, h₀ = c₀ = 0; W_ih = [0.5, −0.5, 1, 2] (gates i, f, g, o), b_ih = [0, 1, 0, 0], W_hh = b_hh = 0.
        //   i = σ(0.5) = 0.6224593312,  f = σ(−0.5 + 1) = 0.6224593312,  g = tanh(1) = 0.7615941560,  o = σ(2) = 0.8807970780
        //   c = f·0 + i·g = 0.4740613890,  h = o·tanh(c) = 0.8807970780 · 0.4414749937 = 0.3888498844
        var hidden = new double[1];
        var gates = new double[4];
        var cells = new double[1];
        RecurrentOp.Forward<double, LstmCell>([1.0], [0.5, -0.5, 1, 2], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], hidden, gates, cells, new double[4], [1], 1, 1, 1, 1, false, 0);
        Assert.Equal(0.6224593312, gates[1], 1e-9);
        Assert.Equal(0.4740613890, cells[0], 1e-9);
        Assert.Equal(0.3888498844, hidden[0], 1e-9);
    }

    [Fact]
    public void TwoGruStepsMatchHandComputedValues()
    {
        // One unit, one input, x = [1, 0], h₀ = 0; W_ih = [1, −1, 2] (gates r, z, n), b_ih = 0, W_hh = [0, 0, 3], b_hh = [0, 0, 0.5].
        //   step 1: r = σ(1) = 0.7310585786, z = σ(−1) = 0.2689414214, n = tanh(2 + r·(3·0 + 0.5)) = tanh(2.3655292893) = 0.9825198598
        //           h₁ = (1 − z)·n + z·0 = 0.7182795722
        //   step 2: r = z = σ(0) = 0.5, n = tanh(0 + 0.5·(3·h₁ + 0.5)) = tanh(1.3274193582) = 0.8686171932, h₂ = 0.5·n + 0.5·h₁ = 0.7934483827
        var hidden = new double[2];
        RecurrentOp.Forward<double, GruCell>([1.0, 0.0], [1, -1, 2], [0, 0, 3], [0, 0, 0], [0, 0, 0.5], hidden, new double[6], new double[2], new double[3], [2], 1, 2, 1, 1, false, 0);
        Assert.Equal(0.7182795722, hidden[0], 1e-9);
        Assert.Equal(0.7934483827, hidden[1], 1e-9);
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void PaddingNeverReachesRealSteps(int bits)
    {
        using var width = Widths.Force(bits);
        var net = new TinyTagger.Network<double>(seed: 12);
        const int length = TinyTagger.SequenceLength;
        int[] shortSample = [3, 5, 2, 0, 0, 0];   // 3 real steps
        int[] longSample = [4, 8, 1, 7, 6, 2];    // full length
        var alone = new double[length * 4];
        net.Predict(shortSample, alone);          // runs 3 steps
        var together = new double[2 * length * 4];
        net.Predict([.. longSample, .. shortSample], together); // runs 6 steps; the short sample is padded through the reverse sweep too
        Reference.Close(alone, together.AsSpan(length * 4, length * 4), 1e-12, 1e-14, "short sample alone vs beside a longer one");
        Assert.All(alone.AsSpan(3 * 4).ToArray(), p => Assert.Equal(0, p)); // padded steps predict nothing
        Assert.Equal(1, alone.AsSpan(0, 4).ToArray().Sum(), 12);

        // The labels of padded steps, whatever they are, change neither the loss nor the gradients.
        double loss = net.ComputeGradients(shortSample, [1, 2, 3, 0, 0, 0]);
        double[] gradients = net.Gradients.ToArray();
        Assert.Equal(loss, net.ComputeGradients(shortSample, [1, 2, 3, 3, -5, 1000]));
        Assert.Equal(gradients, net.Gradients.ToArray());
    }

    [Fact]
    public void BadTokensAndLabelsAreRejectedAndLeaveTheModelUnchanged()
    {
        var model = new TinyTagger();
        float[] before = model.Parameters.ToArray();
        int[] labels = new int[12];
        void Rejected<TException>(int[] tokens, int[] targets, string fragment) where TException : Exception
        {
            var error = Assert.Throws<TException>(() => model.TrainStep(tokens, targets));
            Assert.Contains("TinyTagger.TrainStep", error.Message);
            Assert.Contains(fragment, error.Message);
        }
        Rejected<ArgumentOutOfRangeException>([1, 2, 9, 0, 0, 0, 1, 1, 1, 1, 1, 1], labels, "token 9 at sample 0, step 2 is outside layer 'Words''s vocabulary [0, 9)");
        Rejected<ArgumentException>([1, 2, 0, 3, 0, 0, 1, 1, 1, 1, 1, 1], labels, "token 3 at sample 0, step 3 follows the padding id 0");
        Rejected<ArgumentException>([1, 2, 3, 0, 0, 0, 0, 1, 1, 1, 1, 1], labels, "sample 1 starts with the padding id 0");
        Rejected<ArgumentException>([1, 2, 3, 4, 5], [0, 0, 0, 0, 0], "not a multiple of 6");
        Rejected<ArgumentException>([1, 2, 3, 0, 0, 0], labels, "expected shape [1 × 6] (one class index per step)");
        Rejected<ArgumentOutOfRangeException>([1, 2, 3, 0, 0, 0], [0, 4, 0, 0, 0, 0], "label 4 of sample 0, step 1 is out of range");
        Assert.Equal(0, model.Step);
        Assert.Equal(before, model.Parameters.ToArray());
        var error = Assert.Throws<ArgumentException>(() => model.Predict([1, 2, 3, 0, 0, 0], new float[6 * 4 - 1]));
        Assert.Contains("[1 × 24]", error.Message);
    }

    [Fact]
    public void LearnsATaskThatNeedsBothDirectionsWithoutAllocating()
    {
        // Each word's tag is 2·(previous word mod 2) + (next word mod 2) (a missing neighbour counts as 0): the forward direction sees
        // one neighbour, the reverse direction the other. Lengths vary from 2 to 6.
        var model = new TinyTagger();
        const int batch = 32, length = TinyTagger.SequenceLength;
        var random = new SeededRandom(5);
        var tokens = new int[batch * length];
        var labels = new int[batch * length];
        void Fill()
        {
            for (int n = 0; n < batch; n++)
            {
                int real = 2 + random.NextInt(length - 1);
                for (int t = 0; t < length; t++)
                    tokens[n * length + t] = t < real ? 1 + random.NextInt(8) : 0;
                for (int t = 0; t < length; t++)
                {
                    int previous = t > 0 ? tokens[n * length + t - 1] : 0, next = t + 1 < real ? tokens[n * length + t + 1] : 0;
                    labels[n * length + t] = t < real ? 2 * (previous % 2) + next % 2 : 0;
                }
            }
        }
        for (int step = 0; step < 600; step++)
        {
            Fill();
            model.TrainStep(tokens, labels);
        }
        Fill();
        var probabilities = new float[batch * length * 4];
        model.Predict(tokens, probabilities);
        int correct = 0, total = 0;
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] != 0)
            {
                total++;
                correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.AsSpan(i * 4, 4)) == labels[i] ? 1 : 0;
            }
        Assert.True(correct >= 0.9 * total, $"{correct}/{total} tags right after 600 steps");

        // Warm-up of the measured calls: the smaller batch's first use and tiered JIT's call counting (which allocates on
        // this thread around call 30 of a method first reached here) — a per-call allocation would still show below.
        for (int i = 0; i < 40; i++)
        {
            model.Predict(tokens, probabilities);
            model.Predict(tokens.AsSpan(0, length), probabilities.AsSpan(0, length * 4));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            model.TrainStep(tokens, labels);
            model.Predict(tokens, probabilities);
            model.Predict(tokens.AsSpan(0, length), probabilities.AsSpan(0, length * 4));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ClippingByValueBoundsEveryElementOfTheStep()
    {
        var net = new ValueClippedRnn.Network<double>(seed: 2);
        int[] tokens = [1, 2, 3, 4, 5, 0, 1, 2];
        int[] labels = [0, 1];
        double[] unclipped = new double[net.Parameters.Length];
        net.ComputeGradients(tokens, labels);
        net.Gradients.CopyTo(unclipped);
        Assert.Contains(unclipped, g => Math.Abs(g) > 0.01); // the clip has work to do
        double[] before = net.Parameters.ToArray();
        net.TrainStep(tokens, labels);
        double[] after = net.Parameters.ToArray();
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(-Math.Clamp(unclipped[i], -(double)0.01f, 0.01f), after[i] - before[i], 1e-15); // the declared float limit, widened
    }

    [Theory]
    [InlineData(5, 5, 3)]
    [InlineData(3, 7, 2)]
    [InlineData(7, 3, 1)]
    public void OrthogonalBlocksAreOrthonormal(int rows, int columns, int blocks)
    {
        var weights = new double[rows * columns * blocks];
        WeightInitializer.Fill<double>(Initializer.Orthogonal, weights, fanIn: columns, fanOut: rows, new SeededRandom(4));
        bool byRows = rows <= columns;
        int vectors = byRows ? rows : columns;
        for (int b = 0; b < blocks; b++)
            for (int u = 0; u < vectors; u++)
                for (int v = 0; v < vectors; v++)
                {
                    double dot = 0;
                    for (int k = 0; k < (byRows ? columns : rows); k++)
                        dot += byRows
                            ? weights[b * rows * columns + u * columns + k] * weights[b * rows * columns + v * columns + k]
                            : weights[b * rows * columns + k * columns + u] * weights[b * rows * columns + k * columns + v];
                    Assert.Equal(u == v ? 1 : 0, dot, 1e-12);
                }
        if (blocks > 1) // each block draws its own matrix
            Assert.NotEqual(weights.AsSpan(0, rows * columns).ToArray(), weights.AsSpan(weights.Length - rows * columns).ToArray());
    }

    [Theory]
    [InlineData("Features.weight", 4, 18, 2.0)]  // [filters × channels·k²], rows orthonormal, ReLU's gain √2
    [InlineData("Hidden.weight", 16, 3, 25.0 / 9)] // held [inputs × units]: columns orthonormal, tanh's gain 5/3
    [InlineData("Output.weight", 3, 2, 1.0)]       // a linear head: gain 1
    public void OrthogonalLayersAreScaledByTheirActivationsGain(string name, int rows, int columns, double squaredGain)
    {
        var net = new OrthogonalZoo.Network<double>(seed: 8);
        ReadOnlySpan<double> w = net.Parameter(name);
        Assert.Equal(rows * columns, w.Length);
        bool byRows = rows <= columns;
        int vectors = byRows ? rows : columns, length = byRows ? columns : rows;
        for (int u = 0; u < vectors; u++)
            for (int v = 0; v < vectors; v++)
            {
                double dot = 0;
                for (int k = 0; k < length; k++)
                    dot += byRows ? w[u * columns + k] * w[v * columns + k] : w[k * columns + u] * w[k * columns + v];
                Assert.Equal(u == v ? squaredGain : 0, dot, 1e-12);
            }
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void BatchesSplitAcrossCoresMatchOneSampleAtATime(int bits)
    {
        // Large enough (16 samples × 24 steps × 96 units) for the two-core sweep, which runs every step for half of the
        // batch on each core; each sample alone (a batch of one never splits) must give the same states and gradients.
        using var width = Widths.Force(bits);
        const int batch = 16, steps = 24, inputs = 20, units = 96;
        int[] lengths = Enumerable.Range(0, batch).Select(n => n % 3 == 0 ? steps : 1 + (n * 7) % steps).ToArray();
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
            foreach (bool reverse in new[] { false, true })
            {
                int gates = (cell == "lstm" ? 4 : cell == "gru" ? 3 : 1) * units;
                double[] x = Reference.Random(steps * batch * inputs, 11);
                double[] wih = Reference.Random(gates * inputs, 12, 0.2), whh = Reference.Random(gates * units, 13, 0.1);
                double[] bih = Reference.Random(gates, 14, 0.2), bhh = Reference.Random(gates, 15, 0.2);
                double[] dy = Reference.Random(steps * batch * units, 16);
                (double[] Hidden, double[] GateGradient) Run(double[] input, double[] outputGradient, int[] sampleLengths, int samples)
                {
                    var hidden = new double[steps * samples * units];
                    var gateBuffer = new double[steps * samples * gates];
                    var cells = new double[steps * samples * units];
                    var dGates = new double[steps * samples * gates];
                    var dHidden = new double[steps * samples * gates];
                    var carry = new double[samples * units];
                    double[] dh = (double[])outputGradient.Clone();
                    void Both<TCell>(Span<double> hiddenSide, Span<double> cellCarry) where TCell : IRecurrentCell
                    {
                        RecurrentOp.Forward<double, TCell>(input, wih, whh, bih, bhh, hidden, gateBuffer, cells, new double[samples * gates], sampleLengths,
                            samples, steps, inputs, units, reverse, 0);
                        RecurrentOp.BackwardThroughTime<double, TCell>(dh, whh, hidden, gateBuffer, cells, dGates, hiddenSide, cellCarry, sampleLengths,
                            samples, steps, units, reverse, 0);
                    }
                    if (cell == "lstm") Both<LstmCell>(default, carry);
                    else if (cell == "gru") Both<GruCell>(dHidden, default);
                    else Both<SimpleRnnCell<Tanh>>(default, default);
                    return (hidden, dGates);
                }
                var (allHidden, allGradients) = Run(x, dy, lengths, batch);
                for (int n = 0; n < batch; n++)
                {
                    double[] Sample(double[] timeMajor, int features) => Enumerable.Range(0, steps)
                        .SelectMany(t => timeMajor.AsSpan((t * batch + n) * features, features).ToArray()).ToArray();
                    var (hidden, gradients) = Run(Sample(x, inputs), Sample(dy, units), [lengths[n]], 1);
                    Reference.Close(hidden, Sample(allHidden, units), 1e-12, 1e-14, $"{cell} {(reverse ? "reverse" : "forward")} h of sample {n}");
                    Reference.Close(gradients, Sample(allGradients, gates), 1e-12, 1e-14, $"{cell} {(reverse ? "reverse" : "forward")} dG of sample {n}");
                }
            }
    }

    public static TheoryData<int, int, int> WidthsAndSweepShapes() => WidthsAnd((1, 7), (3, 19), (16, 96), (13, 40), (7, 150), (61, 32));

    /// <summary>Each (batch, units) once per width, the width first.</summary>
    private static TheoryData<int, int, int> WidthsAnd(params (int Batch, int Units)[] shapes)
    {
        var data = new TheoryData<int, int, int>();
        foreach (int bits in Widths.Bits)
            foreach (var (batch, units) in shapes)
                data.Add(bits, batch, units);
        return data;
    }

    /// <summary>
    /// The float sweeps (W_hh packed once into the GEMM's panels at a vector width) against the float64 ones (checked by
    /// finite differences): one sample (the row-major matrix-vector steps); 3 samples on one core; 16 × 96 units split across two, every step's rows a 6-row tile and an
    /// edge, backward's 384-deep product in several depth blocks; 13 × 40: 160 gate columns, a 64-wide panel's edge;
    /// 7 × 150: forward's own product (C overwritten, not added to) in two depth blocks; 61 × 32: halves of 30 and 31
    /// samples. Then the parameter gradients from those: split across two cores (16 and 61 samples), each core sums its
    /// own samples in blocks of steps (8 steps of 30 or 31 samples, then one), the second core's sums added at the end.
    /// </summary>
    [Theory]
    [MemberData(nameof(WidthsAndSweepShapes))]
    public void FloatSweepsMatchTheFloat64OnesForwardAndThroughTime(int bits, int batch, int units)
    {
        using var width = Widths.Force(bits);
        const int steps = 9, inputs = 5;
        int[] lengths = Enumerable.Range(0, batch).Select(n => n % 4 == 1 ? 1 + n % steps : steps).ToArray();
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
            foreach (bool reverse in new[] { false, true })
            {
                int gates = (cell == "lstm" ? 4 : cell == "gru" ? 3 : 1) * units;
                double[] x = Reference.Random(steps * batch * inputs, 21 + units);
                double[] wih = Reference.Random(gates * inputs, 22, 0.4), whh = Reference.Random(gates * units, 23, 2.0 / Math.Sqrt(units));
                double[] bih = Reference.Random(gates, 24, 0.2), bhh = Reference.Random(gates, 25, 0.2);
                double[] dy = Reference.Random(steps * batch * units, 26);
                var hidden = new double[steps * batch * units];
                var gateBuffer = new double[steps * batch * gates];
                var cells = new double[steps * batch * units];
                var dGates = new double[steps * batch * gates];
                var dHidden = new double[steps * batch * gates];
                double[] dh = (double[])dy.Clone();
                var hiddenF = new float[hidden.Length];
                var gateBufferF = new float[gateBuffer.Length];
                var cellsF = new float[cells.Length];
                var dGatesF = new float[dGates.Length];
                var dHiddenF = new float[dHidden.Length];
                float[] dhF = Reference.ToFloat(dy);
                double[] dWih = new double[gates * inputs], dWhh = new double[gates * units], dbih = new double[gates], dbhh = new double[gates];
                float[] dWihF = new float[dWih.Length], dWhhF = new float[dWhh.Length], dbihF = new float[gates], dbhhF = new float[gates];
                void Both<TCell>(bool separate, bool carries) where TCell : IRecurrentCell
                {
                    RecurrentOp.Forward<double, TCell>(x, wih, whh, bih, bhh, hidden, gateBuffer, cells, new double[batch * gates], lengths,
                        batch, steps, inputs, units, reverse, 0);
                    RecurrentOp.BackwardThroughTime<double, TCell>(dh, whh, hidden, gateBuffer, cells, dGates, separate ? dHidden : default,
                        carries ? new double[batch * units] : default, lengths, batch, steps, units, reverse, 0);
                    RecurrentOp.Forward<float, TCell>(Reference.ToFloat(x), Reference.ToFloat(wih), Reference.ToFloat(whh), Reference.ToFloat(bih),
                        Reference.ToFloat(bhh), hiddenF, gateBufferF, cellsF, new float[batch * gates], lengths, batch, steps, inputs, units, reverse, 0f);
                    RecurrentOp.BackwardThroughTime<float, TCell>(dhF, Reference.ToFloat(whh), hiddenF, gateBufferF, cellsF, dGatesF,
                        separate ? dHiddenF : default, carries ? new float[batch * units] : default, lengths, batch, steps, units, reverse, 0f);
                    RecurrentOp.BackwardParameters<double, TCell>(x, hidden, dGates, separate ? dHidden : default, dWih, dWhh, dbih, dbhh,
                        batch, steps, inputs, units, reverse);
                    Array.Fill(dWihF, 7f); // overwritten, never added to
                    Array.Fill(dbhhF, 7f);
                    RecurrentOp.BackwardParameters<float, TCell>(Reference.ToFloat(x), hiddenF, dGatesF, separate ? dHiddenF : default, dWihF, dWhhF, dbihF, dbhhF,
                        batch, steps, inputs, units, reverse);
                }
                if (cell == "lstm") Both<LstmCell>(separate: false, carries: true);
                else if (cell == "gru") Both<GruCell>(separate: true, carries: false);
                else Both<SimpleRnnCell<Tanh>>(separate: false, carries: false);
                string what = $"{cell} {(reverse ? "reverse" : "forward")} {batch}×{units}";
                Reference.Close(hidden, hiddenF, 1e-4, 1e-5, $"{what} h");
                Reference.Close(dh, dhF, 1e-4, 1e-4, $"{what} ∂loss/∂h with the recurrent terms");
                Reference.Close(dGates, dGatesF, 1e-4, 1e-4, $"{what} gate gradients");
                if (cell == "gru")
                    Reference.Close(dHidden, dHiddenF, 1e-4, 1e-4, $"{what} h-side gate gradients");
                double sums = 1e-4 * Math.Sqrt(batch * steps);
                Reference.Close(dWih, dWihF, 1e-4, sums, $"{what} dW_ih");
                Reference.Close(dWhh, dWhhF, 1e-4, sums, $"{what} dW_hh");
                Reference.Close(dbih, dbihF, 1e-4, sums, $"{what} db_ih");
                Reference.Close(dbhh, dbhhF, 1e-4, sums, $"{what} db_hh");
            }
    }

    /// <summary>
    /// Backpropagation from the last states (the sweep keeps ∂loss/∂h of two steps in its own scratch) gives the gate
    /// gradients of the same sweep over a ∂loss/∂h sequence that is each state's gradient at the step it was read from
    /// (the last real step forward, step 0 reversed) and 0 elsewhere: bit for bit, in float and float64, on one core
    /// (3 samples) and split across two (16 × 96), with padded samples, every cell, both directions.
    /// </summary>
    [Theory]
    [MemberData(nameof(WidthsAndLastStateShapes))]
    public void LastStateGradientEqualsItsSequenceOfZeros(int bits, int batch, int units)
    {
        using var width = Widths.Force(bits);
        const int steps = 11, inputs = 6;
        int[] lengths = Enumerable.Range(0, batch).Select(n => n % 3 == 2 ? 1 + n % steps : steps).ToArray();
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
            foreach (bool reverse in new[] { false, true })
            {
                int gates = (cell == "lstm" ? 4 : cell == "gru" ? 3 : 1) * units;
                double[] lastState = Reference.Random(batch * units, 31);
                var sequence = new double[steps * batch * units];
                for (int n = 0; n < batch; n++)
                    lastState.AsSpan(n * units, units).CopyTo(sequence.AsSpan(((reverse ? 0 : lengths[n] - 1) * batch + n) * units));
                var x = Reference.Random(steps * batch * inputs, 32);
                double[] wih = Reference.Random(gates * inputs, 33, 0.4), whh = Reference.Random(gates * units, 34, 2.0 / Math.Sqrt(units));
                double[] bih = Reference.Random(gates, 35, 0.2), bhh = Reference.Random(gates, 36, 0.2);
                string what = $"{cell} {(reverse ? "reverse" : "forward")} {batch}×{units}";
                if (cell == "lstm") Compare<LstmCell>(separate: false, carries: true);
                else if (cell == "gru") Compare<GruCell>(separate: true, carries: false);
                else Compare<SimpleRnnCell<Tanh>>(separate: false, carries: false);

                void Compare<TCell>(bool separate, bool carries) where TCell : IRecurrentCell
                {
                    var (fromState, fromSequence) = (Sweep<double, TCell>(x, wih, whh, bih, bhh, lastState, separate, carries, fromLastState: true),
                        Sweep<double, TCell>(x, wih, whh, bih, bhh, sequence, separate, carries, fromLastState: false));
                    Assert.True(fromState.SequenceEqual(fromSequence), $"{what}: float64 gate gradients differ");
                    var (fromStateF, fromSequenceF) = (Sweep<float, TCell>(Reference.ToFloat(x), Reference.ToFloat(wih), Reference.ToFloat(whh), Reference.ToFloat(bih),
                        Reference.ToFloat(bhh), Reference.ToFloat(lastState), separate, carries, fromLastState: true),
                        Sweep<float, TCell>(Reference.ToFloat(x), Reference.ToFloat(wih), Reference.ToFloat(whh), Reference.ToFloat(bih), Reference.ToFloat(bhh),
                            Reference.ToFloat(sequence), separate, carries, fromLastState: false));
                    Assert.True(fromStateF.SequenceEqual(fromSequenceF), $"{what}: float gate gradients differ");
                    Assert.Contains(fromStateF, g => g != 0);
                }

                // Forward, then backward from the last states or from the sequence; the gate gradients, both sides side by side.
                T[] Sweep<T, TCell>(T[] input, T[] inputWeights, T[] hiddenWeights, T[] inputBias, T[] hiddenBias, T[] gradient, bool separate, bool carries,
                    bool fromLastState) where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T> where TCell : IRecurrentCell
                {
                    var hidden = new T[steps * batch * units];
                    var gateBuffer = new T[steps * batch * gates];
                    var cells = new T[steps * batch * units];
                    var dHidden = new T[steps * batch * gates];
                    RecurrentOp.Forward<T, TCell>(input, inputWeights, hiddenWeights, inputBias, hiddenBias, hidden, gateBuffer, cells, new T[batch * gates], lengths,
                        batch, steps, inputs, units, reverse, T.Zero);
                    RecurrentOp.BackwardThroughTime<T, TCell>(fromLastState ? default : (T[])gradient.Clone(), hiddenWeights, hidden, gateBuffer, cells, gateBuffer,
                        separate ? dHidden : default, carries ? new T[batch * units] : default, lengths, batch, steps, units, reverse, T.Zero,
                        lastStateGradient: fromLastState ? gradient : default);
                    return [.. gateBuffer, .. dHidden];
                }
            }
    }

    public static TheoryData<int, int, int> WidthsAndLastStateShapes() => WidthsAnd((3, 19), (16, 96));

    [Fact]
    public void BackwardThroughTimeNamesTheGradientItWasGivenWrong()
    {
        const int batch = 2, steps = 3, units = 4, gates = 4 * units;
        var hidden = new float[steps * batch * units];
        var gateBuffer = Enumerable.Repeat(0.5f, steps * batch * gates).ToArray(); // a sweep would write gradients over them
        var cells = new float[steps * batch * units];
        var whh = new float[gates * units];
        int[] lengths = [steps, steps];
        var both = Assert.Throws<ArgumentException>(() => RecurrentOp.BackwardThroughTime<float, LstmCell>(new float[steps * batch * units], whh, hidden, gateBuffer,
            cells, gateBuffer, default, new float[batch * units], lengths, batch, steps, units, reverse: false, 0f, lastStateGradient: new float[batch * units]));
        Assert.Contains("no ∂loss/∂h sequence", both.Message);
        var shortSequence = Assert.Throws<ArgumentException>(() => RecurrentOp.BackwardThroughTime<float, LstmCell>(new float[steps * batch * units - 1], whh, hidden,
            gateBuffer, cells, gateBuffer, default, new float[batch * units], lengths, batch, steps, units, reverse: false, 0f));
        Assert.Contains($"{batch} samples × {steps} steps × {units} units", shortSequence.Message);
        Assert.All(gateBuffer, g => Assert.Equal(0.5f, g)); // rejected before anything was written
    }

    /// <summary>Batches and units for the fold: 48 × 64 runs the sweeps, parameter gradients and token sums on two cores.</summary>
    public static TheoryData<int, int, int> WidthsBatchesAndUnits() => WidthsAnd((1, 7), (4, 19), (13, 16), (48, 64));

    /// <summary>
    /// An embedding folded into the recurrent layers that read it (the distinct-token projection): both directions of a
    /// bidirectional layer over one embedding, every cell, padded samples and repeated tokens — the hidden states, every
    /// parameter gradient and the embedding's gradient equal the unfolded layers' in float64 to rounding, and the float
    /// fold stays within float rounding of them.
    /// </summary>
    [Theory]
    [MemberData(nameof(WidthsBatchesAndUnits))]
    public void DistinctTokenFoldMatchesTheUnfoldedLayersThroughTheEmbedding(int bits, int batch, int units)
    {
        using var width = Widths.Force(bits);
        const int steps = 7, inputs = 5;
        // A vocabulary of 11 repeats tokens (folded); one of 1,000 hardly does, and the batch runs per position.
        foreach (int vocabulary in new[] { 11, 1000 })
        foreach (string cell in new[] { "lstm", "gru", "rnn" })
        {
            int padding = vocabulary - 1;
            int[] tokens = PaddedTokens(batch, steps, vocabulary, padding, seed: batch + units);
            int[] lengths = new int[batch];
            EmbeddingOp.Lengths(tokens, lengths, batch, steps, padding);
            double[] table = Reference.Random(vocabulary * inputs, 60 + units);
            int gates = (cell == "lstm" ? 4 : cell == "gru" ? 3 : 1) * units;
            var parameters = new[] { false, true }.Select(reverse => (
                Wih: Reference.Random(gates * inputs, reverse ? 61 : 62, 0.4), Whh: Reference.Random(gates * units, reverse ? 63 : 64, 2.0 / Math.Sqrt(units)),
                Bih: Reference.Random(gates, reverse ? 65 : 66, 0.2), Bhh: Reference.Random(gates, reverse ? 67 : 68, 0.2),
                Dy: Reference.Random(steps * batch * units, reverse ? 69 : 70))).ToArray();
            var expected = Layers<double>(cell, folded: false, tokens, lengths, table, parameters, batch, steps, inputs, units, gates, vocabulary);
            var folded = Layers<double>(cell, folded: true, tokens, lengths, table, parameters, batch, steps, inputs, units, gates, vocabulary);
            var floatFolded = Layers<float>(cell, folded: true, tokens, lengths, table, parameters, batch, steps, inputs, units, gates, vocabulary);
            for (int k = 0; k < expected.Length; k++)
            {
                string what = $"{cell} {batch}×{units}, vocabulary {vocabulary}, {expected[k].Name}";
                Reference.Close(expected[k].Values, folded[k].Values, 1e-12, 1e-12, what + " (float64 fold)");
                Reference.Close(expected[k].Values, floatFolded[k].Values, 1e-4, 1e-4 * Math.Sqrt(batch * steps), what + " (float fold)");
            }
            double[] tableGradient = folded[^1].Values;
            for (int token = 0; token < vocabulary; token++)
                if (!Enumerable.Range(0, batch).Any(n => Enumerable.Range(0, lengths[n]).Any(t => tokens[n * steps + t] == token)))
                    Assert.All(tableGradient.Skip(token * inputs).Take(inputs), g => Assert.Equal(0, g));
        }
    }

    /// <summary>
    /// One embedding read by a forward and a reverse layer of <paramref name="cell"/>s: forward, backward from each layer's
    /// dy, and every result (h of both, each layer's four parameter gradients, dE) as float64 — unfolded (lookup, x·W_ihᵀ
    /// per position, dX, scatter) or folded over the batch's distinct tokens.
    /// </summary>
    private static (string Name, double[] Values)[] Layers<T>(string cell, bool folded, int[] tokens, int[] lengths, double[] table,
        (double[] Wih, double[] Whh, double[] Bih, double[] Bhh, double[] Dy)[] parameters, int batch, int steps, int inputs, int units, int gates, int vocabulary)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        static T[] Of(double[] values) => values.Select(T.CreateChecked).ToArray();
        var results = new List<(string, double[])>();
        T[] x = new T[steps * batch * inputs], dx = new T[x.Length], tableGradient = Enumerable.Repeat(T.CreateChecked(7), vocabulary * inputs).ToArray();
        var distinct = new DistinctTokens();
        if (folded)
        {
            EmbeddingOp.ForwardDistinct(tokens, Of(table), distinct, x, lengths, batch, steps, steps, inputs);
            int[] real = Enumerable.Range(0, batch).SelectMany(n => tokens.Skip(n * steps).Take(lengths[n])).ToArray();
            int different = real.Distinct().Count();
            Assert.Equal(4 * different > 3 * real.Length, distinct.PerPosition);
            Assert.Equal(distinct.PerPosition ? batch * steps : different, distinct.Count);
            for (int slot = 0; slot < distinct.Count; slot++) // how many real positions hold each slot's token (a padded slot none)
                Assert.Equal(distinct.PerPosition ? (distinct.Tokens[slot] < 0 ? 0 : 1) : real.Count(token => token == distinct.Tokens[slot]), distinct.Occurrences[slot]);
        }
        else
            EmbeddingOp.Forward(tokens, Of(table), x, lengths, batch, steps, steps, inputs);
        for (int direction = 0; direction < 2; direction++)
        {
            bool reverse = direction == 1;
            var (wih, whh, bih, bhh, dy) = (Of(parameters[direction].Wih), Of(parameters[direction].Whh), Of(parameters[direction].Bih), Of(parameters[direction].Bhh), Of(parameters[direction].Dy));
            T[] hidden = new T[steps * batch * units], gateBuffer = new T[steps * batch * gates], cells = new T[steps * batch * units], projection = new T[steps * batch * gates];
            T[] dGates = new T[gateBuffer.Length], dHidden = new T[gateBuffer.Length];
            T[] dWih = new T[gates * inputs], dWhh = new T[gates * units], dbih = new T[gates], dbhh = new T[gates];
            void Run<TCell>(bool separate, bool carries) where TCell : IRecurrentCell
            {
                if (folded)
                    RecurrentOp.ForwardDistinct<T, TCell>(distinct, x, wih, whh, bih, bhh, hidden, gateBuffer, cells, new T[batch * gates], projection, lengths,
                        batch, steps, inputs, units, reverse, T.Zero);
                else
                    RecurrentOp.Forward<T, TCell>(x, wih, whh, bih, bhh, hidden, gateBuffer, cells, new T[batch * gates], lengths, batch, steps, inputs, units, reverse, T.Zero);
                RecurrentOp.BackwardThroughTime<T, TCell>(dy, whh, hidden, gateBuffer, cells, dGates, separate ? dHidden : default,
                    carries ? new T[batch * units] : default, lengths, batch, steps, units, reverse, T.Zero);
                if (folded)
                {
                    RecurrentOp.BackwardParametersDistinct<T, TCell>(distinct, x, hidden, dGates, separate ? dHidden : default, projection, dWih, dWhh, dbih, dbhh,
                        batch, steps, inputs, units, reverse);
                    RecurrentOp.BackwardInputDistinct<T, TCell>(distinct, dGates, projection, wih, dx, inputs, units, accumulate: reverse);
                }
                else
                {
                    RecurrentOp.BackwardParameters<T, TCell>(x, hidden, dGates, separate ? dHidden : default, dWih, dWhh, dbih, dbhh, batch, steps, inputs, units, reverse);
                    RecurrentOp.BackwardInput<T, TCell>(dGates, wih, dx, batch, steps, inputs, units, accumulate: reverse);
                }
            }
            if (cell == "lstm") Run<LstmCell>(separate: false, carries: true);
            else if (cell == "gru") Run<GruCell>(separate: true, carries: false);
            else Run<SimpleRnnCell<Tanh>>(separate: false, carries: false);
            string name = reverse ? "reverse " : "forward ";
            results.Add((name + "h", hidden.Select(double.CreateChecked).ToArray()));
            results.Add((name + "dW_ih", dWih.Select(double.CreateChecked).ToArray()));
            results.Add((name + "dW_hh", dWhh.Select(double.CreateChecked).ToArray()));
            results.Add((name + "db_ih", dbih.Select(double.CreateChecked).ToArray()));
            results.Add((name + "db_hh", dbhh.Select(double.CreateChecked).ToArray()));
        }
        if (folded)
            EmbeddingOp.BackwardDistinct(distinct, dx, tableGradient, inputs);
        else
            EmbeddingOp.BackwardWeights(tokens, dx, tableGradient, lengths, batch, steps, steps, inputs);
        results.Add(("dE", tableGradient.Select(double.CreateChecked).ToArray()));
        return results.ToArray();
    }

    /// <summary>
    /// A folded embedding's gradient with the rows its last backward wrote (<see cref="WrittenRows"/>) equals a whole-table
    /// clear bit for bit, over batches that repeat few tokens (per position) and many, with padding, the tracked table
    /// starting as NaN (the first call clears it whole), and a batch of more distinct tokens than a quarter of the
    /// vocabulary between (cleared whole, then tracked again); dimensions 5 and 16 for the vector tails.
    /// </summary>
    [Theory]
    [MemberData(nameof(WidthsAndUnits))]
    public void EmbeddingGradientClearsOnlyTheRowsItWroteLast(int bits, int dimension)
    {
        using var width = Widths.Force(bits);
        const int vocabulary = 1000;
        var tracked = Enumerable.Repeat(float.NaN, vocabulary * dimension).ToArray();
        var written = new WrittenRows();
        var random = new Random(dimension);
        foreach (var (batch, steps, range) in new[] { (4, 6, 1000), (3, 5, 20), (16, 20, 1000), (2, 7, 1000), (5, 4, 3) })
        {
            var distinct = new DistinctTokens();
            int[] tokens = Enumerable.Range(0, batch * steps).Select(_ => random.Next(range)).ToArray();
            int[] lengths = Enumerable.Range(0, batch).Select(n => n == 1 ? steps / 2 : steps).ToArray(); // sample 1 padded
            distinct.Collect(tokens, lengths, batch, steps, steps, vocabulary);
            float[] rows = Reference.ToFloat(Reference.Random(distinct.Count * dimension, batch + steps));
            var whole = Enumerable.Repeat(float.NaN, vocabulary * dimension).ToArray();
            EmbeddingOp.BackwardDistinct<float>(distinct, rows, whole, dimension);
            EmbeddingOp.BackwardDistinct<float>(distinct, rows, tracked, dimension, written);
            Assert.Equal(whole, tracked);
        }
    }

    [Fact]
    public void FloatGateNonlinearitiesStayWithinAFewRoundingsOfTheTrueValues()
    {
        // The cells' float σ and tanh are a rational approximation (no exponentials); check it at every width over
        // [−20, 20], the saturated ends included, and that NaN stays NaN.
        double worstTanh = 0, worstSigmoid = 0;
        for (int i = -200_000; i <= 200_000; i++)
        {
            float x = i * 1e-4f;
            float[] tanh = [Tanh<System.Runtime.Intrinsics.Vector512<float>, ModelGen.Simd.Vector512Ops<float>>(x), Tanh<System.Runtime.Intrinsics.Vector256<float>, ModelGen.Simd.Vector256Ops<float>>(x),
                Tanh<System.Runtime.Intrinsics.Vector128<float>, ModelGen.Simd.Vector128Ops<float>>(x), RecurrentOp.Tanh<float, float, ModelGen.Simd.ScalarOps<float>>(x)];
            float[] sigmoid = [Sigmoid<System.Runtime.Intrinsics.Vector512<float>, ModelGen.Simd.Vector512Ops<float>>(x), Sigmoid<System.Runtime.Intrinsics.Vector256<float>, ModelGen.Simd.Vector256Ops<float>>(x),
                Sigmoid<System.Runtime.Intrinsics.Vector128<float>, ModelGen.Simd.Vector128Ops<float>>(x), RecurrentOp.Sigmoid<float, float, ModelGen.Simd.ScalarOps<float>>(x)];
            foreach (float t in tanh)
                worstTanh = Math.Max(worstTanh, Math.Abs(t - Math.Tanh(x)));
            foreach (float s in sigmoid)
                worstSigmoid = Math.Max(worstSigmoid, Math.Abs(s - 1 / (1 + Math.Exp(-(double)x))));
        }
        Assert.True(worstTanh < 1e-6, $"tanh is off by {worstTanh}");
        Assert.True(worstSigmoid < 1e-6, $"σ is off by {worstSigmoid}");
        // NaN stays NaN at every width (the clamp's native min and max must keep it), infinities saturate.
        foreach (float special in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] tanh = [Tanh<System.Runtime.Intrinsics.Vector512<float>, ModelGen.Simd.Vector512Ops<float>>(special), Tanh<System.Runtime.Intrinsics.Vector256<float>, ModelGen.Simd.Vector256Ops<float>>(special),
                Tanh<System.Runtime.Intrinsics.Vector128<float>, ModelGen.Simd.Vector128Ops<float>>(special), RecurrentOp.Tanh<float, float, ModelGen.Simd.ScalarOps<float>>(special)];
            float[] sigmoid = [Sigmoid<System.Runtime.Intrinsics.Vector512<float>, ModelGen.Simd.Vector512Ops<float>>(special), Sigmoid<System.Runtime.Intrinsics.Vector256<float>, ModelGen.Simd.Vector256Ops<float>>(special),
                Sigmoid<System.Runtime.Intrinsics.Vector128<float>, ModelGen.Simd.Vector128Ops<float>>(special), RecurrentOp.Sigmoid<float, float, ModelGen.Simd.ScalarOps<float>>(special)];
            foreach (float t in tanh)
                Assert.True(float.IsNaN(special) ? float.IsNaN(t) : Math.Abs(t - MathF.Sign(special)) <= 1e-6, $"tanh({special}) = {t}");
            foreach (float v in sigmoid)
                Assert.True(float.IsNaN(special) ? float.IsNaN(v) : Math.Abs(v - (special > 0 ? 1 : 0)) <= 1e-6, $"σ({special}) = {v}");
        }

        static float Tanh<TVector, TOps>(float x) where TVector : struct where TOps : ModelGen.Simd.IVectorOps<float, TVector>
            => First<TVector, TOps>(RecurrentOp.Tanh<float, TVector, TOps>(TOps.Broadcast(x)));
        static float Sigmoid<TVector, TOps>(float x) where TVector : struct where TOps : ModelGen.Simd.IVectorOps<float, TVector>
            => First<TVector, TOps>(RecurrentOp.Sigmoid<float, TVector, TOps>(TOps.Broadcast(x)));
        static float First<TVector, TOps>(TVector v) where TVector : struct where TOps : ModelGen.Simd.IVectorOps<float, TVector>
        {
            Span<float> lanes = stackalloc float[TOps.Count];
            TOps.Store(v, ref lanes[0]);
            return lanes[0];
        }
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void FeatureSequencesTrainThroughTheirOwnGradients(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var classifier = new SignalClassifier.Network<double>(seed: 3);
        double[] x = Reference.Random(batch * SignalClassifier.InputSize, 70 + batch);
        int[] labels = Labels(batch, 2, 71 + batch);
        classifier.ComputeGradients(x, labels);
        Assert.Contains(classifier.Gradients.ToArray(), g => g != 0);
        Reference.CheckGradients(classifier.Parameters.Span, classifier.Gradients.ToArray(), () => classifier.ComputeLoss(x, labels), nameof(SignalClassifier));

        var tagger = new SignalTagger.Network<double>(seed: 4);
        double[] series = Reference.Random(batch * SignalTagger.InputSize, 72 + batch);
        int[] tags = Labels(batch * 4, 3, 73 + batch);
        tagger.ComputeGradients(series, tags);
        Reference.CheckGradients(tagger.Parameters.Span, tagger.Gradients.ToArray(), () => tagger.ComputeLoss(series, tags), nameof(SignalTagger));
    }

    [Fact]
    public void FeatureSequencesArriveSampleMajor()
    {
        // The generated network turns [batch × steps × features] time-major itself: its per-step probabilities must equal
        // the GRU kernel run on a hand-transposed input, then the Dense head and a softmax, sample by sample.
        const int batch = 3, steps = 4, features = 2, units = 5;
        var net = new SignalTagger.Network<double>(seed: 6);
        double[] x = Reference.Random(batch * steps * features, 80);
        var outputs = new double[batch * steps * 3];
        net.Predict(x, outputs);

        var timeMajor = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < steps; t++)
                Array.Copy(x, (n * steps + t) * features, timeMajor, (t * batch + n) * features, features);
        var hidden = new double[steps * batch * units];
        RecurrentOp.Forward<double, GruCell>(timeMajor, net.Parameter("Encoder.weight_ih_l0").ToArray(), net.Parameter("Encoder.weight_hh_l0").ToArray(),
            net.Parameter("Encoder.bias_ih_l0").ToArray(), net.Parameter("Encoder.bias_hh_l0").ToArray(), hidden, new double[steps * batch * 3 * units],
            new double[steps * batch * units], new double[batch * 3 * units], [steps, steps, steps], batch, steps, features, units, false, 0);
        double[] weights = net.Parameter("Tags.weight").ToArray(), bias = net.Parameter("Tags.bias").ToArray();
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < steps; t++)
            {
                double[] logits = Enumerable.Range(0, 3).Select(j => bias[j] + Enumerable.Range(0, units).Sum(i => hidden[(t * batch + n) * units + i] * weights[i * 3 + j])).ToArray();
                double max = logits.Max(), sum = logits.Sum(z => Math.Exp(z - max));
                double[] expected = logits.Select(z => Math.Exp(z - max) / sum).ToArray();
                Reference.Close(expected, outputs.AsSpan((n * steps + t) * 3, 3), 1e-12, 1e-14, $"sample {n}, step {t}");
            }
        var error = Assert.Throws<ArgumentException>(() => net.Predict(x.AsSpan(1), outputs));
        Assert.Contains("multiple of 8", error.Message);
    }
}
