using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// SGD matching <c>torch.optim.SGD</c> (no dampening): with momentum μ, b ← μb + g and the step uses b,
/// or g + μb for Nesterov. One pass; the gradient scale carries clipping.
/// </summary>
public static class Sgd
{
    /// <summary>Plain SGD: p ← p − lr·g.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, learningRate, gradientScale, T.One);

    /// <summary>Plain SGD with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, T learningRate, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException("SGD needs parameter and gradient buffers of equal length.");
        if (parameters.IsEmpty)
            return;
        if (keep != T.One)
            System.Numerics.Tensors.TensorPrimitives.Multiply(parameters, keep, parameters);
        T step = learningRate * gradientScale;
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradients, -step, parameters, parameters);
    }

    /// <summary>SGD with (Nesterov) momentum.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, velocity, learningRate, momentum, nesterov, gradientScale, T.One);

    /// <summary>SGD with momentum, the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, T learningRate, T momentum, bool nesterov, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || velocity.Length != length)
            throw new ArgumentException("SGD needs parameter, gradient and velocity buffers of equal length.");
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T b = ref MemoryMarshal.GetReference(velocity);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vScale = Vector512.Create(gradientScale);
            var vMomentum = Vector512.Create(momentum);
            var vRate = Vector512.Create(learningRate);
            var vKeep = Vector512.Create(keep);
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
            {
                var grad = Vector512.LoadUnsafe(ref g, (nuint)i) * vScale;
                var bi = vMomentum * Vector512.LoadUnsafe(ref b, (nuint)i) + grad;
                bi.StoreUnsafe(ref b, (nuint)i);
                var direction = nesterov ? grad + vMomentum * bi : bi;
                (vKeep * Vector512.LoadUnsafe(ref p, (nuint)i) - vRate * direction).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            T grad = Unsafe.Add(ref g, i) * gradientScale;
            T bi = momentum * Unsafe.Add(ref b, i) + grad;
            Unsafe.Add(ref b, i) = bi;
            Unsafe.Add(ref p, i) = keep * Unsafe.Add(ref p, i) - learningRate * (nesterov ? grad + momentum * bi : bi);
        }
    }
}
