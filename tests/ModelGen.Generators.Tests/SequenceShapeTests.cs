using Microsoft.CodeAnalysis;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Sequence wiring at compile time: token ids only into an Embedding, an Embedding only on token ids, recurrent layers only
/// on sequences, per-sample losses not on per-step outputs — MG0023 at the attribute, naming the shapes; bad token and
/// recurrent arguments are MG1004/MG1003. Every such model still compiles (placeholders).
/// </summary>
public class SequenceShapeTests
{
    private static string Model(string input, string layers, string loss = "SoftmaxCrossEntropy") => $$"""
        using ModelGen;
        [Model({{input}}, Seed = 1)][{{loss}}][Adam(LearningRate = 1e-3f)][ClipGlobalNorm(5f)]
        public partial class Net
        {
            {{layers}}
        }
        """;

    public static TheoryData<string, string, string, string, string, string> Cases() => new()
    {
        // id, covered attribute, message fragment, model input, layers, loss
        { "MG0023", "Dense(4)", "reads the model's token ids [8], which only an [Embedding] can read", "SequenceLength = 8", "[Dense(4)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG0023", "Embedding(10, 4)", "declare them with [Model(SequenceLength = …)]", "InputSize = 8", "[Embedding(10, 4)] partial Embedding Words { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG0023", "Lstm(5)", "a Lstm layer reads a sequence [steps × features] (an Embedding, or a recurrent layer with ReturnSequences = true), but gets [6]",
            "SequenceLength = 8", "[Embedding(10, 4)] partial Embedding Words { get; } [Gru(6)] partial Gru Lower { get; } [Lstm(5)] partial Lstm Upper { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG0023", "Dense(3)", "is a sequence, and mean squared error takes one row per sample", "SequenceLength = 8",
            "[Embedding(10, 4)] partial Embedding Words { get; } [Gru(6, ReturnSequences = true)] partial Gru Context { get; } [Dense(3)] partial Dense Values { get; }", "MeanSquaredError" },
        { "MG0023", "Embedding(10, 4, PaddingId = 1, Input = Layers.ModelInput)", "must agree on the padding id", "SequenceLength = 8",
            "[Embedding(10, 4, PaddingId = 0)] partial Embedding A { get; } [Embedding(10, 4, PaddingId = 1, Input = Layers.ModelInput)] partial Embedding B { get; } [Concat(nameof(A), nameof(B))] partial Concat Both { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG0023", "BatchNorm", "gets [8 steps × 4]", "SequenceLength = 8",
            "[Embedding(10, 4)] partial Embedding Words { get; } [BatchNorm] partial BatchNorm Norm { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG1004", "Embedding(10, 4, PaddingId = 10)", "PaddingId", "SequenceLength = 8", "[Embedding(10, 4, PaddingId = 10)] partial Embedding Words { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG1004", "Model(SequenceLength = 8, InputShape = new[] { 8 }, Seed = 1)", "SequenceLength", "SequenceLength = 8, InputShape = new[] { 8 }", "[Embedding(10, 4)] partial Embedding Words { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG1004", "Model(SequenceLength = 8, InputDropout = 0.1f, Seed = 1)", "InputDropout", "SequenceLength = 8, InputDropout = 0.1f", "[Embedding(10, 4)] partial Embedding Words { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG1004", "SimpleRnn(4, Activation.Softmax)", "activation", "SequenceLength = 8", "[Embedding(10, 4)] partial Embedding Words { get; } [SimpleRnn(4, Activation.Softmax)] partial SimpleRnn Rnn { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
        { "MG1003", "Gru(0)", "Units", "SequenceLength = 8", "[Embedding(10, 4)] partial Embedding Words { get; } [Gru(0)] partial Gru Rnn { get; } [Dense(3)] partial Dense Logits { get; }", "SoftmaxCrossEntropy" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportedAtTheLayerWithTheShapes(string id, string covered, string fragment, string input, string layers, string loss)
        => Harness.AssertOneErrorAt(Model(input, layers, loss), id, covered, fragment);

    [Fact]
    public void ShapesAndNamesFollowPyTorch()
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Model("SequenceLength = 12", """
            [Embedding(100, 16, PaddingId = 0)] partial Embedding Words { get; }
            [Lstm(8, ReturnSequences = true, Bidirectional = true)] partial Lstm Context { get; }
            [Gru(6)] partial Gru Summary { get; }
            [Dense(3)] partial Dense Logits { get; }
            """));
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        foreach (string entry in new[]
        {
            "\"Words.weight\", global::ModelGen.ParameterRole.Weight, new[] { 100, 16 }",
            "\"Context.weight_ih_l0\", global::ModelGen.ParameterRole.Weight, new[] { 32, 16 }",
            "\"Context.weight_hh_l0\", global::ModelGen.ParameterRole.Weight, new[] { 32, 8 }",
            "\"Context.bias_ih_l0\", global::ModelGen.ParameterRole.Bias, new[] { 32 }",
            "\"Context.weight_ih_l0_reverse\", global::ModelGen.ParameterRole.Weight, new[] { 32, 16 }",
            "\"Summary.weight_ih_l0\", global::ModelGen.ParameterRole.Weight, new[] { 18, 16 }",
            "\"Summary.weight_hh_l0\", global::ModelGen.ParameterRole.Weight, new[] { 18, 6 }",
            "\"Logits.weight\", global::ModelGen.ParameterRole.Weight, new[] { 6, 3 }",
        })
            Assert.Contains(entry, run.Generated);
        Assert.Contains("\"constant 0.0, 1.0 on [8, 16)\"", run.Generated); // the forget-gate block of b_ih
        Assert.Contains("Context: Concat(Context.Forward, Context.Reverse) → [12 steps × 16]", run.Generated);
        Assert.Contains("Summary: Recurrent(Context) → [6]", run.Generated);
        Assert.Contains("public const int SequenceLength = 12;", run.Generated);
    }

    /// <summary>
    /// An embedding read only by recurrent layers (both directions of a bidirectional one) is folded into them: the lookup
    /// writes the batch's distinct-token rows and the layers project, differentiate and scatter over those. Behind dropout,
    /// or read by anything else as well, it stays a lookup per position.
    /// </summary>
    [Theory]
    [InlineData("[Embedding(100, 16)] partial Embedding Words { get; } [Lstm(8, Bidirectional = true)] partial Lstm Summary { get; }", 2)]
    [InlineData("[Embedding(100, 16, PaddingId = 0)] partial Embedding Words { get; } [Gru(8, ReturnSequences = true)] partial Gru Lower { get; } [SimpleRnn(4)] partial SimpleRnn Upper { get; }", 1)]
    [InlineData("[Embedding(100, 16, Dropout = 0.2f)] partial Embedding Words { get; } [Lstm(8)] partial Lstm Summary { get; }", 0)]
    [InlineData("[Embedding(100, 8)] partial Embedding Words { get; } [Gru(8, ReturnSequences = true)] partial Gru Context { get; } [Concat(nameof(Words), nameof(Context))] partial Concat Both { get; } [Lstm(4)] partial Lstm Summary { get; }", 0)]
    public void AnEmbeddingReadOnlyByRecurrentLayersIsFoldedIntoThem(string layers, int foldedLayers)
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Model("SequenceLength = 12", layers + " [Dense(3)] partial Dense Logits { get; }"));
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        int Calls(string method) => System.Text.RegularExpressions.Regex.Matches(run.Generated, System.Text.RegularExpressions.Regex.Escape(method) + "[<(]").Count;
        Assert.Equal(foldedLayers > 0 ? 1 : 0, Calls("EmbeddingOp.ForwardDistinct"));
        Assert.Equal(foldedLayers > 0 ? 1 : 0, Calls("EmbeddingOp.BackwardDistinct"));
        Assert.Equal(foldedLayers > 0 ? 0 : 1, Calls("EmbeddingOp.Forward"));
        Assert.Equal(foldedLayers, Calls("RecurrentOp.ForwardDistinct"));
        Assert.Equal(foldedLayers, Calls("RecurrentOp.BackwardParametersDistinct"));
        Assert.Equal(foldedLayers, Calls("RecurrentOp.BackwardInputDistinct"));
        Assert.Equal(foldedLayers > 0, run.Generated.Contains("public readonly global::ModelGen.Ops.DistinctTokens WordsTokens = new();"));
    }

    /// <summary>
    /// A folded embedding's backward clears only the gradient rows it wrote last, which holds while nothing else writes
    /// that gradient: weight decay (or an L1 penalty) writes every row, so a decayed embedding clears its whole table.
    /// </summary>
    [Theory]
    [InlineData("", true)]
    [InlineData("[WeightDecay(1e-4f)]", false)]
    [InlineData("[WeightDecay(1e-4f, Decoupled = true)]", true)]
    public void FoldedEmbeddingsTrackTheRowsTheyWroteUnlessAPenaltyWritesThemAll(string regularization, bool tracked)
    {
        Harness.Run run = Harness.GenerateAndAnalyze($$"""
            using ModelGen;
            [Model(SequenceLength = 8, Seed = 1)][SoftmaxCrossEntropy][Adam(LearningRate = 1e-3f)][ClipGlobalNorm(5f)]{{regularization}}
            public partial class Net
            {
                [Embedding(5000, 16)] partial Embedding Words { get; }
                [Lstm(8)] partial Lstm Summary { get; }
                [Dense(3)] partial Dense Logits { get; }
            }
            """);
        Assert.Empty(run.CompilerErrors);
        Assert.Contains("EmbeddingOp.BackwardDistinct<T>", run.Generated);
        Assert.Equal(tracked, run.Generated.Contains("WordsTokens, wordsGradient, WordsWeightGradient, 16, _wordsWrittenRows"));
    }

    [Fact]
    public void TimeSeriesInputsNeedNoEmbedding()
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Model("InputShape = new[] { 30, 6 }", """
            [Gru(16, ReturnSequences = true, Dropout = 0.1f)] partial Gru Encoder { get; }
            [Lstm(8)] partial Lstm Summary { get; }
            [Dense(3)] partial Dense Logits { get; }
            """));
        Assert.All(run.Result.Results, result => Assert.Null(result.Exception));
        Assert.Empty(run.AnalyzerExceptions);
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("Inputs.TimeMajor: TimeMajor(Inputs) → [30 steps × 6]", run.Generated);
        Assert.Contains("\"Encoder.weight_ih_l0\", global::ModelGen.ParameterRole.Weight, new[] { 48, 6 }", run.Generated);
        Assert.Contains("global::System.ReadOnlySpan<float> inputs", run.Generated);
    }
}
