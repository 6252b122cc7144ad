using System.Numerics;
using System.Numerics.Tensors;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Token lookup into time-major sequences (see <see cref="RecurrentOp"/>): tokens arrive [batch × sequenceLength]
/// sample-major, as callers hold them; row t·batch + n of the output is the embedding of token t of sample n.
/// Weight <c>[vocabulary × dimension]</c>, PyTorch's nn.Embedding.weight.
/// </summary>
public static class EmbeddingOp
{
    /// <summary>
    /// Each sample's length (its tokens before the first <paramref name="paddingId"/>; the whole row when −1) into
    /// <paramref name="lengths"/>; returns the longest, the steps this batch runs. InputGuard.Tokens has checked the layout.
    /// </summary>
    public static int Lengths(ReadOnlySpan<int> tokens, Span<int> lengths, int batch, int sequenceLength, int paddingId)
    {
        int longest = 0;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<int> row = tokens.Slice(n * sequenceLength, sequenceLength);
            int length = paddingId < 0 ? sequenceLength : row.IndexOf(paddingId);
            lengths[n] = length < 0 ? sequenceLength : length;
            longest = Math.Max(longest, lengths[n]);
        }
        return longest;
    }

    /// <summary>y[t·batch + n] = E[token(n, t)] for t &lt; length(n), 0 after.</summary>
    /// <remarks>
    /// A large lookup runs half of the steps on each core: its rows come from all over a table far larger than a core's
    /// cache, and two cores keep twice the misses in flight (a tagger's 2048 rows of 64 from 28,800: 100 µs on one Xeon core).
    /// </remarks>
    public static unsafe void Forward<T>(ReadOnlySpan<int> tokens, ReadOnlySpan<T> table, Span<T> y, ReadOnlySpan<int> lengths,
        int batch, int steps, int sequenceLength, int dimension)
        where T : unmanaged, INumber<T>
    {
        CheckTokens(tokens, lengths, batch, steps, sequenceLength, table.Length / dimension);
        if (y.Length < (long)batch * steps * dimension)
            throw new ArgumentException($"Embedding output of [{steps} × {batch} × {dimension}] got a span of {y.Length} elements.", nameof(y));
        fixed (int* pTokens = tokens, pLengths = lengths)
        fixed (T* pTable = table, pY = y)
        {
            var lookup = new StepRange<T>(pTokens, pTable, pY, pLengths, batch, sequenceLength, dimension);
            GemmWorker.RunHalves(ref lookup, steps, split: (long)batch * steps * dimension >= SplitElements / 4, worthWaking: false);
        }
    }

    private static void CheckTokens(ReadOnlySpan<int> tokens, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int vocabulary)
    {
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < Math.Min(steps, lengths[n]); t++)
                if ((uint)tokens[n * sequenceLength + t] >= (uint)vocabulary)
                    throw new ArgumentOutOfRangeException(nameof(tokens),
                        $"Token {tokens[n * sequenceLength + t]} at step {t} of sample {n} is outside the vocabulary of {vocabulary}.");
    }

    /// <summary>
    /// The folded lookup (see <see cref="DistinctTokens"/>): collects the batch's distinct tokens into
    /// <paramref name="distinct"/> and writes row u of <paramref name="rows"/> = E[token of slot u], u &lt; distinct.Count.
    /// </summary>
    public static unsafe void ForwardDistinct<T>(ReadOnlySpan<int> tokens, ReadOnlySpan<T> table, DistinctTokens distinct, Span<T> rows,
        ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int dimension)
        where T : unmanaged, INumber<T>
    {
        int vocabulary = table.Length / dimension;
        CheckTokens(tokens, lengths, batch, steps, sequenceLength, vocabulary);
        if (rows.Length < (long)batch * steps * dimension)
            throw new ArgumentException($"Embedding rows of [{steps} × {batch} × {dimension}] got a span of {rows.Length} elements.", nameof(rows));
        distinct.Collect(tokens, lengths, batch, steps, sequenceLength, vocabulary);
        fixed (int* pTokens = distinct.Tokens)
        fixed (T* pTable = table, pRows = rows)
        {
            var gather = new GatherJob<T>(pTable, pTokens, pRows, dimension);
            GemmWorker.RunHalves(ref gather, distinct.Count, split: (long)distinct.Count * dimension >= SplitElements / 4, worthWaking: false);
        }
    }

    /// <summary>
    /// The folded gradient: dE is cleared, then row u of <paramref name="rowGradient"/> (u &lt; distinct.Count) is added to
    /// the row of slot u's token — once per token when the layers summed each token's positions, once per position when
    /// the batch ran <see cref="DistinctTokens.PerPosition"/>. With <paramref name="written"/> (the rows the last call
    /// wrote, every other row 0) only those rows are cleared: a batch's tokens are a sliver of a large vocabulary (the
    /// tagger's ≤ 2,048 rows of 28,800, two Zen 3 cores: 326 → 119–128 µs a step for the 7.4 MB table). Otherwise a large table is
    /// cleared and written in two halves of the vocabulary, one per core (as <see cref="BackwardWeights"/>), each half's
    /// rows in slot order.
    /// </summary>
    public static unsafe void BackwardDistinct<T>(DistinctTokens distinct, ReadOnlySpan<T> rowGradient, Span<T> tableGradient, int dimension,
        WrittenRows? written = null)
        where T : unmanaged, INumber<T>
    {
        int vocabulary = tableGradient.Length / dimension;
        // Rows the last call wrote are few beside a large vocabulary: clear those; otherwise (or before a first call) all.
        bool sparse = written is { Count: >= 0 } && written.Count <= vocabulary / 4;
        fixed (int* pTokens = distinct.Tokens, pWritten = sparse ? written!.Rows : null)
        fixed (T* pRows = rowGradient, pTable = tableGradient)
        {
            var copy = new VocabularyCopy<T>(pRows, pTokens, pTable, distinct.Count, pWritten, sparse ? written!.Count : 0, dimension);
            long elements = sparse ? (long)(distinct.Count + written!.Count) * dimension * 8 : (long)vocabulary * dimension;
            GemmWorker.RunHalves(ref copy, vocabulary, split: elements >= SplitElements, worthWaking: !sparse);
        }
        written?.Record(distinct.Tokens.AsSpan(0, distinct.Count));
    }

    /// <summary>
    /// Table rows [first, end) of <see cref="BackwardDistinct"/>: cleared — only the listed rows that lie here when
    /// <paramref name="written"/> is given, else all of them — then the slots' rows whose token is here added.
    /// </summary>
    private readonly unsafe struct VocabularyCopy<T>(T* rows, int* tokens, T* table, int count, int* written, int writtenCount, int dimension) : IGemmJob
        where T : unmanaged, INumber<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            if (written == null)
                new Span<T>(table + (long)first * dimension, (end - first) * dimension).Clear();
            for (int i = 0; i < writtenCount; i++)
                if (written[i] >= first && written[i] < end)
                    new Span<T>(table + (long)written[i] * dimension, dimension).Clear();
            var scatter = new ScatterAddRows<T>(rows, tokens, count, table, first, end);
            Vectorized.Run<T, ScatterAddRows<T>>(ref scatter, dimension);
        }
    }

    /// <summary>Rows [first, end) of the folded lookup: row u ← E[token of slot u] (0 for a padded position's slot).</summary>
    private readonly unsafe struct GatherJob<T>(T* table, int* tokens, T* rows, int dimension) : IGemmJob
        where T : unmanaged, INumber<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            var gather = new GatherRows<T>(table, tokens, rows, first, end);
            Vectorized.Run<T, GatherRows<T>>(ref gather, dimension);
        }
    }

    /// <summary>Steps [first, end) of the lookup (tokens checked against the table before the split).</summary>
    private readonly unsafe struct StepRange<T>(int* tokens, T* table, T* y, int* lengths, int batch, int sequenceLength, int dimension) : IGemmJob
        where T : unmanaged, INumber<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            var rows = new LookupRows<T>(tokens, table, y, lengths, batch, sequenceLength, first, end);
            Vectorized.Run<T, LookupRows<T>>(ref rows, dimension);
        }
    }

    /// <summary>
    /// The rows of steps [first, end), a vector at a time: a library copy per row cost ~18 ns for a row of 32 floats, the
    /// inline vectors ~7 (an LSTM classifier's 2,048 rows, two Xeon cores: 32 → 22 µs).
    /// </summary>
    private readonly unsafe struct LookupRows<T>(int* tokens, T* table, T* y, int* lengths, int batch, int sequenceLength, int first, int end) : IVectorKernel<T>
        where T : unmanaged
    {
        public int Run<TVector, TOps>(int start, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            if (start + TOps.Count > length)
                return start; // nothing for this width: skip the pass over the rows
            int stop = start;
            for (int t = first; t < end; t++)
                for (int n = 0; n < batch; n++)
                {
                    T* row = y + (long)(t * batch + n) * length;
                    int j = start;
                    if (t < lengths[n])
                    {
                        T* source = table + (long)tokens[n * sequenceLength + t] * length;
                        for (; j + TOps.Count <= length; j += TOps.Count)
                            TOps.Store(TOps.Load(in source[j]), ref row[j]);
                    }
                    else
                        for (; j + TOps.Count <= length; j += TOps.Count)
                            TOps.Store(TOps.Zero, ref row[j]);
                    stop = j;
                }
            return stop;
        }
    }

    /// <summary>dE = Σ over real positions of dy, scattered to each position's token row (dE is overwritten).</summary>
    /// <remarks>
    /// A large table is cleared and filled in two halves of the vocabulary, one per core: each core scans every position
    /// and adds those whose token is in its half, in the same order as one core would, so the sums are the same bits.
    /// Clearing a tagger's 28,800 × 64 table and adding 2,048 rows into it, where the optimizer's pass had just pushed the
    /// table out of cache: 300 → 170 µs on two Zen 4 cores.
    /// </remarks>
    public static unsafe void BackwardWeights<T>(ReadOnlySpan<int> tokens, ReadOnlySpan<T> dy, Span<T> tableGradient, ReadOnlySpan<int> lengths,
        int batch, int steps, int sequenceLength, int dimension)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int vocabulary = tableGradient.Length / dimension;
        fixed (int* pTokens = tokens, pLengths = lengths)
        fixed (T* pDy = dy, pTable = tableGradient)
        {
            var halves = new VocabularyRange<T>(pTokens, pDy, pTable, pLengths, batch, steps, sequenceLength, dimension);
            GemmWorker.RunHalves(ref halves, vocabulary, split: (long)vocabulary * dimension >= SplitElements, worthWaking: true);
        }
    }

    /// <summary>From this many table elements (1 MB of floats) the second core takes half of the vocabulary.</summary>
    private const long SplitElements = 1L << 18;

    /// <summary>Table rows [first, end): cleared, then every real position's dy added to its token's row if the row is here.</summary>
    private readonly unsafe struct VocabularyRange<T>(int* tokens, T* dy, T* table, int* lengths, int batch, int steps, int sequenceLength, int dimension)
        : IGemmJob where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            new Span<T>(table + (long)first * dimension, (end - first) * dimension).Clear();
            for (int t = 0; t < steps; t++)
                for (int n = 0; n < batch; n++)
                {
                    int token = tokens[n * sequenceLength + t];
                    if (t >= lengths[n] || token < first || token >= end)
                        continue;
                    var target = new Span<T>(table + (long)token * dimension, dimension);
                    TensorPrimitives.Add(target, new ReadOnlySpan<T>(dy + (long)(t * batch + n) * dimension, dimension), target);
                }
        }
    }
}

/// <summary>
/// The rows of an embedding's table gradient that its last <see cref="EmbeddingOp.BackwardDistinct"/> wrote; every other
/// row is 0, so the next call clears these instead of the whole table. A network keeps one per folded embedding beside
/// its gradient buffer, whose other writers keep zeros zero (clipping, the global scale); an embedding whose weight decay
/// or L1 penalty writes the whole tensor has none.
/// </summary>
public sealed class WrittenRows
{
    /// <summary>The rows written (a row twice where a batch ran per position), the first <see cref="Count"/> used.</summary>
    internal int[] Rows = [];

    /// <summary>How many of <see cref="Rows"/> are used; −1 before the first call, which clears the whole table.</summary>
    internal int Count = -1;

    /// <summary>Keeps the slots' tokens, padding (−1) left out; grows only for a larger batch than before.</summary>
    internal void Record(ReadOnlySpan<int> tokens)
    {
        if (Rows.Length < tokens.Length)
            Rows = new int[tokens.Length];
        int count = 0;
        foreach (int token in tokens)
            if (token >= 0)
                Rows[count++] = token;
        Count = count;
    }
}
