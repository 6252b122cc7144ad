using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>
/// The convolution and pooling kernels against their definitions (<see cref="ConvReference"/>) at every vector width:
/// strides, dilations, Same/Valid/explicit padding, odd and non-square maps and kernels, 1×1 kernels, one channel and
/// more than 16, batch 1. Float64 must match to rounding, float32 to float precision; the fused activation equals the
/// unfused one, and accumulating gradients add.
/// </summary>
public class Conv2DOpTests
{
    /// <summary>Named geometries: channels, height, width, filters, kernel height × width, stride, dilation, Same, explicit pad.</summary>
    private static readonly Dictionary<string, Conv2DShape> Shapes = new()
    {
        ["3x3 valid"] = ConvReference.Shape(1, 5, 5, 1, 3, 3, 1, 1, same: false),
        ["3x3 same, non-square"] = ConvReference.Shape(2, 7, 6, 3, 3, 3, 1, 1, same: true),
        ["2x2 stride 2 pad 1"] = ConvReference.Shape(3, 6, 5, 4, 2, 2, 2, 1, same: false, pad: 1),
        ["3x2 dilation 2"] = ConvReference.Shape(1, 8, 9, 3, 3, 2, 1, 2, same: false),
        ["1x1 pointwise"] = ConvReference.Shape(3, 4, 4, 5, 1, 1, 1, 1, same: false),
        ["1x1 stride 2"] = ConvReference.Shape(3, 5, 5, 2, 1, 1, 2, 1, same: false),
        ["18 channels in, 20 out"] = ConvReference.Shape(18, 3, 3, 20, 3, 3, 1, 1, same: false, pad: 1),
        ["3x3 stride 3 same"] = ConvReference.Shape(2, 9, 7, 3, 3, 3, 3, 1, same: true),
        ["5x5 stride 2 pad 2 (packed GEMM)"] = ConvReference.Shape(4, 12, 11, 8, 5, 5, 2, 1, same: false, pad: 2),
        ["16 to 32 channels (packed GEMM, two cores)"] = ConvReference.Shape(16, 10, 10, 32, 3, 3, 1, 1, same: true),
        ["LeNet conv1"] = ConvReference.Shape(1, 28, 28, 6, 5, 5, 1, 1, same: false),
        // 32 filters or more: the GEMM unfolds the input while packing; 32 channels or more at stride 1: dX as a convolution.
        ["32 to 33 channels 3x3 same, odd map (unfolded while packing)"] = ConvReference.Shape(32, 7, 9, 33, 3, 3, 1, 1, same: true),
        ["33 to 32 channels 2x2 same dilation 2 (dX as a convolution)"] = ConvReference.Shape(33, 6, 5, 32, 2, 2, 1, 2, same: true),
        ["32 to 32 channels 3x3 stride 2 pad 1 (unfolded while packing)"] = ConvReference.Shape(32, 9, 8, 32, 3, 3, 2, 1, same: false, pad: 1),
        ["32 to 32 channels 3x3 pad 3 (wider than the transposed kernel)"] = ConvReference.Shape(32, 4, 4, 32, 3, 3, 1, 1, same: false, pad: 3),
        // dW reads the unfolded input transposed from padded copies: eight positions of one output row per register transpose.
        ["8 to 64 channels 3x3 same on 16x24 maps (dW in eight-position blocks)"] = ConvReference.Shape(8, 16, 24, 64, 3, 3, 1, 1, same: true),
        ["5 to 40 channels 2x2 same, padding on one side (dW blocks and a tap remainder)"] = ConvReference.Shape(5, 8, 13, 40, 2, 2, 1, 1, same: true),
        // Few filters at stride 1 with dY rows of whole vectors: dX scattered into a padded copy, channel tiles of unequal sizes.
        ["7 to 5 channels 5x5 same on 8x16 maps (dX scattered)"] = ConvReference.Shape(7, 8, 16, 5, 5, 5, 1, 1, same: true),
        ["3 to 6 channels 3x3 dilation 2 pad 2 on 9x12 maps (dX scattered, dilated)"] = ConvReference.Shape(3, 9, 12, 6, 3, 3, 1, 2, same: false, pad: 2),
        ["13 to 4 channels 2x5 valid, 6x12 maps (dX scattered, three channel tiles)"] = ConvReference.Shape(13, 6, 12, 4, 2, 5, 1, 1, same: false),
        // 4 to 31 filters at stride 1: the direct kernel (forward; dX too with 4 channels or more), its tiles overlapping at every edge.
        ["LeNet conv2 (direct, dX direct)"] = ConvReference.Shape(6, 12, 12, 16, 5, 5, 1, 1, same: false),
        ["5 filters 3x3 same on an odd 11x13 map (direct)"] = ConvReference.Shape(2, 11, 13, 5, 3, 3, 1, 1, same: true),
        ["7 filters 3x3 dilation 2 pad 1 (direct, dX direct)"] = ConvReference.Shape(4, 10, 21, 7, 3, 3, 1, 2, same: false, pad: 1),
        ["6 filters 2x4, three rows of 37 (direct, dX direct)"] = ConvReference.Shape(5, 4, 40, 6, 2, 4, 1, 1, same: false),
        ["12 filters 5x5 same, 8 channels (direct, dX direct)"] = ConvReference.Shape(8, 9, 9, 12, 5, 5, 1, 1, same: true),
        ["8 filters 2x4, dW tiles overlapping by two taps (direct)"] = ConvReference.Shape(3, 6, 19, 8, 2, 4, 1, 1, same: false),
        ["5 filters 5x5 dilation 2 on 12x14 maps (direct, dW tiles of a whole kernel row overlapping by three filters)"] = ConvReference.Shape(2, 12, 14, 5, 5, 5, 1, 2, same: false),
        ["6 filters 3x3 same on a 7x10 map (direct, 6-filter 4-row tiles overlapping by a row)"] = ConvReference.Shape(3, 7, 10, 6, 3, 3, 1, 1, same: true),
        ["4 filters on a 4x4 output (direct at 128 bits only)"] = ConvReference.Shape(3, 6, 6, 4, 3, 3, 1, 1, same: false),
    };

