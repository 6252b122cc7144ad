using BenchmarkDotNet.Attributes;
using ModelGen.Benchmarks.Peers;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// Recurrent train steps (forward, loss, backpropagation through time, clipping, Adam), ModelGen vs libtorch with the
/// same initial weights: a GRU and an LSTM sequence classifier at batch 32 over 64 steps, and the tagger's bidirectional
/// LSTM at batch 64 over 32-word sentences. ModelGen's benchmarks are declared (and so run) first: libtorch's spinning
/// OpenMP workers would otherwise take the cores from whatever runs after them.
/// </summary>
[MemoryDiagnoser]
public class RecurrentBenchmarks
{
    private const int Batches = 8;
    private GruClassifier _gru = null!;
    private LstmClassifier _lstm = null!;
    private Tagger _tagger = null!;
    private TorchRecurrentNetwork _torchGru = null!, _torchLstm = null!, _torchTagger = null!;
    private SequenceBatches _classifierData = null!, _taggerData = null!;

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _gru = new GruClassifier();
        _lstm = new LstmClassifier();
        _tagger = new Tagger();
        _torchGru = new TorchRecurrentNetwork(_gru.Words, _gru.Summary, _gru.Logits, name => _gru.Parameter(name).ToArray(), 1e-3, 5);
        _torchLstm = new TorchRecurrentNetwork(_lstm.Words, _lstm.Summary, _lstm.Logits, name => _lstm.Parameter(name).ToArray(), 1e-3, 5);
        _torchTagger = new TorchRecurrentNetwork(_tagger.Words, _tagger.Context, _tagger.Tags, name => _tagger.Parameter(name).ToArray(), 3e-3, 5);
        _classifierData = new SequenceBatches(32, GruClassifier.SequenceLength, 1000, 10, perStep: false, seed: 5);
        _taggerData = new SequenceBatches(64, Tagger.SequenceLength, 28_800, 227, perStep: true, seed: 6);
        // The peers must compute the same function, or their times mean nothing.
        Agree("GRU", _gru.ComputeLoss(_classifierData.Tokens[0], _classifierData.Labels[0]), _torchGru, _classifierData);
        Agree("LSTM", _lstm.ComputeLoss(_classifierData.Tokens[0], _classifierData.Labels[0]), _torchLstm, _classifierData);
        Agree("tagger", _tagger.ComputeLoss(_taggerData.Tokens[0], _taggerData.Labels[0]), _torchTagger, _taggerData);
        // libtorch's OpenMP workers spin on both cores for a while after its last parallel op; let them settle first.
        Thread.Sleep(500);
    }

    private static void Agree(string what, float modelGen, TorchRecurrentNetwork torch, SequenceBatches data)
    {
        using var _ = no_grad();
        using Tensor loss = torch.Loss(data.TorchTokens[0], data.TorchLabels[0]);
        float peer = loss.item<float>();
        if (Math.Abs(peer - modelGen) > 1e-4f * Math.Max(1, Math.Abs(peer)))
            throw new InvalidOperationException($"{what}: libtorch's loss {peer} disagrees with ModelGen's {modelGen}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torchGru.Dispose();
        _torchLstm.Dispose();
        _torchTagger.Dispose();
        _classifierData.Dispose();
        _taggerData.Dispose();
    }

    [Benchmark(Description = "ModelGen GRU TrainStep")]
    public float ModelGenGru()
    {
        int i = _classifierData.Next();
        return _gru.TrainStep(_classifierData.Tokens[i], _classifierData.Labels[i]);
    }

    [Benchmark(Description = "ModelGen LSTM TrainStep")]
    public float ModelGenLstm()
    {
        int i = _classifierData.Next();
        return _lstm.TrainStep(_classifierData.Tokens[i], _classifierData.Labels[i]);
    }

    [Benchmark(Description = "ModelGen tagger TrainStep")]
    public float ModelGenTagger()
    {
        int i = _taggerData.Next();
        return _tagger.TrainStep(_taggerData.Tokens[i], _taggerData.Labels[i]);
    }

    [Benchmark(Description = "libtorch GRU TrainStep")]
    public float TorchGru()
    {
        int i = _classifierData.Next();
        return _torchGru.TrainStep(_classifierData.TorchTokens[i], _classifierData.TorchLabels[i]);
    }

    [Benchmark(Description = "libtorch LSTM TrainStep")]
    public float TorchLstm()
    {
        int i = _classifierData.Next();
        return _torchLstm.TrainStep(_classifierData.TorchTokens[i], _classifierData.TorchLabels[i]);
    }

    [Benchmark(Description = "libtorch tagger TrainStep")]
    public float TorchTagger()
    {
        int i = _taggerData.Next();
        return _torchTagger.TrainStep(_taggerData.TorchTokens[i], _taggerData.TorchLabels[i]);
    }

    /// <summary>Random full-length token batches: [batch × steps] for ModelGen, [steps × batch] (sequence-first) for libtorch.</summary>
    private sealed class SequenceBatches : IDisposable
    {
        private int _next;

        public SequenceBatches(int batch, int steps, int vocabulary, int classes, bool perStep, int seed)
        {
            var random = new ModelGen.Initialization.SeededRandom(seed);
            Tokens = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, batch * steps).Select(_ => random.NextInt(vocabulary)).ToArray()).ToArray();
            Labels = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, perStep ? batch * steps : batch).Select(_ => random.NextInt(classes)).ToArray()).ToArray();
            long[] SequenceFirst(int[] values) => Enumerable.Range(0, steps * batch).Select(i => (long)values[(i % batch) * steps + i / batch]).ToArray();
            TorchTokens = Tokens.Select(t => tensor(SequenceFirst(t), [steps, batch])).ToArray();
            TorchLabels = Labels.Select(l => perStep ? tensor(SequenceFirst(l), [steps, batch]) : tensor(l.Select(c => (long)c).ToArray(), [batch])).ToArray();
        }

        public int[][] Tokens { get; }
        public int[][] Labels { get; }
        public Tensor[] TorchTokens { get; }
        public Tensor[] TorchLabels { get; }

        public int Next() => _next = (_next + 1) % Batches;

        public void Dispose()
        {
            foreach (Tensor t in TorchTokens.Concat(TorchLabels)) t.Dispose();
        }
    }
}
