using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

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

    /// <summary>A 1×1, stride-1, unpadded convolution reads its input as the unfolded matrix itself.</summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideY == 1 && StrideX == 1 && PadTop == 0 && PadLeft == 0;

    /// <inheritdoc/>
    public override string ToString() => $"[{Channels} × {Height} × {Width}] → [{Filters} × {OutputHeight} × {OutputWidth}], kernel {KernelHeight}×{KernelWidth}";
}

/// <summary>
/// 2-D convolution kernels over NCHW tensors, as packed GEMMs on the unfolded input (im2col):
///   forward   Y_n [F × P] = W [F × CKK] · cols(X_n) [CKK × P], then + b per filter and the activation
///   backward  dW = Σ_n dY_n · cols(X_n)ᵀ,  db = Σ_n Σ_p dY_n,  dX_n = col2im(Wᵀ · dY_n)
/// Each sample's unfolded input lives in a per-thread buffer that is reused (allocated on first use, then 0 B).
/// A batch is split between two cores by samples; each sample's products then run on one core. A pointwise
/// convolution skips the unfolding. Generic over float (the packed SIMD GEMM) and double (gradient checks).
/// </summary>
public static unsafe class Conv2DOp
{
    /// <summary>Batches with fewer multiply-adds stay on one core: waking the second costs more than it saves.</summary>
    private const long ParallelThreshold = 1L << 20;

    /// <summary>From this many multiply-adds a batch waits for a sleeping helper core to wake.</summary>
    private const long WakeThreshold = 1L << 24;

    /// <summary>y = x ⊛ W + b.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Forward<T, Identity>(x, weights, bias, y, batch, shape, T.Zero);

