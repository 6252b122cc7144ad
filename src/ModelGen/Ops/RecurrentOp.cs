using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// One recurrent cell's element-wise step (PyTorch's gate equations), for one sample at one time step, written once
/// over <see cref="IVectorOps{T, TVector}"/>: the driver (<see cref="RecurrentOp"/>) does the GEMMs, the cell does
/// everything between them while the step's rows are in cache.
/// </summary>
/// <remarks>
/// Row spans: <c>input</c> [G·H] is x·W_ihᵀ, read before <c>gates</c> [G·H] is written with what backward reads (the
/// activated gates) — the same row, or a distinct token's projection that several rows share;
/// <c>recurrent</c> [G·H] is h_{t−1}·W_hhᵀ (empty on the first step, whose state is zero); <c>cell</c> [H] is the
/// LSTM's c_t or the GRU's W_hn·h_{t−1} + b_hn; previous spans are empty on the first step.
/// </remarks>
public interface IRecurrentCell
{
    /// <summary>Gate blocks of H units in W_ih's rows: 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n), 1 (simple RNN).</summary>
    static abstract int GateCount { get; }

    /// <summary>
    /// The bias every row of the input projection gets (<paramref name="bias"/> [G·H]): the parts of b_ih and b_hh that add
    /// straight into the pre-activations, added once per projected row instead of twice per cell and step — all of both,
    /// unless a cell keeps part of b_hh apart.
    /// </summary>
    static virtual void StepBias<T>(ReadOnlySpan<T> inputBias, ReadOnlySpan<T> hiddenBias, Span<T> bias, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => System.Numerics.Tensors.TensorPrimitives.Add(inputBias[..bias.Length], hiddenBias[..bias.Length], bias);

    /// <summary>
    /// Writes h_t (and what backward needs) for one sample from <paramref name="input"/>, its row of x·W_ihᵀ +
    /// <see cref="StepBias"/>; <paramref name="hiddenBias"/> is b_hh for a cell that needs it apart (the GRU's candidate);
    /// <paramref name="negativeSlope"/> serves a leaky activation.
    /// </summary>
    static abstract void Forward<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> hiddenBias,
        ReadOnlySpan<T> previousCell, Span<T> cell, ReadOnlySpan<T> previousHidden, Span<T> hidden, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>
    /// From ∂loss/∂h_t (<paramref name="hiddenGradient"/>) writes the pre-activation gradients of the x-side
    /// (<paramref name="inputGateGradient"/>) and h-side (<paramref name="hiddenGateGradient"/>, the same span unless the cell
    /// treats them differently), carries the cell gradient in <paramref name="cellCarry"/>, and adds direct (non-GEMM)
    /// paths to h_{t−1} into <paramref name="previousHiddenGradient"/> (empty on the first step).
    /// </summary>
    static abstract void Backward<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell, ReadOnlySpan<T> previousCell,
        ReadOnlySpan<T> previousHidden, ReadOnlySpan<T> hidden, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> cellCarry,
        Span<T> previousHiddenGradient, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;

    /// <summary>The GRU's h-side gradient differs from its x-side one in the candidate block; others share one buffer.</summary>
    static abstract bool SeparateHiddenGateGradient { get; }

    /// <summary>The LSTM carries c_t; the GRU keeps W_hn·h + b_hn per step; the simple RNN keeps nothing.</summary>
    static abstract bool KeepsCell { get; }
}

/// <summary>
/// Recurrent layers over time-major sequences: x [steps × batch × inputs], h [steps × batch × units], row
/// t·batch + n for sample n at step t — so each step's rows are one contiguous [batch × …] block, the input
/// projection of every step is one GEMM, and a shorter batch (<c>steps</c> below the declared length) is a prefix.
/// A sample of length L has outputs and cell state 0 at steps t ≥ L, in either direction: right padding then neither
/// reaches the real steps nor receives gradient (PyTorch's packed sequences). The reverse direction runs t = steps−1 … 0.
/// Weights are PyTorch's: W_ih [G·H × inputs], W_hh [G·H × H], b_ih and b_hh [G·H].
/// </summary>
public static unsafe class RecurrentOp
{
    /// <summary>
    /// Forward over every step: gates ← x·W_ihᵀ + the step bias for all steps (one GEMM), then per step recurrent ←
    /// h_{t−1}·W_hhᵀ (one GEMM) and the cell's fused step. <paramref name="recurrent"/> is [batch × G·H] scratch.
    /// </summary>
    public static void Forward<T, TCell>(ReadOnlySpan<T> x, ReadOnlySpan<T> inputWeights, ReadOnlySpan<T> hiddenWeights,
        ReadOnlySpan<T> inputBias, ReadOnlySpan<T> hiddenBias, Span<T> hidden, Span<T> gates, Span<T> cells, Span<T> recurrent,
        ReadOnlySpan<int> lengths, int batch, int steps, int inputs, int units, bool reverse, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int rows = batch * steps;
        Project<T, TCell>(x[..(rows * inputs)], inputWeights, inputBias, hiddenBias, gates[..(rows * width)], rows, inputs, units);
        Sweep<T, TCell>(gates, default, hiddenWeights, hiddenBias, hidden, gates, cells, recurrent, lengths, batch, steps, units, reverse, negativeSlope);
    }

    /// <summary>
    /// Forward from an embedding's distinct-token rows (<see cref="DistinctTokens"/>, <see cref="EmbeddingOp.ForwardDistinct"/>):
    /// <paramref name="projection"/> ← rows·W_ihᵀ once per distinct token (one GEMM), then the steps as <see cref="Forward"/>,
    /// each position's cell reading its token's projection.
    /// </summary>
    public static void ForwardDistinct<T, TCell>(DistinctTokens tokens, ReadOnlySpan<T> tokenRows, ReadOnlySpan<T> inputWeights, ReadOnlySpan<T> hiddenWeights,
        ReadOnlySpan<T> inputBias, ReadOnlySpan<T> hiddenBias, Span<T> hidden, Span<T> gates, Span<T> cells, Span<T> recurrent, Span<T> projection,
        ReadOnlySpan<int> lengths, int batch, int steps, int inputs, int units, bool reverse, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int count = tokens.Count;
        if (tokens.Slots.Length < batch * steps || projection.Length < batch * steps * width)
            throw new ArgumentException($"A recurrent layer over the distinct tokens of {batch} samples × {steps} steps, {width} gate rows, got {tokens.Slots.Length} slots "
                + $"and a projection of {projection.Length} elements.");
        Project<T, TCell>(tokenRows[..(count * inputs)], inputWeights, inputBias, hiddenBias, projection[..(count * width)], count, inputs, units);
        Sweep<T, TCell>(projection, tokens.Slots, hiddenWeights, hiddenBias, hidden, gates, cells, recurrent, lengths, batch, steps, units, reverse, negativeSlope);
    }