    public static TheoryData<int, string, int> Cases()
    {
        var rows = new TheoryData<int, string, int>();
        foreach (int bits in Widths.Bits)
            foreach (string name in Shapes.Keys)
                foreach (int batch in new[] { 1, 3, 5 })
                    rows.Add(bits, name, batch);
        return rows;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchTheDefinition(int bits, string name, int batch)
    {
        using var width = Widths.Force(bits);
        Conv2DShape s = Shapes[name];
        double[] x = Reference.Random(batch * s.InputSize, 1 + batch), w = Reference.Random(s.Filters * s.Patch, 2), b = Reference.Random(s.Filters, 3);
        double[] dy = Reference.Random(batch * s.OutputSize, 4 + batch);
        double[] expected = ConvReference.Forward(x, w, b, batch, s);
        (double[] dw, double[] db, double[] dx) = ConvReference.Backward(x, w, dy, batch, s);

        var y = new double[expected.Length];
        Conv2DOp.Forward<double>(x, w, b, y, batch, s);
        Reference.Close(expected, y, 1e-12, 1e-12, $"{name} forward (float64)");
        var unbiased = new double[expected.Length];
        Conv2DOp.ForwardWithoutBias<double>(x, w, unbiased, batch, s);
        Reference.Close(ConvReference.Forward(x, w, null, batch, s), unbiased, 1e-12, 1e-12, $"{name} forward without bias (float64)");

        var weightGradient = new double[dw.Length];
        var biasGradient = new double[db.Length];
        var inputGradient = new double[dx.Length];
        Array.Fill(weightGradient, 7.0); // overwritten, never added to
        Conv2DOp.BackwardParameters<double>(x, dy, weightGradient, biasGradient, batch, s);
        Conv2DOp.BackwardInput<double>(dy, w, inputGradient, batch, s);
        Reference.Close(dw, weightGradient, 1e-11, 1e-11, $"{name} dW (float64)");
        Reference.Close(db, biasGradient, 1e-11, 1e-11, $"{name} db (float64)");
        Reference.Close(dx, inputGradient, 1e-11, 1e-11, $"{name} dx (float64)");

        // A fan-out input: the second gradient adds to the first.
        Conv2DOp.BackwardInput<double>(dy, w, inputGradient, batch, s, accumulate: true);
        Reference.Close(dx.Select(v => 2 * v).ToArray(), inputGradient, 1e-11, 1e-11, $"{name} accumulated dx (float64)");

        float[] yf = new float[expected.Length], dwf = new float[dw.Length], dbf = new float[db.Length], dxf = new float[dx.Length];
        Conv2DOp.Forward<float>(Reference.ToFloat(x), Reference.ToFloat(w), Reference.ToFloat(b), yf, batch, s);
        Conv2DOp.BackwardParameters<float>(Reference.ToFloat(x), Reference.ToFloat(dy), dwf, dbf, batch, s);
        Conv2DOp.BackwardInput<float>(Reference.ToFloat(dy), Reference.ToFloat(w), dxf, batch, s);
        double scale = Math.Sqrt(s.Patch * batch * s.Positions);
        Reference.Close(expected, yf, 1e-4, 1e-5 * scale, $"{name} forward (float32)");
        Reference.Close(dw, dwf, 1e-4, 1e-5 * scale, $"{name} dW (float32)");
        Reference.Close(db, dbf, 1e-4, 1e-5 * scale, $"{name} db (float32)");
        Reference.Close(dx, dxf, 1e-4, 1e-5 * scale, $"{name} dx (float32)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedActivationsEqualTheUnfusedPasses(int bits, string name, int batch)
    {
        using var width = Widths.Force(bits);
        Conv2DShape s = Shapes[name];
        float[] x = Reference.ToFloat(Reference.Random(batch * s.InputSize, 11 + batch)), w = Reference.ToFloat(Reference.Random(s.Filters * s.Patch, 12));
        float[] b = Reference.ToFloat(Reference.Random(s.Filters, 13)), dy = Reference.ToFloat(Reference.Random(batch * s.OutputSize, 14 + batch));

        float[] fused = new float[batch * s.OutputSize], unfused = new float[fused.Length];
        Conv2DOp.Forward<float, Tanh>(x, w, b, fused, batch, s, 0f);
        Conv2DOp.Forward<float>(x, w, b, unfused, batch, s);
        Activation<Tanh>.Forward<float>(unfused, 0f);
        Assert.Equal(unfused, fused);

        // The input as a ReLU produced it: the fused backward multiplies by ReLU′ of it.
        float[] input = x.Select(v => Math.Max(v, 0f)).ToArray();
        float[] dxFused = new float[x.Length], dxUnfused = new float[x.Length];
        Conv2DOp.BackwardInput<float, ReLU>(dy, w, dxFused, input, batch, s, 0f);
        Conv2DOp.BackwardInput<float>(dy, w, dxUnfused, batch, s);
        Activation<ReLU>.Backward<float>(input, dxUnfused, dxUnfused, 0f);
        Assert.Equal(dxUnfused, dxFused);
    }

    public static TheoryData<int, string, int> UnsharedCases()
    {
        var rows = new TheoryData<int, string, int>();
        foreach (int bits in Widths.Bits)
            foreach (string name in new[] { "3x3 valid", "3x3 same, non-square", "2x2 stride 2 pad 1", "3x2 dilation 2", "1x1 stride 2" })
                foreach (int batch in new[] { 1, 3 })
                    rows.Add(bits, name, batch);
        return rows;
    }

    [Theory]
    [MemberData(nameof(UnsharedCases))]
    public void LocallyConnectedMatchesTheDefinition(int bits, string name, int batch)
    {
        using var width = Widths.Force(bits);
        Conv2DShape s = Shapes[name];
        double[] x = Reference.Random(batch * s.InputSize, 31 + batch), w = Reference.Random(s.Positions * s.Filters * s.Patch, 32), b = Reference.Random(s.OutputSize, 33);
        double[] dy = Reference.Random(batch * s.OutputSize, 34 + batch);
        (double[] expected, double[] dw, double[] db, double[] dx) = ConvReference.Unshared(x, w, b, dy, batch, s);

        var y = new double[expected.Length];
        LocallyConnected2DOp.Forward<double>(x, w, b, y, batch, s);
        Reference.Close(expected, y, 1e-12, 1e-12, name + " forward");
        double[] weightGradient = new double[dw.Length], biasGradient = new double[db.Length], inputGradient = new double[dx.Length];
        Array.Fill(weightGradient, 3.0);
        LocallyConnected2DOp.BackwardParameters<double>(x, dy, weightGradient, biasGradient, batch, s);
        LocallyConnected2DOp.BackwardInput<double>(dy, w, inputGradient, batch, s);
        Reference.Close(dw, weightGradient, 1e-11, 1e-11, name + " dW");
        Reference.Close(db, biasGradient, 1e-11, 1e-11, name + " db");
        Reference.Close(dx, inputGradient, 1e-11, 1e-11, name + " dx");
        LocallyConnected2DOp.BackwardInput<double>(dy, w, inputGradient, batch, s, accumulate: true);
        Reference.Close(dx.Select(v => 2 * v).ToArray(), inputGradient, 1e-11, 1e-11, name + " accumulated dx");

        float[] yf = new float[expected.Length];
        LocallyConnected2DOp.Forward<float, Tanh>(Reference.ToFloat(x), Reference.ToFloat(w), Reference.ToFloat(b), yf, batch, s, 0f);
        Reference.Close(expected.Select(Math.Tanh).ToArray(), yf, 1e-4, 1e-5 * Math.Sqrt(s.Patch), name + " fused tanh (float32)");
    }

    /// <summary>
    /// Batches large enough (16 M multiply-adds or more) that the two cores claim a few samples at a time, the last claim
    /// short: forward, dW (one partial sum per claim, added in order) and dX against the definition, and every pass
    /// gives the same bits when repeated — which core ran which claim must not change the result.
    /// </summary>
    public static TheoryData<int, string, int> LargeBatches()
    {
        var rows = new TheoryData<int, string, int>();
        foreach (int bits in Widths.Bits)
        {
            rows.Add(bits, "16 to 32 channels (packed GEMM, two cores)", 47); // 20-sample claims: 20, 20, 7
            rows.Add(bits, "LeNet conv2 (direct, dX direct)", 110); // 32-sample claims: 32, 32, 32, 14
            rows.Add(bits, "32 to 33 channels 3x3 same, odd map (unfolded while packing)", 37); // 28-sample claims: 28, 9
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(LargeBatches))]
    public void LargeBatchesClaimedByBothCoresMatchTheDefinitionAndRepeatExactly(int bits, string name, int batch)
    {
        using var width = Widths.Force(bits);
        Conv2DShape s = Shapes[name];
        Assert.True((long)batch * s.Filters * s.Patch * s.Positions >= 1 << 24, "the case must be large enough for claims");
        double[] x = Reference.Random(batch * s.InputSize, 61), w = Reference.Random(s.Filters * s.Patch, 62), b = Reference.Random(s.Filters, 63);
        double[] dy = Reference.Random(batch * s.OutputSize, 64);
        double[] expected = ConvReference.Forward(x, w, b, batch, s);
        (double[] dw, double[] db, double[] dx) = ConvReference.Backward(x, w, dy, batch, s);

        var weightGradient = new double[dw.Length];
        var biasGradient = new double[db.Length];
        Array.Fill(weightGradient, 7.0);
        Conv2DOp.BackwardParameters<double>(x, dy, weightGradient, biasGradient, batch, s);
        Reference.Close(dw, weightGradient, 1e-11, 1e-11, $"{name} × {batch} dW (float64)");
        Reference.Close(db, biasGradient, 1e-11, 1e-11, $"{name} × {batch} db (float64)");

        float[] xf = Reference.ToFloat(x), wf = Reference.ToFloat(w), bf = Reference.ToFloat(b), dyf = Reference.ToFloat(dy);
        (float[] y, float[] dW, float[] dB, float[] dX) Passes()
        {
            float[] yf = new float[expected.Length], dwf = new float[dw.Length], dbf = new float[db.Length], dxf = new float[dx.Length];
            Conv2DOp.Forward<float>(xf, wf, bf, yf, batch, s);
            Conv2DOp.BackwardParameters<float>(xf, dyf, dwf, dbf, batch, s);
            Conv2DOp.BackwardInput<float>(dyf, wf, dxf, batch, s);
            return (yf, dwf, dbf, dxf);
        }
        var first = Passes();
        double scale = Math.Sqrt(s.Patch * batch * s.Positions);
        Reference.Close(expected, first.y, 1e-4, 1e-5 * scale, $"{name} × {batch} forward (float32)");
        Reference.Close(dw, first.dW, 1e-4, 1e-5 * scale, $"{name} × {batch} dW (float32)");
        Reference.Close(db, first.dB, 1e-4, 1e-5 * scale, $"{name} × {batch} db (float32)");
        Reference.Close(dx, first.dX, 1e-4, 1e-5 * scale, $"{name} × {batch} dx (float32)");
        for (int repeat = 0; repeat < 5; repeat++)
        {
            var again = Passes();
            Assert.Equal(first.y, again.y);
            Assert.Equal(first.dW, again.dW);
            Assert.Equal(first.dB, again.dB);
            Assert.Equal(first.dX, again.dX);
        }
    }

    [Fact]
    public void AWideLayersThreePassesAllocateNothingOnceWarm()
    {
        // 64 → 64 channels, 3×3 Same: the packed-GEMM passes with padded copies and panels packed from the images.
        Conv2DShape s = ConvReference.Shape(64, 12, 12, 64, 3, 3, 1, 1, same: true);
        const int batch = 8;
        float[] x = Reference.ToFloat(Reference.Random(batch * s.InputSize, 91)), weights = Reference.ToFloat(Reference.Random(s.Filters * s.Patch, 92));
        float[] bias = new float[s.Filters], y = new float[batch * s.OutputSize], dy = Reference.ToFloat(Reference.Random(batch * s.OutputSize, 93));
        float[] dx = new float[x.Length], dw = new float[weights.Length], db = new float[s.Filters];
        void Passes()
        {
            Conv2DOp.Forward<float>(x, weights, bias, y, batch, s);
            Conv2DOp.BackwardParameters<float>(x, dy, dw, db, batch, s);
            Conv2DOp.BackwardInput<float>(dy, weights, dx, batch, s);
        }
        for (int i = 0; i < 40; i++) // buffers, and the tiered JIT's call counting
            Passes();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            Passes();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void WrongSpanLengthsAreRejectedWithTheShape()
    {
        Conv2DShape s = Shapes["3x3 same, non-square"];
        var error = Assert.Throws<ArgumentException>(() => Conv2DOp.Forward<float>(new float[s.InputSize * 2 - 1], new float[s.Filters * s.Patch], new float[s.Filters], new float[2 * s.OutputSize], 2, s));
        Assert.Contains("[2 × 7 × 6] → [3 × 7 × 6]", error.Message);
    }

    private static readonly Dictionary<string, (Pool2DShape Shape, bool Max)> Pools = new()
    {
        ["max 2x2 stride 2"] = (ConvReference.PoolShape(3, 6, 8, 2, 2, same: false), true),
        ["max 2x2 stride 2, vector tail"] = (ConvReference.PoolShape(2, 4, 22, 2, 2, same: false), true),
        ["max 3x3 stride 2 pad 1"] = (ConvReference.PoolShape(2, 7, 5, 3, 2, same: false, pad: 1), true),
        ["max 2x2 stride 1 same"] = (ConvReference.PoolShape(2, 5, 4, 2, 1, same: true), true),
        ["mean 2x2 stride 2"] = (ConvReference.PoolShape(3, 6, 8, 2, 2, same: false), false),
        ["mean 3x3 stride 1 pad 1"] = (ConvReference.PoolShape(2, 5, 7, 3, 1, same: false, pad: 1), false),
        ["global mean"] = (new Pool2DShape(17, 3, 5, 3, 5, 1, 1, 0, 0, 1, 1), false),
    };

    public static TheoryData<int, string, int> PoolCases()
    {
        var rows = new TheoryData<int, string, int>();
        foreach (int bits in Widths.Bits)
            foreach (string name in Pools.Keys)
                foreach (int batch in new[] { 1, 4 })
                    rows.Add(bits, name, batch);
        return rows;
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void PoolingMatchesTheDefinition(int bits, string name, int batch)
    {
        using var width = Widths.Force(bits);
        (Pool2DShape s, bool max) = Pools[name];
        // Ties included: a quantized input makes equal maxima common, and the first one must take the gradient.
        double[] x = Reference.Random(batch * s.InputSize, 21 + batch).Select(v => Math.Round(v * 4) / 4).ToArray();
        double[] dy = Reference.Random(batch * s.OutputSize, 22 + batch);
        (double[] expected, double[] dx) = ConvReference.Pool(x, dy, batch, s, max);

        var y = new double[expected.Length];
        var inputGradient = new double[x.Length];
        Array.Fill(inputGradient, 5.0);
        if (max)
        {
            Pool2DOp.MaxForward<double>(x, y, batch, s);
            Pool2DOp.MaxBackward<double>(x, y, dy, inputGradient, batch, s);
        }
        else
        {
            Pool2DOp.AvgForward<double>(x, y, batch, s);
            Pool2DOp.AvgBackward<double>(dy, inputGradient, batch, s);
        }
        Reference.Close(expected, y, 1e-12, 1e-12, name + " forward");
        Reference.Close(dx, inputGradient, 1e-12, 1e-12, name + " backward");

        if (max)
            Pool2DOp.MaxBackward<double>(x, y, dy, inputGradient, batch, s, accumulate: true);
        else
            Pool2DOp.AvgBackward<double>(dy, inputGradient, batch, s, accumulate: true);
        Reference.Close(dx.Select(v => 2 * v).ToArray(), inputGradient, 1e-12, 1e-12, name + " accumulated backward");
    }
}
