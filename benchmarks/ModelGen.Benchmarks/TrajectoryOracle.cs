using Mnist;
using ModelGen.Benchmarks.Peers;
using Samples.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Trajectory oracle against libtorch: the MNIST MLP trained by ModelGen and by libtorch from the same initial weights
/// on the same batches of real digits, for each optimizer with clipping and weight decay. After 1, 10 and 100 steps
/// the loss on a fixed held-out batch must agree within 1e-4 relative: forward, loss, backward, clipping, decay and
/// update all have to match PyTorch's definitions for that to hold.
/// </summary>
public static class TrajectoryOracle
{
    private const int Batch = 64;
    private static readonly int[] Checkpoints = [1, 10, 100];

    private sealed record Case(string Name, Func<float[], int[], float> TrainStep, Func<float[], int[], float> Loss,
        Func<string, float[]> Parameter, Func<IEnumerable<(List<Parameter> Parameters, bool Decayed)>, optim.Optimizer> TorchOptimizer);

    public static int Run(string[] args)
    {
        Peer.Initialize();
        MnistData data = MnistData.Load(SampleData.Cache(args, "MODELGEN_MNIST_DIR", "mnist"));
        float[] evalImages = data.TestImages[..(256 * 784)];
        int[] evalLabels = data.TestLabels[..256];

        var nesterov = new OracleNesterov();
        var adam = new OracleAdam();
        var adamW = new OracleAdamW();
        var rmsProp = new OracleRmsProp();
        Case[] cases =
        [
            new("SGD, Nesterov momentum 0.9, L2 1e-3", (x, y) => nesterov.TrainStep(x, y), (x, y) => nesterov.ComputeLoss(x, y), name => nesterov.Parameter(name).ToArray(),
                groups => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options { LearningRate = 0.05, momentum = 0.9, nesterov = true, weight_decay = g.Decayed ? 1e-3 : 0 })), 0.05, 0.9, nesterov: true)),
            new("Adam, L2 1e-4", (x, y) => adam.TrainStep(x, y), (x, y) => adam.ComputeLoss(x, y), name => adam.Parameter(name).ToArray(),
                groups => optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options { LearningRate = 1e-3, weight_decay = g.Decayed ? 1e-4 : 0 })), 1e-3)),
            new("AdamW, decoupled decay 1e-2", (x, y) => adamW.TrainStep(x, y), (x, y) => adamW.ComputeLoss(x, y), name => adamW.Parameter(name).ToArray(),
                groups => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options { LearningRate = 1e-3, weight_decay = g.Decayed ? 1e-2 : 0 })), 1e-3)),
            new("RMSProp ρ 0.9, L2 1e-4", (x, y) => rmsProp.TrainStep(x, y), (x, y) => rmsProp.ComputeLoss(x, y), name => rmsProp.Parameter(name).ToArray(),
                groups => optim.RMSProp(groups.Select(g => new RMSProp.ParamGroup(g.Parameters, new RMSProp.Options { LearningRate = 1e-3, alpha = 0.9, eps = 1e-8, weight_decay = g.Decayed ? 1e-4 : 0 })), 1e-3, alpha: 0.9)),
        ];

        Console.WriteLine($"trajectory oracle: MNIST MLP 784-128-64-10 (ReLU), batch {Batch}, global-norm clipping at 1, from the same weights on the same digits;");
        Console.WriteLine("loss on 256 held-out digits after N steps, ModelGen vs libtorch (relative difference):");
        double worst = 0;
        foreach (Case c in cases)
        {
            (Sequential network, List<Parameter> weights, List<Parameter> biases) = TorchCopy(c.Parameter);
            optim.Optimizer optimizer = c.TorchOptimizer([(weights, true), (biases, false)]);
            var line = new System.Text.StringBuilder($"  {c.Name,-38}");
            for (int step = 1; step <= Checkpoints[^1]; step++)
            {
                float[] images = data.TrainImages.AsSpan((step - 1) * Batch * 784, Batch * 784).ToArray();
                int[] labels = data.TrainLabels.AsSpan((step - 1) * Batch, Batch).ToArray();
                c.TrainStep(images, labels);
                TorchStep(network, optimizer, images, labels, weights.Concat(biases));
                if (!Checkpoints.Contains(step))
                    continue;
                double ours = c.Loss(evalImages, evalLabels), theirs = TorchLoss(network, evalImages, evalLabels);
                double relative = Math.Abs(ours - theirs) / Math.Abs(theirs);
                worst = Math.Max(worst, relative);
                line.Append($"  {step,3}: {ours:F5} vs {theirs:F5} ({relative:E1})");
            }
            Console.WriteLine(line);
            network.Dispose();
            optimizer.Dispose();
        }
        Console.WriteLine($"trajectory oracle: worst relative difference {worst:E2} (limit 1E-04)");
        return worst <= 1e-4 ? 0 : 1;
    }

    /// <summary>nn.Sequential with ModelGen's initial weights ([inputs × units] transposed to torch's [units × inputs]).</summary>
    private static (Sequential, List<Parameter> Weights, List<Parameter> Biases) TorchCopy(Func<string, float[]> parameter)
    {
        (string Name, int Inputs, int Units)[] layers = [("Hidden1", 784, 128), ("Hidden2", 128, 64), ("Logits", 64, 10)];
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var weights = new List<Parameter>();
        var biases = new List<Parameter>();
        foreach ((string name, int inputs, int units) in layers)
        {
            var linear = nn.Linear(inputs, units);
            using (no_grad())
            {
                linear.weight!.copy_(tensor(parameter(name + ".weight"), [inputs, units]).t());
                linear.bias!.copy_(tensor(parameter(name + ".bias")));
            }
            weights.Add(linear.weight!);
            biases.Add(linear.bias!);
            modules.Add((name, linear));
            if (name != "Logits")
                modules.Add((name + ".relu", nn.ReLU()));
        }
        return (nn.Sequential(modules), weights, biases);
    }

    private static void TorchStep(Sequential network, optim.Optimizer optimizer, float[] images, int[] labels, IEnumerable<Parameter> parameters)
    {
        optimizer.zero_grad();
        using Tensor x = tensor(images, [labels.Length, 784]);
        using Tensor y = tensor(labels.Select(l => (long)l).ToArray());
        using Tensor loss = nn.functional.cross_entropy(network.call(x), y);
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        optimizer.step();
    }

    private static double TorchLoss(Sequential network, float[] images, int[] labels)
    {
        using var noGrad = no_grad();
        using Tensor x = tensor(images, [labels.Length, 784]);
        using Tensor y = tensor(labels.Select(l => (long)l).ToArray());
        using Tensor loss = nn.functional.cross_entropy(network.call(x), y);
        return loss.item<float>();
    }
}

[Model(InputSize = 784, Seed = 11)]
[SoftmaxCrossEntropy]
[Sgd(LearningRate = 0.05f, Momentum = 0.9f, Nesterov = true), WeightDecay(1e-3f), ClipGlobalNorm(1f)]
public partial class OracleNesterov
{
    [Dense(128, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

[Model(InputSize = 784, Seed = 12)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), WeightDecay(1e-4f), ClipGlobalNorm(1f)]
public partial class OracleAdam
{
    [Dense(128, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

[Model(InputSize = 784, Seed = 13)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), WeightDecay(1e-2f, Decoupled = true), ClipGlobalNorm(1f)]
public partial class OracleAdamW
{
    [Dense(128, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

[Model(InputSize = 784, Seed = 14)]
[SoftmaxCrossEntropy]
[RmsProp(LearningRate = 1e-3f, Rho = 0.9f), WeightDecay(1e-4f), ClipGlobalNorm(1f)]
public partial class OracleRmsProp
{
    [Dense(128, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(64, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