    /// <summary>projection [rows × G·H] ← x·W_ihᵀ + the cell's <see cref="IRecurrentCell.StepBias"/> (float: added to each tile of the GEMM while it is in cache).</summary>
    private static void Project<T, TCell>(ReadOnlySpan<T> x, ReadOnlySpan<T> inputWeights, ReadOnlySpan<T> inputBias, ReadOnlySpan<T> hiddenBias, Span<T> projection,
        int rows, int inputs, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        if (inputBias.Length < width || hiddenBias.Length < width)
            throw new ArgumentException($"A recurrent layer of {width} gate rows got biases of {inputBias.Length} and {hiddenBias.Length} elements.");
        Span<T> bias = new(PinnedScratch.Get(ref SweepScratch<T>.Bias, width), width);
        TCell.StepBias(inputBias, hiddenBias, bias, units);
        if (typeof(T) == typeof(float) && Gemm.UsePacked(rows, inputs))
        {
            fixed (T* pBias = bias)
                Gemm.MultiplyPacked(GemmForm.ABt, MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(inputWeights), MemoryMarshal.Cast<T, float>(projection),
                    rows, inputs, width, accumulate: false, new BiasEpilogue((float*)pBias));
            return;
        }
        for (int row = 0; row < rows; row++)
            bias.CopyTo(projection.Slice(row * width, width));
        Gemm.Multiply(GemmForm.ABt, x, inputWeights, projection, rows, inputs, width, accumulate: true);
    }

    /// <summary>The time loop of both forwards: the input row of position r is row <c>inputRows[r]</c> of <paramref name="input"/>, or row r when <paramref name="inputRows"/> is empty.</summary>
    private static void Sweep<T, TCell>(ReadOnlySpan<T> input, ReadOnlySpan<int> inputRows, ReadOnlySpan<T> hiddenWeights, ReadOnlySpan<T> hiddenBias,
        Span<T> hidden, Span<T> gates, Span<T> cells, Span<T> recurrent, ReadOnlySpan<int> lengths,
        int batch, int steps, int units, bool reverse, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        fixed (T* pInput = input, pHiddenWeights = hiddenWeights, pHiddenBias = hiddenBias, pHidden = hidden, pGates = gates, pCells = cells,
            pRecurrent = recurrent)
        fixed (int* pInputRows = inputRows, pLengths = lengths)
        {
            var sweep = new ForwardSweep<T, TCell>(new StepMatrix<T>(GemmForm.ABt, pHiddenWeights, units, width, batch), pInput, pInputRows, pHiddenBias,
                pHidden, pGates, pCells, pRecurrent, pLengths, batch, steps, units, reverse, negativeSlope);
            Split(ref sweep, batch, (long)batch * steps * width * units);
        }
    }

    /// <summary>
    /// Samples never meet inside a recurrent layer, so two cores each run every step for half of the batch, with no
    /// synchronization per step (a batch split per step would wait twice per step for products of microseconds).
    /// </summary>
    private static void Split<TSweep>(ref TSweep sweep, int batch, long multiplyAdds) where TSweep : struct, IGemmJob
        => GemmWorker.RunHalves(ref sweep, batch, split: SplitsSweep(batch, multiplyAdds), worthWaking: multiplyAdds >= WakeThreshold);

    /// <summary>Whether a sweep over <paramref name="batch"/> samples runs as two halves (on one core the batch stays whole: each step's product then runs on all of its rows at once).</summary>
    private static bool SplitsSweep(int batch, long multiplyAdds) => batch >= 8 && multiplyAdds >= SplitThreshold && GemmWorker.IsAvailable;

    /// <summary>
    /// The B [k × n] of the product a sweep repeats at every step (W_hhᵀ forward, W_hh backward), prepared by each core
    /// for the rows it runs: float at a vector width packs it into the GEMM's panels, read from L1 by every step's tiles
    /// (the tagger's LSTM step, 32 rows × 64 × 256, one Xeon core: 10.6 µs unpacked → 7.0); otherwise the unpacked product
    /// reads it row-major, which also serves one-row steps (a batch of one), where its matrix-vector loop is faster (0.96
    /// µs against 1.16). Each core packs its own copy into its own scratch: panels packed by the caller reached the
    /// helper's steps from the caller's cache, and the packing ran alone before the halves (LSTM classifier, two Xeon
    /// cores: 9 + 5.6 µs a train step); a core that runs both halves of a sweep packs once.
    /// </summary>
    private readonly unsafe struct StepMatrix<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private static long s_sweeps;

        private readonly GemmForm _form;
        private readonly T* _weights;
        private readonly int _k, _n;
        private readonly bool _packed;
        private readonly long _sweep;

        /// <summary>
        /// B from <paramref name="weights"/> (pinned for the sweep): for <see cref="GemmForm.ABt"/> stored [n × k], for
        /// <see cref="GemmForm.AB"/> [k × n]; a step's rows are the batch, or its halves (at least 4) on two cores.
        /// </summary>
        public StepMatrix(GemmForm form, T* weights, int k, int n, int batch)
        {
            _form = form;
            _weights = weights;
            _k = k;
            _n = n;
            _packed = typeof(T) == typeof(float) && Vectorized.Current != SimdWidth.Scalar && batch > 1;
            _sweep = Interlocked.Increment(ref s_sweeps);
        }

