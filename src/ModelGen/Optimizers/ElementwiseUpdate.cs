using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// One optimizer's per-parameter rule: the new parameter from (parameter, gradient) and up to two state values,
/// updated in place. Scalar and 512-bit forms side by side; a struct, so the driver's loop is specialized per rule.
/// </summary>
internal interface IUpdateRule<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>How many state buffers the rule reads and writes (0, 1 or 2).</summary>
    static abstract int States { get; }

    T Apply(T parameter, T gradient, ref T state1, ref T state2);

    Vector512<T> Apply(Vector512<T> parameter, Vector512<T> gradient, ref Vector512<T> state1, ref Vector512<T> state2);
}

/// <summary>The single pass every optimizer makes over parameters, gradients and state: 512-bit vectors, then a scalar tail.</summary>
internal static class ElementwiseUpdate
{
    public static void Run<T, TRule>(string optimizer, Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> state1, Span<T> state2, TRule rule)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRule : struct, IUpdateRule<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || (TRule.States > 0 && state1.Length != length) || (TRule.States > 1 && state2.Length != length))
            throw new ArgumentException($"{optimizer} needs parameter, gradient and state buffers of equal length.");
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T s1 = ref MemoryMarshal.GetReference(state1);
        ref T s2 = ref MemoryMarshal.GetReference(state2);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
            {
                Vector512<T> a = TRule.States > 0 ? Vector512.LoadUnsafe(ref s1, (nuint)i) : default;
                Vector512<T> b = TRule.States > 1 ? Vector512.LoadUnsafe(ref s2, (nuint)i) : default;
                rule.Apply(Vector512.LoadUnsafe(ref p, (nuint)i), Vector512.LoadUnsafe(ref g, (nuint)i), ref a, ref b).StoreUnsafe(ref p, (nuint)i);
                if (TRule.States > 0) a.StoreUnsafe(ref s1, (nuint)i);
                if (TRule.States > 1) b.StoreUnsafe(ref s2, (nuint)i);
            }
        }
        T unused = T.Zero;
        for (; i < length; i++)
            Unsafe.Add(ref p, i) = rule.Apply(Unsafe.Add(ref p, i), Unsafe.Add(ref g, i),
                ref TRule.States > 0 ? ref Unsafe.Add(ref s1, i) : ref unused,
                ref TRule.States > 1 ? ref Unsafe.Add(ref s2, i) : ref unused);
    }
}
