using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// The direct convolution: for a layer with few filters at stride 1 (LeNet's 6 and 16), y = x ⊛ W computed from the
/// image in place, vectorized along output rows, with no unfolded input and no matrix product. Such layers make skinny
/// GEMMs (6 or 16 rows, a depth of 25 or 150) whose packing and im2col copies cost as much as their multiply-adds; here
/// each input row is loaded once per tap and serves a tile of 12 accumulators (4 filters × 3 output rows, or 6 × 2).
/// dX at stride 1 runs through the same kernel as the transposed convolution, and dW as vector sums over output rows.
/// </summary>
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// A register tile: 4 filters × 3 output rows, or 6 filters × 2 rows (6-filter layers such as LeNet's first), each
    /// one vector of columns wide — 12 accumulators either way, whichever recomputes fewer outputs at the edges. With 32
    /// vector registers, 6 filters × 4 rows (24 accumulators, 4 row loads and 6 broadcasts per 24 multiply-adds) where
    /// it recomputes no more: half the tile calls, each twice as long, for the same outputs.
    /// </summary>
    private readonly record struct DirectTile(int Filters, int Rows)
    {
        public static readonly DirectTile Tall = new(4, 3), Wide = new(6, 2), Deep = new(6, 4);

        public static DirectTile For(in Conv2DShape s)
        {
            long tall = Covered(s.Filters, Tall.Filters) * (long)Covered(s.OutputHeight, Tall.Rows);
            long wide = s.Filters >= Wide.Filters ? Covered(s.Filters, Wide.Filters) * (long)Covered(s.OutputHeight, Wide.Rows) : long.MaxValue;
            long deep = s.Filters >= Deep.Filters && s.OutputHeight >= Deep.Rows && Vectorized.HasThirtyTwoRegisters
                ? Covered(s.Filters, Deep.Filters) * (long)Covered(s.OutputHeight, Deep.Rows) : long.MaxValue;
            if (deep <= tall && deep <= wide)
                return Deep;
            return wide < tall ? Wide : Tall;
        }
    }

    /// <summary><paramref name="length"/> rounded up to whole steps: what tiles or vectors of <paramref name="step"/> compute to cover it.</summary>
    private static int Covered(int length, int step) => (length + step - 1) / step * step;

    /// <summary>
    /// The vector width at which the direct kernel runs <paramref name="s"/>, or <see cref="SimdWidth.Scalar"/> when it
    /// does not: float only, stride 1, fewer than <see cref="FiltersToPackWhileUnfolding"/> filters (wider layers keep
    /// the packed GEMM, which reaches its peak there), and a tile's worth of filters, rows and one vector of columns.
    /// Among the widths whose vector fits in a row, the one whose vectors per row (the last overlapping the one before)
    /// cost the fewest FMA issue slots on this core (<see cref="FmaDatapath"/>), and at a tie the widest: 12 columns run
    /// as two Vector256 where the FMA units are 256 bits wide (Zen 4: 2 slots, not 3 for three Vector128), as three
    /// Vector128 on Zen 1 (3 slots, not 4); 24 columns as three Vector256 on Zen 4, two Vector512 on Intel.
    /// </summary>
    private static SimdWidth DirectWidth<T>(in Conv2DShape s)
    {
        SimdWidth current = Vectorized.Current;
        if (typeof(T) != typeof(float) || current == SimdWidth.Scalar || s.StrideY != 1 || s.StrideX != 1
            || s.Filters >= FiltersToPackWhileUnfolding || s.Filters < DirectTile.Tall.Filters || s.OutputHeight < DirectTile.Tall.Rows)
            return SimdWidth.Scalar;
        return CheapestWidth(current, s.OutputWidth, wholeVectors: false);
    }

    /// <summary>
    /// The width, from <paramref name="current"/> down to 128 bits, whose vectors across a row of
    /// <paramref name="columns"/> cost the fewest FMA issue slots on this core (<see cref="FmaDatapath"/>), the widest
    /// at a tie; <see cref="SimdWidth.Scalar"/> when none fits. A row's last vector overlaps the one before it, unless
    /// <paramref name="wholeVectors"/> asks for widths that divide the row.
    /// </summary>
    private static SimdWidth CheapestWidth(SimdWidth current, int columns, bool wholeVectors)
    {
        SimdWidth best = SimdWidth.Scalar;
        int cheapest = int.MaxValue;
        for (SimdWidth width = current; width >= SimdWidth.Bits128; width = (SimdWidth)((int)width / 2))
        {
            int lanes = (int)width / 32;
            if (lanes > columns || wholeVectors && columns % lanes != 0)
                continue;
            int cost = Covered(columns, lanes) / lanes * FmaDatapath.Cost(width);
            if (cost < cheapest)
                (best, cheapest) = (width, cost);
        }
        return best;
    }

    /// <summary>
    /// y_n = x_n ⊛ W (+ b) for samples [start, end), each sample's output overwritten, then f applied to it. Taps that
    /// fall in the padding read zeros from a padded copy of the sample in this thread's buffer.
    /// </summary>
    private static void DirectForward<TActivation>(float* x, float* weights, float* bias, float* y, in Conv2DShape s, int start, int end, SimdWidth width,
        float negativeSlope)
        where TActivation : IActivation
    {
        for (int n = start; n < end; n++)
        {
            float* output = y + (long)n * s.OutputSize;
            DirectSample(x + (long)n * s.InputSize, weights, bias, output, s, width);
            if (typeof(TActivation) != typeof(Identity))
                Activation<TActivation>.Forward(new Span<float>(output, s.OutputSize), negativeSlope);
        }
    }

    /// <summary>One sample at the chosen width.</summary>
    private static void DirectSample(float* x, float* weights, float* bias, float* output, in Conv2DShape s, SimdWidth width)
    {
        float* image = Padded(x, 1, s, out PaddedGeometry padded);
        var geometry = new DirectGeometry(image, padded.Width, padded.Height * padded.Width, weights, bias, output, s);
        switch (width)
        {
            case SimdWidth.Bits512:
                geometry.Run<Vector512<float>, Vector512Ops<float>>();
                break;
            case SimdWidth.Bits256:
                geometry.Run<Vector256<float>, Vector256Ops<float>>();
                break;
            default:
                geometry.Run<Vector128<float>, Vector128Ops<float>>();
                break;
        }
    }

    /// <summary>The sample's channels with the padding written out as zeros into <paramref name="padded"/>.</summary>
    private static float* Pad(float* x, in Conv2DShape s, int paddedHeight, int paddedWidth, float* padded)
    {
        // Columns [first, last) of a padded row come from the image; the rest are padding.
        int first = Math.Min(s.PadLeft, paddedWidth), last = Math.Clamp(s.PadLeft + s.Width, first, paddedWidth);
        for (int c = 0; c < s.Channels; c++)
            for (int py = 0; py < paddedHeight; py++)
            {
                float* row = padded + ((long)c * paddedHeight + py) * paddedWidth;
                int iy = py - s.PadTop;
                if ((uint)iy >= (uint)s.Height)
                {
                    new Span<float>(row, paddedWidth).Clear();
                    continue;
                }
                for (int t = 0; t < first; t++)
                    row[t] = 0f;
                CopyRun(x + ((long)c * s.Height + iy) * s.Width + (first - s.PadLeft), row + first, last - first);
                for (int t = last; t < paddedWidth; t++)
                    row[t] = 0f;
            }
        return padded;
    }

    /// <summary>
    /// One sample's direct convolution over a (padded) image whose rows are <paramref name="rowStride"/> apart. Tiles of
    /// <see cref="DirectTile"/> filters × rows × one vector of columns cover the output; the last tile of each kind starts
    /// early enough to end at the edge, recomputing a few outputs rather than running a narrower tail — it writes the same
    /// values again.
    /// </summary>
    private readonly struct DirectGeometry(float* image, int rowStride, int planeStride, float* weights, float* bias, float* output, Conv2DShape s)
    {
        public void Run<TVector, TOps>() where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            int lanes = TOps.Count, taps = s.KernelHeight * s.KernelWidth, patch = s.Patch, positions = s.Positions;
            DirectTile tile = DirectTile.For(s);
            for (int f = 0; f < s.Filters; f += tile.Filters)
            {
                int f0 = Math.Min(f, s.Filters - tile.Filters);
                for (int oy = 0; oy < s.OutputHeight; oy += tile.Rows)
                {
                    int oy0 = Math.Min(oy, s.OutputHeight - tile.Rows);
                    (int first, int last) = KernelRows(oy0, tile.Rows);
                    for (int ox = 0; ox < s.OutputWidth; ox += lanes)
                    {
                        int ox0 = Math.Min(ox, s.OutputWidth - lanes);
                        float* origin = image + (long)oy0 * rowStride + ox0, target = output + (long)f0 * positions + oy0 * s.OutputWidth + ox0;
                        if (tile == DirectTile.Deep)
                            SixByFour<TVector, TOps>(origin, weights + (long)f0 * patch, taps, target, f0, first, last);
                        else if (tile == DirectTile.Wide)
                            SixByTwo<TVector, TOps>(origin, weights + (long)f0 * patch, taps, target, f0, first, last);
                        else
                            FourByThree<TVector, TOps>(origin, weights + (long)f0 * patch, taps, target, f0, first, last);
                    }
                }
            }
        }

        /// <summary>
        /// The kernel rows [first, last) that read an image row for at least one of the tile's output rows: the rest
        /// would read only the padding's zeros (the transposed convolution of a small map pads by k − 1 on each side).
        /// </summary>
        private (int First, int Last) KernelRows(int oy0, int rows)
        {
            int d = s.DilationY, top = s.PadTop - (oy0 + rows - 1), bottom = s.PadTop + s.Height - oy0;
            int first = top <= 0 ? 0 : (top + d - 1) / d;
            int last = bottom <= 0 ? 0 : Math.Min(s.KernelHeight, (bottom + d - 1) / d);
            return (first, Math.Max(first, last));
        }

        /// <summary>4 filters × 3 rows of one vector: 12 accumulators, per tap 3 row loads and 4 weight broadcasts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FourByThree<TVector, TOps>(float* origin, float* w, int taps, float* target, int f0, int first, int last) where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TVector b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero;
            if (bias != null)
                (b0, b1, b2, b3) = (TOps.Broadcast(bias[f0]), TOps.Broadcast(bias[f0 + 1]), TOps.Broadcast(bias[f0 + 2]), TOps.Broadcast(bias[f0 + 3]));
            TVector a00 = b0, a01 = b1, a02 = b2, a03 = b3;
            TVector a10 = b0, a11 = b1, a12 = b2, a13 = b3;
            TVector a20 = b0, a21 = b1, a22 = b2, a23 = b3;
            int patch = s.Patch, width = s.KernelWidth, dy = s.DilationY * rowStride, dx = s.DilationX;
            long r1 = rowStride, r2 = 2L * rowStride;
            for (int c = 0; c < s.Channels; c++)
            {
                float* plane = origin + (long)c * planeStride;
                float* wc = w + c * taps;
                for (int i = first; i < last; i++)
                {
                    float* row = plane + (long)i * dy;
                    for (int j = 0, t = i * width; j < width; j++, t++)
                    {
                        float* p = row + j * dx;
                        // One weight register at a time: 12 accumulators, 3 rows and 1 weight fill the 16 ymm registers of AVX2.
                        TVector x0 = TOps.Load(ref *p), x1 = TOps.Load(ref p[r1]), x2 = TOps.Load(ref p[r2]);
                        TVector wf = TOps.Broadcast(wc[t]);
                        a00 = TOps.MultiplyAdd(x0, wf, a00); a10 = TOps.MultiplyAdd(x1, wf, a10); a20 = TOps.MultiplyAdd(x2, wf, a20);
                        wf = TOps.Broadcast(wc[patch + t]);
                        a01 = TOps.MultiplyAdd(x0, wf, a01); a11 = TOps.MultiplyAdd(x1, wf, a11); a21 = TOps.MultiplyAdd(x2, wf, a21);
                        wf = TOps.Broadcast(wc[2 * patch + t]);
                        a02 = TOps.MultiplyAdd(x0, wf, a02); a12 = TOps.MultiplyAdd(x1, wf, a12); a22 = TOps.MultiplyAdd(x2, wf, a22);
                        wf = TOps.Broadcast(wc[3 * patch + t]);
                        a03 = TOps.MultiplyAdd(x0, wf, a03); a13 = TOps.MultiplyAdd(x1, wf, a13); a23 = TOps.MultiplyAdd(x2, wf, a23);
                    }
                }
            }
            int positions = s.Positions, ow = s.OutputWidth;
            TOps.Store(a00, ref target[0]); TOps.Store(a01, ref target[positions]); TOps.Store(a02, ref target[2 * positions]); TOps.Store(a03, ref target[3 * positions]);
            target += ow;
            TOps.Store(a10, ref target[0]); TOps.Store(a11, ref target[positions]); TOps.Store(a12, ref target[2 * positions]); TOps.Store(a13, ref target[3 * positions]);
            target += ow;
            TOps.Store(a20, ref target[0]); TOps.Store(a21, ref target[positions]); TOps.Store(a22, ref target[2 * positions]); TOps.Store(a23, ref target[3 * positions]);
        }

        /// <summary>6 filters × 4 rows of one vector: 24 accumulators, per tap 4 row loads and 6 weight broadcasts (32 registers).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SixByFour<TVector, TOps>(float* origin, float* w, int taps, float* target, int f0, int first, int last) where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TVector a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero, a04 = TOps.Zero, a05 = TOps.Zero;
            if (bias != null)
                (a00, a01, a02, a03, a04, a05) = (TOps.Broadcast(bias[f0]), TOps.Broadcast(bias[f0 + 1]), TOps.Broadcast(bias[f0 + 2]),
                    TOps.Broadcast(bias[f0 + 3]), TOps.Broadcast(bias[f0 + 4]), TOps.Broadcast(bias[f0 + 5]));
            TVector a10 = a00, a11 = a01, a12 = a02, a13 = a03, a14 = a04, a15 = a05;
            TVector a20 = a00, a21 = a01, a22 = a02, a23 = a03, a24 = a04, a25 = a05;
            TVector a30 = a00, a31 = a01, a32 = a02, a33 = a03, a34 = a04, a35 = a05;
            int patch = s.Patch, width = s.KernelWidth, dy = s.DilationY * rowStride, dx = s.DilationX;
            long r1 = rowStride, r2 = 2L * rowStride, r3 = 3L * rowStride;
            for (int c = 0; c < s.Channels; c++)
            {
                float* plane = origin + (long)c * planeStride;
                float* wc = w + c * taps;
                for (int i = first; i < last; i++)
                {
                    float* row = plane + (long)i * dy;
                    for (int j = 0, t = i * width; j < width; j++, t++)
                    {
                        float* p = row + j * dx;
                        TVector x0 = TOps.Load(ref *p), x1 = TOps.Load(ref p[r1]), x2 = TOps.Load(ref p[r2]), x3 = TOps.Load(ref p[r3]);
                        TVector wf = TOps.Broadcast(wc[t]);
                        a00 = TOps.MultiplyAdd(x0, wf, a00); a10 = TOps.MultiplyAdd(x1, wf, a10); a20 = TOps.MultiplyAdd(x2, wf, a20); a30 = TOps.MultiplyAdd(x3, wf, a30);
                        wf = TOps.Broadcast(wc[patch + t]);
                        a01 = TOps.MultiplyAdd(x0, wf, a01); a11 = TOps.MultiplyAdd(x1, wf, a11); a21 = TOps.MultiplyAdd(x2, wf, a21); a31 = TOps.MultiplyAdd(x3, wf, a31);
                        wf = TOps.Broadcast(wc[2 * patch + t]);
                        a02 = TOps.MultiplyAdd(x0, wf, a02); a12 = TOps.MultiplyAdd(x1, wf, a12); a22 = TOps.MultiplyAdd(x2, wf, a22); a32 = TOps.MultiplyAdd(x3, wf, a32);
                        wf = TOps.Broadcast(wc[3 * patch + t]);
                        a03 = TOps.MultiplyAdd(x0, wf, a03); a13 = TOps.MultiplyAdd(x1, wf, a13); a23 = TOps.MultiplyAdd(x2, wf, a23); a33 = TOps.MultiplyAdd(x3, wf, a33);
                        wf = TOps.Broadcast(wc[4 * patch + t]);
                        a04 = TOps.MultiplyAdd(x0, wf, a04); a14 = TOps.MultiplyAdd(x1, wf, a14); a24 = TOps.MultiplyAdd(x2, wf, a24); a34 = TOps.MultiplyAdd(x3, wf, a34);
                        wf = TOps.Broadcast(wc[5 * patch + t]);
                        a05 = TOps.MultiplyAdd(x0, wf, a05); a15 = TOps.MultiplyAdd(x1, wf, a15); a25 = TOps.MultiplyAdd(x2, wf, a25); a35 = TOps.MultiplyAdd(x3, wf, a35);
                    }
                }
            }
            int positions = s.Positions;
            StoreFilters<TVector, TOps>(target, positions, a00, a01, a02, a03, a04, a05);
            StoreFilters<TVector, TOps>(target + s.OutputWidth, positions, a10, a11, a12, a13, a14, a15);
            StoreFilters<TVector, TOps>(target + 2 * s.OutputWidth, positions, a20, a21, a22, a23, a24, a25);
            StoreFilters<TVector, TOps>(target + 3 * s.OutputWidth, positions, a30, a31, a32, a33, a34, a35);
        }

        /// <summary>One output row's vector for six filters, <paramref name="positions"/> apart.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreFilters<TVector, TOps>(float* target, int positions, TVector f0, TVector f1, TVector f2, TVector f3, TVector f4, TVector f5)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TOps.Store(f0, ref target[0]); TOps.Store(f1, ref target[positions]); TOps.Store(f2, ref target[2 * positions]);
            TOps.Store(f3, ref target[3 * positions]); TOps.Store(f4, ref target[4 * positions]); TOps.Store(f5, ref target[5 * positions]);
        }

        /// <summary>6 filters × 2 rows of one vector: 12 accumulators, per tap 2 row loads and 6 weight broadcasts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SixByTwo<TVector, TOps>(float* origin, float* w, int taps, float* target, int f0, int first, int last) where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TVector a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero, a04 = TOps.Zero, a05 = TOps.Zero;
            if (bias != null)
                (a00, a01, a02, a03, a04, a05) = (TOps.Broadcast(bias[f0]), TOps.Broadcast(bias[f0 + 1]), TOps.Broadcast(bias[f0 + 2]),
                    TOps.Broadcast(bias[f0 + 3]), TOps.Broadcast(bias[f0 + 4]), TOps.Broadcast(bias[f0 + 5]));
            TVector a10 = a00, a11 = a01, a12 = a02, a13 = a03, a14 = a04, a15 = a05;
            int patch = s.Patch, width = s.KernelWidth, dy = s.DilationY * rowStride, dx = s.DilationX;
            long r1 = rowStride;
            for (int c = 0; c < s.Channels; c++)
            {
                float* plane = origin + (long)c * planeStride;
                float* wc = w + c * taps;
                for (int i = first; i < last; i++)
                {
                    float* row = plane + (long)i * dy;
                    for (int j = 0, t = i * width; j < width; j++, t++)
                    {
                        float* p = row + j * dx;
                        TVector x0 = TOps.Load(ref *p), x1 = TOps.Load(ref p[r1]);
                        TVector wf = TOps.Broadcast(wc[t]);
                        a00 = TOps.MultiplyAdd(x0, wf, a00); a10 = TOps.MultiplyAdd(x1, wf, a10);
                        wf = TOps.Broadcast(wc[patch + t]);
                        a01 = TOps.MultiplyAdd(x0, wf, a01); a11 = TOps.MultiplyAdd(x1, wf, a11);
                        wf = TOps.Broadcast(wc[2 * patch + t]);
                        a02 = TOps.MultiplyAdd(x0, wf, a02); a12 = TOps.MultiplyAdd(x1, wf, a12);
                        wf = TOps.Broadcast(wc[3 * patch + t]);
                        a03 = TOps.MultiplyAdd(x0, wf, a03); a13 = TOps.MultiplyAdd(x1, wf, a13);
                        wf = TOps.Broadcast(wc[4 * patch + t]);
                        a04 = TOps.MultiplyAdd(x0, wf, a04); a14 = TOps.MultiplyAdd(x1, wf, a14);
                        wf = TOps.Broadcast(wc[5 * patch + t]);
                        a05 = TOps.MultiplyAdd(x0, wf, a05); a15 = TOps.MultiplyAdd(x1, wf, a15);
                    }
                }
            }
            int positions = s.Positions;
            TOps.Store(a00, ref target[0]); TOps.Store(a01, ref target[positions]); TOps.Store(a02, ref target[2 * positions]);
            TOps.Store(a03, ref target[3 * positions]); TOps.Store(a04, ref target[4 * positions]); TOps.Store(a05, ref target[5 * positions]);
            target += s.OutputWidth;
            TOps.Store(a10, ref target[0]); TOps.Store(a11, ref target[positions]); TOps.Store(a12, ref target[2 * positions]);
            TOps.Store(a13, ref target[3 * positions]); TOps.Store(a14, ref target[4 * positions]); TOps.Store(a15, ref target[5 * positions]);
        }
    }

    private readonly struct DirectForwardJob<TActivation>(float* x, float* weights, float* bias, float* y, Conv2DShape shape, SimdWidth width, float negativeSlope) : IGemmJob
        where TActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd) => DirectForward<TActivation>(x, weights, bias, y, shape, start, end, width, negativeSlope);
    }

    /// <summary>
    /// dX (+)= dY ⊛ W′ for stride 1 through the direct kernel, then ⊙ f′(x) for the input's activation;
    /// <paramref name="transposed"/> is the transposed convolution's shape (dY its input, dX its output).
    /// </summary>
    private readonly struct DirectInputGradientJob<TInputActivation>(float* dy, float* flipped, float* dx, float* input, Conv2DShape transposed, SimdWidth width,
        bool accumulate, float negativeSlope) : IGemmJob
        where TInputActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            Conv2DShape s = transposed;
            // Tiles overlap at the edges and write their sums twice, so adding onto dX goes through a staged sample.
            float* staged = accumulate ? Scratch<float>.Staged(s.OutputSize) : null;
            for (int n = start; n < end; n++)
            {
                float* target = dx + (long)n * s.OutputSize;
                DirectSample(dy + (long)n * s.InputSize, flipped, null, accumulate ? staged : target, s, width);
                var dInput = new Span<float>(target, s.OutputSize);
                if (accumulate)
                    TensorPrimitives.Add(dInput, new ReadOnlySpan<float>(staged, s.OutputSize), dInput);
                if (input != null)
                    Activation<TInputActivation>.Backward(new ReadOnlySpan<float>(input + (long)n * s.OutputSize, s.OutputSize), dInput, dInput, negativeSlope);
            }
        }
    }

    /// <summary>
    /// The weight gradient's register tiles: accumulators for 4 filters × 3 horizontal taps, or 6 filters × 2 taps, each
    /// a vector of partial sums over output positions; per step one input row vector per tap and one output-gradient
    /// vector per filter. The last tile of each kind starts early enough to end at the edge and adds only what the
    /// tile before it left. With 32 vector registers, a 5-wide kernel's row fits one tile of 4 filters × 5 taps
    /// (20 accumulators, 5 image and 1 gradient register): no tap computed twice, 9 loads per 20 multiply-adds — or of
    /// 3 filters × 5 taps where filters come in threes (LeNet's first layer: 6).
    /// </summary>
    private readonly record struct GradientTile(int Filters, int Taps)
    {
        public static readonly GradientTile Tall = new(4, 3), Wide = new(6, 2), Broad = new(4, 5), Narrow = new(3, 5);

        /// <summary>The tile that computes fewer unused sums, or none when the kernel is narrower than every tile's taps.</summary>
        public static GradientTile? For(in Conv2DShape s)
        {
            if (s.KernelWidth < Wide.Taps)
                return null;
            long tall = s.KernelWidth >= Tall.Taps ? Covered(s.Filters, Tall.Filters) * (long)Covered(s.KernelWidth, Tall.Taps) : long.MaxValue;
            long wide = s.Filters >= Wide.Filters ? Covered(s.Filters, Wide.Filters) * (long)Covered(s.KernelWidth, Wide.Taps) : long.MaxValue;
            bool rows = s.KernelWidth == Broad.Taps && Vectorized.HasThirtyTwoRegisters;
            long broad = rows ? Covered(s.Filters, Broad.Filters) * (long)Broad.Taps : long.MaxValue;
            long narrow = rows ? Covered(s.Filters, Narrow.Filters) * (long)Narrow.Taps : long.MaxValue;
            if (narrow < broad && narrow < wide && narrow < tall)
                return Narrow;
            if (broad < wide && broad < tall)
                return Broad;
            return wide < tall ? Wide : tall < long.MaxValue ? Tall : null;
        }
    }

    /// <summary>
    /// dW (and db) for samples [start, end) by the direct kernel, summed into <paramref name="dw"/> (overwritten):
    /// dW[f, c, i, j] = Σ_n Σ_(oy, ox) dY[n, f, oy, ox] · x[n, c, oy + i·d, ox + j·d]. Each sample's input is copied
    /// padded and its output gradient with rows rounded up to whole vectors (zeros past the edge), so every step loads
    /// whole vectors; the sums stay as vectors (<c>lanes</c> per weight, in this thread's buffer) until the last sample.
    /// </summary>
    private static void DirectWeightGradient(float* x, float* dy, float* dw, float* db, in Conv2DShape s, int start, int end, SimdWidth width, GradientTile tile)
    {
        switch (width)
        {
            case SimdWidth.Bits512:
                DirectWeightGradient<Vector512<float>, Vector512Ops<float>>(x, dy, dw, db, s, start, end, tile);
                break;
            case SimdWidth.Bits256:
                DirectWeightGradient<Vector256<float>, Vector256Ops<float>>(x, dy, dw, db, s, start, end, tile);
                break;
            default:
                DirectWeightGradient<Vector128<float>, Vector128Ops<float>>(x, dy, dw, db, s, start, end, tile);
                break;
        }
    }

    private static void DirectWeightGradient<TVector, TOps>(float* x, float* dy, float* dw, float* db, in Conv2DShape s, int start, int end, GradientTile tile)
        where TVector : struct where TOps : IVectorOps<float, TVector>
    {
        int lanes = TOps.Count, weights = s.Filters * s.Patch;
        int rowWidth = Covered(s.OutputWidth, lanes);
        int paddedHeight = s.OutputHeight + (s.KernelHeight - 1) * s.DilationY, paddedWidth = rowWidth + (s.KernelWidth - 1) * s.DilationX;
        int imageSize = s.Channels * paddedHeight * paddedWidth, gradientSize = s.Filters * s.OutputHeight * rowWidth;
        // Samples in blocks that stay in L1 (about 24 KB staged), so each tile sums over several before adding to the sums
        // — or, for small maps, in blocks of at least 64 vector steps per tile (up to about 96 KB, from L2): a tile call
        // of 8×8 outputs per sample would otherwise spend as long entering, flushing and leaving as multiplying.
        int perSample = imageSize + gradientSize, steps = s.OutputHeight * (rowWidth / lanes);
        int block = Math.Clamp(Math.Max(6144 / perSample, (64 + steps - 1) / steps), 1, Math.Max(1, Math.Min(end - start, 24576 / perSample)));
        float* sums = Scratch<float>.Lanes(weights * lanes);
        float* images = Scratch<float>.Padded(block * imageSize);
        float* gradients = Scratch<float>.Staged(block * gradientSize);
        new Span<float>(sums, weights * lanes).Clear();
        if (db != null)
            new Span<float>(db, s.Filters).Clear();
        var geometry = new GradientGeometry(sums, s, rowWidth, paddedHeight, paddedWidth);
        for (int first = start; first < end; first += block)
        {
            int count = Math.Min(block, end - first);
            for (int b = 0; b < count; b++)
            {
                int n = first + b;
                Pad(x + (long)n * s.InputSize, s, paddedHeight, paddedWidth, images + (long)b * imageSize);
                float* outputs = dy + (long)n * s.OutputSize;
                for (int f = 0; f < s.Filters; f++)
                    for (int oy = 0; oy < s.OutputHeight; oy++)
                    {
                        var row = new Span<float>(gradients + (long)b * gradientSize + ((long)f * s.OutputHeight + oy) * rowWidth, rowWidth);
                        new ReadOnlySpan<float>(outputs + (long)f * s.Positions + oy * s.OutputWidth, s.OutputWidth).CopyTo(row);
                        row[s.OutputWidth..].Clear();
                    }
                AddBiasGradient(dy, db, n, n + 1, s);
            }
            geometry.Block<TVector, TOps>(images, imageSize, gradients, gradientSize, count, tile);
        }
        for (int e = 0; e < weights; e++)
            dw[e] = TOps.Sum(TOps.Load(ref sums[(long)e * lanes]));
    }

    /// <summary>
    /// A block of samples' contribution to the vector sums of dW: padded images <c>imageSize</c> apart and their output
    /// gradients in whole-vector rows, <c>gradientSize</c> apart.
    /// </summary>
    private readonly struct GradientGeometry(float* sums, Conv2DShape s, int rowWidth, int paddedHeight, int paddedWidth)
    {
        public void Block<TVector, TOps>(float* image, int imageSize, float* gradient, int gradientSize, int samples, GradientTile tile)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            int taps = s.KernelHeight * s.KernelWidth, planeStride = paddedHeight * paddedWidth;
            for (int f = 0; f < s.Filters; f += tile.Filters)
            {
                int f0 = Math.Min(f, s.Filters - tile.Filters), filtersDone = f - f0;
                for (int c = 0; c < s.Channels; c++)
                    for (int i = 0; i < s.KernelHeight; i++)
                        for (int j = 0; j < s.KernelWidth; j += tile.Taps)
                        {
                            int j0 = Math.Min(j, s.KernelWidth - tile.Taps), tapsDone = j - j0;
                            float* origin = image + (long)c * planeStride + (long)i * s.DilationY * paddedWidth + j0 * s.DilationX;
                            float* target = sums + ((long)(f0 * s.Channels + c) * taps + i * s.KernelWidth + j0) * TOps.Count;
                            float* outputs = gradient + (long)f0 * s.OutputHeight * rowWidth;
                            if (tile == GradientTile.Broad)
                                FiveTaps<TVector, TOps, Rows4>(origin, imageSize, outputs, gradientSize, samples, target, filtersDone);
                            else if (tile == GradientTile.Narrow)
                                FiveTaps<TVector, TOps, Rows3>(origin, imageSize, outputs, gradientSize, samples, target, filtersDone);
                            else if (tile == GradientTile.Wide)
                                SixByTwo<TVector, TOps>(origin, imageSize, outputs, gradientSize, samples, target, filtersDone, tapsDone);
                            else
                                FourByThree<TVector, TOps>(origin, imageSize, outputs, gradientSize, samples, target, filtersDone, tapsDone);
                        }
            }
        }

        /// <summary>
        /// 3 or 4 filters (<typeparamref name="TFilters"/>) × the 5 taps of a kernel row: 15 or 20 accumulators, per step
        /// 5 image loads and one gradient load per filter.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FiveTaps<TVector, TOps, TFilters>(float* origin, int imageSize, float* dy, int gradientSize, int samples, float* target, int filtersDone)
            where TVector : struct where TOps : IVectorOps<float, TVector> where TFilters : struct, IRowCount
        {
            TVector a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero, a04 = TOps.Zero;
            TVector a10 = TOps.Zero, a11 = TOps.Zero, a12 = TOps.Zero, a13 = TOps.Zero, a14 = TOps.Zero;
            TVector a20 = TOps.Zero, a21 = TOps.Zero, a22 = TOps.Zero, a23 = TOps.Zero, a24 = TOps.Zero;
            TVector a30 = TOps.Zero, a31 = TOps.Zero, a32 = TOps.Zero, a33 = TOps.Zero, a34 = TOps.Zero;
            int lanes = TOps.Count, dx = s.DilationX, plane = s.OutputHeight * rowWidth;
            for (int n = 0; n < samples; n++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                {
                    float* row = origin + (long)n * imageSize + (long)oy * paddedWidth;
                    float* g = dy + (long)n * gradientSize + (long)oy * rowWidth;
                    for (int ox = 0; ox < rowWidth; ox += lanes)
                    {
                        TVector x0 = TOps.Load(ref row[ox]), x1 = TOps.Load(ref row[ox + dx]), x2 = TOps.Load(ref row[ox + 2 * dx]);
                        TVector x3 = TOps.Load(ref row[ox + 3 * dx]), x4 = TOps.Load(ref row[ox + 4 * dx]);
                        TVector d = TOps.Load(ref g[ox]);
                        a00 = TOps.MultiplyAdd(d, x0, a00); a01 = TOps.MultiplyAdd(d, x1, a01); a02 = TOps.MultiplyAdd(d, x2, a02); a03 = TOps.MultiplyAdd(d, x3, a03); a04 = TOps.MultiplyAdd(d, x4, a04);
                        d = TOps.Load(ref g[plane + ox]);
                        a10 = TOps.MultiplyAdd(d, x0, a10); a11 = TOps.MultiplyAdd(d, x1, a11); a12 = TOps.MultiplyAdd(d, x2, a12); a13 = TOps.MultiplyAdd(d, x3, a13); a14 = TOps.MultiplyAdd(d, x4, a14);
                        d = TOps.Load(ref g[2 * plane + ox]);
                        a20 = TOps.MultiplyAdd(d, x0, a20); a21 = TOps.MultiplyAdd(d, x1, a21); a22 = TOps.MultiplyAdd(d, x2, a22); a23 = TOps.MultiplyAdd(d, x3, a23); a24 = TOps.MultiplyAdd(d, x4, a24);
                        if (TFilters.Count > 3)
                        {
                            d = TOps.Load(ref g[3 * plane + ox]);
                            a30 = TOps.MultiplyAdd(d, x0, a30); a31 = TOps.MultiplyAdd(d, x1, a31); a32 = TOps.MultiplyAdd(d, x2, a32); a33 = TOps.MultiplyAdd(d, x3, a33); a34 = TOps.MultiplyAdd(d, x4, a34);
                        }
                    }
                }
            long filter = (long)s.Patch * lanes;
            FlushRow<TVector, TOps>(target, filter, lanes, filtersDone, 0, a00, a01, a02, a03, a04);
            FlushRow<TVector, TOps>(target, filter, lanes, filtersDone, 1, a10, a11, a12, a13, a14);
            FlushRow<TVector, TOps>(target, filter, lanes, filtersDone, 2, a20, a21, a22, a23, a24);
            if (TFilters.Count > 3)
                FlushRow<TVector, TOps>(target, filter, lanes, filtersDone, 3, a30, a31, a32, a33, a34);
        }

        /// <summary>Filter <paramref name="f"/>'s five tap sums added to its lane sums (unless an earlier tile did).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FlushRow<TVector, TOps>(float* target, long filter, int lanes, int filtersDone, int f, TVector t0, TVector t1, TVector t2, TVector t3, TVector t4)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, 0, f, t0, t1, t2);
            Flush<TVector, TOps>(target + 3 * lanes, filter, lanes, filtersDone, 0, f, t3, t4, t4, taps: 2);
        }

        /// <summary>4 filters × 3 taps: 12 accumulators, per step 3 image loads (one register) and 4 gradient loads.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void FourByThree<TVector, TOps>(float* origin, int imageSize, float* dy, int gradientSize, int samples, float* target, int filtersDone, int tapsDone)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TVector a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero, a12 = TOps.Zero;
            TVector a20 = TOps.Zero, a21 = TOps.Zero, a22 = TOps.Zero, a30 = TOps.Zero, a31 = TOps.Zero, a32 = TOps.Zero;
            int lanes = TOps.Count, dx = s.DilationX, plane = s.OutputHeight * rowWidth;
            for (int n = 0; n < samples; n++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                {
                    float* row = origin + (long)n * imageSize + (long)oy * paddedWidth;
                    float* g = dy + (long)n * gradientSize + (long)oy * rowWidth;
                    for (int ox = 0; ox < rowWidth; ox += lanes)
                    {
                        TVector x0 = TOps.Load(ref row[ox]), x1 = TOps.Load(ref row[ox + dx]), x2 = TOps.Load(ref row[ox + 2 * dx]);
                        TVector d = TOps.Load(ref g[ox]);
                        a00 = TOps.MultiplyAdd(d, x0, a00); a01 = TOps.MultiplyAdd(d, x1, a01); a02 = TOps.MultiplyAdd(d, x2, a02);
                        d = TOps.Load(ref g[plane + ox]);
                        a10 = TOps.MultiplyAdd(d, x0, a10); a11 = TOps.MultiplyAdd(d, x1, a11); a12 = TOps.MultiplyAdd(d, x2, a12);
                        d = TOps.Load(ref g[2 * plane + ox]);
                        a20 = TOps.MultiplyAdd(d, x0, a20); a21 = TOps.MultiplyAdd(d, x1, a21); a22 = TOps.MultiplyAdd(d, x2, a22);
                        d = TOps.Load(ref g[3 * plane + ox]);
                        a30 = TOps.MultiplyAdd(d, x0, a30); a31 = TOps.MultiplyAdd(d, x1, a31); a32 = TOps.MultiplyAdd(d, x2, a32);
                    }
                }
            long filter = (long)s.Patch * lanes;
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 0, a00, a01, a02);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 1, a10, a11, a12);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 2, a20, a21, a22);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 3, a30, a31, a32);
        }

        /// <summary>6 filters × 2 taps: 12 accumulators, per step 2 image loads and 6 gradient loads.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SixByTwo<TVector, TOps>(float* origin, int imageSize, float* dy, int gradientSize, int samples, float* target, int filtersDone, int tapsDone)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            TVector a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero, a20 = TOps.Zero, a21 = TOps.Zero;
            TVector a30 = TOps.Zero, a31 = TOps.Zero, a40 = TOps.Zero, a41 = TOps.Zero, a50 = TOps.Zero, a51 = TOps.Zero;
            int lanes = TOps.Count, dx = s.DilationX, plane = s.OutputHeight * rowWidth;
            for (int n = 0; n < samples; n++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                {
                    float* row = origin + (long)n * imageSize + (long)oy * paddedWidth;
                    float* g = dy + (long)n * gradientSize + (long)oy * rowWidth;
                    for (int ox = 0; ox < rowWidth; ox += lanes)
                    {
                        TVector x0 = TOps.Load(ref row[ox]), x1 = TOps.Load(ref row[ox + dx]);
                        TVector d = TOps.Load(ref g[ox]);
                        a00 = TOps.MultiplyAdd(d, x0, a00); a01 = TOps.MultiplyAdd(d, x1, a01);
                        d = TOps.Load(ref g[plane + ox]);
                        a10 = TOps.MultiplyAdd(d, x0, a10); a11 = TOps.MultiplyAdd(d, x1, a11);
                        d = TOps.Load(ref g[2 * plane + ox]);
                        a20 = TOps.MultiplyAdd(d, x0, a20); a21 = TOps.MultiplyAdd(d, x1, a21);
                        d = TOps.Load(ref g[3 * plane + ox]);
                        a30 = TOps.MultiplyAdd(d, x0, a30); a31 = TOps.MultiplyAdd(d, x1, a31);
                        d = TOps.Load(ref g[4 * plane + ox]);
                        a40 = TOps.MultiplyAdd(d, x0, a40); a41 = TOps.MultiplyAdd(d, x1, a41);
                        d = TOps.Load(ref g[5 * plane + ox]);
                        a50 = TOps.MultiplyAdd(d, x0, a50); a51 = TOps.MultiplyAdd(d, x1, a51);
                    }
                }
            long filter = (long)s.Patch * lanes;
            TVector unused = TOps.Zero;
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 0, a00, a01, unused, taps: 2);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 1, a10, a11, unused, taps: 2);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 2, a20, a21, unused, taps: 2);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 3, a30, a31, unused, taps: 2);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 4, a40, a41, unused, taps: 2);
            Flush<TVector, TOps>(target, filter, lanes, filtersDone, tapsDone, 5, a50, a51, unused, taps: 2);
        }

        /// <summary>Adds one filter's tap sums to the vector sums, skipping the filters and taps an earlier tile already added.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Flush<TVector, TOps>(float* target, long filter, int lanes, int filtersDone, int tapsDone, int f, TVector t0, TVector t1, TVector t2, int taps = 3)
            where TVector : struct where TOps : IVectorOps<float, TVector>
        {
            if (f < filtersDone)
                return;
            float* at = target + f * filter;
            if (tapsDone <= 0)
                TOps.Store(TOps.Add(TOps.Load(ref at[0]), t0), ref at[0]);
            if (tapsDone <= 1)
                TOps.Store(TOps.Add(TOps.Load(ref at[lanes]), t1), ref at[lanes]);
            if (taps == 3)
                TOps.Store(TOps.Add(TOps.Load(ref at[2 * lanes]), t2), ref at[2 * lanes]);
        }
    }

    /// <summary>The first part of a split batch (or the whole batch) sums into the gradients, part i > 0 into partial buffer i − 1.</summary>
    private readonly struct DirectWeightGradientJob(float* x, float* dy, float* weightGradient, float* biasGradient, float* partial, Conv2DShape shape,
        SimdWidth width, GradientTile tile) : IGemmJob
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int weights = shape.Filters * shape.Patch;
            float* dw = columnStart == 0 ? weightGradient : partial + (long)(columnStart - 1) * (weights + shape.Filters);
            float* db = biasGradient == null ? null : columnStart == 0 ? biasGradient : dw + weights;
            DirectWeightGradient(x, dy, dw, db, shape, start, end, width, tile);
        }
    }
}
