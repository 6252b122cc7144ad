using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// Single-precision GEMM for AVX-512, BLIS-style: B is packed into 64-column panels of depth KC (all three
/// forms become the same panel layout, so no transpose is ever materialized), A into 6-row panels, and a
/// 6×64 register-tiled micro-kernel (24 zmm accumulators) runs over them. The epilogue (bias, activation,
/// activation derivative) runs on each finished tile while it is still in L1. Large products are split
/// across two cores (<see cref="GemmWorker"/>).
/// </summary>
internal static unsafe class PackedSgemm
{
    public const int RowTile = 6;        // MR
    public const int ColumnTile = 64;    // NR: four zmm vectors
    private const int DepthBlock = 96;   // KC: one B micro-panel (96 × 64 floats, 24 KB) stays in L1
    private const int RowBlock = 192;    // MC: one packed A block (192 × 96 floats, 72 KB) stays in L2
    private const int ColumnBlock = 512; // NC: one packed B block (96 × 512 floats, 192 KB) stays in L2
    /// <summary>
    /// Up to this many rows per job a full B panel of the AB form is read in place (row stride n) rather than packed:
    /// with ≤ 4 six-row tiles reusing it, copying B costs more than its strided reads. Interleaved A/B timing on one
    /// core (784 × 256 weights): 1.25–1.6× faster at 8–24 rows, even at 32, 5% slower at 48.
    /// </summary>
    private const int DirectBRows = 24;

    /// <summary>Products with fewer multiply-adds run on one core: waking the second costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 22;

    /// <summary>From 32 M multiply-adds (≈ 0.3 ms on one core) a product waits for a sleeping helper to wake.</summary>
    private const long WakeThreshold = 1L << 25;

