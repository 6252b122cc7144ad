using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// An element-wise nonlinearity: forward in place on a layer's pre-activation, and the derivative expressed through
/// the forward <em>output</em> y where y determines it, so backward needs no extra cached tensor and the activation can
/// run in place on its producer's buffer (or inside its GEMM). Where y does not determine f′ — GELU is not monotonic,
/// |z| forgets the sign — the derivative reads the input z instead (<see cref="DerivativeReadsInput"/>), and the
/// generator keeps z in its own buffer.
/// </summary>
public interface IActivation
{
    /// <summary>z ← f(z), in place.</summary>
    static abstract void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>
    /// f′ in terms of the kept value — the output y = f(z), or the input z where <see cref="DerivativeReadsInput"/> —
    /// written once for every vector width (and for one lane, <see cref="ScalarOps{T}"/>), so the scalar tail and each
    /// width compute the same function.
    /// </summary>
    static abstract TVector Derivative<T, TVector, TOps>(TVector kept, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>;

    /// <summary>True when <see cref="Derivative"/> takes the input z rather than the output y.</summary>
    static virtual bool DerivativeReadsInput => false;
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
    /// inputGradient = outputGradient ⊙ f′, element-wise over equal-length spans, f′ read from <paramref name="kept"/>:
    /// the forward output, or the forward input for an activation whose <see cref="IActivation.DerivativeReadsInput"/>.
    /// The two gradient spans may be the same memory (the fused, in-place case).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> kept, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (kept.Length != outputGradient.Length || kept.Length != inputGradient.Length)
            throw new ArgumentException($"Activation backward needs equal lengths, got {kept.Length}, {outputGradient.Length} and {inputGradient.Length}.");
        var kernel = new BackwardKernel<T>(kept, outputGradient, inputGradient, negativeSlope);
        Vectorized.Run<T, BackwardKernel<T>>(ref kernel, kept.Length);
    }

    private readonly ref struct BackwardKernel<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _output = output, _outputGradient = outputGradient;
        private readonly Span<T> _inputGradient = inputGradient;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T y = ref MemoryMarshal.GetReference(_output);
            ref T dy = ref MemoryMarshal.GetReference(_outputGradient);
            ref T dx = ref MemoryMarshal.GetReference(_inputGradient);
            TVector slope = TOps.Broadcast(negativeSlope);
            for (; i + TOps.Count <= length; i += TOps.Count)
                TOps.Store(TOps.Multiply(TOps.Load(in Unsafe.Add(ref dy, i)), TActivation.Derivative<T, TVector, TOps>(TOps.Load(in Unsafe.Add(ref y, i)), slope)), ref Unsafe.Add(ref dx, i));
            return i;
        }
    }
}

/// <summary>f(z) = z: kernels that take an activation run without one (their calls skip it entirely).</summary>
public readonly struct Identity : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
    }
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.One;
}

/// <summary>max(0, z); f′ = 1 where y &gt; 0 (the one-sided derivative 0 is taken at 0).</summary>
public readonly struct ReLU : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Max(values, T.Zero, values);
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(output, TOps.Zero), TOps.One, TOps.Zero);
}

/// <summary>max(0, z) + slope·min(0, z); for slope &gt; 0 the sign of y equals the sign of z, so f′ follows from y.</summary>
public readonly struct LeakyReLU : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new ForwardKernel<T>(values, negativeSlope);
        Vectorized.Run<T, ForwardKernel<T>>(ref kernel, values.Length);
    }
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(output, TOps.Zero), TOps.One, negativeSlope);

    private readonly ref struct ForwardKernel<T>(Span<T> values, T negativeSlope) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _values = values;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T z = ref MemoryMarshal.GetReference(_values);
            TVector slope = TOps.Broadcast(negativeSlope);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector v = TOps.Load(in Unsafe.Add(ref z, i));
                TOps.Store(TOps.ConditionalSelect(TOps.GreaterThan(v, TOps.Zero), v, TOps.Multiply(v, slope)), ref Unsafe.Add(ref z, i));
            }
            return i;
        }
    }
}

