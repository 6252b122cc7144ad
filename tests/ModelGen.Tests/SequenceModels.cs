namespace ModelGen.Tests;

// Sequence models for the tests: every cell, both directions, stacking, padding, per-step and per-sequence heads.

/// <summary>A tagger: embedding, bidirectional LSTM over every step, a per-step Dense head; padding id 0.</summary>
[Model(SequenceLength = 6, Seed = 3)]
[SoftmaxCrossEntropy, Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
public partial class TinyTagger
{
    [Embedding(9, 5, PaddingId = 0)] public partial Embedding Words { get; }
    [Lstm(7, ReturnSequences = true, Bidirectional = true)] public partial Lstm Encoder { get; }
    [Dense(4)] public partial Dense Tags { get; }
}

/// <summary>A tagger whose vocabulary dwarfs a batch: its folded embedding's backward clears only the rows it wrote last.</summary>
[Model(SequenceLength = 5, Seed = 10)]
[SoftmaxCrossEntropy, Adam(LearningRate = 0.01f), ClipGlobalNorm(5f)]
public partial class WideVocabularyTagger
{
    [Embedding(400, 4)] public partial Embedding Words { get; }
    [Lstm(6, ReturnSequences = true)] public partial Lstm Encoder { get; }
    [Dense(3)] public partial Dense Tags { get; }
}

/// <summary>Stacked GRUs, the second returning the last state, into a sequence classifier; no padding.</summary>
[Model(SequenceLength = 5, Seed = 4)]
[SoftmaxCrossEntropy, Sgd(LearningRate = 0.1f), ClipGlobalNorm(5f)]
public partial class GruClassifier
{
    [Embedding(12, 4)] public partial Embedding Words { get; }
    [Gru(6, ReturnSequences = true)] public partial Gru Lower { get; }
    [Gru(5, Bidirectional = true)] public partial Gru Upper { get; }
    [Dense(3)] public partial Dense Classes { get; }
}

/// <summary>Simple RNNs (tanh, then ReLU reversed) with padding, a last state per sequence.</summary>
[Model(SequenceLength = 6, Seed = 5)]
[SoftmaxCrossEntropy, Adam, ClipGlobalNorm(5f)]
public partial class RnnClassifier
{
    [Embedding(10, 3, PaddingId = 9)] public partial Embedding Words { get; }
    [SimpleRnn(5, ReturnSequences = true)] public partial SimpleRnn Lower { get; }
    [SimpleRnn(4, Activation.ReLU, Bidirectional = true)] public partial SimpleRnn Upper { get; }
    [Dense(2)] public partial Dense Classes { get; }
}

/// <summary>Clipping by value alone: with SGD at learning rate 1, no parameter may move by more than the clip.</summary>
[Model(SequenceLength = 4, Seed = 6)]
[SoftmaxCrossEntropy, Sgd(LearningRate = 1f), ClipValue(0.01f)]
public partial class ValueClippedRnn
{
    [Embedding(6, 3)] public partial Embedding Words { get; }
    [SimpleRnn(4)] public partial SimpleRnn Summary { get; }
    [Dense(2)] public partial Dense Classes { get; }
}

/// <summary>A time series (5 steps of 3 features, no embedding) into a bidirectional LSTM's last states, two classes.</summary>
[Model(InputShape = new[] { 5, 3 }, Seed = 7)]
[SoftmaxCrossEntropy, Adam, ClipGlobalNorm(5f)]
public partial class SignalClassifier
{
    [Lstm(6, Bidirectional = true)] public partial Lstm Encoder { get; }
    [Dense(2)] public partial Dense Classes { get; }
}

/// <summary>A time series tagged step by step: GRU over 4 steps of 2 features, three tags per step.</summary>
[Model(InputShape = new[] { 4, 2 }, Seed = 8)]
[SoftmaxCrossEntropy, Adam, ClipGlobalNorm(5f)]
public partial class SignalTagger
{
    [Gru(5, ReturnSequences = true)] public partial Gru Encoder { get; }
    [Dense(3)] public partial Dense Tags { get; }
}
