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
