using System.Runtime.CompilerServices;
using ILGPU;

namespace ModelGen.Gpu.Kernels;

/// <summary>What a GEMM does with each finished element v of C = A·B.</summary>
public enum GemmEpilogue
{
    /// <summary>c = v.</summary>
    Store = 0,
    /// <summary>c += v (an input gradient of a tensor that fans out).</summary>
    Accumulate = 1,
    /// <summary>c = f(v + bias[column]): a Dense forward with its bias and activation fused.</summary>
    BiasActivation = 2,
    /// <summary>c = v · f′(y): a Dense input gradient times the derivative of the activation whose output y is stored at the same index.</summary>
    ActivationDerivative = 3,
}

/// <summary>
/// The shape of one GEMM, C[M × N] = A[M × K] · B[K × N], C row-major. A and B are read through element strides, so
/// the same kernel computes x·W (forward), xᵀ·dy (weight gradient) and dy·Wᵀ (input gradient) without transposing
/// anything in memory.
/// </summary>
public readonly record struct GemmShape(
    int M, int N, int K, int AStrideM, int AStrideK, int BStrideK, int BStrideN, GemmEpilogue Epilogue, int HasBias, float NegativeSlope)
{
    /// <summary>C = A·B, both row-major.</summary>
    public static GemmShape Plain(int m, int n, int k, GemmEpilogue epilogue, bool hasBias = false, float negativeSlope = 0f)
        => new(m, n, k, k, 1, n, 1, epilogue, hasBias ? 1 : 0, negativeSlope);

    /// <summary>C = Aᵀ·B with A stored [K × M] and B [K × N]: dW = xᵀ · dy.</summary>
    public static GemmShape TransposedA(int m, int n, int k, GemmEpilogue epilogue)
        => new(m, n, k, 1, m, n, 1, epilogue, 0, 0f);

    /// <summary>C = A·Bᵀ with A stored [M × K] and B [N × K]: dx = dy · Wᵀ.</summary>
    public static GemmShape TransposedB(int m, int n, int k, GemmEpilogue epilogue, float negativeSlope = 0f)
        => new(m, n, k, k, 1, 1, k, epilogue, 0, negativeSlope);
}

/// <summary>
/// A tiled SGEMM for any accelerator: a group of 256 threads computes a 64 × 64 tile of C, staging 16-deep slices of A
/// and B in shared memory (each loaded with consecutive threads on the contiguous dimension, so global reads coalesce
/// whichever operand is transposed); each thread keeps a 4 × 4 block of accumulators in registers.
/// </summary>
public static class GemmKernel
{
    /// <summary>Rows and columns of C per group.</summary>
    public const int Tile = 64;

    /// <summary>Depth of the A and B slices held in shared memory.</summary>
    public const int Depth = 16;

    /// <summary>Threads per group: 16 × 16, each owning 4 × 4 outputs.</summary>
    public const int Threads = 256;

    // One extra column per shared row, so the column-wise stores of a row-major slice fall in different banks.
    private const int Pitch = Tile + 1;

    /// <summary>Groups for C[m × n]: (column tiles, row tiles).</summary>
    public static KernelConfig Config(int m, int n) => new((n + Tile - 1) / Tile, (m + Tile - 1) / Tile, 1, Threads, 1, 1);

