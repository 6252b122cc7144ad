using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// AdaGrad (Duchi et al.), matching <c>torch.optim.Adagrad</c> without learning-rate decay:
/// s ← s + g², p ← p − lr · g / (√s + ε). The accumulated s only grows, so the effective rate only falls.
/// </summary>
public static class AdaGrad
{
    /// <summary>One step over every parameter; the gradient scale carries clipping.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareSum, T learningRate, T epsilon, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, squareSum, learningRate, epsilon, gradientScale, T.One);

    /// <summary>The same step with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareSum, T learningRate, T epsilon, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || squareSum.Length != length)
            throw new ArgumentException("AdaGrad needs parameter, gradient and accumulator buffers of equal length.");
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T s = ref MemoryMarshal.GetReference(squareSum);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vScale = Vector512.Create(gradientScale);
            var vRate = Vector512.Create(learningRate);
            var vEps = Vector512.Create(epsilon);
            var vKeep = Vector512.Create(keep);
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
            {
                var grad = Vector512.LoadUnsafe(ref g, (nuint)i) * vScale;
                var si = Vector512.LoadUnsafe(ref s, (nuint)i) + grad * grad;
                si.StoreUnsafe(ref s, (nuint)i);
                (vKeep * Vector512.LoadUnsafe(ref p, (nuint)i) - vRate * grad / (Vector512.Sqrt(si) + vEps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            T grad = Unsafe.Add(ref g, i) * gradientScale;
            T si = Unsafe.Add(ref s, i) + grad * grad;
            Unsafe.Add(ref s, i) = si;
            Unsafe.Add(ref p, i) = keep * Unsafe.Add(ref p, i) - learningRate * grad / (T.Sqrt(si) + epsilon);
        }
    }
}
