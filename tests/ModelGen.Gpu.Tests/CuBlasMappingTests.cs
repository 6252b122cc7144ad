using ILGPU.Runtime;
using ModelGen.Gpu.Kernels;

namespace ModelGen.Gpu.Tests;

/// <summary>
/// The cuBLAS path without a GPU: the column-major call each Dense product becomes, evaluated by a reference column-major
/// GEMM with BLAS's semantics, equals the row-major product; and the epilogue launched after it.
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class CuBlasMappingTests(DeviceFixture device)
{
    [Theory]
    [InlineData(3, 5, 7)]
    [InlineData(1, 9, 2)]
    [InlineData(8, 1, 4)]
    public void Column_major_call_computes_the_row_major_product(int m, int n, int k)
    {
        var random = new Random(m + 10 * n + 100 * k);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] a = Random(m * k), b = Random(k * n), start = Random(m * n);
        foreach (var (layout, shape) in new[]
        {
            ("plain", GemmShape.Plain(m, n, k, GemmEpilogue.Store)),
            ("transposed A", GemmShape.TransposedA(m, n, k, GemmEpilogue.Store)),
            ("transposed B", GemmShape.TransposedB(m, n, k, GemmEpilogue.Accumulate)),
        })
        {
            double A(int row, int depth) => layout == "transposed A" ? a[depth * m + row] : a[row * k + depth];
            double B(int depth, int column) => layout == "transposed B" ? b[column * k + depth] : b[depth * n + column];
            var call = ColumnMajorGemm.For(shape);
            float[] c = (float[])start.Clone();
            // BLAS: C = op(X)·op(Y) + β·C, X = b's memory (ld LeadingFirst), Y = a's memory (ld LeadingSecond), all column-major.
            double X(int i, int j) => call.TransposeFirst ? b[j + i * call.LeadingFirst] : b[i + j * call.LeadingFirst];
            double Y(int i, int j) => call.TransposeSecond ? a[j + i * call.LeadingSecond] : a[i + j * call.LeadingSecond];
            for (int i = 0; i < call.M; i++)
                for (int j = 0; j < call.N; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < call.K; p++)
                        sum += X(i, p) * Y(p, j);
                    c[i + j * call.LeadingC] = (float)(sum + call.Beta * c[i + j * call.LeadingC]);
                }
            for (int row = 0; row < m; row++)
                for (int column = 0; column < n; column++)
                {
                    double expected = Enumerable.Range(0, k).Sum(p => A(row, p) * B(p, column)) + (shape.Epilogue == GemmEpilogue.Accumulate ? start[row * n + column] : 0);
                    Assert.True(Math.Abs(c[row * n + column] - expected) < 1e-5, $"{layout} ({row}, {column}): {c[row * n + column]} vs {expected}");
                }
        }
    }

    [Fact]
    public void Bias_and_activation_epilogue_after_the_library_product()
    {
        float[] values = [-2f, 0.5f, 1f, -0.25f, 3f, -1f];
        float[] bias = [1f, -1f, 0.5f];
        using var deviceValues = device.Accelerator.Allocate1D(values);
        using var deviceBias = device.Accelerator.Allocate1D(bias);
        DeviceKernels.For(device.Accelerator).BiasActivation<DeviceActivations.LeakyReLU>()(values.Length, deviceValues.View, deviceBias.View, 3, 1, 0.1f);
        float[] expected = values.Select((v, i) => v + bias[i % 3] > 0 ? v + bias[i % 3] : 0.1f * (v + bias[i % 3])).ToArray();
        Assert.Equal(expected, deviceValues.GetAsArray1D());
    }
}
