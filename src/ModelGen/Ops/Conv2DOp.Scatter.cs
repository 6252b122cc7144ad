using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// dX of a few-filter convolution at stride 1 as a scatter: each dX row Y (in padded coordinates) is, for each kernel
/// column j, a shift by j of u_j = Σ_f Σ_i W[f, c, i, j] · dY[f, Y − i]. The dY rows are loaded once per (f, i) and
/// serve a register tile of channels × kernel columns; the shifted adds land in a zero-padded staging copy of the
/// sample's dX. Every multiply-add is one the gradient needs: the transposed convolution (<see cref="DirectGeometry"/>
/// over dY padded by k − 1) spends most of its lanes on the padding's zeros for small maps — LeNet's second layer
/// (8×8 → 12×12) computed 3 of every 9 — and this form has no such waste.
/// </summary>
public static unsafe partial class Conv2DOp
{
    /// <summary>Kernel columns the scatter tile holds at most (one accumulator per column per channel).</summary>
    private const int ScatterTaps = 5;

    /// <summary>Channels the scatter tile holds at most.</summary>
    private const int ScatterChannels = 6;

    /// <summary>
    /// Accumulators a tile may use: 28 with 32 vector registers (AVX-512's EVEX encoding at every width, ARM64), 12 with
    /// x64's 16 — leaving room for the dY vector and the broadcast weight.
    /// </summary>
    private static int ScatterBudget => Vectorized.HasThirtyTwoRegisters ? 28 : 12;

    /// <summary>
    /// The width at which the scatter runs dX of <paramref name="s"/>, or <see cref="SimdWidth.Scalar"/> when it does
    /// not: float, stride 1, few filters (wide layers take the packed GEMM), kernels at most <see cref="ScatterTaps"/>
    /// wide, and dY rows of whole vectors (a vector's adds cannot overlap the one before, as the direct kernel's
    /// stores do). Among such widths, the one that costs the fewest FMA issue slots per row (<see cref="CheapestWidth"/>).
    /// </summary>
    private static SimdWidth ScatterWidth<T>(in Conv2DShape s)
    {
        SimdWidth current = Vectorized.Current;
        if (typeof(T) != typeof(float) || current == SimdWidth.Scalar || s.StrideY != 1 || s.StrideX != 1
            || s.Filters >= FiltersToPackWhileUnfolding || s.KernelWidth > ScatterTaps)
            return SimdWidth.Scalar;
        return CheapestWidth(current, s.OutputWidth, wholeVectors: true);
    }

    /// <summary>
    /// W regrouped [f][i][c][j] into this thread's buffer, so a scatter step's broadcasts (its tile's channels × kernel
    /// columns for one filter and kernel row) are contiguous.
    /// </summary>
    private static float* Regroup(float* weights, in Conv2DShape s)
    {
        int kh = s.KernelHeight, kw = s.KernelWidth, channels = s.Channels;
        float* regrouped = Scratch<float>.Regrouped(s.Filters * s.Patch);
        for (int f = 0; f < s.Filters; f++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < kh; i++)
                    for (int j = 0; j < kw; j++)
                        regrouped[((f * kh + i) * channels + c) * kw + j] = weights[((f * channels + c) * kh + i) * kw + j];
        return regrouped;
    }

