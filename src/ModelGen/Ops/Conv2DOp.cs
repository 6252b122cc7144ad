using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// 2-D convolution kernels over NCHW tensors, as packed GEMMs on the unfolded input (im2col):
///   forward   Y_n [F × P] = W [F × CKK] · cols(X_n) [CKK × P], then + b per filter and the activation
///   backward  dW = Σ_n dY_n · cols(X_n)ᵀ,  db = Σ_n Σ_p dY_n,  dX_n = col2im(Wᵀ · dY_n)
/// A chunk of samples is unfolded side by side into a per-thread buffer that is reused (allocated on first use, then
/// 0 B), so each GEMM is wide; a batch is split between two cores by samples. Generic over float (the packed SIMD GEMM)
/// and double (gradient checks).
/// </summary>
public static unsafe partial class Conv2DOp
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
            Forward<T, TActivation>(px, pw, pb, py, batch, shape, negativeSlope);
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
            Forward<T, TActivation>(px, pw, null, py, batch, shape, negativeSlope);
    }

    /// <summary>y = f(x ⊛ W (+ b)): directly for few filters at stride 1, else as a GEMM on the unfolded input.</summary>
    private static void Forward<T, TActivation>(T* x, T* weights, T* bias, T* y, int batch, in Conv2DShape shape, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        SimdWidth direct = DirectWidth<T>(shape);
        if (direct != SimdWidth.Scalar)
        {
            var job = new DirectForwardJob<TActivation>((float*)x, (float*)weights, (float*)bias, (float*)y, shape, direct, float.CreateTruncating(negativeSlope));
            RunSamples(ref job, batch, shape);
        }
        else
        {
            var job = new ForwardJob<T, TActivation>(x, weights, bias, y, shape, negativeSlope);
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
        // Each part of a split batch after the first sums into its own buffer, added in order at the end: the two cores
        // never share a sum, and the sum's rounding does not depend on which core ran which part.
        T* partial = Scratch<T>.Partial((WeightGradientClaims - 1) * length);
        fixed (T* px = x, pdy = dy, pdw = weightGradient)
        {
            SimdWidth direct = DirectWidth<T>(shape);
            int parts;
            if (direct != SimdWidth.Scalar && GradientTile.For(shape) is { } tile)
            {
                var job = new DirectWeightGradientJob((float*)px, (float*)pdy, (float*)pdw, (float*)biasGradient, (float*)partial, shape, direct, tile);
                parts = RunSamples(ref job, batch, shape, WeightGradientClaims);
            }
            else
            {
                var job = new WeightGradientJob<T>(px, pdy, pdw, biasGradient, partial, shape);
                parts = RunSamples(ref job, batch, shape, WeightGradientClaims);
            }
            for (int part = 1; part < parts; part++)
            {
                T* sum = partial + (long)(part - 1) * length;
                TensorPrimitives.Add(weightGradient[..weights], new ReadOnlySpan<T>(sum, weights), weightGradient);
                if (biasGradient != null)
                {
                    var db = new Span<T>(biasGradient, shape.Filters);
                    TensorPrimitives.Add(db, new ReadOnlySpan<T>(sum + weights, shape.Filters), db);
                }
            }
        }
    }

    /// <summary>A large batch runs as at most this many claims (<see cref="RunSamples"/>), each whole GEMM chunks: enough that a slowed core takes fewer.</summary>
    private const int Claims = 16;

    /// <summary>A large batch's dW is summed in at most this many parts, one buffer each: fewer partial sums to add.</summary>
    private const int WeightGradientClaims = 8;

    /// <summary>dX = col2im(Wᵀ · dY), or dX += … when <paramref name="accumulate"/> (the input fans out).</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> weights, Span<T> dx, int batch, in Conv2DShape shape, bool accumulate = false)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(dx.Length, weights.Length, dy.Length, batch, shape);
        fixed (T* pdy = dy, pw = weights, pdx = dx)
            BackwardInput<T, Identity>(pdy, pw, pdx, null, batch, shape, accumulate, T.Zero);
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
            BackwardInput<T, TInputActivation>(pdy, pw, pdx, pin, batch, shape, accumulate: false, negativeSlope);
    }

    /// <summary>dX (+)= the input gradient, ⊙ f′(input) when there is an input: scattered, or as the transposed convolution, where they apply, else col2im(Wᵀ · dY).</summary>
    private static void BackwardInput<T, TInputActivation>(T* dy, T* weights, T* dx, T* input, int batch, in Conv2DShape shape, bool accumulate, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        SimdWidth scatter = ScatterWidth<T>(shape);
        if (scatter != SimdWidth.Scalar)
        {
            var scattered = new ScatterInputGradientJob<TInputActivation>((float*)dy, Regroup((float*)weights, shape), (float*)dx, (float*)input, shape, scatter, accumulate,
                float.CreateTruncating(negativeSlope));
            RunSamples(ref scattered, batch, shape);
            return;
        }
        if (DirectTransposedConvolution<T>(shape, out Conv2DShape transposed, out SimdWidth width))
        {
            var direct = new DirectInputGradientJob<TInputActivation>((float*)dy, Flip((float*)weights, shape), (float*)dx, (float*)input, transposed, width, accumulate,
                float.CreateTruncating(negativeSlope));
            RunSamples(ref direct, batch, shape);
            return;
        }
        if (TransposedConvolution<T>(shape, out transposed))
        {
            var direct = new TransposedInputGradientJob<TInputActivation>((float*)dy, Flip((float*)weights, shape), (float*)dx, (float*)input, transposed, accumulate,
                float.CreateTruncating(negativeSlope));
            RunSamples(ref direct, batch, shape);
            return;
        }
        var job = new InputGradientJob<T, TInputActivation>(dy, weights, dx, input, shape, accumulate, negativeSlope);
        RunSamples(ref job, batch, shape);
    }

    private static void Check(int input, int weights, int output, int batch, in Conv2DShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (input < (long)batch * shape.InputSize || weights < shape.Filters * shape.Patch || output < (long)batch * shape.OutputSize)
            throw new ArgumentException($"Conv2D {shape} over a batch of {batch} got spans of {input}, {weights} and {output} elements.");
    }

    /// <summary>
    /// Runs the job over every sample, split between two cores when the batch is worth it, and returns how many parts it
    /// ran as: 1 (whole, on this core), 2 (two halves, for batches just worth splitting) or, for large ones, claims of a
    /// few samples that the two cores take as they finish the last (<see cref="GemmWorker.RunShared"/>), so a core slowed
    /// by the machine's other work does not leave the other idle at the end. Part <c>i</c> of <c>parts</c> runs as
    /// <c>Run(start, end, i, 0)</c>: a job summing over samples (dW) keeps one sum per part.
    /// </summary>
    /// <remarks><paramref name="claims"/>: how many parts a large batch is cut into, at most — more balance the cores
    /// better, fewer mean fewer partial sums to add.</remarks>
    private static int RunSamples<TJob>(ref TJob job, int batch, in Conv2DShape shape, int claims = Claims) where TJob : struct, IGemmJob
    {
        long work = (long)batch * shape.Filters * shape.Patch * shape.Positions;
        if (batch < 2 || work < ParallelThreshold || !GemmWorker.IsAvailable)
        {
            job.Run(0, batch, 0, 0);
            return 1;
        }
        if (work < WakeThreshold)
        {
            int half = batch / 2;
            GemmWorker.RunPair(ref job, 0, half, 0, 0, half, batch, 1, 1, worthWaking: false);
            return 2;
        }
        int grain = Grain(batch, shape, claims);
        GemmWorker.RunShared(ref job, batch, grain, worthWaking: true);
        return (batch + grain - 1) / grain;
    }

    /// <summary>Samples per claim of a large batch: whole GEMM chunks (<see cref="Chunking{T}"/>), at most <paramref name="claims"/> claims.</summary>
    private static int Grain(int batch, in Conv2DShape shape, int claims)
    {
        int chunk = ChunkSamples(shape), perClaim = (batch + claims - 1) / claims;
        return Math.Max(chunk, (perClaim + chunk - 1) / chunk * chunk);
    }

    /// <summary>How many samples of <paramref name="shape"/> one GEMM of a job covers (<see cref="Chunking{T}"/>).</summary>
    private static int ChunkSamples(in Conv2DShape shape)
        => Math.Clamp(2048 / Math.Max(shape.Positions, 1), 1, Math.Max(1, (1 << 19) / Math.Max(shape.Patch * shape.Positions, 1)));

    /// <summary>
    /// How a job walks its samples: chunks of up to <see cref="Samples"/>, unfolded side by side into this thread's
    /// columns buffer [CKK × chunk·P], their outputs or output gradients staged as [F × chunk·P]. A chunk spans about
    /// 2,048 output positions, so each GEMM is wide (one 14×14 map alone leaves a 64-wide tile a quarter empty), while
    /// its unfolded input stays within L2.
    /// </summary>
    private readonly struct Chunking<T> where T : unmanaged, INumber<T>
    {
        public Chunking(in Conv2DShape shape, int start, int end, bool unfolds = true)
        {
            Samples = ChunkSamples(shape);
            int most = Math.Min(Samples, Math.Max(end - start, 1));
            Columns = unfolds ? Scratch<T>.Columns(shape.Patch * shape.Positions * most) : null;
            Staged = Scratch<T>.Staged(shape.Filters * shape.Positions * most);
        }

        public int Samples { get; }

        public T* Columns { get; }

        public T* Staged { get; }

        /// <summary>im2col of samples [first, first + count) of <paramref name="x"/>, side by side.</summary>
        public void Unfold(T* x, int first, int count, in Conv2DShape s)
        {
            for (int n = 0; n < count; n++)
                Conv2DOp.Unfold(x + (long)(first + n) * s.InputSize, Columns + n * s.Positions, count * s.Positions, s);
        }

        /// <summary>[count × F × P] (NCHW) as [F × count·P]: one sample's block as it is, several gathered into the staging buffer.</summary>
        public T* Side(T* outputs, int count, in Conv2DShape s)
        {
            if (count == 1)
                return outputs;
            int positions = s.Positions, width = count * positions;
            for (int n = 0; n < count; n++)
                for (int f = 0; f < s.Filters; f++)
                    new ReadOnlySpan<T>(outputs + (long)n * s.OutputSize + f * positions, positions).CopyTo(new Span<T>(Staged + (long)f * width + n * positions, positions));
            return Staged;
        }

        /// <summary>
        /// The inverse of <see cref="Side"/>: a product [F × count·P] into [count × F × P] (NCHW) at <paramref name="target"/>,
        /// plus the filter's bias where there is one, added onto what is there when <paramref name="accumulate"/>. A
        /// product already written in place (one sample, no bias) is left as it is.
        /// </summary>
        public static void Place(T* product, int count, T* target, in Conv2DShape s, T* bias, bool accumulate)
        {
            int positions = s.Positions, width = count * positions;
            for (int n = 0; n < count; n++)
                for (int f = 0; f < s.Filters; f++)
                {
                    var plane = new Span<T>(target + (long)n * s.OutputSize + f * positions, positions);
                    var source = new ReadOnlySpan<T>(product + (long)f * width + n * positions, positions);
                    if (bias != null)
                        TensorPrimitives.Add(source, bias[f], plane);
                    else if (accumulate)
                        TensorPrimitives.Add(plane, source, plane);
                    else if (product != target)
                        source.CopyTo(plane);
                }
        }
    }

    private readonly struct ForwardJob<T, TActivation>(T* x, T* weights, T* bias, T* y, Conv2DShape shape, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TActivation : IActivation
    {
        /// <summary>Per chunk: unfold its samples side by side, one GEMM, then each sample's [F × P] block into place with its bias.</summary>
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions;
            bool unfoldsWhilePacking = UnfoldsWhilePacking<T>(shape);
            var chunks = new Chunking<T>(shape, start, end, unfolds: !unfoldsWhilePacking);
            var w = new ReadOnlySpan<T>(weights, shape.Filters * patch);
            for (int first = start; first < end; first += chunks.Samples)
            {
                int count = Math.Min(chunks.Samples, end - first), width = count * positions;
                // One sample's product is already laid out [F × P]: it goes straight to the output.
                T* product = count == 1 ? y + (long)first * shape.OutputSize : chunks.Staged;
                if (unfoldsWhilePacking)
                {
                    float* image = Padded((float*)x + (long)first * shape.InputSize, count, shape, out PaddedGeometry geometry);
                    PackedSgemm.Multiply(GemmForm.AB, (float*)weights, new UnfoldedInput(image, shape, geometry), (float*)product,
                        shape.Filters, patch, width, accumulate: false, default(NoEpilogue));
                }
                else
                {
                    chunks.Unfold(x, first, count, shape);
                    Gemm.Multiply(GemmForm.AB, w, new ReadOnlySpan<T>(chunks.Columns, patch * width), new Span<T>(product, shape.Filters * width), shape.Filters, patch, width, accumulate: false);
                }
                Chunking<T>.Place(product, count, y + (long)first * shape.OutputSize, shape, bias, accumulate: false);
                if (typeof(TActivation) != typeof(Identity))
                    Activation<TActivation>.Forward(new Span<T>(y + (long)first * shape.OutputSize, count * shape.OutputSize), negativeSlope);
            }
        }
    }

    private readonly struct WeightGradientJob<T>(T* x, T* dy, T* weightGradient, T* biasGradient, T* partial, Conv2DShape shape) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        /// <remarks>
        /// The first part of a split batch (or the whole batch) sums into the gradients, part i > 0 into partial buffer i − 1.
        /// Float layers the packed GEMM serves read colsᵀ from the images as they pack (<see cref="RunTransposedUnfolding"/>).
        /// Otherwise (float64 for gradient checks, one lane, few filters) the input is unfolded: with 64 filters or more
        /// the product runs as dWᵀ [CKK × F] = cols · dYᵀ and is transposed into dW once at the end; fewer filters leave
        /// too few columns for that, and dW = dY · colsᵀ runs as long dot products instead.
        /// </remarks>
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions, filters = shape.Filters, weights = filters * patch;
            T* dw = columnStart == 0 ? weightGradient : partial + (long)(columnStart - 1) * (weights + filters);
            T* db = biasGradient == null ? null : columnStart == 0 ? biasGradient : dw + weights;
            if (db != null)
                new Span<T>(db, filters).Clear();
            if (UnfoldsWhilePacking<T>(shape))
            {
                RunTransposedUnfolding((float*)dw, start, end);
                AddBiasGradient(dy, db, start, end, shape);
                return;
            }
            bool transposed = filters >= 64 && patch >= 64;
            var chunks = new Chunking<T>(shape, start, end);
            T* sum = transposed ? Scratch<T>.Transposed(weights) : dw;
            new Span<T>(sum, weights).Clear();
            for (int first = start; first < end; first += chunks.Samples)
            {
                int count = Math.Min(chunks.Samples, end - first), width = count * positions;
                chunks.Unfold(x, first, count, shape);
                T* outputs = dy + (long)first * shape.OutputSize;
                var columns = new ReadOnlySpan<T>(chunks.Columns, patch * width);
                if (transposed)
                {
                    GatherTransposed(outputs, chunks.Staged, count, shape);
                    Gemm.Multiply(GemmForm.AB, columns, new ReadOnlySpan<T>(chunks.Staged, width * filters), new Span<T>(sum, weights), patch, width, filters, accumulate: true);
                }
                else
                    Gemm.Multiply(GemmForm.ABt, new ReadOnlySpan<T>(chunks.Side(outputs, count, shape), filters * width), columns, new Span<T>(sum, weights),
                        filters, width, patch, accumulate: true);
            }
            AddBiasGradient(dy, db, start, end, shape);
            if (transposed)
                for (int f = 0; f < filters; f++)
                    for (int r = 0; r < patch; r++)
                        dw[f * patch + r] = sum[r * filters + f];
        }

        /// <summary>
        /// dW [F × CKK] = Σ over chunks of dY [F × count·P] · colsᵀ, the packed GEMM reading colsᵀ from the (padded) images
        /// of the chunk's samples (<see cref="TransposedUnfoldedInput"/>): no im2col written out, no transpose after.
        /// </summary>
        private void RunTransposedUnfolding(float* dw, int start, int end)
        {
            Conv2DShape s = shape;
            var chunks = new Chunking<float>(s, start, end, unfolds: false);
            new Span<float>(dw, s.Filters * s.Patch).Clear();
            for (int first = start; first < end; first += chunks.Samples)
            {
                int count = Math.Min(chunks.Samples, end - first);
                float* image = Padded((float*)x + (long)first * s.InputSize, count, s, out PaddedGeometry geometry);
                float* outputs = chunks.Side((float*)dy + (long)first * s.OutputSize, count, s);
                PackedSgemm.Multiply(GemmForm.AB, outputs, new TransposedUnfoldedInput(image, s, geometry), dw, s.Filters, count * s.Positions, s.Patch,
                    accumulate: true, default(NoEpilogue));
            }
        }

    }

    /// <summary>db += Σ over samples [start, end) and positions of dY, per filter (nothing without a bias).</summary>
    private static void AddBiasGradient<T>(T* dy, T* db, int start, int end, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        if (db == null)
            return;
        for (int n = start; n < end; n++)
            for (int f = 0; f < s.Filters; f++)
                db[f] += TensorPrimitives.Sum(new ReadOnlySpan<T>(dy + (long)n * s.OutputSize + f * s.Positions, s.Positions));
    }

    private readonly struct InputGradientJob<T, TInputActivation>(T* dy, T* weights, T* dx, T* input, Conv2DShape shape, bool accumulate, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInputActivation : IActivation
    {
        /// <summary>Per chunk: its output gradients side by side, one GEMM into unfolded form, then col2im onto each sample.</summary>
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            int patch = shape.Patch, positions = shape.Positions;
            var chunks = new Chunking<T>(shape, start, end);
            var w = new ReadOnlySpan<T>(weights, shape.Filters * patch);
            for (int first = start; first < end; first += chunks.Samples)
            {
                int count = Math.Min(chunks.Samples, end - first), width = count * positions;
                T* dOutput = chunks.Side(dy + (long)first * shape.OutputSize, count, shape);
                // dcols [CKK × count·P] = Wᵀ · dY
                Gemm.Multiply(GemmForm.AtB, w, new ReadOnlySpan<T>(dOutput, shape.Filters * width), new Span<T>(chunks.Columns, patch * width), patch, shape.Filters, width, accumulate: false);
                var dInput = new Span<T>(dx + (long)first * shape.InputSize, count * shape.InputSize);
                if (!accumulate)
                    dInput.Clear();
                for (int n = 0; n < count; n++)
                    Fold(chunks.Columns + n * positions, width, dx + (long)(first + n) * shape.InputSize, shape);
                if (input != null)
                    Activation<TInputActivation>.Backward(new ReadOnlySpan<T>(input + (long)first * shape.InputSize, count * shape.InputSize), dInput, dInput, negativeSlope);
            }
        }
    }

    /// <summary>
    /// Whether the float GEMM reads the unfolded input straight from the image while packing its panels
    /// (<see cref="UnfoldedInput"/>) instead of im2col writing it out first; the double path (gradient checks) and
    /// products too small for the packed kernel unfold into memory.
    /// </summary>
    private static bool UnfoldsWhilePacking<T>(in Conv2DShape shape)
        => typeof(T) == typeof(float) && Vectorized.Current != SimdWidth.Scalar && shape.Filters >= FiltersToPackWhileUnfolding && shape.Patch >= 8;

    /// <summary>
    /// Each packed panel of the unfolded input serves every filter's row tile: below about five tiles, gathering it
    /// panel by panel costs more than im2col's row-long copies, and the GEMM reads so few rows' B in place unpacked.
    /// </summary>
    private const int FiltersToPackWhileUnfolding = 32;

    /// <summary>
    /// With stride 1, dX is itself a convolution: dY convolved with the kernels flipped and their channel and filter
    /// axes swapped, padded by d·(k − 1) − pad. Computed that way it is a deep product (depth F·kh·kw) written straight
    /// into dX, where Wᵀ · dY is a product of depth F into unfolded columns that col2im then folds back (a 64-channel
    /// 3×3 layer: 2.4 MB of columns per 32×32 sample, written and read again).
    /// </summary>
    private static bool TransposedConvolution<T>(in Conv2DShape s, out Conv2DShape transposed)
    {
        transposed = Transposed(s);
        return s.StrideY == 1 && s.StrideX == 1 && transposed.PadTop >= 0 && transposed.PadLeft >= 0 && UnfoldsWhilePacking<T>(transposed);
    }

    /// <summary>The transposed convolution (<see cref="TransposedConvolution"/>) at stride 1 with few input channels: run by the direct kernel.</summary>
    private static bool DirectTransposedConvolution<T>(in Conv2DShape s, out Conv2DShape transposed, out SimdWidth width)
    {
        transposed = Transposed(s);
        width = s.StrideY == 1 && s.StrideX == 1 && transposed.PadTop >= 0 && transposed.PadLeft >= 0 ? DirectWidth<T>(transposed) : SimdWidth.Scalar;
        return width != SimdWidth.Scalar;
    }

    /// <summary>dX = dY ⊛ W′ as a convolution's shape: dY [F × OH × OW] in, dX [C × H × W] out, padded by d·(k − 1) − pad.</summary>
    private static Conv2DShape Transposed(in Conv2DShape s)
    {
        int padTop = s.DilationY * (s.KernelHeight - 1) - s.PadTop, padLeft = s.DilationX * (s.KernelWidth - 1) - s.PadLeft;
        return new Conv2DShape(s.Filters, s.OutputHeight, s.OutputWidth, s.Channels, s.KernelHeight, s.KernelWidth, 1, 1, padTop, padLeft,
            s.DilationY, s.DilationX, s.Height, s.Width);
    }

    /// <summary>W′[c, f, i, j] = W[f, c, kh − 1 − i, kw − 1 − j] into this thread's buffer: the transposed convolution's kernels.</summary>
    private static float* Flip(float* weights, in Conv2DShape s)
    {
        int taps = s.KernelHeight * s.KernelWidth;
        float* flipped = Scratch<float>.Flipped(s.Filters * s.Patch);
        for (int f = 0; f < s.Filters; f++)
            for (int c = 0; c < s.Channels; c++)
            {
                float* from = weights + ((long)f * s.Channels + c) * taps;
                float* to = flipped + ((long)c * s.Filters + f) * taps;
                for (int t = 0; t < taps; t++)
                    to[t] = from[taps - 1 - t];
            }
        return flipped;
    }

    /// <summary>
    /// dX (+)= dY ⊛ W′ for stride 1 (<see cref="TransposedConvolution"/>), then ⊙ f′(x) for the input's activation.
    /// <paramref name="transposed"/> is the transposed convolution's shape: dY is its input, dX its output.
    /// </summary>
    private readonly struct TransposedInputGradientJob<TInputActivation>(float* dy, float* flipped, float* dx, float* input, Conv2DShape transposed, bool accumulate,
        float negativeSlope) : IGemmJob
        where TInputActivation : IActivation
    {
        public void Run(int start, int end, int columnStart, int columnEnd)
        {
            Conv2DShape s = transposed;
            int positions = s.Positions;
            var chunks = new Chunking<float>(s, start, end, unfolds: false);
            for (int first = start; first < end; first += chunks.Samples)
            {
                int count = Math.Min(chunks.Samples, end - first), width = count * positions;
                float* target = dx + (long)first * s.OutputSize;
                // One sample's product is already laid out [C × H·W]: unless it adds to dX, it goes straight there.
                float* product = count == 1 && !accumulate ? target : chunks.Staged;
                float* image = Padded(dy + (long)first * s.InputSize, count, s, out PaddedGeometry geometry);
                PackedSgemm.Multiply(GemmForm.AB, flipped, new UnfoldedInput(image, s, geometry), product, s.Filters, s.Patch, width,
                    accumulate: false, default(NoEpilogue));
                Chunking<float>.Place(product, count, target, s, null, accumulate);
                if (input != null)
                {
                    var dInput = new Span<float>(target, count * s.OutputSize);
                    Activation<TInputActivation>.Backward(new ReadOnlySpan<float>(input + (long)first * s.OutputSize, count * s.OutputSize), dInput, dInput, negativeSlope);
                }
            }
        }
    }

    /// <summary>
    /// The unfolded input of the samples from <paramref name="image"/> on, as the GEMM's B, read from the (padded) images
    /// while the GEMM packs it: B(p, q) with p = (c, i, j) a kernel tap and q = n·P + position an output position of
    /// sample n — what im2col would write, never written whole (a 64-channel 3×3 layer on 32×32 maps unfolds 2.4 MB per
    /// sample, 4.6 times a 512 KB L2, which the GEMM would then read back to pack). The images are padded
    /// (<see cref="Padded"/>), so a panel row is, per run of positions along one output row, one copy with no bounds.
    /// </summary>
    private readonly struct UnfoldedInput(float* image, Conv2DShape shape, PaddedGeometry geometry) : IPanelSource
    {
        public static bool IsMatrix => false;

        public void Pack(float* panel, int panelWidth, int pc, int kc, int column, int columns)
        {
            Conv2DShape s = shape;
            int* taps = stackalloc int[Math.Max(kc, 1)];
            geometry.TapOffsets(pc, kc, s, taps);
            // The panel's columns as runs that stay within one output row of one sample: per tap, a run is one copy
            // from where its first position reads that tap.
            for (int q = column, end = column + columns; q < end;)
            {
                int n = q / s.Positions, position = q - n * s.Positions;
                int oy = position / s.OutputWidth, ox = position - oy * s.OutputWidth;
                int length = Math.Min(end - q, s.OutputWidth - ox);
                float* source = image + n * geometry.SampleSize + (long)oy * s.StrideY * geometry.Width + ox * s.StrideX;
                float* target = panel + (q - column);
                if (s.StrideX == 1)
                    for (int p = 0; p < kc; p++)
                        CopyRun(source + taps[p], target + (long)p * panelWidth, length);
                else
                    for (int p = 0; p < kc; p++)
                        for (int t = 0; t < length; t++)
                            target[(long)p * panelWidth + t] = source[taps[p] + (long)t * s.StrideX];
                q += length;
            }
            if (columns < panelWidth)
                for (int p = 0; p < kc; p++)
                    new Span<float>(panel + (long)p * panelWidth + columns, panelWidth - columns).Clear();
        }
    }

    /// <summary>
    /// A run of a row (a panel row's positions, an image row) is a few vectors long: copied in the widest vectors
    /// inline, where a call to memmove would cost more than the copy; a length that is no multiple of the vector ends
    /// with one vector overlapping the last (source and target never overlap), not a scalar tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* from, float* to, int length)
    {
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
            CopyRun<Vector512<float>, Vector512Ops<float>>(from, to, length);
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
            CopyRun<Vector256<float>, Vector256Ops<float>>(from, to, length);
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
            CopyRun<Vector128<float>, Vector128Ops<float>>(from, to, length);
        else
            for (int t = 0; t < length; t++)
                to[t] = from[t];
    }

    /// <summary>A run of at least one vector: whole vectors, then one more ending at the run's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun<TVector, TOps>(float* from, float* to, int length) where TVector : struct where TOps : IVectorOps<float, TVector>
    {
        int t = 0, lanes = TOps.Count;
        for (; t + lanes <= length; t += lanes)
            TOps.Store(TOps.Load(ref from[t]), ref to[t]);
        if (t < length)
            TOps.Store(TOps.Load(ref from[length - lanes]), ref to[length - lanes]);
    }

    /// <summary>
    /// The extent of a sample zero-padded so that every tap at every output position reads inside it:
    /// (O − 1)·stride + d·(k − 1) + 1 rows and columns, the image at (PadTop, PadLeft) (<see cref="Pad(float*, in Conv2DShape, int, int, float*)"/>).
    /// </summary>
    private readonly record struct PaddedGeometry(int Height, int Width, long SampleSize)
    {
        public PaddedGeometry(in Conv2DShape s)
            : this((s.OutputHeight - 1) * s.StrideY + (s.KernelHeight - 1) * s.DilationY + 1, (s.OutputWidth - 1) * s.StrideX + (s.KernelWidth - 1) * s.DilationX + 1, 0)
            => SampleSize = (long)s.Channels * Height * Width;

        /// <summary>
        /// Where kernel taps [first, first + count) read, each tap (c, i, j) from where tap (0, 0) of channel 0 does:
        /// one division for the first, then stepping through (c, i, j) — a panel packs up to KC of them.
        /// </summary>
        public void TapOffsets(int first, int count, in Conv2DShape s, int* offsets)
        {
            int taps = s.KernelHeight * s.KernelWidth;
            for (int t = 0, c = first / taps, i = first % taps / s.KernelWidth, j = first % s.KernelWidth; t < count; t++)
            {
                offsets[t] = (c * Height + i * s.DilationY) * Width + j * s.DilationX;
                if (++j == s.KernelWidth)
                {
                    j = 0;
                    if (++i == s.KernelHeight)
                    {
                        i = 0;
                        c++;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Samples [0, <paramref name="count"/>) from <paramref name="x"/> on as every tap reads them: the images themselves
    /// when no tap reaches past an edge, else zero-padded copies in this thread's buffer.
    /// </summary>
    private static float* Padded(float* x, int count, in Conv2DShape s, out PaddedGeometry geometry)
    {
        var padded = new PaddedGeometry(s);
        if (s.PadTop == 0 && s.PadLeft == 0 && padded.Height <= s.Height && padded.Width <= s.Width)
        {
            geometry = new PaddedGeometry(s.Height, s.Width, s.InputSize);
            return x;
        }
        geometry = padded;
        float* buffer = Scratch<float>.Padded((int)(count * padded.SampleSize));
        for (int n = 0; n < count; n++)
            Pad(x + (long)n * s.InputSize, s, padded.Height, padded.Width, buffer + n * padded.SampleSize);
        return buffer;
    }

    /// <summary>
    /// The unfolded input transposed, as the GEMM's B for dW = dY · colsᵀ: B(q, t) with q = n·P + position an output
    /// position of sample n (the depth) and t = (c, i, j) a kernel tap (the column), read from the (padded) images
    /// (<see cref="Padded"/>) so that no tap needs a bounds check. At stride 1, eight positions along one output row read eight
    /// consecutive pixels for each tap: eight taps' runs are loaded and transposed in registers into eight panel rows,
    /// where the im2col form wrote [CKK × positions] out (4.7 MB for two 32×32 samples of a 64-channel 3×3 layer) and
    /// the GEMM then gathered it back an element at a time.
    /// </summary>
    private readonly struct TransposedUnfoldedInput(float* image, Conv2DShape shape, PaddedGeometry geometry) : IPanelSource
    {
        public static bool IsMatrix => false;

        public void Pack(float* panel, int panelWidth, int pc, int kc, int column, int columns)
        {
            Conv2DShape s = shape;
            int* offsets = stackalloc int[Math.Max(columns, 1)];
            geometry.TapOffsets(column, columns, s, offsets);
            int blocked = Avx.IsSupported && s.StrideX == 1 ? columns & ~7 : 0;
            for (int p = 0; p < kc;)
            {
                int q = pc + p, n = q / s.Positions, position = q - n * s.Positions;
                int oy = position / s.OutputWidth, ox = position - oy * s.OutputWidth;
                float* corner = image + n * geometry.SampleSize + (long)oy * s.StrideY * geometry.Width + ox * s.StrideX;
                float* target = panel + (long)p * panelWidth;
                if (blocked > 0 && p + 8 <= kc && ox + 8 <= s.OutputWidth)
                {
                    for (int t = 0; t < blocked; t += 8)
                        Transpose8x8.Gather(corner, offsets + t, target + t, panelWidth);
                    for (int r = 0; r < 8; r++)
                    {
                        float* row = target + (long)r * panelWidth;
                        for (int t = blocked; t < columns; t++)
                            row[t] = corner[offsets[t] + r];
                        for (int t = columns; t < panelWidth; t++)
                            row[t] = 0f;
                    }
                    p += 8;
                }
                else
                {
                    for (int t = 0; t < columns; t++)
                        target[t] = corner[offsets[t]];
                    for (int t = columns; t < panelWidth; t++)
                        target[t] = 0f;
                    p++;
                }
            }
        }
    }

    /// <summary>[count × F × P] (NCHW) → [count·P × F]: one row of filter gradients per output position.</summary>
    private static void GatherTransposed<T>(T* source, T* target, int count, in Conv2DShape s) where T : unmanaged
    {
        int positions = s.Positions, filters = s.Filters;
        for (int n = 0; n < count; n++)
            for (int f = 0; f < filters; f++)
            {
                T* from = source + (long)n * s.OutputSize + f * positions;
                T* to = target + (long)n * positions * filters + f;
                for (int p = 0; p < positions; p++)
                    to[(long)p * filters] = from[p];
            }
    }

    /// <summary>
    /// im2col: row (c, i, j) of <paramref name="columns"/> (rows <paramref name="rowStride"/> apart) holds, for every
    /// output position, the input pixel the kernel tap (i, j) of channel c reads there, or 0 in the padding.
    /// </summary>
    private static void Unfold<T>(T* x, T* columns, int rowStride, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        for (int c = 0; c < s.Channels; c++)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    T* row = columns + (long)((c * s.KernelHeight + i) * s.KernelWidth + j) * rowStride;
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
    private static void Fold<T>(T* columns, int rowStride, T* dx, in Conv2DShape s) where T : unmanaged, INumber<T>
    {
        for (int c = 0; c < s.Channels; c++)
            for (int i = 0; i < s.KernelHeight; i++)
                for (int j = 0; j < s.KernelWidth; j++)
                {
                    T* row = columns + (long)((c * s.KernelHeight + i) * s.KernelWidth + j) * rowStride;
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
        [ThreadStatic] private static T[]? t_staged;
        [ThreadStatic] private static T[]? t_partial;
        [ThreadStatic] private static T[]? t_transposed;
        [ThreadStatic] private static T[]? t_flipped;
        [ThreadStatic] private static T[]? t_padded;
        [ThreadStatic] private static T[]? t_lanes;
        [ThreadStatic] private static T[]? t_regrouped;

        public static T* Columns(int length) => Pin(ref t_columns, length);

        public static T* Staged(int length) => Pin(ref t_staged, length);

        public static T* Partial(int length) => Pin(ref t_partial, length);

        public static T* Transposed(int length) => Pin(ref t_transposed, length);

        public static T* Flipped(int length) => Pin(ref t_flipped, length);

        public static T* Padded(int length) => Pin(ref t_padded, length);

        public static T* Lanes(int length) => Pin(ref t_lanes, length);

        public static T* Regrouped(int length) => Pin(ref t_regrouped, length);

        private static T* Pin(ref T[]? buffer, int length) => PinnedScratch.Get(ref buffer, length);
    }
}
