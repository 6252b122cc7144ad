// Planted MG0103 bugs: a log of a probability that can be exactly 0 where -∞ gives a wrong answer.
using System;
using System.Collections.Generic;
using System.Linq;

public static class PlantedLogWithoutFloor
{
    // Binary cross-entropy over predicted probabilities, no clamp: one confident mistake makes the loss infinite.
    public static double BinaryCrossEntropyLoss(double[] predicted, bool[] expected)
    {
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            if (expected[i])
                sum -= Math.Log(predicted[i]); // expect MG0103
            else
                sum -= Math.Log(1 - predicted[i]); // expect MG0103
        }
        return sum / predicted.Length;
    }

    // Logistic regression's log-likelihood from a sigmoid that underflows to 0 (or rounds to 1): 0·log 0 = NaN.
    public static double LogLikelihood(double[] scores, double[] labels)
    {
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double s = 1 / (1 + Math.Exp(-scores[i]));
            sum += labels[i] * Math.Log(s) + (1 - labels[i]) * Math.Log(1 - s); // expect MG0103 MG0103
        }
        return sum;
    }

    // The entropy of a histogram with an empty bin: 0·log 0 = NaN.
    public static double Entropy(int[] histogram)
    {
        double total = histogram.Sum(), entropy = 0;
        foreach (int count in histogram)
        {
            double p = count / total;
            entropy -= p * Math.Log(p); // expect MG0103
        }
        return entropy;
    }

    // Kullback–Leibler divergence with p[i] = 0 somewhere: 0·log(0 / q) = NaN.
    public static double KullbackLeibler(double[] p, double[] q)
    {
        double divergence = 0;
        for (int i = 0; i < p.Length; i++)
            divergence += p[i] * Math.Log(p[i] / q[i]); // expect MG0103
        return divergence;
    }

    // Categorical cross-entropy from a hand-normalized probability vector.
    public static float CrossEntropyLoss(float[] probabilities, int label) => -MathF.Log(probabilities[label]); // expect MG0103

    // Perplexity of a language model over its predicted token probabilities.
    public static double Perplexity(IReadOnlyList<double> tokenProbabilities)
    {
        double logSum = 0;
        foreach (double probability in tokenProbabilities)
            logSum += Math.Log(probability); // expect MG0103
        return Math.Exp(-logSum / tokenProbabilities.Count);
    }
}
