using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>
/// 8 × 8 float transposes in AVX registers (unpack pairs, shuffle quads, swap halves), for packing GEMM panels whose
/// source runs the other way: each store is a contiguous run of a panel row. Callers check <see cref="Avx.IsSupported"/>.
/// </summary>
internal static unsafe class Transpose8x8
{
    /// <summary>
    /// Writes the transpose of the 8 × 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart)
    /// to <paramref name="target"/> (rows <paramref name="targetStride"/> apart).
    /// </summary>
    public static void Block(float* source, int sourceStride, float* target, int targetStride)
        => Store(Avx.LoadVector256(source), Avx.LoadVector256(source + sourceStride),
            Avx.LoadVector256(source + 2 * sourceStride), Avx.LoadVector256(source + 3 * sourceStride),
            Avx.LoadVector256(source + 4 * sourceStride), Avx.LoadVector256(source + 5 * sourceStride),
            Avx.LoadVector256(source + 6 * sourceStride), Avx.LoadVector256(source + 7 * sourceStride), target, targetStride);

    /// <summary>
    /// The same with source row r at <paramref name="source"/> + <paramref name="offsets"/>[r]: eight runs from anywhere
    /// (a convolution's eight kernel taps over eight output positions) into eight rows of eight.
    /// </summary>
    public static void Gather(float* source, int* offsets, float* target, int targetStride)
        => Store(Avx.LoadVector256(source + offsets[0]), Avx.LoadVector256(source + offsets[1]),
            Avx.LoadVector256(source + offsets[2]), Avx.LoadVector256(source + offsets[3]),
            Avx.LoadVector256(source + offsets[4]), Avx.LoadVector256(source + offsets[5]),
            Avx.LoadVector256(source + offsets[6]), Avx.LoadVector256(source + offsets[7]), target, targetStride);

    /// <summary>
    /// The 6 × 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart) as eight columns of six,
    /// written one after another from <paramref name="target"/> — a GEMM's 6-row A panel for eight depths. Each column
    /// goes out as one 8-float store whose last two lanes the next overwrites, so the call writes two floats past the
    /// 48 it fills: the caller has them to spare.
    /// </summary>
    public static void SixRows(float* source, int sourceStride, float* target)
    {
        Vector256<float> r0 = Avx.LoadVector256(source);
        Store(r0, Avx.LoadVector256(source + sourceStride), Avx.LoadVector256(source + 2 * sourceStride), Avx.LoadVector256(source + 3 * sourceStride),
            Avx.LoadVector256(source + 4 * sourceStride), Avx.LoadVector256(source + 5 * sourceStride), r0, r0, target, 6);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* target, int targetStride)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> q0 = Avx.Shuffle(t0, t2, 0x44), q1 = Avx.Shuffle(t0, t2, 0xEE), q2 = Avx.Shuffle(t1, t3, 0x44), q3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> q4 = Avx.Shuffle(t4, t6, 0x44), q5 = Avx.Shuffle(t4, t6, 0xEE), q6 = Avx.Shuffle(t5, t7, 0x44), q7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(target, Avx.Permute2x128(q0, q4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(q1, q5, 0x20));
        Avx.Store(target + 2 * targetStride, Avx.Permute2x128(q2, q6, 0x20));
        Avx.Store(target + 3 * targetStride, Avx.Permute2x128(q3, q7, 0x20));
        Avx.Store(target + 4 * targetStride, Avx.Permute2x128(q0, q4, 0x31));
        Avx.Store(target + 5 * targetStride, Avx.Permute2x128(q1, q5, 0x31));
        Avx.Store(target + 6 * targetStride, Avx.Permute2x128(q2, q6, 0x31));
        Avx.Store(target + 7 * targetStride, Avx.Permute2x128(q3, q7, 0x31));
    }
}
