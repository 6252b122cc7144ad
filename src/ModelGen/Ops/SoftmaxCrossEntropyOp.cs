using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>
/// Softmax fused with cross-entropy against integer labels, computed stably:
/// loss_row = log Σ exp(z − max z) + max z − z_label, and dz = (softmax(z) − onehot(label)) / batch.
/// <c>TensorPrimitives.SoftMax</c> is deliberately not used: it returns NaN for [1000, 1000, 999].
/// </summary>
public static class SoftmaxCrossEntropyOp
{
    /// <summary>Mean loss over the batch; writes the gradient with respect to the logits into <paramref name="logitsGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> logitsGradient, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        T inverseBatch = T.One / T.CreateChecked(batch);
        for (int row = 0; row < batch; row++)
            total += Row(logits.Slice(row * classes, classes), labels[row], logitsGradient.Slice(row * classes, classes), inverseBatch);
        return total * inverseBatch;
    }

    /// <summary>Mean loss over the batch, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> z = logits.Slice(row * classes, classes);
            total += LogSumExp(z) - z[labels[row]];
        }
        return total / T.CreateChecked(batch);
    }

    /// <summary>Row-wise stable softmax: probabilities = exp(z − max z) / Σ exp(z − max z).</summary>
    public static void Probabilities<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> z = logits.Slice(row * classes, classes);
            Span<T> p = probabilities.Slice(row * classes, classes);
            TensorPrimitives.Subtract(z, TensorPrimitives.Max(z), p);
            TensorPrimitives.Exp(p, p);
            TensorPrimitives.Divide(p, TensorPrimitives.Sum<T>(p), p);
        }
    }

    /// <summary>One row: returns logsumexp(z) − z_label and writes g = scale·(softmax(z) − onehot(label)).</summary>
    internal static T Row<T>(ReadOnlySpan<T> z, int label, Span<T> g, T scale) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(z);
        TensorPrimitives.Subtract(z, max, g);
        TensorPrimitives.Exp(g, g);
        T sum = TensorPrimitives.Sum<T>(g);
        TensorPrimitives.Multiply(g, scale / sum, g);
        g[label] -= scale;
        return T.Log(sum) + max - z[label];
    }

    /// <summary>log Σ exp(z), shifted by the maximum so no term overflows.</summary>
    internal static T LogSumExp<T>(ReadOnlySpan<T> z) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(z);
        T sum = T.Zero;
        foreach (T value in z)
            sum += T.Exp(value - max);
        return T.Log(sum) + max;
    }
}

/// <summary>
/// Softmax cross-entropy over every real step of a time-major sequence of logits (row t·batch + n), against labels
/// held sample-major [batch × sequenceLength]; padded steps (t ≥ length) are ignored and the mean is over real tokens,
/// as PyTorch's CrossEntropyLoss with ignore_index does.
/// </summary>
public static class SequenceSoftmaxCrossEntropyOp
{
    /// <summary>Mean loss over real tokens; writes ∂loss/∂logits (0 on padded steps).</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, Span<T> logitsGradient,
        int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseCount = T.One / T.CreateChecked(Tokens(lengths, batch));
        T total = T.Zero;
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                int row = t * batch + n;
                Span<T> g = logitsGradient.Slice(row * classes, classes);
                if (t >= lengths[n])
                {
                    g.Clear();
                    continue;
                }
                total += SoftmaxCrossEntropyOp.Row(logits.Slice(row * classes, classes), labels[n * sequenceLength + t], g, inverseCount);
            }
        return total * inverseCount;
    }

    /// <summary>Mean loss over real tokens, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int t = 0; t < steps; t++)
            for (int n = 0; n < batch; n++)
            {
                if (t >= lengths[n])
                    continue;
                ReadOnlySpan<T> z = logits.Slice((t * batch + n) * classes, classes);
                total += SoftmaxCrossEntropyOp.LogSumExp(z) - z[labels[n * sequenceLength + t]];
            }
        return total / T.CreateChecked(Tokens(lengths, batch));
    }

    /// <summary>Probabilities sample-major, [batch × sequenceLength × classes] as callers hold them; padded steps are all 0.</summary>
    public static void Probabilities<T>(ReadOnlySpan<T> logits, Span<T> probabilities, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < sequenceLength; t++)
            {
                Span<T> p = probabilities.Slice((n * sequenceLength + t) * classes, classes);
                if (t >= lengths[n])
                {
                    p.Clear();
                    continue;
                }
                SoftmaxCrossEntropyOp.Probabilities(logits.Slice((t * batch + n) * classes, classes), p, 1, classes);
            }
    }

    private static int Tokens(ReadOnlySpan<int> lengths, int batch)
    {
        int count = 0;
        for (int n = 0; n < batch; n++)
            count += lengths[n];
        return count;
    }
}