/// <summary>σ(z) = 1/(1+e^−z); f′ = y(1−y).</summary>
public readonly struct Sigmoid : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Sigmoid(values, values);
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Multiply(output, TOps.Subtract(TOps.One, output));
}

/// <summary>tanh(z); f′ = 1 − y².</summary>
public readonly struct Tanh : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Tanh(values, values);
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Subtract(TOps.One, TOps.Multiply(output, output));
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
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Subtract(TOps.One, TOps.Exp(TOps.Subtract(TOps.Zero, output)));
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
        => ChunkedMath.ExponentialLinear(values, T.CreateChecked(Scale), T.CreateChecked(Scale * Alpha));
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(output, TOps.Zero), TOps.Broadcast(T.CreateChecked(Scale)), TOps.Add(output, TOps.Broadcast(T.CreateChecked(Scale * Alpha))));
}

/// <summary>
/// ELU (Clevert et al.) with α = 1: z for z &gt; 0, e^z − 1 otherwise. y &gt; 0 exactly when z &gt; 0, so
/// f′ = 1 where y &gt; 0 and y + 1 elsewhere.
/// </summary>
public readonly struct ELU : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ChunkedMath.ExponentialLinear(values, T.One, T.One);
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(output, TOps.Zero), TOps.One, TOps.Add(output, TOps.One));
}

/// <summary>
/// Hard tanh: z clipped to [−1, 1]. f′ = 1 where −1 &lt; y &lt; 1 and 0 where the clip holds (the one-sided derivative 0
/// is taken at ±1, as PyTorch does).
/// </summary>
public readonly struct HardTanh : IActivation
{
    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Max(values, -T.One, values);
        TensorPrimitives.Min(values, T.One, values);
    }
    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector output, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(output, TOps.Subtract(TOps.Zero, TOps.One)),
            TOps.ConditionalSelect(TOps.GreaterThan(TOps.One, output), TOps.One, TOps.Zero), TOps.Zero);
}

/// <summary>
/// GELU (Hendrycks and Gimpel), exact form (PyTorch's <c>GELU()</c>): z·Φ(z), Φ the standard normal CDF, computed as
/// ½erfc(|z|/√2) below 0 and 1 − ½erfc(|z|/√2) above, so the negative tail keeps its relative precision (the textbook
/// ½z(1 + erf(z/√2)) cancels there). f′ = Φ(z) + z·φ(z) needs z: GELU dips below 0 and comes back, so y does not
/// determine z.
/// </summary>
public readonly struct GELU : IActivation, IVectorFunction
{
    /// <inheritdoc/>
    public static bool DerivativeReadsInput => true;

    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => VectorMap.InPlace<T, GELU>(values);

    /// <summary>z·Φ(z).</summary>
    public static TVector Apply<T, TVector, TOps>(TVector z)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Multiply(z, NormalCdf<T, TVector, TOps>(z));

    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector kept, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector density = TOps.Multiply(TOps.Broadcast(T.CreateChecked(InverseSqrtTwoPi)),
            TOps.Exp(TOps.Multiply(TOps.Broadcast(T.CreateChecked(-0.5)), TOps.Multiply(kept, kept))));
        return TOps.MultiplyAdd(kept, density, NormalCdf<T, TVector, TOps>(kept));
    }

    private static TVector NormalCdf<T, TVector, TOps>(TVector z)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector halfTail = TOps.Multiply(TOps.Broadcast(T.CreateChecked(0.5)),
            Erfc.OfNonNegative<T, TVector, TOps>(TOps.Multiply(TOps.Abs(z), TOps.Broadcast(T.CreateChecked(InverseSqrtTwo)))));
        return TOps.ConditionalSelect(TOps.LessThan(z, TOps.Zero), halfTail, TOps.Subtract(TOps.One, halfTail));
    }

    private const double InverseSqrtTwo = 0.70710678118654752440084436210485;
    private const double InverseSqrtTwoPi = 0.39894228040143267793994605993438;
}

