using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Ops;

/// <summary>
/// Binary cross-entropy against targets t ∈ [0, 1], averaged over every output element (count = batch · outputs).
/// From logits z (stable): loss = max(z, 0) − z·t + log(1 + e^−|z|), dz = (σ(z) − t) / count.
/// From probabilities p: p is clamped to [ε, 1 − ε] with ε = 1e-7 (as Keras does), loss = −t·log p − (1 − t)·log(1 − p),
/// dp = (p − t) / (p(1 − p)) / count inside the clamp and 0 outside it.
/// </summary>
public static class BinaryCrossEntropyOp
{
    private const double Floor = 1e-7;

    /// <summary>Mean loss over logits; writes ∂loss/∂z into <paramref name="logitsGradient"/>.</summary>
    public static T ForwardBackwardFromLogits<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, Span<T> logitsGradient, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseCount = T.One / T.CreateChecked(count);
        T total = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T z = logits[i], t = targets[i];
            T e = T.Exp(-T.Abs(z));
            total += T.Max(z, T.Zero) - z * t + T.LogP1(e);
            T sigmoid = z >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
            logitsGradient[i] = (sigmoid - t) * inverseCount;
        }
        return total / T.CreateChecked(count); // as in LossFromLogits, so both report the same bits
    }

    /// <summary>Mean loss over logits, without a gradient.</summary>
    public static T LossFromLogits<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> targets, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T z = logits[i];
            total += T.Max(z, T.Zero) - z * targets[i] + T.LogP1(T.Exp(-T.Abs(z)));
        }
        return total / T.CreateChecked(count);
    }

    /// <summary>σ(z), the probabilities a from-logits model predicts.</summary>
    public static void Probabilities<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => TensorPrimitives.Sigmoid(logits[..count], probabilities[..count]);

    /// <summary>Mean loss over probabilities; writes ∂loss/∂p into <paramref name="probabilitiesGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, Span<T> probabilitiesGradient, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T inverseCount = T.One / T.CreateChecked(count);
        T low = T.CreateChecked(Floor), high = T.One - low;
        T total = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T p = probabilities[i], t = targets[i];
            T clamped = T.Clamp(p, low, high);
            total -= t * T.Log(clamped) + (T.One - t) * T.Log(T.One - clamped);
            probabilitiesGradient[i] = p == clamped ? (p - t) / (p * (T.One - p)) * inverseCount : T.Zero;
        }
        return total / T.CreateChecked(count); // as in Loss, so both report the same bits
    }

    /// <summary>Mean loss over probabilities, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T low = T.CreateChecked(Floor), high = T.One - low;
        T total = T.Zero;
        for (int i = 0; i < count; i++)
        {
            T p = T.Clamp(probabilities[i], low, high), t = targets[i];
            total -= t * T.Log(p) + (T.One - t) * T.Log(T.One - p);
        }
        return total / T.CreateChecked(count);
    }
}
