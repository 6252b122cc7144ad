// Planted MG0101 bugs: exps of unbounded scores, summed, normalized without subtracting the maximum.
// A line ending in "expect MGxxxx" must be reported; one ending in "missed MGxxxx" is a known miss (counted in recall).
using System;
using System.Linq;

public static class PlantedSoftmax
{
    // A multiclass trainer's score normalization (float scores, double accumulation).
    public static void NormalizeSoftmax(float[] scores)
    {
        double sum = 0;
        var exps = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            exps[i] = Math.Exp(scores[i]); // expect MG0101
            sum += exps[i];
        }
        for (int i = 0; i < scores.Length; i++)
            scores[i] = (float)(exps[i] / sum);
    }

    // Multinomial logistic regression: the first category's logit is the reference (exp(0) = 1).
    public static double[] Probabilities(double[][] coefficients, double[] x)
    {
        var responses = new double[coefficients.Length + 1];
        double sum = responses[0] = 1;
        for (int j = 0; j < coefficients.Length; j++)
        {
            double logit = coefficients[j][0];
            for (int i = 0; i < x.Length; i++)
                logit += coefficients[j][i + 1] * x[i];
            sum += responses[j + 1] = Math.Exp(logit); // expect MG0101
        }
        for (int j = 0; j < responses.Length; j++)
            responses[j] /= sum;
        return responses;
    }

    // Attention weights in single precision.
    public static void Attention(ReadOnlySpan<float> scores, Span<float> weights, float scale)
    {
        float total = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            float w = MathF.Exp(scores[i] * scale); // expect MG0101
            weights[i] = w;
            total += w;
        }
        for (int i = 0; i < weights.Length; i++)
            weights[i] /= total;
    }

    // Cox partial likelihood: each subject's risk over the risk set's.
    public static double PartialLikelihoodWeight(double[] linearPredictor, double[] time, int subject)
    {
        double risk = 0;
        for (int j = 0; j < time.Length; j++)
            if (time[j] >= time[subject])
                risk += Math.Exp(linearPredictor[j]); // expect MG0101
        return Math.Exp(linearPredictor[subject]) / risk;
    }

    // The log-partition function of a CRF row, as log Σ exp.
    public static double LogPartition(double[] potentials)
    {
        double z = 0;
        foreach (double potential in potentials)
            z += Math.Exp(potential); // expect MG0101
        return Math.Log(z);
    }

    // The same normalization as a LINQ pipeline: the exps live in a lambda, out of the rule's reach.
    public static double[] SoftmaxQuery(double[] logits)
    {
        double[] exps = logits.Select(v => Math.Exp(v)).ToArray(); // missed MG0101
        double total = exps.Sum();
        return exps.Select(e => e / total).ToArray();
    }

    // TensorPrimitives' softmax does not shift (NaN for [1000, 1000, 999]).
    public static void Library(float[] logits, float[] probabilities)
        => System.Numerics.Tensors.TensorPrimitives.SoftMax(logits, probabilities); // expect MG0101
}
