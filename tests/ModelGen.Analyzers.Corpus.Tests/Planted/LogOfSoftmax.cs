// Planted MG0102 bugs: the log of a softmax result underflows to -∞; log-softmax computes it directly.
using System;
using System.Numerics.Tensors;

public static class PlantedLogOfSoftmax
{
    public static float NegativeLogLikelihood(float[] logits, int label)
    {
        var p = new float[logits.Length];
        ModelGen.StableMath.Softmax<float>(logits, p);
        return -MathF.Log(p[label]); // expect MG0102
    }

    public static void LogProbabilities(float[] logits, float[] probabilities, float[] logProbabilities)
    {
        ModelGen.StableMath.Softmax<float>(logits, probabilities);
        TensorPrimitives.Log<float>(probabilities, logProbabilities); // expect MG0102
    }
}
