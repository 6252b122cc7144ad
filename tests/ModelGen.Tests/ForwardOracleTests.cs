namespace ModelGen.Tests;

/// <summary>
/// An independent forward oracle: each test model's declaration restated here and evaluated in plain float64 loops
/// straight from the math, sharing no code with the kernels or the generator. Gradient checks compare backward with
/// the same generated forward, so they cannot see a wrong forward (tanh emitted for a sigmoid layer, a bias read from
/// the wrong offset); this can. Run at every vector width.
/// </summary>
public class ForwardOracleTests
{
    private enum Act { Identity, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, SELU, Softmax, ELU, HardTanh }

    private enum Loss { SoftmaxCrossEntropy, MeanSquaredError, BinaryFromLogits, BinaryOnProbabilities, MeanAbsoluteError, Huber }

    /// <summary>The Huber test model's δ.</summary>
    private const double HuberDelta = 0.3;

    /// <summary>One layer as the attribute declares it: Dense(units, act, UseBias) or BatchNorm(act).</summary>
    private sealed record Layer(bool IsBatchNorm, int Units, Act Act, bool UseBias = true, double Slope = 0.01);

    private static Layer Dense(int units, Act act = Act.Identity, bool useBias = true, double slope = 0.01) => new(false, units, act, useBias, slope);

    private static Layer BatchNorm(Act act = Act.Identity) => new(true, 0, act);

