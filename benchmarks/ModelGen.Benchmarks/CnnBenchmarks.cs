using BenchmarkDotNet.Attributes;
using ModelGen.Benchmarks.Peers;
using ModelGen.Onnx;
using ModelGen.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>
/// LeNet-5 (<see cref="LeNet5"/>), train step at batch 64 (forward, loss, backward, SGD with momentum) and inference at
/// batch 1 and 64, ModelGen vs libtorch with the same initial weights; inference also vs ONNX Runtime.
/// </summary>
[MemoryDiagnoser]
public class LeNetBenchmarks
{
    private LeNet5 _model = null!;
    private TorchNetwork _torch = null!;
    private OnnxNetwork _onnx = null!;
    private ClassificationBatches _data = null!;
    private float[] _onnxOutputs = [];

    [Params(1, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        _model = new LeNet5();
        _torch = TorchNetwork.LeNet(_model);
        _data = new ClassificationBatches(Batch, LeNet5.InputSize, LeNet5.OutputSize, seed: 3, sampleShape: [1, 28, 28]);
        _onnxOutputs = new float[Batch * LeNet5.OutputSize];
        _onnx = new OnnxNetwork(_model.ToOnnx(), _data.Inputs[0], [Batch, 1, 28, 28], _onnxOutputs, [Batch, LeNet5.OutputSize]);
        // Both peers must compute the same function, or their times mean nothing.
        _model.Predict(_data.Inputs[0], _data.Outputs);
        _onnx.Predict();
        _torch.Predict(_data.TorchInputs[0], _data.TorchOutputs);
        float[] torchOutputs = _data.TorchOutputs.data<float>().ToArray();
        for (int i = 0; i < _onnxOutputs.Length; i++)
            if (Math.Abs(_onnxOutputs[i] - _data.Outputs[i]) > 1e-4f || Math.Abs(torchOutputs[i] - _data.Outputs[i]) > 1e-4f)
                throw new InvalidOperationException($"The peers disagree with ModelGen at output {i}: ONNX Runtime {_onnxOutputs[i]}, libtorch {torchOutputs[i]}, ModelGen {_data.Outputs[i]}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _onnx.Dispose();
        _torch.Dispose();
        _data.Dispose();
    }

    [Benchmark(Description = "ModelGen LeNet TrainStep")]
    public float ModelGenTrainStep()
    {
        int i = _data.Next();
        return _model.TrainStep(_data.Inputs[i], _data.Labels[i]);
    }

    [Benchmark(Description = "libtorch LeNet TrainStep")]
    public float TorchTrainStep()
    {
        int i = _data.Next();
        return _torch.TrainStep(_data.TorchInputs[i], _data.TorchLabels[i]);
    }

    [Benchmark(Description = "ModelGen LeNet Predict")]
    public float ModelGenPredict()
    {
        _model.Predict(_data.Inputs[0], _data.Outputs);
        return _data.Outputs[0];
    }

    [Benchmark(Description = "libtorch LeNet Predict")]
    public void TorchPredict() => _torch.Predict(_data.TorchInputs[0], _data.TorchOutputs);

    [Benchmark(Description = "ONNX Runtime LeNet Predict")]
    public void OnnxPredict() => _onnx.Predict();
}

/// <summary>
/// One wide convolution layer, 64 → 64 channels, 3×3, padding 1, on 32×32 maps at batch 32: forward and both backward
/// passes (∂W, ∂b, ∂x) — ModelGen's kernels vs libtorch's conv2d forward and autograd backward, same weights.
/// </summary>
[MemoryDiagnoser]
public class WideConvBenchmarks
{
    private const int Batch = 32;
    private static readonly Conv2DShape Shape = new(64, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 32, 32);

    /// <summary>Floating-point operations of one forward + backward: three products of 2·batch·F·CKK·P each.</summary>
    public static double Flops => 3.0 * 2 * Batch * Shape.Filters * Shape.Patch * Shape.Positions;
    private float[] _x = [], _weights = [], _bias = [], _y = [], _dy = [], _dx = [], _dw = [], _db = [];
    private Tensor _torchX = null!, _torchWeights = null!, _torchBias = null!, _torchDy = null!;

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        var random = new ModelGen.Initialization.SeededRandom(4);
        float[] Random(int count, float scale) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        _x = Random(Batch * Shape.InputSize, 1);
        _weights = Random(Shape.Filters * Shape.Patch, 0.05f);
        _bias = Random(Shape.Filters, 0.1f);
        _dy = Random(Batch * Shape.OutputSize, 1);
        (_y, _dx, _dw, _db) = (new float[_dy.Length], new float[_x.Length], new float[_weights.Length], new float[_bias.Length]);
        _torchX = tensor(_x, [Batch, 64, 32, 32]).requires_grad_();
        _torchWeights = tensor(_weights, [64, 64, 3, 3]).requires_grad_();
        _torchBias = tensor(_bias, [64]).requires_grad_();
        _torchDy = tensor(_dy, [Batch, 64, 32, 32]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Tensor t in new[] { _torchX, _torchWeights, _torchBias, _torchDy }) t.Dispose();
    }

    [Benchmark(Description = "ModelGen wide conv forward + backward")]
    public float ModelGen()
    {
        Conv2DOp.Forward<float>(_x, _weights, _bias, _y, Batch, Shape);
        Conv2DOp.BackwardParameters<float>(_x, _dy, _dw, _db, Batch, Shape);
        Conv2DOp.BackwardInput<float>(_dy, _weights, _dx, Batch, Shape);
        return _dx[0];
    }

    [Benchmark(Description = "libtorch wide conv forward + backward")]
    public float Torch()
    {
        foreach (Tensor t in new[] { _torchX, _torchWeights, _torchBias })
            t.grad?.zero_();
        using Tensor y = nn.functional.conv2d(_torchX, _torchWeights, _torchBias, padding: [1, 1]);
        y.backward([_torchDy]);
        return 0;
    }
}
