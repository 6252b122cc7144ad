using System.Numerics;

namespace ModelGen.Ops;

/// <summary>
/// Negative log-likelihood on log-probabilities (PyTorch's <c>NLLLoss</c>), the loss after a
/// <see cref="Activation.LogSoftmax"/> output: loss = −(1/batch)·Σᵢ x[i, yᵢ], dx = −1/batch at each label and 0 elsewhere.
/// Fed probabilities or logits instead it is not a likelihood at all (MG0034).
/// </summary>
public static class NegativeLogLikelihoodOp
{
    /// <summary>The mean loss; writes the gradient with respect to the log-probabilities.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logProbabilities, ReadOnlySpan<int> labels, Span<T> gradient, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        gradient.Slice(0, batch * classes).Clear();
        T slope = -T.One / T.CreateChecked(batch);
        for (int row = 0; row < batch; row++)
            gradient[row * classes + labels[row]] = slope;
        return Loss(logProbabilities, labels, batch, classes);
    }

    /// <summary>The mean loss, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logProbabilities, ReadOnlySpan<int> labels, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int row = 0; row < batch; row++)
            total -= logProbabilities[row * classes + labels[row]];
        return total / T.CreateChecked(batch);
    }
}

/// <summary>
/// Kullback–Leibler divergence D(t ‖ p) of the model's distribution p, given as log-probabilities x, from target
/// distributions t (PyTorch's <c>KLDivLoss(reduction="batchmean")</c>, the reduction that is the divergence):
/// loss = (1/batch)·Σ t·(log t − x), a term with t = 0 counting 0; dx = −t/batch. Distillation's loss, against a
/// teacher's probabilities.
/// </summary>
public static class KLDivergenceOp
{
    /// <summary>The mean divergence per sample; writes the gradient with respect to the log-probabilities.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logProbabilities, ReadOnlySpan<T> targets, Span<T> gradient, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int count = batch * classes;
        T scale = -T.One / T.CreateChecked(batch);
        System.Numerics.Tensors.TensorPrimitives.Multiply(targets.Slice(0, count), scale, gradient.Slice(0, count));
        return Loss(logProbabilities, targets, batch, classes);
    }

    /// <summary>The mean divergence per sample, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logProbabilities, ReadOnlySpan<T> targets, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int i = 0; i < batch * classes; i++)
        {
            T t = targets[i];
            if (t > T.Zero)
                total += t * (T.Log(t) - logProbabilities[i]);
        }
        return total / T.CreateChecked(batch);
    }
}
