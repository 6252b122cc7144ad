using ModelGen.Simd;

namespace ModelGen.Tests;

/// <summary>
/// Every vector width a kernel can run at, forced on the test's own thread. A width the CPU lacks is emulated by the
/// runtime, so the 512-bit code is checked on an AVX2 machine and the 256-bit, 128-bit and one-lane code on an
/// AVX-512 one: CI certifies every path, not only the one its CPU picks.
/// </summary>
public static class Widths
{
    /// <summary>
    /// One lane, Vector128, Vector256, Vector512 — or only the width the process runs at natively when
    /// MODELGEN_TEST_WIDTHS=native (CI's reruns under DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and
    /// DOTNET_EnableHWIntrinsic=0, which exist to run each width on real hardware, not emulated).
    /// </summary>
    public static readonly int[] Bits = Environment.GetEnvironmentVariable("MODELGEN_TEST_WIDTHS") == "native"
        ? [(int)Vectorized.Native]
        : [1, 128, 256, 512];

    /// <summary>Every width, as theory data.</summary>
    public static TheoryData<int> All() => new(Bits);

    /// <summary>Runs this thread's kernels at <paramref name="bits"/> until disposed.</summary>
    public static IDisposable Force(int bits)
    {
        var scope = Vectorized.Force((SimdWidth)bits);
        Assert.Equal((SimdWidth)bits, Vectorized.Current);
        return scope;
    }

    /// <summary>Each value once per width, the width first: <c>[MemberData(nameof(Widths.Each), 1, 3, MemberType = typeof(Widths))]</c>.</summary>
    public static TheoryData<int, int> Each(int first, int second) => Cross([first, second]);

    /// <summary>Three values once per width (xUnit's member data takes no <c>params</c>).</summary>
    public static TheoryData<int, int> Each(int first, int second, int third) => Cross([first, second, third]);

    /// <summary>Each row of <paramref name="rows"/> once per width, the width first.</summary>
    public static TheoryData<int, T> Cross<T>(IEnumerable<T> rows)
    {
        var data = new TheoryData<int, T>();
        foreach (int bits in Bits)
            foreach (T row in rows)
                data.Add(bits, row);
        return data;
    }

    /// <summary>Each row of <paramref name="rows"/> once per width, the width first.</summary>
    public static TheoryData<int, T1, T2, T3> Cross<T1, T2, T3>(TheoryData<T1, T2, T3> rows)
    {
        var data = new TheoryData<int, T1, T2, T3>();
        foreach (int bits in Bits)
            foreach (object[] row in rows)
                data.Add(bits, (T1)row[0], (T2)row[1], (T3)row[2]);
        return data;
    }
}
