using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelGen.Persistence;
using Onnx;

namespace ModelGen.Onnx;

/// <summary>
/// Exports a generated model's inference graph (what Predict computes) as ONNX, opset 17: Dense → Gemm (a feature map
/// flattened first), batch norm → BatchNormalization with the running statistics, activations → Relu, LeakyRelu,
/// Sigmoid, Tanh, Softplus, Selu, Softmax, dropout → Identity, residual → Add, Concat, highway → x + t·(h − x),
/// Conv2D → Conv, pooling → MaxPool/AveragePool (padding counted), embeddings → Gather, recurrent layers → LSTM, GRU,
/// RNN (batch-major, with each sample's length from the padding id), and each head's Predict transform (Softmax,
/// Sigmoid; per-step heads masked past each sample's length) into an output named as Predict's parameter. The batch
/// dimension is symbolic. Weights are initializers named by the
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
        ModelProto onnx = Build(model);
        ModelFiles.WriteAtomically(path, onnx.WriteTo);
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
        InferenceGraph graph = model.Graph;
        var writer = new GraphWriter(tensors.ModelName, tensors.Manifest, parameters, state, graph.TakesTokens);
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

    /// <summary>
    /// How a value is laid out in ONNX: [batch × features], [batch × C × H × W], or a sequence time-major, [steps × batch ×
    /// features], as ModelGen runs it and as ONNX Runtime's recurrent kernels take it.
    /// </summary>
    private enum Layout { Flat, Map, Sequence }

    /// <summary>Builds the GraphProto node by node, remembering each graph node's ONNX value and its layout.</summary>
    private sealed class GraphWriter(string model, IReadOnlyList<ParameterInfo> manifest, float[] parameters, float[] state, bool takesTokens)
    {
        private const string Batch = "batch";
        private readonly List<(string Value, Layout Layout)> _values = new();
        /// <summary>Elements per sample of each node's value, by node index.</summary>
        private readonly List<int> _sizes = new();
        private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
        private int _temporaries;
        // With a padding id: each sample's length (int32 [batch]) and its real-step mask ([batch × steps × 1]).
        private string? _lengths, _stepMask;

        public GraphProto Graph { get; } = new() { Name = model };

        public void Add(GraphNode node)
        {
            ReadOnlySpan<int> inputs = node.Inputs;
            string output = node.Name;
            Layout layout = Layout.Flat;
            switch (node.Op)
            {
                case GraphOp.Input:
                    output = "input";
                    if (takesTokens)
                        Graph.Input.Add(Value(output, TensorProto.Types.DataType.Int32, [node.Shape[0]]));
                    else if (node.Steps > 0)
                    {
                        Graph.Input.Add(Value(output, TensorProto.Types.DataType.Float, [node.Steps, .. node.Shape]));
                        Emit("Transpose", [output], "input.time_major", Ints("perm", 1, 0, 2));
                        output = "input.time_major";
                        layout = Layout.Sequence;
                    }
                    else
                    {
                        Graph.Input.Add(Value(output, TensorProto.Types.DataType.Float, node.Shape));
                        layout = node.Shape.Length == 3 ? Layout.Map : Layout.Flat;
                    }
                    break;
                case GraphOp.Embedding:
                    if (node.PaddingId >= 0)
                        Lengths(_values[inputs[0]].Value, node.PaddingId);
                    if (!Graph.Node.Any(n => n.Output.Contains("input.time_major")))
                        Emit("Transpose", [_values[inputs[0]].Value], "input.time_major", Ints("perm", 1, 0));
                    Emit("Gather", [Initializer(node.Tensors[0]), "input.time_major"], output);
                    layout = Layout.Sequence;
                    break;
                case GraphOp.TimeMajor:
                    Emit("Identity", [_values[inputs[0]].Value], output);
                    layout = Layout.Sequence;
                    break;
                case GraphOp.Recurrent:
                    layout = Recurrent(node, Sequence(node, inputs[0]), output);
                    break;
                case GraphOp.Dense:
                    if (_values[inputs[0]].Layout == Layout.Sequence)
                    {
                        // Per step: [steps × batch × in] · [in × out] broadcasts.
                        layout = Layout.Sequence;
                        string product = node.Tensors.Count > 1 ? Temporary(node, "product") : output;
                        Emit("MatMul", [_values[inputs[0]].Value, Initializer(node.Tensors[0])], product);
                        if (node.Tensors.Count > 1)
                            Emit("Add", [product, Initializer(node.Tensors[1])], output);
                    }
                    else
                        Emit("Gemm", [Flat(inputs[0]), Initializer(node.Tensors[0]), .. node.Tensors.Skip(1).Select(Initializer)], output);
                    break;
                case GraphOp.BatchNorm:
                    layout = _values[inputs[0]].Layout;
                    if (layout == Layout.Sequence)
                        throw Unsupported(node, "a batch norm over a sequence");
                    Emit("BatchNormalization", [_values[inputs[0]].Value, .. node.Tensors.Select(Initializer)], output, Float("epsilon", node.Epsilon));
                    break;
                case GraphOp.Rbf:
                {
                    // d = ‖x‖² + ‖c_j‖² − 2·x·C (Relu against rounding below 0), h = exp(d · (−1/σ²)); the two per-unit
                    // vectors are computed here from the parameters.
                    ParameterInfo centres = ParameterInfo.Find(manifest, node.Tensors[0], model), logWidths = ParameterInfo.Find(manifest, node.Tensors[1], model);
                    int inputCount = centres.Shape[0], units = centres.Shape[1];
                    var centreNorms = new float[units];
                    var negativeInverseVariance = new float[units];
                    for (int i = 0; i < inputCount; i++)
                        for (int j = 0; j < units; j++)
                        {
                            float c = parameters[centres.Offset + i * units + j];
                            centreNorms[j] += c * c;
                        }
                    for (int j = 0; j < units; j++)
                        negativeInverseVariance[j] = -MathF.Exp(-2 * parameters[logWidths.Offset + j]);
                    AddInitializer(output + ".centre_norms", [units], centreNorms);
                    AddInitializer(output + ".negative_inverse_variance", [units], negativeInverseVariance);
                    AddInitializer("rbf.minus_two", [], [-2f]);
                    string x = Flat(inputs[0]);
                    Emit("ReduceSumSquare", [x], output + ".input_norms", Ints("axes", 1), Int("keepdims", 1));
                    Emit("MatMul", [x, Initializer(node.Tensors[0])], output + ".products");
                    Emit("Mul", [output + ".products", "rbf.minus_two"], output + ".cross");
                    Emit("Add", [output + ".cross", output + ".centre_norms"], output + ".partial");
                    Emit("Add", [output + ".partial", output + ".input_norms"], output + ".raw_distances");
                    Emit("Relu", [output + ".raw_distances"], output + ".distances");
                    Emit("Mul", [output + ".distances", output + ".negative_inverse_variance"], output + ".exponent");
                    Emit("Exp", [output + ".exponent"], output);
                    break;
                }
                case GraphOp.PReLU:
                {
                    layout = _values[inputs[0]].Layout;
                    if (layout == Layout.Sequence)
                        throw Unsupported(node, "a PReLU over a sequence");
                    // PRelu broadcasts the slope from the right: a per-channel slope on [N, C, H, W] needs the shape [C, 1, 1].
                    string slope = Initializer(node.Tensors[0]);
                    ParameterInfo tensor = ParameterInfo.Find(manifest, node.Tensors[0], model);
                    if (layout == Layout.Map && tensor.Length > 1)
                    {
                        string perChannel = slope + ".per_channel";
                        AddInitializer(perChannel, [tensor.Length, 1, 1], parameters.AsSpan(tensor.Offset, tensor.Length).ToArray());
                        slope = perChannel;
                    }
                    Emit("PRelu", [_values[inputs[0]].Value, slope], output);
                    break;
                }
                case GraphOp.Activation:
                    layout = _values[inputs[0]].Layout;
                    if (layout == Layout.Map && node.Activation is ModelGen.Activation.Softmax or ModelGen.Activation.LogSoftmax)
                        layout = Layout.Flat;
                    Activation(node, layout == Layout.Flat ? Flat(inputs[0]) : _values[inputs[0]].Value, output);
                    break;
                case GraphOp.Maxout:
                {
                    // [batch × pieces·units] piece-major → [batch × pieces × units] → max over the pieces.
                    int units = node.Shape[0];
                    string shape = output + ".pieces_shape", pieces = output + ".pieces";
                    _initializers.Add(shape);
                    Graph.Initializer.Add(new TensorProto { Name = shape, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 },
                        Int64Data = { 0, _sizes[inputs[0]] / units, units } });
                    Emit("Reshape", [Flat(inputs[0]), shape], pieces);
                    Emit("ReduceMax", [pieces], output, Ints("axes", 1), Int("keepdims", 0));
                    break;
                }
                case GraphOp.Dropout or GraphOp.GaussianNoise:
                    layout = _values[inputs[0]].Layout;
                    Emit("Identity", [_values[inputs[0]].Value], output);
                    break;
                case GraphOp.RReLU:
                    // At inference RReLU is a leaky ReLU with the mean slope.
                    layout = _values[inputs[0]].Layout;
                    Emit("LeakyRelu", [_values[inputs[0]].Value], output, Float("alpha", node.NegativeSlope));
                    break;
                case GraphOp.Add:
                    layout = Same(inputs);
                    Emit("Add", [Operand(inputs[0], layout), Operand(inputs[1], layout)], output);
                    break;
                case GraphOp.Concat:
                {
                    layout = Same(inputs) == Layout.Sequence ? Layout.Sequence : Layout.Flat;
                    var parts = new List<string>();
                    foreach (int input in inputs)
                        parts.Add(Operand(input, layout));
                    Emit("Concat", parts, output, Int("axis", layout == Layout.Sequence ? 2 : 1));
                    break;
                }
                case GraphOp.HighwayGate:
                {
                    // y = t ⊙ h + (1 − t) ⊙ x = x + t ⊙ (h − x), inputs (x, h, t).
                    layout = Same(inputs);
                    string x = Operand(inputs[0], layout), h = Operand(inputs[1], layout), t = Operand(inputs[2], layout);
                    string difference = Temporary(node, "difference"), scaled = Temporary(node, "scaled");
                    Emit("Sub", [h, x], difference);
                    Emit("Mul", [t, difference], scaled);
                    Emit("Add", [x, scaled], output);
                    break;
                }
                case GraphOp.Conv2D:
                {
                    GraphWindow window = node.Window!.Value;
                    layout = Layout.Map;
                    Emit("Conv", [Map(node, inputs[0]), .. node.Tensors.Select(Initializer)], output,
                        Ints("kernel_shape", window.KernelHeight, window.KernelWidth), Ints("strides", window.StrideY, window.StrideX),
                        Ints("dilations", window.DilationY, window.DilationX), Ints("pads", window.PadTop, window.PadLeft, window.PadBottom, window.PadRight));
                    break;
                }
                case GraphOp.MaxPool2D or GraphOp.AvgPool2D:
                {
                    GraphWindow window = node.Window!.Value;
                    layout = Layout.Map;
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
            _values.Add((output, layout));
            int size = 1;
            foreach (int dimension in node.Shape)
                size *= dimension;
            _sizes.Add(size);
        }

        /// <summary>
        /// A Predict output: the head's node through its transform, named as Predict's parameter; a per-step head is
        /// [batch × steps × width] with zeros past each sample's length, as Predict writes it.
        /// </summary>
        public void Output(GraphOutput head, GraphNode node)
        {
            bool sequence = _values[head.Node].Layout == Layout.Sequence;
            string value = sequence ? _values[head.Node].Value : Flat(head.Node);
            string transformed = sequence ? head.Name + ".time_major" : head.Name;
            switch (head.Transform)
            {
                case OutputTransform.Softmax: Emit("Softmax", [value], transformed, Int("axis", -1)); break;
                case OutputTransform.Sigmoid: Emit("Sigmoid", [value], transformed); break;
                default: Emit("Identity", [value], transformed); break;
            }
            if (sequence)
            {
                string sampleMajor = _stepMask is null ? head.Name : head.Name + ".unmasked";
                Emit("Transpose", [transformed], sampleMajor, Ints("perm", 1, 0, 2));
                if (_stepMask is not null)
                    Emit("Mul", [sampleMajor, _stepMask], head.Name);
            }
            int width = 1;
            foreach (int dimension in node.Shape)
                width *= dimension;
            Graph.Output.Add(Value(head.Name, TensorProto.Types.DataType.Float, sequence ? [node.Steps, width] : [width]));
        }

        /// <summary>
        /// One direction of a recurrent layer as ONNX LSTM/GRU/RNN, time-major: PyTorch's gate blocks
        /// reordered to ONNX's (LSTM i f g o → i o f c; GRU r z n → z r h, with linear_before_reset as PyTorch), the two
        /// biases side by side, each sample's length when the model has a padding id.
        /// </summary>
        private Layout Recurrent(GraphNode node, string input, string output)
        {
            (string op, int[] order) = node.Cell switch
            {
                RecurrentCell.Lstm => ("LSTM", new[] { 0, 3, 1, 2 }),
                RecurrentCell.Gru => ("GRU", new[] { 1, 0, 2 }),
                RecurrentCell.SimpleRnn => ("RNN", new[] { 0 }),
                _ => throw Unsupported(node, "an unknown recurrent cell"),
            };
            int hidden = node.Shape[^1];
            string weights = Reordered(node, node.Tensors[0], order, hidden, "W");
            string recurrent = Reordered(node, node.Tensors[1], order, hidden, "R");
            string biases = Reordered(node, node.Tensors[2], order, hidden, "B", node.Tensors[3]);
            var attributes = new List<AttributeProto>
            {
                Int("hidden_size", hidden), String("direction", node.Reverse ? "reverse" : "forward"),
            };
            if (node.Cell == RecurrentCell.Gru)
                attributes.Add(Int("linear_before_reset", 1));
            if (node.Cell == RecurrentCell.SimpleRnn)
            {
                (string activation, float? alpha) = node.Activation switch
                {
                    ModelGen.Activation.Tanh => ("Tanh", (float?)null),
                    ModelGen.Activation.ReLU => ("Relu", null),
                    ModelGen.Activation.Sigmoid => ("Sigmoid", null),
                    ModelGen.Activation.LeakyReLU => ("LeakyRelu", node.NegativeSlope),
                    _ => throw Unsupported(node, $"a SimpleRnn with {node.Activation}"),
                };
                attributes.Add(new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings, Strings = { ByteString.CopyFromUtf8(activation) } });
                if (alpha is float slope)
                    attributes.Add(new AttributeProto { Name = "activation_alpha", Type = AttributeProto.Types.AttributeType.Floats, Floats = { slope } });
            }
            string all = Temporary(node, "Y"), last = Temporary(node, "Y_h");
            var proto = new NodeProto { OpType = op, Name = output + "." + op, Input = { input, weights, recurrent, biases, _lengths ?? "" }, Output = { all, last } };
            proto.Attribute.AddRange(attributes);
            Graph.Node.Add(proto);
            // Y: [steps × 1 × batch × hidden]; Y_h: [1 × batch × hidden].
            if (node.ReturnSequences)
            {
                Emit("Squeeze", [all, Axes(1)], output);
                return Layout.Sequence;
            }
            Emit("Squeeze", [last, Axes(0)], output);
            return Layout.Flat;
        }

        /// <summary>A recurrent tensor [G·H × …] (or two biases side by side) with its gate blocks in ONNX's order, as [1 × …].</summary>
        private string Reordered(GraphNode node, string name, int[] order, int hidden, string role, string? second = null)
        {
            string reordered = $"{node.Name}.{role}";
            var values = new List<float>();
            long[] dims = [];
            foreach (string tensorName in second is null ? [name] : new[] { name, second })
            {
                ParameterInfo tensor = ParameterInfo.Find(manifest, tensorName, model);
                ReadOnlySpan<float> data = (tensor.IsTrainable ? parameters : state).AsSpan(tensor.Offset, tensor.Length);
                int block = hidden * (tensor.Length / tensor.Shape[0]);
                foreach (int gate in order)
                    values.AddRange(data.Slice(gate * block, block).ToArray());
                dims = tensor.Shape.Length == 2 ? [1, tensor.Shape[0], tensor.Shape[1]] : [1, values.Count];
            }
            AddInitializer(reordered, dims, values.ToArray());
            return reordered;
        }

        /// <summary>From the token ids: each sample's length (tokens before its first padding id) and the real-step mask.</summary>
        private void Lengths(string tokens, int paddingId)
        {
            if (_lengths is not null)
                return;
            AddInitializer("padding_id", [], TensorProto.Types.DataType.Int32, BitConverter.GetBytes(paddingId));
            AddInitializer("zero", [], [0f]);
            Emit("Equal", [tokens, "padding_id"], "padding.is");
            Emit("Cast", ["padding.is"], "padding.count", Int("to", (int)TensorProto.Types.DataType.Float));
            Emit("CumSum", ["padding.count", Axes(1)], "padding.so_far");
            Emit("Equal", ["padding.so_far", "zero"], "real.is");
            Emit("Cast", ["real.is"], "real", Int("to", (int)TensorProto.Types.DataType.Float));
            Emit("ReduceSum", ["real", Axes(1)], "lengths.float", Int("keepdims", 0));
            Emit("Cast", ["lengths.float"], "lengths", Int("to", (int)TensorProto.Types.DataType.Int32));
            Emit("Unsqueeze", ["real", Axes(2)], "real.mask");
            (_lengths, _stepMask) = ("lengths", "real.mask");
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
                case ModelGen.Activation.Softmax: Emit("Softmax", [input], output, Int("axis", -1)); break;
                case ModelGen.Activation.LogSoftmax: Emit("LogSoftmax", [input], output, Int("axis", -1)); break;
                case ModelGen.Activation.ELU: Emit("Elu", [input], output, Float("alpha", 1f)); break;
                case ModelGen.Activation.HardTanh:
                    AddInitializer("hard_tanh.min", [], [-1f]);
                    AddInitializer("hard_tanh.max", [], [1f]);
                    Emit("Clip", [input, "hard_tanh.min", "hard_tanh.max"], output);
                    break;
                case ModelGen.Activation.AbsoluteValue: Emit("Abs", [input], output); break;
                case ModelGen.Activation.GELU:
                    // x · ½(1 + erf(x/√2)); opset 17 has Erf but not Gelu (opset 20).
                    AddInitializer("gelu.sqrt2", [], [MathF.Sqrt(2f)]);
                    AddInitializer("gelu.one", [], [1f]);
                    AddInitializer("gelu.half", [], [0.5f]);
                    Emit("Div", [input, "gelu.sqrt2"], output + ".scaled");
                    Emit("Erf", [output + ".scaled"], output + ".erf");
                    Emit("Add", [output + ".erf", "gelu.one"], output + ".two_cdf");
                    Emit("Mul", [output + ".two_cdf", "gelu.half"], output + ".cdf");
                    Emit("Mul", [input, output + ".cdf"], output);
                    break;
                case ModelGen.Activation.GELUTanh:
                    // x · σ(2√(2/π)(x + 0.044715x³)), the tanh form as ModelGen computes it.
                    AddInitializer("gelu_tanh.cubic", [], [(float)ModelGen.Ops.GELUTanh.Cubic]);
                    AddInitializer("gelu_tanh.scale", [], [(float)(2 * ModelGen.Ops.GELUTanh.SqrtTwoOverPi)]);
                    Emit("Mul", [input, input], output + ".square");
                    Emit("Mul", [output + ".square", input], output + ".cube");
                    Emit("Mul", [output + ".cube", "gelu_tanh.cubic"], output + ".cubic");
                    Emit("Add", [input, output + ".cubic"], output + ".inner");
                    Emit("Mul", [output + ".inner", "gelu_tanh.scale"], output + ".gate_input");
                    Emit("Sigmoid", [output + ".gate_input"], output + ".gate");
                    Emit("Mul", [input, output + ".gate"], output);
                    break;
                default: throw Unsupported(node, $"the {node.Activation} activation");
            }
        }

        /// <summary>The layout several inputs share: their own if all agree, else flat (feature maps flattened).</summary>
        private Layout Same(ReadOnlySpan<int> inputs)
        {
            Layout first = _values[inputs[0]].Layout;
            foreach (int input in inputs)
                if (_values[input].Layout != first)
                    return Layout.Flat;
            return first;
        }

        private string Operand(int index, Layout layout) => layout == Layout.Flat ? Flat(index) : _values[index].Value;

        /// <summary>The value of node <paramref name="index"/> as [batch × features]: feature maps are flattened (once).</summary>
        private string Flat(int index)
        {
            (string value, Layout layout) = _values[index];
            if (layout == Layout.Flat)
                return value;
            if (layout == Layout.Sequence)
                throw new NotSupportedException($"{model}: ONNX export cannot use the sequence '{value}' where a flat value is needed.");
            string flat = value + ".Flatten";
            if (!Graph.Node.Any(n => n.Output.Contains(flat)))
                Emit("Flatten", [value], flat, Int("axis", 1));
            return flat;
        }

        private string Map(GraphNode node, int index) => _values[index].Layout == Layout.Map
            ? _values[index].Value
            : throw Unsupported(node, "a window over a value that is not a feature map");

        private string Sequence(GraphNode node, int index) => _values[index].Layout == Layout.Sequence
            ? _values[index].Value
            : throw Unsupported(node, "a recurrent layer over a value that is not a sequence");

        private string Temporary(GraphNode node, string what) => $"{node.Name}.{what}.{_temporaries++}";

        /// <summary>An int64 [1] initializer holding one axis, for Squeeze/Unsqueeze/CumSum/ReduceSum's axes input.</summary>
        private string Axes(long axis)
        {
            string name = $"axes.{axis}";
            if (_initializers.Add(name))
                Graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { axis } });
            return name;
        }

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
            if (_initializers.Contains(name))
                return name;
            ParameterInfo tensor = ParameterInfo.Find(manifest, name, model);
            ReadOnlySpan<float> values = (tensor.IsTrainable ? parameters : state).AsSpan(tensor.Offset, tensor.Length);
            long[] dims = new long[tensor.Shape.Length];
            for (int i = 0; i < dims.Length; i++)
                dims[i] = tensor.Shape[i];
            AddInitializer(name, dims, values.ToArray());
            return name;
        }

        private void AddInitializer(string name, long[] dims, float[] values)
            => AddInitializer(name, dims, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

        private void AddInitializer(string name, long[] dims, TensorProto.Types.DataType type, byte[] raw)
        {
            if (!_initializers.Add(name))
                return;
            var proto = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
            proto.Dims.AddRange(dims);
            Graph.Initializer.Add(proto);
        }

        private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, ReadOnlySpan<int> shape)
        {
            var tensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = Batch } } };
            foreach (int dimension in shape)
                tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
            };
        }

        private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

        private static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

        private static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

        private NotSupportedException Unsupported(GraphNode node, string what) => new(
            $"{model}: ONNX export does not cover layer '{node.Name}' yet ({what}). It exports Dense, BatchNorm, activations, dropout, "
            + "residual, Concat, highway, maxout, PReLU, RReLU, Gaussian noise, RBF, Conv2D, pooling, embedding and recurrent (SimpleRnn, LSTM, GRU) layers; locally connected layers are not exported.");
    }
}
