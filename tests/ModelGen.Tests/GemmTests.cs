using ModelGen.Kernels;

namespace ModelGen.Tests;

/// <summary>All three GEMM forms against a float64 scalar reference, across SIMD tail lengths and awkward shapes.</summary>
public class GemmTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        // Every column count 0…70 crosses the 3×16, 16, 8 and scalar column paths and the 4-row/1-row tiles.
        for (int n = 0; n <= 70; n++)
            data.Add(5, 7, n);
        foreach (int size in new[] { 0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 47, 48, 49, 63, 64, 65, 127, 129, 257 })
            data.Add(size, size, size);
        // Packed path: several depth blocks (k > 256), column blocks (n > 512), the two-core split and edge tiles.
        data.Add(40, 600, 700); data.Add(131, 300, 65); data.Add(8, 8, 16); data.Add(13, 513, 129); data.Add(300, 70, 100);
        // B read in place (≤ 24 rows, AB form): full and edge panels, several depth blocks, split across two cores.
        data.Add(24, 700, 512); data.Add(20, 1000, 300); data.Add(25, 200, 130);
        // Few rows, large B: the column split across two cores (GEMV-shaped products).
        data.Add(1, 784, 256); data.Add(3, 300, 333); data.Add(7, 256, 257); data.Add(2, 1024, 129);
        data.Add(1, 257, 1); data.Add(257, 1, 3); data.Add(1, 1, 257); data.Add(13, 97, 1); data.Add(97, 13, 53); data.Add(2, 0, 5);
        return data;
    }

    public static TheoryData<int, int, int, int> WidthsAndShapes() => Widths.Cross(Shapes());

    public static TheoryData<int, int, int, int> WidthsAndSweep() => Widths.Cross(Sweep());

    /// <summary>Every size 0…257 in each dimension in turn (all SIMD tails, tile edges and block edges).</summary>
    public static TheoryData<int, int, int> Sweep()
    {
        var data = new TheoryData<int, int, int>();
        for (int size = 0; size <= 257; size++)
        {
            data.Add(size, 19, 70);
            data.Add(9, size, 33);
            data.Add(13, 11, size);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndSweep))]
    public void EverySizeMatchesFloat64Reference(int bits, int m, int k, int n) => AllFormsMatchFloat64Reference(bits, m, k, n);

    [Theory]
    [MemberData(nameof(WidthsAndShapes))]
    public void AllFormsMatchFloat64Reference(int bits, int m, int k, int n)
    {
        using var width = Widths.Force(bits);
        double[] a = Reference.Random(m * k, 1 + m + k), b = Reference.Random(k * n, 2 + k + n), bias = Reference.Random(m * n, 3 + n);
        double[] expected = Reference.MatMul(a, b, m, k, n);
        double[] expectedAccumulated = expected.Select((v, i) => v + bias[i]).ToArray();
        var cases = new (GemmForm Form, double[] A, double[] B)[]
        {
            (GemmForm.AB, a, b),
            (GemmForm.AtB, Reference.Transpose(a, m, k), b),
            (GemmForm.ABt, a, Reference.Transpose(b, k, n)),
        };
        foreach (var (form, left, right) in cases)
        {
            var c64 = new double[m * n];
            Gemm.Multiply<double>(form, left, right, c64, m, k, n, accumulate: false);
            Reference.Close(expected, c64, 1e-12, 1e-12, $"double {form} {m}×{k}×{n}");

            var c32 = Reference.ToFloat(bias);
            Gemm.Multiply<float>(form, Reference.ToFloat(left), Reference.ToFloat(right), c32, m, k, n, accumulate: true);
            Reference.Close(expectedAccumulated, c32, 1e-5, 2e-6 * Math.Sqrt(k + 1), $"float {form} {m}×{k}×{n} accumulate");
        }
    }

    /// <summary>
    /// Weight-gradient shapes, k ≥ 4·max(m, n) and big enough for two cores: the depth is summed in two halves (the
    /// second apart, then added), with row and column edges, an odd depth and narrow tiles.
    /// </summary>
    public static TheoryData<int, int, int, int> WidthsAndDepthSplitShapes()
        => Widths.Cross(new TheoryData<int, int, int> { { 64, 1100, 60 }, { 37, 4099, 29 }, { 8, 8192, 70 }, { 128, 2050, 33 }, { 100, 4000, 17 } });

    [Theory]
    [MemberData(nameof(WidthsAndDepthSplitShapes))]
    public void DepthSplitProductsMatchFloat64AndRepeatBitForBitOnOneCoreOrTwo(int bits, int m, int k, int n)
    {
        AllFormsMatchFloat64Reference(bits, m, k, n); // accumulating into C
        double[] a = Reference.Random(m * k, 7 + m), b = Reference.Random(k * n, 8 + n);
        double[] expected = Reference.MatMul(a, b, m, k, n);
        var cases = new (GemmForm Form, float[] A, float[] B)[]
        {
            (GemmForm.AB, Reference.ToFloat(a), Reference.ToFloat(b)),
            (GemmForm.AtB, Reference.ToFloat(Reference.Transpose(a, m, k)), Reference.ToFloat(b)),
            (GemmForm.ABt, Reference.ToFloat(a), Reference.ToFloat(Reference.Transpose(b, k, n))),
        };
        foreach (var (form, left, right) in cases)
        {
            float[] Product()
            {
                using var width = Widths.Force(bits);
                float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray(); // overwritten, never read
                Gemm.Multiply<float>(form, left, right, c, m, k, n, accumulate: false);
                return c;
            }
            float[] alone = Product();
            Reference.Close(expected, alone, 1e-5, 2e-6 * Math.Sqrt(k + 1), $"float {form} {m}×{k}×{n}");
            Reference.SameWhenRunTwiceAtOnce(alone, Product, (x, y) => Assert.Equal(x, y));
        }
    }

    /// <summary>
    /// A recurrent layer's weight gradient sums one core's samples of every step: depth p is row p / run · stride + p % run
    /// of A (AtB) and B (AB, AtB). Depths cross packing blocks mid-run; every row between runs is NaN, so a wrong row
    /// cannot go unnoticed.
    /// </summary>
    public static TheoryData<int, int, int, int, int, int> WidthsAndDepthRunShapes()
    {
        var data = new TheoryData<int, int, int, int, int, int>();
        foreach (int bits in Widths.Bits.Where(b => b > 1).DefaultIfEmpty(128)) // the packed GEMM has no one-lane path; emulated where SIMD is off
            foreach (var (m, n, k, run, stride) in new[] { (256, 64, 1008, 16, 32), (37, 29, 901, 7, 11), (13, 70, 100, 3, 3), (64, 16, 1, 5, 9), (5, 33, 2, 4, 8) })
                data.Add(bits, m, n, k, run, stride);
        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndDepthRunShapes))]
    public unsafe void DepthRowsReadRunsOfRowsAStrideApart(int bits, int m, int n, int k, int run, int stride)
    {
        using var width = Widths.Force(bits);
        int sourceRows = k == 0 ? 1 : (k - 1) / run * stride + (k - 1) % run + 1;
        double[] a = Reference.Random(k * m, 11 + m), b = Reference.Random(k * n, 12 + n);
        float[] aRows = Enumerable.Repeat(float.NaN, sourceRows * m).ToArray(), bRows = Enumerable.Repeat(float.NaN, sourceRows * n).ToArray();
        for (int p = 0; p < k; p++)
        {
            int row = p / run * stride + p % run;
            for (int i = 0; i < m; i++) aRows[row * m + i] = (float)a[p * m + i];
            for (int j = 0; j < n; j++) bRows[row * n + j] = (float)b[p * n + j];
        }
        double[] aT = Reference.Transpose(a, k, m);
        double[] expected = Reference.MatMul(aT, b, m, k, n);
        fixed (float* pa = aRows, pb = bRows, paMatrix = Reference.ToFloat(aT))
        {
            var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            fixed (float* pc = c)
                PackedSgemm.MultiplyOnThisThread(GemmForm.AtB, pa, pb, pc, m, k, n, accumulate: false, new DepthRows(run, stride));
            Reference.Close(expected, c, 1e-5, 2e-6 * Math.Sqrt(k + 1), $"AtB {m}×{k}×{n}, runs of {run} every {stride}");

            var accumulated = Reference.ToFloat(Reference.Random(m * n, 13));
            double[] expectedAccumulated = expected.Select((v, i) => v + accumulated[i]).ToArray();
            fixed (float* pc = accumulated)
                PackedSgemm.MultiplyOnThisThread(GemmForm.AB, paMatrix, pb, pc, m, k, n, accumulate: true, new DepthRows(run, stride));
            Reference.Close(expectedAccumulated, accumulated, 1e-5, 2e-6 * Math.Sqrt(k + 1), $"AB {m}×{k}×{n} accumulate, runs of {run} every {stride}");
        }
    }

    [Fact]
    public void ShortSpansAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(GemmForm.AB, new float[5], new float[6], new float[6], 2, 3, 2, false));
        Assert.Contains("[2×3]·[3×2]", error.Message);
    }

    [Fact]
    public void WritesNothingOutsideTheResult()
    {
        // A guard element after C must survive every form, including column tails.
        foreach (GemmForm form in Enum.GetValues<GemmForm>())
        {
            var c = new float[9 * 19 + 1];
            c[^1] = 42f;
            Gemm.Multiply<float>(form, Reference.ToFloat(Reference.Random(9 * 11, 4)), Reference.ToFloat(Reference.Random(11 * 19, 5)), c.AsSpan(0, 9 * 19), 9, 11, 19, false);
            Assert.Equal(42f, c[^1]);
        }
    }
}
