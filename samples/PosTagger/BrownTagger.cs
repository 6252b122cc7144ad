using ModelGen;

namespace PosTagger;

/// <summary>
/// A part-of-speech tagger: each word id becomes a 64-feature vector, a bidirectional LSTM reads the sentence both ways
/// (64 units each), and a per-word Dense layer scores the 227 Brown tags. Sentences shorter than 64 words end in the
/// padding id 0; padded steps feed nothing and count in no loss.
/// </summary>
[Model(SequenceLength = BrownCorpus.SequenceLength, Seed = 11, BatchSize = 64)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 0.003f)]
[ClipGlobalNorm(5f)]
public partial class BrownTagger
{
    [Embedding(BrownCorpus.VocabularyCapacity, 64, PaddingId = BrownCorpus.PaddingId, Dropout = 0.25f)]
    public partial Embedding Words { get; }

    [Lstm(64, ReturnSequences = true, Bidirectional = true, Dropout = 0.25f)]
    public partial Lstm Context { get; }

    [Dense(BrownCorpus.TagCount)]
    public partial Dense Tags { get; }
}
