namespace ModelGen.Tests;

/// <summary>Scalar float64 references and random test data.</summary>
internal static class Reference
{
    public static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                    sum += a[i * k + p] * b[p * n + j];
                c[i * n + j] = sum;
            }
        return c;
    }

    public static double[] Transpose(double[] a, int rows, int columns)
    {
        var t = new double[a.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                t[j * rows + i] = a[i * columns + j];
        return t;
    }

    /// <summary>
    /// Runs <paramref name="compute"/> twice at once from two threads — one gets the two-core helper, the other computes
    /// both halves itself — and asserts each result equals <paramref name="alone"/> (computed before, alone) bit for bit.
    /// </summary>
    public static void SameWhenRunTwiceAtOnce<T>(T alone, Func<T> compute, Action<T, T> assertEqual)
    {
        T? other = default;
        var thread = new Thread(() => other = compute());
        thread.Start();
        T mine = compute();
        thread.Join();
        assertEqual(alone, mine);
        assertEqual(alone, other!);
    }

    public static double[] Random(int count, int seed, double scale = 1)
    {
        var random = new ModelGen.Initialization.SeededRandom(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
            values[i] = (2 * random.NextDouble() - 1) * scale;
        return values;
    }

    public static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

    /// <summary>Asserts |actual − expected| ≤ absolute + relative·|expected| element-wise, naming the first failure.</summary>
    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double relative, double absolute, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (tolerance {tolerance:G3})");
        }
    }

    public static void Close(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, double absolute, string what)
        => Close(expected, Array.ConvertAll(actual.ToArray(), v => (double)v), relative, absolute, what);

    /// <summary>
    /// Central finite differences (h = 1e-6) of <paramref name="loss"/> against <paramref name="analytic"/>, parameter
    /// by parameter (all of them unless <paramref name="indices"/> says which); names the first mismatch.
    /// </summary>
    public static void CheckGradients(Span<double> parameters, ReadOnlySpan<double> analytic, Func<double> loss, string model, IEnumerable<int>? indices = null)
    {
        foreach (int i in indices ?? Enumerable.Range(0, parameters.Length))
        {
            double saved = parameters[i];
            const double h = 1e-6;
            parameters[i] = saved + h; double plus = loss();
            parameters[i] = saved - h; double minus = loss();
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double tolerance = 1e-8 + 1e-5 * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i]));
            if (!(Math.Abs(numeric - analytic[i]) <= tolerance))
                Assert.Fail($"{model}: ∂loss/∂parameter[{i}] is {analytic[i]:R}, finite differences give {numeric:R}");
        }
    }
}
