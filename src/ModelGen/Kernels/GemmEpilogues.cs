using System.Numerics;
using System.Runtime.Intrinsics;
using ModelGen.Ops;

namespace ModelGen.Kernels;

/// <summary>Work applied to a finished row segment of C while it is hot: C[row, column..column+count).</summary>
public interface IGemmEpilogue
{
    /// <summary>Transforms <paramref name="count"/> elements of C starting at <paramref name="c"/> (row <paramref name="row"/>, column <paramref name="column"/>).</summary>
    unsafe void Apply(float* c, int row, int column, int count);
}

/// <summary>No epilogue.</summary>
public readonly struct NoEpilogue : IGemmEpilogue
{
    /// <inheritdoc/>
    public unsafe void Apply(float* c, int row, int column, int count) { }
}

/// <summary>Dense forward: C = f(C + b), b broadcast over rows.</summary>
public readonly unsafe struct BiasActivationEpilogue<TActivation>(float* bias, float negativeSlope) : IGemmEpilogue
    where TActivation : IActivation
{
    /// <inheritdoc/>
    public void Apply(float* c, int row, int column, int count)
    {
        var span = new Span<float>(c, count);
        System.Numerics.Tensors.TensorPrimitives.Add(span, new ReadOnlySpan<float>(bias + column, count), span);
        TActivation.Forward(span, negativeSlope);
    }
}

/// <summary>Dense forward without a bias: C = f(C).</summary>
public readonly struct ActivationEpilogue<TActivation>(float negativeSlope) : IGemmEpilogue
    where TActivation : IActivation
{
    /// <inheritdoc/>
    public unsafe void Apply(float* c, int row, int column, int count) => TActivation.Forward(new Span<float>(c, count), negativeSlope);
}

/// <summary>Dense forward without a nonlinearity: C = C + b.</summary>
public readonly unsafe struct BiasEpilogue(float* bias) : IGemmEpilogue
{
    /// <inheritdoc/>
    public void Apply(float* c, int row, int column, int count)
    {
        var span = new Span<float>(c, count);
        System.Numerics.Tensors.TensorPrimitives.Add(span, new ReadOnlySpan<float>(bias + column, count), span);
    }
}

/// <summary>Dense backward into a layer whose activation produced <c>y</c>: C = C ⊙ f′(y), y row-major with C's shape.</summary>
public readonly unsafe struct ActivationDerivativeEpilogue<TActivation>(float* output, int width, float negativeSlope) : IGemmEpilogue
    where TActivation : IActivation
{
    /// <inheritdoc/>
    public void Apply(float* c, int row, int column, int count)
    {
        var gradient = new Span<float>(c, count);
        Activation<TActivation>.Backward(new ReadOnlySpan<float>(output + (long)row * width + column, count), gradient, gradient, negativeSlope);
    }
}
