using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Simd;

/// <summary>The vector width a kernel runs at.</summary>
internal enum SimdWidth
{
    /// <summary>One element at a time.</summary>
    Scalar = 1,
    /// <summary>Vector128: SSE/AVX on x64, AdvSIMD on ARM64.</summary>
    Bits128 = 128,
    /// <summary>Vector256: AVX2.</summary>
    Bits256 = 256,
    /// <summary>Vector512: AVX-512.</summary>
    Bits512 = 512,
}

/// <summary>
/// An element-wise kernel written once over <see cref="IVectorOps{T, TVector}"/>: it covers whole vectors from
/// <c>start</c> and returns the first index it left, so the same code also runs the scalar tail (one-lane vectors).
/// </summary>
internal interface IVectorKernel<T> where T : unmanaged
{
    int Run<TVector, TOps>(int start, int length) where TVector : struct where TOps : IVectorOps<T, TVector>;
}

/// <summary>
/// Picks the width every kernel runs at: the widest the hardware accelerates, unless a test (or a benchmark) forces
/// another on its own thread with <see cref="Force"/> — widths the hardware lacks are then emulated, so every
/// width's code is checked on every machine.
/// </summary>
internal static class Vectorized
{
    /// <summary>The widest accelerated width of this process (DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 narrow it).</summary>
    public static readonly SimdWidth Native =
        Vector512.IsHardwareAccelerated ? SimdWidth.Bits512 :
        Vector256.IsHardwareAccelerated ? SimdWidth.Bits256 :
        Vector128.IsHardwareAccelerated ? SimdWidth.Bits128 : SimdWidth.Scalar;

    /// <summary>
    /// 32 vector registers at every width (x64 with AVX-512, whose EVEX encoding reaches xmm/ymm16–31 too; ARM64),
    /// rather than x64's 16: register tiles may hold twice the accumulators.
    /// </summary>
    public static readonly bool HasThirtyTwoRegisters = System.Runtime.Intrinsics.X86.Avx512F.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    [ThreadStatic] private static SimdWidth t_forced;

    /// <summary>The width kernels called from this thread run at.</summary>
    public static SimdWidth Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_forced == 0 ? Native : t_forced;
    }

    /// <summary>Runs this thread's kernels at <paramref name="width"/> until the scope is disposed.</summary>
    public static ForcedWidth Force(SimdWidth width)
    {
        var previous = t_forced;
        t_forced = width;
        return new ForcedWidth(previous);
    }

    public readonly struct ForcedWidth(SimdWidth previous) : IDisposable
    {
        public void Dispose() => t_forced = previous;
    }

    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, <paramref name="length"/>): the current width, then each narrower
    /// width for what is left, then one element at a time.
    /// </summary>
    public static void Run<T, TKernel>(ref TKernel kernel, int length)
        where T : unmanaged, INumber<T>
        where TKernel : struct, IVectorKernel<T>, allows ref struct
    {
        int i = 0;
        // A span a wider width has covered needs no call at the narrower ones (an LSTM cell of 64 units at 512 bits made
        // three empty calls per sample and step).
        switch (Current)
        {
            case SimdWidth.Bits512:
                i = kernel.Run<Vector512<T>, Vector512Ops<T>>(i, length);
                if (i == length)
                    return;
                goto case SimdWidth.Bits256;
            case SimdWidth.Bits256:
                i = kernel.Run<Vector256<T>, Vector256Ops<T>>(i, length);
                if (i == length)
                    return;
                goto case SimdWidth.Bits128;
            case SimdWidth.Bits128:
                i = kernel.Run<Vector128<T>, Vector128Ops<T>>(i, length);
                if (i == length)
                    return;
                break;
        }
        kernel.Run<T, ScalarOps<T>>(i, length);
    }
}
