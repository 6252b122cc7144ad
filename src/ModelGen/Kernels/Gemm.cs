using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelGen.Simd;

namespace ModelGen.Kernels;

/// <summary>Which operand of <c>C = A · B</c> is stored transposed. All matrices are row-major and contiguous.</summary>
public enum GemmForm
{
    /// <summary>C[m×n] = A[m×k] · B[k×n] (dense forward).</summary>
    AB,
    /// <summary>C[m×n] = Aᵀ · B with A stored [k×m] (weight gradient Xᵀ·dY).</summary>
    AtB,
    /// <summary>C[m×n] = A · Bᵀ with B stored [n×k] (input gradient dY·Wᵀ).</summary>
    ABt,
}

/// <summary>
/// Single-precision and double-precision matrix products for the three forms training needs,
/// none of which materializes a transpose. Float products of 8 rows or more go to <see cref="PackedSgemm"/>
/// (packed, cache-blocked, at every vector width, two cores); the rest use the direct register-tiled kernels here,
/// written once over <see cref="IVectorOps{T, TVector}"/> and run at the current width, then narrower widths for
/// the columns left, then scalar.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/> is true.
    /// </summary>
    public static void Multiply<T>(GemmForm form, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"GEMM {form} of [{m}×{k}]·[{k}×{n}] got spans of {a.Length}, {b.Length}, {c.Length} elements.");
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            if (!accumulate) c[..(m * n)].Clear();
            return;
        }

        if (typeof(T) == typeof(float) && UsePacked(m, k))
        {
            MultiplyPacked(form, MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c), m, k, n, accumulate, default(NoEpilogue));
            return;
        }

        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rc = ref MemoryMarshal.GetReference(c);
        if (form == GemmForm.ABt)
        {
            SimdWidth width = Vectorized.Current;
            if (width == SimdWidth.Bits512 && k >= Vector512<T>.Count)
                DotProducts<T, Vector512<T>, Vector512Ops<T>>(ref ra, ref rb, ref rc, m, k, n, accumulate);
            else if (width >= SimdWidth.Bits256 && k >= Vector256<T>.Count)
                DotProducts<T, Vector256<T>, Vector256Ops<T>>(ref ra, ref rb, ref rc, m, k, n, accumulate);
            else if (width >= SimdWidth.Bits128)
                DotProducts<T, Vector128<T>, Vector128Ops<T>>(ref ra, ref rb, ref rc, m, k, n, accumulate);
            else
                DotProducts<T, T, ScalarOps<T>>(ref ra, ref rb, ref rc, m, k, n, accumulate);
            return;
        }

        // A(i, p) lives at a[i·rowStride + p·depthStride].
        (int rowStride, int depthStride) = form == GemmForm.AB ? (k, 1) : (1, m);
        if (typeof(T) == typeof(float) && m < 8 && (long)k * n >= SplitReadThreshold && n >= 2 * SplitAlignment && GemmWorker.IsAvailable)
        {
            DirectSplit(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), MemoryMarshal.Cast<T, float>(c), rowStride, depthStride, m, k, n, accumulate);
            return;
        }
        BroadcastRange(ref ra, rowStride, depthStride, ref rb, ref rc, m, k, n, 0, n, accumulate);
    }

    /// <summary>
    /// C (+)= A·B through the register-tiled broadcast kernels, never packed: for a product repeated many times with
    /// few rows and a short depth — a recurrent layer's step, [≤ 64 × ≤ 256]·[… × G·H] — where packing A and B at every
    /// call costs more than the multiply-adds (32×64·64×256: 7.7 µs direct against 17.8 µs packed, Zen 4 AVX-512).
    /// </summary>
    internal static void MultiplyUnpacked<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int k, int n, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
            throw new ArgumentException($"GEMM AB of [{m}×{k}]·[{k}×{n}] got spans of {a.Length}, {b.Length}, {c.Length} elements.");
        BroadcastRange(ref MemoryMarshal.GetReference(a), k, 1, ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(c), m, k, n, 0, n, accumulate);
    }

    /// <summary>
    /// Below 8 rows a product is bound by reading B. Once B outgrows a core's L2 (≥ 64 K elements, 256 KB), each
    /// core takes half of B's columns: every call then streams the same half, which stays in that core's L2.
    /// </summary>
    private const long SplitReadThreshold = 1 << 16;
    private const int SplitAlignment = 128;

    private static unsafe void DirectSplit(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int rowStride, int depthStride, int m, int k, int n, bool accumulate)
    {
        int split = (n / 2 + SplitAlignment - 1) / SplitAlignment * SplitAlignment;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var job = new DirectJob(pa, pb, pc, rowStride, depthStride, m, k, n, accumulate);
            GemmWorker.RunPair(ref job, 0, m, 0, split, 0, m, split, n, worthWaking: false);
        }
    }

    private readonly unsafe struct DirectJob(float* a, float* b, float* c, int rowStride, int depthStride, int m, int k, int n, bool accumulate) : IGemmJob
    {
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
            => BroadcastRange(ref *a, rowStride, depthStride, ref *b, ref *c, m, k, n, columnStart, columnEnd, accumulate);
    }

    /// <summary>Columns [start, end) of the broadcast form: widest vectors first, then narrower, then scalar.</summary>
    private static void BroadcastRange<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int m, int k, int n, int start, int end, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        int column = start;
        switch (Vectorized.Current)
        {
            case SimdWidth.Bits512:
                column = BroadcastColumns<T, Vector512<T>, Vector512Ops<T>>(ref a, rowStride, depthStride, ref b, ref c, m, k, n, column, end, accumulate);
                goto case SimdWidth.Bits256;
            case SimdWidth.Bits256:
                column = BroadcastColumns<T, Vector256<T>, Vector256Ops<T>>(ref a, rowStride, depthStride, ref b, ref c, m, k, n, column, end, accumulate);
                goto case SimdWidth.Bits128;
            case SimdWidth.Bits128:
                column = BroadcastColumns<T, Vector128<T>, Vector128Ops<T>>(ref a, rowStride, depthStride, ref b, ref c, m, k, n, column, end, accumulate);
                break;
        }
        ScalarColumns(ref a, rowStride, depthStride, ref b, ref c, m, k, n, column, end, accumulate);
    }

    /// <summary>
    /// Packing B costs k·n copies, repaid over m/6 micro-kernel rows: below 8 rows (batch-1 and small-batch
    /// products) the direct register-tiled kernels below are faster. Narrow products (a 10-class head) take the packed
    /// path too, whose edge panel computes only the vectors its columns reach: the direct kernels sum the columns past
    /// the last whole vector in scalar dependency chains (256 × 128 × 10, two Xeon cores: 65 µs against 12).
    /// </summary>
    internal static bool UsePacked(int m, int k) => Vectorized.Current != SimdWidth.Scalar && m >= 8 && k >= 8;

    internal static unsafe void MultiplyPacked<TEpilogue>(GemmForm form, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, TEpilogue epilogue)
        where TEpilogue : struct, IGemmEpilogue
    {
        fixed (float* pa = a, pb = b, pc = c)
            PackedSgemm.Multiply(form, pa, pb, pc, m, k, n, accumulate, epilogue);
    }

    // ---- Broadcast form (AB, AtB): C[i, j..j+V] += A(i, p) · B[p, j..j+V] ----

    /// <summary>Covers columns [<paramref name="column"/>, <paramref name="end"/>) in whole vectors; returns the first column left over.</summary>
    private static int BroadcastColumns<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int m, int k, int n, int column, int end, bool accumulate)
        where T : unmanaged
        where TVector : struct
        where TOps : IVectorOps<T, TVector>
    {
        int width = TOps.Count;
        if (m < 4)
        {
            // Batch-1-sized products (GEMV) are bound by reading B: stream each B row in 8-vector runs instead.
            for (; column + 8 * width <= end; column += 8 * width)
                for (int row = 0; row < m; row++)
                    RowTile1x8<T, TVector, TOps>(ref a, rowStride, depthStride, ref b, ref c, row, column, k, n, accumulate);
        }
        for (; column + 3 * width <= end; column += 3 * width)
        {
            int row = 0;
            for (; row + 4 <= m; row += 4)
                Tile4x3<T, TVector, TOps>(ref a, rowStride, depthStride, ref b, ref c, row, column, k, n, accumulate);
            for (; row < m; row++)
                Tile1x3<T, TVector, TOps>(ref a, rowStride, depthStride, ref b, ref c, row, column, k, n, accumulate);
        }
        for (; column + width <= end; column += width)
        {
            int row = 0;
            for (; row + 4 <= m; row += 4)
                Tile4x1<T, TVector, TOps>(ref a, rowStride, depthStride, ref b, ref c, row, column, k, n, accumulate);
            for (; row < m; row++)
                Tile1x1<T, TVector, TOps>(ref a, rowStride, depthStride, ref b, ref c, row, column, k, n, accumulate);
        }
        return column;
    }

    // 4 rows × 3 vectors: 12 accumulators, 3 loads and 4 broadcasts per 12 FMAs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x3<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        ref T c0 = ref Unsafe.Add(ref c, (nint)row * n + column);
        ref T c1 = ref Unsafe.Add(ref c0, n);
        ref T c2 = ref Unsafe.Add(ref c1, n);
        ref T c3 = ref Unsafe.Add(ref c2, n);
        TVector s00 = TOps.Zero, s01 = TOps.Zero, s02 = TOps.Zero;
        TVector s10 = TOps.Zero, s11 = TOps.Zero, s12 = TOps.Zero;
        TVector s20 = TOps.Zero, s21 = TOps.Zero, s22 = TOps.Zero;
        TVector s30 = TOps.Zero, s31 = TOps.Zero, s32 = TOps.Zero;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * rowStride);
        ref T bRow = ref Unsafe.Add(ref b, column);
        for (int p = 0; p < k; p++)
        {
            TVector b0 = TOps.Load(in bRow);
            TVector b1 = TOps.Load(in Unsafe.Add(ref bRow, w));
            TVector b2 = TOps.Load(in Unsafe.Add(ref bRow, 2 * w));
            TVector x = TOps.Broadcast(a0);
            s00 = TOps.MultiplyAdd(x, b0, s00); s01 = TOps.MultiplyAdd(x, b1, s01); s02 = TOps.MultiplyAdd(x, b2, s02);
            x = TOps.Broadcast(Unsafe.Add(ref a0, rowStride));
            s10 = TOps.MultiplyAdd(x, b0, s10); s11 = TOps.MultiplyAdd(x, b1, s11); s12 = TOps.MultiplyAdd(x, b2, s12);
            x = TOps.Broadcast(Unsafe.Add(ref a0, 2 * rowStride));
            s20 = TOps.MultiplyAdd(x, b0, s20); s21 = TOps.MultiplyAdd(x, b1, s21); s22 = TOps.MultiplyAdd(x, b2, s22);
            x = TOps.Broadcast(Unsafe.Add(ref a0, 3 * rowStride));
            s30 = TOps.MultiplyAdd(x, b0, s30); s31 = TOps.MultiplyAdd(x, b1, s31); s32 = TOps.MultiplyAdd(x, b2, s32);
            a0 = ref Unsafe.Add(ref a0, depthStride);
            bRow = ref Unsafe.Add(ref bRow, n);
        }
        StoreRow<T, TVector, TOps>(ref c0, s00, s01, s02, accumulate);
        StoreRow<T, TVector, TOps>(ref c1, s10, s11, s12, accumulate);
        StoreRow<T, TVector, TOps>(ref c2, s20, s21, s22, accumulate);
        StoreRow<T, TVector, TOps>(ref c3, s30, s31, s32, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x3<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * rowStride);
        ref T bRow = ref Unsafe.Add(ref b, column);
        for (int p = 0; p < k; p++)
        {
            TVector x = TOps.Broadcast(a0);
            s0 = TOps.MultiplyAdd(x, TOps.Load(in bRow), s0);
            s1 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, w)), s1);
            s2 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 2 * w)), s2);
            a0 = ref Unsafe.Add(ref a0, depthStride);
            bRow = ref Unsafe.Add(ref bRow, n);
        }
        StoreRow<T, TVector, TOps>(ref Unsafe.Add(ref c, (nint)row * n + column), s0, s1, s2, accumulate);
    }

    // 1 row × 8 vectors: 8 independent accumulators, each B row read as one contiguous 8-vector run.
    private static void RowTile1x8<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero, s4 = TOps.Zero, s5 = TOps.Zero, s6 = TOps.Zero, s7 = TOps.Zero;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * rowStride);
        ref T bRow = ref Unsafe.Add(ref b, column);
        for (int p = 0; p < k; p++)
        {
            TVector x = TOps.Broadcast(a0);
            s0 = TOps.MultiplyAdd(x, TOps.Load(in bRow), s0);
            s1 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, w)), s1);
            s2 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 2 * w)), s2);
            s3 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 3 * w)), s3);
            s4 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 4 * w)), s4);
            s5 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 5 * w)), s5);
            s6 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 6 * w)), s6);
            s7 = TOps.MultiplyAdd(x, TOps.Load(in Unsafe.Add(ref bRow, 7 * w)), s7);
            a0 = ref Unsafe.Add(ref a0, depthStride);
            bRow = ref Unsafe.Add(ref bRow, n);
        }
        ref T c0 = ref Unsafe.Add(ref c, (nint)row * n + column);
        StoreRow<T, TVector, TOps>(ref c0, s0, s1, s2, accumulate);
        StoreRow<T, TVector, TOps>(ref Unsafe.Add(ref c0, 3 * w), s3, s4, s5, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c0, 6 * w), s6, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c0, 7 * w), s7, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile4x1<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * rowStride);
        ref T bRow = ref Unsafe.Add(ref b, column);
        for (int p = 0; p < k; p++)
        {
            TVector bv = TOps.Load(in bRow);
            s0 = TOps.MultiplyAdd(TOps.Broadcast(a0), bv, s0);
            s1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a0, rowStride)), bv, s1);
            s2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a0, 2 * rowStride)), bv, s2);
            s3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a0, 3 * rowStride)), bv, s3);
            a0 = ref Unsafe.Add(ref a0, depthStride);
            bRow = ref Unsafe.Add(ref bRow, n);
        }
        ref T c0 = ref Unsafe.Add(ref c, (nint)row * n + column);
        StoreVector<T, TVector, TOps>(ref c0, s0, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c0, n), s1, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c0, 2 * n), s2, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c0, 3 * n), s3, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile1x1<T, TVector, TOps>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector s = TOps.Zero;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * rowStride);
        ref T bRow = ref Unsafe.Add(ref b, column);
        for (int p = 0; p < k; p++)
        {
            s = TOps.MultiplyAdd(TOps.Broadcast(a0), TOps.Load(in bRow), s);
            a0 = ref Unsafe.Add(ref a0, depthStride);
            bRow = ref Unsafe.Add(ref bRow, n);
        }
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c, (nint)row * n + column), s, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, TVector, TOps>(ref T c, TVector s0, TVector s1, TVector s2, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        StoreVector<T, TVector, TOps>(ref c, s0, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c, w), s1, accumulate);
        StoreVector<T, TVector, TOps>(ref Unsafe.Add(ref c, 2 * w), s2, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreVector<T, TVector, TOps>(ref T c, TVector s, bool accumulate)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Store(accumulate ? TOps.Add(TOps.Load(in c), s) : s, ref c);

    /// <summary>Columns narrower than the smallest vector (fewer than 8 floats or 4 doubles).</summary>
    private static void ScalarColumns<T>(ref T a, int rowStride, int depthStride, ref T b, ref T c, int m, int k, int n, int column, int end, bool accumulate)
        where T : unmanaged, INumber<T>
    {
        for (; column < end; column++)
        {
            for (int row = 0; row < m; row++)
            {
                T sum = T.Zero;
                ref T ai = ref Unsafe.Add(ref a, (nint)row * rowStride);
                for (int p = 0; p < k; p++)
                    sum += Unsafe.Add(ref ai, (nint)p * depthStride) * Unsafe.Add(ref b, (nint)p * n + column);
                ref T target = ref Unsafe.Add(ref c, (nint)row * n + column);
                target = accumulate ? target + sum : sum;
            }
        }
    }

    // ---- Dot form (ABt): C[i, j] = A[i, :] · B[j, :], both rows contiguous ----

    private static void DotProducts<T, TVector, TOps>(ref T a, ref T b, ref T c, int m, int k, int n, bool accumulate)
        where T : unmanaged, INumber<T>
        where TVector : struct
        where TOps : IVectorOps<T, TVector>
    {
        int row = 0;
        for (; row + 2 <= m; row += 2)
        {
            int column = 0;
            for (; column + 4 <= n; column += 4)
                Dot2x4<T, TVector, TOps>(ref a, ref b, ref c, row, column, k, n, accumulate);
            for (; column < n; column++)
            {
                Accumulate(ref Unsafe.Add(ref c, (nint)row * n + column), Dot<T, TVector, TOps>(ref Unsafe.Add(ref a, (nint)row * k), ref Unsafe.Add(ref b, (nint)column * k), k), accumulate);
                Accumulate(ref Unsafe.Add(ref c, (nint)(row + 1) * n + column), Dot<T, TVector, TOps>(ref Unsafe.Add(ref a, (nint)(row + 1) * k), ref Unsafe.Add(ref b, (nint)column * k), k), accumulate);
            }
        }
        for (; row < m; row++)
            for (int column = 0; column < n; column++)
                Accumulate(ref Unsafe.Add(ref c, (nint)row * n + column), Dot<T, TVector, TOps>(ref Unsafe.Add(ref a, (nint)row * k), ref Unsafe.Add(ref b, (nint)column * k), k), accumulate);
    }

    // 2 rows of A × 4 rows of B: 8 accumulators, 6 loads per 8 FMAs.
    private static void Dot2x4<T, TVector, TOps>(ref T a, ref T b, ref T c, int row, int column, int k, int n, bool accumulate)
        where T : unmanaged, INumber<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        ref T a0 = ref Unsafe.Add(ref a, (nint)row * k);
        ref T a1 = ref Unsafe.Add(ref a0, k);
        ref T b0 = ref Unsafe.Add(ref b, (nint)column * k);
        ref T b1 = ref Unsafe.Add(ref b0, k);
        ref T b2 = ref Unsafe.Add(ref b1, k);
        ref T b3 = ref Unsafe.Add(ref b2, k);
        TVector s00 = TOps.Zero, s01 = TOps.Zero, s02 = TOps.Zero, s03 = TOps.Zero;
        TVector s10 = TOps.Zero, s11 = TOps.Zero, s12 = TOps.Zero, s13 = TOps.Zero;
        int p = 0;
        for (; p + w <= k; p += w)
        {
            TVector x0 = TOps.Load(in Unsafe.Add(ref a0, p)), x1 = TOps.Load(in Unsafe.Add(ref a1, p));
            TVector y = TOps.Load(in Unsafe.Add(ref b0, p));
            s00 = TOps.MultiplyAdd(x0, y, s00); s10 = TOps.MultiplyAdd(x1, y, s10);
            y = TOps.Load(in Unsafe.Add(ref b1, p));
            s01 = TOps.MultiplyAdd(x0, y, s01); s11 = TOps.MultiplyAdd(x1, y, s11);
            y = TOps.Load(in Unsafe.Add(ref b2, p));
            s02 = TOps.MultiplyAdd(x0, y, s02); s12 = TOps.MultiplyAdd(x1, y, s12);
            y = TOps.Load(in Unsafe.Add(ref b3, p));
            s03 = TOps.MultiplyAdd(x0, y, s03); s13 = TOps.MultiplyAdd(x1, y, s13);
        }
        T t00 = TOps.Sum(s00), t01 = TOps.Sum(s01), t02 = TOps.Sum(s02), t03 = TOps.Sum(s03);
        T t10 = TOps.Sum(s10), t11 = TOps.Sum(s11), t12 = TOps.Sum(s12), t13 = TOps.Sum(s13);
        for (; p < k; p++)
        {
            T x0 = Unsafe.Add(ref a0, p), x1 = Unsafe.Add(ref a1, p);
            T y0 = Unsafe.Add(ref b0, p), y1 = Unsafe.Add(ref b1, p), y2 = Unsafe.Add(ref b2, p), y3 = Unsafe.Add(ref b3, p);
            t00 += x0 * y0; t01 += x0 * y1; t02 += x0 * y2; t03 += x0 * y3;
            t10 += x1 * y0; t11 += x1 * y1; t12 += x1 * y2; t13 += x1 * y3;
        }
        ref T c0 = ref Unsafe.Add(ref c, (nint)row * n + column);
        ref T c1 = ref Unsafe.Add(ref c0, n);
        Accumulate(ref c0, t00, accumulate); Accumulate(ref Unsafe.Add(ref c0, 1), t01, accumulate);
        Accumulate(ref Unsafe.Add(ref c0, 2), t02, accumulate); Accumulate(ref Unsafe.Add(ref c0, 3), t03, accumulate);
        Accumulate(ref c1, t10, accumulate); Accumulate(ref Unsafe.Add(ref c1, 1), t11, accumulate);
        Accumulate(ref Unsafe.Add(ref c1, 2), t12, accumulate); Accumulate(ref Unsafe.Add(ref c1, 3), t13, accumulate);
    }

    private static T Dot<T, TVector, TOps>(ref T x, ref T y, int k)
        where T : unmanaged, INumber<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int w = TOps.Count;
        TVector s = TOps.Zero;
        int p = 0;
        for (; p + w <= k; p += w)
            s = TOps.MultiplyAdd(TOps.Load(in Unsafe.Add(ref x, p)), TOps.Load(in Unsafe.Add(ref y, p)), s);
        T total = TOps.Sum(s);
        for (; p < k; p++)
            total += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<T>(ref T target, T value, bool accumulate) where T : INumber<T>
        => target = accumulate ? target + value : value;
}
