using ILGPU;
using ILGPU.Algorithms;

namespace ModelGen.Gpu.Kernels;

/// <summary>
/// The losses as device code, one thread per row (softmax cross-entropy) or per element. Each writes its term of the
/// loss into <c>terms</c> (summed afterwards by <see cref="ReductionKernels"/> in a fixed order, so the loss is
/// deterministic) and, when <c>withGradient</c> is 1, ∂loss/∂output already divided by the batch or element count.
/// The formulas are the CPU path's (src/ModelGen/Ops/*Op.cs), term by term.
/// </summary>
public static class LossKernels
{
    /// <summary>loss_row = log Σ exp(z − max z) + max z − z_label; dz = (softmax(z) − onehot(label)) · gradientScale.</summary>
    public static void SoftmaxCrossEntropy(Index1D row, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> gradient, ArrayView<float> terms,
        int classes, float gradientScale, int withGradient, float smoothing)
    {
        int start = row * classes;
        float max = RowMax(logits, start, classes);
        float sum = 0f;
        for (int j = 0; j < classes; j++)
            sum += XMath.Exp(logits[start + j] - max);
        int label = labels[row];
        // Labels on the device are not range-checked by the host: an out-of-range one makes the loss NaN, never a stray read.
        bool valid = label >= 0 && label < classes;
        // Smoothed by ε, the target is (1 − ε) on the label and ε/C on every class (the CPU's formula, term for term).
        float on = 1f - smoothing, off = smoothing / classes;
        float target = valid ? logits[start + label] : 0f;
        if (smoothing != 0f)
        {
            float total = 0f;
            for (int j = 0; j < classes; j++)
                total += logits[start + j];
            target = on * target + off * total;
        }
        terms[row] = valid ? XMath.Log(sum) + max - target : float.NaN;
        if (withGradient == 0)
            return;
        float inverse = 1f / sum;
        for (int j = 0; j < classes; j++)
        {
            float probability = XMath.Exp(logits[start + j] - max) * inverse;
            float difference = smoothing != 0f ? (j == label ? probability - on : probability) - off : j == label ? probability - 1f : probability;
            gradient[start + j] = difference * gradientScale;
        }
    }

    /// <summary>Row-wise stable softmax, what Predict returns for a softmax cross-entropy head.</summary>
    public static void SoftmaxRows(Index1D row, ArrayView<float> logits, ArrayView<float> probabilities, int classes)
    {
        int start = row * classes;
        float max = RowMax(logits, start, classes);
        float sum = 0f;
        for (int j = 0; j < classes; j++)
        {
            float e = XMath.Exp(logits[start + j] - max);
            probabilities[start + j] = e;
            sum += e;
        }
        float inverse = 1f / sum;
        for (int j = 0; j < classes; j++)
            probabilities[start + j] *= inverse;
    }

    /// <summary>The row's largest logit: subtracted before exponentiating, so no term overflows.</summary>
    private static float RowMax(ArrayView<float> logits, int start, int classes)
    {
        float max = logits[start];
        for (int j = 1; j < classes; j++)
            max = XMath.Max(max, logits[start + j]);
        return max;
    }

    /// <summary>term = (y − t)²; dy = (y − t) · gradientScale (2 / count).</summary>
    public static void MeanSquaredError(Index1D i, ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, ArrayView<float> terms,
        float gradientScale, int withGradient)
    {
        float difference = outputs[i] - targets[i];
        terms[i] = difference * difference;
        if (withGradient != 0)
            gradient[i] = difference * gradientScale;
    }

    /// <summary>term = |y − t|; dy = sign(y − t) · gradientScale (1 / count).</summary>
    public static void MeanAbsoluteError(Index1D i, ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, ArrayView<float> terms,
        float gradientScale, int withGradient)
    {
        float difference = outputs[i] - targets[i];
        terms[i] = XMath.Abs(difference);
        if (withGradient != 0)
            gradient[i] = (difference > 0f ? 1f : difference < 0f ? -1f : 0f) * gradientScale;
    }

    /// <summary>term = ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond; dy = clamp(d, −δ, δ) · gradientScale (1 / count).</summary>
    public static void Huber(Index1D i, ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, ArrayView<float> terms,
        float delta, float gradientScale, int withGradient)
    {
        float difference = outputs[i] - targets[i], size = XMath.Abs(difference);
        terms[i] = size <= delta ? 0.5f * difference * difference : delta * (size - 0.5f * delta);
        if (withGradient != 0)
            gradient[i] = XMath.Clamp(difference, -delta, delta) * gradientScale;
    }

    /// <summary>From logits, stably: term = max(z, 0) − z·t + log(1 + e^−|z|); dz = (σ(z) − t) · gradientScale (1 / count).</summary>
    public static void BinaryCrossEntropyFromLogits(Index1D i, ArrayView<float> logits, ArrayView<float> targets, ArrayView<float> gradient, ArrayView<float> terms,
        float gradientScale, int withGradient)
    {
        float z = logits[i], t = targets[i];
        terms[i] = (z > 0f ? z : 0f) - z * t + XMath.Log(1f + XMath.Exp(-XMath.Abs(z)));
        if (withGradient != 0)
            gradient[i] = (1f / (1f + XMath.Exp(-z)) - t) * gradientScale;
    }

    /// <summary>
    /// From probabilities clamped to [ε, 1 − ε], ε = 1e-7: term = −t·log p − (1 − t)·log(1 − p); dp = (p − t)/(p(1 − p)) ·
    /// gradientScale inside the clamp, 0 outside it.
    /// </summary>
    public static void BinaryCrossEntropy(Index1D i, ArrayView<float> probabilities, ArrayView<float> targets, ArrayView<float> gradient, ArrayView<float> terms,
        float gradientScale, int withGradient)
    {
        const float Epsilon = 1e-7f;
        float raw = probabilities[i], t = targets[i];
        float p = XMath.Min(XMath.Max(raw, Epsilon), 1f - Epsilon);
        terms[i] = -t * XMath.Log(p) - (1f - t) * XMath.Log(1f - p);
        if (withGradient != 0)
            gradient[i] = raw >= Epsilon && raw <= 1f - Epsilon ? (p - t) / (p * (1f - p)) * gradientScale : 0f;
    }

    /// <summary>σ(z), what Predict returns for a binary cross-entropy head declared on logits.</summary>
    public static void SigmoidElements(Index1D i, ArrayView<float> logits, ArrayView<float> probabilities)
        => probabilities[i] = 1f / (1f + XMath.Exp(-logits[i]));
}