    private static double Apply(Act act, double z, double slope) => act switch
    {
        Act.Identity => z,
        Act.ReLU => Math.Max(0, z),
        Act.LeakyReLU => z > 0 ? z : slope * z,
        Act.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Act.Tanh => Math.Tanh(z),
        Act.Softplus => Math.Log(1 + Math.Exp(z)),
        Act.SELU => 1.0507009873554805 * (z > 0 ? z : 1.6732632423543772 * (Math.Exp(z) - 1)),
        Act.ELU => z > 0 ? z : Math.Exp(z) - 1,
        Act.HardTanh => Math.Clamp(z, -1, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    /// <summary>
    /// Inference forward pass: Dense weights [in × out] row-major then the bias, BatchNorm γ then β, laid out in
    /// declaration order; batch norm at inference with fresh running statistics (mean 0, variance 1, ε = 1e-5).
    /// </summary>
    private static double[] Forward(double[] parameters, double[] inputs, int batch, int width, Layer[] layers)
    {
        double[] x = inputs;
        int offset = 0;
        foreach (Layer layer in layers)
        {
            int units = layer.IsBatchNorm ? width : layer.Units;
            var y = new double[batch * units];
            for (int row = 0; row < batch; row++)
                for (int j = 0; j < units; j++)
                {
                    double z;
                    if (layer.IsBatchNorm)
                        z = parameters[offset + j] * x[row * width + j] / Math.Sqrt(1 + 1e-5) + parameters[offset + width + j];
                    else
                    {
                        z = layer.UseBias ? parameters[offset + width * units + j] : 0;
                        for (int i = 0; i < width; i++)
                            z += x[row * width + i] * parameters[offset + i * units + j];
                    }
                    y[row * units + j] = layer.Act == Act.Softmax ? z : Apply(layer.Act, z, layer.Slope);
                }
            if (layer.Act == Act.Softmax)
                for (int row = 0; row < batch; row++)
                {
                    double max = Enumerable.Range(0, units).Max(j => y[row * units + j]);
                    double sum = Enumerable.Range(0, units).Sum(j => Math.Exp(y[row * units + j] - max));
                    for (int j = 0; j < units; j++)
                        y[row * units + j] = Math.Exp(y[row * units + j] - max) / sum;
                }
            offset += layer.IsBatchNorm ? 2 * width : width * units + (layer.UseBias ? units : 0);
            (x, width) = (y, units);
        }
        Assert.Equal(parameters.Length, offset);
        return x;
    }

    /// <summary>The mean loss and what Predict writes (probabilities for the cross-entropies, outputs for MSE).</summary>
    private static (double Loss, double[] Predicted) Evaluate(double[] outputs, int batch, Loss loss, int[]? labels, double[]? targets)
    {
        int width = outputs.Length / batch;
        switch (loss)
        {
            case Loss.SoftmaxCrossEntropy:
            {
                var probabilities = new double[outputs.Length];
                double total = 0;
                for (int row = 0; row < batch; row++)
                {
                    double max = Enumerable.Range(0, width).Max(j => outputs[row * width + j]);
                    double sum = Enumerable.Range(0, width).Sum(j => Math.Exp(outputs[row * width + j] - max));
                    for (int j = 0; j < width; j++)
                        probabilities[row * width + j] = Math.Exp(outputs[row * width + j] - max) / sum;
                    total -= Math.Log(probabilities[row * width + labels![row]]);
                }
                return (total / batch, probabilities);
            }
            case Loss.MeanSquaredError:
                return (outputs.Select((o, i) => (o - targets![i]) * (o - targets[i])).Average(), outputs);
            case Loss.MeanAbsoluteError:
                return (outputs.Select((o, i) => Math.Abs(o - targets![i])).Average(), outputs);
            case Loss.Huber:
                return (outputs.Select((o, i) => Math.Abs(o - targets![i]) <= HuberDelta ? 0.5 * (o - targets[i]) * (o - targets[i])
                    : HuberDelta * (Math.Abs(o - targets[i]) - 0.5 * HuberDelta)).Average(), outputs);
            case Loss.BinaryFromLogits:
            {
                double[] p = outputs.Select(z => 1 / (1 + Math.Exp(-z))).ToArray();
                return (p.Select((pi, i) => -(targets![i] * Math.Log(pi) + (1 - targets[i]) * Math.Log(1 - pi))).Average(), p);
            }
            default:
            {
                double[] p = outputs.Select(o => Math.Clamp(o, 1e-7, 1 - 1e-7)).ToArray();
                return (p.Select((pi, i) => -(targets![i] * Math.Log(pi) + (1 - targets[i]) * Math.Log(1 - pi))).Average(), outputs);
            }
        }
    }

    private static void Check(string model, int inputSize, Layer[] layers, Loss loss, double[] parameters,
        Func<double[], int[]?, double[]?, double> computeLoss, Action<double[], double[]> predict, int batch)
    {
        double[] inputs = Reference.Random(batch * inputSize, 1000 + batch, 1.5);
        double[] outputs = Forward(parameters, inputs, batch, inputSize, layers);
        int outputSize = outputs.Length / batch;
        int[]? labels = loss == Loss.SoftmaxCrossEntropy ? Enumerable.Range(0, batch).Select(i => (i * 7) % outputSize).ToArray() : null;
        double[]? targets = loss == Loss.SoftmaxCrossEntropy ? null
            : loss is Loss.MeanSquaredError or Loss.MeanAbsoluteError or Loss.Huber ? Reference.Random(outputs.Length, 2000 + batch)
            : Reference.Random(outputs.Length, 3000 + batch).Select(Math.Abs).ToArray();
        var (expectedLoss, expectedPredicted) = Evaluate(outputs, batch, loss, labels, targets);

        // 1e-8: TensorPrimitives' vectorized double exp (sigmoid, tanh) is good to ~1e-10, far from any wrong formula.
        double actualLoss = computeLoss(inputs, labels, targets);
        Assert.True(Math.Abs(expectedLoss - actualLoss) <= 1e-8 * (1 + Math.Abs(expectedLoss)), $"{model} loss: oracle {expectedLoss}, generated {actualLoss} (batch {batch})");
        var predicted = new double[outputs.Length];
        predict(inputs, predicted);
        Reference.Close(expectedPredicted, predicted, 1e-8, 1e-10, $"{model} Predict (batch {batch})");
    }

    public static TheoryData<int, int> WidthsAndBatches() => Widths.Cross([1, 5, 33]);

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void SoftmaxClassifiersMatchTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var digits = new DigitClassifier.Network<double>(seed: 2);
        Check(nameof(DigitClassifier), 784, [Dense(256, Act.ReLU), Dense(10)], Loss.SoftmaxCrossEntropy, digits.Parameters.ToArray(),
            (x, l, _) => digits.ComputeLoss(x, l), (x, p) => digits.Predict(x, p), batch);

        var zoo = new ActivationZoo.Network<double>(seed: 3);
        Check(nameof(ActivationZoo), 5, [Dense(7, Act.ReLU), Dense(9, Act.LeakyReLU, slope: 0.1), Dense(6, Act.Sigmoid), Dense(8, Act.Tanh), Dense(4), Dense(3)],
            Loss.SoftmaxCrossEntropy, zoo.Parameters.ToArray(), (x, l, _) => zoo.ComputeLoss(x, l), (x, p) => zoo.Predict(x, p), batch);

        var spiral = new SpiralNet.Network<double>(seed: 4);
        Check(nameof(SpiralNet), 2, [Dense(64, Act.ReLU), Dense(64, Act.ReLU), Dense(2)], Loss.SoftmaxCrossEntropy, spiral.Parameters.ToArray(),
            (x, l, _) => spiral.ComputeLoss(x, l), (x, p) => spiral.Predict(x, p), batch);

        var normalized = new NormalizedNet.Network<double>(seed: 5);
        Check(nameof(NormalizedNet), 5, [Dense(12, useBias: false), BatchNorm(Act.ReLU), Dense(8, useBias: false), BatchNorm(Act.Tanh), Dense(3)],
            Loss.SoftmaxCrossEntropy, normalized.Parameters.ToArray(), (x, l, _) => normalized.ComputeLoss(x, l), (x, p) => normalized.Predict(x, p), batch);
    }

    [Theory]
    [MemberData(nameof(WidthsAndBatches))]
    public void RegressorsAndTaggersMatchTheOracle(int bits, int batch)
    {
        using var width = Widths.Force(bits);
        var regressor = new Regressor.Network<double>(seed: 6);
        Check(nameof(Regressor), 3, [Dense(17, Act.Tanh), Dense(2)], Loss.MeanSquaredError, regressor.Parameters.ToArray(),
            (x, _, t) => regressor.ComputeLoss(x, t), (x, p) => regressor.Predict(x, p), batch);

        var sigmoid = new SigmoidRegressor.Network<double>(seed: 7);
        Check(nameof(SigmoidRegressor), 4, [Dense(33, Act.LeakyReLU), Dense(3, Act.Sigmoid)], Loss.MeanSquaredError, sigmoid.Parameters.ToArray(),
            (x, _, t) => sigmoid.ComputeLoss(x, t), (x, p) => sigmoid.Predict(x, p), batch);

        var zoo = new RegularizedZoo.Network<double>(seed: 8);
        Check(nameof(RegularizedZoo), 6, [Dense(9, Act.Softplus), Dense(7, Act.SELU), Dense(5, Act.Softmax), Dense(3)], Loss.BinaryFromLogits,
            zoo.Parameters.ToArray(), (x, _, t) => zoo.ComputeLoss(x, t), (x, p) => zoo.Predict(x, p), batch);

        var exponential = new ExponentialZoo.Network<double>(seed: 10);
        Check(nameof(ExponentialZoo), 5, [Dense(11, Act.ELU), Dense(6, Act.HardTanh), Dense(2)], Loss.MeanSquaredError, exponential.Parameters.ToArray(),
            (x, _, t) => exponential.ComputeLoss(x, t), (x, p) => exponential.Predict(x, p), batch);

        var robust = new HuberRegressor.Network<double>(seed: 11);
        Check(nameof(HuberRegressor), 4, [Dense(9, Act.ReLU), Dense(3)], Loss.Huber, robust.Parameters.ToArray(),
            (x, _, t) => robust.ComputeLoss(x, t), (x, p) => robust.Predict(x, p), batch);

        var absolute = new AbsoluteRegressor.Network<double>(seed: 12);
        Check(nameof(AbsoluteRegressor), 3, [Dense(8, Act.Sigmoid), Dense(2)], Loss.MeanAbsoluteError, absolute.Parameters.ToArray(),
            (x, _, t) => absolute.ComputeLoss(x, t), (x, p) => absolute.Predict(x, p), batch);

        var tagger = new ProbabilityTagger.Network<double>(seed: 9);
        Check(nameof(ProbabilityTagger), 4, [Dense(10, Act.Tanh), Dense(3, Act.Sigmoid)], Loss.BinaryOnProbabilities, tagger.Parameters.ToArray(),
            (x, _, t) => tagger.ComputeLoss(x, t), (x, p) => tagger.Predict(x, p), batch);
    }

    [Theory]
    [MemberData(nameof(Widths.All), MemberType = typeof(Widths))]
    public void TrainedWeightsStillMatchTheOracle(int bits)
    {
        // After a few steps the weights are no longer the initializer's: the oracle reads whatever the buffer holds.
        using var width = Widths.Force(bits);
        var net = new AdamWRegressor.Network<double>(seed: 10);
        double[] x = Reference.Random(8 * 4, 11), t = Reference.Random(8 * 2, 12);
        for (int step = 0; step < 5; step++)
            net.TrainStep(x, t);
        Check(nameof(AdamWRegressor), 4, [Dense(6, Act.Tanh), Dense(2)], Loss.MeanSquaredError, net.Parameters.ToArray(),
            (inputs, _, targets) => net.ComputeLoss(inputs, targets), (inputs, p) => net.Predict(inputs, p), 8);
    }
}
