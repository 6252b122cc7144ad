using ModelGen.Simd;

namespace ModelGen.Tests;

/// <summary>
/// The FMA datapath estimate behind the direct convolution's width choice, on the CPUID signatures of the cores it
/// must tell apart.
/// </summary>
public class FmaDatapathTests
{
    [Theory]
    [InlineData(true, 0x17, 0x01, false, true, 128)]  // Zen (EPYC 7001): 256-bit FMAs as two 128-bit halves
    [InlineData(true, 0x17, 0x08, false, true, 128)]  // Zen+
    [InlineData(true, 0x17, 0x31, false, true, 256)]  // Zen 2 (EPYC 7002)
    [InlineData(true, 0x19, 0x01, false, true, 256)]  // Zen 3 (EPYC 7003)
    [InlineData(true, 0x19, 0x11, true, true, 256)]   // Zen 4 (EPYC 9004): 512-bit FMAs as two 256-bit halves
    [InlineData(true, 0x19, 0x11, false, true, 256)]  // Zen 4 with AVX-512 hidden (DOTNET_EnableAVX512=0)
    [InlineData(false, 0x06, 0x8F, true, true, 512)]  // Sapphire Rapids
    [InlineData(false, 0x06, 0x55, false, true, 256)] // Skylake-SP with AVX-512 hidden
    [InlineData(false, 0x06, 0x55, false, false, 128)] // SSE only (DOTNET_EnableAVX2=0)
    public void EstimatesTheDatapathFromTheSignature(bool amd, int family, int model, bool avx512, bool avx2, int bits)
        => Assert.Equal(bits, FmaDatapath.Estimate(amd, family, model, avx512, avx2));
}