    [ThreadStatic] private static float* t_packedA;
    [ThreadStatic] private static float* t_packedB;

    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>C (+)= op(A)·op(B), then the epilogue on every element of C. Pointers must stay pinned for the call.</summary>
    public static void Multiply<TEpilogue>(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
    {
        var job = new Job<TEpilogue>(form, a, b, c, m, k, n, accumulate, epilogue);
        if ((long)m * n * k < ParallelThreshold || !GemmWorker.IsAvailable)
        {
            job.Run(0, m, 0, n);
            return;
        }
        bool worthWaking = (long)m * n * k >= WakeThreshold;
        if (n >= 2 * ColumnTile)
        {
            int split = (n / 2 + ColumnTile - 1) / ColumnTile * ColumnTile;
            GemmWorker.RunPair(ref job, 0, m, 0, split, 0, m, split, n, worthWaking);
        }
        else
        {
            int split = (m / 2 + RowTile - 1) / RowTile * RowTile;
            GemmWorker.RunPair(ref job, 0, split, 0, n, split, m, 0, n, worthWaking);
        }
    }

    internal readonly struct Job<TEpilogue> : IGemmJob where TEpilogue : struct, IGemmEpilogue
    {
        private readonly GemmForm _form;
        private readonly float* _a, _b, _c;
        private readonly int _m, _k, _n;
        private readonly bool _accumulate;
        private readonly TEpilogue _epilogue;

        public Job(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        {
            _form = form; _a = a; _b = b; _c = c; _m = m; _k = k; _n = n; _accumulate = accumulate; _epilogue = epilogue;
        }

        /// <summary>Computes rows [rowStart, rowEnd) × columns [columnStart, columnEnd) of C.</summary>
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            float* packedA = t_packedA, packedB = t_packedB;
            if (packedA == null)
            {
                t_packedA = packedA = (float*)NativeMemory.AlignedAlloc(RowBlock * DepthBlock * sizeof(float), 64);
                t_packedB = packedB = (float*)NativeMemory.AlignedAlloc(DepthBlock * ColumnBlock * sizeof(float), 64);
            }
            float* edge = stackalloc float[RowTile * ColumnTile];
            for (int jc = columnStart; jc < columnEnd; jc += ColumnBlock)
            {
                int nc = Math.Min(ColumnBlock, columnEnd - jc);
                for (int pc = 0; pc < _k; pc += DepthBlock)
                {
                    int kc = Math.Min(DepthBlock, _k - pc);
                    bool add = _accumulate || pc > 0;
                    bool last = pc + kc == _k;
                    for (int jr = 0; jr < nc; jr += ColumnTile)
                        if (!ReadsBDirectly(rowEnd - rowStart, Math.Min(ColumnTile, nc - jr)))
                            PackB(packedB + (long)jr * kc, pc, kc, jc + jr, Math.Min(ColumnTile, nc - jr));
                    for (int ic = rowStart; ic < rowEnd; ic += RowBlock)
                    {
                        int mc = Math.Min(RowBlock, rowEnd - ic);
                        for (int ir = 0; ir < mc; ir += RowTile)
                            PackA(packedA + (long)ir * kc, ic + ir, Math.Min(RowTile, mc - ir), pc, kc);
                        // One B micro-panel (kc × 64) stays in L1 while every A micro-panel of the block streams past it.
                        for (int jr = 0; jr < nc; jr += ColumnTile)
                        {
                            int columns = Math.Min(ColumnTile, nc - jr);
                            bool direct = ReadsBDirectly(rowEnd - rowStart, columns);
                            float* panelB = direct ? _b + (long)pc * _n + jc + jr : packedB + (long)jr * kc;
                            int panelStride = direct ? _n : ColumnTile;
                            for (int ir = 0; ir < mc; ir += RowTile)
                            {
                                int rows = Math.Min(RowTile, mc - ir);
                                int row = ic + ir;
                                float* tile = _c + (long)row * _n + jc + jr;
                                if (columns == ColumnTile)
                                {
                                    // Row edges run a kernel compiled for their row count: no wasted rows, no scratch copy.
                                    float* panelA = packedA + (long)ir * kc;
                                    switch (rows)
                                    {
                                        case 6: Kernel<Rows6>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                        case 5: Kernel<Rows5>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                        case 4: Kernel<Rows4>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                        case 3: Kernel<Rows3>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                        case 2: Kernel<Rows2>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                        default: Kernel<Rows1>(panelA, panelB, panelStride, kc, tile, _n, add); break;
                                    }
                                }
                                else
                                {
                                    // Edge tile: compute the full 6×64 into scratch, keep the part that exists.
                                    Kernel<Rows6>(packedA + (long)ir * kc, panelB, panelStride, kc, edge, ColumnTile, add: false);
                                    for (int r = 0; r < rows; r++)
                                    {
                                        float* source = edge + r * ColumnTile, target = tile + (long)r * _n;
                                        for (int j = 0; j < columns; j++)
                                            target[j] = add ? target[j] + source[j] : source[j];
                                    }
                                }
                                if (last)
                                    for (int r = 0; r < rows; r++)
                                        _epilogue.Apply(tile + (long)r * _n, row + r, jc + jr, columns);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Few rows reuse each B panel only a few times, too few to repay copying it: a full 64-column panel of a
        /// row-major B (the AB form) is then read in place, row stride n, instead of packed.
        /// </summary>
        private bool ReadsBDirectly(int rows, int columns) => _form == GemmForm.AB && columns == ColumnTile && rows <= DirectBRows;

        /// <summary>B(p, j) for p in [pc, pc+kc), j in [column, column+columns) into a 64-wide panel, zero-padded.</summary>
        private void PackB(float* panel, int pc, int kc, int column, int columns)
        {
            if (_form == GemmForm.ABt)
            {
                // B stored [n × k]: B(p, j) = b[j·k + p]. Transposed while packing, one source row at a time.
                if (columns < ColumnTile)
                    new Span<float>(panel, kc * ColumnTile).Clear();
                for (int j = 0; j < columns; j++)
                {
                    float* source = _b + (long)(column + j) * _k + pc;
                    for (int p = 0; p < kc; p++)
                        panel[p * ColumnTile + j] = source[p];
                }
                return;
            }
            for (int p = 0; p < kc; p++)
            {
                float* source = _b + (long)(pc + p) * _n + column;
                float* target = panel + p * ColumnTile;
                if (columns == ColumnTile)
                {
                    Vector512.Store(Vector512.Load(source), target);
                    Vector512.Store(Vector512.Load(source + 16), target + 16);
                    Vector512.Store(Vector512.Load(source + 32), target + 32);
                    Vector512.Store(Vector512.Load(source + 48), target + 48);
                }
                else
                {
                    int j = 0;
                    for (; j < columns; j++) target[j] = source[j];
                    for (; j < ColumnTile; j++) target[j] = 0;
                }
            }
        }

        /// <summary>A(i, p) for i in [row, row+rows), p in [pc, pc+kc) into a 6-row panel, p-major, zero-padded.</summary>
        private void PackA(float* panel, int row, int rows, int pc, int kc)
        {
            if (_form == GemmForm.AtB)
            {
                // A stored [k × m]: A(i, p) = a[p·m + i]; the 6 rows of one p are contiguous.
                for (int p = 0; p < kc; p++)
                {
                    float* source = _a + (long)(pc + p) * _m + row;
                    float* target = panel + p * RowTile;
                    int r = 0;
                    for (; r < rows; r++) target[r] = source[r];
                    for (; r < RowTile; r++) target[r] = 0;
                }
                return;
            }
            for (int r = 0; r < RowTile; r++)
            {
                if (r >= rows)
                {
                    for (int p = 0; p < kc; p++) panel[p * RowTile + r] = 0;
                    continue;
                }
                float* source = _a + (long)(row + r) * _k + pc;
                for (int p = 0; p < kc; p++)
                    panel[p * RowTile + r] = source[p];
            }
        }
    }

    /// <summary>
    /// C[rows×64] (+)= A panel [depth × 6] · B panel [depth × 64], rows = <typeparamref name="TRows"/> (6 for full tiles):
    /// the JIT compiles one kernel per row count and drops the unused rows' work. 24 accumulators + 4 B vectors +
    /// 1 broadcast: 29 of 32 zmm. B rows are <paramref name="ldb"/> floats apart (64 packed, n when read in place).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TRows>(float* a, float* b, int ldb, int depth, float* c, int ldc, bool add) where TRows : struct, IRowCount
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default, c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default, c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        for (int p = 0; p < depth; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0), b1 = Vector512.Load(b + 16), b2 = Vector512.Load(b + 32), b3 = Vector512.Load(b + 48);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01); c02 = Vector512.FusedMultiplyAdd(a0, b2, c02); c03 = Vector512.FusedMultiplyAdd(a0, b3, c03);
            if (TRows.Count > 1)
            {
                Vector512<float> a1 = Vector512.Create(a[1]);
                c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11); c12 = Vector512.FusedMultiplyAdd(a1, b2, c12); c13 = Vector512.FusedMultiplyAdd(a1, b3, c13);
            }
            if (TRows.Count > 2)
            {
                Vector512<float> a2 = Vector512.Create(a[2]);
                c20 = Vector512.FusedMultiplyAdd(a2, b0, c20); c21 = Vector512.FusedMultiplyAdd(a2, b1, c21); c22 = Vector512.FusedMultiplyAdd(a2, b2, c22); c23 = Vector512.FusedMultiplyAdd(a2, b3, c23);
            }
            if (TRows.Count > 3)
            {
                Vector512<float> a3 = Vector512.Create(a[3]);
                c30 = Vector512.FusedMultiplyAdd(a3, b0, c30); c31 = Vector512.FusedMultiplyAdd(a3, b1, c31); c32 = Vector512.FusedMultiplyAdd(a3, b2, c32); c33 = Vector512.FusedMultiplyAdd(a3, b3, c33);
            }
            if (TRows.Count > 4)
            {
                Vector512<float> a4 = Vector512.Create(a[4]);
                c40 = Vector512.FusedMultiplyAdd(a4, b0, c40); c41 = Vector512.FusedMultiplyAdd(a4, b1, c41); c42 = Vector512.FusedMultiplyAdd(a4, b2, c42); c43 = Vector512.FusedMultiplyAdd(a4, b3, c43);
            }
            if (TRows.Count > 5)
            {
                Vector512<float> a5 = Vector512.Create(a[5]);
                c50 = Vector512.FusedMultiplyAdd(a5, b0, c50); c51 = Vector512.FusedMultiplyAdd(a5, b1, c51); c52 = Vector512.FusedMultiplyAdd(a5, b2, c52); c53 = Vector512.FusedMultiplyAdd(a5, b3, c53);
            }
            a += 6;
            b += ldb;
        }
        Store(c + 0 * ldc, c00, c01, c02, c03, add);
        if (TRows.Count > 1) Store(c + 1 * ldc, c10, c11, c12, c13, add);
        if (TRows.Count > 2) Store(c + 2 * ldc, c20, c21, c22, c23, add);
        if (TRows.Count > 3) Store(c + 3 * ldc, c30, c31, c32, c33, add);
        if (TRows.Count > 4) Store(c + 4 * ldc, c40, c41, c42, c43, add);
        if (TRows.Count > 5) Store(c + 5 * ldc, c50, c51, c52, c53, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3, bool add)
    {
        if (add)
        {
            s0 += Vector512.Load(c); s1 += Vector512.Load(c + 16); s2 += Vector512.Load(c + 32); s3 += Vector512.Load(c + 48);
        }
        Vector512.Store(s0, c); Vector512.Store(s1, c + 16); Vector512.Store(s2, c + 32); Vector512.Store(s3, c + 48);
    }
}

/// <summary>A micro-kernel's row count as a type, so each count gets its own compiled kernel.</summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal readonly struct Rows1 : IRowCount { public static int Count => 1; }
internal readonly struct Rows2 : IRowCount { public static int Count => 2; }
internal readonly struct Rows3 : IRowCount { public static int Count => 3; }
internal readonly struct Rows4 : IRowCount { public static int Count => 4; }
internal readonly struct Rows5 : IRowCount { public static int Count => 5; }
internal readonly struct Rows6 : IRowCount { public static int Count => 6; }
