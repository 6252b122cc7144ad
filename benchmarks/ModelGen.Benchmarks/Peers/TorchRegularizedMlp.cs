using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// <see cref="RegularizedMlp"/> in libtorch: Linear(bias: false) → BatchNorm1d → ReLU → Dropout(0.3), twice, then
/// Linear; cross-entropy; AdamW with the same hyper-parameters; ModelGen's initial weights.
/// </summary>
public sealed class TorchRegularizedMlp : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _network;
    private readonly optim.Optimizer _optimizer;

    public TorchRegularizedMlp(RegularizedMlp model)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        Dense[] hidden = [model.Hidden1, model.Hidden2];
        for (int i = 0; i < hidden.Length; i++)
        {
            var linear = nn.Linear(hidden[i].Inputs, hidden[i].Units, hasBias: false);
            using (no_grad())
                linear.weight!.copy_(tensor(hidden[i].Weights.ToArray(), [hidden[i].Inputs, hidden[i].Units]).t());
            modules.Add(($"linear{i}", linear));
            modules.Add(($"norm{i}", nn.BatchNorm1d(hidden[i].Units, eps: 1e-5, momentum: 0.1)));
            modules.Add(($"relu{i}", nn.ReLU()));
            modules.Add(($"dropout{i}", nn.Dropout(0.3)));
        }
        var logits = nn.Linear(model.Logits.Inputs, model.Logits.Units);
        using (no_grad())
        {
            logits.weight!.copy_(tensor(model.Logits.Weights.ToArray(), [model.Logits.Inputs, model.Logits.Units]).t());
            logits.bias!.copy_(tensor(model.Logits.Bias.ToArray()));
        }
        modules.Add(("logits", logits));
        _network = nn.Sequential(modules);
        _optimizer = optim.AdamW(_network.parameters(), lr: 1e-3, weight_decay: 1e-2);
    }

    public float TrainStep(Tensor inputs, Tensor labels)
    {
        _network.train();
        _optimizer.zero_grad();
        using Tensor output = _network.forward(inputs);
        using Tensor loss = nn.functional.cross_entropy(output, labels);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Predict(Tensor inputs, Tensor probabilities)
    {
        _network.eval();
        using var _ = no_grad();
        using Tensor output = _network.forward(inputs);
        using Tensor softmax = nn.functional.softmax(output, 1);
        probabilities.copy_(softmax);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.Dispose();
    }
}
