using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// A recurrent benchmark network in libtorch: nn.Embedding → nn.GRU/nn.LSTM (sequence-first, one layer, optionally
/// bidirectional) → nn.Linear on the last state or on every step, cross-entropy, Adam, clip_grad_norm_. Every tensor is
/// copied from the ModelGen model by its manifest name, which is PyTorch's (the Linear transposed to [out × in]).
/// </summary>
public sealed class TorchRecurrentNetwork : IDisposable
{
    private readonly TorchSharp.Modules.Embedding _embedding;
    private readonly nn.Module _recurrent;
    private readonly Linear _head;
    private readonly bool _lstm, _perStep;
    private readonly optim.Optimizer _optimizer;
    private readonly Parameter[] _parameters;
    private readonly double _clip;

    public TorchRecurrentNetwork(ModelGen.Embedding embedding, RecurrentLayer recurrent, Dense head, Func<string, float[]> tensorByName, double learningRate, double clip)
    {
        _lstm = recurrent is Lstm;
        _perStep = recurrent.ReturnSequences;
        _clip = clip;
        _embedding = nn.Embedding(embedding.Vocabulary, embedding.Dimension);
        _recurrent = _lstm
            ? nn.LSTM(recurrent.Inputs, recurrent.Units, bidirectional: recurrent.IsBidirectional)
            : nn.GRU(recurrent.Inputs, recurrent.Units, bidirectional: recurrent.IsBidirectional);
        _head = nn.Linear(head.Inputs, head.Units);
        using (no_grad())
        {
            _embedding.weight!.copy_(tensor(tensorByName(embedding.Name + ".weight"), [embedding.Vocabulary, embedding.Dimension]));
            foreach (var (name, parameter) in _recurrent.named_parameters())
                parameter.copy_(tensor(tensorByName(recurrent.Name + "." + name), parameter.shape));
            _head.weight!.copy_(tensor(head.Weights.ToArray(), [head.Inputs, head.Units]).t());
            _head.bias!.copy_(tensor(head.Bias.ToArray()));
        }
        _parameters = _embedding.parameters().Concat(_recurrent.parameters()).Concat(_head.parameters()).ToArray();
        _optimizer = optim.Adam(_parameters, lr: learningRate);
    }

    /// <param name="tokens">[steps × batch] token ids (sequence-first).</param>
    /// <param name="labels">[steps × batch] per-step labels, or [batch].</param>
    public float TrainStep(Tensor tokens, Tensor labels)
    {
        _optimizer.zero_grad();
        using Tensor loss = Loss(tokens, labels);
        loss.backward();
        nn.utils.clip_grad_norm_(_parameters, _clip);
        _optimizer.step();
        return loss.item<float>();
    }

    public Tensor Loss(Tensor tokens, Tensor labels)
    {
        using var scope = NewDisposeScope();
        Tensor embedded = _embedding.forward(tokens);
        Tensor sequence, last;
        if (_lstm)
        {
            var (output, hidden, _) = ((LSTM)_recurrent).forward(embedded);
            (sequence, last) = (output, hidden);
        }
        else
            (sequence, last) = ((GRU)_recurrent).forward(embedded);
        Tensor loss = _perStep
            ? nn.functional.cross_entropy(_head.forward(sequence).reshape(-1, _head.out_features), labels.reshape(-1))
            : nn.functional.cross_entropy(_head.forward(last[-1]), labels);
        return loss.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _head.Dispose();
        _recurrent.Dispose();
        _embedding.Dispose();
    }
}
