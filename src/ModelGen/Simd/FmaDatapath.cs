using System.Runtime.Intrinsics.X86;

namespace ModelGen.Simd;

/// <summary>
/// How wide this core's FMA units are, for kernels that choose a vector width by what it costs: a vector wider than
/// the datapath issues as several operations, so it saves no time per lane. AMD's Zen 4 runs a 512-bit FMA as two
/// 256-bit halves (one zmm or two ymm FMAs per cycle: the same lanes per cycle); Zen and Zen+ (family 17h below model
/// 30h) run a 256-bit one as two 128-bit halves; Intel's AVX-512 cores and the other AVX2 cores have full-width units.
/// ARM64's NEON is 128 bits.
/// </summary>
internal static class FmaDatapath
{
    /// <summary>The estimated FMA datapath width in bits: 128, 256 or 512.</summary>
    public static readonly int Bits = Detect();

    /// <summary>Issue slots one FMA at <paramref name="width"/> takes: 1, or 2 where the vector is twice the datapath.</summary>
    public static int Cost(SimdWidth width) => Math.Max(1, (int)width / Bits);

    private static int Detect()
    {
        if (!X86Base.IsSupported)
            return 128;
        (_, int vendor, _, _) = X86Base.CpuId(0, 0);
        (int signature, _, _, _) = X86Base.CpuId(1, 0);
        int baseFamily = (signature >> 8) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((signature >> 20) & 0xFF) : baseFamily;
        int model = ((signature >> 4) & 0xF) | ((signature >> 12) & 0xF0);
        return Estimate(amd: vendor == 0x68747541 /* "Auth" of AuthenticAMD */, family, model, Avx512F.IsSupported, Avx2.IsSupported);
    }

    /// <summary>The datapath of an x64 core from its vendor, CPUID family and model, and the vector ISA the runtime uses.</summary>
    internal static int Estimate(bool amd, int family, int model, bool avx512, bool avx2)
    {
        if (avx512)
            return amd ? 256 : 512;
        if (avx2)
            return amd && family == 0x17 && model < 0x30 ? 128 : 256;
        return 128;
    }
}
