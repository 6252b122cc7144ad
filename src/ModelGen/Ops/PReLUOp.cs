using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Parametric ReLU (He et al., 2015): y = z for z &gt; 0, a_c·z otherwise, with a learned slope a_c per channel (per
/// feature on a flat input, per map on [C × H × W]) or one shared by all. The sample is [channels × spatial] with
/// spatial = 1 on a flat input; every pass runs along contiguous memory at full width — across channels with a vector
/// of slopes when spatial is 1, along each channel's positions with one broadcast slope otherwise. Backward reads z
/// (the input): a learned slope may reach 0 or turn negative, after which y no longer tells z's sign.
/// </summary>
public static class PReLUOp
{
    /// <summary>y = z &gt; 0 ? z : a_c·z over <paramref name="rows"/> samples of [channels × spatial].</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> slopes, int rows, int channels, int spatial)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
            for (int block = 0; block < (spatial == 1 ? 1 : channels); block++)
            {
                int offset = r * channels * spatial + block * spatial, length = spatial == 1 ? channels : spatial;
                var kernel = new Kernel<T>(input.Slice(offset, length), default, output.Slice(offset, length), slopes, spatial == 1 ? -1 : block, Pass.Forward);
                Vectorized.Run<T, Kernel<T>>(ref kernel, length);
            }
    }

    /// <summary>dz = dy ⊙ (z &gt; 0 ? 1 : a_c), overwriting <paramref name="inputGradient"/> (or adding to it when <paramref name="accumulate"/>).</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, ReadOnlySpan<T> slopes,
        int rows, int channels, int spatial, bool accumulate) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
            for (int block = 0; block < (spatial == 1 ? 1 : channels); block++)
            {
                int offset = r * channels * spatial + block * spatial, length = spatial == 1 ? channels : spatial;
                var kernel = new Kernel<T>(input.Slice(offset, length), outputGradient.Slice(offset, length), inputGradient.Slice(offset, length), slopes,
                    spatial == 1 ? -1 : block, accumulate ? Pass.AddInputGradient : Pass.InputGradient);
                Vectorized.Run<T, Kernel<T>>(ref kernel, length);
            }
    }

    /// <summary>∂loss/∂a_c = Σ over samples and positions of dy·min(z, 0), written to <paramref name="slopeGradient"/>.</summary>
    public static void BackwardSlopes<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> slopeGradient, int rows, int channels, int spatial)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        slopeGradient.Clear();
        Span<T> sum = stackalloc T[1];
        for (int r = 0; r < rows; r++)
            for (int block = 0; block < (spatial == 1 ? 1 : channels); block++)
            {
                int offset = r * channels * spatial + block * spatial, length = spatial == 1 ? channels : spatial;
                // Flat input: accumulate into the slope gradients lane by lane; a map: one sum per channel block.
                Span<T> target = spatial == 1 ? slopeGradient : sum;
                sum[0] = T.Zero;
                var kernel = new Kernel<T>(input.Slice(offset, length), outputGradient.Slice(offset, length), target, default, -1, spatial == 1 ? Pass.SlopeLanes : Pass.SlopeSum);
                Vectorized.Run<T, Kernel<T>>(ref kernel, length);
                if (spatial != 1)
                    slopeGradient[block] += sum[0];
            }
    }

    private enum Pass { Forward, InputGradient, AddInputGradient, SlopeLanes, SlopeSum }

    /// <summary>
    /// One pass over a contiguous run: with <c>channel</c> ≥ 0 the run is one channel's positions and its slope is
    /// broadcast; with −1 the run is the channels themselves and the slopes are loaded alongside.
    /// </summary>
    private readonly ref struct Kernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> target, ReadOnlySpan<T> slopes, int channel, Pass pass)
        : IVectorKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _input = input, _outputGradient = outputGradient, _slopes = slopes;
        private readonly Span<T> _target = target;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T z = ref MemoryMarshal.GetReference(_input);
            ref T dy = ref MemoryMarshal.GetReference(_outputGradient);
            ref T t = ref MemoryMarshal.GetReference(_target);
            ref T a = ref MemoryMarshal.GetReference(_slopes);
            TVector broadcast = channel >= 0 ? TOps.Broadcast(_slopes[channel]) : TOps.Zero;
            TVector sum = TOps.Zero;
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector value = TOps.Load(in Unsafe.Add(ref z, i));
                TVector positive = TOps.GreaterThan(value, TOps.Zero);
                switch (pass)
                {
                    case Pass.Forward:
                    {
                        TVector slope = channel >= 0 ? broadcast : TOps.Load(in Unsafe.Add(ref a, i));
                        TOps.Store(TOps.ConditionalSelect(positive, value, TOps.Multiply(slope, value)), ref Unsafe.Add(ref t, i));
                        break;
                    }
                    case Pass.InputGradient or Pass.AddInputGradient:
                    {
                        TVector slope = channel >= 0 ? broadcast : TOps.Load(in Unsafe.Add(ref a, i));
                        TVector gradient = TOps.Multiply(TOps.Load(in Unsafe.Add(ref dy, i)), TOps.ConditionalSelect(positive, TOps.One, slope));
                        TOps.Store(pass == Pass.AddInputGradient ? TOps.Add(TOps.Load(in Unsafe.Add(ref t, i)), gradient) : gradient, ref Unsafe.Add(ref t, i));
                        break;
                    }
                    case Pass.SlopeLanes:
                        TOps.Store(TOps.MultiplyAdd(TOps.Load(in Unsafe.Add(ref dy, i)), TOps.ConditionalSelect(positive, TOps.Zero, value), TOps.Load(in Unsafe.Add(ref t, i))),
                            ref Unsafe.Add(ref t, i));
                        break;
                    default:
                        sum = TOps.MultiplyAdd(TOps.Load(in Unsafe.Add(ref dy, i)), TOps.ConditionalSelect(positive, TOps.Zero, value), sum);
                        break;
                }
            }
            if (pass == Pass.SlopeSum)
                t += TOps.Sum(sum);
            return i;
        }
    }
}
