using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// The same network in libtorch (TorchSharp): Linear/ReLU|Tanh stack, cross-entropy, Adam with the same
/// hyper-parameters, starting from ModelGen's initial weights (copied, transposed to torch's [out × in]).
/// </summary>
public sealed class TorchMlp : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;

    public TorchMlp(IReadOnlyList<Dense> layers, bool tanh)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < layers.Count; i++)
        {
            Dense layer = layers[i];
            var linear = nn.Linear(layer.Inputs, layer.Units);
            using (no_grad())
            {
                linear.weight!.copy_(tensor(layer.Weights.ToArray(), [layer.Inputs, layer.Units]).t());
                linear.bias!.copy_(tensor(layer.Bias.ToArray()));
            }
            modules.Add(($"linear{i}", linear));
            if (i < layers.Count - 1)
                modules.Add(($"act{i}", tanh ? nn.Tanh() : nn.ReLU()));
        }
        _network = nn.Sequential(modules);
        _optimizer = optim.Adam(_network.parameters(), lr: 1e-3);
    }

    public float TrainStep(Tensor inputs, Tensor labels)
    {
        _optimizer.zero_grad();
        using Tensor logits = _network.forward(inputs);
        using Tensor loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Predict(Tensor inputs, Tensor probabilities)
    {
        using var _ = no_grad();
        using Tensor logits = _network.forward(inputs);
        using Tensor softmax = nn.functional.softmax(logits, 1);
        probabilities.copy_(softmax);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.Dispose();
    }
}
