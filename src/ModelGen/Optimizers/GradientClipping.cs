using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Optimizers;

/// <summary>
/// Gradient clipping: by value (element-wise, in place), by each tensor's norm (in place) and by global norm (a scale
/// folded into the optimizer pass).
/// </summary>
public static class GradientClipping
{
    /// <summary>g ← clamp(g, −maxValue, maxValue) element-wise (PyTorch's <c>clip_grad_value_</c>); NaN stays NaN.</summary>
    public static void ClipByValue<T>(Span<T> gradients, T maxValue) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Min(gradients, maxValue, gradients);
        TensorPrimitives.Max(gradients, -maxValue, gradients);
    }

    /// <summary>
    /// g ← g · min(1, maxNorm / (‖g‖₂ + 1e-6)) over one tensor's gradient (Keras's <c>clipnorm</c>); a tensor already
    /// within the limit is left untouched, bit for bit.
    /// </summary>
    public static void ClipTensorNorm<T>(Span<T> gradient, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T scale = GlobalNormScale<T>(gradient, maxNorm);
        if (scale < T.One)
            TensorPrimitives.Multiply(gradient, scale, gradient);
    }

    /// <summary>
    /// The factor min(1, maxNorm / (‖g‖₂ + 1e-6)) that brings the global norm of all gradients to at most
    /// <paramref name="maxNorm"/> (PyTorch's <c>clip_grad_norm_</c>). The norm is computed once, over the whole buffer.
    /// </summary>
    public static T GlobalNormScale<T>(ReadOnlySpan<T> gradients, T maxNorm) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T norm = T.CreateTruncating(Math.Sqrt(SumOfSquares(gradients)));
        T scale = maxNorm / (norm + T.CreateChecked(1e-6));
        return scale < T.One ? scale : T.One;
    }

    /// <summary>From this many gradients (an embedding table's) the two halves of the sum run on two cores.</summary>
    private const int SplitLength = 1 << 18;

    /// <summary>
    /// Σ g², in float vectors over blocks of a few thousand and in double across blocks. A large buffer is summed in two
    /// halves, then added, whether or not the halves run on two cores: the norm is the same either way.
    /// TensorPrimitives.SumOfSquares took 310 µs over a tagger's 1.9 M gradients where four independent vector sums take 90.
    /// </summary>
    internal static unsafe double SumOfSquares<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (values.Length < SplitLength)
            return SquaresOf(values);
        double* totals = stackalloc double[2];
        fixed (T* start = values)
        {
            var halves = new Halves<T>(start, totals);
            int half = values.Length / 2 / 64 * 64;
            Kernels.GemmWorker.RunPair(ref halves, 0, half, 0, 0, half, values.Length, 1, 0, worthWaking: true);
        }
        return totals[0] + totals[1];
    }

    private static double SquaresOf<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new SquaresKernel<T>(values);
        Vectorized.Run<T, SquaresKernel<T>>(ref kernel, values.Length);
        return kernel.Total;
    }

    /// <summary>Elements [start, end) of the sum, into the total its third argument names.</summary>
    private readonly unsafe struct Halves<T>(T* values, double* totals) : Kernels.IGemmJob where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run(int start, int end, int half, int unused) => totals[half] = SquaresOf(new ReadOnlySpan<T>(values + start, end - start));
    }

    private ref struct SquaresKernel<T>(ReadOnlySpan<T> values) : IVectorKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _values = values;
        public double Total;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T start = ref MemoryMarshal.GetReference(_values);
            int w = TOps.Count;
            while (i + 4 * w <= length)
            {
                int end = Math.Min(length, i + 4096) / (4 * w) * (4 * w);
                TVector s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                for (; i < end; i += 4 * w)
                {
                    TVector v0 = TOps.Load(in Unsafe.Add(ref start, i)), v1 = TOps.Load(in Unsafe.Add(ref start, i + w));
                    TVector v2 = TOps.Load(in Unsafe.Add(ref start, i + 2 * w)), v3 = TOps.Load(in Unsafe.Add(ref start, i + 3 * w));
                    s0 = TOps.MultiplyAdd(v0, v0, s0);
                    s1 = TOps.MultiplyAdd(v1, v1, s1);
                    s2 = TOps.MultiplyAdd(v2, v2, s2);
                    s3 = TOps.MultiplyAdd(v3, v3, s3);
                }
                Total += double.CreateTruncating(TOps.Sum(TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3))));
            }
            if (i + w <= length)
            {
                TVector sum = TOps.Zero;
                for (; i + w <= length; i += w)
                {
                    TVector v = TOps.Load(in Unsafe.Add(ref start, i));
                    sum = TOps.MultiplyAdd(v, v, sum);
                }
                Total += double.CreateTruncating(TOps.Sum(sum));
            }
            return i;
        }
    }
}
