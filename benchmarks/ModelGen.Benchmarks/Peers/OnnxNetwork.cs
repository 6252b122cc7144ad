using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// The same MLP served by ONNX Runtime, the engine a .NET user would pick for inference: ModelGen's weights written
/// to an .onnx file (MatMul + Add + ReLU per layer, softmax at the end, as ModelGen's Predict computes), two intra-op
/// threads as the other peers use, graph optimizations on, and the input and output bound once as preallocated
/// OrtValues over the benchmark's own arrays, so a call allocates no tensors.
/// </summary>
public sealed class OnnxNetwork : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly OrtValue _input, _output;
    private readonly string[] _inputNames = ["input"], _outputNames = ["probabilities"];
    private readonly OrtValue[] _inputs, _outputs;

    public OnnxNetwork(IReadOnlyList<Dense> layers, float[] input, float[] output, int batch)
        : this(OnnxWriter.Mlp(layers), input, [batch, layers[0].Inputs], output, [batch, layers[^1].Units])
    {
    }

    /// <summary>Any model the writer built, its input and output bound as [<paramref name="inputShape"/>] and [<paramref name="outputShape"/>].</summary>
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

/// <summary>
/// A minimal ONNX (protobuf) writer for a ReLU MLP: just the fields of ModelProto, GraphProto, NodeProto, TensorProto
/// and ValueInfoProto the model needs, written by hand so the benchmark needs no protobuf package.
/// </summary>
internal static class OnnxWriter
{
    private const int Float = 1; // TensorProto.DataType.FLOAT

    public static byte[] Mlp(IReadOnlyList<Dense> layers)
    {
        var graph = new Proto();
        string current = Dense(graph, "input", layers);
        return Model(graph, current, "mlp", ValueInfo("input", "batch", layers[0].Inputs), layers[^1].Units);
    }

    /// <summary>Conv → Relu → MaxPool per convolution block, Flatten, then the MatMul/Add/Relu stack and the softmax.</summary>
    public static byte[] LeNet(LeNet5 model)
    {
        var graph = new Proto();
        string current = "input";
        foreach ((Conv2D conv, MaxPool2D pool) in new[] { (model.Conv1, model.Pool1), (model.Conv2, model.Pool2) })
        {
            Ops.Conv2DShape s = conv.Shape;
            string name = conv.Name;
            graph.Message(5, Tensor($"{name}.weight", [s.Filters, s.Channels, s.KernelHeight, s.KernelWidth], conv.Weights.ToArray()));
            graph.Message(5, Tensor($"{name}.bias", [s.Filters], conv.Bias.ToArray()));
            var node = Node("Conv", [current, $"{name}.weight", $"{name}.bias"], $"{name}.output");
            node.Message(5, Ints("kernel_shape", s.KernelHeight, s.KernelWidth));
            graph.Message(1, node);
            graph.Message(1, Node("Relu", [$"{name}.output"], $"{name}.relu"));
            var pooling = Node("MaxPool", [$"{name}.relu"], $"{pool.Name}.output");
            pooling.Message(5, Ints("kernel_shape", pool.Shape.KernelHeight, pool.Shape.KernelWidth));
            pooling.Message(5, Ints("strides", pool.Shape.StrideY, pool.Shape.StrideX));
            graph.Message(1, pooling);
            current = $"{pool.Name}.output";
        }
        graph.Message(1, Node("Flatten", [current], "flat"));
        current = Dense(graph, "flat", [model.Hidden1, model.Hidden2, model.Logits]);
        var input = new Proto().Message(1, new Proto().String(2, "batch"));
        foreach (int dimension in new[] { 1, 28, 28 })
            input.Message(1, new Proto().Varint(1, (ulong)dimension));
        return Model(graph, current, "lenet5", new Proto().String(1, "input").Message(2, new Proto().Message(1, new Proto().Varint(1, Float).Message(2, input))), 10);
    }

    /// <summary>MatMul + Add (+ Relu but after the last) per layer; returns the last value's name.</summary>
    private static string Dense(Proto graph, string current, IReadOnlyList<Dense> layers)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            Dense layer = layers[i];
            string name = $"layer{i}";
            graph.Message(5, Tensor($"{name}.weight", [layer.Inputs, layer.Units], layer.Weights.ToArray()));
            graph.Message(1, Node("MatMul", [current, $"{name}.weight"], $"{name}.product"));
            current = $"{name}.product";
            if (!layer.Bias.IsEmpty)
            {
                graph.Message(5, Tensor($"{name}.bias", [layer.Units], layer.Bias.ToArray()));
                graph.Message(1, Node("Add", [current, $"{name}.bias"], $"{name}.biased"));
                current = $"{name}.biased";
            }
            if (i < layers.Count - 1)
            {
                graph.Message(1, Node("Relu", [current], $"{name}.relu"));
                current = $"{name}.relu";
            }
        }
        return current;
    }

    /// <summary>The softmax of the last value as the "probabilities" output, the graph's input and output declared, opset 17.</summary>
    private static byte[] Model(Proto graph, string current, string name, Proto input, int classes)
    {
        var softmax = Node("Softmax", [current], "probabilities");
        softmax.Message(5, new Proto().String(1, "axis").Varint(3, unchecked((ulong)-1L)).Varint(20, 2)); // AttributeProto INT
        graph.Message(1, softmax);
        graph.String(2, name);
        graph.Message(11, input);
        graph.Message(12, ValueInfo("probabilities", "batch", classes));

        var model = new Proto().Varint(1, 8).String(2, "ModelGen.Benchmarks");
        model.Message(7, graph);
        model.Message(8, new Proto().String(1, "").Varint(2, 17)); // opset 17 of the default domain
        return model.ToArray();
    }

    /// <summary>An INTS attribute (AttributeProto type 7, values in field 8).</summary>
    private static Proto Ints(string name, params long[] values)
    {
        var attribute = new Proto().String(1, name);
        foreach (long value in values)
            attribute.Varint(8, (ulong)value);
        return attribute.Varint(20, 7);
    }

    private static Proto Node(string op, string[] inputs, string output)
    {
        var node = new Proto();
        foreach (string input in inputs)
            node.String(1, input);
        return node.String(2, output).String(3, output + ".node").String(4, op);
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (long dim in dims)
            tensor.Varint(1, (ulong)dim);
        var raw = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length); // little-endian, as ONNX raw_data is
        return tensor.Varint(2, Float).String(8, name).Bytes(9, raw);
    }

    /// <summary>A float tensor [batch × width] with a symbolic batch dimension.</summary>
    private static Proto ValueInfo(string name, string batch, int width)
    {
        var shape = new Proto().Message(1, new Proto().String(2, batch)).Message(1, new Proto().Varint(1, (ulong)width));
        var tensorType = new Proto().Varint(1, Float).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>Protobuf wire format: varints (wire type 0) and length-delimited fields (wire type 2).</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Varint(int field, ulong value)
        {
            WriteVarint((ulong)(field << 3));
            WriteVarint(value);
            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            WriteVarint((ulong)(field << 3 | 2));
            WriteVarint((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _bytes.ToArray();

        private void WriteVarint(ulong value)
        {
            for (; value >= 0x80; value >>= 7)
                _bytes.WriteByte((byte)(value | 0x80));
            _bytes.WriteByte((byte)value);
        }
    }
}