/// <summary>
/// GELU, tanh approximation (PyTorch's <c>GELU(approximate="tanh")</c>, BERT's and GPT-2's): ½z(1 + tanh u) with
/// u = √(2/π)(z + 0.044715z³), computed as z·σ(2u), which cannot overflow. f′ = s + z·s(1 − s)·2u′ with s = σ(2u); beyond
/// |z| = 10 it is 1 or 0 to every precision (1 − s &lt; e⁻⁸⁷), which also keeps z³ from overflowing into ∞·0.
/// </summary>
public readonly struct GELUTanh : IActivation, IVectorFunction
{
    /// <inheritdoc/>
    public static bool DerivativeReadsInput => true;

    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => VectorMap.InPlace<T, GELUTanh>(values);

    /// <summary>z·σ(2u).</summary>
    public static TVector Apply<T, TVector, TOps>(TVector z)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Multiply(z, Gate<T, TVector, TOps>(z));

    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector kept, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector s = Gate<T, TVector, TOps>(kept);
        TVector slope = TOps.Multiply(TOps.Broadcast(T.CreateChecked(2 * SqrtTwoOverPi)),
            TOps.MultiplyAdd(TOps.Broadcast(T.CreateChecked(3 * Cubic)), TOps.Multiply(kept, kept), TOps.One));
        TVector inside = TOps.MultiplyAdd(TOps.Multiply(kept, TOps.Multiply(s, TOps.Subtract(TOps.One, s))), slope, s);
        TVector ten = TOps.Broadcast(T.CreateChecked(10));
        TVector saturated = TOps.ConditionalSelect(TOps.GreaterThan(kept, TOps.Zero), TOps.One, TOps.Zero);
        return TOps.ConditionalSelect(TOps.GreaterThan(TOps.Abs(kept), ten), saturated, inside);
    }

    /// <summary>s = σ(2u) = 1/(1 + e^−2u).</summary>
    private static TVector Gate<T, TVector, TOps>(TVector z)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector u = TOps.Multiply(TOps.Broadcast(T.CreateChecked(SqrtTwoOverPi)),
            TOps.MultiplyAdd(TOps.Multiply(TOps.Broadcast(T.CreateChecked(Cubic)), z), TOps.Multiply(z, z), z));
        return TOps.Divide(TOps.One, TOps.Add(TOps.One, TOps.Exp(TOps.Multiply(TOps.Broadcast(T.CreateChecked(-2.0)), u))));
    }

    /// <summary>√(2/π).</summary>
    public const double SqrtTwoOverPi = 0.79788456080286535587989211986876;
    /// <summary>The cubic coefficient of the approximation.</summary>
    public const double Cubic = 0.044715;
}

/// <summary>
/// Absolute-value rectification |z| (Jarrett et al.; the notes' "absolute value rectification"): f′ = sign z, 0 at 0 as
/// PyTorch takes it. |z| forgets the sign, so the derivative reads z.
/// </summary>
public readonly struct AbsoluteValue : IActivation
{
    /// <inheritdoc/>
    public static bool DerivativeReadsInput => true;

    /// <inheritdoc/>
    public static void Forward<T>(Span<T> values, T negativeSlope) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Abs(values, values);

    /// <inheritdoc/>
    public static TVector Derivative<T, TVector, TOps>(TVector kept, TVector negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.GreaterThan(kept, TOps.Zero), TOps.One,
            TOps.ConditionalSelect(TOps.LessThan(kept, TOps.Zero), TOps.Subtract(TOps.Zero, TOps.One), TOps.Zero));
}

