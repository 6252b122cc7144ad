namespace ModelGen.Ops;

// Data only (the kernels are Conv2DOp and Pool2DOp): the layer views and the analyzer tests compile against these.

/// <summary>
/// The geometry of one 2-D convolution over NCHW tensors, as the generator inferred it:
/// input [Channels × Height × Width], weights [Filters × Channels × KernelHeight × KernelWidth] (PyTorch's
/// <c>Conv2d.weight</c> layout), output [Filters × OutputHeight × OutputWidth]. Padding is given as the rows and
/// columns added before the first pixel; those after the last follow from the output size (Same padding may add one
/// more after than before, as TensorFlow does).
/// </summary>
public readonly record struct Conv2DShape(
    int Channels, int Height, int Width, int Filters, int KernelHeight, int KernelWidth,
    int StrideY, int StrideX, int PadTop, int PadLeft, int DilationY, int DilationX, int OutputHeight, int OutputWidth)
{
    /// <summary>Elements per input sample.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Output positions per filter.</summary>
    public int Positions => OutputHeight * OutputWidth;

    /// <summary>Elements per output sample.</summary>
    public int OutputSize => Filters * Positions;

    /// <summary>The depth of the convolution as a matrix product: one column of the unfolded input.</summary>
    public int Patch => Channels * KernelHeight * KernelWidth;

    /// <inheritdoc/>
    public override string ToString() => $"[{Channels} × {Height} × {Width}] → [{Filters} × {OutputHeight} × {OutputWidth}], kernel {KernelHeight}×{KernelWidth}";
}

/// <summary>
/// The geometry of one 2-D pooling over NCHW tensors: [Channels × Height × Width] → [Channels × OutputHeight ×
/// OutputWidth], a KernelHeight × KernelWidth window moved by the strides, PadTop/PadLeft rows and columns of padding
/// before the first pixel (padding never wins a max; it counts as 0 in a mean, PyTorch's <c>count_include_pad</c>).
/// </summary>
public readonly record struct Pool2DShape(
    int Channels, int Height, int Width, int KernelHeight, int KernelWidth, int StrideY, int StrideX, int PadTop, int PadLeft,
    int OutputHeight, int OutputWidth)
{
    /// <summary>Elements per input sample.</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Elements per output sample.</summary>
    public int OutputSize => Channels * OutputHeight * OutputWidth;

    /// <summary>The window covers the whole map once: global pooling.</summary>
    public bool IsGlobal => KernelHeight == Height && KernelWidth == Width && OutputHeight == 1 && OutputWidth == 1 && PadTop == 0 && PadLeft == 0;

    /// <summary>2×2 windows, stride 2, no padding: the common case, with its own loop.</summary>
    internal bool IsHalving => KernelHeight == 2 && KernelWidth == 2 && StrideY == 2 && StrideX == 2 && PadTop == 0 && PadLeft == 0;

    /// <inheritdoc/>
    public override string ToString() => $"[{Channels} × {Height} × {Width}] → [{Channels} × {OutputHeight} × {OutputWidth}], window {KernelHeight}×{KernelWidth}";
}
