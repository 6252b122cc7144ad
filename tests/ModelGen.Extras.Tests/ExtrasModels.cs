using ModelGen;
using ModelGen.Training;

namespace ModelGen.Extras.Tests;

/// <summary>A small classifier the display and plot tests train for a few epochs.</summary>
[Model(InputSize = 4, Seed = 9, BatchSize = 8)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class BlobClassifier
{
    [Dense(16, Activation.ReLU)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

internal static class Blobs
{
    /// <summary>Three Gaussian blobs in four dimensions, labels 0–2.</summary>
    public static Dataset<float, int> Make(int samples, int seed)
    {
        var random = new Random(seed);
        float[] x = new float[samples * 4];
        int[] y = new int[samples];
        for (int n = 0; n < samples; n++)
        {
            y[n] = n % 3;
            for (int i = 0; i < 4; i++)
                x[n * 4 + i] = (float)(random.NextDouble() - 0.5 + (i == y[n] ? 1.5 : 0));
        }
        return new Dataset<float, int>(x, y, 4, 1);
    }
}
