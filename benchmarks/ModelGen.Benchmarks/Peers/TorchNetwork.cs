using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// A benchmark network in libtorch (TorchSharp): an nn.Sequential built from ModelGen's initial weights (copied,
/// transposed to torch's [out × in]), cross-entropy, and the optimizer ModelGen's model declares.
/// </summary>
public sealed class TorchNetwork : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;

    private TorchNetwork(List<(string, nn.Module<Tensor, Tensor>)> modules, Func<nn.Module<Tensor, Tensor>, optim.Optimizer> optimizer)
    {
        _network = nn.Sequential(modules);
        _optimizer = optimizer(_network);
    }

    /// <summary>Linear/ReLU|Tanh stack, Adam 1e-3: <see cref="Mlp"/> and <see cref="TinyMlp"/>.</summary>
    public static TorchNetwork Mlp(IReadOnlyList<Dense> layers, bool tanh)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < layers.Count; i++)
        {
            modules.Add(($"linear{i}", Linear(layers[i])));
            if (i < layers.Count - 1)
                modules.Add(($"act{i}", tanh ? nn.Tanh() : nn.ReLU()));
        }
        return new TorchNetwork(modules, network => optim.Adam(network.parameters(), lr: 1e-3));
    }

    /// <summary>Linear(no bias) → BatchNorm1d → ReLU → Dropout(0.3), twice, then Linear; AdamW: <see cref="RegularizedMlp"/>.</summary>
    public static TorchNetwork Regularized(RegularizedMlp model)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        Dense[] hidden = [model.Hidden1, model.Hidden2];
        for (int i = 0; i < hidden.Length; i++)
        {
            modules.Add(($"linear{i}", Linear(hidden[i])));
            modules.Add(($"norm{i}", nn.BatchNorm1d(hidden[i].Units, eps: 1e-5, momentum: 0.1)));
            modules.Add(($"relu{i}", nn.ReLU()));
            modules.Add(($"dropout{i}", nn.Dropout(0.3)));
        }
        modules.Add(("logits", Linear(model.Logits)));
        return new TorchNetwork(modules, network => optim.AdamW(network.parameters(), lr: 1e-3, weight_decay: 1e-2));
    }

    /// <summary>A torch Linear holding the layer's weights (and its bias, if it has one).</summary>
    private static nn.Module<Tensor, Tensor> Linear(Dense layer)
    {
        bool hasBias = !layer.Bias.IsEmpty;
        var linear = nn.Linear(layer.Inputs, layer.Units, hasBias: hasBias);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(layer.Weights.ToArray(), [layer.Inputs, layer.Units]).t());
            if (hasBias)
                linear.bias!.copy_(tensor(layer.Bias.ToArray()));
        }
        return linear;
    }

    public float TrainStep(Tensor inputs, Tensor labels)
    {
        _network.train();
        _optimizer.zero_grad();
        using Tensor logits = _network.forward(inputs);
        using Tensor loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Predict(Tensor inputs, Tensor probabilities)
    {
        _network.eval();
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
