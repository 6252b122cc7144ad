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

    /// <summary>Conv → ReLU → MaxPool, twice, Flatten, then the Linear/ReLU stack; SGD with momentum 0.9: <see cref="LeNet5"/>.</summary>
    public static TorchNetwork LeNet(LeNet5 model)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("conv1", Conv(model.Conv1)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", Conv(model.Conv2)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("hidden1", Linear(model.Hidden1)), ("relu3", nn.ReLU()),
            ("hidden2", Linear(model.Hidden2)), ("relu4", nn.ReLU()),
            ("logits", Linear(model.Logits)),
        };
        return new TorchNetwork(modules, network => optim.SGD(network.parameters(), 0.01, momentum: 0.9));
    }

    /// <summary>A torch Conv2d holding the layer's weights: the same [filters × channels × kh × kw] layout, copied as is.</summary>
    public static nn.Module<Tensor, Tensor> Conv(Conv2D layer)
    {
        Ops.Conv2DShape s = layer.Shape;
        var conv = nn.Conv2d(s.Channels, s.Filters, (s.KernelHeight, s.KernelWidth), stride: (s.StrideY, s.StrideX), padding: (s.PadTop, s.PadLeft),
            dilation: (s.DilationY, s.DilationX), bias: !layer.Bias.IsEmpty);
        using (no_grad())
        {
            conv.weight!.copy_(tensor(layer.Weights.ToArray(), [s.Filters, s.Channels, s.KernelHeight, s.KernelWidth]));
            if (!layer.Bias.IsEmpty)
                conv.bias!.copy_(tensor(layer.Bias.ToArray()));
        }
        return conv;
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