        /// <summary>B as this core's steps read it, prepared here unless this core already did for this sweep.</summary>
        public StepProduct<T> OnThisCore()
        {
            if (!_packed && _form == GemmForm.AB)
                return new StepProduct<T>(_weights, null);
            bool prepared = SweepScratch<T>.WeightsOfSweep == _sweep;
            SweepScratch<T>.WeightsOfSweep = _sweep;
            if (_packed)
            {
                float* panels = (float*)PinnedScratch.Get(ref SweepScratch<T>.Weights, PackedSgemm.PanelsLength(_k, _n));
                if (!prepared)
                    PackedSgemm.PackPanels(_form, (float*)_weights, _k, _n, panels);
                return new StepProduct<T>(null, panels);
            }
            T* matrix = PinnedScratch.Get(ref SweepScratch<T>.Weights, _k * _n);
            if (!prepared)
                for (int j = 0; j < _n; j++)
                    for (int p = 0; p < _k; p++)
                        matrix[p * _n + j] = _weights[j * _k + p];
            return new StepProduct<T>(matrix, null);
        }
    }

    /// <summary>A <see cref="StepMatrix{T}"/> as one core prepared it: packed panels, or a row-major B.</summary>
    private readonly unsafe struct StepProduct<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly T* _matrix;
        private readonly float* _panels;

        public StepProduct(T* matrix, float* panels) { _matrix = matrix; _panels = panels; }

