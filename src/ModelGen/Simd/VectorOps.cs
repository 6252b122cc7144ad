using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Simd;

/// <summary>
/// One SIMD width as a set of static operations, so a kernel is written once and the JIT specializes it per width
/// (<see cref="Vector512Ops{T}"/>, <see cref="Vector256Ops{T}"/>, <see cref="Vector128Ops{T}"/>, and
/// <see cref="ScalarOps{T}"/> — one lane — for tails and for machines without SIMD) and per element type.
/// </summary>
/// <remarks>
/// Every width can be instantiated on every machine: a width the hardware lacks is emulated by the runtime (slowly but
/// exactly), which is how the tests check the 512-bit code on an AVX2 machine and the 256-bit code on an AVX-512 one.
/// Comparisons return masks (all bits set where true) for <see cref="ConditionalSelect"/>.
/// </remarks>
public interface IVectorOps<T, TVector>
    where T : unmanaged
    where TVector : struct
{
    /// <summary>The hardware runs this width natively (the JIT folds this to a constant).</summary>
    static abstract bool IsHardwareAccelerated { get; }
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    /// <summary>All lanes 0.</summary>
    static abstract TVector Zero { get; }
    /// <summary>All lanes 1.</summary>
    static abstract TVector One { get; }
    /// <summary>Reads <see cref="Count"/> elements (unaligned).</summary>
    static abstract TVector Load(ref readonly T source);
    /// <summary>Writes <see cref="Count"/> elements (unaligned).</summary>
    static abstract void Store(TVector value, ref T destination);
    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(T value);
    /// <summary>Lane i = <paramref name="start"/> + i.</summary>
    static abstract TVector Sequence(T start);
    /// <summary>a · b + c, fused (one rounding) where the hardware has FMA; elsewhere two roundings, since emulating the fused form costs ~100×.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);
    /// <summary>a + b.</summary>
    static abstract TVector Add(TVector a, TVector b);
    /// <summary>a − b.</summary>
    static abstract TVector Subtract(TVector a, TVector b);
    /// <summary>a · b.</summary>
    static abstract TVector Multiply(TVector a, TVector b);
    /// <summary>a / b.</summary>
    static abstract TVector Divide(TVector a, TVector b);
    /// <summary>√a.</summary>
    static abstract TVector Sqrt(TVector a);
    /// <summary>|a|.</summary>
    static abstract TVector Abs(TVector a);
    /// <summary>e^a (float and double).</summary>
    static abstract TVector Exp(TVector a);
    /// <summary>a clamped to [low, high] (low ≤ high, neither NaN), a NaN lane staying NaN.</summary>
    /// <remarks>
    /// The vector widths use the native min and max, one instruction each: x86's return their second operand where
    /// either is NaN, ARM's return NaN, so <c>a</c>, always the second operand, keeps its NaN on both. Two compares and two
    /// selects (the recurrent cells' clamp before) cost 1,024 LSTM forward cells 110 µs against 102 at 512 bits and 178
    /// against 147 at 256; the IEEE Min and Max order NaN and signed zeros with extra instructions.
    /// </remarks>
    static abstract TVector Clamp(TVector a, TVector low, TVector high);
    /// <summary>a rounded to the nearest whole number, ties to even (float and double).</summary>
    static abstract TVector Round(TVector a);
    /// <summary>2^n, exact, for lanes holding whole numbers n of the normal exponent range (float −126…127, double −1022…1023): n + bias in the exponent bits.</summary>
    static abstract TVector PowerOfTwo(TVector n);
    /// <summary>Mask of a &gt; b.</summary>
    static abstract TVector GreaterThan(TVector a, TVector b);
    /// <summary>Mask of a ≥ b (unsigned for unsigned lanes).</summary>
    static abstract TVector GreaterThanOrEqual(TVector a, TVector b);
    /// <summary>Mask of a &lt; b.</summary>
    static abstract TVector LessThan(TVector a, TVector b);
    /// <summary>Mask of a = b (NaN equals nothing).</summary>
    static abstract TVector Equal(TVector a, TVector b);
    /// <summary>Where the mask is set <paramref name="whenTrue"/>, else <paramref name="whenFalse"/>.</summary>
    static abstract TVector ConditionalSelect(TVector mask, TVector whenTrue, TVector whenFalse);
    /// <summary>Bitwise a | b.</summary>
    static abstract TVector Or(TVector a, TVector b);
    /// <summary>Bitwise a ^ b.</summary>
    static abstract TVector Xor(TVector a, TVector b);
    /// <summary>Bitwise ¬a.</summary>
    static abstract TVector Not(TVector a);
    /// <summary>Logical right shift of each (integer) lane.</summary>
    static abstract TVector ShiftRightLogical(TVector a, int count);
    /// <summary>True when every bit of every lane is 0.</summary>
    static abstract bool AllBitsClear(TVector a);
    /// <summary>Sum of the lanes.</summary>
    static abstract T Sum(TVector value);
}