    /// <summary>The kernel; <paramref name="bias"/> is read by <see cref="GemmEpilogue.BiasActivation"/> with HasBias,
    /// <paramref name="activationOutput"/> by <see cref="GemmEpilogue.ActivationDerivative"/>.</summary>
    public static void Run<TActivation>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> activationOutput, GemmShape shape)
        where TActivation : struct, IDeviceActivation
    {
        var tileA = SharedMemory.Allocate<float>(Depth * Pitch); // [k][m]
        var tileB = SharedMemory.Allocate<float>(Depth * Pitch); // [k][n]
        int thread = Group.IdxX;
        int column0 = (thread % 16) * 4, row0 = (thread / 16) * 4;
        int tileRow = Grid.IdxY * Tile, tileColumn = Grid.IdxX * Tile;
        Row4 c0 = default, c1 = default, c2 = default, c3 = default;

        for (int k0 = 0; k0 < shape.K; k0 += Depth)
        {
            for (int load = 0; load < Tile * Depth / Threads; load++)
            {
                int element = thread + load * Threads;
                // A: consecutive threads walk k when A is row-major, m when it is stored transposed.
                int am, ak;
                if (shape.AStrideK == 1) { ak = element % Depth; am = element / Depth; }
                else { am = element % Tile; ak = element / Tile; }
                int row = tileRow + am, depthA = k0 + ak;
                tileA[ak * Pitch + am] = row < shape.M && depthA < shape.K ? a[row * shape.AStrideM + depthA * shape.AStrideK] : 0f;
                // B: consecutive threads walk n when B is row-major, k when it is stored transposed.
                int bn, bk;
                if (shape.BStrideN == 1) { bn = element % Tile; bk = element / Tile; }
                else { bk = element % Depth; bn = element / Depth; }
                int column = tileColumn + bn, depthB = k0 + bk;
                tileB[bk * Pitch + bn] = column < shape.N && depthB < shape.K ? b[depthB * shape.BStrideK + column * shape.BStrideN] : 0f;
            }
            Group.Barrier();
            for (int k = 0; k < Depth; k++)
            {
                int rowA = k * Pitch + row0, rowB = k * Pitch + column0;
                var bk = new Row4(tileB[rowB], tileB[rowB + 1], tileB[rowB + 2], tileB[rowB + 3]);
                c0 = Row4.MultiplyAdd(c0, tileA[rowA], bk);
                c1 = Row4.MultiplyAdd(c1, tileA[rowA + 1], bk);
                c2 = Row4.MultiplyAdd(c2, tileA[rowA + 2], bk);
                c3 = Row4.MultiplyAdd(c3, tileA[rowA + 3], bk);
            }
            Group.Barrier();
        }

        int outRow = tileRow + row0, outColumn = tileColumn + column0;
        Finish<TActivation>(c, bias, activationOutput, shape, outRow, outColumn, c0);
        Finish<TActivation>(c, bias, activationOutput, shape, outRow + 1, outColumn, c1);
        Finish<TActivation>(c, bias, activationOutput, shape, outRow + 2, outColumn, c2);
        Finish<TActivation>(c, bias, activationOutput, shape, outRow + 3, outColumn, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TActivation>(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> y, GemmShape shape, int row, int column, Row4 values)
        where TActivation : struct, IDeviceActivation
    {
        if (row >= shape.M)
            return;
        Store<TActivation>(c, bias, y, shape, row, column, values.X);
        Store<TActivation>(c, bias, y, shape, row, column + 1, values.Y);
        Store<TActivation>(c, bias, y, shape, row, column + 2, values.Z);
        Store<TActivation>(c, bias, y, shape, row, column + 3, values.W);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TActivation>(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> y, GemmShape shape, int row, int column, float value)
        where TActivation : struct, IDeviceActivation
    {
        if (column >= shape.N)
            return;
        int index = row * shape.N + column;
        switch (shape.Epilogue)
        {
            case GemmEpilogue.Accumulate:
                c[index] += value;
                break;
            case GemmEpilogue.BiasActivation:
                c[index] = default(TActivation).Apply(shape.HasBias != 0 ? value + bias[column] : value, shape.NegativeSlope);
                break;
            case GemmEpilogue.ActivationDerivative:
                c[index] = value * default(TActivation).Derivative(y[index], shape.NegativeSlope);
                break;
            default:
                c[index] = value;
                break;
        }
    }

    /// <summary>Four accumulators of one row of a thread's block.</summary>
    private struct Row4(float x, float y, float z, float w)
    {
        public float X = x, Y = y, Z = z, W = w;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row4 MultiplyAdd(Row4 accumulator, float a, Row4 b)
            => new(accumulator.X + a * b.X, accumulator.Y + a * b.Y, accumulator.Z + a * b.Z, accumulator.W + a * b.W);
    }
}