        /// <summary>C [m × n] (+)= A [m × k] · B.</summary>
        public void Multiply(T* a, T* c, int m, int k, int n, bool accumulate)
        {
            if (_panels != null)
                PackedSgemm.MultiplyPrepacked((float*)a, _panels, (float*)c, m, k, n, accumulate);
            else
                Gemm.MultiplyUnpacked(new ReadOnlySpan<T>(a, m * k), new ReadOnlySpan<T>(_matrix, k * n), new Span<T>(c, m * n), m, k, n, accumulate);
        }
    }

    /// <summary>Below this many multiply-adds per sweep (a few tens of µs) the second core is not worth a hand-off.</summary>
    private const long SplitThreshold = 1L << 20;

    /// <summary>From this much work (≈ 100 µs and more) a sweep waits for a sleeping helper to wake.</summary>
    private const long WakeThreshold = 1L << 23;

    /// <summary>The forward time loop for samples [first, end): per step h_{t−1}·W_hhᵀ for those rows, then the cell.</summary>
    private readonly unsafe struct ForwardSweep<T, TCell>(StepMatrix<T> stepMatrix, T* input, int* inputRows, T* hiddenBias, T* hidden, T* gates, T* cells,
        T* recurrent, int* lengths, int batch, int steps, int units, bool reverse, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        public void Run(int firstSample, int endSample, int unused0, int unused1)
        {
            int width = TCell.GateCount * units, count = endSample - firstSample;
            StepProduct<T> hiddenWeights = stepMatrix.OnThisCore();
            var hiddenBiasSpan = new ReadOnlySpan<T>(hiddenBias, width);
            var hiddenSpan = new Span<T>(hidden, batch * steps * units);
            var gatesSpan = new Span<T>(gates, batch * steps * width);
            var cellsSpan = TCell.KeepsCell ? new Span<T>(cells, batch * steps * units) : default;
            var recurrentSpan = new Span<T>(recurrent, batch * width);
            var inputSpan = new ReadOnlySpan<T>(input, batch * steps * width);
            for (int s = 0; s < steps; s++)
            {
                int t = reverse ? steps - 1 - s : s;
                int previous = reverse ? t + 1 : t - 1;
                bool first = s == 0;
                if (!first)
                    hiddenWeights.Multiply(hidden + (long)(previous * batch + firstSample) * units, recurrent + (long)firstSample * width,
                        count, units, width, accumulate: false);
                int nextStepRow = s + 1 < steps ? (reverse ? t - 1 : t + 1) * batch + firstSample : -1;
                for (int n = firstSample; n < endSample; n++)
                {
                    int row = t * batch + n;
                    if (inputRows is not null)
                        PrefetchInputRow(n + 1 < endSample ? row + 1 : nextStepRow, width);
                    Span<T> h = hiddenSpan.Slice(row * units, units);
                    Span<T> c = TCell.KeepsCell ? cellsSpan.Slice(row * units, units) : default;
                    if (t >= lengths[n])
                    {
                        h.Clear();
                        c.Clear();
                        continue;
                    }
                    int previousRow = previous * batch + n;
                    TCell.Forward(
                        inputSpan.Slice((inputRows is null ? row : inputRows[row]) * width, width),
                        gatesSpan.Slice(row * width, width),
                        first ? default : recurrentSpan.Slice(n * width, width),
                        hiddenBiasSpan,
                        first || !TCell.KeepsCell ? default : cellsSpan.Slice(previousRow * units, units), c,
                        first ? default : hiddenSpan.Slice(previousRow * units, units), h,
                        units, negativeSlope);
                }
            }
        }

        /// <summary>
        /// Asks for the projection row of <paramref name="position"/> (none for −1 or a padded position) while the cell
        /// before it runs: a distinct token's row is anywhere in a table of up to a MB that both cores wrote, where the
        /// hardware prefetchers cannot follow (LSTM classifier, two Xeon cores: forward sweep 387 → 369 µs).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void PrefetchInputRow(int position, int width)
        {
            if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || position < 0 || inputRows[position] < 0)
                return;
            byte* row = (byte*)(input + (long)inputRows[position] * width);
            for (int offset = 0; offset < width * sizeof(T); offset += 64)
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(row + offset);
        }
    }

    /// <summary>
    /// Backpropagation through time. <paramref name="hiddenGradient"/> [steps × batch × units] is ∂loss/∂h from the
    /// layer's consumers and receives the recurrent terms in place as the sweep passes; the gate gradients
    /// (<paramref name="inputGateGradient"/>, and <paramref name="hiddenGateGradient"/> where the cell separates them)
    /// are kept for <see cref="BackwardParameters"/> and <see cref="BackwardInput"/>; <paramref name="inputGateGradient"/> may be
    /// <paramref name="gates"/> itself (the generated models pass one buffer): each row's gates are read before its gradients
    /// are written over them. <paramref name="cellCarry"/> is [batch × units] scratch.
    /// A layer whose consumers read only its last state (<see cref="LastState"/>) passes that state's gradient
    /// [batch × units] as <paramref name="lastStateGradient"/> and an empty <paramref name="hiddenGradient"/>: ∂loss/∂h is
    /// then needed for two steps at a time only, and each core keeps its samples' rows of those two steps in scratch of its
    /// own that stays in L1 (set as the sweep reaches a step: the gradient where the state was read, 0 elsewhere). A
    /// [steps × batch × units] buffer set row by row had its lines come in from L3 for every step (LSTM classifier, two
    /// Xeon cores: ~25 µs of the sweep).
    /// </summary>
    public static void BackwardThroughTime<T, TCell>(Span<T> hiddenGradient, ReadOnlySpan<T> hiddenWeights, ReadOnlySpan<T> hidden,
        ReadOnlySpan<T> gates, ReadOnlySpan<T> cells, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> cellCarry,
        ReadOnlySpan<int> lengths, int batch, int steps, int units, bool reverse, T negativeSlope, ReadOnlySpan<T> lastStateGradient = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        if (!lastStateGradient.IsEmpty && (lastStateGradient.Length < batch * units || !hiddenGradient.IsEmpty))
            throw new ArgumentException($"Backpropagation through time from the last states of {batch} samples × {units} units takes a last-state gradient of "
                + $"{batch * units} elements and no ∂loss/∂h sequence, got spans of {lastStateGradient.Length} and {hiddenGradient.Length} elements.");
        if (lastStateGradient.IsEmpty && hiddenGradient.Length < batch * steps * units)
            throw new ArgumentException($"Backpropagation through time over {batch} samples × {steps} steps × {units} units got a ∂loss/∂h of {hiddenGradient.Length} elements.");
        Span<T> hiddenSide = TCell.SeparateHiddenGateGradient ? hiddenGateGradient : inputGateGradient;
        if (!cellCarry.IsEmpty) // only the LSTM carries ∂loss/∂c between steps
            cellCarry[..(batch * units)].Clear();
        fixed (T* pHiddenGradient = hiddenGradient, pHiddenWeights = hiddenWeights, pHidden = hidden, pGates = gates, pCells = cells,
            pInputGateGradient = inputGateGradient, pHiddenSide = hiddenSide, pCellCarry = cellCarry, pLastState = lastStateGradient)
        fixed (int* pLengths = lengths)
        {
            var sweep = new BackwardSweep<T, TCell>(pHiddenGradient, pLastState, new StepMatrix<T>(GemmForm.AB, pHiddenWeights, width, units, batch), pHidden, pGates, pCells,
                pInputGateGradient, pHiddenSide, cellCarry.IsEmpty ? null : pCellCarry, pLengths, batch, steps, units, reverse, negativeSlope);
            Split(ref sweep, batch, (long)batch * steps * width * units);
        }
    }

    /// <summary>The backward time loop for samples [first, end): per step the cell's gradients, then dh_{t−1} += dGₕ·W_hh for those rows.</summary>
    private readonly unsafe struct BackwardSweep<T, TCell>(T* hiddenGradient, T* lastStateGradient, StepMatrix<T> stepMatrix, T* hidden, T* gates, T* cells, T* inputGateGradient,
        T* hiddenGateGradient, T* cellCarry, int* lengths, int batch, int steps, int units, bool reverse, T negativeSlope) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        public void Run(int firstSample, int endSample, int unused0, int unused1)
        {
            int width = TCell.GateCount * units, count = endSample - firstSample;
            StepProduct<T> hiddenWeights = stepMatrix.OnThisCore();
            var hiddenSpan = new ReadOnlySpan<T>(hidden, batch * steps * units);
            var gatesSpan = new ReadOnlySpan<T>(gates, batch * steps * width);
            var cellsSpan = TCell.KeepsCell ? new ReadOnlySpan<T>(cells, batch * steps * units) : default;
            var inputSide = new Span<T>(inputGateGradient, batch * steps * width);
            var hiddenSide = new Span<T>(hiddenGateGradient, batch * steps * width);
            var carrySpan = cellCarry is null ? default : new Span<T>(cellCarry, batch * units);
            // From the last state: this core's rows of ∂loss/∂h for steps of each parity, count rows apiece.
            T* twoStepRows = lastStateGradient != null ? PinnedScratch.Get(ref SweepScratch<T>.HiddenGradient, 2 * count * units) : null;
            for (int s = steps - 1; s >= 0; s--)
            {
                int t = reverse ? steps - 1 - s : s;
                int previous = reverse ? t + 1 : t - 1;
                bool first = s == 0;
                T* rows = GradientRows(twoStepRows, t, firstSample, count);
                T* previousRows = first ? null : GradientRows(twoStepRows, previous, firstSample, count);
                if (lastStateGradient != null && s == steps - 1) // the rows the sweep's first cells read
                    SetFromLastState(t, firstSample, endSample, rows);
                if (lastStateGradient != null && !first) // the rows this step's cells and product add into
                    SetFromLastState(previous, firstSample, endSample, previousRows);
                for (int n = firstSample; n < endSample; n++)
                {
                    int row = t * batch + n;
                    Span<T> dGatesInput = inputSide.Slice(row * width, width);
                    Span<T> dGatesHidden = hiddenSide.Slice(row * width, width);
                    Span<T> carry = carrySpan.IsEmpty ? default : carrySpan.Slice(n * units, units);
                    if (t >= lengths[n])
                    {
                        dGatesInput.Clear();
                        dGatesHidden.Clear();
                        carry.Clear();
                        continue;
                    }
                    int previousRow = previous * batch + n;
                    TCell.Backward(
                        new ReadOnlySpan<T>(rows + (long)(n - firstSample) * units, units),
                        gatesSpan.Slice(row * width, width),
                        TCell.KeepsCell ? cellsSpan.Slice(row * units, units) : default,
                        first || !TCell.KeepsCell ? default : cellsSpan.Slice(previousRow * units, units),
                        first ? default : hiddenSpan.Slice(previousRow * units, units),
                        hiddenSpan.Slice(row * units, units),
                        dGatesInput, dGatesHidden, carry,
                        first ? default : new Span<T>(previousRows + (long)(n - firstSample) * units, units),
                        units, negativeSlope);
                }
                if (!first) // ∂loss/∂h_{t−1} += ∂loss/∂(h-side gates) · W_hh
                    hiddenWeights.Multiply(hiddenGateGradient + (long)(t * batch + firstSample) * width, previousRows, count, width, units, accumulate: true);
            }
        }

        /// <summary>The ∂loss/∂h row of sample <paramref name="firstSample"/> at step <paramref name="t"/>, this core's other samples after it: in the sequence, or in <paramref name="twoStepRows"/> (from the last state).</summary>
        private T* GradientRows(T* twoStepRows, int t, int firstSample, int count)
            => twoStepRows != null ? twoStepRows + (long)(t & 1) * count * units : hiddenGradient + (long)(t * batch + firstSample) * units;

        /// <summary>∂loss/∂h rows of step <paramref name="t"/> for samples [first, end) at <paramref name="rows"/>: the last state's gradient where that state was read, else 0.</summary>
        private void SetFromLastState(int t, int first, int end, T* rows)
        {
            for (int n = first; n < end; n++)
            {
                var row = new Span<T>(rows + (long)(n - first) * units, units);
                if (t == (reverse ? 0 : lengths[n] - 1))
                    new ReadOnlySpan<T>(lastStateGradient + (long)n * units, units).CopyTo(row);
                else
                    row.Clear();
            }
        }
    }

    /// <summary>
    /// dW_ih = Σ_t dGᵢₜᵀ·x_t and db_ih = Σ dGᵢ (one GEMM over every step); dW_hh = Σ_t dGₕₜᵀ·h_{t−1} and db_hh = Σ dGₕ
    /// (one GEMM over the steps that have a predecessor: h_{t−1} of those steps is the hidden buffer shifted by one step).
    /// </summary>
    public static void BackwardParameters<T, TCell>(ReadOnlySpan<T> x, ReadOnlySpan<T> hidden, ReadOnlySpan<T> inputGateGradient,
        ReadOnlySpan<T> hiddenGateGradient, Span<T> inputWeightGradient, Span<T> hiddenWeightGradient, Span<T> inputBiasGradient,
        Span<T> hiddenBiasGradient, int batch, int steps, int inputs, int units, bool reverse)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int rows = batch * steps;
        if (x.Length < rows * inputs || inputWeightGradient.Length < width * inputs)
            throw new ArgumentException($"Recurrent parameter gradients over {batch} samples × {steps} steps, {inputs} inputs, {width} gate rows got spans of "
                + $"{x.Length} and {inputWeightGradient.Length} elements for x and dW_ih.");
        HiddenAndBiasGradients<T, TCell>(x, inputs, hidden, inputGateGradient, hiddenGateGradient, inputWeightGradient, hiddenWeightGradient,
            inputBiasGradient, hiddenBiasGradient, batch, steps, units, reverse);
    }

    /// <summary>
    /// The parameter gradients of a layer fed by an embedding's distinct-token rows (<see cref="DistinctTokens"/>): dW_hh and
    /// the biases as above; the x-side gate gradients of each token's positions summed into <paramref name="tokenGateGradient"/>
    /// [distinct × G·H] (Σ over positions of dGᵢᵀ·x = Σ over tokens of (Σ dGᵢ)ᵀ·E[token]), then dW_ih = that sumᵀ·rows, one
    /// GEMM over the distinct tokens. <see cref="BackwardInputDistinct"/> reads the sums. A batch run
    /// <see cref="DistinctTokens.PerPosition"/> has no sums: dW_ih = dGᵢᵀ·x over its positions.
    /// </summary>
    public static void BackwardParametersDistinct<T, TCell>(DistinctTokens tokens, ReadOnlySpan<T> tokenRows, ReadOnlySpan<T> hidden, ReadOnlySpan<T> inputGateGradient,
        ReadOnlySpan<T> hiddenGateGradient, Span<T> tokenGateGradient, Span<T> inputWeightGradient, Span<T> hiddenWeightGradient, Span<T> inputBiasGradient,
        Span<T> hiddenBiasGradient, int batch, int steps, int inputs, int units, bool reverse)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int rows = batch * steps, count = tokens.Count;
        if (tokens.Slots.Length < rows || tokenRows.Length < count * inputs || tokenGateGradient.Length < count * width || inputGateGradient.Length < rows * width
            || inputWeightGradient.Length < width * inputs)
            throw new ArgumentException($"Recurrent parameter gradients over the {count} distinct tokens of {batch} samples × {steps} steps, {inputs} inputs, {width} gate rows "
                + $"got {tokens.Slots.Length} slots and spans of {tokenRows.Length}, {tokenGateGradient.Length}, {inputGateGradient.Length} and {inputWeightGradient.Length} elements.");
        if (tokens.PerPosition) // row r of tokenRows is position r's x: the unfolded gradients
        {
            HiddenAndBiasGradients<T, TCell>(tokenRows, inputs, hidden, inputGateGradient, hiddenGateGradient, inputWeightGradient, hiddenWeightGradient,
                inputBiasGradient, hiddenBiasGradient, batch, steps, units, reverse);
            return;
        }
        HiddenAndBiasGradients<T, TCell>(default, 0, hidden, inputGateGradient, hiddenGateGradient, default, hiddenWeightGradient,
            inputBiasGradient, hiddenBiasGradient, batch, steps, units, reverse);
        // Float at a vector width: each core multiplies its half of the sums while they are in its cache (a GEMM after
        // the sums, LSTM classifier on two Xeon cores: 120 µs); otherwise one GEMM after them.
        bool halves = typeof(T) == typeof(float) && Vectorized.Current != SimdWidth.Scalar;
        bool split = (long)rows * width >= 1 << 16 && GemmWorker.IsAvailable && count >= 2;
        fixed (int* pSlots = tokens.Slots)
        fixed (T* pGradient = inputGateGradient, pSums = tokenGateGradient, pRows = tokenRows, pWeightGradient = inputWeightGradient)
        {
            T* partial = halves && split ? (T*)PinnedScratch.Get(ref BlockScratch.TokenPartial, width * inputs) : null;
            var sums = new TokenSums<T>(pSlots, pGradient, pSums, rows, width, halves ? pRows : null, pWeightGradient, partial, inputs);
            if (split)
            {
                int firstHalfEnd = EvenSplit(tokens.Occurrences.AsSpan(0, count), inputs);
                GemmWorker.RunPair(ref sums, 0, firstHalfEnd, 0, 0, firstHalfEnd, count, 0, 0, worthWaking: true);
            }
            else
                sums.Run(0, count, 0, 0);
            if (partial != null)
                System.Numerics.Tensors.TensorPrimitives.Add(inputWeightGradient[..(width * inputs)], new ReadOnlySpan<T>(partial, width * inputs), inputWeightGradient);
        }
        if (!halves)
            Gemm.Multiply(GemmForm.AtB, tokenGateGradient[..(count * width)], tokenRows[..(count * inputs)], inputWeightGradient, width, count, inputs, accumulate: false);
    }

    /// <summary>
    /// Where the token sums' slots split between two cores so both take as long: a slot costs its positions' row additions
    /// and its share of dW_ih, which costs about what inputs / 24 additions do (LSTM classifier, two Xeon cores: ~70 ns an
    /// addition, ~90 ns a slot's 256 × 32 products, from the halves' times). Slots are numbered by first position, so the
    /// frequent tokens come first: halves of the slots left the first core 1,200 of 2,048 positions and ~30 µs more work
    /// than the second (the pass 138 → 126 µs balanced). The split follows the batch alone, so the sums do not depend on
    /// timing.
    /// </summary>
    private static int EvenSplit(ReadOnlySpan<int> occurrences, int inputs)
    {
        long total = 0;
        foreach (int positions in occurrences)
            total += 24L * positions + inputs;
        long firstHalf = 0;
        for (int slot = 0; slot < occurrences.Length - 1; slot++)
        {
            firstHalf += 24L * occurrences[slot] + inputs;
            if (2 * firstHalf >= total)
                return slot + 1;
        }
        return occurrences.Length - 1;
    }

    /// <summary>
    /// Slots [first, end) of <see cref="BackwardParametersDistinct"/>'s sums: every position's dG row summed into its
    /// token's in position order (<see cref="SumRowsBySlot{T}"/>) — the same sums in the same order whichever core runs a slot. With
    /// <paramref name="tokenRows"/> (float only), then this half's dW_ih = sumsᵀ·rows (the first half into the gradient,
    /// the second into <paramref name="partial"/>).
    /// </summary>
    private readonly unsafe struct TokenSums<T>(int* slots, T* gradient, T* sums, int rows, int width, T* tokenRows, T* inputWeightGradient,
        T* partial, int inputs) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            var add = new SumRowsBySlot<T>(gradient, slots, rows, sums, first, end);
            Vectorized.Run<T, SumRowsBySlot<T>>(ref add, width);
            if (tokenRows == null)
                return;
            var target = (float*)(first == 0 ? inputWeightGradient : partial);
            if (end == first) // no tokens (a direct call over padding only)
                new Span<float>(target, width * inputs).Clear();
            else
                PackedSgemm.MultiplyOnThisThread(GemmForm.AtB, (float*)(sums + (long)first * width), (float*)(tokenRows + (long)first * inputs), target, width, end - first, inputs, accumulate: false);
        }
    }

    /// <summary>
    /// dW_hh, both bias gradients and, with <paramref name="inputs"/> &gt; 0, dW_ih = Σ dGᵢᵀ·x (a layer fed by distinct-token
    /// rows passes 0 and sums dW_ih over the tokens).
    /// </summary>
    private static void HiddenAndBiasGradients<T, TCell>(ReadOnlySpan<T> x, int inputs, ReadOnlySpan<T> hidden, ReadOnlySpan<T> inputGateGradient,
        ReadOnlySpan<T> hiddenGateGradient, Span<T> inputWeightGradient, Span<T> hiddenWeightGradient, Span<T> inputBiasGradient,
        Span<T> hiddenBiasGradient, int batch, int steps, int units, bool reverse)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int rows = batch * steps;
        ReadOnlySpan<T> hiddenSide = TCell.SeparateHiddenGateGradient ? hiddenGateGradient : inputGateGradient;
        if (hidden.Length < rows * units || inputGateGradient.Length < rows * width || hiddenSide.Length < rows * width
            || hiddenWeightGradient.Length < width * units || inputBiasGradient.Length < width || hiddenBiasGradient.Length < width)
            throw new ArgumentException($"Recurrent parameter gradients over {batch} samples × {steps} steps, {units} units, {width} gate rows got spans of "
                + $"{hidden.Length}, {inputGateGradient.Length}, {hiddenSide.Length}, {hiddenWeightGradient.Length}, "
                + $"{inputBiasGradient.Length} and {hiddenBiasGradient.Length} elements.");
        if (typeof(T) == typeof(float) && Vectorized.Current != SimdWidth.Scalar && SplitsSweep(batch, (long)batch * steps * width * units))
        {
            fixed (T* px = x, pHidden = hidden, pInputSide = inputGateGradient, pHiddenSide = hiddenSide, pInputWeightGradient = inputWeightGradient,
                pHiddenWeightGradient = hiddenWeightGradient, pInputBiasGradient = inputBiasGradient, pHiddenBiasGradient = hiddenBiasGradient)
            {
                var job = new SampleParameterGradients((float*)px, (float*)pHidden, (float*)pInputSide, (float*)pHiddenSide, TCell.SeparateHiddenGateGradient,
                    (float*)pInputWeightGradient, (float*)pHiddenWeightGradient, (float*)pInputBiasGradient, (float*)pHiddenBiasGradient,
                    SampleParameterGradients.Partial(width, inputs, units), batch, steps, inputs, units, width, reverse);
                GemmWorker.RunHalves(ref job, batch, split: true, worthWaking: (long)rows * width * (inputs + units) >= WakeThreshold);
                job.AddSecondHalf();
            }
            return;
        }
        if (inputs > 0)
            Gemm.Multiply(GemmForm.AtB, inputGateGradient[..(rows * width)], x[..(rows * inputs)], inputWeightGradient, width, rows, inputs, accumulate: false);
        DenseOp.BiasGradient(inputGateGradient, inputBiasGradient, rows, width);
        if (TCell.SeparateHiddenGateGradient)
            DenseOp.BiasGradient(hiddenSide, hiddenBiasGradient, rows, width);
        else // b_ih and b_hh add into the same pre-activations: one gradient
            inputBiasGradient[..width].CopyTo(hiddenBiasGradient);
        int pairs = batch * (steps - 1);
        if (pairs == 0)
        {
            hiddenWeightGradient[..(width * units)].Clear();
            return;
        }
        // Forward direction: steps 1… pair with hidden steps 0…; reverse: steps 0… pair with hidden steps 1….
        int gateStart = reverse ? 0 : batch;
        int hiddenStart = reverse ? batch : 0;
        Gemm.Multiply(GemmForm.AtB, hiddenSide.Slice(gateStart * width, pairs * width), hidden.Slice(hiddenStart * units, pairs * units),
            hiddenWeightGradient, width, pairs, units, accumulate: false);
    }

    /// <summary>
    /// The parameter gradients where the sweeps ran on two cores: each core sums the gradients of the samples its
    /// backward sweep had (the halves of <see cref="Split"/>), whose gate gradients are in its own cache — a split of
    /// the GEMMs' depth by time would read half of them from the other core's (LSTM classifier, two Xeon cores: ~700 µs
    /// after the sweep against ~370 alone). A block of steps at a time (depth ≈ 256), the core runs dW_ih += dGᵀ·x,
    /// dW_hh += dGₕᵀ·h_{t−1} and the bias sums while the block's rows are in L2, the GEMMs packing its samples' rows straight
    /// from the layer's buffers (<see cref="DepthRows"/>: runs of a half batch, a batch apart) — gathering them side by side
    /// first copied 1.25 MB per core and step of an LSTM classifier. The second half sums apart and is added at the end:
    /// the split follows the batch, so the result does not depend on timing.
    /// </summary>
    private readonly unsafe struct SampleParameterGradients(float* x, float* hidden, float* inputSide, float* hiddenSide, bool separateHiddenSide,
        float* inputWeightGradient, float* hiddenWeightGradient, float* inputBiasGradient, float* hiddenBiasGradient, float* partial,
        int batch, int steps, int inputs, int units, int width, bool reverse) : IGemmJob
    {
        /// <summary>Rows of one block: a 256-deep product, whose dG rows (1 KB each for an LSTM of 64 units) stay in L2 for the next product and the bias sums.</summary>
        private const int BlockDepth = 256;

        /// <summary>The second half's sums: dW_ih, dW_hh, db_ih, db_hh, side by side (this thread's, pinned).</summary>
        public static float* Partial(int width, int inputs, int units)
            => PinnedScratch.Get(ref BlockScratch.Partial, width * (inputs + units + 2));

        /// <summary>Adds the second half's sums (<see cref="Partial"/>) into the gradients, once both halves ran.</summary>
        public void AddSecondHalf()
        {
            Add(inputWeightGradient, partial, width * inputs);
            Add(hiddenWeightGradient, partial + width * inputs, width * units);
            Add(inputBiasGradient, partial + width * (inputs + units), width);
            Add(hiddenBiasGradient, partial + width * (inputs + units + 1), width);

            static void Add(float* target, float* source, int count)
                => System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<float>(target, count), new ReadOnlySpan<float>(source, count), new Span<float>(target, count));
        }

        public void Run(int firstSample, int endSample, int unused0, int unused1)
        {
            int count = endSample - firstSample;
            bool own = firstSample == 0; // the first half sums into the gradients, the second into the partial sums
            float* dWih = own ? inputWeightGradient : partial;
            float* dWhh = own ? hiddenWeightGradient : partial + width * inputs;
            float* dbih = own ? inputBiasGradient : partial + width * (inputs + units);
            float* dbhh = own ? hiddenBiasGradient : partial + width * (inputs + units + 1);
            int blockSteps = Math.Max(1, BlockDepth / count);
            // Depth p of a block is sample firstSample + p % count at step t0 + p / count: runs of count rows, batch rows apart.
            var depthRows = new DepthRows(count, batch);
            // The first step of a direction has no h_{t−1}: dW_hh sums over the others.
            int firstPaired = reverse ? 0 : 1, endPaired = reverse ? steps - 1 : steps, previousOffset = reverse ? 1 : -1;
            bool hiddenSummed = false;
            for (int t0 = 0; t0 < steps; t0 += blockSteps)
            {
                int stepsHere = Math.Min(blockSteps, steps - t0);
                long firstRow = (long)t0 * batch + firstSample;
                bool accumulate = t0 > 0;
                if (inputs > 0)
                    PackedSgemm.MultiplyOnThisThread(GemmForm.AtB, inputSide + firstRow * width, x + firstRow * inputs, dWih, width, stepsHere * count, inputs,
                        accumulate, depthRows);
                int pairedStart = Math.Max(t0, firstPaired), pairedEnd = Math.Min(t0 + stepsHere, endPaired);
                if (pairedStart < pairedEnd)
                {
                    long pairedRow = (long)pairedStart * batch + firstSample;
                    PackedSgemm.MultiplyOnThisThread(GemmForm.AtB, hiddenSide + pairedRow * width, hidden + (pairedRow + (long)previousOffset * batch) * units, dWhh,
                        width, (pairedEnd - pairedStart) * count, units, hiddenSummed, depthRows);
                    hiddenSummed = true;
                }
                for (int t = t0; t < t0 + stepsHere; t++)
                {
                    long row = (long)t * batch + firstSample;
                    SumRows(inputSide + row * width, count, width, dbih, t > 0);
                    if (separateHiddenSide)
                        SumRows(hiddenSide + row * width, count, width, dbhh, t > 0);
                }
            }
            if (!hiddenSummed) // one step: no pairs
                new Span<float>(dWhh, width * units).Clear();
            if (!separateHiddenSide) // b_ih and b_hh add into the same pre-activations: one gradient
                new Span<float>(dbih, width).CopyTo(new Span<float>(dbhh, width));

            // sum (+)= a step's rows (the bias gradient, while the block's rows are in cache)
            static void SumRows(float* rows, int count, int width, float* sum, bool add)
            {
                var sums = new ColumnSums<float>(rows, count, sum, add);
                Vectorized.Run<float, ColumnSums<float>>(ref sums, width);
            }
        }
    }

    /// <summary>This thread's buffers for the second half's sums of <see cref="SampleParameterGradients"/> and <see cref="TokenSums{T}"/>.</summary>
    private static class BlockScratch
    {
        [ThreadStatic] public static float[]? Partial;
        [ThreadStatic] public static float[]? TokenPartial;
    }

    /// <summary>dx = dGᵢ · W_ih for every step at once (+= when x fans out).</summary>
    public static void BackwardInput<T, TCell>(ReadOnlySpan<T> inputGateGradient, ReadOnlySpan<T> inputWeights, Span<T> dx,
        int batch, int steps, int inputs, int units, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int rows = batch * steps;
        Gemm.Multiply(GemmForm.AB, inputGateGradient[..(rows * width)], inputWeights, dx[..(rows * inputs)], rows, width, inputs, accumulate);
    }

    /// <summary>
    /// The gradient of an embedding's distinct-token rows: d(row u) = (Σ dGᵢ over token u's positions) · W_ih, the sums
    /// <see cref="BackwardParametersDistinct"/> left in <paramref name="tokenGateGradient"/>, or dGᵢ of position u itself
    /// (<paramref name="inputGateGradient"/>) for a batch run <see cref="DistinctTokens.PerPosition"/>; += for the second
    /// direction of a bidirectional layer.
    /// </summary>
    public static void BackwardInputDistinct<T, TCell>(DistinctTokens tokens, ReadOnlySpan<T> inputGateGradient, ReadOnlySpan<T> tokenGateGradient,
        ReadOnlySpan<T> inputWeights, Span<T> tokenRowGradient, int inputs, int units, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TCell : IRecurrentCell
    {
        int width = TCell.GateCount * units;
        int count = tokens.Count;
        ReadOnlySpan<T> gradient = tokens.PerPosition ? inputGateGradient : tokenGateGradient;
        Gemm.Multiply(GemmForm.AB, gradient[..(count * width)], inputWeights, tokenRowGradient[..(count * inputs)], count, width, inputs, accumulate);
    }

    /// <summary>
    /// The last real state of each sample: step L−1 for the forward direction, step 0 (where the reverse sweep ends) for the
    /// reverse one — PyTorch's h_n.
    /// </summary>
    public static void LastState<T>(ReadOnlySpan<T> hidden, Span<T> state, ReadOnlySpan<int> lengths, int batch, int units, bool reverse)
        where T : unmanaged
    {
        for (int n = 0; n < batch; n++)
        {
            int t = reverse ? 0 : lengths[n] - 1;
            hidden.Slice((t * batch + n) * units, units).CopyTo(state.Slice(n * units, units));
        }
    }

    /// <summary>
    /// σ(a). Float: ½ + ½·tanh(a/2) through <see cref="Tanh"/>'s rational form. Double (gradient checks): 1 / (1 + e^−a),
    /// where e^−a overflows to +∞ for very negative a, giving exactly 0, never NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Sigmoid<T, TVector, TOps>(TVector a)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        if (typeof(T) == typeof(float))
        {
            TVector half = TOps.Broadcast(T.CreateTruncating(0.5f));
            return TOps.MultiplyAdd(half, RationalTanh<T, TVector, TOps>(TOps.Multiply(half, a)), half);
        }
        return TOps.Divide(TOps.One, TOps.Add(TOps.One, TOps.Exp(TOps.Subtract(TOps.Zero, a))));
    }

    /// <summary>
    /// tanh(a). Float: <see cref="RationalTanh"/>, a few float roundings from the true value and free of exponentials, which
    /// cost ~140 cycles per 512-bit vector in .NET 10 — five per LSTM unit and step made the cell math cost more than its
    /// GEMM. Double: 2σ(2a) − 1, saturating to ±1 without overflow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Tanh<T, TVector, TOps>(TVector a)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        if (typeof(T) == typeof(float))
            return RationalTanh<T, TVector, TOps>(a);
        TVector two = TOps.Add(TOps.One, TOps.One);
        return TOps.Subtract(TOps.Multiply(two, Sigmoid<T, TVector, TOps>(TOps.Multiply(two, a))), TOps.One);
    }

    /// <summary>
    /// Eigen's float tanh: a clamped to ±7.9053 (beyond it tanh rounds to ±1 in float), then x·P(x²)/Q(x²) with a degree-13
    /// odd numerator and a degree-6 even denominator (minimax on the clamped range). NaN stays NaN. Float only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector RationalTanh<T, TVector, TOps>(TVector a)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector clamp = C(7.90531110763549805f), negativeClamp = C(-7.90531110763549805f);
        TVector x = TOps.Clamp(a, negativeClamp, clamp);
        TVector x2 = TOps.Multiply(x, x);
        TVector p = TOps.MultiplyAdd(x2, C(-2.76076847742355e-16f), C(2.00018790482477e-13f));
        p = TOps.MultiplyAdd(x2, p, C(-8.60467152213735e-11f));
        p = TOps.MultiplyAdd(x2, p, C(5.12229709037114e-08f));
        p = TOps.MultiplyAdd(x2, p, C(1.48572235717979e-05f));
        p = TOps.MultiplyAdd(x2, p, C(6.37261928875436e-04f));
        p = TOps.MultiplyAdd(x2, p, C(4.89352455891786e-03f));
        p = TOps.Multiply(x, p);
        TVector q = TOps.MultiplyAdd(x2, C(1.19825839466702e-06f), C(1.18534705686654e-04f));
        q = TOps.MultiplyAdd(x2, q, C(2.26843463243900e-03f));
        q = TOps.MultiplyAdd(x2, q, C(4.89352518554385e-03f));
        return TOps.Divide(p, q);

        static TVector C(float value) => TOps.Broadcast(T.CreateTruncating(value));
    }

    /// <summary>Loads lane block <paramref name="i"/> of a span, or zeros when the span is empty (a first step's missing state).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector LoadOrZero<T, TVector, TOps>(ReadOnlySpan<T> span, int i)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
        => span.IsEmpty ? TOps.Zero : TOps.Load(in Unsafe.Add(ref MemoryMarshal.GetReference(span), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector Load<T, TVector, TOps>(ReadOnlySpan<T> span, int i)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Load(in Unsafe.Add(ref MemoryMarshal.GetReference(span), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store<T, TVector, TOps>(TVector value, Span<T> span, int i)
        where T : unmanaged where TVector : struct where TOps : IVectorOps<T, TVector>
        => TOps.Store(value, ref Unsafe.Add(ref MemoryMarshal.GetReference(span), i));
}

/// <summary>This thread's buffers for a sweep: its prepared W_hh (pinned: the sweep's two cores hold a pointer to it) and its input projection's step bias.</summary>
internal static class SweepScratch<T> where T : unmanaged
{
    [ThreadStatic] public static T[]? Weights;
    /// <summary>The sweep (<see cref="RecurrentOp"/>'s StepMatrix) whose prepared W_hh <see cref="Weights"/> holds.</summary>
    [ThreadStatic] public static long WeightsOfSweep;
    [ThreadStatic] public static T[]? Bias;
    [ThreadStatic] public static T[]? HiddenGradient;
}
