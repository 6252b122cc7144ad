namespace ModelGen.Tests;

/// <summary>A generated model whose softmax cross-entropy weighs its classes (and smooths its labels).</summary>
public class ClassWeightTests
{
    [Fact]
    public void TheTrainingLossIsPyTorchsWeightedMeanAndItsGradientMatchesFiniteDifferences()
    {
        var net = new WeightedClassifier.Network<double>(seed: 2);
        double[] inputs = Reference.Random(5 * 6, 71, 2);
        int[] labels = [0, 1, 2, 1, 0];
        double[] weights = [1, 3, 0.5];
        double smoothing = (double)0.1f;
        var probabilities = new double[5 * 3];
        net.Predict(inputs, probabilities);
        double numerator = 0, denominator = 0;
        for (int i = 0; i < 5; i++)
        {
            Func<int, double> nll = c => -Math.Log(probabilities[i * 3 + c]);
            numerator += (1 - smoothing) * weights[labels[i]] * nll(labels[i]) + smoothing / 3 * Enumerable.Range(0, 3).Sum(c => weights[c] * nll(c));
            denominator += weights[labels[i]];
        }
        Assert.Equal(numerator / denominator, net.ComputeLoss(inputs, labels), 1e-10);

        net.ComputeGradients(inputs, labels);
        double[] gradient = net.Gradients.ToArray();
        Span<double> parameters = net.Parameters.Span;
        foreach (int i in new[] { 0, 17, parameters.Length - 4, parameters.Length - 1 })
        {
            double saved = parameters[i];
            parameters[i] = saved + 1e-6; double plus = net.ComputeLoss(inputs, labels);
            parameters[i] = saved - 1e-6; double minus = net.ComputeLoss(inputs, labels);
            parameters[i] = saved;
            Assert.Equal((plus - minus) / 2e-6, gradient[i], 1e-7);
        }
    }
}
