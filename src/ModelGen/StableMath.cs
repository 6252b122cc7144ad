using System.Numerics;
using ModelGen.Ops;

namespace ModelGen;

/// <summary>
/// Numerically stable softmax and log-softmax for ordinary code, the replacements ModelGen's analyzers
/// suggest for <c>TensorPrimitives.SoftMax</c> (NaN for [1000, 1000, 999]) and for log(softmax(x)).
/// </summary>
public static class StableMath
{
    /// <summary>destination = exp(x − max x) / Σ exp(x − max x). Never overflows; the denominator is ≥ 1.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, destination.Length);
        SoftmaxCrossEntropyOp.Probabilities(x, destination, 1, x.Length);
    }

    /// <summary>destination = (x − max x) − log Σ exp(x − max x), computed directly (log-sum-exp), never as log(softmax(x)).</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(x.Length, destination.Length);
        T max = System.Numerics.Tensors.TensorPrimitives.Max(x);
        T sum = T.Zero;
        foreach (T value in x)
            sum += T.Exp(value - max);
        // (x − max) first: exact for values near the maximum, where max + log Σ would round away their difference.
        System.Numerics.Tensors.TensorPrimitives.Subtract(x, max, destination);
        System.Numerics.Tensors.TensorPrimitives.Subtract(destination[..x.Length], T.Log(sum), destination);
    }

    private static void Check(int source, int destination)
    {
        if (source == 0)
            throw new ArgumentException("Softmax of an empty span is undefined.", "x");
        if (destination < source)
            throw new ArgumentException($"destination has {destination} elements; it needs {source}.", "destination");
    }
}
