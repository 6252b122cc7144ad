using ILGPU;
using ILGPU.Runtime;
using ModelGen.Gpu.Kernels;

namespace ModelGen.Gpu.Tests;

/// <summary>Both tiled GEMMs against a float64 reference: every layout and epilogue over sizes that leave partial tiles and slices.</summary>
[Collection(DeviceCollection.Name)]
public sealed class GemmKernelTests(DeviceFixture device)
{
    public static TheoryData<bool, int, int, int> Shapes => new()
    {
        { false, 1, 1, 1 }, { false, 3, 70, 17 }, { false, 65, 9, 33 }, { false, 64, 64, 16 }, { false, 130, 67, 5 },
        { true, 1, 1, 1 }, { true, 129, 130, 9 }, { true, 128, 128, 8 }, { true, 7, 260, 20 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_layout_and_epilogue_matches_float64(bool large, int m, int n, int k)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] a = Random(m * k), b = Random(k * n), bias = Random(n), y = Random(m * n), start = Random(m * n);
        var kernels = DeviceKernels.For(device.Accelerator);
        var gemm = large ? kernels.LargeGemm<DeviceActivations.LeakyReLU>() : kernels.Gemm<DeviceActivations.LeakyReLU>();
        KernelConfig config = large ? GemmKernel.LargeConfig(m, n) : GemmKernel.Config(m, n);
        foreach (string layout in new[] { "plain", "transposed A", "transposed B" })
            foreach (GemmEpilogue epilogue in Enum.GetValues<GemmEpilogue>())
            {
                GemmShape shape = layout switch
                {
                    "plain" => GemmShape.Plain(m, n, k, epilogue, hasBias: true, negativeSlope: 0.1f),
                    "transposed A" => GemmShape.TransposedA(m, n, k, epilogue) with { HasBias = 1, NegativeSlope = 0.1f },
                    _ => GemmShape.TransposedB(m, n, k, epilogue, negativeSlope: 0.1f) with { HasBias = 1 },
                };
                // Operands as the layout stores them: A [k × m] when transposed, B [n × k] when transposed.
                double A(int row, int depth) => layout == "transposed A" ? a[depth * m + row] : a[row * k + depth];
                double B(int depth, int column) => layout == "transposed B" ? b[column * k + depth] : b[depth * n + column];
                using var deviceA = device.Accelerator.Allocate1D(a);
                using var deviceB = device.Accelerator.Allocate1D(b);
                using var deviceC = device.Accelerator.Allocate1D(start);
                using var deviceBias = device.Accelerator.Allocate1D(bias);
                using var deviceY = device.Accelerator.Allocate1D(y);
                gemm(config, deviceA.View, deviceB.View, deviceC.View, deviceBias.View, deviceY.View, shape);
                float[] c = deviceC.GetAsArray1D();
                for (int row = 0; row < m; row++)
                    for (int column = 0; column < n; column++)
                    {
                        double sum = 0, magnitude = 0;
                        for (int depth = 0; depth < k; depth++)
                        {
                            sum += A(row, depth) * B(depth, column);
                            magnitude += Math.Abs(A(row, depth) * B(depth, column));
                        }
                        int index = row * n + column;
                        double expected = epilogue switch
                        {
                            GemmEpilogue.Accumulate => start[index] + sum,
                            GemmEpilogue.BiasActivation => sum + bias[column] > 0 ? sum + bias[column] : 0.1 * (sum + bias[column]),
                            GemmEpilogue.ActivationDerivative => sum * (y[index] > 0 ? 1 : 0.1),
                            _ => sum,
                        };
                        double allowed = 1e-6 * (magnitude + Math.Abs(start[index]) + 1);
                        Assert.True(Math.Abs(c[index] - expected) <= allowed,
                            $"{layout}, {epilogue}, [{m} × {n} × {k}] at ({row}, {column}): {c[index]} vs {expected}");
                    }
            }
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(1030, 10)]
    [InlineData(7, 70)]
    public void Bias_gradient_sums_every_row(int rows, int columns)
    {
        var random = new Random(rows + columns);
        float[] dy = Enumerable.Range(0, rows * columns).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var deviceDy = device.Accelerator.Allocate1D(dy);
        using var deviceDb = device.Accelerator.Allocate1D<float>(columns);
        DeviceKernels.For(device.Accelerator).BiasGradient(LayerKernels.BiasGradientConfig(columns), deviceDy.View, deviceDb.View, rows, columns);
        float[] db = deviceDb.GetAsArray1D();
        for (int column = 0; column < columns; column++)
        {
            double expected = Enumerable.Range(0, rows).Sum(row => (double)dy[row * columns + column]);
            Assert.True(Math.Abs(db[column] - expected) <= 1e-5 * rows, $"column {column}: {db[column]} vs {expected}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2047)]
    [InlineData(70001)]
    public void Sum_of_squares_and_clip_scale_match_float64(int length)
    {
        var random = new Random(length);
        float[] values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var kernels = DeviceKernels.For(device.Accelerator);
        using var deviceValues = device.Accelerator.Allocate1D(values);
        using var partials = device.Accelerator.Allocate1D<float>(ReductionKernels.Partials);
        using var scalars = device.Accelerator.Allocate1D(new float[DeviceScalars.Count]);
        int groups = ReductionKernels.Groups(length);
        kernels.Partial(new KernelConfig(groups, ReductionKernels.Threads), deviceValues.View, partials.View, length, 1);
        kernels.Complete(new KernelConfig(1, ReductionKernels.Threads), partials.View, scalars.View, groups, (int)ReductionKernels.Finish.ClipScale, 0.5f);
        double norm = Math.Sqrt(values.Sum(v => (double)v * v));
        double expected = Math.Min(1, 0.5 / (norm + 1e-6));
        Assert.Equal(expected, scalars.GetAsArray1D()[DeviceScalars.GradientScale], 1e-5 * expected);
    }
}
