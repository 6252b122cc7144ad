using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>PReLU: the runtime op against its definition and finite differences at every width, and generated PReLU layers end to end.</summary>
public class PReLUTests
{
    /// <summary>(channels, spatial) through the tails: flat layers (spatial 1), maps, and one shared slope.</summary>
    public static TheoryData<int, (int, int)> WidthsAndGeometries() => Widths.Cross(
        Enumerable.Range(1, 20).Select(c => (c, 1)).Concat([(33, 1), (64, 1), (3, 7), (2, 17), (5, 33), (1, 40), (1, 9)]));

    [Theory]
    [MemberData(nameof(WidthsAndGeometries))]
    public void ForwardAndBackwardMatchTheDefinition(int bits, (int Channels, int Spatial) geometry)
    {
        using var width = Widths.Force(bits);
        (int channels, int spatial) = geometry;
        const int rows = 3;
        int size = rows * channels * spatial;
        double[] z = Reference.Random(size, 3 * channels + spatial, 2).Select(v => Math.Abs(v) < 1e-3 ? v + 0.01 : v).ToArray();
        double[] slopes = Reference.Random(channels, 5 + channels, 0.5); // some negative: backward must not read y's sign
        int Channel(int i) => i / spatial % channels;
        double F(double value, double a) => value > 0 ? value : a * value;

        var y = new double[size];
        PReLUOp.Forward<double>(z, y, slopes, rows, channels, spatial);
        Reference.Close(z.Select((v, i) => F(v, slopes[Channel(i)])).ToArray(), y, 0, 0, "PReLU forward");

        double[] dy = Reference.Random(size, 9 + channels + spatial);
        var dz = new double[size];
        PReLUOp.BackwardInput<double>(z, dy, dz, slopes, rows, channels, spatial, accumulate: false);
        double[] expectedDz = z.Select((v, i) => dy[i] * (v > 0 ? 1 : slopes[Channel(i)])).ToArray();
        Reference.Close(expectedDz, dz, 1e-15, 0, "PReLU input gradient");
        PReLUOp.BackwardInput<double>(z, dy, dz, slopes, rows, channels, spatial, accumulate: true);
        Reference.Close(expectedDz.Select(v => 2 * v).ToArray(), dz, 1e-15, 0, "PReLU input gradient, accumulated");

        var da = new double[channels];
        PReLUOp.BackwardSlopes<double>(z, dy, da, rows, channels, spatial);
        // Finite differences of Σ dy ⊙ y in each slope.
        for (int c = 0; c < channels; c++)
        {
            double Loss(double a) => z.Select((v, i) => dy[i] * F(v, Channel(i) == c ? a : slopes[Channel(i)])).Sum();
            double numeric = (Loss(slopes[c] + 1e-6) - Loss(slopes[c] - 1e-6)) / 2e-6;
            Assert.True(Math.Abs(numeric - da[c]) <= 1e-7 * (1 + Math.Abs(numeric)), $"∂/∂a[{c}]: {da[c]:R}, finite differences {numeric:R}");
        }

        float[] yFloat = new float[size];
        PReLUOp.Forward<float>(Reference.ToFloat(z), yFloat, Reference.ToFloat(slopes), rows, channels, spatial);
        Reference.Close(y, yFloat, 1e-6, 1e-7, "PReLU float forward");
    }

    [Theory]
    [MemberData(nameof(Widths.Each), 2, 5, 8, MemberType = typeof(Widths))]
    public void GeneratedPReLULayersBackpropagateCorrectly(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var net = new PReLUNet.Network<double>(seed: 6);
        // Push every slope away from its start, some below 0, so the backward pass cannot lean on y's sign.
        Span<double> parameters = net.Parameters.Span;
        foreach (ParameterInfo slope in PReLUNet.Manifest.Where(p => p.Role == ParameterRole.Slope))
            for (int i = 0; i < slope.Length; i++)
                parameters[slope.Offset + i] = i % 3 == 0 ? -0.3 - 0.1 * i : 0.2 + 0.05 * i;
        double[] inputs = Reference.Random(batch * 2 * 6 * 6, 70 + batch, 2), targets = Reference.Random(batch * 2, 71 + batch);
        net.ComputeGradients(inputs, targets);
        double[] analytic = net.Gradients.ToArray();
        Reference.CheckGradients(net.Parameters.Span, analytic, () => net.ComputeLoss(inputs, targets), nameof(PReLUNet));
    }

    [Fact]
    public void SlopesArePerChannelPerFeatureOrSharedAndStartAtInit()
    {
        var model = new PReLUNet();
        Assert.Equal(3, model.MapSlopes.Channels);
        Assert.Equal(7, model.FeatureSlopes.Channels);
        Assert.Equal(1, model.SharedSlope.Channels);
        Assert.All(model.MapSlopes.Slopes.ToArray(), a => Assert.Equal(0.25f, a));
        Assert.All(model.SharedSlope.Slopes.ToArray(), a => Assert.Equal(0.1f, a));
        ParameterInfo perChannel = PReLUNet.Manifest.Single(p => p.Name == "MapSlopes.weight");
        Assert.Equal([3], perChannel.Shape.ToArray());
        Assert.Equal(ParameterRole.Slope, perChannel.Role);
        Assert.False(perChannel.IsDecayed); // like γ/β, slopes are decayed only with IncludeBiases
    }
}
