using System.Numerics;

namespace ModelGen.Initialization;

/// <summary>
/// Fills weight tensors. Draws are made in double and rounded to T, so a float and a double model
/// built from the same seed start from the same weights (up to rounding).
/// </summary>
public static class WeightInitializer
{
    /// <summary>Fills <paramref name="weights"/> for a layer with the given fan-in and fan-out.</summary>
    public static void Fill<T>(Initializer initializer, Span<T> weights, int fanIn, int fanOut, SeededRandom random)
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
            default: throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "The generator resolves Default before calling Fill.");
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
}
