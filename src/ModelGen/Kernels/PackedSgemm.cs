using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Simd;

namespace ModelGen.Kernels;

/// <summary>
/// Single-precision GEMM, BLIS-style, written once for every vector width: B is packed into NR-column panels of
/// depth KC (all three forms become the same panel layout, so no transpose is ever materialized), A into MR-row
/// panels, and an MR×NR register-tiled micro-kernel runs over them. The tile shape is chosen per width
/// (<see cref="PackedSgemm"/>); the block sizes follow the caches the machine reports (<see cref="CacheSizes"/>).
/// The epilogue (bias, activation, activation derivative) runs on each finished tile while it is still in L1.
/// Large products are split across two cores (<see cref="GemmWorker"/>).
/// </summary>
internal static unsafe class PackedSgemm<TVector, TOps, TTile>
    where TVector : struct
    where TOps : IVectorOps<float, TVector>
    where TTile : struct, IMicroTile
{
    /// <summary>NR: columns of one micro-tile.</summary>
    public static int ColumnTile => TTile.ColumnVectors * TOps.Count;

    /// <summary>KC: one B micro-panel (KC × NR) fills three quarters of L1, leaving room for the A micro-panel and C.</summary>
    public static readonly int DepthBlock = Math.Clamp(CacheSizes.Level1 * 3 / 4 / (ColumnTile * sizeof(float)) / 16 * 16, 32, 512);

    /// <summary>MC: one packed A block (MC × KC) fills a quarter of L2.</summary>
    public static readonly int RowBlock = Math.Clamp(CacheSizes.Level2 / 4 / (DepthBlock * sizeof(float)) / TTile.Rows * TTile.Rows, 4 * TTile.Rows, 64 * TTile.Rows);

    /// <summary>NC: one packed B block (KC × NC) fills half of L2.</summary>
    public static readonly int ColumnBlock = Math.Clamp(CacheSizes.Level2 / 2 / (DepthBlock * sizeof(float)) / ColumnTile * ColumnTile, 4 * ColumnTile, 4096);

    /// <summary>
    /// Up to this many rows per job a full B panel of the AB form is read in place (row stride n) rather than packed:
    /// with ≤ 8 row tiles reusing it, copying B costs more than its strided reads (32 × 784 × 256 on Zen 4, two
    /// cores: 98 µs read in place against 122 µs packed with 6×16 tiles, 81 against 90 with 6×64).
    /// </summary>
    private static int DirectBRows => 8 * TTile.Rows;

    /// <summary>Products with fewer multiply-adds run on one core: waking the second costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 22;

    /// <summary>
    /// From this many multiply-adds (≈ 12 µs on one core) a product splits when the helper is awake — spinning after the
    /// product before, as in a forward or backward pass — and a hand-off costs about a microsecond (the MNIST MLP's
    /// 1 M-multiply-add products at batch 32, two Xeon cores: its train step 334–341 → 319–331 µs).
    /// </summary>
    private const long AwakeParallelThreshold = 1L << 20;

    /// <summary>From 32 M multiply-adds (≈ 0.3 ms on one core) a product waits for a sleeping helper to wake.</summary>
    private const long WakeThreshold = 1L << 25;

    [ThreadStatic] private static float* t_packedA;
    [ThreadStatic] private static float* t_packedB;
    [ThreadStatic] private static float[]? t_partialSums;

    /// <summary>C (+)= op(A)·op(B), then the epilogue on every element of C. Pointers must stay pinned for the call.</summary>
    public static void Multiply<TEpilogue>(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
        => Multiply(form, a, b, default(MatrixPanels), c, m, k, n, accumulate, epilogue);

    /// <summary>C (+)= op(A)·B where the panels of B [k × n] are packed by <paramref name="source"/> (<paramref name="b"/> unused unless it is a <see cref="MatrixPanels"/>).</summary>
    public static void Multiply<TEpilogue, TSource>(GemmForm form, float* a, float* b, TSource source, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
        where TSource : struct, IPanelSource
    {
        if (SplitsDepth(m, k, n) && typeof(TEpilogue) == typeof(NoEpilogue) && TSource.IsMatrix)
        {
            MultiplySplitDepth(form, a, b, c, m, k, n, accumulate);
            return;
        }
        var job = new Job<TEpilogue, TSource>(form, a, b, source, c, m, k, n, 0, k, accumulate, epilogue);
        long multiplyAdds = (long)m * n * k;
        if (!GemmWorker.IsAvailable || multiplyAdds < AwakeParallelThreshold || (multiplyAdds < ParallelThreshold && !GemmWorker.IsAwake))
        {
            job.Run(0, m, 0, n);
            return;
        }
        bool worthWaking = multiplyAdds >= WakeThreshold;
        int columnTile = ColumnTile;
        // Each core packs the whole of the operand whose other dimension it splits: halves of C's columns each pack all of
        // A (m × k) and half of B, halves of its rows half of A and all of B (k × n). The smaller total splits the longer
        // side: a tagger's [2048 × 128]·[128 × 227] output layer by rows, 2 cores, Zen 4: 920 → 660 µs.
        if (n >= 2 * columnTile && n >= m)
        {
            int split = (n / 2 + columnTile - 1) / columnTile * columnTile;
            GemmWorker.RunPair(ref job, 0, m, 0, split, 0, m, split, n, worthWaking);
        }
        else
        {
            int split = (m / 2 + TTile.Rows - 1) / TTile.Rows * TTile.Rows;
            GemmWorker.RunPair(ref job, 0, split, 0, n, split, m, 0, n, worthWaking);
        }
    }

    /// <summary>
    /// B [k × n] (the AB form's row-major B, or the ABt form's [n × k]) into NR-column panels of the full depth, panel j
    /// at j·k: a depth block [pc, pc + kc) of a panel is then one contiguous run, NR floats per depth.
    /// </summary>
    public static void PackPanels(GemmForm form, float* b, int k, int n, float* panels)
    {
        var job = new Job<NoEpilogue, MatrixPanels>(form, null, b, default, null, 0, k, n, 0, k, false, default);
        for (int jr = 0; jr < n; jr += ColumnTile)
            job.PackB(panels + (long)jr * k, 0, k, jr, Math.Min(ColumnTile, n - jr));
    }

    /// <summary>
    /// C (+)= op(A)·op(B) on this thread, never split: for a product that is itself one core's part of a split job. The AB
    /// and AtB forms' depth index p reads row <paramref name="depthRows"/>.From(p) of A [k × m] (AtB) and B [k × n].
    /// </summary>
    public static void MultiplyOnThisThread(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, DepthRows depthRows = default)
        => new Job<NoEpilogue, MatrixPanels>(form, a, b, default, c, m, k, n, 0, k, accumulate, default, depthRows).Run(0, m, 0, n);

    /// <summary>
    /// C [m × n] (+)= A [m × k] (row-major) · B, with B already in panels (<see cref="PackPanels"/>, at this width), on this
    /// thread. A recurrent sweep multiplies the same W_hh at every step: packed once per sweep, it is read contiguously from
    /// L1 by every step's tiles, where read in place (rows n floats apart) its panel rows fell into a few cache sets.
    /// A step's few rows are read in place too: packing them cost more than the product saved (an LSTM's backward sweep,
    /// 16 rows × 256 × 64 per step on each of two Xeon cores: 470 µs with A packed per step, 366 read in place).
    /// </summary>
    public static void MultiplyPrepacked(float* a, float* panels, float* c, int m, int k, int n, bool accumulate)
    {
        int rowTile = TTile.Rows, columnTile = ColumnTile;
        int depthBlock = Job<NoEpilogue, MatrixPanels>.Balanced(k, DepthBlock, 8);
        float* edge = stackalloc float[rowTile * columnTile];
        for (int pc = 0; pc < k; pc += depthBlock)
        {
            int kc = Math.Min(depthBlock, k - pc);
            bool add = accumulate || pc > 0;
            for (int jr = 0; jr < n; jr += columnTile)
            {
                int columns = Math.Min(columnTile, n - jr);
                float* panelB = panels + (long)jr * k + pc * columnTile;
                for (int ir = 0; ir < m; ir += rowTile)
                {
                    int rows = Math.Min(rowTile, m - ir);
                    Tile(rowMajor: true, rows, columns, a + (long)ir * k + pc, k, panelB, columnTile, kc, c + (long)ir * n + jr, n, add, edge);
                }
            }
        }
    }

    /// <summary>
    /// A weight gradient sums over every sample (and step): k far beyond m and n. Splitting C's rows or columns would
    /// have each core pack the whole of one operand; halves of the depth pack half of each, and cost one m × n sum.
    /// The split depends on the shape alone, so the result is the same on one core or two.
    /// </summary>
    private static bool SplitsDepth(int m, int k, int n) => (long)m * n * k >= ParallelThreshold && k >= 4 * Math.Max(m, n);

    /// <summary>C (+)= A·B over the first half of the depth on one core while the other sums the second half apart; then C += that.</summary>
    private static void MultiplySplitDepth(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate)
    {
        long length = (long)m * n;
        float* partial = PinnedScratch.Get(ref t_partialSums, (int)length);
        int middle = k / 2 / 8 * 8;
        var halves = new DepthHalves(
            new Job<NoEpilogue, MatrixPanels>(form, a, b, default, c, m, k, n, 0, middle, accumulate, default),
            new Job<NoEpilogue, MatrixPanels>(form, a, b, default, partial, m, k, n, middle, k, false, default), m, n);
        GemmWorker.RunPair(ref halves, 0, 0, 0, 0, 0, 0, 1, 0, (long)m * n * k >= WakeThreshold);
        var sums = new Span<float>(c, (int)length);
        System.Numerics.Tensors.TensorPrimitives.Add(sums, new ReadOnlySpan<float>(partial, (int)length), sums);
    }

    /// <summary>The two depth halves as one job, each the whole of C; the third number of a range says which half.</summary>
    private readonly struct DepthHalves(Job<NoEpilogue, MatrixPanels> first, Job<NoEpilogue, MatrixPanels> second, int m, int n) : IGemmJob
    {
        public void Run(int unused0, int unused1, int half, int unused2) => (half == 0 ? first : second).Run(0, m, 0, n);
    }

    internal readonly struct Job<TEpilogue, TSource> : IGemmJob where TEpilogue : struct, IGemmEpilogue where TSource : struct, IPanelSource
    {
        private readonly GemmForm _form;
        private readonly float* _a, _b, _c;
        private readonly TSource _source;
        private readonly int _m, _k, _n;
        private readonly int _depthStart, _depthEnd;
        private readonly bool _accumulate;
        private readonly TEpilogue _epilogue;
        private readonly DepthRows _depthRows;

        /// <summary>C (+)= the sum over depths [<paramref name="depthStart"/>, <paramref name="depthEnd"/>) of the product's k.</summary>
        public Job(GemmForm form, float* a, float* b, TSource source, float* c, int m, int k, int n, int depthStart, int depthEnd, bool accumulate, TEpilogue epilogue,
            DepthRows depthRows = default)
        {
            _form = form; _a = a; _b = b; _source = source; _c = c; _m = m; _k = k; _n = n; _depthStart = depthStart; _depthEnd = depthEnd;
            _accumulate = accumulate; _epilogue = epilogue; _depthRows = depthRows;
        }

        /// <summary>Computes rows [rowStart, rowEnd) × columns [columnStart, columnEnd) of C.</summary>
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            int rowTile = TTile.Rows, columnTile = ColumnTile;
            float* packedA = t_packedA, packedB = t_packedB;
            if (packedA == null)
            {
                // Eight floats to spare after the last A panel: the vector packing stores whole vectors past a panel's end.
                t_packedA = packedA = (float*)NativeMemory.AlignedAlloc((nuint)((RowBlock * DepthBlock + 8) * sizeof(float)), 64);
                t_packedB = packedB = (float*)NativeMemory.AlignedAlloc((nuint)(DepthBlock * ColumnBlock * sizeof(float)), 64);
            }
            // Equal blocks no larger than the cache-sized ones: k = 784 with KC = 384 runs 3 × 262, not 384 + 384 + 16,
            // whose last thin block would load and store every C tile for 16 multiply-adds.
            int depthBlock = Balanced(_depthEnd - _depthStart, DepthBlock, 8);
            int rowBlock = Balanced(rowEnd - rowStart, RowBlock, rowTile);
            int columnBlock = Balanced(columnEnd - columnStart, ColumnBlock, columnTile);
            float* edge = stackalloc float[rowTile * columnTile];
            // Where one or two column panels are all there is to multiply, each A element would be copied to be used once
            // or twice: the micro-kernel reads A in place instead — the AtB form's A [k × m] as panels m apart (each depth's
            // rows side by side), the other forms' A [m × k] by its rows (the second panel finds them in L1/L2). Two Xeon
            // cores: a recurrent layer's dW_ih and dX over 32 inputs (256 × 2048 × 32, 2048 × 256 × 32) 550 → 150 µs and
            // 230 → 154 µs with one panel; with two, an MLP's first layer (256 × 784 × 256, each core 128 columns) 421 → 389
            // µs, 32 × 784 × 256 59 → 49, and held to AVX2 (16-column panels) 1024 × 1024 × 32 500 → 400.
            bool aInPlace = columnEnd - columnStart <= 2 * columnTile && !_depthRows.IsMapped;
            bool aRowMajor = aInPlace && _form != GemmForm.AtB;
            int aStride = !aInPlace ? rowTile : aRowMajor ? _k : _m;
            for (int jc = columnStart; jc < columnEnd; jc += columnBlock)
            {
                int nc = Math.Min(columnBlock, columnEnd - jc);
                for (int pc = _depthStart; pc < _depthEnd; pc += depthBlock)
                {
                    int kc = Math.Min(depthBlock, _depthEnd - pc);
                    bool add = _accumulate || pc > _depthStart;
                    bool last = pc + kc == _depthEnd;
                    for (int jr = 0; jr < nc; jr += columnTile)
                        if (!ReadsBDirectly(rowEnd - rowStart, Math.Min(columnTile, nc - jr)))
                            PackB(packedB + (long)jr * kc, pc, kc, jc + jr, Math.Min(columnTile, nc - jr));
                    for (int ic = rowStart; ic < rowEnd; ic += rowBlock)
                    {
                        int mc = Math.Min(rowBlock, rowEnd - ic);
                        if (!aInPlace)
                            for (int ir = 0; ir < mc; ir += rowTile)
                                PackA(packedA + (long)ir * kc, ic + ir, Math.Min(rowTile, mc - ir), pc, kc);
                        // One B micro-panel (kc × NR) stays in L1 while every A micro-panel of the block streams past it.
                        for (int jr = 0; jr < nc; jr += columnTile)
                        {
                            int columns = Math.Min(columnTile, nc - jr);
                            bool direct = ReadsBDirectly(rowEnd - rowStart, columns);
                            float* panelB = direct ? _b + (long)pc * _n + jc + jr : packedB + (long)jr * kc;
                            int panelStride = direct ? _n : columnTile;
                            for (int ir = 0; ir < mc; ir += rowTile)
                            {
                                int rows = Math.Min(rowTile, mc - ir);
                                int row = ic + ir;
                                float* tile = _c + (long)row * _n + jc + jr;
                                float* panelA = !aInPlace ? packedA + (long)ir * kc : aRowMajor ? _a + (long)row * _k + pc : _a + (long)pc * _m + row;
                                Tile(aRowMajor, rows, columns, panelA, aStride, panelB, panelStride, kc, tile, _n, add, edge);
                                if (last)
                                    for (int r = 0; r < rows; r++)
                                        _epilogue.Apply(tile + (long)r * _n, row + r, jc + jr, columns);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>The size of ⌈length / limit⌉ equal blocks covering length, rounded up to a multiple of <paramref name="multiple"/>, at most <paramref name="limit"/>.</summary>
        internal static int Balanced(int length, int limit, int multiple)
        {
            int blocks = Math.Max(1, (length + limit - 1) / limit);
            int size = (length + blocks - 1) / blocks;
            return Math.Min(limit, (size + multiple - 1) / multiple * multiple);
        }

        /// <summary>
        /// Few rows reuse each B panel only a few times, too few to repay copying it: a full panel of a row-major B
        /// (the AB form) is then read in place, row stride n, instead of packed.
        /// </summary>
        private bool ReadsBDirectly(int rows, int columns) => TSource.IsMatrix && _form == GemmForm.AB && columns == ColumnTile && rows <= DirectBRows && !_depthRows.IsMapped;

        /// <summary>B(p, j) for p in [pc, pc+kc), j in [column, column+columns) into an NR-wide panel, zero-padded.</summary>
        internal void PackB(float* panel, int pc, int kc, int column, int columns)
        {
            int columnTile = ColumnTile;
            if (!TSource.IsMatrix)
            {
                _source.Pack(panel, columnTile, pc, kc, column, columns);
                return;
            }
            if (_form == GemmForm.ABt)
            {
                // B stored [n × k]: B(p, j) = b[j·k + p]. Transposed while packing: 8 × 8 blocks in registers where AVX
                // is there (each store a contiguous run of a panel row), one element at a time for the edges.
                if (columns < columnTile)
                    new Span<float>(panel, kc * columnTile).Clear();
                int blockedColumns = 0, blockedDepth = 0;
                if (Avx.IsSupported)
                {
                    blockedColumns = columns & ~7;
                    blockedDepth = kc & ~7;
                    for (int j = 0; j < blockedColumns; j += 8)
                        for (int p = 0; p < blockedDepth; p += 8)
                            Transpose8x8.Block(_b + (long)(column + j) * _k + pc + p, _k, panel + p * columnTile + j, columnTile);
                }
                for (int j = 0; j < columns; j++)
                {
                    float* source = _b + (long)(column + j) * _k + pc;
                    for (int p = j < blockedColumns ? blockedDepth : 0; p < kc; p++)
                        panel[p * columnTile + j] = source[p];
                }
                return;
            }
            var depthRow = _depthRows.From(pc);
            for (int p = 0; p < kc; p++, depthRow.Next())
            {
                float* source = _b + depthRow.Row * _n + column;
                float* target = panel + p * columnTile;
                if (columns == columnTile)
                {
                    for (int j = 0; j < columnTile; j += TOps.Count)
                        TOps.Store(TOps.Load(in source[j]), ref target[j]);
                }
                else
                {
                    int j = 0;
                    for (; j < columns; j++) target[j] = source[j];
                    for (; j < columnTile; j++) target[j] = 0;
                }
            }
        }

        /// <summary>A(i, p) for i in [row, row+rows), p in [pc, pc+kc) into an MR-row panel, p-major, zero-padded.</summary>
        internal void PackA(float* panel, int row, int rows, int pc, int kc)
        {
            int rowTile = TTile.Rows;
            if (_form == GemmForm.AtB)
            {
                // A stored [k × m]: A(i, p) = a[p·m + i]; the rows of one p are contiguous, so a full panel copies one vector per
                // depth. Six rows move as eight floats, the two extra landing where the next depth's (or next panel's, packed
                // after this one, or the spare floats after the last) go: a weight gradient's packing, elementwise, had cost a
                // fifth of its GEMM.
                var depthRow = _depthRows.From(pc);
                if (rows == rowTile && rowTile == 8)
                {
                    for (int p = 0; p < kc; p++, depthRow.Next())
                    {
                        float* source = _a + depthRow.Row * _m + row;
                        Vector128.Store(Vector128.Load(source), panel + p * 8);
                        Vector128.Store(Vector128.Load(source + 4), panel + p * 8 + 4);
                    }
                    return;
                }
                if (rows == rowTile && rowTile == 6 && row + 8 <= _m && Vector256.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, depthRow.Next())
                        Vector256.Store(Vector256.Load(_a + depthRow.Row * _m + row), panel + p * 6);
                    return;
                }
                for (int p = 0; p < kc; p++, depthRow.Next())
                {
                    float* source = _a + depthRow.Row * _m + row;
                    float* target = panel + p * rowTile;
                    int r = 0;
                    for (; r < rows; r++) target[r] = source[r];
                    for (; r < rowTile; r++) target[r] = 0;
                }
                return;
            }
            int packed = 0;
            if (rowTile == 6 && rows == 6 && Avx.IsSupported)
            {
                // Eight depths at a time through a register transpose (the panel buffer has the two floats it spills).
                packed = kc & ~7;
                float* source = _a + (long)row * _k + pc;
                for (int p = 0; p < packed; p += 8)
                    Transpose8x8.SixRows(source + p, _k, panel + p * 6);
            }
            for (int r = 0; r < rowTile; r++)
            {
                if (r >= rows)
                {
                    for (int p = 0; p < kc; p++) panel[p * rowTile + r] = 0;
                    continue;
                }
                float* source = _a + (long)(row + r) * _k + pc;
                for (int p = packed; p < kc; p++)
                    panel[p * rowTile + r] = source[p];
            }
        }
    }

    /// <summary>
    /// C's tile [rows × columns] (+)= A's rows · one B panel. A full panel's tile is the micro-kernel's; a column edge is
    /// computed into <paramref name="edge"/> [MR × NR] scratch by the kernel with only the vectors the edge's columns reach
    /// (a 227-wide layer's last 35 columns: 3 of a 64-wide tile's 4), and only the columns that exist are kept.
    /// </summary>
    private static void Tile(bool rowMajor, int rows, int columns, float* a, int lda, float* b, int ldb, int depth, float* c, int ldc, bool add, float* edge)
    {
        if (columns == ColumnTile)
        {
            MicroTile<AllVectors<TTile>>(rowMajor, rows, a, lda, b, ldb, depth, c, ldc, add);
            return;
        }
        int vectors = (columns + TOps.Count - 1) / TOps.Count; // an edge may reach all of the tile's vectors, its last one partly
        if (vectors == TTile.ColumnVectors)
            MicroTile<AllVectors<TTile>>(rowMajor, rows, a, lda, b, ldb, depth, edge, ColumnTile, add: false);
        else if (vectors == 1)
            MicroTile<Vectors1>(rowMajor, rows, a, lda, b, ldb, depth, edge, ColumnTile, add: false);
        else if (vectors == 2)
            MicroTile<Vectors2>(rowMajor, rows, a, lda, b, ldb, depth, edge, ColumnTile, add: false);
        else
            MicroTile<Vectors3>(rowMajor, rows, a, lda, b, ldb, depth, edge, ColumnTile, add: false);
        for (int r = 0; r < rows; r++)
        {
            float* source = edge + r * ColumnTile, target = c + (long)r * ldc;
            for (int j = 0; j < columns; j++)
                target[j] = add ? target[j] + source[j] : source[j];
        }
    }

    /// <summary>Runs the micro-kernel compiled for this row count and at most <typeparamref name="TVectors"/> column vectors: row edges waste no rows and need no scratch copy.</summary>
    /// <remarks>
    /// A's row i at depth p is at a + i + p·<paramref name="lda"/> (a packed panel, lda = MR, or the AtB form in place), or
    /// at a + i·lda + p when <paramref name="rowMajor"/> (a row-major matrix read in place, lda = k).
    /// </remarks>
    private static void MicroTile<TVectors>(bool rowMajor, int rows, float* a, int lda, float* b, int ldb, int depth, float* c, int ldc, bool add)
        where TVectors : struct, IVectorCount
    {
        if (rowMajor)
            MicroTile<RowMajorRows, TVectors>(rows, a, lda, b, ldb, depth, c, ldc, add);
        else
            MicroTile<PanelRows, TVectors>(rows, a, lda, b, ldb, depth, c, ldc, add);
    }

    private static void MicroTile<TLayout, TVectors>(int rows, float* a, int lda, float* b, int ldb, int depth, float* c, int ldc, bool add)
        where TLayout : struct, IRowLayout where TVectors : struct, IVectorCount
    {
        switch (rows)
        {
            case 8: Kernel<Rows8, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 7: Kernel<Rows7, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 6: Kernel<Rows6, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 5: Kernel<Rows5, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 4: Kernel<Rows4, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 3: Kernel<Rows3, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            case 2: Kernel<Rows2, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
            default: Kernel<Rows1, TLayout, TVectors>(a, lda, b, ldb, depth, c, ldc, add); break;
        }
    }

    /// <summary>
    /// C[rows × NR] (+)= A panel [depth × MR] · B panel [depth × NR] with rows = <typeparamref name="TRows"/> (MR for
    /// full tiles) and the first <typeparamref name="TVectors"/> column vectors (all of them for full panels): the JIT compiles
    /// one kernel per row and vector count and drops the accumulators a tile shape does not use (6×4 vectors: 24 zmm of
    /// 32; 6×2: 12 ymm of 16; 8×3: 24 of ARM64's 32).
    /// B rows are <paramref name="ldb"/> floats apart. Rows go in pairs, both broadcasts loaded before their
    /// multiply-adds, each written MultiplyAdd(b, x, c) so the JIT emits vfmadd231ps c, x, b: on Zen 1 (128-bit FMA
    /// units) the loop with one broadcast consumed at once and the broadcast as the last operand ran at 17 of 37
    /// GFLOP/s in some code placements; either change alone kept it at the peak.
    /// The unrolled blocks are one per row pair on purpose: every accumulator must be its own local to stay in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<TRows, TLayout, TVectors>(float* a, int lda, float* b, int ldb, int depth, float* c, int ldc, bool add)
        where TRows : struct, IRowCount where TLayout : struct, IRowLayout where TVectors : struct, IVectorCount
    {
        int w = TOps.Count;
        // Panel rows: row i at a + i, the next depth lda on. Matrix rows: row i at a + i·lda, the next depth one on. Constants
        // for the panel layout, so its kernel is the one it always was.
        nint r1 = TLayout.MatrixRows ? lda : 1, r2 = 2 * r1, r3 = 3 * r1, r4 = 4 * r1, r5 = 5 * r1, r6 = 6 * r1, r7 = 7 * r1;
        nint step = TLayout.MatrixRows ? 1 : lda;
        TVector c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVector c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVector c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        TVector c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        TVector c40 = TOps.Zero, c41 = TOps.Zero, c42 = TOps.Zero, c43 = TOps.Zero;
        TVector c50 = TOps.Zero, c51 = TOps.Zero, c52 = TOps.Zero, c53 = TOps.Zero;
        TVector c60 = TOps.Zero, c61 = TOps.Zero, c62 = TOps.Zero, c63 = TOps.Zero;
        TVector c70 = TOps.Zero, c71 = TOps.Zero, c72 = TOps.Zero, c73 = TOps.Zero;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TOps.Load(in b[0]);
            TVector b1 = TVectors.Count > 1 ? TOps.Load(in b[1 * w]) : TOps.Zero;
            TVector b2 = TVectors.Count > 2 ? TOps.Load(in b[2 * w]) : TOps.Zero;
            TVector b3 = TVectors.Count > 3 ? TOps.Load(in b[3 * w]) : TOps.Zero;
            if (TRows.Count > 0)
            {
                TVector x0 = TOps.Broadcast(a[0]);
                TVector x1 = TRows.Count > 1 ? TOps.Broadcast(a[r1]) : TOps.Zero;
                c00 = TOps.MultiplyAdd(b0, x0, c00);
                if (TRows.Count > 1) c10 = TOps.MultiplyAdd(b0, x1, c10);
                if (TVectors.Count > 1)
                {
                    c01 = TOps.MultiplyAdd(b1, x0, c01);
                    if (TRows.Count > 1) c11 = TOps.MultiplyAdd(b1, x1, c11);
                }
                if (TVectors.Count > 2)
                {
                    c02 = TOps.MultiplyAdd(b2, x0, c02);
                    if (TRows.Count > 1) c12 = TOps.MultiplyAdd(b2, x1, c12);
                }
                if (TVectors.Count > 3)
                {
                    c03 = TOps.MultiplyAdd(b3, x0, c03);
                    if (TRows.Count > 1) c13 = TOps.MultiplyAdd(b3, x1, c13);
                }
            }
            if (TRows.Count > 2)
            {
                TVector x2 = TOps.Broadcast(a[r2]);
                TVector x3 = TRows.Count > 3 ? TOps.Broadcast(a[r3]) : TOps.Zero;
                c20 = TOps.MultiplyAdd(b0, x2, c20);
                if (TRows.Count > 3) c30 = TOps.MultiplyAdd(b0, x3, c30);
                if (TVectors.Count > 1)
                {
                    c21 = TOps.MultiplyAdd(b1, x2, c21);
                    if (TRows.Count > 3) c31 = TOps.MultiplyAdd(b1, x3, c31);
                }
                if (TVectors.Count > 2)
                {
                    c22 = TOps.MultiplyAdd(b2, x2, c22);
                    if (TRows.Count > 3) c32 = TOps.MultiplyAdd(b2, x3, c32);
                }
                if (TVectors.Count > 3)
                {
                    c23 = TOps.MultiplyAdd(b3, x2, c23);
                    if (TRows.Count > 3) c33 = TOps.MultiplyAdd(b3, x3, c33);
                }
            }
            if (TRows.Count > 4)
            {
                TVector x4 = TOps.Broadcast(a[r4]);
                TVector x5 = TRows.Count > 5 ? TOps.Broadcast(a[r5]) : TOps.Zero;
                c40 = TOps.MultiplyAdd(b0, x4, c40);
                if (TRows.Count > 5) c50 = TOps.MultiplyAdd(b0, x5, c50);
                if (TVectors.Count > 1)
                {
                    c41 = TOps.MultiplyAdd(b1, x4, c41);
                    if (TRows.Count > 5) c51 = TOps.MultiplyAdd(b1, x5, c51);
                }
                if (TVectors.Count > 2)
                {
                    c42 = TOps.MultiplyAdd(b2, x4, c42);
                    if (TRows.Count > 5) c52 = TOps.MultiplyAdd(b2, x5, c52);
                }
                if (TVectors.Count > 3)
                {
                    c43 = TOps.MultiplyAdd(b3, x4, c43);
                    if (TRows.Count > 5) c53 = TOps.MultiplyAdd(b3, x5, c53);
                }
            }
            if (TRows.Count > 6)
            {
                TVector x6 = TOps.Broadcast(a[r6]);
                TVector x7 = TRows.Count > 7 ? TOps.Broadcast(a[r7]) : TOps.Zero;
                c60 = TOps.MultiplyAdd(b0, x6, c60);
                if (TRows.Count > 7) c70 = TOps.MultiplyAdd(b0, x7, c70);
                if (TVectors.Count > 1)
                {
                    c61 = TOps.MultiplyAdd(b1, x6, c61);
                    if (TRows.Count > 7) c71 = TOps.MultiplyAdd(b1, x7, c71);
                }
                if (TVectors.Count > 2)
                {
                    c62 = TOps.MultiplyAdd(b2, x6, c62);
                    if (TRows.Count > 7) c72 = TOps.MultiplyAdd(b2, x7, c72);
                }
                if (TVectors.Count > 3)
                {
                    c63 = TOps.MultiplyAdd(b3, x6, c63);
                    if (TRows.Count > 7) c73 = TOps.MultiplyAdd(b3, x7, c73);
                }
            }
            a += step;
            b += ldb;
        }
        if (TRows.Count > 0) StoreRow<TVectors>(c + 0 * ldc, c00, c01, c02, c03, add);
        if (TRows.Count > 1) StoreRow<TVectors>(c + 1 * ldc, c10, c11, c12, c13, add);
        if (TRows.Count > 2) StoreRow<TVectors>(c + 2 * ldc, c20, c21, c22, c23, add);
        if (TRows.Count > 3) StoreRow<TVectors>(c + 3 * ldc, c30, c31, c32, c33, add);
        if (TRows.Count > 4) StoreRow<TVectors>(c + 4 * ldc, c40, c41, c42, c43, add);
        if (TRows.Count > 5) StoreRow<TVectors>(c + 5 * ldc, c50, c51, c52, c53, add);
        if (TRows.Count > 6) StoreRow<TVectors>(c + 6 * ldc, c60, c61, c62, c63, add);
        if (TRows.Count > 7) StoreRow<TVectors>(c + 7 * ldc, c70, c71, c72, c73, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVectors>(float* c, TVector s0, TVector s1, TVector s2, TVector s3, bool add) where TVectors : struct, IVectorCount
    {
        int w = TOps.Count;
        if (add)
        {
            s0 = TOps.Add(s0, TOps.Load(in c[0]));
            if (TVectors.Count > 1) s1 = TOps.Add(s1, TOps.Load(in c[w]));
            if (TVectors.Count > 2) s2 = TOps.Add(s2, TOps.Load(in c[2 * w]));
            if (TVectors.Count > 3) s3 = TOps.Add(s3, TOps.Load(in c[3 * w]));
        }
        TOps.Store(s0, ref c[0]);
        if (TVectors.Count > 1) TOps.Store(s1, ref c[w]);
        if (TVectors.Count > 2) TOps.Store(s2, ref c[2 * w]);
        if (TVectors.Count > 3) TOps.Store(s3, ref c[3 * w]);
    }
}

/// <summary>
/// The packed GEMM for the width this thread runs at, with the micro-tile shaped for that width's register file.
/// </summary>
internal static unsafe class PackedSgemm
{
    /// <summary>C (+)= op(A)·op(B), then the epilogue, at the current width (<see cref="Vectorized.Current"/>); not for <see cref="SimdWidth.Scalar"/>.</summary>
    public static void Multiply<TEpilogue>(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
        => Multiply(form, a, b, default(MatrixPanels), c, m, k, n, accumulate, epilogue);

    /// <summary>C (+)= op(A)·B with B's panels from <paramref name="source"/>, then the epilogue, at the current width.</summary>
    public static void Multiply<TEpilogue, TSource>(GemmForm form, float* a, TSource source, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
        where TSource : struct, IPanelSource
        => Multiply(form, a, null, source, c, m, k, n, accumulate, epilogue);

    /// <summary>
    /// Floats <see cref="PackPanels"/> may write for B [k × n] at any width: every tile's NR (8 to 64) rounds n up by less
    /// than 64.
    /// </summary>
    public static int PanelsLength(int k, int n) => k * (n + 64);

    /// <summary>
    /// B [k × n] into the current width's panels, for <see cref="MultiplyPrepacked"/> at the same width and the same n (the
    /// tile follows both); <paramref name="panels"/> holds <see cref="PanelsLength"/> floats.
    /// </summary>
    public static void PackPanels(GemmForm form, float* b, int k, int n, float* panels)
    {
        var pack = new PackPanelsCall(form, b, k, n, panels);
        WithTile(ref pack, n);
    }

    /// <summary>C (+)= op(A)·op(B) on this thread at the current width, never split across cores; depth p at row <paramref name="depthRows"/>.From(p) of the AB and AtB forms' depth-major operands.</summary>
    public static void MultiplyOnThisThread(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, DepthRows depthRows = default)
    {
        var multiply = new MultiplyOnThisThreadCall(form, a, b, c, m, k, n, accumulate, depthRows);
        WithTile(ref multiply, n);
    }

    /// <summary>C [m × n] (+)= A [m × k] · B from <see cref="PackPanels"/>, on this thread, at the current width.</summary>
    public static void MultiplyPrepacked(float* a, float* panels, float* c, int m, int k, int n, bool accumulate)
    {
        var multiply = new MultiplyPrepackedCall(a, panels, c, m, k, n, accumulate);
        WithTile(ref multiply, n);
    }

    private static void Multiply<TEpilogue, TSource>(GemmForm form, float* a, float* b, TSource source, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
        where TSource : struct, IPanelSource
    {
        var multiply = new MultiplyCall<TEpilogue, TSource>(form, a, b, source, c, m, k, n, accumulate, epilogue);
        WithTile(ref multiply, n);
    }

    /// <summary>Runs <paramref name="call"/> with the micro-tile this width and a product n columns wide use.</summary>
    private static void WithTile<TCall>(ref TCall call, int n) where TCall : struct, ITileCall
    {
        switch (Vectorized.Current)
        {
            case SimdWidth.Bits512 when n <= 32:
                // 6×32 for narrow products (a recurrent layer's dX and dW_ih, a Dense layer into 32 units): a 64-wide tile would
                // run half empty through the edge path.
                call.Run<Vector512<float>, Vector512Ops<float>, Tile6x2>();
                break;
            case SimdWidth.Bits512:
                // 6×64: 24 zmm accumulators + 4 B vectors + 1 broadcast of AVX-512's 32 registers.
                call.Run<Vector512<float>, Vector512Ops<float>, Tile6x4>();
                break;
            case SimdWidth.Bits256:
                // 6×16: 12 ymm accumulators + 2 B vectors + 1 broadcast of AVX2's 16 registers.
                call.Run<Vector256<float>, Vector256Ops<float>, Tile6x2>();
                break;
            default:
                if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
                    // 8×12: 24 of ARM64's 32 vector registers.
                    call.Run<Vector128<float>, Vector128Ops<float>, Tile8x3>();
                else
                    // 6×8: 12 xmm accumulators of x64's 16.
                    call.Run<Vector128<float>, Vector128Ops<float>, Tile6x2>();
                break;
        }
    }

    /// <summary>An entry point of <see cref="PackedSgemm{TVector, TOps, TTile}"/> with its arguments, run at the tile <see cref="WithTile"/> picks.</summary>
    private interface ITileCall
    {
        void Run<TVector, TOps, TTile>() where TVector : struct where TOps : IVectorOps<float, TVector> where TTile : struct, IMicroTile;
    }

    private readonly struct MultiplyCall<TEpilogue, TSource>(GemmForm form, float* a, float* b, TSource source, float* c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        : ITileCall where TEpilogue : struct, IGemmEpilogue where TSource : struct, IPanelSource
    {
        public void Run<TVector, TOps, TTile>() where TVector : struct where TOps : IVectorOps<float, TVector> where TTile : struct, IMicroTile
            => PackedSgemm<TVector, TOps, TTile>.Multiply(form, a, b, source, c, m, k, n, accumulate, epilogue);
    }

    private readonly struct MultiplyOnThisThreadCall(GemmForm form, float* a, float* b, float* c, int m, int k, int n, bool accumulate, DepthRows depthRows) : ITileCall
    {
        public void Run<TVector, TOps, TTile>() where TVector : struct where TOps : IVectorOps<float, TVector> where TTile : struct, IMicroTile
            => PackedSgemm<TVector, TOps, TTile>.MultiplyOnThisThread(form, a, b, c, m, k, n, accumulate, depthRows);
    }

    private readonly struct PackPanelsCall(GemmForm form, float* b, int k, int n, float* panels) : ITileCall
    {
        public void Run<TVector, TOps, TTile>() where TVector : struct where TOps : IVectorOps<float, TVector> where TTile : struct, IMicroTile
            => PackedSgemm<TVector, TOps, TTile>.PackPanels(form, b, k, n, panels);
    }

    private readonly struct MultiplyPrepackedCall(float* a, float* panels, float* c, int m, int k, int n, bool accumulate) : ITileCall
    {
        public void Run<TVector, TOps, TTile>() where TVector : struct where TOps : IVectorOps<float, TVector> where TTile : struct, IMicroTile
            => PackedSgemm<TVector, TOps, TTile>.MultiplyPrepacked(a, panels, c, m, k, n, accumulate);
    }
}

/// <summary>
/// Where the packed GEMM's B [k × n] comes from: a matrix in memory (<see cref="MatrixPanels"/>, packed by the GEMM
/// itself, per its form) or a view computed while packing — a convolution's unfolded input, which is then never
/// written out whole.
/// </summary>
internal unsafe interface IPanelSource
{
    /// <summary>True for a matrix in memory: the GEMM packs it, or reads it in place.</summary>
    static abstract bool IsMatrix { get; }

    /// <summary>B(p, j) for p in [pc, pc + kc), j in [column, column + columns) into rows <paramref name="panelWidth"/> apart, zero from column <paramref name="columns"/> on.</summary>
    void Pack(float* panel, int panelWidth, int pc, int kc, int column, int columns);
}

/// <summary>
/// Which row of the AB and AtB forms' depth-major operands (A [k × m] of AtB, B [k × n]) holds depth p: row p itself
/// (the default), or runs of <c>run</c> consecutive rows <c>stride</c> rows apart — one core's samples of every step of a
/// recurrent layer (rows t·batch + n), whose weight gradients then pack their operands from the layer's own buffers
/// instead of from a gathered copy.
/// </summary>
internal readonly struct DepthRows(int run, int stride)
{
    public bool IsMapped => run > 0;

    /// <summary>The rows from depth <paramref name="p"/> on, one <see cref="Cursor.Next"/> per depth.</summary>
    public Cursor From(int p) => run > 0 ? new Cursor((long)(p / run) * stride + p % run, p % run, run, stride - run) : new Cursor(p, 0, 0, 0);

    public struct Cursor(long row, int withinRun, int run, int skip)
    {
        public long Row = row;
        private int _withinRun = withinRun;

        public void Next()
        {
            Row++;
            if (++_withinRun == run) // never for an unmapped cursor, whose run is 0 and count starts at 0
            {
                _withinRun = 0;
                Row += skip;
            }
        }
    }
}

/// <summary>B is the matrix the GEMM was given; the GEMM packs it itself (all three forms share one panel layout).</summary>
internal readonly unsafe struct MatrixPanels : IPanelSource
{
    public static bool IsMatrix => true;

    /// <inheritdoc/>
    public void Pack(float* panel, int panelWidth, int pc, int kc, int column, int columns)
        => throw new InvalidOperationException("A matrix B is packed by the GEMM itself.");
}

/// <summary>A micro-tile's shape: MR rows × <see cref="ColumnVectors"/> vectors (NR = vectors × lanes).</summary>
internal interface IMicroTile
{
    static abstract int Rows { get; }
    static abstract int ColumnVectors { get; }
}

internal readonly struct Tile6x4 : IMicroTile { public static int Rows => 6; public static int ColumnVectors => 4; }
internal readonly struct Tile6x2 : IMicroTile { public static int Rows => 6; public static int ColumnVectors => 2; }
internal readonly struct Tile8x3 : IMicroTile { public static int Rows => 8; public static int ColumnVectors => 3; }

/// <summary>Where a micro-kernel finds A's rows: side by side at each depth (<see cref="PanelRows"/>) or a row-major matrix's rows (<see cref="RowMajorRows"/>).</summary>
internal interface IRowLayout
{
    static abstract bool MatrixRows { get; }
}

/// <summary>Row i of depth p at a + i + p·lda: a packed panel (lda = MR) or the AtB form's A [k × m] in place (lda = m).</summary>
internal readonly struct PanelRows : IRowLayout { public static bool MatrixRows => false; }

/// <summary>Row i of depth p at a + i·lda + p: the AB and ABt forms' A [m × k] in place (lda = k).</summary>
internal readonly struct RowMajorRows : IRowLayout { public static bool MatrixRows => true; }

/// <summary>A micro-kernel's row count as a type, so each count gets its own compiled kernel.</summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

/// <summary>How many of a micro-tile's column vectors a kernel computes, never more than the tile has: all of them (<see cref="AllVectors{TTile}"/>) or an edge panel's first few.</summary>
internal interface IVectorCount
{
    static abstract int Count { get; }
}

internal readonly struct AllVectors<TTile> : IVectorCount where TTile : IMicroTile { public static int Count => TTile.ColumnVectors; }
internal readonly struct Vectors1 : IVectorCount { public static int Count => 1; }
internal readonly struct Vectors2 : IVectorCount { public static int Count => 2; }
internal readonly struct Vectors3 : IVectorCount { public static int Count => 3; }

internal readonly struct Rows1 : IRowCount { public static int Count => 1; }
internal readonly struct Rows2 : IRowCount { public static int Count => 2; }
internal readonly struct Rows3 : IRowCount { public static int Count => 3; }
internal readonly struct Rows4 : IRowCount { public static int Count => 4; }
internal readonly struct Rows5 : IRowCount { public static int Count => 5; }
internal readonly struct Rows6 : IRowCount { public static int Count => 6; }
internal readonly struct Rows7 : IRowCount { public static int Count => 7; }
internal readonly struct Rows8 : IRowCount { public static int Count => 8; }
