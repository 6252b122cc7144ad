using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Counter-based random draws for the noise layers, as dropout draws its masks: element i of a (seed, step, stream)
/// gets a pure function of those four numbers, so backward recomputes the draw instead of storing it, a step's loss
/// can be re-evaluated exactly, and a run is bit-identical for a seed. Uniforms are 24-bit (what a float holds),
/// strictly inside (0, 1) so a logarithm of one is finite.
/// </summary>
public static class CounterRandom
{
    /// <summary>Elements per stack chunk of draws.</summary>
    internal const int Chunk = 256;

    /// <summary>u[k] = uniform of element start + k under <paramref name="key"/>, in (0, 1), at the current vector width.</summary>
    public static void Uniforms(Span<float> destination, uint key, int start)
    {
        var kernel = new UniformKernel(destination, key, (uint)start);
        Vectorized.Run<float, UniformKernel>(ref kernel, destination.Length);
    }

    /// <summary>
    /// n[k] = a standard normal draw for element start + k (Box–Muller: √(−2 ln u₁)·cos 2πu₂, u₁ and u₂ from two keys
    /// derived from <paramref name="key"/>), through a scratch chunk of the caller's.
    /// </summary>
    public static void Normals(Span<float> destination, Span<float> scratch, uint key, int start)
    {
        Uniforms(destination, key, start);
        TensorPrimitives.Log(destination, destination);
        TensorPrimitives.Multiply(destination, -2f, destination);
        TensorPrimitives.Sqrt(destination, destination);
        Span<float> angle = scratch[..destination.Length];
        Uniforms(angle, key ^ 0x5BD1E995u, start);
        TensorPrimitives.Multiply(angle, 2 * MathF.PI, angle);
        TensorPrimitives.Cos(angle, angle);
        TensorPrimitives.Multiply(destination, angle, destination);
    }

    private readonly ref struct UniformKernel(Span<float> destination, uint key, uint start) : IVectorKernel<float>, DropoutOp.IHashedKernel
    {
        private readonly Span<float> _destination = destination;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<float, TVector>
            => DropoutOp.HashLanes.Run<UniformKernel, TVector, TOps>(in this, i, length);

        public int RunAt<TVector, TOps, TIndices, TIndexOps>(int i, int length)
            where TVector : struct where TOps : IVectorOps<float, TVector>
            where TIndices : struct where TIndexOps : IVectorOps<uint, TIndices>
        {
            ref float u = ref MemoryMarshal.GetReference(_destination);
            TIndices keyVector = TIndexOps.Broadcast(key);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                // The top 24 bits as an integer-valued float (exact), then (h + ½)·2⁻²⁴ ∈ (0, 1).
                TIndices hash = TIndexOps.ShiftRightLogical(DropoutOp.Hash<TIndices, TIndexOps>(keyVector, TIndexOps.Sequence(start + (uint)i)), 8);
                TVector whole = ToFloat<TVector, TOps, TIndices>(hash);
                TOps.Store(TOps.Multiply(TOps.Add(whole, TOps.Broadcast(0.5f)), TOps.Broadcast(1f / 16777216f)), ref Unsafe.Add(ref u, i));
            }
            return i;
        }

        private static TVector ToFloat<TVector, TOps, TIndices>(TIndices value) where TVector : struct where TOps : IVectorOps<float, TVector> where TIndices : struct
        {
            if (typeof(TIndices) == typeof(uint))
                return Unsafe.BitCast<float, TVector>(Unsafe.BitCast<TIndices, uint>(value));
            if (typeof(TIndices) == typeof(System.Runtime.Intrinsics.Vector128<uint>))
                return Unsafe.BitCast<System.Runtime.Intrinsics.Vector128<float>, TVector>(System.Runtime.Intrinsics.Vector128.ConvertToSingle(Unsafe.BitCast<TIndices, System.Runtime.Intrinsics.Vector128<uint>>(value)));
            if (typeof(TIndices) == typeof(System.Runtime.Intrinsics.Vector256<uint>))
                return Unsafe.BitCast<System.Runtime.Intrinsics.Vector256<float>, TVector>(System.Runtime.Intrinsics.Vector256.ConvertToSingle(Unsafe.BitCast<TIndices, System.Runtime.Intrinsics.Vector256<uint>>(value)));
            return Unsafe.BitCast<System.Runtime.Intrinsics.Vector512<float>, TVector>(System.Runtime.Intrinsics.Vector512.ConvertToSingle(Unsafe.BitCast<TIndices, System.Runtime.Intrinsics.Vector512<uint>>(value)));
        }
    }
}

