using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Element-wise sum, the residual connection (generator: generators/ModelGen.Generators/Ops/Add/). Also how a tensor
/// that fans out collects its gradients: every consumer after the first adds its share.
/// </summary>
public static class AddOp
{
    /// <summary>y = a + b over equal-length spans.</summary>
    public static void Forward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (a.Length != y.Length || b.Length != y.Length)
            throw new ArgumentException($"Add needs equal lengths, got {a.Length}, {b.Length} and {y.Length}.");
        var kernel = new SumKernel<T>(a, b, y);
        Vectorized.Run<T, SumKernel<T>>(ref kernel, y.Length);
    }

    /// <summary>dx = dy, or dx += dy when <paramref name="accumulate"/> (the input fans out).</summary>
    public static void Backward<T>(ReadOnlySpan<T> dy, Span<T> dx, bool accumulate) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (dy.Length != dx.Length)
            throw new ArgumentException($"Add backward needs equal lengths, got {dy.Length} and {dx.Length}.");
        if (!accumulate)
        {
            dy.CopyTo(dx);
            return;
        }
        var kernel = new SumKernel<T>(dx, dy, dx);
        Vectorized.Run<T, SumKernel<T>>(ref kernel, dx.Length);
    }

    private readonly ref struct SumKernel<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _a = a, _b = b;
        private readonly Span<T> _y = y;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T ra = ref MemoryMarshal.GetReference(_a);
            ref T rb = ref MemoryMarshal.GetReference(_b);
            ref T ry = ref MemoryMarshal.GetReference(_y);
            for (; i + TOps.Count <= length; i += TOps.Count)
                TOps.Store(TOps.Add(TOps.Load(in Unsafe.Add(ref ra, i)), TOps.Load(in Unsafe.Add(ref rb, i))), ref Unsafe.Add(ref ry, i));
            return i;
        }
    }
}