/// <summary>512-bit vectors (AVX-512).</summary>
public readonly struct Vector512Ops<T> : IVectorOps<T, Vector512<T>> where T : unmanaged
{
    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported;
    /// <inheritdoc/>
    public static int Count => Vector512<T>.Count;
    /// <inheritdoc/>
    public static Vector512<T> Zero => Vector512<T>.Zero;
    /// <inheritdoc/>
    public static Vector512<T> One => Vector512<T>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(ref readonly T source) => Vector512.LoadUnsafe(in source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Broadcast(T value) => Vector512.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sequence(T start) => Vector512.Create(start) + Vector512<T>.Indices;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Sqrt(Vector512<T> a) => Vector512.Sqrt(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector exp is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Clamp(Vector512<T> a, Vector512<T> low, Vector512<T> high) => Vector512.MinNative(high, Vector512.MaxNative(low, a));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector512.Round(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Round(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector rounding is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> PowerOfTwo(Vector512<T> n)
    {
        if (typeof(T) == typeof(float)) return ((Vector512.ConvertToInt32(n.AsSingle()) + Vector512.Create(127)) << 23).As<int, T>();
        if (typeof(T) == typeof(double)) return ((Vector512.ConvertToInt64(n.AsDouble()) + Vector512.Create(1023L)) << 52).As<long, T>();
        throw new NotSupportedException($"Powers of two are defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThanOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Equal(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> ConditionalSelect(Vector512<T> mask, Vector512<T> whenTrue, Vector512<T> whenFalse) => Vector512.ConditionalSelect(mask, whenTrue, whenFalse);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Xor(Vector512<T> a, Vector512<T> b) => a ^ b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Not(Vector512<T> a) => ~a;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> ShiftRightLogical(Vector512<T> a, int count) => a >>> count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllBitsClear(Vector512<T> a) => a.AsByte() == Vector512<byte>.Zero;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> value) => Vector512.Sum(value);
}

/// <summary>256-bit vectors (AVX2; Vector256 on any machine that accelerates it).</summary>
public readonly struct Vector256Ops<T> : IVectorOps<T, Vector256<T>> where T : unmanaged
{
    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported;
    /// <inheritdoc/>
    public static int Count => Vector256<T>.Count;
    /// <inheritdoc/>
    public static Vector256<T> Zero => Vector256<T>.Zero;
    /// <inheritdoc/>
    public static Vector256<T> One => Vector256<T>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(ref readonly T source) => Vector256.LoadUnsafe(in source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Broadcast(T value) => Vector256.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sequence(T start) => Vector256.Create(start) + Vector256<T>.Indices;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Divide(Vector256<T> a, Vector256<T> b) => a / b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Sqrt(Vector256<T> a) => Vector256.Sqrt(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Abs(Vector256<T> a) => Vector256.Abs(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector exp is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Clamp(Vector256<T> a, Vector256<T> low, Vector256<T> high) => Vector256.MinNative(high, Vector256.MaxNative(low, a));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector256.Round(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Round(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector rounding is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> PowerOfTwo(Vector256<T> n)
    {
        if (typeof(T) == typeof(float)) return ((Vector256.ConvertToInt32(n.AsSingle()) + Vector256.Create(127)) << 23).As<int, T>();
        if (typeof(T) == typeof(double)) return ((Vector256.ConvertToInt64(n.AsDouble()) + Vector256.Create(1023L)) << 52).As<long, T>();
        throw new NotSupportedException($"Powers of two are defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThanOrEqual(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Equal(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> ConditionalSelect(Vector256<T> mask, Vector256<T> whenTrue, Vector256<T> whenFalse) => Vector256.ConditionalSelect(mask, whenTrue, whenFalse);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Or(Vector256<T> a, Vector256<T> b) => a | b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Xor(Vector256<T> a, Vector256<T> b) => a ^ b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Not(Vector256<T> a) => ~a;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> ShiftRightLogical(Vector256<T> a, int count) => a >>> count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllBitsClear(Vector256<T> a) => a.AsByte() == Vector256<byte>.Zero;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> value) => Vector256.Sum(value);
}

/// <summary>128-bit vectors (SSE/AVX without AVX2 on x64, AdvSIMD on ARM64).</summary>
public readonly struct Vector128Ops<T> : IVectorOps<T, Vector128<T>> where T : unmanaged
{
    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported;
    /// <inheritdoc/>
    public static int Count => Vector128<T>.Count;
    /// <inheritdoc/>
    public static Vector128<T> Zero => Vector128<T>.Zero;
    /// <inheritdoc/>
    public static Vector128<T> One => Vector128<T>.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(ref readonly T source) => Vector128.LoadUnsafe(in source);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Broadcast(T value) => Vector128.Create(value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sequence(T start) => Vector128.Create(start) + Vector128<T>.Indices;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(float)) return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(double)) return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Divide(Vector128<T> a, Vector128<T> b) => a / b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Sqrt(Vector128<T> a) => Vector128.Sqrt(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Abs(Vector128<T> a) => Vector128.Abs(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Exp(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Exp(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector exp is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Clamp(Vector128<T> a, Vector128<T> low, Vector128<T> high) => Vector128.MinNative(high, Vector128.MaxNative(low, a));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> a)
    {
        if (typeof(T) == typeof(float)) return Vector128.Round(a.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Round(a.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector rounding is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> PowerOfTwo(Vector128<T> n)
    {
        if (typeof(T) == typeof(float)) return ((Vector128.ConvertToInt32(n.AsSingle()) + Vector128.Create(127)) << 23).As<int, T>();
        if (typeof(T) == typeof(double)) return ((Vector128.ConvertToInt64(n.AsDouble()) + Vector128.Create(1023L)) << 52).As<long, T>();
        throw new NotSupportedException($"Powers of two are defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThanOrEqual(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LessThan(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Equal(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> ConditionalSelect(Vector128<T> mask, Vector128<T> whenTrue, Vector128<T> whenFalse) => Vector128.ConditionalSelect(mask, whenTrue, whenFalse);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Or(Vector128<T> a, Vector128<T> b) => a | b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Xor(Vector128<T> a, Vector128<T> b) => a ^ b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Not(Vector128<T> a) => ~a;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> ShiftRightLogical(Vector128<T> a, int count) => a >>> count;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllBitsClear(Vector128<T> a) => a.AsByte() == Vector128<byte>.Zero;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector128<T> value) => Vector128.Sum(value);
}

/// <summary>
/// One lane: the same kernels run element by element, for the tails the vectors leave and on machines with no SIMD.
/// Masks are the element's bit pattern with every bit set (a NaN for floating-point lanes).
/// </summary>
public readonly struct ScalarOps<T> : IVectorOps<T, T> where T : unmanaged, INumber<T>
{
    /// <summary>Scalar code needs no vector unit.</summary>
    public static bool IsHardwareAccelerated => true;
    /// <inheritdoc/>
    public static int Count => 1;
    /// <inheritdoc/>
    public static T Zero => T.Zero;
    /// <inheritdoc/>
    public static T One => T.One;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Load(ref readonly T source) => source;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T value, ref T destination) => destination = value;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Broadcast(T value) => value;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sequence(T start) => start;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c)
    {
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(MathF.FusedMultiplyAdd(Unsafe.BitCast<T, float>(a), Unsafe.BitCast<T, float>(b), Unsafe.BitCast<T, float>(c)));
        if (Fused.IsHardwareAccelerated && typeof(T) == typeof(double)) return Unsafe.BitCast<double, T>(Math.FusedMultiplyAdd(Unsafe.BitCast<T, double>(a), Unsafe.BitCast<T, double>(b), Unsafe.BitCast<T, double>(c)));
        return a * b + c;
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Add(T a, T b) => a + b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Subtract(T a, T b) => a - b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Multiply(T a, T b) => a * b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Divide(T a, T b) => a / b;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sqrt(T a)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(MathF.Sqrt(Unsafe.BitCast<T, float>(a)));
        if (typeof(T) == typeof(double)) return Unsafe.BitCast<double, T>(Math.Sqrt(Unsafe.BitCast<T, double>(a)));
        throw new NotSupportedException($"Square root is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Abs(T a) => T.Abs(a);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp(T a)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(MathF.Exp(Unsafe.BitCast<T, float>(a)));
        if (typeof(T) == typeof(double)) return Unsafe.BitCast<double, T>(Math.Exp(Unsafe.BitCast<T, double>(a)));
        throw new NotSupportedException($"Exp is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Clamp(T a, T low, T high) => a < low ? low : a > high ? high : a;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Round(T a)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(MathF.Round(Unsafe.BitCast<T, float>(a)));
        if (typeof(T) == typeof(double)) return Unsafe.BitCast<double, T>(Math.Round(Unsafe.BitCast<T, double>(a)));
        throw new NotSupportedException($"Rounding is defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T PowerOfTwo(T n)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<int, T>(((int)Unsafe.BitCast<T, float>(n) + 127) << 23);
        if (typeof(T) == typeof(double)) return Unsafe.BitCast<long, T>(((long)Unsafe.BitCast<T, double>(n) + 1023) << 52);
        throw new NotSupportedException($"Powers of two are defined for float and double, not {typeof(T).Name}.");
    }
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T GreaterThan(T a, T b) => Mask(a > b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T GreaterThanOrEqual(T a, T b) => Mask(a >= b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T LessThan(T a, T b) => Mask(a < b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Equal(T a, T b) => Mask(a == b);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T ConditionalSelect(T mask, T whenTrue, T whenFalse) => Bits(mask) != 0 ? whenTrue : whenFalse;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Or(T a, T b) => FromBits(Bits(a) | Bits(b));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Xor(T a, T b) => FromBits(Bits(a) ^ Bits(b));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Not(T a) => FromBits(~Bits(a));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T ShiftRightLogical(T a, int count) => FromBits(Bits(a) >>> count);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AllBitsClear(T a) => Bits(a) == 0;
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Mask(bool condition) => condition ? FromBits(ulong.MaxValue) : T.Zero;

    /// <summary>The element's bits, zero-extended to 64 (32-bit lanes keep only their own 32 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bits(T value) => Unsafe.SizeOf<T>() switch
    {
        4 => Unsafe.BitCast<T, uint>(value),
        8 => Unsafe.BitCast<T, ulong>(value),
        _ => throw new NotSupportedException($"Bitwise lanes are 32 or 64 bits, not {typeof(T).Name}."),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T FromBits(ulong bits) => Unsafe.SizeOf<T>() switch
    {
        4 => Unsafe.BitCast<uint, T>((uint)bits),
        8 => Unsafe.BitCast<ulong, T>(bits),
        _ => throw new NotSupportedException($"Bitwise lanes are 32 or 64 bits, not {typeof(T).Name}."),
    };
}

/// <summary>Whether the machine has fused multiply-add (x64 FMA3, ARM64 AdvSIMD); the JIT folds this to a constant.</summary>
/// <remarks>
/// A non-short-circuit <c>|</c>: <c>||</c> compiles to a branch that returns from two places, and the temporary the
/// inliner then makes for the result reaches every <c>MultiplyAdd</c> that tests this property. The register allocator
/// then writes the product into the multiplier's register and copies it back (vfmadd213ps + vmovaps), which held the
/// 6×16 GEMM kernel to 26 of Zen 1's 37 GFLOP/s per core.
/// </remarks>
internal static class Fused
{
    public static bool IsHardwareAccelerated => System.Runtime.Intrinsics.X86.Fma.IsSupported | System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;
}
