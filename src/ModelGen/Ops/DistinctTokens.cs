using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// The distinct tokens of one batch, for an embedding whose only consumers are recurrent layers. A recurrent layer's input
/// projection x·W_ihᵀ is a function of the token, so the layer projects each distinct token's row once and every position
/// reads its token's projection (the "precomputation trick", Chen &amp; Manning 2014); backward sums the gate gradients of
/// each token's positions first, so dW_ih and the embedding's gradient are products over the distinct tokens too. A
/// batch of 2,048 positions drawn from a vocabulary of 1,000 holds ~870 distinct tokens; running text repeats its words
/// far more. The generator folds the embedding this way (Graph/TokenProjectionFolder.cs).
/// </summary>
/// <remarks>
/// Summing a position's gate gradients (a row of 4·H for an LSTM) costs about a quarter of the products it spares (an
/// LSTM classifier of 32 inputs; the tagger's 64 inputs: an eighth), so a batch that repeats few tokens — more than
/// three quarters of its positions distinct — is not folded: every real position gets its own slot
/// (<see cref="PerPosition"/>), and the layers run the lookup, projection and gradients per position, as unfolded
/// layers do. Grown when a larger batch or vocabulary arrives, never per call; one instance serves one workspace.
/// </remarks>
public sealed class DistinctTokens
{
    private int[] _slotOfToken = [];
    private int[] _seenIn = [];
    private int _batchNumber;

    /// <summary>[rows] the slot (index into <see cref="Tokens"/>) of row t·batch + n; −1 past the sample's length.</summary>
    public int[] Slots { get; private set; } = [];

    /// <summary>[rows] the batch's distinct tokens in the order of their first real position (time-major); the first <see cref="Count"/> are used.</summary>
    public int[] Tokens { get; private set; } = [];

    /// <summary>[rows] the real positions of each slot's token, the first <see cref="Count"/> used (1, or 0 where padded, when <see cref="PerPosition"/>).</summary>
    public int[] Occurrences { get; private set; } = [];

    /// <summary>How many slots the last collected batch uses: its distinct tokens, or its positions when <see cref="PerPosition"/>.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The batch repeats too few tokens to fold: slot r is row r (−1 where padded), <see cref="Tokens"/> holds each
    /// position's token (−1 where padded), and a token may fill several slots.
    /// </summary>
    public bool PerPosition { get; private set; }

    /// <summary>
    /// Numbers the distinct tokens of the real positions of <paramref name="tokens"/> ([batch × sequenceLength], sample-major)
    /// over the first <paramref name="steps"/> steps. The tokens were checked against the vocabulary.
    /// </summary>
    internal void Collect(ReadOnlySpan<int> tokens, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int vocabulary)
    {
        int rows = batch * steps;
        if (Slots.Length < rows)
        {
            Slots = new int[rows];
            Tokens = new int[rows];
            Occurrences = new int[rows];
        }
        if (_seenIn.Length < vocabulary)
        {
            _slotOfToken = new int[vocabulary];
            _seenIn = new int[vocabulary];
            _batchNumber = 0;
        }
        if (++_batchNumber == int.MaxValue) // a stamp per batch spares clearing the vocabulary-sized table each call
        {
            Array.Clear(_seenIn);
            _batchNumber = 1;
        }
        int count = 0, real = 0;
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                if (t >= lengths[n])
                {
                    Slots[t * batch + n] = -1;
                    continue;
                }
                real++;
                int token = tokens[n * sequenceLength + t];
                if (_seenIn[token] != _batchNumber)
                {
                    _seenIn[token] = _batchNumber;
                    _slotOfToken[token] = count;
                    Occurrences[count] = 0;
                    Tokens[count++] = token;
                }
                int slot = _slotOfToken[token];
                Slots[t * batch + n] = slot;
                Occurrences[slot]++;
            }
        Count = count;
        PerPosition = 4L * count > 3L * real;
        if (!PerPosition)
            return;
        Count = rows;
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                int row = t * batch + n;
                bool padded = Slots[row] < 0;
                Slots[row] = padded ? -1 : row;
                Tokens[row] = padded ? -1 : tokens[n * sequenceLength + t];
                Occurrences[row] = padded ? 0 : 1;
            }
    }
}

