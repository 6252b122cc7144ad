using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>Maxout: the runtime op against a scalar reference at every width and tail, and a generated maxout network end to end.</summary>
public class MaxoutTests
{
    /// <summary>Unit counts through every tail of every width, each with 1–4 pieces.</summary>
    public static TheoryData<int, int> WidthsAndUnits() => Widths.Cross(Enumerable.Range(0, 36).Concat([63, 64, 65, 130]));

    [Theory]
    [MemberData(nameof(WidthsAndUnits))]
    public void ForwardAndBackwardMatchTheDefinition(int bits, int units)
    {
        using var width = Widths.Force(bits);
        const int rows = 3;
        for (int pieces = 1; pieces <= 4; pieces++)
        {
            double[] z = Reference.Random(rows * pieces * units, 7 * units + pieces, 2);
            // A tie in every fifth unit of row 1: piece 0 and the last piece equal, above the rest (the gradient takes the first).
            for (int j = 0; j < units; j += 5)
                if (pieces > 1)
                {
                    double top = 5 + j;
                    z[(1 * pieces + 0) * units + j] = top;
                    z[(1 * pieces + pieces - 1) * units + j] = top;
                }
            var y = new double[rows * units];
            MaxoutOp.Forward<double>(z, y, rows, units, pieces);
            var expectedY = new double[rows * units];
            var winner = new int[rows * units];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < units; j++)
                {
                    int best = 0;
                    for (int p = 1; p < pieces; p++)
                        if (z[(r * pieces + p) * units + j] > z[(r * pieces + best) * units + j])
                            best = p;
                    winner[r * units + j] = best;
                    expectedY[r * units + j] = z[(r * pieces + best) * units + j];
                }
            Reference.Close(expectedY, y, 0, 0, $"maxout forward, {units} units × {pieces} pieces");

            double[] dy = Reference.Random(rows * units, 11 * units + pieces);
            var dz = new double[z.Length];
            MaxoutOp.Backward<double>(z, y, dy, dz, rows, units, pieces, accumulate: false);
            var expectedDz = new double[z.Length];
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < units; j++)
                    expectedDz[(r * pieces + winner[r * units + j]) * units + j] = dy[r * units + j];
            Reference.Close(expectedDz, dz, 0, 0, $"maxout backward, {units} units × {pieces} pieces");

            MaxoutOp.Backward<double>(z, y, dy, dz, rows, units, pieces, accumulate: true);
            Reference.Close(expectedDz.Select(v => 2 * v).ToArray(), dz, 0, 0, "maxout backward, accumulated");

            float[] zFloat = Reference.ToFloat(z), yFloat = new float[rows * units];
            MaxoutOp.Forward<float>(zFloat, yFloat, rows, units, pieces);
            Reference.Close(expectedY, yFloat, 1e-7, 0, "maxout float forward");
        }
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 4, 9, MemberType = typeof(Widths))]
    public void GeneratedMaxoutNetworkBackpropagatesCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new MaxoutNet.Network<double>(seed: 2);
        double[] inputs = Reference.Random(batch * MaxoutNet.InputSize, 40 + batch, 2);
        int[] labels = Enumerable.Range(0, batch).Select(i => i % 3).ToArray();
        net.ComputeGradients(inputs, labels);
        double[] analytic = net.Gradients.ToArray();
        // Every piece that wins somewhere gets a gradient; the losers' columns stay exactly 0 for this batch.
        Assert.Contains(analytic, g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeLoss(inputs, labels), nameof(MaxoutNet));
    }

    [Fact]
    public void LayerViewAndManifestDescribeThePieces()
    {
        var model = new MaxoutNet();
        Assert.Equal(5, model.Hidden.Units);
        Assert.Equal(3, model.Hidden.Pieces);
        Assert.Equal(MaxoutNet.InputSize * 15, model.Hidden.Weights.Length);
        Assert.Equal(15, model.Hidden.Bias.Length);
        ParameterInfo weight = MaxoutNet.Manifest.Single(p => p.Name == "Hidden.weight");
        Assert.Equal([MaxoutNet.InputSize, 15], weight.Shape.ToArray());
        Assert.Equal(ParameterRole.Weight, weight.Role);
    }

    [Fact]
    public void TrainsOnANonlinearProblem()
    {
        // |x₀| − |x₁| > 0: two pieces per unit can express |x| exactly; a linear model cannot separate it.
        var model = new MaxoutNet();
        var random = new Random(3);
        float[] inputs = new float[64 * MaxoutNet.InputSize];
        int[] labels = new int[64];
        for (int i = 0; i < 64; i++)
        {
            for (int k = 0; k < MaxoutNet.InputSize; k++)
                inputs[i * MaxoutNet.InputSize + k] = (float)(random.NextDouble() * 2 - 1);
            labels[i] = Math.Abs(inputs[i * MaxoutNet.InputSize]) > Math.Abs(inputs[i * MaxoutNet.InputSize + 1]) ? 1 : 0;
        }
        float first = model.TrainStep(inputs, labels);
        for (int step = 0; step < 800; step++)
            model.TrainStep(inputs, labels);
        var probabilities = new float[64 * 3];
        model.Predict(inputs, probabilities);
        int correct = Enumerable.Range(0, 64).Count(i => probabilities[i * 3 + labels[i]] == probabilities.AsSpan(i * 3, 3).ToArray().Max());
        Assert.True(correct >= 60, $"{correct} of 64 right after training (loss at first {first})");
    }
}