    /// <summary>dX (+)= the scatter of dY for samples [start, end), then ⊙ f′(x) for the input's activation.</summary>
    private readonly struct ScatterInputGradientJob<TInputActivation>(float* dy, float* regrouped, float* dx, float* input, Conv2DShape shape, SimdWidth width,
        bool accumulate, float negativeSlope) : IGemmJob
        where TInputActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            Conv2DShape s = shape;
            int channels = s.Channels;
            var padded = new PaddedGeometry(s);
            float* staged = Scratch<float>.Staged((int)padded.SampleSize);
            for (int n = start; n < end; n++)
            {
                new Span<float>(staged, (int)padded.SampleSize).Clear();
                float* outputs = dy + (long)n * s.OutputSize;
                switch (width)
                {
                    case SimdWidth.Bits512:
                        ScatterSample<Vector512<float>, Vector512Ops<float>>(outputs, regrouped, staged, s, padded);
                        break;
                    case SimdWidth.Bits256:
                        ScatterSample<Vector256<float>, Vector256Ops<float>>(outputs, regrouped, staged, s, padded);
                        break;
                    default:
                        ScatterSample<Vector128<float>, Vector128Ops<float>>(outputs, regrouped, staged, s, padded);
                        break;
                }
                float* target = dx + (long)n * s.InputSize;
                for (int c = 0; c < channels; c++)
                    for (int y = 0; y < s.Height; y++)
                    {
                        var row = new Span<float>(target + ((long)c * s.Height + y) * s.Width, s.Width);
                        var source = new ReadOnlySpan<float>(staged + ((long)c * padded.Height + y + s.PadTop) * padded.Width + s.PadLeft, s.Width);
                        if (accumulate)
                            System.Numerics.Tensors.TensorPrimitives.Add(row, source, row);
                        else
                            source.CopyTo(row);
                    }
                if (input != null)
                {
                    var dInput = new Span<float>(target, s.InputSize);
                    Activation<TInputActivation>.Backward(new ReadOnlySpan<float>(input + (long)n * s.InputSize, s.InputSize), dInput, dInput, negativeSlope);
                }
            }
        }
    }

    /// <summary>One sample's scatter into <paramref name="staged"/>, its dX zero-padded to <paramref name="padded"/>: channel tiles of balanced sizes.</summary>
    private static void ScatterSample<TVector, TOps>(float* dy, float* regrouped, float* staged, in Conv2DShape s, in PaddedGeometry padded)
        where TVector : struct where TOps : IVectorOps<float, TVector>
    {
        int perTile = Math.Min(ScatterChannels, Math.Max(1, ScatterBudget / s.KernelWidth));
        int tiles = (s.Channels + perTile - 1) / perTile;
        for (int tile = 0, c0 = 0; tile < tiles; tile++)
        {
            int count = (s.Channels - c0) / (tiles - tile);
            ScatterTile<TVector, TOps>(dy, regrouped, staged, s, padded, c0, count);
            c0 += count;
        }
    }

    private static void ScatterTile<TVector, TOps>(float* dy, float* regrouped, float* staged, in Conv2DShape s, in PaddedGeometry padded, int c0, int channels)
        where TVector : struct where TOps : IVectorOps<float, TVector>
    {
        switch (channels)
        {
            case 1: ScatterByWidth<TVector, TOps, Rows1>(dy, regrouped, staged, s, padded, c0); break;
            case 2: ScatterByWidth<TVector, TOps, Rows2>(dy, regrouped, staged, s, padded, c0); break;
            case 3: ScatterByWidth<TVector, TOps, Rows3>(dy, regrouped, staged, s, padded, c0); break;
            case 4: ScatterByWidth<TVector, TOps, Rows4>(dy, regrouped, staged, s, padded, c0); break;
            case 5: ScatterByWidth<TVector, TOps, Rows5>(dy, regrouped, staged, s, padded, c0); break;
            default: ScatterByWidth<TVector, TOps, Rows6>(dy, regrouped, staged, s, padded, c0); break;
        }
    }

    private static void ScatterByWidth<TVector, TOps, TChannels>(float* dy, float* regrouped, float* staged, in Conv2DShape s, in PaddedGeometry padded, int c0)
        where TVector : struct where TOps : IVectorOps<float, TVector> where TChannels : struct, IRowCount
    {
        switch (s.KernelWidth)
        {
            case 1: ScatterRows<TVector, TOps, TChannels, Rows1>(dy, regrouped, staged, s, padded, c0); break;
            case 2: ScatterRows<TVector, TOps, TChannels, Rows2>(dy, regrouped, staged, s, padded, c0); break;
            case 3: ScatterRows<TVector, TOps, TChannels, Rows3>(dy, regrouped, staged, s, padded, c0); break;
            case 4: ScatterRows<TVector, TOps, TChannels, Rows4>(dy, regrouped, staged, s, padded, c0); break;
            default: ScatterRows<TVector, TOps, TChannels, Rows5>(dy, regrouped, staged, s, padded, c0); break;
        }
    }

    /// <summary>Every padded dX row Y and every vector of dY's columns, for channels [c0, c0 + TChannels).</summary>
    private static void ScatterRows<TVector, TOps, TChannels, TTaps>(float* dy, float* regrouped, float* staged, in Conv2DShape s, in PaddedGeometry padded, int c0)
        where TVector : struct where TOps : IVectorOps<float, TVector> where TChannels : struct, IRowCount where TTaps : struct, IRowCount
    {
        int d = s.DilationY, kh = s.KernelHeight;
        for (int y = 0; y < padded.Height; y++)
        {
            // Kernel rows i with dY row y − i·d inside dY.
            int first = y - (s.OutputHeight - 1) <= 0 ? 0 : (y - (s.OutputHeight - 1) + d - 1) / d;
            int last = Math.Min(kh - 1, y / d);
            if (first > last)
                continue;
            float* target = staged + ((long)c0 * padded.Height + y) * padded.Width;
            for (int ox = 0; ox < s.OutputWidth; ox += TOps.Count)
                ScatterKernel<TVector, TOps, TChannels, TTaps>(dy + (long)(y - first * d) * s.OutputWidth + ox, regrouped, target + ox, s, padded, c0, first, last);
        }
    }

    /// <summary>
    /// u[c][j] = Σ over kernel rows [first, last] and filters of W[f, c0 + c, i, j] · dY[f, y − i·d, ox…], then each
    /// added at column j·d of its channel's staged row: TChannels × TTaps accumulators, per step one dY load and one
    /// broadcast per accumulator. <paramref name="dy"/> points at kernel row <paramref name="first"/>'s dY row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScatterKernel<TVector, TOps, TChannels, TTaps>(float* dy, float* regrouped, float* target, in Conv2DShape s, in PaddedGeometry padded,
        int c0, int first, int last)
        where TVector : struct where TOps : IVectorOps<float, TVector> where TChannels : struct, IRowCount where TTaps : struct, IRowCount
    {
        TVector a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero, a04 = TOps.Zero;
        TVector a10 = TOps.Zero, a11 = TOps.Zero, a12 = TOps.Zero, a13 = TOps.Zero, a14 = TOps.Zero;
        TVector a20 = TOps.Zero, a21 = TOps.Zero, a22 = TOps.Zero, a23 = TOps.Zero, a24 = TOps.Zero;
        TVector a30 = TOps.Zero, a31 = TOps.Zero, a32 = TOps.Zero, a33 = TOps.Zero, a34 = TOps.Zero;
        TVector a40 = TOps.Zero, a41 = TOps.Zero, a42 = TOps.Zero, a43 = TOps.Zero, a44 = TOps.Zero;
        TVector a50 = TOps.Zero, a51 = TOps.Zero, a52 = TOps.Zero, a53 = TOps.Zero, a54 = TOps.Zero;
        int kw = s.KernelWidth, kh = s.KernelHeight, channels = s.Channels, filters = s.Filters;
        long filterStride = (long)s.OutputHeight * s.OutputWidth, rowStep = (long)s.DilationY * s.OutputWidth;
        int weightStride = kh * channels * kw;
        for (int i = first; i <= last; i++, dy -= rowStep)
        {
            float* row = dy;
            float* w = regrouped + ((long)i * channels + c0) * kw;
            for (int f = 0; f < filters; f++, row += filterStride, w += weightStride)
            {
                TVector d = TOps.Load(ref *row);
                a00 = TOps.MultiplyAdd(d, TOps.Broadcast(w[0 * TTaps.Count + 0]), a00);
                if (TTaps.Count > 1) a01 = TOps.MultiplyAdd(d, TOps.Broadcast(w[0 * TTaps.Count + 1]), a01);
                if (TTaps.Count > 2) a02 = TOps.MultiplyAdd(d, TOps.Broadcast(w[0 * TTaps.Count + 2]), a02);
                if (TTaps.Count > 3) a03 = TOps.MultiplyAdd(d, TOps.Broadcast(w[0 * TTaps.Count + 3]), a03);
                if (TTaps.Count > 4) a04 = TOps.MultiplyAdd(d, TOps.Broadcast(w[0 * TTaps.Count + 4]), a04);
                if (TChannels.Count > 1) a10 = TOps.MultiplyAdd(d, TOps.Broadcast(w[1 * TTaps.Count + 0]), a10);
                if (TChannels.Count > 1 && TTaps.Count > 1) a11 = TOps.MultiplyAdd(d, TOps.Broadcast(w[1 * TTaps.Count + 1]), a11);
                if (TChannels.Count > 1 && TTaps.Count > 2) a12 = TOps.MultiplyAdd(d, TOps.Broadcast(w[1 * TTaps.Count + 2]), a12);
                if (TChannels.Count > 1 && TTaps.Count > 3) a13 = TOps.MultiplyAdd(d, TOps.Broadcast(w[1 * TTaps.Count + 3]), a13);
                if (TChannels.Count > 1 && TTaps.Count > 4) a14 = TOps.MultiplyAdd(d, TOps.Broadcast(w[1 * TTaps.Count + 4]), a14);
                if (TChannels.Count > 2) a20 = TOps.MultiplyAdd(d, TOps.Broadcast(w[2 * TTaps.Count + 0]), a20);
                if (TChannels.Count > 2 && TTaps.Count > 1) a21 = TOps.MultiplyAdd(d, TOps.Broadcast(w[2 * TTaps.Count + 1]), a21);
                if (TChannels.Count > 2 && TTaps.Count > 2) a22 = TOps.MultiplyAdd(d, TOps.Broadcast(w[2 * TTaps.Count + 2]), a22);
                if (TChannels.Count > 2 && TTaps.Count > 3) a23 = TOps.MultiplyAdd(d, TOps.Broadcast(w[2 * TTaps.Count + 3]), a23);
                if (TChannels.Count > 2 && TTaps.Count > 4) a24 = TOps.MultiplyAdd(d, TOps.Broadcast(w[2 * TTaps.Count + 4]), a24);
                if (TChannels.Count > 3) a30 = TOps.MultiplyAdd(d, TOps.Broadcast(w[3 * TTaps.Count + 0]), a30);
                if (TChannels.Count > 3 && TTaps.Count > 1) a31 = TOps.MultiplyAdd(d, TOps.Broadcast(w[3 * TTaps.Count + 1]), a31);
                if (TChannels.Count > 3 && TTaps.Count > 2) a32 = TOps.MultiplyAdd(d, TOps.Broadcast(w[3 * TTaps.Count + 2]), a32);
                if (TChannels.Count > 3 && TTaps.Count > 3) a33 = TOps.MultiplyAdd(d, TOps.Broadcast(w[3 * TTaps.Count + 3]), a33);
                if (TChannels.Count > 3 && TTaps.Count > 4) a34 = TOps.MultiplyAdd(d, TOps.Broadcast(w[3 * TTaps.Count + 4]), a34);
                if (TChannels.Count > 4) a40 = TOps.MultiplyAdd(d, TOps.Broadcast(w[4 * TTaps.Count + 0]), a40);
                if (TChannels.Count > 4 && TTaps.Count > 1) a41 = TOps.MultiplyAdd(d, TOps.Broadcast(w[4 * TTaps.Count + 1]), a41);
                if (TChannels.Count > 4 && TTaps.Count > 2) a42 = TOps.MultiplyAdd(d, TOps.Broadcast(w[4 * TTaps.Count + 2]), a42);
                if (TChannels.Count > 4 && TTaps.Count > 3) a43 = TOps.MultiplyAdd(d, TOps.Broadcast(w[4 * TTaps.Count + 3]), a43);
                if (TChannels.Count > 4 && TTaps.Count > 4) a44 = TOps.MultiplyAdd(d, TOps.Broadcast(w[4 * TTaps.Count + 4]), a44);
                if (TChannels.Count > 5) a50 = TOps.MultiplyAdd(d, TOps.Broadcast(w[5 * TTaps.Count + 0]), a50);
                if (TChannels.Count > 5 && TTaps.Count > 1) a51 = TOps.MultiplyAdd(d, TOps.Broadcast(w[5 * TTaps.Count + 1]), a51);
                if (TChannels.Count > 5 && TTaps.Count > 2) a52 = TOps.MultiplyAdd(d, TOps.Broadcast(w[5 * TTaps.Count + 2]), a52);
                if (TChannels.Count > 5 && TTaps.Count > 3) a53 = TOps.MultiplyAdd(d, TOps.Broadcast(w[5 * TTaps.Count + 3]), a53);
                if (TChannels.Count > 5 && TTaps.Count > 4) a54 = TOps.MultiplyAdd(d, TOps.Broadcast(w[5 * TTaps.Count + 4]), a54);
            }
        }
        // Column by column across the channels: consecutive adds touch different planes, so a load never waits on the
        // store just before it to an overlapping, shifted range (store-to-load forwarding fails on those).
        long plane = (long)padded.Height * padded.Width;
        int dx = s.DilationX;
        AddInto<TVector, TOps>(target + 0 * plane + 0 * dx, a00);
        if (TChannels.Count > 1) AddInto<TVector, TOps>(target + 1 * plane + 0 * dx, a10);
        if (TChannels.Count > 2) AddInto<TVector, TOps>(target + 2 * plane + 0 * dx, a20);
        if (TChannels.Count > 3) AddInto<TVector, TOps>(target + 3 * plane + 0 * dx, a30);
        if (TChannels.Count > 4) AddInto<TVector, TOps>(target + 4 * plane + 0 * dx, a40);
        if (TChannels.Count > 5) AddInto<TVector, TOps>(target + 5 * plane + 0 * dx, a50);
        if (TTaps.Count > 1) AddInto<TVector, TOps>(target + 0 * plane + 1 * dx, a01);
        if (TChannels.Count > 1 && TTaps.Count > 1) AddInto<TVector, TOps>(target + 1 * plane + 1 * dx, a11);
        if (TChannels.Count > 2 && TTaps.Count > 1) AddInto<TVector, TOps>(target + 2 * plane + 1 * dx, a21);
        if (TChannels.Count > 3 && TTaps.Count > 1) AddInto<TVector, TOps>(target + 3 * plane + 1 * dx, a31);
        if (TChannels.Count > 4 && TTaps.Count > 1) AddInto<TVector, TOps>(target + 4 * plane + 1 * dx, a41);
        if (TChannels.Count > 5 && TTaps.Count > 1) AddInto<TVector, TOps>(target + 5 * plane + 1 * dx, a51);
        if (TTaps.Count > 2) AddInto<TVector, TOps>(target + 0 * plane + 2 * dx, a02);
        if (TChannels.Count > 1 && TTaps.Count > 2) AddInto<TVector, TOps>(target + 1 * plane + 2 * dx, a12);
        if (TChannels.Count > 2 && TTaps.Count > 2) AddInto<TVector, TOps>(target + 2 * plane + 2 * dx, a22);
        if (TChannels.Count > 3 && TTaps.Count > 2) AddInto<TVector, TOps>(target + 3 * plane + 2 * dx, a32);
        if (TChannels.Count > 4 && TTaps.Count > 2) AddInto<TVector, TOps>(target + 4 * plane + 2 * dx, a42);
        if (TChannels.Count > 5 && TTaps.Count > 2) AddInto<TVector, TOps>(target + 5 * plane + 2 * dx, a52);
        if (TTaps.Count > 3) AddInto<TVector, TOps>(target + 0 * plane + 3 * dx, a03);
        if (TChannels.Count > 1 && TTaps.Count > 3) AddInto<TVector, TOps>(target + 1 * plane + 3 * dx, a13);
        if (TChannels.Count > 2 && TTaps.Count > 3) AddInto<TVector, TOps>(target + 2 * plane + 3 * dx, a23);
        if (TChannels.Count > 3 && TTaps.Count > 3) AddInto<TVector, TOps>(target + 3 * plane + 3 * dx, a33);
        if (TChannels.Count > 4 && TTaps.Count > 3) AddInto<TVector, TOps>(target + 4 * plane + 3 * dx, a43);
        if (TChannels.Count > 5 && TTaps.Count > 3) AddInto<TVector, TOps>(target + 5 * plane + 3 * dx, a53);
        if (TTaps.Count > 4) AddInto<TVector, TOps>(target + 0 * plane + 4 * dx, a04);
        if (TChannels.Count > 1 && TTaps.Count > 4) AddInto<TVector, TOps>(target + 1 * plane + 4 * dx, a14);
        if (TChannels.Count > 2 && TTaps.Count > 4) AddInto<TVector, TOps>(target + 2 * plane + 4 * dx, a24);
        if (TChannels.Count > 3 && TTaps.Count > 4) AddInto<TVector, TOps>(target + 3 * plane + 4 * dx, a34);
        if (TChannels.Count > 4 && TTaps.Count > 4) AddInto<TVector, TOps>(target + 4 * plane + 4 * dx, a44);
        if (TChannels.Count > 5 && TTaps.Count > 4) AddInto<TVector, TOps>(target + 5 * plane + 4 * dx, a54);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddInto<TVector, TOps>(float* target, TVector value) where TVector : struct where TOps : IVectorOps<float, TVector>
        => TOps.Store(TOps.Add(TOps.Load(ref *target), value), ref *target);
}
