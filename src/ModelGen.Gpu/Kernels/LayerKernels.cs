using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>The element-wise and per-column kernels of the layers, beside the GEMM.</summary>
public static class LayerKernels
{
    /// <summary>Columns per group of <see cref="BiasGradient"/>.</summary>
    public const int BiasColumns = 32;

    /// <summary>Row slices per group of <see cref="BiasGradient"/>: 32 × 8 = 256 threads.</summary>
    public const int BiasSlices = 8;

    /// <summary>Groups for a bias gradient over <paramref name="columns"/> units.</summary>
    public static KernelConfig BiasGradientConfig(int columns) => new((columns + BiasColumns - 1) / BiasColumns, BiasColumns * BiasSlices);

    /// <summary>
    /// db[column] = Σ_rows dy[row, column]. A group owns 32 columns; its 8 row slices each sum every 8th row (32
    /// neighbouring threads read 32 neighbouring addresses), then add up in shared memory in a fixed order, so a layer
    /// of 10 units still spreads a batch of 1024 rows over 256 threads.
    /// </summary>
    public static void BiasGradient(ArrayView<float> outputGradient, ArrayView<float> biasGradient, int rows, int columns)
    {
        var sums = SharedMemory.Allocate<float>(BiasColumns * BiasSlices);
        int lane = Group.IdxX % BiasColumns, slice = Group.IdxX / BiasColumns;
        int column = Grid.IdxX * BiasColumns + lane;
        float sum = 0f;
        if (column < columns)
            for (int row = slice; row < rows; row += BiasSlices)
                sum += outputGradient[row * columns + column];
        float total = ColumnTotal(sums, sum, lane);
        if (slice == 0 && column < columns)
            biasGradient[column] = total;
    }

    /// <summary>
    /// The column's total over a group's <see cref="BiasSlices"/> row slices, added in slice order (so it does not
    /// depend on scheduling); every thread of the column gets it. Called by all threads of the group (it holds barriers).
    /// </summary>
    internal static float ColumnTotal(ArrayView<float> sums, float value, int lane)
    {
        sums[Group.IdxX] = value;
        Group.Barrier();
        float total = 0f;
        for (int s = 0; s < BiasSlices; s++)
            total += sums[s * BiasColumns + lane];
        Group.Barrier();
        return total;
    }

