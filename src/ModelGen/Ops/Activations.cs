using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Ops;

/// <summary>
/// An element-wise nonlinearity: forward in place on a layer's pre-activation, and the derivative
/// expressed through the forward <em>output</em> y, so backward needs no extra cached tensor.
/// </summary>
public interface IActivation
{
    /// <summary>z ← f(z), in place.</summary>
    static abstract void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>f′ in terms of the output y = f(z).</summary>
    static abstract T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>Vector form of the scalar derivative.</summary>
    static abstract Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>256-bit vector form of the scalar derivative.</summary>
    static abstract Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}

/// <summary>Drivers shared by every activation: the gradient pass <c>dx = dy ⊙ f′(y)</c>, SIMD with a scalar tail.</summary>
public static class Activation<TActivation> where TActivation : IActivation
{
    /// <summary>Applies the activation in place.</summary>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!values.IsEmpty) // TensorPrimitives rejects empty spans
            TActivation.Forward(values, negativeSlope);
    }

    /// <summary>
    /// inputGradient = outputGradient ⊙ f′(output), element-wise over equal-length spans. The two gradient spans
    /// may be the same memory (the fused, in-place case).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (output.Length != outputGradient.Length || output.Length != inputGradient.Length)
            throw new ArgumentException($"Activation backward needs equal lengths, got {output.Length}, {outputGradient.Length} and {inputGradient.Length}.");
        ref T y = ref MemoryMarshal.GetReference(output);
        ref T dy = ref MemoryMarshal.GetReference(outputGradient);
        ref T dx = ref MemoryMarshal.GetReference(inputGradient);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var slope = Vector512.Create(negativeSlope);
            for (; i + Vector512<T>.Count <= output.Length; i += Vector512<T>.Count)
                (Vector512.LoadUnsafe(ref dy, (nuint)i) * TActivation.Derivative(Vector512.LoadUnsafe(ref y, (nuint)i), slope)).StoreUnsafe(ref dx, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var slope = Vector256.Create(negativeSlope);
            for (; i + Vector256<T>.Count <= output.Length; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref dy, (nuint)i) * TActivation.Derivative(Vector256.LoadUnsafe(ref y, (nuint)i), slope)).StoreUnsafe(ref dx, (nuint)i);
        }
        for (; i < output.Length; i++)
            Unsafe.Add(ref dx, i) = Unsafe.Add(ref dy, i) * TActivation.Derivative(Unsafe.Add(ref y, i), negativeSlope);
    }
}

/// <summary>max(0, z); f′ = 1 where y &gt; 0 (the one-sided derivative 0 is taken at 0).</summary>
public readonly struct ReLU : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Max(values, T.Zero, values);
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output > T.Zero ? T.One : T.Zero;
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<T>.Zero), Vector512<T>.One, Vector512<T>.Zero);
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);
}

/// <summary>max(0, z) + slope·min(0, z); for slope &gt; 0 the sign of y equals the sign of z, so f′ follows from y.</summary>
public readonly struct LeakyReLU : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T z = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var slope = Vector512.Create(negativeSlope);
            for (; i + Vector512<T>.Count <= values.Length; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref z, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<T>.Zero), v, v * slope).StoreUnsafe(ref z, (nuint)i);
            }
        }
        for (; i < values.Length; i++)
            if (Unsafe.Add(ref z, i) < T.Zero) Unsafe.Add(ref z, i) *= negativeSlope;
    }
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output > T.Zero ? T.One : negativeSlope;
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<T>.Zero), Vector512<T>.One, negativeSlope);
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<T>.Zero), Vector256<T>.One, negativeSlope);
}

/// <summary>σ(z) = 1/(1+e^−z); f′ = y(1−y).</summary>
public readonly struct Sigmoid : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Sigmoid(values, values);
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output * (T.One - output);
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output * (Vector512<T>.One - output);
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output * (Vector256<T>.One - output);
}

/// <summary>tanh(z); f′ = 1 − y².</summary>
public readonly struct Tanh : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Tanh(values, values);
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => T.One - output * output;
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector512<T>.One - output * output;
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector256<T>.One - output * output;
}

/// <summary>
/// softplus(z) = log(1 + e^z), computed as max(z, 0) + log(1 + e^−|z|) so e^z never overflows;
/// f′ = σ(z) = 1 − e^−y.
/// </summary>
public readonly struct Softplus : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int chunk = Math.Min(values.Length, ChunkedMath.Chunk);
        Span<T> softPart = stackalloc T[chunk];
        Span<T> onePlus = stackalloc T[chunk];
        for (int start = 0; start < values.Length; start += ChunkedMath.Chunk)
        {
            Span<T> z = values.Slice(start, Math.Min(ChunkedMath.Chunk, values.Length - start));
            Span<T> t = softPart[..z.Length];
            TensorPrimitives.Abs(z, t);
            TensorPrimitives.Negate(t, t);
            TensorPrimitives.Exp(t, t);
            ChunkedMath.LogOnePlus(t, onePlus[..z.Length]);
            TensorPrimitives.Max(z, T.Zero, z);
            TensorPrimitives.Add(z, t, z);
        }
    }
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => -T.ExpM1(-output);
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector512<T>.One - ChunkedMath.Exp(-output);
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector256<T>.One - ChunkedMath.Exp(-output);
}

