using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Optimizers;

/// <summary>
/// RMSProp (Hinton), matching <c>torch.optim.RMSprop</c> without momentum or centering:
/// v ← ρv + (1 − ρ)g², p ← p − lr · g / (√v + ε).
/// </summary>
public static class RmsProp
{
    /// <summary>One step over every parameter; the gradient scale carries clipping.</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareAverage, T learningRate, T rho, T epsilon, T gradientScale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Update(parameters, gradients, squareAverage, learningRate, rho, epsilon, gradientScale, T.One);

    /// <summary>The same step with the parameters first multiplied by <paramref name="keep"/> (decoupled weight decay).</summary>
    public static void Update<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> squareAverage, T learningRate, T rho, T epsilon, T gradientScale, T keep)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = parameters.Length;
        if (gradients.Length != length || squareAverage.Length != length)
            throw new ArgumentException("RMSProp needs parameter, gradient and average buffers of equal length.");
        T oneMinusRho = T.One - rho;
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T v = ref MemoryMarshal.GetReference(squareAverage);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var vScale = Vector512.Create(gradientScale);
            var vRate = Vector512.Create(learningRate);
            var vRho = Vector512.Create(rho);
            var vOneMinusRho = Vector512.Create(oneMinusRho);
            var vEps = Vector512.Create(epsilon);
            var vKeep = Vector512.Create(keep);
            for (; i + Vector512<T>.Count <= length; i += Vector512<T>.Count)
            {
                var grad = Vector512.LoadUnsafe(ref g, (nuint)i) * vScale;
                var vi = vRho * Vector512.LoadUnsafe(ref v, (nuint)i) + vOneMinusRho * grad * grad;
                vi.StoreUnsafe(ref v, (nuint)i);
                (vKeep * Vector512.LoadUnsafe(ref p, (nuint)i) - vRate * grad / (Vector512.Sqrt(vi) + vEps)).StoreUnsafe(ref p, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            T grad = Unsafe.Add(ref g, i) * gradientScale;
            T vi = rho * Unsafe.Add(ref v, i) + oneMinusRho * grad * grad;
            Unsafe.Add(ref v, i) = vi;
            Unsafe.Add(ref p, i) = keep * Unsafe.Add(ref p, i) - learningRate * grad / (T.Sqrt(vi) + epsilon);
        }
    }
}
