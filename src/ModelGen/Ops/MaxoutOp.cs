using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Maxout (Goodfellow et al.): each unit is the largest of k linear pieces, y_j = max_p z[p·units + j]. The pieces of a
/// row are held piece-major — piece p of every unit side by side — so both passes run along units at full vector width
/// (the layer's weight column p·units + j is piece p of unit j). Backward routes dy_j to the first piece that attains
/// the maximum, as PyTorch's max does on ties; the pieces are read again, nothing is saved.
/// </summary>
public static class MaxoutOp
{
    /// <summary>output[r, j] = max over p of pieces[r, p·units + j], for <paramref name="rows"/> rows.</summary>
    public static void Forward<T>(ReadOnlySpan<T> pieces, Span<T> output, int rows, int units, int pieceCount)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = pieces.Slice(r * units * pieceCount, units * pieceCount);
            Span<T> y = output.Slice(r * units, units);
            row[..units].CopyTo(y);
            for (int p = 1; p < pieceCount; p++)
                TensorPrimitives.Max(y, row.Slice(p * units, units), y);
        }
    }

    /// <summary>
    /// pieceGradient[r, p·units + j] = outputGradient[r, j] where piece p is the first maximum of unit j, else 0 (or
    /// added to what is there when <paramref name="accumulate"/>).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> pieces, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> pieceGradient,
        int rows, int units, int pieceCount, bool accumulate) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var kernel = new BackwardKernel<T>(pieces.Slice(r * units * pieceCount, units * pieceCount), output.Slice(r * units, units),
                outputGradient.Slice(r * units, units), pieceGradient.Slice(r * units * pieceCount, units * pieceCount), units, pieceCount, accumulate);
            Vectorized.Run<T, BackwardKernel<T>>(ref kernel, units);
        }
    }

    private readonly ref struct BackwardKernel<T>(ReadOnlySpan<T> pieces, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient, Span<T> pieceGradient,
        int units, int pieceCount, bool accumulate) : IVectorKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _pieces = pieces, _output = output, _outputGradient = outputGradient;
        private readonly Span<T> _pieceGradient = pieceGradient;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            ref T z = ref MemoryMarshal.GetReference(_pieces);
            ref T y = ref MemoryMarshal.GetReference(_output);
            ref T dy = ref MemoryMarshal.GetReference(_outputGradient);
            ref T dz = ref MemoryMarshal.GetReference(_pieceGradient);
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector max = TOps.Load(in Unsafe.Add(ref y, i)), gradient = TOps.Load(in Unsafe.Add(ref dy, i));
                TVector taken = TOps.Zero; // lanes whose first maximum has been found
                for (int p = 0; p < pieceCount; p++)
                {
                    ref T target = ref Unsafe.Add(ref dz, p * units + i);
                    TVector first = TOps.ConditionalSelect(taken, TOps.Zero, TOps.Equal(TOps.Load(in Unsafe.Add(ref z, p * units + i)), max));
                    TVector share = TOps.ConditionalSelect(first, gradient, TOps.Zero);
                    TOps.Store(accumulate ? TOps.Add(TOps.Load(in target), share) : share, ref target);
                    taken = TOps.Or(taken, first);
                }
            }
            return i;
        }
    }
}