/// <summary>
/// SELU (Klambauer et al.): λz for z &gt; 0, λα(e^z − 1) otherwise. y &gt; 0 exactly when z &gt; 0, so
/// f′ = λ where y &gt; 0 and y + λα elsewhere.
/// </summary>
public readonly struct SELU : IActivation
{
    /// <summary>λ of the paper.</summary>
    public const double Scale = 1.0507009873554804934193349852946;
    /// <summary>α of the paper.</summary>
    public const double Alpha = 1.6732632423543772848170429916717;

    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T scale = T.CreateChecked(Scale), scaledAlpha = T.CreateChecked(Scale * Alpha);
        Span<T> negativePart = stackalloc T[Math.Min(values.Length, ChunkedMath.Chunk)];
        for (int start = 0; start < values.Length; start += ChunkedMath.Chunk)
        {
            Span<T> z = values.Slice(start, Math.Min(ChunkedMath.Chunk, values.Length - start));
            Span<T> t = negativePart[..z.Length];
            TensorPrimitives.Min(z, T.Zero, t);
            TensorPrimitives.ExpM1(t, t);
            // Select rather than add: the vectorized ExpM1(0) is off by an ulp, which must not leak into positive outputs.
            ChunkedMath.SelectPositive(z, t, scale, scaledAlpha);
        }
    }
    /// <inheritdoc/>
    public static T Derivative<T>(T output, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => output > T.Zero ? T.CreateChecked(Scale) : output + T.CreateChecked(Scale * Alpha);
    /// <inheritdoc/>
    public static Vector512<T> Derivative<T>(Vector512<T> output, Vector512<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(output, Vector512<T>.Zero), Vector512.Create(T.CreateChecked(Scale)), output + Vector512.Create(T.CreateChecked(Scale * Alpha)));
    /// <inheritdoc/>
    public static Vector256<T> Derivative<T>(Vector256<T> output, Vector256<T> negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.GreaterThan(output, Vector256<T>.Zero), Vector256.Create(T.CreateChecked(Scale)), output + Vector256.Create(T.CreateChecked(Scale * Alpha)));
}

/// <summary>Helpers for activations whose forward needs a scratch row and whose derivative needs a vector exp.</summary>
internal static class ChunkedMath
{
    /// <summary>Elements per stack scratch chunk (2 KB of doubles).</summary>
    public const int Chunk = 256;

    /// <summary>
    /// x ← log(1 + x) for x ≥ 0, accurate for tiny x (TensorPrimitives.LogP1 computes log(1 + x) after rounding 1 + x,
    /// which loses x below one ulp of 1). Goldberg's trick: with u = 1 + x rounded, log1p(x) = log(u) · x / (u − 1),
    /// and x itself where u rounds to 1.
    /// </summary>
    public static void LogOnePlus<T>(Span<T> x, Span<T> scratch) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(x, T.One, scratch);
        TensorPrimitives.Log(scratch, scratch);
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T lr = ref MemoryMarshal.GetReference(scratch);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<T>.Count <= x.Length; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var rounded = (v + Vector512<T>.One) - Vector512<T>.One;
                var corrected = Vector512.LoadUnsafe(ref lr, (nuint)i) * (v / rounded);
                Vector512.ConditionalSelect(Vector512.Equals(rounded, Vector512<T>.Zero), v, corrected).StoreUnsafe(ref xr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            T v = Unsafe.Add(ref xr, i);
            T rounded = (v + T.One) - T.One;
            Unsafe.Add(ref xr, i) = rounded == T.Zero ? v : Unsafe.Add(ref lr, i) * (v / rounded);
        }
    }

    /// <summary>z ← z &gt; 0 ? positiveScale·z : negativeScale·negative, element-wise.</summary>
    public static void SelectPositive<T>(Span<T> z, ReadOnlySpan<T> negative, T positiveScale, T negativeScale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T nr = ref MemoryMarshal.GetReference(negative);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vPositive = Vector512.Create(positiveScale);
            var vNegative = Vector512.Create(negativeScale);
            for (; i + Vector512<T>.Count <= z.Length; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref zr, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<T>.Zero), v * vPositive, Vector512.LoadUnsafe(ref nr, (nuint)i) * vNegative).StoreUnsafe(ref zr, (nuint)i);
            }
        }
        for (; i < z.Length; i++)
            Unsafe.Add(ref zr, i) = Unsafe.Add(ref zr, i) > T.Zero ? Unsafe.Add(ref zr, i) * positiveScale : Unsafe.Add(ref nr, i) * negativeScale;
    }

    public static Vector512<T> Exp<T>(Vector512<T> x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector exp is defined for float and double, not {typeof(T).Name}.");
    }

    public static Vector256<T> Exp<T>(Vector256<T> x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException($"Vector exp is defined for float and double, not {typeof(T).Name}.");
    }
}
