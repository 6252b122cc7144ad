using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// The same model served by ONNX Runtime, the engine a .NET user would pick for inference: the model exported by
/// ModelGen.Onnx (what Predict computes, softmax included), two intra-op threads as the other peers use, graph
/// optimizations on, and the input and output bound once as preallocated OrtValues over the benchmark's own arrays, so a
/// call allocates no tensors.
/// </summary>
public sealed class OnnxNetwork : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtValue _input, _output;
    private readonly string[] _inputNames = ["input"], _outputNames = ["outputs"];
    private readonly OrtValue[] _inputs, _outputs;

    /// <summary>An exported model, its input and output bound as [<paramref name="inputShape"/>] and [<paramref name="outputShape"/>].</summary>
    public OnnxNetwork(byte[] model, float[] input, long[] inputShape, float[] output, long[] outputShape)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = Environment.ProcessorCount,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _session = new InferenceSession(model, options);
        _input = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        (_inputs, _outputs) = ([_input], [_output]);
    }

    /// <summary>Softmax probabilities of the bound input into the bound output.</summary>
    public void Predict() => _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _input.Dispose();
        _output.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
