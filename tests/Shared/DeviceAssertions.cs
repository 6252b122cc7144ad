namespace ModelGen.DeviceTests;

/// <summary>Data and comparisons both device backends' tests use (linked into ModelGen.Gpu.Tests and ModelGen.Vulkan.Tests).</summary>
public static class DeviceAssertions
{
    /// <summary>A classification batch: features uniform in [−1, 1), labels uniform over the classes.</summary>
    public static (float[] Inputs, int[] Labels) Classification(int batch, int inputSize, int classes, int seed)
    {
        var random = new Random(seed);
        float[] inputs = Enumerable.Range(0, batch * inputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
        return (inputs, labels);
    }

    /// <summary>1e-5 relative for a loss (absolute below 1).</summary>
    public static float Tolerance(float expected) => 1e-5f * Math.Max(1f, Math.Abs(expected));

    /// <summary>
    /// |a − e| ≤ 1e-5 · max(|e|, 0.1 · scale): relative, with a floor at a tenth of the tensor's largest magnitude. The
    /// floor is what float32 sums allow: an entry near zero is a sum of terms as large as its neighbours, which cancel.
    /// </summary>
    public static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
        {
            float allowed = 1e-5f * Math.Max(Math.Abs(expected[i]), Math.Max(0.1f * scale, 1e-6f));
            if (!(Math.Abs(actual[i] - expected[i]) <= allowed))
                Assert.Fail($"{what}[{i}]: device {actual[i]:R}, CPU {expected[i]:R} (allowed difference {allowed:R})");
        }
    }

    /// <summary>Both calls throw the same argument exception type with the same message.</summary>
    public static void AssertSameError(Action cpu, Action device)
    {
        var expected = Assert.ThrowsAny<ArgumentException>(cpu);
        var actual = Assert.ThrowsAny<ArgumentException>(device);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Message, actual.Message);
    }

    /// <summary>Two interleaved spirals of <paramref name="pointsPerArm"/> points each, radius growing with the angle.</summary>
    public static (float[] Inputs, int[] Labels) Spirals(int pointsPerArm)
    {
        var inputs = new float[pointsPerArm * 2 * 2];
        var labels = new int[pointsPerArm * 2];
        for (int i = 0; i < pointsPerArm; i++)
        {
            double angle = i * 3.0 * Math.PI / pointsPerArm, radius = 0.1 + i / (double)pointsPerArm;
            for (int arm = 0; arm < 2; arm++)
            {
                int n = i * 2 + arm;
                double sign = arm == 0 ? 1 : -1;
                inputs[n * 2] = (float)(sign * radius * Math.Cos(angle));
                inputs[n * 2 + 1] = (float)(sign * radius * Math.Sin(angle));
                labels[n] = arm;
            }
        }
        return (inputs, labels);
    }
}
