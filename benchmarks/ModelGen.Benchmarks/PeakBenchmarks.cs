using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using ModelGen.Simd;

namespace ModelGen.Benchmarks;

/// <summary>
/// The machine's own FP32 FMA limit: 12 independent FMA chains (enough to cover FMA latency × throughput) of the
/// widest vector the JIT accelerates here — zmm with AVX-512, ymm with AVX2, xmm otherwise — on one core and on two.
/// GEMM efficiency in the results table is a percentage of the two-core figure.
/// </summary>
public class PeakBenchmarks
{
    // Long enough (~25 ms per core) that starting the second thread is noise.
    public const int Iterations = 1 << 23;

    /// <summary>Float lanes of the widest accelerated vector.</summary>
    public static int Lanes => Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;

    /// <summary>The vector the peak is measured with, for the table's header.</summary>
    public static string VectorName => Vector512.IsHardwareAccelerated ? "Vector512 (zmm)" : Vector256.IsHardwareAccelerated ? "Vector256 (ymm)" : "Vector128 (xmm)";

    /// <summary>Floating-point operations per call on one core: iterations × 12 chains × lanes × 2.</summary>
    public static double FlopsPerCore => Iterations * 12.0 * Lanes * 2;

    [Benchmark(Description = "FMA peak, 1 core")]
    public float OneCore() => Chains(Iterations);

    [Benchmark(Description = "FMA peak, 2 cores")]
    public float TwoCores()
    {
        float other = 0;
        var thread = new Thread(() => other = Chains(Iterations));
        thread.Start();
        float mine = Chains(Iterations);
        thread.Join();
        return mine + other;
    }

    private static float Chains(int iterations) => Lanes switch
    {
        16 => Chains<Vector512<float>, Vector512Ops<float>>(iterations),
        8 => Chains<Vector256<float>, Vector256Ops<float>>(iterations),
        _ => Chains<Vector128<float>, Vector128Ops<float>>(iterations),
    };

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains<TVector, TOps>(int iterations) where TVector : struct where TOps : IVectorOps<float, TVector>
    {
        TVector x = TOps.Broadcast(1.0000001f), y = TOps.Broadcast(0.9999999f);
        TVector a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (int i = 0; i < iterations; i++)
        {
            a0 = TOps.MultiplyAdd(a0, y, x); a1 = TOps.MultiplyAdd(a1, y, x); a2 = TOps.MultiplyAdd(a2, y, x); a3 = TOps.MultiplyAdd(a3, y, x);
            a4 = TOps.MultiplyAdd(a4, y, x); a5 = TOps.MultiplyAdd(a5, y, x); a6 = TOps.MultiplyAdd(a6, y, x); a7 = TOps.MultiplyAdd(a7, y, x);
            a8 = TOps.MultiplyAdd(a8, y, x); a9 = TOps.MultiplyAdd(a9, y, x); a10 = TOps.MultiplyAdd(a10, y, x); a11 = TOps.MultiplyAdd(a11, y, x);
        }
        TVector sum = TOps.Add(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), TOps.Add(TOps.Add(a4, a5), TOps.Add(a6, a7)));
        return TOps.Sum(TOps.Add(sum, TOps.Add(TOps.Add(a8, a9), TOps.Add(a10, a11))));
    }
}
