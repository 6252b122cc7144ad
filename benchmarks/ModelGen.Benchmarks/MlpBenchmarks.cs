using BenchmarkDotNet.Attributes;
using ModelGen.Benchmarks.Peers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>784-256-128-10 MLP, train step (forward, loss, backward, Adam) and inference, ModelGen vs libtorch.</summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    private Mlp _model = null!;
    private TorchMlp _torch = null!;
    // Training steps cycle through several batches with random labels, as real training does: repeating one batch
    // would drive both peers to zero loss and into subnormal arithmetic, which measures the FPU, not the library.
    private const int Batches = 16;
    private float[][] _inputs = [];
    private int[][] _labels = [];
    private float[] _outputs = [];
    private Tensor[] _torchInputs = [], _torchLabels = [];
    private Tensor _torchOutputs = null!;
    private int _next;

    [Params(1, 32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        var random = new ModelGen.Initialization.SeededRandom(1);
        _model = new Mlp();
        _torch = new TorchMlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: false);
        _inputs = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch * Mlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        _labels = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch).Select(_ => random.NextInt(Mlp.OutputSize)).ToArray()).ToArray();
        _outputs = new float[Batch * Mlp.OutputSize];
        _torchInputs = _inputs.Select(x => tensor(x, [Batch, Mlp.InputSize])).ToArray();
        _torchLabels = _labels.Select(l => tensor(l.Select(c => (long)c).ToArray(), [Batch])).ToArray();
        _torchOutputs = zeros(Batch, Mlp.OutputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        foreach (Tensor t in _torchInputs.Concat(_torchLabels)) t.Dispose();
        _torchOutputs.Dispose();
    }

    private int Next() => _next = (_next + 1) % Batches;

    [Benchmark(Description = "ModelGen TrainStep")]
    public float ModelGenTrainStep()
    {
        int i = Next();
        return _model.TrainStep(_inputs[i], _labels[i]);
    }

    [Benchmark(Description = "libtorch TrainStep")]
    public float TorchTrainStep()
    {
        int i = Next();
        return _torch.TrainStep(_torchInputs[i], _torchLabels[i]);
    }

    [Benchmark(Description = "ModelGen Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_inputs[0], _outputs);
        return _outputs[0];
    }

    [Benchmark(Description = "libtorch Predict")]
    public void TorchPredict() => _torch.Predict(_torchInputs[0], _torchOutputs);
}

/// <summary>4-32-32-2 tanh MLP at batch 1, the size used in control and RL loops.</summary>
[MemoryDiagnoser]
public class TinyMlpBenchmarks
{
    private TinyMlp _model = null!;
    private TorchMlp _torch = null!;
    private readonly float[] _input = [0.1f, -0.4f, 0.7f, 0.2f];
    private readonly int[][] _labels = [[0], [1]];
    private readonly float[] _output = new float[2];
    private Tensor _torchInput = null!, _torchOutput = null!;
    private Tensor[] _torchLabels = [];
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _model = new TinyMlp();
        _torch = new TorchMlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: true);
        _torchInput = tensor(_input, [1, 4]);
        _torchLabels = [tensor(new long[] { 0 }, [1]), tensor(new long[] { 1 }, [1])];
        _torchOutput = zeros(1, 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        _torchInput.Dispose(); _torchOutput.Dispose();
        foreach (Tensor t in _torchLabels) t.Dispose();
    }

    [Benchmark(Description = "ModelGen Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_input, _output);
        return _output[0];
    }

    [Benchmark(Description = "libtorch Predict")]
    public void TorchPredict() => _torch.Predict(_torchInput, _torchOutput);

    // Alternating labels keep the loss from converging to zero (see MlpBenchmarks).
    [Benchmark(Description = "ModelGen TrainStep")]
    public float ModelGenTrainStep() => _model.TrainStep(_input, _labels[_step++ & 1]);

    [Benchmark(Description = "libtorch TrainStep")]
    public float TorchTrainStep() => _torch.TrainStep(_torchInput, _torchLabels[_step++ & 1]);
}

/// <summary>
/// The 784-256-128-10 MLP with batch norm, dropout and AdamW (see <see cref="RegularizedMlp"/>), ModelGen vs libtorch.
/// Batch norm needs two or more samples per training batch, so batch 1 is not run.
/// </summary>
[MemoryDiagnoser]
public class RegularizedMlpBenchmarks
{
    private RegularizedMlp _model = null!;
    private TorchRegularizedMlp _torch = null!;
    private const int Batches = 16;
    private float[][] _inputs = [];
    private int[][] _labels = [];
    private float[] _outputs = [];
    private Tensor[] _torchInputs = [], _torchLabels = [];
    private Tensor _torchOutputs = null!;
    private int _next;

    [Params(32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        var random = new ModelGen.Initialization.SeededRandom(2);
        _model = new RegularizedMlp();
        _torch = new TorchRegularizedMlp(_model);
        _inputs = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch * RegularizedMlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        _labels = Enumerable.Range(0, Batches).Select(_ => Enumerable.Range(0, Batch).Select(_ => random.NextInt(RegularizedMlp.OutputSize)).ToArray()).ToArray();
        _outputs = new float[Batch * RegularizedMlp.OutputSize];
        _torchInputs = _inputs.Select(x => tensor(x, [Batch, RegularizedMlp.InputSize])).ToArray();
        _torchLabels = _labels.Select(l => tensor(l.Select(c => (long)c).ToArray(), [Batch])).ToArray();
        _torchOutputs = zeros(Batch, RegularizedMlp.OutputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        foreach (Tensor t in _torchInputs.Concat(_torchLabels)) t.Dispose();
        _torchOutputs.Dispose();
    }

    private int Next() => _next = (_next + 1) % Batches;

    [Benchmark(Description = "ModelGen regularized TrainStep")]
    public float ModelGenTrainStep()
    {
        int i = Next();
        return _model.TrainStep(_inputs[i], _labels[i]);
    }

    [Benchmark(Description = "libtorch regularized TrainStep")]
    public float TorchTrainStep()
    {
        int i = Next();
        return _torch.TrainStep(_torchInputs[i], _torchLabels[i]);
    }

    [Benchmark(Description = "ModelGen regularized Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_inputs[0], _outputs);
        return _outputs[0];
    }

    [Benchmark(Description = "libtorch regularized Predict")]
    public void TorchPredict() => _torch.Predict(_torchInputs[0], _torchOutputs);
}
