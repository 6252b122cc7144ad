using System.Numerics;

namespace ModelGen.Initialization;

/// <summary>
/// Fills weight tensors. Draws are made in double and rounded to T, so a float and a double model
/// built from the same seed start from the same weights (up to rounding).
/// </summary>
public static class WeightInitializer
{
    /// <summary>
    /// Fills <paramref name="weights"/> for a layer with the given fan-in and fan-out; <see cref="Initializer.Orthogonal"/>
    /// fills [fanOut × fanIn] blocks scaled by <paramref name="gain"/> (the layer activation's, as PyTorch's
    /// <c>calculate_gain</c>; the other initializers take their scale from the fans and ignore it).
    /// </summary>
    public static void Fill<T>(Initializer initializer, Span<T> weights, int fanIn, int fanOut, SeededRandom random, double gain = 1)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (initializer)
        {
            case Initializer.GlorotUniform: Uniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random); break;
            case Initializer.GlorotNormal: Normal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random); break;
            case Initializer.HeUniform: Uniform(weights, Math.Sqrt(6.0 / fanIn), random); break;
            case Initializer.HeNormal: Normal(weights, Math.Sqrt(2.0 / fanIn), random); break;
            case Initializer.LeCunUniform: Uniform(weights, Math.Sqrt(3.0 / fanIn), random); break;
            case Initializer.LeCunNormal: Normal(weights, Math.Sqrt(1.0 / fanIn), random); break;
            case Initializer.Zeros: weights.Clear(); break;
            case Initializer.Orthogonal: Orthogonal(weights, fanOut, fanIn, gain, random); break;
            case Initializer.GlorotTruncatedNormal: TruncatedNormal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random); break;
            case Initializer.HeTruncatedNormal: TruncatedNormal(weights, Math.Sqrt(2.0 / fanIn), random); break;
            case Initializer.LeCunTruncatedNormal: TruncatedNormal(weights, Math.Sqrt(1.0 / fanIn), random); break;
            default: throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "The generator resolves Default before calling Fill.");
        }
    }

    /// <summary>
    /// Consecutive [rows × columns] blocks, each with orthonormal rows (columns when rows &gt; columns) times
    /// <paramref name="gain"/>: Gaussian draws, then modified Gram–Schmidt in double — exact to rounding, and the same
    /// draws as <see cref="Normal"/> would make.
    /// </summary>
    private static void Orthogonal<T>(Span<T> weights, int rows, int columns, double gain, SeededRandom random) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int block = rows * columns;
        if (block == 0 || weights.Length % block != 0)
            throw new ArgumentException($"Orthogonal initialization fills [{rows} × {columns}] blocks; {weights.Length} elements is not a whole number of them.", nameof(weights));
        bool byRows = rows <= columns;
        int vectors = byRows ? rows : columns, length = byRows ? columns : rows;
        var basis = new double[vectors * length];
        for (int start = 0; start < weights.Length; start += block)
        {
            for (int i = 0; i < basis.Length; i++)
                basis[i] = random.NextGaussian();
            for (int v = 0; v < vectors; v++)
            {
                Span<double> current = basis.AsSpan(v * length, length);
                for (int u = 0; u < v; u++)
                {
                    ReadOnlySpan<double> done = basis.AsSpan(u * length, length);
                    double projection = System.Numerics.Tensors.TensorPrimitives.Dot(current, done);
                    for (int i = 0; i < length; i++)
                        current[i] -= projection * done[i];
                }
                double norm = System.Numerics.Tensors.TensorPrimitives.Norm<double>(current);
                for (int i = 0; i < length; i++)
                    current[i] /= norm;
            }
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                    weights[start + r * columns + c] = T.CreateChecked(gain * (byRows ? basis[r * length + c] : basis[c * length + r]));
        }
    }

    private static void Uniform<T>(Span<T> weights, double limit, SeededRandom random) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++)
            weights[i] = T.CreateChecked((2.0 * random.NextDouble() - 1.0) * limit);
    }

    private static void Normal<T>(Span<T> weights, double standardDeviation, SeededRandom random) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < weights.Length; i++)
            weights[i] = T.CreateChecked(random.NextGaussian() * standardDeviation);
    }

    /// <summary>The standard deviation of a standard normal truncated to [−2, 2].</summary>
    private const double TruncatedSpread = 0.87962566103423978;

    /// <summary>
    /// N(0, 1) draws kept within ±2 (the rest redrawn, 4.6% of them), scaled by standardDeviation / 0.8796 so the
    /// weights have the requested variance, as Keras's truncated-normal variance scaling does.
    /// </summary>
    private static void TruncatedNormal<T>(Span<T> weights, double standardDeviation, SeededRandom random) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double scale = standardDeviation / TruncatedSpread;
        for (int i = 0; i < weights.Length; i++)
        {
            double z;
            do
                z = random.NextGaussian();
            while (Math.Abs(z) > 2);
            weights[i] = T.CreateChecked(z * scale);
        }
    }
}
