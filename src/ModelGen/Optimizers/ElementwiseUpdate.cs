using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// One optimizer's per-parameter rule: the new parameter from (parameter, gradient) and up to three state values,
/// updated in place. Written once over <see cref="IVectorOps{T, TVector}"/>, so every vector width and the scalar
/// tail run the same rule; a struct, so the driver's loop is specialized per rule.
/// </summary>
internal interface IUpdateRule<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>How many state buffers the rule reads and writes (0 to 3; the first that many).</summary>
    static abstract int States { get; }

    TVector Apply<TVector, TOps>(TVector parameter, TVector gradient, ref TVector state1, ref TVector state2, ref TVector state3)
        where TVector : struct where TOps : IVectorOps<T, TVector>;
}

/// <summary>A rule's compile-time switch (Nesterov, AMSGrad, centred): a type, so each choice is its own specialized loop.</summary>
internal interface IFlag { static abstract bool Value { get; } }
internal readonly struct Yes : IFlag { public static bool Value => true; }
internal readonly struct No : IFlag { public static bool Value => false; }

/// <summary>
/// The single pass every optimizer makes over parameters, gradients and state, at the machine's widest vectors; a large
/// buffer is split in two halves for the two cores: one core cannot saturate memory bandwidth (an embedding table), and
/// Adam's square root and division, ~20 cycles per 512-bit vector, make even tens of thousands of parameters worth a
/// second core (an LSTM classifier's 57 K on a Xeon: 47 µs on one). Element-wise, so the result is the same bits however
/// it is split.
/// </summary>
internal static unsafe class ElementwiseUpdate
{
    /// <summary>From this many parameters the second core takes half of the pass if it is awake (a training step's products keep it so); a sleeping one is left asleep.</summary>
    private const int SplitLength = 1 << 15;

    /// <summary>From this many parameters (1 MB of floats) the pass waits for a sleeping second core to wake.</summary>
    private const int WakeLength = 1 << 18;

    public static void Run<T, TRule>(string optimizer, Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> state1, Span<T> state2, Span<T> state3, TRule rule)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRule : struct, IUpdateRule<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || (TRule.States > 0 && state1.Length != length) || (TRule.States > 1 && state2.Length != length)
            || (TRule.States > 2 && state3.Length != length))
            throw new ArgumentException($"{optimizer} needs parameter, gradient and state buffers of equal length.");
        if (length < SplitLength || !Kernels.GemmWorker.IsAvailable || (length < WakeLength && !Kernels.GemmWorker.IsAwake))
        {
            var kernel = new Kernel<T, TRule>(parameters, gradients, state1, state2, state3, rule);
            Vectorized.Run<T, Kernel<T, TRule>>(ref kernel, length);
            return;
        }
        fixed (T* p = parameters, g = gradients, s1 = state1, s2 = state2, s3 = state3)
        {
            var halves = new Halves<T, TRule>(p, g, s1, s2, s3, rule);
            // Aligned to 64 elements, so both halves run whole vectors at every width.
            int half = length / 2 / 64 * 64;
            Kernels.GemmWorker.RunPair(ref halves, 0, half, 0, 0, half, length, 0, 0, worthWaking: length >= WakeLength);
        }
    }

    /// <summary>Elements [start, end) of the pass, for one core.</summary>
    private readonly struct Halves<T, TRule>(T* parameters, T* gradients, T* state1, T* state2, T* state3, TRule rule) : Kernels.IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRule : struct, IUpdateRule<T>
    {
        public void Run(int start, int end, int unused0, int unused1)
        {
            int length = end - start;
            var kernel = new Kernel<T, TRule>(new Span<T>(parameters + start, length), new ReadOnlySpan<T>(gradients + start, length),
                TRule.States > 0 ? new Span<T>(state1 + start, length) : default, TRule.States > 1 ? new Span<T>(state2 + start, length) : default,
                TRule.States > 2 ? new Span<T>(state3 + start, length) : default, rule);
            Vectorized.Run<T, Kernel<T, TRule>>(ref kernel, length);
        }
    }

    /// <summary>
    /// A state value below 2⁻¹²⁶ (float) or 2⁻¹⁰²² (double) becomes 0. A state that only decays (a momentum or moment
    /// whose gradient is 0, as for a dead ReLU's weights) otherwise sinks into the subnormal range and stays there —
    /// 0.9 × the smallest subnormal rounds back to it — and every operation on a subnormal costs ~100× more on Intel
    /// cores: LeNet-5's batch-1 SGD-with-momentum step took 310 µs instead of 45 on a Xeon. What the state adds to a
    /// parameter is then below 2⁻¹²⁶ · lr, lost in the parameter's own rounding.
    /// </summary>
    internal static TVector FlushSubnormal<T, TVector, TOps>(TVector state) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.ConditionalSelect(TOps.LessThan(TOps.Abs(state), TOps.Broadcast(SmallestNormal<T>())), TOps.Zero, state);

    private static T SmallestNormal<T>() where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? T.CreateTruncating(1.17549435E-38f) : T.CreateTruncating(2.2250738585072014E-308); // 2^-126, 2^-1022

    private readonly ref struct Kernel<T, TRule>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> state1, Span<T> state2, Span<T> state3, TRule rule) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRule : struct, IUpdateRule<T>
    {
        private readonly Span<T> _parameters = parameters, _state1 = state1, _state2 = state2, _state3 = state3;
        private readonly ReadOnlySpan<T> _gradients = gradients;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T p = ref MemoryMarshal.GetReference(_parameters);
            ref T g = ref MemoryMarshal.GetReference(_gradients);
            ref T s1 = ref MemoryMarshal.GetReference(_state1);
            ref T s2 = ref MemoryMarshal.GetReference(_state2);
            ref T s3 = ref MemoryMarshal.GetReference(_state3);
            TRule localRule = rule;
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector a = TRule.States > 0 ? TOps.Load(in Unsafe.Add(ref s1, i)) : TOps.Zero;
                TVector b = TRule.States > 1 ? TOps.Load(in Unsafe.Add(ref s2, i)) : TOps.Zero;
                TVector c = TRule.States > 2 ? TOps.Load(in Unsafe.Add(ref s3, i)) : TOps.Zero;
                TOps.Store(localRule.Apply<TVector, TOps>(TOps.Load(in Unsafe.Add(ref p, i)), TOps.Load(in Unsafe.Add(ref g, i)), ref a, ref b, ref c), ref Unsafe.Add(ref p, i));
                if (TRule.States > 0) TOps.Store(a, ref Unsafe.Add(ref s1, i));
                if (TRule.States > 1) TOps.Store(b, ref Unsafe.Add(ref s2, i));
                if (TRule.States > 2) TOps.Store(c, ref Unsafe.Add(ref s3, i));
            }
            return i;
        }
    }
}
