using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace ModelGen.Benchmarks;

/// <summary>
/// The machine's own FP32 FMA limit: 12 independent zmm FMA chains (enough to cover FMA latency × throughput),
/// on one core and on two. GEMM efficiency in the results table is a percentage of the two-core figure.
/// </summary>
public class PeakBenchmarks
{
    // Long enough (~25 ms per core) that starting the second thread is noise.
    public const int Iterations = 1 << 23;

    /// <summary>Floating-point operations per call on one core: iterations × 12 chains × 16 lanes × 2.</summary>
    public const double FlopsPerCore = Iterations * 12.0 * 16 * 2;

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

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Chains(int iterations)
    {
        var x = Vector512.Create(1.0000001f);
        var y = Vector512.Create(0.9999999f);
        Vector512<float> a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, y, x); a1 = Vector512.FusedMultiplyAdd(a1, y, x);
            a2 = Vector512.FusedMultiplyAdd(a2, y, x); a3 = Vector512.FusedMultiplyAdd(a3, y, x);
            a4 = Vector512.FusedMultiplyAdd(a4, y, x); a5 = Vector512.FusedMultiplyAdd(a5, y, x);
            a6 = Vector512.FusedMultiplyAdd(a6, y, x); a7 = Vector512.FusedMultiplyAdd(a7, y, x);
            a8 = Vector512.FusedMultiplyAdd(a8, y, x); a9 = Vector512.FusedMultiplyAdd(a9, y, x);
            a10 = Vector512.FusedMultiplyAdd(a10, y, x); a11 = Vector512.FusedMultiplyAdd(a11, y, x);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
