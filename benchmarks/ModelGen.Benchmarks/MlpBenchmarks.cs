using BenchmarkDotNet.Attributes;
using ModelGen.Benchmarks.Peers;
using ModelGen.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// 784-256-128-10 MLP, train step (forward, loss, backward, Adam) and inference, ModelGen vs libtorch; inference also
/// vs ONNX Runtime.
/// </summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    private Mlp _model = null!;
    private TorchNetwork _torch = null!;
    private OnnxNetwork _onnx = null!;
    private ClassificationBatches _data = null!;
    private float[] _onnxOutputs = [];

    [Params(1, 32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _model = new Mlp();
        _torch = TorchNetwork.Mlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: false);
        _data = new ClassificationBatches(Batch, Mlp.InputSize, Mlp.OutputSize, seed: 1);
        _onnxOutputs = new float[Batch * Mlp.OutputSize];
        _onnx = new OnnxNetwork(_model.ToOnnx(), _data.Inputs[0], [Batch, Mlp.InputSize], _onnxOutputs, [Batch, Mlp.OutputSize]);
        // The peer must compute the same function, or its time means nothing.
        _model.Predict(_data.Inputs[0], _data.Outputs);
        _onnx.Predict();
        for (int i = 0; i < _onnxOutputs.Length; i++)
            if (Math.Abs(_onnxOutputs[i] - _data.Outputs[i]) > 1e-4f)
                throw new InvalidOperationException($"ONNX Runtime disagrees with ModelGen at output {i}: {_onnxOutputs[i]} vs {_data.Outputs[i]}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _torch.Dispose();
        _data.Dispose();
    }

    [Benchmark(Description = "ModelGen TrainStep")]
    public float ModelGenTrainStep()
    {
        int i = _data.Next();
        return _model.TrainStep(_data.Inputs[i], _data.Labels[i]);
    }

    [Benchmark(Description = "libtorch TrainStep")]
    public float TorchTrainStep()
    {
        int i = _data.Next();
        return _torch.TrainStep(_data.TorchInputs[i], _data.TorchLabels[i]);
    }

    [Benchmark(Description = "ModelGen Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_data.Inputs[0], _data.Outputs);
        return _data.Outputs[0];
    }

    [Benchmark(Description = "libtorch Predict")]
    public void TorchPredict() => _torch.Predict(_data.TorchInputs[0], _data.TorchOutputs);

    [Benchmark(Description = "ONNX Runtime Predict")]
    public void OnnxPredict() => _onnx.Predict();
}

/// <summary>4-32-32-2 tanh MLP at batch 1, the size used in control and RL loops.</summary>
[MemoryDiagnoser]
public class TinyMlpBenchmarks
{
    private TinyMlp _model = null!;
    private TorchNetwork _torch = null!;
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
        _torch = TorchNetwork.Mlp([_model.Hidden1, _model.Hidden2, _model.Logits], tanh: true);
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
    private TorchNetwork _torch = null!;
    private ClassificationBatches _data = null!;

    [Params(32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _model = new RegularizedMlp();
        _torch = TorchNetwork.Regularized(_model);
        _data = new ClassificationBatches(Batch, RegularizedMlp.InputSize, RegularizedMlp.OutputSize, seed: 2);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch.Dispose();
        _data.Dispose();
    }

    [Benchmark(Description = "ModelGen regularized TrainStep")]
    public float ModelGenTrainStep()
    {
        int i = _data.Next();
        return _model.TrainStep(_data.Inputs[i], _data.Labels[i]);
    }

    [Benchmark(Description = "libtorch regularized TrainStep")]
    public float TorchTrainStep()
    {
        int i = _data.Next();
        return _torch.TrainStep(_data.TorchInputs[i], _data.TorchLabels[i]);
    }

    [Benchmark(Description = "ModelGen regularized Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_data.Inputs[0], _data.Outputs);
        return _data.Outputs[0];
    }

    [Benchmark(Description = "libtorch regularized Predict")]
    public void TorchPredict() => _torch.Predict(_data.TorchInputs[0], _data.TorchOutputs);
}

/// <summary>
/// Random classification batches for both peers, as arrays and as torch tensors. Training steps cycle through several
/// batches with random labels, as real training does: repeating one batch would drive both peers to zero loss and into
/// subnormal arithmetic, which measures the FPU, not the library.
/// </summary>
internal sealed class ClassificationBatches : IDisposable
{
    private const int Count = 16;
    private int _next;

    /// <param name="sampleShape">One sample's shape for the torch tensors (e.g. [1, 28, 28]); null: [inputSize].</param>
    public ClassificationBatches(int batch, int inputSize, int classes, int seed, long[]? sampleShape = null)
    {
        var random = new ModelGen.Initialization.SeededRandom(seed);
        Inputs = Enumerable.Range(0, Count).Select(_ => Enumerable.Range(0, batch * inputSize).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        Labels = Enumerable.Range(0, Count).Select(_ => Enumerable.Range(0, batch).Select(_ => random.NextInt(classes)).ToArray()).ToArray();
        Outputs = new float[batch * classes];
        long[] shape = [batch, .. sampleShape ?? [inputSize]];
        TorchInputs = Inputs.Select(x => tensor(x, shape)).ToArray();
        TorchLabels = Labels.Select(l => tensor(l.Select(c => (long)c).ToArray(), [batch])).ToArray();
        TorchOutputs = zeros(batch, classes);
    }

    public float[][] Inputs { get; }
    public int[][] Labels { get; }
    public float[] Outputs { get; }
    public Tensor[] TorchInputs { get; }
    public Tensor[] TorchLabels { get; }
    public Tensor TorchOutputs { get; }

    /// <summary>The index of the next training batch.</summary>
    public int Next() => _next = (_next + 1) % Count;

    public void Dispose()
    {
        foreach (Tensor t in TorchInputs.Concat(TorchLabels)) t.Dispose();
        TorchOutputs.Dispose();
    }
}
