using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using ModelGen.Kernels;

namespace ModelGen.Ops;

/// <summary>
/// Gaussian radial basis units (the notes' RBF unit): h_j = exp(−‖x − c_j‖² / σ_j²) with learned centres c_j and learned
/// widths, held as s_j = log σ_j so σ stays positive whatever the optimizer does. The centres are the columns of C
/// [inputs × units] (as a Dense weight is held), so the squared distances come from one GEMM:
/// d = ‖x‖² + ‖c_j‖² − 2·x·C, clamped at 0 against rounding. Backward, with g = ∂L/∂d = −dy ⊙ h / σ²:
/// ∂L/∂x = 2(x·Σ_j g_j − g·Cᵀ), ∂L/∂c_j = 2(c_j·Σ_n g_nj − (Xᵀg)_j), ∂L/∂s_j = −2 Σ_n g_nj·d_nj — two more GEMMs.
/// </summary>
public static class RbfOp
{
    private const int StackUnits = 512;

    /// <summary>distances = ‖x − c_j‖², output = exp(−distances/σ_j²), for <paramref name="rows"/> samples.</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> centres, ReadOnlySpan<T> logWidths, Span<T> distances, Span<T> output, int rows, int inputs, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Gemm.Multiply(GemmForm.AB, x, centres, distances, rows, inputs, units, accumulate: false);
        T[]? rented = units > StackUnits ? ArrayPool<T>.Shared.Rent(2 * units) : null;
        Span<T> scratch = rented ?? stackalloc T[2 * Math.Min(units, StackUnits)];
        Span<T> centreNorms = scratch[..units], negativeInverseVariance = scratch.Slice(units, units);
        try
        {
            ColumnSquaredNorms(centres, centreNorms, inputs, units);
            NegativeInverseVariances(logWidths, negativeInverseVariance);
            for (int n = 0; n < rows; n++)
            {
                Span<T> d = distances.Slice(n * units, units);
                T inputNorm = TensorPrimitives.SumOfSquares(x.Slice(n * inputs, inputs));
                TensorPrimitives.MultiplyAdd(d, T.CreateTruncating(-2), centreNorms, d);
                TensorPrimitives.Add(d, inputNorm, d);
                TensorPrimitives.Max(d, T.Zero, d);
                Span<T> h = output.Slice(n * units, units);
                TensorPrimitives.Multiply(d, negativeInverseVariance, h);
                TensorPrimitives.Exp(h, h);
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// g = ∂L/∂d = −dy ⊙ h/σ² into <paramref name="distanceGradient"/> (scratch of the output's size, kept for
    /// <see cref="BackwardInput"/>), then the centres' and log-widths' gradients from it.
    /// </summary>
    public static void BackwardParameters<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> centres, ReadOnlySpan<T> logWidths, ReadOnlySpan<T> distances, ReadOnlySpan<T> output,
        ReadOnlySpan<T> outputGradient, Span<T> distanceGradient, Span<T> centreGradient, Span<T> logWidthGradient, int rows, int inputs, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[]? rented = units > StackUnits ? ArrayPool<T>.Shared.Rent(2 * units) : null;
        Span<T> scratch = rented ?? stackalloc T[2 * Math.Min(units, StackUnits)];
        Span<T> negativeInverseVariance = scratch[..units], columnSums = scratch.Slice(units, units);
        try
        {
            NegativeInverseVariances(logWidths, negativeInverseVariance);
            logWidthGradient.Clear();
            T two = T.CreateTruncating(2);
            for (int n = 0; n < rows; n++)
            {
                Span<T> g = distanceGradient.Slice(n * units, units);
                TensorPrimitives.Multiply(outputGradient.Slice(n * units, units), output.Slice(n * units, units), g);
                TensorPrimitives.Multiply(g, negativeInverseVariance, g);
                TensorPrimitives.MultiplyAdd(g, distances.Slice(n * units, units), logWidthGradient, logWidthGradient);
            }
            TensorPrimitives.Multiply(logWidthGradient, -two, logWidthGradient);

            // Xᵀg and its column sums Σ_n g_nj, then 2(c_j·Σ_n g_nj − (Xᵀg)_j) row by row of C.
            DenseOp.BackwardParameters(x, distanceGradient, centreGradient, columnSums, rows, inputs, units);
            for (int i = 0; i < inputs; i++)
            {
                Span<T> row = centreGradient.Slice(i * units, units);
                TensorPrimitives.Negate<T>(row, row);
                TensorPrimitives.MultiplyAdd(centres.Slice(i * units, units), columnSums, row, row);
                TensorPrimitives.Multiply(row, two, row);
            }
        }
        finally
        {
            if (rented is not null)
                ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>dx = 2(x·Σ_j g_j − g·Cᵀ), from the g that <see cref="BackwardParameters"/> left; overwrites <paramref name="inputGradient"/>.</summary>
    public static void BackwardInput<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> centres, ReadOnlySpan<T> distanceGradient, Span<T> inputGradient, int rows, int inputs, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Gemm.Multiply(GemmForm.ABt, distanceGradient, centres, inputGradient, rows, units, inputs, accumulate: false);
        T two = T.CreateTruncating(2);
        for (int n = 0; n < rows; n++)
        {
            Span<T> dx = inputGradient.Slice(n * inputs, inputs);
            T rowSum = TensorPrimitives.Sum<T>(distanceGradient.Slice(n * units, units));
            TensorPrimitives.Negate<T>(dx, dx);
            TensorPrimitives.MultiplyAdd(x.Slice(n * inputs, inputs), rowSum, dx, dx);
            TensorPrimitives.Multiply(dx, two, dx);
        }
    }

    /// <summary>norms[j] = Σ_i C[i, j]², accumulated row by row at full width.</summary>
    private static void ColumnSquaredNorms<T>(ReadOnlySpan<T> centres, Span<T> norms, int inputs, int units) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        norms.Clear();
        for (int i = 0; i < inputs; i++)
        {
            ReadOnlySpan<T> row = centres.Slice(i * units, units);
            TensorPrimitives.MultiplyAdd(row, row, norms, norms);
        }
    }

    /// <summary>−1/σ_j² = −e^(−2 s_j).</summary>
    private static void NegativeInverseVariances<T>(ReadOnlySpan<T> logWidths, Span<T> destination) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(logWidths, T.CreateTruncating(-2), destination);
        TensorPrimitives.Exp(destination, destination);
        TensorPrimitives.Negate<T>(destination, destination);
    }
}
