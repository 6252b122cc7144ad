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
    private float[] _inputs = [];
    private int[] _labels = [];
    private float[] _outputs = [];
    private Tensor _torchInputs = null!, _torchLabels = null!, _torchOutputs = null!;

    [Params(1, 32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        var random = new ModelGen.Initialization.SeededRandom(1);
        _model = new Mlp();
        _torch = new TorchMlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: false);
        _inputs = Enumerable.Range(0, Batch * Mlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _labels = Enumerable.Range(0, Batch).Select(i => i % Mlp.OutputSize).ToArray();
        _outputs = new float[Batch * Mlp.OutputSize];
        _torchInputs = tensor(_inputs, [Batch, Mlp.InputSize]);
        _torchLabels = tensor(_labels.Select(l => (long)l).ToArray(), [Batch]);
        _torchOutputs = zeros(Batch, Mlp.OutputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        _torchInputs.Dispose(); _torchLabels.Dispose(); _torchOutputs.Dispose();
    }

    [Benchmark(Description = "ModelGen TrainStep")]
    public float ModelGenTrainStep() => _model.TrainStep(_inputs, _labels);

    [Benchmark(Description = "libtorch TrainStep")]
    public float TorchTrainStep() => _torch.TrainStep(_torchInputs, _torchLabels);

    [Benchmark(Description = "ModelGen Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_inputs, _outputs);
        return _outputs[0];
    }

    [Benchmark(Description = "libtorch Predict")]
    public void TorchPredict() => _torch.Predict(_torchInputs, _torchOutputs);
}

/// <summary>4-32-32-2 tanh MLP at batch 1, the size used in control and RL loops.</summary>
[MemoryDiagnoser]
public class TinyMlpBenchmarks
{
    private TinyMlp _model = null!;
    private TorchMlp _torch = null!;
    private readonly float[] _input = [0.1f, -0.4f, 0.7f, 0.2f];
    private readonly int[] _label = [1];
    private readonly float[] _output = new float[2];
    private Tensor _torchInput = null!, _torchLabel = null!, _torchOutput = null!;

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _model = new TinyMlp();
        _torch = new TorchMlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: true);
        _torchInput = tensor(_input, [1, 4]);
        _torchLabel = tensor(new long[] { 1 }, [1]);
        _torchOutput = zeros(1, 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        _torchInput.Dispose(); _torchLabel.Dispose(); _torchOutput.Dispose();
    }

    [Benchmark(Description = "ModelGen Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_input, _output);
        return _output[0];
    }

    [Benchmark(Description = "libtorch Predict")]
    public void TorchPredict() => _torch.Predict(_torchInput, _torchOutput);

    [Benchmark(Description = "ModelGen TrainStep")]
    public float ModelGenTrainStep() => _model.TrainStep(_input, _label);

    [Benchmark(Description = "libtorch TrainStep")]
    public float TorchTrainStep() => _torch.TrainStep(_torchInput, _torchLabel);
}
