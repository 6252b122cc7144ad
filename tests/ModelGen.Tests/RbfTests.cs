using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>Gaussian RBF units: the runtime op against its definition and finite differences at every width, and a generated RBF model end to end.</summary>
public class RbfTests
{
    public static TheoryData<int, (int, int)> WidthsAndShapes() => Widths.Cross(new[] { (1, 1), (3, 5), (7, 17), (16, 9), (33, 4), (5, 65) });

    [Theory]
    [MemberData(nameof(WidthsAndShapes))]
    public void ForwardAndGradientsMatchTheDefinition(int bits, (int Inputs, int Units) shape)
    {
        using var width = Widths.Force(bits);
        (int inputs, int units) = shape;
        const int rows = 4;
        double[] x = Reference.Random(rows * inputs, inputs + 3 * units, 1);
        double[] centres = Reference.Random(inputs * units, 2 * inputs + units, 1);
        double[] logWidths = Reference.Random(units, units + 1, 0.5).Select(s => s + Math.Log(Math.Sqrt(inputs))).ToArray();
        double Unit(int n, int j, double[] xs, double[] cs, double[] ss)
        {
            double d = 0;
            for (int i = 0; i < inputs; i++)
                d += (xs[n * inputs + i] - cs[i * units + j]) * (xs[n * inputs + i] - cs[i * units + j]);
            return Math.Exp(-d * Math.Exp(-2 * ss[j]));
        }

        var distances = new double[rows * units];
        var y = new double[rows * units];
        RbfOp.Forward<double>(x, centres, logWidths, distances, y, rows, inputs, units);
        double[] expected = Enumerable.Range(0, rows * units).Select(k => Unit(k / units, k % units, x, centres, logWidths)).ToArray();
        Reference.Close(expected, y, 1e-12, 1e-15, $"RBF forward {inputs}→{units}");

        double[] dy = Reference.Random(rows * units, 77 + units);
        double Loss(double[] xs, double[] cs, double[] ss) => Enumerable.Range(0, rows * units).Sum(k => dy[k] * Unit(k / units, k % units, xs, cs, ss));
        var g = new double[rows * units];
        var dx = new double[rows * inputs];
        var dc = new double[inputs * units];
        var ds = new double[units];
        RbfOp.BackwardParameters<double>(x, centres, logWidths, distances, y, dy, g, dc, ds, rows, inputs, units);
        RbfOp.BackwardInput<double>(x, centres, g, dx, rows, inputs, units);
        Reference.CheckGradients(x, dx, () => Loss(x, centres, logWidths), "RBF input");
        Reference.CheckGradients(centres, dc, () => Loss(x, centres, logWidths), "RBF centres");
        Reference.CheckGradients(logWidths, ds, () => Loss(x, centres, logWidths), "RBF log-widths");

        float[] yFloat = new float[rows * units], dFloat = new float[rows * units];
        RbfOp.Forward<float>(Reference.ToFloat(x), Reference.ToFloat(centres), Reference.ToFloat(logWidths), dFloat, yFloat, rows, inputs, units);
        Reference.Close(expected, yFloat, 1e-5, 1e-6, "RBF float forward");
    }

    [Fact]
    public void AnInputOnACentreGivesOneAndTheDistanceNeverGoesNegative()
    {
        float[] centres = [0.3f, -1.7f, 12345.678f]; // one input, three units
        float[] logWidths = [0f, 0f, 0f];
        float[] x = [12345.678f];
        float[] distances = new float[3], y = new float[3];
        RbfOp.Forward<float>(x, centres, logWidths, distances, y, 1, 1, 3);
        Assert.All(distances, d => Assert.True(d >= 0)); // ‖x‖² + ‖c‖² − 2x·c cancels to rounding noise at the centre
        Assert.Equal(1f, y[2]);
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 1, 3, 8, MemberType = typeof(Widths))]
    public void GeneratedRbfModelBackpropagatesCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new RbfNet.Network<double>(seed: 3);
        double[] inputs = Reference.Random(batch * RbfNet.InputSize, 50 + batch, 1.5), targets = Reference.Random(batch * 2, 51 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        Assert.Contains(analytic, g => g != 0);
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeLoss(inputs, targets), nameof(RbfNet));
    }

    [Fact]
    public void ManifestAndViewNameTheCentresAndWidths()
    {
        var model = new RbfNet();
        Assert.Equal(6, model.Bumps.Units);
        Assert.Equal(4, model.Bumps.Inputs);
        Assert.All(model.Bumps.LogWidths.ToArray(), s => Assert.Equal(MathF.Log(1.5f), s, 1e-6f));
        ParameterInfo centres = RbfNet.Manifest.Single(p => p.Name == "Bumps.centers"), widths = RbfNet.Manifest.Single(p => p.Name == "Bumps.log_sigma");
        Assert.Equal([4, 6], centres.Shape.ToArray());
        Assert.Equal(ParameterRole.LogWidth, widths.Role);
        Assert.False(widths.IsDecayed);
    }
}
