using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Max and mean pooling over NCHW tensors, one channel plane at a time. Max pooling keeps no indices: backward finds
/// each window's first maximum again from the input and the output (the element PyTorch routes the gradient to).
/// </summary>
public static class Pool2DOp
{
    /// <summary>y = max over each window.</summary>
    public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, in Pool2DShape s)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, batch, s);
        int planes = batch * s.Channels, inPlane = s.Height * s.Width, outPlane = s.OutputHeight * s.OutputWidth;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> input = x.Slice(p * inPlane, inPlane);
            Span<T> output = y.Slice(p * outPlane, outPlane);
            if (s.IsHalving)
            {
                for (int oy = 0; oy < s.OutputHeight; oy++)
                {
                    ReadOnlySpan<T> top = input.Slice(2 * oy * s.Width, s.Width), bottom = input.Slice((2 * oy + 1) * s.Width, s.Width);
                    Span<T> row = output.Slice(oy * s.OutputWidth, s.OutputWidth);
                    int ox = typeof(T) == typeof(float) && Wide ? HalvingMax(Floats(top), Floats(bottom), Floats(row)) : 0;
                    for (; ox < row.Length; ox++)
                        row[ox] = T.Max(T.Max(top[2 * ox], top[2 * ox + 1]), T.Max(bottom[2 * ox], bottom[2 * ox + 1]));
                }
                continue;
            }
            for (int oy = 0; oy < s.OutputHeight; oy++)
                for (int ox = 0; ox < s.OutputWidth; ox++)
                {
                    T best = T.NegativeInfinity;
                    Window(s, oy, ox, out int y0, out int y1, out int x0, out int x1);
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++)
                            best = T.Max(best, input[iy * s.Width + ix]);
                    output[oy * s.OutputWidth + ox] = best;
                }
        }
    }

    /// <summary>dx[first argmax of each window] (+)= dy; every other input gets 0 (or keeps its sum when <paramref name="accumulate"/>).</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int batch, in Pool2DShape s, bool accumulate = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, batch, s);
        Check(dx.Length, dy.Length, batch, s);
        int planes = batch * s.Channels, inPlane = s.Height * s.Width, outPlane = s.OutputHeight * s.OutputWidth;
        if (!accumulate)
            dx[..(planes * inPlane)].Clear();
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> input = x.Slice(p * inPlane, inPlane), output = y.Slice(p * outPlane, outPlane), dOutput = dy.Slice(p * outPlane, outPlane);
            Span<T> dInput = dx.Slice(p * inPlane, inPlane);
            if (s.IsHalving && typeof(T) == typeof(float) && Wide && !accumulate)
            {
                for (int oy = 0; oy < s.OutputHeight; oy++)
                {
                    int ox = HalvingMaxBackward(Floats(input.Slice(2 * oy * s.Width, s.Width)), Floats(input.Slice((2 * oy + 1) * s.Width, s.Width)),
                        Floats(output.Slice(oy * s.OutputWidth, s.OutputWidth)), Floats(dOutput.Slice(oy * s.OutputWidth, s.OutputWidth)),
                        Floats(dInput.Slice(2 * oy * s.Width, s.Width)), Floats(dInput.Slice((2 * oy + 1) * s.Width, s.Width)));
                    for (; ox < s.OutputWidth; ox++)
                        RouteFirstMaximum(input, dInput, output[oy * s.OutputWidth + ox], dOutput[oy * s.OutputWidth + ox], 2 * oy * s.Width + 2 * ox, s.Width);
                }
                continue;
            }
            if (s.IsHalving)
            {
                // The first of top left, top right, bottom left, bottom right that holds the maximum, chosen by arithmetic on
                // 0/1 flags: which one wins is data, and a branch on it mispredicts every other window (5.5 ms → 3.3 ms at 64 × 32 × 28²).
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                        RouteFirstMaximum(input, dInput, output[oy * s.OutputWidth + ox], dOutput[oy * s.OutputWidth + ox], 2 * oy * s.Width + 2 * ox, s.Width);
                continue;
            }
            for (int oy = 0; oy < s.OutputHeight; oy++)
                for (int ox = 0; ox < s.OutputWidth; ox++)
                {
                    int o = oy * s.OutputWidth + ox;
                    T best = output[o];
                    Window(s, oy, ox, out int y0, out int y1, out int x0, out int x1);
                    int at = FirstMatch(input, s.Width, best, y0, y1, x0, x1);
                    if (at >= 0)
                        dInput[at] += dOutput[o];
                }
        }
    }

    /// <summary>dy to the first of the 2×2 window at <paramref name="top"/> that holds the maximum (none for a NaN maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RouteFirstMaximum<T>(ReadOnlySpan<T> input, Span<T> dInput, T best, T gradient, int top, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int bottom = top + width;
        int a = input[top] == best ? 1 : 0, b = input[top + 1] == best ? 1 : 0, c = input[bottom] == best ? 1 : 0, d = input[bottom + 1] == best ? 1 : 0;
        int takeB = b & (a ^ 1), takeC = c & ((a | b) ^ 1), takeD = d & ((a | b | c) ^ 1);
        if ((a | b | c | d) != 0)
            dInput[top * a + (top + 1) * takeB + bottom * takeC + (bottom + 1) * takeD] += gradient;
    }

    /// <summary>The 2×2 kernels below run 256-bit vectors when this thread's width has them (a test may force a narrower one).</summary>
    private static bool Wide => Vectorized.Current >= SimdWidth.Bits256 && Vector256.IsHardwareAccelerated;

    private static ReadOnlySpan<float> Floats<T>(ReadOnlySpan<T> values) where T : unmanaged => MemoryMarshal.Cast<T, float>(values);

    private static Span<float> Floats<T>(Span<T> values) where T : unmanaged => MemoryMarshal.Cast<T, float>(values);

    /// <summary>
    /// Four windows per step: the two rows' maxima lane by lane, then each adjacent pair's, then the even lanes packed
    /// into four outputs. Returns the first output column left for the scalar loop.
    /// </summary>
    private static int HalvingMax(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, Span<float> row)
    {
        int ox = 0;
        ref float t = ref MemoryMarshal.GetReference(top), b = ref MemoryMarshal.GetReference(bottom), o = ref MemoryMarshal.GetReference(row);
        for (; ox + 4 <= row.Length; ox += 4)
        {
            Vector256<float> rows = Vector256.Max(Vector256.LoadUnsafe(ref t, (nuint)(2 * ox)), Vector256.LoadUnsafe(ref b, (nuint)(2 * ox)));
            Vector256<float> pairs = Vector256.Max(rows, Vector256.Shuffle(rows, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
            Vector256.Shuffle(pairs, Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6)).GetLower().StoreUnsafe(ref o, (nuint)ox);
        }
        return ox;
    }

    /// <summary>
    /// Four windows per step, no branches: each output and its gradient are spread over their window's two lanes, the
    /// lanes equal to the maximum are masked, and a lane keeps the gradient only if no earlier lane of its window (left
    /// before right, top before bottom) matched. Writes every input of the windows it covers (they do not overlap).
    /// </summary>
    private static int HalvingMaxBackward(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, ReadOnlySpan<float> output, ReadOnlySpan<float> dOutput, Span<float> dTop, Span<float> dBottom)
    {
        int ox = 0;
        Vector256<int> spread = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3), partner = Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6);
        Vector256<float> right = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();
        ref float t = ref MemoryMarshal.GetReference(top), b = ref MemoryMarshal.GetReference(bottom);
        ref float y = ref MemoryMarshal.GetReference(output), dy = ref MemoryMarshal.GetReference(dOutput);
        ref float dt = ref MemoryMarshal.GetReference(dTop), db = ref MemoryMarshal.GetReference(dBottom);
        for (; ox + 4 <= output.Length; ox += 4)
        {
            Vector256<float> best = Vector256.Shuffle(Vector128.LoadUnsafe(ref y, (nuint)ox).ToVector256Unsafe(), spread);
            Vector256<float> gradient = Vector256.Shuffle(Vector128.LoadUnsafe(ref dy, (nuint)ox).ToVector256Unsafe(), spread);
            Vector256<float> upper = Vector256.Equals(Vector256.LoadUnsafe(ref t, (nuint)(2 * ox)), best);
            Vector256<float> lower = Vector256.Equals(Vector256.LoadUnsafe(ref b, (nuint)(2 * ox)), best);
            Vector256<float> upperPartner = Vector256.Shuffle(upper, partner), lowerPartner = Vector256.Shuffle(lower, partner);
            Vector256<float> takeUpper = Vector256.AndNot(upper, upperPartner & right);
            Vector256<float> takeLower = Vector256.AndNot(Vector256.AndNot(lower, upper | upperPartner), lowerPartner & right);
            (gradient & takeUpper).StoreUnsafe(ref dt, (nuint)(2 * ox));
            (gradient & takeLower).StoreUnsafe(ref db, (nuint)(2 * ox));
        }
        return ox;
    }

    private static int FirstMatch<T>(ReadOnlySpan<T> input, int width, T best, int y0, int y1, int x0, int x1) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int iy = y0; iy < y1; iy++)
            for (int ix = x0; ix < x1; ix++)
                if (input[iy * width + ix] == best)
                    return iy * width + ix;
        return -1; // a NaN maximum: no element equals it, and no gradient is routed
    }

    /// <summary>y = mean over each window, padding counted as 0 (÷ KernelHeight·KernelWidth).</summary>
    public static void AvgForward<T>(ReadOnlySpan<T> x, Span<T> y, int batch, in Pool2DShape s)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, batch, s);
        int planes = batch * s.Channels, inPlane = s.Height * s.Width, outPlane = s.OutputHeight * s.OutputWidth;
        T scale = T.One / T.CreateChecked(s.KernelHeight * s.KernelWidth);
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> input = x.Slice(p * inPlane, inPlane);
            Span<T> output = y.Slice(p * outPlane, outPlane);
            if (s.IsGlobal)
            {
                output[0] = TensorPrimitives.Sum(input) * scale;
                continue;
            }
            for (int oy = 0; oy < s.OutputHeight; oy++)
                for (int ox = 0; ox < s.OutputWidth; ox++)
                {
                    T sum = T.Zero;
                    Window(s, oy, ox, out int y0, out int y1, out int x0, out int x1);
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++)
                            sum += input[iy * s.Width + ix];
                    output[oy * s.OutputWidth + ox] = sum * scale;
                }
        }
    }

    /// <summary>dx (+)= dy / (KernelHeight·KernelWidth) over each window's pixels.</summary>
    public static void AvgBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int batch, in Pool2DShape s, bool accumulate = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(dx.Length, dy.Length, batch, s);
        int planes = batch * s.Channels, inPlane = s.Height * s.Width, outPlane = s.OutputHeight * s.OutputWidth;
        T scale = T.One / T.CreateChecked(s.KernelHeight * s.KernelWidth);
        if (!accumulate)
            dx[..(planes * inPlane)].Clear();
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> dOutput = dy.Slice(p * outPlane, outPlane);
            Span<T> dInput = dx.Slice(p * inPlane, inPlane);
            if (s.IsGlobal)
            {
                TensorPrimitives.Add(dInput, dOutput[0] * scale, dInput);
                continue;
            }
            for (int oy = 0; oy < s.OutputHeight; oy++)
                for (int ox = 0; ox < s.OutputWidth; ox++)
                {
                    T share = dOutput[oy * s.OutputWidth + ox] * scale;
                    Window(s, oy, ox, out int y0, out int y1, out int x0, out int x1);
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++)
                            dInput[iy * s.Width + ix] += share;
                }
        }
    }

    /// <summary>The input rows [y0, y1) and columns [x0, x1) of output position (oy, ox), clipped to the map.</summary>
    private static void Window(in Pool2DShape s, int oy, int ox, out int y0, out int y1, out int x0, out int x1)
    {
        int top = oy * s.StrideY - s.PadTop, left = ox * s.StrideX - s.PadLeft;
        y0 = Math.Max(top, 0);
        y1 = Math.Min(top + s.KernelHeight, s.Height);
        x0 = Math.Max(left, 0);
        x1 = Math.Min(left + s.KernelWidth, s.Width);
    }

    private static void Check(int input, int output, int batch, in Pool2DShape s)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (input < (long)batch * s.InputSize || output < (long)batch * s.OutputSize)
            throw new ArgumentException($"Pooling {s} over a batch of {batch} got spans of {input} and {output} elements.");
    }
}