    /// <summary>y = f(x ⊛ W + b): bias and activation on each sample's output while it is in cache.</summary>
    public static void Forward<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, Span<T> y, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        Check(x.Length, weights.Length, y.Length, batch, shape);
        if (bias.Length < shape.Filters)
            throw new ArgumentException($"Conv2D {shape} needs {shape.Filters} biases, got {bias.Length}.");
        fixed (T* px = x, pw = weights, pb = bias, py = y)
        {
            var job = new ForwardJob<T, TActivation>(px, pw, pb, py, shape, negativeSlope);
            RunSamples(ref job, batch, shape);
        }
    }

    /// <summary>y = x ⊛ W, for a convolution without a bias (it feeds a batch norm, whose β replaces it).</summary>
    public static void ForwardWithoutBias<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ForwardWithoutBias<T, Identity>(x, weights, y, batch, shape, T.Zero);

    /// <summary>y = f(x ⊛ W), for a convolution without a bias.</summary>
    public static void ForwardWithoutBias<T, TActivation>(ReadOnlySpan<T> x, ReadOnlySpan<T> weights, Span<T> y, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        Check(x.Length, weights.Length, y.Length, batch, shape);
        fixed (T* px = x, pw = weights, py = y)
        {
            var job = new ForwardJob<T, TActivation>(px, pw, null, py, shape, negativeSlope);
            RunSamples(ref job, batch, shape);
        }
    }

    /// <summary>dW = Σ_n dY_n · cols(X_n)ᵀ and db = Σ dY (both overwritten).</summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, Span<T> biasGradient, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (biasGradient.Length < shape.Filters)
            throw new ArgumentException($"Conv2D {shape} needs {shape.Filters} bias gradients, got {biasGradient.Length}.");
        fixed (T* pb = biasGradient)
            BackwardWeights(x, dy, weightGradient, pb, batch, shape);
    }

    /// <summary>dW = Σ_n dY_n · cols(X_n)ᵀ (overwritten), for a convolution without a bias.</summary>
    public static void BackwardWeights<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => BackwardWeights(x, dy, weightGradient, (T*)null, batch, shape);

    private static void BackwardWeights<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> weightGradient, T* biasGradient, int batch, in Conv2DShape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, weightGradient.Length, dy.Length, batch, shape);
        int weights = shape.Filters * shape.Patch, length = weights + shape.Filters;
        // The second half of the batch sums into its own buffer, added at the end: the two cores never share a sum.
        T* partial = Scratch<T>.Partial(length);
        fixed (T* px = x, pdy = dy, pdw = weightGradient)
        {
            var job = new WeightGradientJob<T>(px, pdy, pdw, biasGradient, partial, shape);
            if (!RunSamples(ref job, batch, shape))
                return;
            TensorPrimitives.Add(weightGradient[..weights], new ReadOnlySpan<T>(partial, weights), weightGradient);
            if (biasGradient != null)
            {
                var db = new Span<T>(biasGradient, shape.Filters);
                TensorPrimitives.Add(db, new ReadOnlySpan<T>(partial + weights, shape.Filters), db);
            }
        }
    }

    /// <summary>dX = col2im(Wᵀ · dY), or dX += … when <paramref name="accumulate"/> (the input fans out).</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, int batch, in Conv2DShape shape, bool accumulate = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(dx.Length, weights.Length, dy.Length, batch, shape);
        fixed (T* pdy = dy, pw = weights, pdx = dx)
        {
            var job = new InputGradientJob<T, Identity>(pdy, pw, pdx, null, shape, accumulate, T.Zero);
            RunSamples(ref job, batch, shape);
        }
    }

    /// <summary>dX = col2im(Wᵀ · dY) ⊙ f′(x), where x = f(·) is this layer's input as the previous layer's activation produced it.</summary>
    public static void BackwardInput<T, TInputActivation>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, ReadOnlySpan<T> input, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        Check(dx.Length, weights.Length, dy.Length, batch, shape);
        if (input.Length < (long)batch * shape.InputSize)
            throw new ArgumentException($"Conv2D {shape} backward over a batch of {batch} got an input of {input.Length} elements.");
        fixed (T* pdy = dy, pw = weights, pdx = dx, pin = input)
        {
            var job = new InputGradientJob<T, TInputActivation>(pdy, pw, pdx, pin, shape, accumulate: false, negativeSlope);
            RunSamples(ref job, batch, shape);
        }
    }

    private static void Check(int input, int weights, int output, int batch, in Conv2DShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (input < (long)batch * shape.InputSize || weights < shape.Filters * shape.Patch || output < (long)batch * shape.OutputSize)
            throw new ArgumentException($"Conv2D {shape} over a batch of {batch} got spans of {input}, {weights} and {output} elements.");
    }

    /// <summary>Runs the job over every sample, split between two cores when the batch is worth it; true when split.</summary>
    private static bool RunSamples<TJob>(ref TJob job, int batch, in Conv2DShape shape) where TJob : struct, IGemmJob
    {
        long work = (long)batch * shape.Filters * shape.Patch * shape.Positions;
        if (batch < 2 || work < ParallelThreshold || !GemmWorker.IsAvailable)
        {
            job.Run(0, batch, 0, 0);
            return false;
        }
        int half = batch / 2;
        var atWidth = new AtCallersWidth<TJob>(job, Vectorized.Current);
        GemmWorker.RunPair(ref atWidth, 0, half, 0, 0, half, batch, 1, 1, worthWaking: work >= WakeThreshold);
        return true;
    }

    /// <summary>The helper core runs its half at the caller's vector width (a test may have forced one), not its own.</summary>
    private readonly struct AtCallersWidth<TJob>(TJob job, SimdWidth width) : IGemmJob where TJob : struct, IGemmJob
    {
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            using var scope = Vectorized.Force(width);
            job.Run(rowStart, rowEnd, columnStart, columnEnd);
        }
    }

    private readonly struct ForwardJob<T, TActivation>(T* x, T* weights, T* bias, T* y, Conv2DShape shape, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions;
            T* columns = shape.IsPointwise ? null : Scratch<T>.Columns(patch * positions);
            var w = new ReadOnlySpan<T>(weights, shape.Filters * patch);
            for (int n = start; n < end; n++)
            {
                T* sample = x + (long)n * shape.InputSize;
                if (!shape.IsPointwise)
                    Unfold(sample, columns, shape);
                var output = new Span<T>(y + (long)n * shape.OutputSize, shape.OutputSize);
                Gemm.Multiply(GemmForm.AB, w, new ReadOnlySpan<T>(shape.IsPointwise ? sample : columns, patch * positions), output, shape.Filters, patch, positions, accumulate: false);
                if (bias != null)
                    for (int f = 0; f < shape.Filters; f++)
                    {
                        Span<T> plane = output.Slice(f * positions, positions);
                        TensorPrimitives.Add(plane, bias[f], plane);
                    }
                if (typeof(TActivation) != typeof(Identity))
                    Activation<TActivation>.Forward(output, negativeSlope);
            }
        }
    }

    private readonly struct WeightGradientJob<T>(T* x, T* dy, T* weightGradient, T* biasGradient, T* partial, Conv2DShape shape) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        /// <remarks>The first half of a split batch (or the whole batch) sums into the gradients, the second into the partial buffer.</remarks>
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions, weights = shape.Filters * patch;
            T* dw = columnStart == 0 ? weightGradient : partial;
            T* db = biasGradient == null ? null : columnStart == 0 ? biasGradient : partial + weights;
            T* columns = shape.IsPointwise ? null : Scratch<T>.Columns(patch * positions);
            var gradient = new Span<T>(dw, weights);
            for (int n = start; n < end; n++)
            {
                T* sample = x + (long)n * shape.InputSize;
                if (!shape.IsPointwise)
                    Unfold(sample, columns, shape);
                var dOutput = new ReadOnlySpan<T>(dy + (long)n * shape.OutputSize, shape.OutputSize);
                Gemm.Multiply(GemmForm.ABt, dOutput, new ReadOnlySpan<T>(shape.IsPointwise ? sample : columns, patch * positions), gradient,
                    shape.Filters, positions, patch, accumulate: n > start);
                if (db != null)
                    for (int f = 0; f < shape.Filters; f++)
                    {
                        T sum = TensorPrimitives.Sum(dOutput.Slice(f * positions, positions));
                        db[f] = n > start ? db[f] + sum : sum;
                    }
            }
            if (end == start)
            {
                gradient.Clear();
                if (db != null)
                    new Span<T>(db, shape.Filters).Clear();
            }
        }
    }

    private readonly struct InputGradientJob<T, TInputActivation>(T* dy, T* weights, T* dx, T* input, Conv2DShape shape, bool accumulate, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions;
            T* columns = shape.IsPointwise ? null : Scratch<T>.Columns(patch * positions);
            var w = new ReadOnlySpan<T>(weights, shape.Filters * patch);
            for (int n = start; n < end; n++)
            {
                var dOutput = new ReadOnlySpan<T>(dy + (long)n * shape.OutputSize, shape.OutputSize);
                var dInput = new Span<T>(dx + (long)n * shape.InputSize, shape.InputSize);
                if (shape.IsPointwise)
                    Gemm.Multiply(GemmForm.AtB, w, dOutput, dInput, shape.Channels, shape.Filters, positions, accumulate);
                else
                {
                    Gemm.Multiply(GemmForm.AtB, w, dOutput, new Span<T>(columns, patch * positions), patch, shape.Filters, positions, accumulate: false);
                    if (!accumulate)
                        dInput.Clear();
                    Fold(columns, dx + (long)n * shape.InputSize, shape);
                }
                if (input != null)
                    Activation<TInputActivation>.Backward(new ReadOnlySpan<T>(input + (long)n * shape.InputSize, shape.InputSize), dInput, dInput, negativeSlope);
            }
        }
    }

    /// <summary>
    /// im2col: row (c, i, j) of <paramref name="columns"/> holds, for every output position, the input pixel the kernel
    /// tap (i, j) of channel c reads there, or 0 in the padding.
    /// </summary>
    internal static void Unfold<T>(T* x, T* columns, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        int positions = s.Positions;
        for (int c = 0; c < s.Channels; c++)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    T* row = columns + (long)((c * s.KernelHeight + i) * s.KernelWidth + j) * positions;
                    T* plane = x + (long)c * s.Height * s.Width;
                    int offsetX = j * s.DilationX - s.PadLeft;
                    (int first, int last) = Covered(offsetX, s.StrideX, s.Width, s.OutputWidth);
                    for (int oy = 0; oy < s.OutputHeight; oy++)
                    {
                        T* target = row + oy * s.OutputWidth;
                        int iy = oy * s.StrideY + i * s.DilationY - s.PadTop;
                        if ((uint)iy >= (uint)s.Height || first > last)
                        {
                            new Span<T>(target, s.OutputWidth).Clear();
                            continue;
                        }
                        T* source = plane + iy * s.Width;
                        for (int ox = 0; ox < first; ox++)
                            target[ox] = T.Zero;
                        if (s.StrideX == 1)
                            new ReadOnlySpan<T>(source + first + offsetX, last - first + 1).CopyTo(new Span<T>(target + first, last - first + 1));
                        else
                            for (int ox = first; ox <= last; ox++)
                                target[ox] = source[ox * s.StrideX + offsetX];
                        for (int ox = last + 1; ox < s.OutputWidth; ox++)
                            target[ox] = T.Zero;
                    }
                }
    }

    /// <summary>col2im: adds each column entry back onto the input pixel it was read from (padding entries are dropped).</summary>
    internal static void Fold<T>(T* columns, T* dx, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        int positions = s.Positions;
        for (int c = 0; c < s.Channels; c++)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    T* row = columns + (long)((c * s.KernelHeight + i) * s.KernelWidth + j) * positions;
                    T* plane = dx + (long)c * s.Height * s.Width;
                    int offsetX = j * s.DilationX - s.PadLeft;
                    (int first, int last) = Covered(offsetX, s.StrideX, s.Width, s.OutputWidth);
                    if (first > last)
                        continue;
                    for (int oy = 0; oy < s.OutputHeight; oy++)
                    {
                        int iy = oy * s.StrideY + i * s.DilationY - s.PadTop;
                        if ((uint)iy >= (uint)s.Height)
                            continue;
                        T* source = row + oy * s.OutputWidth, target = plane + iy * s.Width;
                        if (s.StrideX == 1)
                        {
                            var span = new Span<T>(target + first + offsetX, last - first + 1);
                            TensorPrimitives.Add(span, new ReadOnlySpan<T>(source + first, last - first + 1), span);
                        }
                        else
                            for (int ox = first; ox <= last; ox++)
                                target[ox * s.StrideX + offsetX] += source[ox];
                    }
                }
    }

    /// <summary>The output columns [first, last] whose tap at offset <paramref name="offset"/> lands inside the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int First, int Last) Covered(int offset, int stride, int width, int outputWidth)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = Math.Min(outputWidth - 1, width - 1 - offset < 0 ? -1 : (width - 1 - offset) / stride);
        return (first, last);
    }

    /// <summary>Per-thread buffers, grown on demand and then reused: the unfolded input and the second core's partial sums.</summary>
    private static class Scratch<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? t_columns;
        [ThreadStatic] private static T[]? t_partial;

        public static T* Columns(int length) => Pin(ref t_columns, length);

        public static T* Partial(int length) => Pin(ref t_partial, length);

        /// <remarks>Pinned arrays on the pinned object heap: they never move, so a pointer stays valid.</remarks>
        private static T* Pin(ref T[]? buffer, int length)
        {
            if (buffer is null || buffer.Length < length)
                buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 1), pinned: true);
            return (T*)Unsafe.AsPointer(ref buffer[0]);
        }
    }
}