/// <summary>An element-wise function written once for every vector width, for <see cref="VectorMap"/>.</summary>
public interface IVectorFunction
{
    /// <summary>f(x), lane by lane.</summary>
    static abstract TVector Apply<T, TVector, TOps>(TVector x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>;
}

/// <summary>x ← f(x) over a span at the current width, then the narrower ones, then lane by lane.</summary>
internal static class VectorMap
{
    public static void InPlace<T, TFunction>(Span<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T> where TFunction : IVectorFunction
    {
        var kernel = new Kernel<T, TFunction>(values);
        Vectorized.Run<T, Kernel<T, TFunction>>(ref kernel, values.Length);
    }

    private readonly ref struct Kernel<T, TFunction>(Span<T> values) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TFunction : IVectorFunction
    {
        private readonly Span<T> _values = values;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T x = ref MemoryMarshal.GetReference(_values);
            for (; i + TOps.Count <= length; i += TOps.Count)
                TOps.Store(TFunction.Apply<T, TVector, TOps>(TOps.Load(in Unsafe.Add(ref x, i))), ref Unsafe.Add(ref x, i));
            return i;
        }
    }
}

/// <summary>Helpers for activations whose forward needs a scratch row.</summary>
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
        var kernel = new LogOnePlusKernel<T>(x, scratch);
        Vectorized.Run<T, LogOnePlusKernel<T>>(ref kernel, x.Length);
    }

    /// <summary>
    /// The exponential linear family, in place: z ← positiveScale·z for z &gt; 0, negativeScale·(e^z − 1) otherwise
    /// (ELU: 1 and α; SELU: λ and λα).
    /// </summary>
    public static void ExponentialLinear<T>(Span<T> values, T positiveScale, T negativeScale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> negativePart = stackalloc T[Math.Min(values.Length, Chunk)];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            Span<T> z = values.Slice(start, Math.Min(Chunk, values.Length - start));
            Span<T> t = negativePart[..z.Length];
            TensorPrimitives.Min(z, T.Zero, t);
            TensorPrimitives.ExpM1(t, t);
            // Select rather than add: the vectorized ExpM1(0) is off by an ulp, which must not leak into positive outputs.
            SelectPositive(z, t, positiveScale, negativeScale);
        }
    }

    /// <summary>z ← z &gt; 0 ? positiveScale·z : negativeScale·negative, element-wise.</summary>
    public static void SelectPositive<T>(Span<T> z, ReadOnlySpan<T> negative, T positiveScale, T negativeScale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new SelectPositiveKernel<T>(z, negative, positiveScale, negativeScale);
        Vectorized.Run<T, SelectPositiveKernel<T>>(ref kernel, z.Length);
    }

    private readonly ref struct LogOnePlusKernel<T>(Span<T> x, ReadOnlySpan<T> logOfRounded) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _x = x;
        private readonly ReadOnlySpan<T> _logOfRounded = logOfRounded;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T xr = ref MemoryMarshal.GetReference(_x);
            ref T lr = ref MemoryMarshal.GetReference(_logOfRounded);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector v = TOps.Load(in Unsafe.Add(ref xr, i));
                TVector rounded = TOps.Subtract(TOps.Add(v, TOps.One), TOps.One);
                TVector corrected = TOps.Multiply(TOps.Load(in Unsafe.Add(ref lr, i)), TOps.Divide(v, rounded));
                TOps.Store(TOps.ConditionalSelect(TOps.Equal(rounded, TOps.Zero), v, corrected), ref Unsafe.Add(ref xr, i));
            }
            return i;
        }
    }

    private readonly ref struct SelectPositiveKernel<T>(Span<T> z, ReadOnlySpan<T> negative, T positiveScale, T negativeScale) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _z = z;
        private readonly ReadOnlySpan<T> _negative = negative;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T zr = ref MemoryMarshal.GetReference(_z);
            ref T nr = ref MemoryMarshal.GetReference(_negative);
            TVector positive = TOps.Broadcast(positiveScale), negativeScaleVector = TOps.Broadcast(negativeScale);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector v = TOps.Load(in Unsafe.Add(ref zr, i));
                TVector n = TOps.Load(in Unsafe.Add(ref nr, i));
                TOps.Store(TOps.ConditionalSelect(TOps.GreaterThan(v, TOps.Zero), TOps.Multiply(v, positive), TOps.Multiply(n, negativeScaleVector)), ref Unsafe.Add(ref zr, i));
            }
            return i;
        }
    }
}
