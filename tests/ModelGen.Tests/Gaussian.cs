namespace ModelGen.Tests;

/// <summary>
/// Float64 references for the Gaussian activations, independent of ModelGen.Ops.Erfc's Chebyshev fit: erfc from the
/// Maclaurin series of erf below 0.5 and from its continued fraction above (Lentz's form, evaluated bottom-up).
/// </summary>
public static class Gaussian
{
    /// <summary>erfc(z) for z ≥ 0.</summary>
    public static double Erfc(double z)
    {
        if (z < 0)
            return 2 - Erfc(-z);
        if (z < 0.5)
        {
            double term = z, sum = z;
            for (int n = 1; term > 1e-18 * sum; n++)
            {
                term *= 2 * z * z / (2 * n + 1);
                sum += term;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-z * z) * sum;
        }
        // erfc z = e^(−z²)/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …)))).
        double fraction = z;
        for (int n = 3000; n > 0; n--)
            fraction = z + n / 2.0 / fraction;
        return Math.Exp(-z * z) / Math.Sqrt(Math.PI) / fraction;
    }

    /// <summary>Φ(x), the standard normal CDF, with relative precision in both tails.</summary>
    public static double Cdf(double x) => x < 0 ? 0.5 * Erfc(-x / Math.Sqrt(2)) : 1 - 0.5 * Erfc(x / Math.Sqrt(2));
}
