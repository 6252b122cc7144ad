using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Mean absolute error over every element: loss = Σ |y − t| / count, dy = sign(y − t) / count (0 where y = t, as
/// torch.sign gives), as <c>torch.nn.L1Loss</c>.
/// </summary>
public static class MeanAbsoluteErrorOp
{
    /// <summary>Loss, and its gradient with respect to the outputs written into <paramref name="outputGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> outputGradient, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> g = outputGradient[..count];
        TensorPrimitives.Subtract(outputs[..count], targets[..count], g);
        T loss = TensorPrimitives.SumOfMagnitudes<T>(g) / T.CreateChecked(count);
        var kernel = new SignKernel<T>(g, T.One / T.CreateChecked(count));
        Vectorized.Run<T, SignKernel<T>>(ref kernel, count);
        return loss;
    }

    /// <summary>Loss without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < count; i++)
            sum += T.Abs(outputs[i] - targets[i]);
        return sum / T.CreateChecked(count);
    }

    /// <summary>d ← sign(d) · scale.</summary>
    private readonly ref struct SignKernel<T>(Span<T> values, T scale) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _values = values;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T d = ref MemoryMarshal.GetReference(_values);
            TVector up = TOps.Broadcast(scale), down = TOps.Broadcast(-scale);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector v = TOps.Load(in Unsafe.Add(ref d, i));
                TOps.Store(TOps.ConditionalSelect(TOps.GreaterThan(v, TOps.Zero), up, TOps.ConditionalSelect(TOps.LessThan(v, TOps.Zero), down, TOps.Zero)), ref Unsafe.Add(ref d, i));
            }
            return i;
        }
    }
}

/// <summary>
/// Huber loss over every element, as <c>torch.nn.HuberLoss(delta)</c>: with d = y − t, ½d² where |d| ≤ δ and
/// δ(|d| − ½δ) beyond, averaged; dy = clamp(d, −δ, δ) / count.
/// </summary>
public static class HuberLossOp
{
    /// <summary>Loss, and its gradient with respect to the outputs written into <paramref name="outputGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, Span<T> outputGradient, int count, T delta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Span<T> g = outputGradient[..count];
        TensorPrimitives.Subtract(outputs[..count], targets[..count], g);
        T loss = Sum(g, delta) / T.CreateChecked(count);
        TensorPrimitives.Max(g, -delta, g);
        TensorPrimitives.Min(g, delta, g);
        TensorPrimitives.Multiply(g, T.One / T.CreateChecked(count), g);
        return loss;
    }

    /// <summary>Loss without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> targets, int count, T delta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int i = 0; i < count; i++)
            sum += Term(outputs[i] - targets[i], delta);
        return sum / T.CreateChecked(count);
    }

    private static T Sum<T>(ReadOnlySpan<T> differences, T delta) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T d in differences)
            sum += Term(d, delta);
        return sum;
    }

    private static T Term<T>(T d, T delta) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T size = T.Abs(d), half = T.CreateChecked(0.5);
        return size <= delta ? half * d * d : delta * (size - half * delta);
    }
}
