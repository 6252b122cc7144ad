using ModelGen.Persistence;

namespace ModelGen;

/// <summary>What a node of a model's inference graph computes (the generator's op kinds).</summary>
public enum GraphOp
{
    /// <summary>The model's input.</summary>
    Input,
    /// <summary>x · W (+ b), W [inputs × units]; a feature map is flattened first.</summary>
    Dense,
    /// <summary>Batch normalization with the running statistics, per feature or per channel.</summary>
    BatchNorm,
    /// <summary>An element-wise activation (or a row softmax).</summary>
    Activation,
    /// <summary>Dropout: the identity at inference.</summary>
    Dropout,
    /// <summary>Element-wise sum of the inputs (a residual connection).</summary>
    Add,
    /// <summary>The inputs side by side along the features.</summary>
    Concat,
    /// <summary>A highway layer's gate: t·h + (1 − t)·x.</summary>
    HighwayGate,
    /// <summary>A convolution over NCHW maps.</summary>
    Conv2D,
    /// <summary>Max pooling.</summary>
    MaxPool2D,
    /// <summary>Mean pooling (padding counted as zeros).</summary>
    AvgPool2D,
    /// <summary>A convolution with unshared weights.</summary>
    LocallyConnected2D,
    /// <summary>Token lookup.</summary>
    Embedding,
    /// <summary>One direction of a recurrent layer.</summary>
    Recurrent,
    /// <summary>A time series turned time-major.</summary>
    TimeMajor,
    /// <summary>Maxout: the largest of each unit's pieces (the input holds pieces × units, piece-major).</summary>
    Maxout,
    /// <summary>Parametric ReLU with learned slopes (one per channel, or shared).</summary>
    PReLU,
    /// <summary>Additive Gaussian noise: the identity at inference.</summary>
    GaussianNoise,
    /// <summary>Randomized leaky ReLU: at inference a leaky ReLU whose slope is the mean of its range (<see cref="GraphNode.NegativeSlope"/>).</summary>
    RReLU,
    /// <summary>Gaussian radial basis units: exp(−‖x − c_j‖²/σ_j²), centres [inputs × units] and log-widths [units].</summary>
    Rbf,
}

/// <summary>The cell of a recurrent node (PyTorch's gate equations and tensor layouts).</summary>
public enum RecurrentCell
{
    /// <summary>Not a recurrent node.</summary>
    None,
    /// <summary>h = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).</summary>
    SimpleRnn,
    /// <summary>LSTM, gate blocks i, f, g, o.</summary>
    Lstm,
    /// <summary>GRU, gate blocks r, z, n (the reset gate applied after the hidden product).</summary>
    Gru,
}

/// <summary>A convolution or pooling window: kernel, strides, dilations, and padding before and after each axis.</summary>
public readonly record struct GraphWindow(int KernelHeight, int KernelWidth, int StrideY, int StrideX, int DilationY, int DilationX,
    int PadTop, int PadLeft, int PadBottom, int PadRight);

/// <summary>
/// One node of a generated model's inference graph, in execution order: its op, the nodes it reads (indices), the
/// shape of its value per sample ([features], or [channels, height, width]), the manifest tensors it reads (a Dense
/// node's weight and bias; a batch norm's γ, β, running mean and variance; a convolution's filters and bias), and its
/// settings. Exporters (ModelGen.Onnx) read it; training never does.
/// </summary>
public sealed class GraphNode
{
    private readonly int[] _inputs, _shape;
    private readonly string[] _tensors;

    /// <summary>Created by generated code only.</summary>
    public GraphNode(string name, GraphOp op, int[] inputs, int[] shape, string[] tensors,
        Activation activation = Activation.Identity, float negativeSlope = 0, float epsilon = 0, GraphWindow? window = null,
        int steps = 0, RecurrentCell cell = RecurrentCell.None, bool reverse = false, bool returnSequences = false, int paddingId = -1)
    {
        Name = name; Op = op; _inputs = inputs; _shape = shape; _tensors = tensors;
        Activation = activation; NegativeSlope = negativeSlope; Epsilon = epsilon; Window = window;
        Steps = steps; Cell = cell; Reverse = reverse; ReturnSequences = returnSequences; PaddingId = paddingId;
    }

    /// <summary>The node's name in the generated code (<c>Hidden</c>, <c>Hidden.ReLU</c>, <c>Block.Residual</c>).</summary>
    public string Name { get; }
    /// <summary>What it computes.</summary>
    public GraphOp Op { get; }
    /// <summary>Indices of the nodes it reads.</summary>
    public ReadOnlySpan<int> Inputs => _inputs;
    /// <summary>Its value's shape per sample.</summary>
    public ReadOnlySpan<int> Shape => _shape;
    /// <summary>Manifest names of the tensors it reads, in the op's order.</summary>
    public IReadOnlyList<string> Tensors => _tensors;
    /// <summary>An Activation node's function.</summary>
    public Activation Activation { get; }
    /// <summary>LeakyReLU's slope for negative inputs.</summary>
    public float NegativeSlope { get; }
    /// <summary>A batch norm's ε.</summary>
    public float Epsilon { get; }
    /// <summary>A convolution's or pooling's window.</summary>
    public GraphWindow? Window { get; }
    /// <summary>For a sequence value, its declared steps (the node's value is [steps × Shape] per sample); 0 otherwise.</summary>
    public int Steps { get; }
    /// <summary>A recurrent node's cell (its activation, for SimpleRnn, in <see cref="Activation"/>).</summary>
    public RecurrentCell Cell { get; }
    /// <summary>A recurrent node that runs from the last step to the first.</summary>
    public bool Reverse { get; }
    /// <summary>A recurrent node whose value is every step's state (otherwise the last real step's).</summary>
    public bool ReturnSequences { get; }
    /// <summary>An embedding's padding id (a sample ends at its first one), or −1.</summary>
    public int PaddingId { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Op}({string.Join(", ", _inputs)}) → [{string.Join(" × ", _shape)}]";
}

/// <summary>What Predict applies to a head's node before writing it.</summary>
public enum OutputTransform
{
    /// <summary>The node's values as they are.</summary>
    Identity,
    /// <summary>A stable row softmax (class probabilities).</summary>
    Softmax,
    /// <summary>An element-wise sigmoid (per-output probabilities).</summary>
    Sigmoid,
}

/// <summary>One output of Predict: its parameter name, the node it reads and the transform applied.</summary>
public sealed record GraphOutput(string Name, int Node, OutputTransform Transform);

/// <summary>
/// A generated model's inference graph: nodes in execution order (node 0 is the input, token ids when
/// <see cref="TakesTokens"/>) and Predict's outputs.
/// </summary>
public sealed class InferenceGraph(IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphOutput> outputs, bool takesTokens = false)
{
    /// <summary>Whether the input is int token ids [batch × steps] (otherwise floats).</summary>
    public bool TakesTokens { get; } = takesTokens;

    /// <summary>Every node, in execution order.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; } = nodes;
    /// <summary>What Predict writes, in its parameter order.</summary>
    public IReadOnlyList<GraphOutput> Outputs { get; } = outputs;
}

/// <summary>A generated model an exporter can read: its inference graph and its tensors (implemented by generated code).</summary>
public interface IExportableModel
{
    /// <summary>The inference graph.</summary>
    InferenceGraph Graph { get; }

    /// <summary>The float network's manifest, buffers and gate (export reads between training steps).</summary>
    ICheckpointable<float> Tensors { get; }
}
