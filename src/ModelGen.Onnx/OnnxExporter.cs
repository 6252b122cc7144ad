using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelGen.Persistence;
using Onnx;

namespace ModelGen.Onnx;

/// <summary>
/// Exports a generated model's inference graph (what Predict computes) as ONNX, opset 17: Dense → Gemm (a feature map
/// flattened first), batch norm → BatchNormalization with the running statistics, activations → Relu, LeakyRelu,
/// Sigmoid, Tanh, Softplus, Selu, Softmax, dropout → Identity, residual → Add, Concat, highway → x + t·(h − x),
/// Conv2D → Conv, pooling → MaxPool/AveragePool (padding counted), and each head's Predict transform (Softmax, Sigmoid)
/// into an output named as Predict's parameter. The batch dimension is symbolic. Weights are initializers named by the
/// manifest (Dense weights as ModelGen holds them, [inputs × units], read by Gemm untransposed).
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the exporter targets.</summary>
    public const int Opset = 17;

    /// <summary>
    /// Writes the model as ONNX to <paramref name="path"/>, atomically (a temporary file in the same folder, flushed,
    /// then renamed). Reads the weights between training steps.
    /// </summary>
    /// <exception cref="NotSupportedException">The model has a layer ONNX export does not cover yet; the message names it.</exception>
    public static void ExportOnnx(this IExportableModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto onnx = Build(model);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                onnx.WriteTo(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes the model as ONNX to <paramref name="stream"/>.</summary>
    /// <exception cref="NotSupportedException">The model has a layer ONNX export does not cover yet; the message names it.</exception>
    public static void ExportOnnx(this IExportableModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Build(model).WriteTo(stream);
    }

    /// <summary>The ONNX model as bytes (for an InferenceSession built from memory).</summary>
    public static byte[] ToOnnx(this IExportableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(model).ToByteArray();
    }

    private static ModelProto Build(IExportableModel model)
    {
        ICheckpointable<float> tensors = model.Tensors;
        float[] parameters, state;
        tensors.Gate.EnterRead();
        try
        {
            parameters = tensors.Parameters.ToArray();
            state = tensors.State.ToArray();
        }
        finally
        {
            tensors.Gate.ExitRead();
        }
        var writer = new GraphWriter(tensors.ModelName, tensors.Manifest, parameters, state);
        InferenceGraph graph = model.Graph;
        for (int i = 0; i < graph.Nodes.Count; i++)
            writer.Add(graph.Nodes[i]);
        foreach (GraphOutput output in graph.Outputs)
            writer.Output(output, graph.Nodes[output.Node]);
        return new ModelProto
        {
            IrVersion = 8,
            ProducerName = "ModelGen",
            ProducerVersion = typeof(IExportableModel).Assembly.GetName().Version?.ToString() ?? "",
            Graph = writer.Graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        };
    }

    /// <summary>Builds the GraphProto node by node, remembering each graph node's ONNX value and whether it is a feature map.</summary>
    private sealed class GraphWriter(string model, IReadOnlyList<ParameterInfo> manifest, float[] parameters, float[] state)
    {
        private const string Batch = "batch";
        private readonly List<(string Value, bool Map)> _values = new();
        private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
        private int _temporaries;

        public GraphProto Graph { get; } = new() { Name = model };

        public void Add(GraphNode node)
        {
            ReadOnlySpan<int> inputs = node.Inputs;
            string output = node.Name;
            bool map = false;
            switch (node.Op)
            {
                case GraphOp.Input:
                    Graph.Input.Add(Value("input", node.Shape));
                    output = "input";
                    map = node.Shape.Length == 3;
                    break;
                case GraphOp.Dense:
                    Emit("Gemm", [Flat(inputs[0]), Initializer(node.Tensors[0]), .. node.Tensors.Skip(1).Select(Initializer)], output);
                    break;
                case GraphOp.BatchNorm:
                    map = _values[inputs[0]].Map;
                    Emit("BatchNormalization", [_values[inputs[0]].Value, .. node.Tensors.Select(Initializer)], output, Float("epsilon", node.Epsilon));
                    break;
                case GraphOp.Activation:
                    map = _values[inputs[0]].Map;
                    Activation(node, map ? _values[inputs[0]].Value : Flat(inputs[0]), output);
                    break;
                case GraphOp.Dropout:
                    map = _values[inputs[0]].Map;
                    Emit("Identity", [_values[inputs[0]].Value], output);
                    break;
                case GraphOp.Add:
                    map = _values[inputs[0]].Map && _values[inputs[1]].Map;
                    Emit("Add", map ? [_values[inputs[0]].Value, _values[inputs[1]].Value] : [Flat(inputs[0]), Flat(inputs[1])], output);
                    break;
                case GraphOp.Concat:
                    var parts = new List<string>();
                    foreach (int input in inputs)
                        parts.Add(Flat(input));
                    Emit("Concat", parts, output, Int("axis", 1));
                    break;
                case GraphOp.HighwayGate:
                {
                    // y = t ⊙ h + (1 − t) ⊙ x = x + t ⊙ (h − x), inputs (x, h, t).
                    string x = Flat(inputs[0]), h = Flat(inputs[1]), t = Flat(inputs[2]);
                    string difference = Temporary(node, "difference"), scaled = Temporary(node, "scaled");
                    Emit("Sub", [h, x], difference);
                    Emit("Mul", [t, difference], scaled);
                    Emit("Add", [x, scaled], output);
                    break;
                }
                case GraphOp.Conv2D:
                {
                    GraphWindow window = node.Window!.Value;
                    map = true;
                    Emit("Conv", [Map(node, inputs[0]), .. node.Tensors.Select(Initializer)], output,
                        Ints("kernel_shape", window.KernelHeight, window.KernelWidth), Ints("strides", window.StrideY, window.StrideX),
                        Ints("dilations", window.DilationY, window.DilationX), Ints("pads", window.PadTop, window.PadLeft, window.PadBottom, window.PadRight));
                    break;
                }
                case GraphOp.MaxPool2D or GraphOp.AvgPool2D:
                {
                    GraphWindow window = node.Window!.Value;
                    map = true;
                    var attributes = new List<AttributeProto>
                    {
                        Ints("kernel_shape", window.KernelHeight, window.KernelWidth), Ints("strides", window.StrideY, window.StrideX),
                        Ints("pads", window.PadTop, window.PadLeft, window.PadBottom, window.PadRight),
                    };
                    if (node.Op == GraphOp.AvgPool2D)
                    {
                        if (window.DilationY != 1 || window.DilationX != 1)
                            throw Unsupported(node, "a dilated mean pooling (AveragePool has no dilations before opset 19)");
                        attributes.Add(Int("count_include_pad", 1)); // ModelGen divides by the whole window
                    }
                    else
                        attributes.Add(Ints("dilations", window.DilationY, window.DilationX));
                    Emit(node.Op == GraphOp.MaxPool2D ? "MaxPool" : "AveragePool", [Map(node, inputs[0])], output, [.. attributes]);
                    break;
                }
                default:
                    throw Unsupported(node, $"its {node.Op} op");
            }
            _values.Add((output, map));
        }

        /// <summary>A Predict output: the head's node, flattened, through its transform, named as Predict's parameter.</summary>
        public void Output(GraphOutput head, GraphNode node)
        {
            string value = Flat(head.Node);
            switch (head.Transform)
            {
                case OutputTransform.Softmax: Emit("Softmax", [value], head.Name, Int("axis", 1)); break;
                case OutputTransform.Sigmoid: Emit("Sigmoid", [value], head.Name); break;
                default: Emit("Identity", [value], head.Name); break;
            }
            int width = 1;
            foreach (int dimension in node.Shape)
                width *= dimension;
            Graph.Output.Add(Value(head.Name, [width]));
        }

        private void Activation(GraphNode node, string input, string output)
        {
            switch (node.Activation)
            {
                case ModelGen.Activation.Identity: Emit("Identity", [input], output); break;
                case ModelGen.Activation.ReLU: Emit("Relu", [input], output); break;
                case ModelGen.Activation.LeakyReLU: Emit("LeakyRelu", [input], output, Float("alpha", node.NegativeSlope)); break;
                case ModelGen.Activation.Sigmoid: Emit("Sigmoid", [input], output); break;
                case ModelGen.Activation.Tanh: Emit("Tanh", [input], output); break;
                case ModelGen.Activation.Softplus: Emit("Softplus", [input], output); break;
                case ModelGen.Activation.SELU: Emit("Selu", [input], output, Float("alpha", 1.6732632423543772f), Float("gamma", 1.0507009873554805f)); break;
                case ModelGen.Activation.Softmax: Emit("Softmax", [input], output, Int("axis", 1)); break;
                default: throw Unsupported(node, $"the {node.Activation} activation");
            }
        }

        /// <summary>The value of node <paramref name="index"/> as [batch × features]: feature maps are flattened (once).</summary>
        private string Flat(int index)
        {
            (string value, bool map) = _values[index];
            if (!map)
                return value;
            string flat = value + ".Flatten";
            if (!Graph.Node.Any(n => n.Output.Contains(flat)))
                Emit("Flatten", [value], flat, Int("axis", 1));
            return flat;
        }

        private string Map(GraphNode node, int index) => _values[index].Map
            ? _values[index].Value
            : throw Unsupported(node, "a window over a flat input");

        private string Temporary(GraphNode node, string what) => $"{node.Name}.{what}.{_temporaries++}";

        private void Emit(string op, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
        {
            var proto = new NodeProto { OpType = op, Name = output, Output = { output } };
            proto.Input.AddRange(inputs);
            proto.Attribute.AddRange(attributes);
            Graph.Node.Add(proto);
        }

        /// <summary>A manifest tensor as an initializer (once), raw little-endian floats in ModelGen's layout.</summary>
        private string Initializer(string name)
        {
            if (!_initializers.Add(name))
                return name;
            ParameterInfo tensor = ParameterInfo.Find(manifest, name, model);
            ReadOnlySpan<float> values = (tensor.IsTrainable ? parameters : state).AsSpan(tensor.Offset, tensor.Length);
            var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
            foreach (int dimension in tensor.Shape)
                proto.Dims.Add(dimension);
            Graph.Initializer.Add(proto);
            return name;
        }

        private static ValueInfoProto Value(string name, ReadOnlySpan<int> shape)
        {
            var tensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = Batch } } };
            foreach (int dimension in shape)
                tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
            };
        }

        private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

        private static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

        private NotSupportedException Unsupported(GraphNode node, string what) => new(
            $"{model}: ONNX export does not cover layer '{node.Name}' yet ({what}). It exports Dense, BatchNorm, activations, dropout, "
            + "residual, Concat, highway, Conv2D and pooling layers; embeddings, recurrent and locally connected layers are not exported.");
    }
}
