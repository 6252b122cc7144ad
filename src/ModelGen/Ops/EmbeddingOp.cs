using System.Numerics;
using System.Numerics.Tensors;

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
    public static void Forward<T>(ReadOnlySpan<int> tokens, ReadOnlySpan<T> table, Span<T> y, ReadOnlySpan<int> lengths,
        int batch, int steps, int sequenceLength, int dimension)
        where T : unmanaged
    {
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                Span<T> row = y.Slice((t * batch + n) * dimension, dimension);
                if (t < lengths[n])
                    table.Slice(tokens[n * sequenceLength + t] * dimension, dimension).CopyTo(row);
                else
                    row.Clear();
            }
    }

    /// <summary>dE = Σ over real positions of dy, scattered to each position's token row (dE is overwritten).</summary>
    public static void BackwardWeights<T>(ReadOnlySpan<int> tokens, ReadOnlySpan<T> dy, Span<T> tableGradient, ReadOnlySpan<int> lengths,
        int batch, int steps, int sequenceLength, int dimension)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        tableGradient.Clear();
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                if (t >= lengths[n])
                    continue;
                Span<T> target = tableGradient.Slice(tokens[n * sequenceLength + t] * dimension, dimension);
                TensorPrimitives.Add(target, dy.Slice((t * batch + n) * dimension, dimension), target);
            }
    }
}