/// <summary>
/// Additive Gaussian noise (the notes' noise injection; Keras <c>GaussianNoise</c>): y = x + σ·n while training, n a
/// standard normal per element from (seed, step, stream); the identity at inference. Backward is the identity: the
/// noise does not depend on x.
/// </summary>
public static class GaussianNoiseOp
{
    /// <summary>output = input + σ·n while <paramref name="training"/>; a copy otherwise.</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, T deviation, int seed, long step, int stream, bool training)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Gaussian noise needs equal lengths, got {input.Length} and {output.Length}.");
        input.CopyTo(output);
        if (!training)
            return;
        uint key = DropoutOp.Key(seed, step, stream);
        Span<float> normals = stackalloc float[CounterRandom.Chunk];
        Span<float> scratch = stackalloc float[CounterRandom.Chunk];
        for (int start = 0; start < output.Length; start += CounterRandom.Chunk)
        {
            int length = Math.Min(CounterRandom.Chunk, output.Length - start);
            CounterRandom.Normals(normals[..length], scratch, key, start);
            Span<T> y = output.Slice(start, length);
            if (typeof(T) == typeof(float))
                TensorPrimitives.MultiplyAdd(normals[..length], float.CreateTruncating(deviation), MemoryMarshal.Cast<T, float>(y), MemoryMarshal.Cast<T, float>(y));
            else
                for (int k = 0; k < length; k++)
                    y[k] += deviation * T.CreateTruncating(normals[k]);
        }
    }

    /// <summary>dx = dy (or dx += dy when <paramref name="accumulate"/>).</summary>
    public static void Backward<T>(ReadOnlySpan<T> outputGradient, Span<T> inputGradient, bool accumulate) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (accumulate)
            TensorPrimitives.Add(inputGradient, outputGradient, inputGradient);
        else
            outputGradient.CopyTo(inputGradient);
    }
}

/// <summary>
/// Randomized leaky ReLU (Xu et al., 2015; PyTorch's <c>RReLU</c>): while training each element's negative slope is
/// drawn uniformly from [lower, upper] per (seed, step, stream, element); at inference it is the mean (lower + upper)/2.
/// Backward recomputes the training slopes from the same counters (the slopes are positive, so z &gt; 0 ⇔ y &gt; 0).
/// </summary>
public static class RReLUOp
{
    /// <summary>y = z &gt; 0 ? z : a·z, a drawn per element while <paramref name="training"/>, (lower + upper)/2 otherwise.</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, T lower, T upper, int seed, long step, int stream, bool training)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Apply(input, input, output, lower, upper, seed, step, stream, training, accumulate: false);

    /// <summary>dz = dy ⊙ (z &gt; 0 ? 1 : a), a the forward pass's training slopes (added when <paramref name="accumulate"/>).</summary>
    public static void Backward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T lower, T upper, int seed, long step, int stream, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Apply(input, outputGradient, inputGradient, lower, upper, seed, step, stream, training: true, accumulate);

    /// <summary>target = (z &gt; 0 ? 1 : a) ⊙ source: the forward pass with source = z, backward with source = dy.</summary>
    private static void Apply<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> source, Span<T> target, T lower, T upper, int seed, long step, int stream, bool training, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (source.Length != input.Length || target.Length != input.Length)
            throw new ArgumentException($"RReLU needs equal lengths, got {input.Length}, {source.Length} and {target.Length}.");
        uint key = DropoutOp.Key(seed, step, stream);
        Span<float> uniforms = stackalloc float[CounterRandom.Chunk];
        T mean = (lower + upper) / T.CreateTruncating(2), range = upper - lower;
        for (int start = 0; start < input.Length; start += CounterRandom.Chunk)
        {
            int length = Math.Min(CounterRandom.Chunk, input.Length - start);
            if (training)
                CounterRandom.Uniforms(uniforms[..length], key, start);
            for (int k = 0; k < length; k++)
            {
                int i = start + k;
                T factor = input[i] > T.Zero ? T.One : training ? lower + range * T.CreateTruncating(uniforms[k]) : mean;
                T value = factor * source[i];
                target[i] = accumulate ? target[i] + value : value;
            }
        }
    }
}