/// <summary>
/// The fold's scatter into the embedding's gradient (slot rows into their tokens' table rows): target row
/// <c>index[i]</c> += row i of <c>rows</c>, for i in order, where the index is in [low, high) — a core's half — and never
/// −1 (a padded position).
/// </summary>
internal readonly unsafe struct ScatterAddRows<T>(T* rows, int* index, int count, T* target, int low, int high) : IVectorKernel<T>
    where T : unmanaged
{
    public int Run<TVector, TOps>(int start, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        if (start + TOps.Count > length)
            return start; // nothing for this width: skip the pass over the rows
        int stop = start;
        for (int i = 0; i < count; i++)
        {
            int row = index[i];
            if (row < low || row >= high)
                continue;
            T* source = rows + (long)i * length;
            T* destination = target + (long)row * length;
            int j = start;
            for (; j + TOps.Count <= length; j += TOps.Count)
                TOps.Store(TOps.Add(TOps.Load(in destination[j]), TOps.Load(in source[j])), ref destination[j]);
            stop = j;
        }
        return stop;
    }
}

/// <summary>
/// The recurrent layers' per-token sums: target row <c>slots[i]</c> = Σ row i of <c>rows</c> over that slot's positions, in
/// position order, for the slots in [low, high) — a core's half; −1 (a padded position) is skipped. Slots are numbered in
/// the order of their first position (<see cref="DistinctTokens.Collect"/>), so a slot's first position is the one where
/// it equals the count of slots seen before: that row is stored and the rest added, and the target is never cleared first
/// (an LSTM classifier's 870 KB of sums, two Xeon cores: the pass 146 → 138 µs).
/// </summary>
internal readonly unsafe struct SumRowsBySlot<T>(T* rows, int* slots, int count, T* target, int low, int high) : IVectorKernel<T>
    where T : unmanaged
{
    public int Run<TVector, TOps>(int start, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        int stop = start + (length - start) / TOps.Count * TOps.Count;
        if (stop == start)
            return start; // nothing for this width: skip the pass over the rows
        int seen = 0;
        for (int i = 0; i < count; i++)
        {
            int slot = slots[i];
            if (slot < 0)
                continue;
            bool firstPosition = slot == seen;
            if (firstPosition)
                seen++;
            if (slot < low || slot >= high)
                continue;
            T* source = rows + (long)i * length;
            T* destination = target + (long)slot * length;
            if (firstPosition)
                for (int j = start; j < stop; j += TOps.Count)
                    TOps.Store(TOps.Load(in source[j]), ref destination[j]);
            else
                for (int j = start; j < stop; j += TOps.Count)
                    TOps.Store(TOps.Add(TOps.Load(in destination[j]), TOps.Load(in source[j])), ref destination[j]);
        }
        return stop;
    }
}

/// <summary>The fold's gather: row i of <c>target</c> ← row <c>index[i]</c> of <c>table</c> for i in [first, end), zeros where the index is −1.</summary>
internal readonly unsafe struct GatherRows<T>(T* table, int* index, T* target, int first, int end) : IVectorKernel<T>
    where T : unmanaged
{
    public int Run<TVector, TOps>(int start, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        if (start + TOps.Count > length)
            return start;
        int stop = start;
        for (int i = first; i < end; i++)
        {
            T* destination = target + (long)i * length;
            int j = start;
            if (index[i] < 0)
                for (; j + TOps.Count <= length; j += TOps.Count)
                    TOps.Store(TOps.Zero, ref destination[j]);
            else
            {
                T* source = table + (long)index[i] * length;
                for (; j + TOps.Count <= length; j += TOps.Count)
                    TOps.Store(TOps.Load(in source[j]), ref destination[j]);
            }
            stop = j;
        }
        return stop;
    }
}
