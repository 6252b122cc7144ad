using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Inverted dropout. Each element's keep/drop decision is a pure function of (seed, step, stream, index), a
/// counter-based hash rather than a stateful generator: backward recomputes the mask instead of storing it, a
/// model's gradient at a given step can be re-evaluated exactly (gradient checks), and a run is bit-identical for a
/// given seed. Kept elements are scaled by 1/(1 − rate) while training, so inference is the identity.
/// </summary>
public static class DropoutOp
{
    /// <summary>
    /// output = input ⊙ mask / (1 − rate) while <paramref name="training"/>; a copy otherwise.
    /// <paramref name="stream"/> tells apart the dropout sites of one model.
    /// </summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, T rate, int seed, long step, int stream, bool training)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (output.Length != input.Length)
            throw new ArgumentException($"Dropout needs equal lengths, got {input.Length} and {output.Length}.");
        if (!training)
            input.CopyTo(output);
        else
            ApplyMask(input, output, rate, seed, step, stream);
    }

    /// <summary>inputGradient = outputGradient ⊙ mask / (1 − rate), the same mask <see cref="Forward"/> drew.</summary>
    public static void Backward<T>(ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T rate, int seed, long step, int stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (outputGradient.Length != inputGradient.Length)
            throw new ArgumentException($"Dropout backward needs equal lengths, got {outputGradient.Length} and {inputGradient.Length}.");
        ApplyMask(outputGradient, inputGradient, rate, seed, step, stream);
    }

    /// <summary>The 32-bit key of (seed, step, stream) that every element's hash mixes in: what another backend (ModelGen.Gpu) needs to draw the same masks.</summary>
    public static uint MaskKey(int seed, long step, int stream) => Key(seed, step, stream);

    /// <summary>The hash below which an element is dropped: rate · 2^32.</summary>
    public static uint MaskThreshold(float rate) => Threshold(rate);

    /// <summary>True when element <paramref name="index"/> is kept; exposed for tests.</summary>
    public static bool Keeps(float rate, int seed, long step, int stream, int index)
        => Hash(Key(seed, step, stream), (uint)index) >= Threshold(rate);

    private static void ApplyMask<T>(ReadOnlySpan<T> source, Span<T> destination, T rate, int seed, long step, int stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        uint key = Key(seed, step, stream);
        uint threshold = Threshold(float.CreateChecked(rate));
        T scale = T.One / (T.One - rate);
        if (typeof(T) == typeof(float))
        {
            // float lanes and the uint lanes of their hashes have the same width: one mask lane per element.
            var kernel = new MaskKernel(MemoryMarshal.Cast<T, float>(source), MemoryMarshal.Cast<T, float>(destination), key, threshold, float.CreateTruncating(scale));
            Vectorized.Run<float, MaskKernel>(ref kernel, source.Length);
            return;
        }
        for (int i = 0; i < source.Length; i++)
            destination[i] = Hash(key, (uint)i) >= threshold ? source[i] * scale : T.Zero;
    }

    private readonly ref struct MaskKernel(ReadOnlySpan<float> source, Span<float> destination, uint key, uint threshold, float scale) : IVectorKernel<float>, IHashedKernel
    {
        private readonly ReadOnlySpan<float> _source = source;
        private readonly Span<float> _destination = destination;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<float, TVector>
            => HashLanes.Run<MaskKernel, TVector, TOps>(in this, i, length);

        public int RunAt<TVector, TOps, TIndices, TIndexOps>(int i, int length)
            where TVector : struct where TOps : IVectorOps<float, TVector>
            where TIndices : struct where TIndexOps : IVectorOps<uint, TIndices>
        {
            ref float x = ref MemoryMarshal.GetReference(_source);
            ref float y = ref MemoryMarshal.GetReference(_destination);
            TIndices keyVector = TIndexOps.Broadcast(key), thresholdVector = TIndexOps.Broadcast(threshold);
            TVector scaleVector = TOps.Broadcast(scale);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TIndices hash = Hash<TIndices, TIndexOps>(keyVector, TIndexOps.Sequence((uint)i));
                TVector keep = Unsafe.BitCast<TIndices, TVector>(TIndexOps.GreaterThanOrEqual(hash, thresholdVector));
                TOps.Store(TOps.ConditionalSelect(keep, TOps.Multiply(TOps.Load(in Unsafe.Add(ref x, i)), scaleVector), TOps.Zero), ref Unsafe.Add(ref y, i));
            }
            return i;
        }
    }

    /// <summary>Drop when the hash falls below rate · 2^32 (rate ∈ [0, 1)).</summary>
    private static uint Threshold(float rate) => (uint)Math.Min(uint.MaxValue, Math.Round((double)rate * 4294967296.0));

    /// <summary>One 32-bit key per (seed, step, stream) from SplitMix64's finalizer.</summary>
    internal static uint Key(int seed, long step, int stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)stream * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    /// <summary>One element's hash: the vector hash at one lane, so the scalar and vector masks cannot drift apart.</summary>
    private static uint Hash(uint key, uint index) => Hash<uint, ScalarOps<uint>>(key, index);

    /// <summary>A float kernel that hashes element indices: one uint lane beside each float lane.</summary>
    internal interface IHashedKernel
    {
        int RunAt<TVector, TOps, TIndices, TIndexOps>(int i, int length)
            where TVector : struct where TOps : IVectorOps<float, TVector>
            where TIndices : struct where TIndexOps : IVectorOps<uint, TIndices>;
    }

    /// <summary>Runs a hashed kernel at the uint width that matches its float width.</summary>
    internal static class HashLanes
    {
        public static int Run<TKernel, TVector, TOps>(in TKernel kernel, int i, int length)
            where TKernel : IHashedKernel, allows ref struct where TVector : struct where TOps : IVectorOps<float, TVector>
            => TOps.Count switch
            {
                1 => kernel.RunAt<TVector, TOps, uint, ScalarOps<uint>>(i, length),
                4 => kernel.RunAt<TVector, TOps, System.Runtime.Intrinsics.Vector128<uint>, Vector128Ops<uint>>(i, length),
                8 => kernel.RunAt<TVector, TOps, System.Runtime.Intrinsics.Vector256<uint>, Vector256Ops<uint>>(i, length),
                _ => kernel.RunAt<TVector, TOps, System.Runtime.Intrinsics.Vector512<uint>, Vector512Ops<uint>>(i, length),
            };
    }

    /// <summary>MurmurHash3's 32-bit finalizer of key + index·φ per lane: full avalanche, so neighbouring elements are independent.</summary>
    internal static TIndices Hash<TIndices, TOps>(TIndices key, TIndices index) where TIndices : struct where TOps : IVectorOps<uint, TIndices>
    {
        TIndices h = TOps.Add(key, TOps.Multiply(index, TOps.Broadcast(0x9E3779B9u)));
        h = TOps.Multiply(TOps.Xor(h, TOps.ShiftRightLogical(h, 16)), TOps.Broadcast(0x85EBCA6Bu));
        h = TOps.Multiply(TOps.Xor(h, TOps.ShiftRightLogical(h, 13)), TOps.Broadcast(0xC2B2AE35u));
        return TOps.Xor(h, TOps.ShiftRightLogical(h, 16));
    }
}
