using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>True when element <paramref name="index"/> is kept; exposed for tests.</summary>
    public static bool Keeps(float rate, int seed, long step, int stream, int index)
        => Hash(Key(seed, step, stream), (uint)index) >= Threshold(rate);

    private static void ApplyMask<T>(ReadOnlySpan<T> source, Span<T> destination, T rate, int seed, long step, int stream)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        uint key = Key(seed, step, stream);
        uint threshold = Threshold(float.CreateChecked(rate));
        T scale = T.One / (T.One - rate);
        ref T x = ref MemoryMarshal.GetReference(source);
        ref T y = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
        {
            var vKey = Vector512.Create(key);
            var vThreshold = Vector512.Create(threshold);
            var vScale = Vector512.Create(float.CreateTruncating(scale));
            var lane = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            ref float xf = ref Unsafe.As<T, float>(ref x);
            ref float yf = ref Unsafe.As<T, float>(ref y);
            for (; i + 16 <= source.Length; i += 16)
            {
                var keep = Vector512.GreaterThanOrEqual(Hash(vKey, lane + Vector512.Create((uint)i)), vThreshold).AsSingle();
                Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref xf, (nuint)i) * vScale, Vector512<float>.Zero).StoreUnsafe(ref yf, (nuint)i);
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref y, i) = Hash(key, (uint)i) >= threshold ? Unsafe.Add(ref x, i) * scale : T.Zero;
    }

    /// <summary>Drop when the hash falls below rate · 2^32 (rate ∈ [0, 1)).</summary>
    private static uint Threshold(float rate) => (uint)Math.Min(uint.MaxValue, Math.Round((double)rate * 4294967296.0));

    /// <summary>One 32-bit key per (seed, step, stream) from SplitMix64's finalizer.</summary>
    private static uint Key(int seed, long step, int stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)stream * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)(z ^ (z >> 31));
    }

    /// <summary>MurmurHash3's 32-bit finalizer of key + index·φ: full avalanche, so neighbouring elements are independent.</summary>
    private static uint Hash(uint key, uint index)
    {
        uint h = key + index * 0x9E3779B9u;
        h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
        h = (h ^ (h >> 13)) * 0xC2B2AE35u;
        return h ^ (h >> 16);
    }

    private static Vector512<uint> Hash(Vector512<uint> key, Vector512<uint> index)
    {
        var h = key + index * Vector512.Create(0x9E3779B9u);
        h = (h ^ Vector512.ShiftRightLogical(h, 16)) * Vector512.Create(0x85EBCA6Bu);
        h = (h ^ Vector512.ShiftRightLogical(h, 13)) * Vector512.Create(0xC2B2AE35u);
        return h ^ Vector512.ShiftRightLogical(h, 16);
    }
}
