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
            LoadSlices(a, b, tileA, tileB, shape, thread, tileRow, tileColumn, k0, Tile, Depth, Pitch);
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

    /// <summary>
    /// Stages A[tile × depth] and B[depth × tile] slices at depth <paramref name="k0"/> into shared memory as [k][m] and
    /// [k][n], zero past the matrix edges. Consecutive threads walk the operand's contiguous dimension (k for a row-major A,
    /// m for a transposed one; n for a row-major B, k for a transposed one), so the global reads coalesce either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadSlices(ArrayView<float> a, ArrayView<float> b, ArrayView<float> tileA, ArrayView<float> tileB, GemmShape shape,
        int thread, int tileRow, int tileColumn, int k0, int tile, int depth, int pitch)
    {
        for (int load = 0; load < tile * depth / Threads; load++)
        {
            int element = thread + load * Threads;
            int am, ak;
            if (shape.AStrideK == 1) { ak = element % depth; am = element / depth; }
            else { am = element % tile; ak = element / tile; }
            int row = tileRow + am, depthA = k0 + ak;
            tileA[ak * pitch + am] = row < shape.M && depthA < shape.K ? a[row * shape.AStrideM + depthA * shape.AStrideK] : 0f;
            int bn, bk;
            if (shape.BStrideN == 1) { bn = element % tile; bk = element / tile; }
            else { bk = element % depth; bn = element / depth; }
            int column = tileColumn + bn, depthB = k0 + bk;
            tileB[bk * pitch + bn] = column < shape.N && depthB < shape.K ? b[depthB * shape.BStrideK + column * shape.BStrideN] : 0f;
        }
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

    /// <summary>Rows and columns of C per group of <see cref="RunLarge{TActivation}"/>.</summary>
    public const int LargeTile = 128;

    private const int LargeDepth = 8;

    // Four extra columns per shared row: the column-wise stores of a row-major slice land in 32 different banks.
    private const int LargePitch = LargeTile + 4;

    /// <summary>How many 128 × 128 tiles C[m × n] has.</summary>
    public static long LargeGroups(int m, int n) => (long)((n + LargeTile - 1) / LargeTile) * ((m + LargeTile - 1) / LargeTile);

    /// <summary>Groups of <see cref="RunLarge{TActivation}"/> for C[m × n].</summary>
    public static KernelConfig LargeConfig(int m, int n) => new((n + LargeTile - 1) / LargeTile, (m + LargeTile - 1) / LargeTile, 1, Threads, 1, 1);

    /// <summary>
    /// The kernel for large products: a 128 × 128 tile of C per group of 256 threads, 8-deep slices, 8 × 8 accumulators
    /// per thread at rows <c>ty + 16i</c> and columns <c>tx + 16j</c> (so the threads of a warp read shared memory
    /// without bank conflicts). Four times the arithmetic per shared-memory read of <see cref="Run{TActivation}"/>;
    /// the same operands, layouts and epilogues.
    /// </summary>
    public static void RunLarge<TActivation>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> activationOutput, GemmShape shape)
        where TActivation : struct, IDeviceActivation
    {
        var tileA = SharedMemory.Allocate<float>(LargeDepth * LargePitch); // [k][m]
        var tileB = SharedMemory.Allocate<float>(LargeDepth * LargePitch); // [k][n]
        int thread = Group.IdxX;
        int tx = thread % 16, ty = thread / 16;
        int tileRow = Grid.IdxY * LargeTile, tileColumn = Grid.IdxX * LargeTile;
        Row8 c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;

        for (int k0 = 0; k0 < shape.K; k0 += LargeDepth)
        {
            LoadSlices(a, b, tileA, tileB, shape, thread, tileRow, tileColumn, k0, LargeTile, LargeDepth, LargePitch);
            Group.Barrier();
            for (int k = 0; k < LargeDepth; k++)
            {
                int rowA = k * LargePitch + ty, rowB = k * LargePitch + tx;
                var bk = new Row8(tileB[rowB], tileB[rowB + 16], tileB[rowB + 32], tileB[rowB + 48], tileB[rowB + 64], tileB[rowB + 80], tileB[rowB + 96], tileB[rowB + 112]);
                c0 = Row8.MultiplyAdd(c0, tileA[rowA], bk);
                c1 = Row8.MultiplyAdd(c1, tileA[rowA + 16], bk);
                c2 = Row8.MultiplyAdd(c2, tileA[rowA + 32], bk);
                c3 = Row8.MultiplyAdd(c3, tileA[rowA + 48], bk);
                c4 = Row8.MultiplyAdd(c4, tileA[rowA + 64], bk);
                c5 = Row8.MultiplyAdd(c5, tileA[rowA + 80], bk);
                c6 = Row8.MultiplyAdd(c6, tileA[rowA + 96], bk);
                c7 = Row8.MultiplyAdd(c7, tileA[rowA + 112], bk);
            }
            Group.Barrier();
        }

        int outRow = tileRow + ty, outColumn = tileColumn + tx;
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow, outColumn, c0);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 16, outColumn, c1);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 32, outColumn, c2);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 48, outColumn, c3);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 64, outColumn, c4);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 80, outColumn, c5);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 96, outColumn, c6);
        FinishStrided<TActivation>(c, bias, activationOutput, shape, outRow + 112, outColumn, c7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishStrided<TActivation>(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> y, GemmShape shape, int row, int column, Row8 values)
        where TActivation : struct, IDeviceActivation
    {
        if (row >= shape.M)
            return;
        Store<TActivation>(c, bias, y, shape, row, column, values.C0);
        Store<TActivation>(c, bias, y, shape, row, column + 16, values.C1);
        Store<TActivation>(c, bias, y, shape, row, column + 32, values.C2);
        Store<TActivation>(c, bias, y, shape, row, column + 48, values.C3);
        Store<TActivation>(c, bias, y, shape, row, column + 64, values.C4);
        Store<TActivation>(c, bias, y, shape, row, column + 80, values.C5);
        Store<TActivation>(c, bias, y, shape, row, column + 96, values.C6);
        Store<TActivation>(c, bias, y, shape, row, column + 112, values.C7);
    }

    /// <summary>Eight accumulators of one row of a thread's block in <see cref="RunLarge{TActivation}"/>, 16 columns apart.</summary>
    private struct Row8(float c0, float c1, float c2, float c3, float c4, float c5, float c6, float c7)
    {
        public float C0 = c0, C1 = c1, C2 = c2, C3 = c3, C4 = c4, C5 = c5, C6 = c6, C7 = c7;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row8 MultiplyAdd(Row8 accumulator, float a, Row8 b) => new(
            accumulator.C0 + a * b.C0, accumulator.C1 + a * b.C1, accumulator.C2 + a * b.C2, accumulator.C3 + a * b.C3,
            accumulator.C4 + a * b.C4, accumulator.C5 + a * b.C5, accumulator.C6 + a * b.C6, accumulator.C7 + a * b.C7);
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
