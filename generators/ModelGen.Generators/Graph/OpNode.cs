using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Graph
{
    /// <summary>The op kinds of the graph; each has one definition in Ops/&lt;Kind&gt;/ and one line in OpRegistry.</summary>
    internal enum OpKind { Input, Dense, BatchNorm, Activation, Dropout, Add, Concat, HighwayGate, Conv2D, MaxPool2D, AvgPool2D, LocallyConnected2D, Embedding, Recurrent, TimeMajor, Maxout, PReLU, GaussianNoise, RReLU, Rbf }

    /// <summary>
    /// One op of the model's graph. <see cref="Inputs"/> are node ids (wiring is explicit: a residual add or a
    /// concatenation simply lists several). <see cref="Layer"/> indexes the declared layer it lowers from (−1: the model
    /// input and dropout on it). <see cref="Name"/> is what the generated code calls its buffers, e.g. "Hidden1" or
    /// "Block.Gate". <see cref="Attributes"/> is the small equatable record of its op kind.
    /// </summary>
    internal sealed record OpNode(int Id, OpKind Kind, string Name, int Layer, EquatableArray<int> Inputs, TensorShape Shape, OpAttributes Attributes)
    {
        /// <summary>Elements per sample of the node's value.</summary>
        public int Width => (int)Shape.Size;
    }

    /// <summary>Per-kind data of an op. Indices into the parameter manifest, never offsets: layout is the manifest's job.</summary>
    internal abstract record OpAttributes;

    internal sealed record NoAttributes : OpAttributes
    {
        public static readonly NoAttributes Instance = new NoAttributes();
    }

    /// <summary>y = x · W (+ b). <see cref="Bias"/> is −1 without a bias.</summary>
    internal sealed record DenseAttributes(int Weight, int Bias) : OpAttributes;

    /// <summary>
    /// γ, β (trainable) and the running mean and variance (state), by manifest index. <see cref="Spatial"/> is the
    /// positions per channel on a feature map (statistics per channel over batch and positions), 1 on a flat input.
    /// </summary>
    internal sealed record BatchNormAttributes(int Scale, int Shift, int RunningMean, int RunningVariance, float Momentum, float Epsilon, int Spatial) : OpAttributes;

    /// <summary>y = x ⊛ W (+ b) over NCHW maps, shared (Conv2D) or per position (LocallyConnected2D). <see cref="Bias"/> is −1 without a bias.</summary>
    internal sealed record Conv2DAttributes(int Weight, int Bias, WindowGeometry Geometry) : OpAttributes;

    /// <summary>Max or mean pooling (by op kind) over NCHW maps.</summary>
    internal sealed record Pool2DAttributes(WindowGeometry Geometry) : OpAttributes;

    /// <summary>
    /// Token lookup from the model's token input. <see cref="PaddingId"/> is −1 without padding. <see cref="Distinct"/>: folded
    /// into the recurrent layers that read it (<see cref="TokenProjectionFolder"/>), its value holds the rows of the batch's
    /// distinct tokens, not one row per position.
    /// </summary>
    internal sealed record EmbeddingAttributes(int Weight, int Vocabulary, int PaddingId, bool Distinct = false) : OpAttributes;

    /// <summary>The recurrent cells; each is a runtime struct (src/ModelGen/Ops/RecurrentCells.cs).</summary>
    internal enum CellKind { SimpleRnn, Lstm, Gru }

    /// <summary>
    /// One direction of a recurrent layer over a time-major sequence. The four tensors are PyTorch's W_ih, W_hh, b_ih, b_hh
    /// by manifest index. <see cref="ReturnSequences"/> false: the node's value is the last real step's state.
    /// <see cref="SequenceLength"/> is the declared length its step buffers hold. <see cref="DistinctTokenInput"/>: its input
    /// is a folded embedding's distinct-token rows, projected once per token (<see cref="TokenProjectionFolder"/>).
    /// </summary>
    internal sealed record RecurrentAttributes(CellKind Cell, ActivationKind Activation, float NegativeSlope, int Units, int SequenceLength, bool Reverse, bool ReturnSequences,
        int InputWeight, int HiddenWeight, int InputBias, int HiddenBias, bool DistinctTokenInput = false) : OpAttributes
    {
        public int GateCount => Cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
    }

    /// <summary>Maxout over <see cref="Pieces"/> piece-major slices of its input; the node's width is the unit count.</summary>
    internal sealed record MaxoutAttributes(int Pieces) : OpAttributes;

    /// <summary>Parametric ReLU: the slope tensor by manifest index, over [Channels × Spatial] per sample (Channels 1: shared).</summary>
    internal sealed record PReLUAttributes(int Slope, int Channels, int Spatial) : OpAttributes;

    /// <summary>Additive Gaussian noise of standard deviation <see cref="Deviation"/> while training; <see cref="Stream"/> as dropout's.</summary>
    internal sealed record GaussianNoiseAttributes(float Deviation, int Stream) : OpAttributes;

    /// <summary>Randomized leaky ReLU: slopes drawn from [Lower, Upper] while training, their mean at inference.</summary>
    internal sealed record RReLUAttributes(float Lower, float Upper, int Stream) : OpAttributes;

    /// <summary>Gaussian RBF units: the centres [inputs × units] and log-widths [units] by manifest index.</summary>
    internal sealed record RbfAttributes(int Centres, int LogWidths) : OpAttributes;

    internal sealed record ActivationAttributes(ActivationKind Activation, float NegativeSlope) : OpAttributes;

    /// <summary>Inverted dropout. <see cref="Stream"/> is hashed from the layer name, so masks survive edits elsewhere.</summary>
    internal sealed record DropoutAttributes(float Rate, int Stream) : OpAttributes;
}
