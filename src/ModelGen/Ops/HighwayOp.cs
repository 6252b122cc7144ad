using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// The carry of a highway layer (generator: generators/ModelGen.Generators/Ops/Highway/), over equal-length spans of
/// the layer input x, the transform h = H(x) and the gate t = T(x):
///   forward   y = t ⊙ h + (1 − t) ⊙ x, computed as x + t ⊙ (h − x)
///   backward  dx = dy ⊙ (1 − t),  dh = dy ⊙ t,  dt = dy ⊙ (h − x)
/// Each backward term overwrites its target, or adds to it when <c>accumulate</c> (the tensor fans out).
/// </summary>
public static class HighwayOp
{
    /// <summary>y = x + t ⊙ (h − x).</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run<T, Carry>(x, x, h, t, y, accumulate: false);

    /// <summary>dx (+)= dy ⊙ (1 − t).</summary>
    public static void BackwardCarry<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> dx, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run<T, CarryGradient>(dy, x, h, t, dx, accumulate);

    /// <summary>dh (+)= dy ⊙ t.</summary>
    public static void BackwardTransform<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> dh, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run<T, TransformGradient>(dy, x, h, t, dh, accumulate);

    /// <summary>dt (+)= dy ⊙ (h − x).</summary>
    public static void BackwardGate<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> dt, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Run<T, GateGradient>(dy, x, h, t, dt, accumulate);

    private static void Run<T, TTerm>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> target, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TTerm : ITerm
    {
        if (dy.Length != target.Length || x.Length != target.Length || h.Length != target.Length || t.Length != target.Length)
            throw new ArgumentException($"Highway needs equal lengths, got {dy.Length}, {x.Length}, {h.Length}, {t.Length} and {target.Length}.");
        var kernel = new TermKernel<T, TTerm>(dy, x, h, t, target, accumulate);
        Vectorized.Run<T, TermKernel<T, TTerm>>(ref kernel, target.Length);
    }

    /// <summary>One formula of the layer over (dy, x, h, t); the forward ignores dy.</summary>
    private interface ITerm
    {
        static abstract TVector Of<T, TVector, TOps>(TVector dy, TVector x, TVector h, TVector t)
            where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>;
    }

    private readonly struct Carry : ITerm
    {
        public static TVector Of<T, TVector, TOps>(TVector dy, TVector x, TVector h, TVector t)
            where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.MultiplyAdd(t, TOps.Subtract(h, x), x);
    }

    private readonly struct CarryGradient : ITerm
    {
        public static TVector Of<T, TVector, TOps>(TVector dy, TVector x, TVector h, TVector t)
            where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.Subtract(dy, TOps.Multiply(dy, t));
    }

    private readonly struct TransformGradient : ITerm
    {
        public static TVector Of<T, TVector, TOps>(TVector dy, TVector x, TVector h, TVector t)
            where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.Multiply(dy, t);
    }

    private readonly struct GateGradient : ITerm
    {
        public static TVector Of<T, TVector, TOps>(TVector dy, TVector x, TVector h, TVector t)
            where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.Multiply(dy, TOps.Subtract(h, x));
    }

    private readonly ref struct TermKernel<T, TTerm>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> h, ReadOnlySpan<T> t, Span<T> target, bool accumulate)
        : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TTerm : ITerm
    {
        private readonly ReadOnlySpan<T> _dy = dy, _x = x, _h = h, _t = t;
        private readonly Span<T> _target = target;
        private readonly bool _accumulate = accumulate;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T dy = ref MemoryMarshal.GetReference(_dy);
            ref T x = ref MemoryMarshal.GetReference(_x);
            ref T h = ref MemoryMarshal.GetReference(_h);
            ref T t = ref MemoryMarshal.GetReference(_t);
            ref T target = ref MemoryMarshal.GetReference(_target);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector term = TTerm.Of<T, TVector, TOps>(TOps.Load(in Unsafe.Add(ref dy, i)), TOps.Load(in Unsafe.Add(ref x, i)),
                    TOps.Load(in Unsafe.Add(ref h, i)), TOps.Load(in Unsafe.Add(ref t, i)));
                if (_accumulate)
                    term = TOps.Add(TOps.Load(in Unsafe.Add(ref target, i)), term);
                TOps.Store(term, ref Unsafe.Add(ref target, i));
            }
            return i;
        }
    }
}
