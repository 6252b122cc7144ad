using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>Convolution and pooling written straight from their definitions, in float64, one loop per index.</summary>
internal static class ConvReference
{
    /// <summary>The geometry the generator infers, per axis: Same pads to ⌈in/s⌉ (odd padding after), Valid pads <paramref name="pad"/> each side.</summary>
    public static Conv2DShape Shape(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth, int stride, int dilation, bool same, int pad = 0)
    {
        (int outHeight, int padTop) = Axis(height, kernelHeight, stride, dilation, same, pad);
        (int outWidth, int padLeft) = Axis(width, kernelWidth, stride, dilation, same, pad);
        return new Conv2DShape(channels, height, width, filters, kernelHeight, kernelWidth, stride, stride, padTop, padLeft, dilation, dilation, outHeight, outWidth);
    }

    public static Pool2DShape PoolShape(int channels, int height, int width, int kernel, int stride, bool same, int pad = 0)
    {
        (int outHeight, int padTop) = Axis(height, kernel, stride, 1, same, pad);
        (int outWidth, int padLeft) = Axis(width, kernel, stride, 1, same, pad);
        return new Pool2DShape(channels, height, width, kernel, kernel, stride, stride, padTop, padLeft, outHeight, outWidth);
    }

    private static (int Output, int PadBefore) Axis(int size, int kernel, int stride, int dilation, bool same, int pad)
    {
        int effective = dilation * (kernel - 1) + 1;
        if (!same)
            return ((size + 2 * pad - effective) / stride + 1, pad);
        int output = (size + stride - 1) / stride;
        return (output, Math.Max((output - 1) * stride + effective - size, 0) / 2);
    }

    /// <summary>The input index kernel tap (i, j) of channel c reads at output (oy, ox), or −1 in the padding.</summary>
    private static int Tap(in Conv2DShape s, int n, int c, int oy, int ox, int i, int j)
    {
        int iy = oy * s.StrideY - s.PadTop + i * s.DilationY, ix = ox * s.StrideX - s.PadLeft + j * s.DilationX;
        return iy < 0 || iy >= s.Height || ix < 0 || ix >= s.Width ? -1 : ((n * s.Channels + c) * s.Height + iy) * s.Width + ix;
    }

    private static int Weight(in Conv2DShape s, int f, int c, int i, int j) => ((f * s.Channels + c) * s.KernelHeight + i) * s.KernelWidth + j;

    private static int Output(in Conv2DShape s, int n, int f, int oy, int ox) => ((n * s.Filters + f) * s.OutputHeight + oy) * s.OutputWidth + ox;

    public static double[] Forward(double[] x, double[] w, double[]? b, int batch, Conv2DShape s)
    {
        var y = new double[batch * s.OutputSize];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < s.Filters; f++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                    {
                        double sum = b?[f] ?? 0;
                        for (int c = 0; c < s.Channels; c++)
                            for (int i = 0; i < s.KernelHeight; i++)
                                for (int j = 0; j < s.KernelWidth; j++)
                                    if (Tap(s, n, c, oy, ox, i, j) is int at and >= 0)
                                        sum += w[Weight(s, f, c, i, j)] * x[at];
                        y[Output(s, n, f, oy, ox)] = sum;
                    }
        return y;
    }

    /// <summary>∂L/∂W, ∂L/∂b and ∂L/∂x for L = Σ dy ⊙ y.</summary>
    public static (double[] Weights, double[] Bias, double[] Input) Backward(double[] x, double[] w, double[] dy, int batch, Conv2DShape s)
    {
        var dw = new double[w.Length];
        var db = new double[s.Filters];
        var dx = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < s.Filters; f++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                    {
                        double g = dy[Output(s, n, f, oy, ox)];
                        db[f] += g;
                        for (int c = 0; c < s.Channels; c++)
                            for (int i = 0; i < s.KernelHeight; i++)
                                for (int j = 0; j < s.KernelWidth; j++)
                                    if (Tap(s, n, c, oy, ox, i, j) is int at and >= 0)
                                    {
                                        dw[Weight(s, f, c, i, j)] += g * x[at];
                                        dx[at] += g * w[Weight(s, f, c, i, j)];
                                    }
                    }
        return (dw, db, dx);
    }

    /// <summary>Max (first maximum wins the gradient) or mean (padding counted) pooling, forward and backward.</summary>
    public static (double[] Output, double[] InputGradient) Pool(double[] x, double[] dy, int batch, Pool2DShape s, bool max)
    {
        var y = new double[batch * s.OutputSize];
        var dx = new double[x.Length];
        for (int p = 0; p < batch * s.Channels; p++)
            for (int oy = 0; oy < s.OutputHeight; oy++)
                for (int ox = 0; ox < s.OutputWidth; ox++)
                {
                    int o = (p * s.OutputHeight + oy) * s.OutputWidth + ox;
                    var window = new List<int>();
                    for (int i = 0; i < s.KernelHeight; i++)
                        for (int j = 0; j < s.KernelWidth; j++)
                        {
                            int iy = oy * s.StrideY - s.PadTop + i, ix = ox * s.StrideX - s.PadLeft + j;
                            if (iy >= 0 && iy < s.Height && ix >= 0 && ix < s.Width)
                                window.Add((p * s.Height + iy) * s.Width + ix);
                        }
                    if (max)
                    {
                        int best = window.OrderBy(at => at / s.Width % s.Height).ThenBy(at => at % s.Width).Aggregate((a, c) => x[c] > x[a] ? c : a);
                        y[o] = x[best];
                        dx[best] += dy[o];
                    }
                    else
                    {
                        double area = s.KernelHeight * s.KernelWidth;
                        y[o] = window.Sum(at => x[at]) / area;
                        foreach (int at in window)
                            dx[at] += dy[o] / area;
                    }
                }
        return (y, dx);
    }

    /// <summary>Locally connected: weights [P × F × C·kh·kw], bias [F × P]; forward and, for L = Σ dy ⊙ y, the three gradients.</summary>
    public static (double[] Output, double[] Weights, double[] Bias, double[] Input) Unshared(double[] x, double[] w, double[] b, double[] dy, int batch, Conv2DShape s)
    {
        var y = new double[batch * s.OutputSize];
        var dw = new double[w.Length];
        var db = new double[b.Length];
        var dx = new double[x.Length];
        for (int n = 0; n < batch; n++)
            for (int f = 0; f < s.Filters; f++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                    {
                        int p = oy * s.OutputWidth + ox, o = Output(s, n, f, oy, ox);
                        double sum = b[f * s.Positions + p];
                        db[f * s.Positions + p] += dy[o];
                        for (int c = 0; c < s.Channels; c++)
                            for (int i = 0; i < s.KernelHeight; i++)
                                for (int j = 0; j < s.KernelWidth; j++)
                                    if (Tap(s, n, c, oy, ox, i, j) is int at and >= 0)
                                    {
                                        int k = (p * s.Filters + f) * s.Patch + (c * s.KernelHeight + i) * s.KernelWidth + j;
                                        sum += w[k] * x[at];
                                        dw[k] += dy[o] * x[at];
                                        dx[at] += dy[o] * w[k];
                                    }
                        y[o] = sum;
                    }
        return (y, dw, db, dx);
    }
}
