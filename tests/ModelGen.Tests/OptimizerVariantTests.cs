using ModelGen.Persistence;

namespace ModelGen.Tests;

/// <summary>
/// AMSGrad, NAdam and centred RMSProp with Nesterov momentum in generated models: three TrainSteps against the
/// optimizers' definitions (written out here in double, with the state kept by the test), and the checkpoint names of
/// their state tensors (PyTorch's).
/// </summary>
public class OptimizerVariantTests
{
    private delegate void Rule(double[] p, double[] g, double[][] state, long step);

    [Fact]
    public void AmsGradTrainsAGeneratedModelByItsDefinition()
    {
        double rate = (double)1e-3f, b1 = (double)0.9f, b2 = (double)0.999f, eps = (double)1e-8f;
        var net = new AmsGradRegressor.Network<double>(seed: 2);
        Follow(net, (x, y) => { net.ComputeGradients(x, y); return net.Gradients.ToArray(); }, (x, y) => net.TrainStep(x, y), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], (p, g, s, t) =>
        {
            for (int i = 0; i < p.Length; i++)
            {
                s[0][i] = b1 * s[0][i] + (1 - b1) * g[i];
                s[1][i] = b2 * s[1][i] + (1 - b2) * g[i] * g[i];
                s[2][i] = Math.Max(s[2][i], s[1][i]);
                p[i] -= rate / (1 - Math.Pow(b1, t)) * s[0][i] / (Math.Sqrt(s[2][i] / (1 - Math.Pow(b2, t))) + eps);
            }
        });
    }

    [Fact]
    public void NAdamTrainsAGeneratedModelByItsDefinition()
    {
        double rate = (double)2e-3f, b1 = (double)0.9f, b2 = (double)0.999f, eps = (double)1e-8f, psi = (double)4e-3f;
        Func<long, double> mu = i => b1 * (1 - 0.5 * Math.Pow(0.96, i * psi));
        double product = 1;
        var net = new NAdamRegressor.Network<double>(seed: 3);
        Assert.Equal("NAdam", ((ICheckpointable<double>)net).Optimizer);
        Follow(net, (x, y) => { net.ComputeGradients(x, y); return net.Gradients.ToArray(); }, (x, y) => net.TrainStep(x, y), ["exp_avg", "exp_avg_sq"], (p, g, s, t) =>
        {
            product *= mu(t);
            for (int i = 0; i < p.Length; i++)
            {
                s[0][i] = b1 * s[0][i] + (1 - b1) * g[i];
                s[1][i] = b2 * s[1][i] + (1 - b2) * g[i] * g[i];
                double denominator = Math.Sqrt(s[1][i] / (1 - Math.Pow(b2, t))) + eps;
                p[i] -= rate * (1 - mu(t)) / (1 - product) * g[i] / denominator + rate * mu(t + 1) / (1 - product * mu(t + 1)) * s[0][i] / denominator;
            }
        });
    }

    [Fact]
    public void CenteredRmsPropWithNesterovMomentumTrainsAGeneratedModelByItsDefinition()
    {
        double rate = (double)1e-3f, rho = (double)0.9f, mu = (double)0.9f, eps = (double)1e-8f;
        var net = new CenteredMomentumRegressor.Network<double>(seed: 4);
        Follow(net, (x, y) => { net.ComputeGradients(x, y); return net.Gradients.ToArray(); }, (x, y) => net.TrainStep(x, y), ["square_avg", "momentum_buffer", "grad_avg"], (p, g, s, t) =>
        {
            for (int i = 0; i < p.Length; i++)
            {
                s[0][i] = rho * s[0][i] + (1 - rho) * g[i] * g[i];
                s[2][i] = rho * s[2][i] + (1 - rho) * g[i];
                double normalized = g[i] / (Math.Sqrt(s[0][i] - s[2][i] * s[2][i]) + eps);
                s[1][i] = mu * s[1][i] + normalized;
                p[i] -= rate * (normalized + mu * s[1][i]);
            }
        });
    }

    private static void Follow(ICheckpointable<double> net, Func<double[], double[], double[]> gradients, Action<double[], double[]> trainStep, string[] slotNames, Rule rule)
    {
        int inputs = 5, outputs = 2, batch = 6;
        double[] x = Reference.Random(batch * inputs, 31), y = Reference.Random(batch * outputs, 32);
        Assert.Equal(slotNames, net.OptimizerState.Select(s => s.Name).ToArray());
        double[] expected = net.Parameters.ToArray();
        double[][] state = slotNames.Select(_ => new double[expected.Length]).ToArray();
        for (long step = 1; step <= 3; step++)
        {
            double[] g = gradients(x, y);
            trainStep(x, y);
            rule(expected, g, state, step);
            Reference.Close(expected, net.Parameters.Span, 1e-10, 1e-13, $"parameters after step {step}");
            for (int i = 0; i < state.Length; i++)
                Reference.Close(state[i], net.OptimizerState[i].Buffer.Span, 1e-10, 1e-15, $"{slotNames[i]} after step {step}");
            // The next step starts from the model's own parameters, so rounding differences cannot compound.
            net.Parameters.Span.CopyTo(expected);
        }
    }
}