    /// <summary>y = f(x), element-wise (an activation that could not ride in a GEMM epilogue); in place when the views alias.</summary>
    public static void ActivationForward<TActivation>(Index1D i, ArrayView<float> input, ArrayView<float> output, float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => output[i] = default(TActivation).Apply(input[i], negativeSlope);

    /// <summary>dx = dy ⊙ f′(y); in place when the gradient views alias.</summary>
    public static void ActivationBackward<TActivation>(Index1D i, ArrayView<float> output, ArrayView<float> outputGradient, ArrayView<float> inputGradient,
        float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => inputGradient[i] = outputGradient[i] * default(TActivation).Derivative(output[i], negativeSlope);

    /// <summary>c = f(c + bias[column]) in place: the epilogue of a Dense forward whose product came from cuBLAS.</summary>
    public static void BiasActivation<TActivation>(Index1D i, ArrayView<float> values, ArrayView<float> bias, int columns, int hasBias, float negativeSlope)
        where TActivation : struct, IDeviceActivation
    {
        float v = values[i];
        values[i] = default(TActivation).Apply(hasBias != 0 ? v + bias[i % columns] : v, negativeSlope);
    }

    /// <summary>
    /// Inverted dropout with the CPU path's masks: element i is kept when MurmurHash3's finalizer of key + i·φ reaches
    /// the threshold (src/ModelGen/Ops/DropoutOp.cs; the key is computed on the host from seed, step and stream), and
    /// kept elements are scaled by 1/(1 − rate). Backward runs the same kernel on the gradients. <paramref name="apply"/> 0
    /// copies (inference).
    /// </summary>
    public static void Dropout(Index1D i, ArrayView<float> source, ArrayView<float> destination, uint key, uint threshold, float scale, int apply)
    {
        if (apply == 0)
        {
            destination[i] = source[i];
            return;
        }
        uint h = key + (uint)i.X * 0x9E3779B9u;
        h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
        h = (h ^ (h >> 13)) * 0xC2B2AE35u;
        h ^= h >> 16;
        destination[i] = h >= threshold ? source[i] * scale : 0f;
    }

    /// <summary>The counter hash of element <paramref name="index"/> under <paramref name="key"/> (ModelGen.Ops.DropoutOp's, lane for lane).</summary>
    private static uint Hash(uint key, int index)
    {
        uint h = key + (uint)index * 0x9E3779B9u;
        h = (h ^ (h >> 16)) * 0x85EBCA6Bu;
        h = (h ^ (h >> 13)) * 0xC2B2AE35u;
        return h ^ (h >> 16);
    }

    /// <summary>The uniform in (0, 1) that ModelGen.Ops.CounterRandom draws for element <paramref name="index"/>: (top 24 bits + ½)·2⁻²⁴.</summary>
    private static float Uniform(uint key, int index) => ((Hash(key, index) >> 8) + 0.5f) * (1f / 16777216f);

    /// <summary>
    /// Gaussian noise: destination = source + σ·n with n = √(−2 ln u₁)·cos 2πu₂ (the CPU's draws); <paramref name="apply"/>
    /// 0 copies (inference, and backward, whose gradient passes through).
    /// </summary>
    public static void GaussianNoise(Index1D i, ArrayView<float> source, ArrayView<float> destination, uint key, float deviation, int apply)
    {
        if (apply == 0)
        {
            destination[i] = source[i];
            return;
        }
        float radius = XMath.Sqrt(-2f * XMath.Log(Uniform(key, i)));
        destination[i] = source[i] + deviation * radius * XMath.Cos(2f * XMath.PI * Uniform(key ^ 0x5BD1E995u, i));
    }

    /// <summary>
    /// RReLU: target = z &gt; 0 ? source : a·source, a = lower + range·u (this step's draw) when <paramref name="training"/>,
    /// else lower + range/2; forward passes source = z, backward source = dy (always the training slopes).
    /// </summary>
    public static void RReLU(Index1D i, ArrayView<float> input, ArrayView<float> source, ArrayView<float> target, uint key, float lower, float range, int training)
    {
        float slope = training != 0 ? lower + range * Uniform(key, i) : lower + range * 0.5f;
        target[i] = input[i] > 0f ? source[i] : slope * source[i];
    }

    /// <summary>g ← clamp(g, −maxValue, maxValue) (PyTorch's clip_grad_value_); NaN stays NaN.</summary>
    public static void ClipByValue(Index1D i, ArrayView<float> gradients, float maxValue)
    {
        float g = gradients[i];
        gradients[i] = g > maxValue ? maxValue : g < -maxValue ? -maxValue : g;
    }

    /// <summary>
    /// The max-norm constraint for unit <paramref name="unit"/>: its <paramref name="fanIn"/> incoming weights (a column of
    /// [fanIn × units] when <paramref name="unitsAreColumns"/> is 1, else a row of [units × fanIn]) rescaled by
    /// maxNorm / (‖w‖₂ + 1e-7) when their norm exceeds <paramref name="maxNorm"/>, as on the CPU.
    /// </summary>
    public static void MaxNorm(Index1D unit, ArrayView<float> weights, int units, int fanIn, int unitsAreColumns, float maxNorm)
    {
        int start = unitsAreColumns != 0 ? unit : unit * fanIn, stride = unitsAreColumns != 0 ? units : 1;
        float sum = 0f;
        for (int k = 0; k < fanIn; k++)
        {
            float w = weights[start + k * stride];
            sum += w * w;
        }
        float norm = XMath.Sqrt(sum);
        if (norm <= maxNorm)
            return;
        float factor = maxNorm / (norm + 1e-7f);
        for (int k = 0; k < fanIn; k++)
            weights[start + k * stride] *= factor;
    }

    /// <summary>
    /// PReLU over [rows × channels × spatial] (spatial 1 on a flat layer; channels 1 when the slope is shared), as
    /// ModelGen.Ops.PReLUOp: <paramref name="pass"/> 0 writes y = z &gt; 0 ? z : a·z from <paramref name="source"/> = z;
    /// 1 writes dz = dy ⊙ (z &gt; 0 ? 1 : a) from <paramref name="source"/> = dy.
    /// </summary>
    public static void PReLU(Index1D i, ArrayView<float> input, ArrayView<float> source, ArrayView<float> target, ArrayView<float> slopes, int channels, int spatial, int pass)
    {
        float z = input[i], slope = slopes[i / spatial % channels];
        target[i] = pass == 0 ? (z > 0f ? z : slope * z) : source[i] * (z > 0f ? 1f : slope);
    }

    /// <summary>Maxout forward, one thread per output: y[r, j] = max over p of z[r, p·units + j] (piece-major, as ModelGen.Ops.MaxoutOp).</summary>
    public static void MaxoutForward(Index1D i, ArrayView<float> pieces, ArrayView<float> output, int units, int pieceCount)
    {
        int row = i / units, unit = i - row * units, start = row * units * pieceCount + unit;
        float max = pieces[start];
        for (int p = 1; p < pieceCount; p++)
            max = XMath.Max(max, pieces[start + p * units]);
        output[i] = max;
    }

    /// <summary>Maxout backward, one thread per output: dy to the first piece equal to the maximum, 0 to the others.</summary>
    public static void MaxoutBackward(Index1D i, ArrayView<float> pieces, ArrayView<float> output, ArrayView<float> outputGradient, ArrayView<float> pieceGradient,
        int units, int pieceCount)
    {
        int row = i / units, unit = i - row * units, start = row * units * pieceCount + unit;
        bool taken = false;
        for (int p = 0; p < pieceCount; p++)
        {
            bool first = !taken && pieces[start + p * units] == output[i];
            pieceGradient[start + p * units] = first ? outputGradient[i] : 0f;
            taken |= first;
        }
    }

    /// <summary>da_c = Σ over rows and positions of dy·min(z, 0): one thread per slope, rows and positions in order (as the CPU sums them).</summary>
    public static void PReLUSlopeGradient(Index1D channel, ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> slopeGradient, int rows, int channels, int spatial)
    {
        float sum = 0f;
        for (int row = 0; row < rows; row++)
            for (int p = 0; p < spatial; p++)
            {
                int index = (row * channels + channel) * spatial + p;
                float z = input[index];
                if (z <= 0f)
                    sum += outputGradient[index] * z;
            }
        slopeGradient[channel] = sum;
    }

    /// <summary>values ← values · scalars[slot] (a scale computed on the device, e.g. one tensor's clipping scale).</summary>
    public static void ScaleByScalar(Index1D i, ArrayView<float> values, ArrayView<float> scalars, int slot) => values[i] *= scalars[slot];

    /// <summary>Weight penalties: g ← s·g + λ₂·w + λ₁·sign(w), s being the clipping scale on the device (sign(0) = 0, as on the CPU).</summary>
    public static void DecayGradient(Index1D i, ArrayView<float> gradients, ArrayView<float> parameters, ArrayView<float> scalars, float l2, float l1)
    {
        float w = parameters[i];
        float penalty = l2 * w + (w > 0f ? l1 : w < 0f ? -l1 : 0f);
        gradients[i] = scalars[DeviceScalars.GradientScale] * gradients[i] + penalty;
    }
}
