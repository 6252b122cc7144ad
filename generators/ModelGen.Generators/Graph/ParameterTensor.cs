using ModelGen.Generators.Model;

namespace ModelGen.Generators.Graph
{
    /// <summary>What a tensor of the manifest is to its layer; mirrors ModelGen.ParameterRole (runtime).</summary>
    internal enum ParameterRole { Weight = 0, Bias = 1, Scale = 2, Shift = 3, RunningMean = 4, RunningVariance = 5, Slope = 6, LogWidth = 7 }

    /// <summary>
    /// One entry of the parameter manifest: a named tensor (<c>Hidden1.weight</c>), its shape, and where it lives —
    /// the trainable parameter buffer, or the state buffer (batch-norm running statistics) when not
    /// <see cref="Trainable"/>. It is initialized by <see cref="Initializer"/> from (<see cref="FanIn"/>,
    /// <see cref="FanOut"/>), or filled with <see cref="Fill"/> when the initializer is Default. L2/AdamW decay
    /// applies when <see cref="Decayed"/>. Save/load, export, the optimizer's decay ranges and the debugger view read it.
    /// <see cref="View"/> is the generated code's name for it (<c>HiddenWeight</c>), unique within the model.
    /// </summary>
    internal sealed record ParameterTensor(
        string Name,
        string View,
        string Property,
        ParameterRole Role,
        TensorShape Shape,
        bool Trainable,
        int Offset,
        InitializerKind Initializer,
        float Fill,
        int FanIn,
        int FanOut,
        bool Decayed)
    {
        public int Length => (int)Shape.Size;

        /// <summary>A stretch filled with another constant after initialization (an LSTM's forget-gate block of b_ih), or null.</summary>
        public SegmentFill? Segment { get; init; }

        /// <summary>A Dense weight held [inputs × units]; files and PyTorch hold it transposed (torch.nn.Linear's [units × inputs]).</summary>
        public bool Transposed { get; init; }

        /// <summary>What an orthogonal initialization is scaled by: the gain of the layer's activation (1 for recurrent weights).</summary>
        public double Gain { get; init; } = 1;
    }

    /// <summary>Elements [Start, Start + Length) of a tensor start at <see cref="Value"/>.</summary>
    internal sealed record SegmentFill(int Start, int Length, float Value);
}
