using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Graph
{
    internal enum StepKind
    {
        /// <summary>Compute the node's value from its inputs.</summary>
        Forward,
        /// <summary>Gradient of the node's own parameters from its output gradient.</summary>
        ParameterGradient,
        /// <summary>Gradient of one input (<see cref="GraphStep.Slot"/> of the node's inputs) from the node's output gradient.</summary>
        InputGradient,
        /// <summary>Adds a node's partial gradient buffer into its gradient (fan-out through an op that cannot accumulate).</summary>
        AddPartial,
    }

    /// <summary>
    /// One step of the program. <see cref="Epilogue"/> names an activation node fused into this step (−1: none): applied
    /// to a Dense forward's output, or its derivative to a Dense input gradient, inside the GEMM. An input gradient
    /// overwrites its target unless <see cref="Accumulate"/> (a tensor that fans out gets one gradient per consumer,
    /// summed); <see cref="IntoPartial"/> sends it to the input's partial buffer instead, to be added by an AddPartial step.
    /// </summary>
    internal sealed record GraphStep(StepKind Kind, int Node, int Slot, int Epilogue = -1, bool Accumulate = false, bool IntoPartial = false);

    /// <summary>
    /// A [batch × Width] buffer of the workspace ([Steps × batch × Width] for a sequence). Inference workspaces allocate
    /// only the buffers not marked <see cref="Training"/> (values); training adds gradients, partial gradients and what backward saves.
    /// </summary>
    internal sealed record BufferSpec(string Name, int Width, string Description, bool Training, int Steps = 0)
    {
        /// <summary>Elements per sample, every step together: what the workspace allocates per batch row.</summary>
        public int Capacity => Width * System.Math.Max(Steps, 1);
    }

    /// <summary>
    /// The differentiated model: forward steps, the loss on the model's output node, and backward steps in reverse
    /// topological order. <see cref="ValueBuffer"/>, <see cref="GradientBuffer"/> and <see cref="PartialBuffer"/> map
    /// each node to a buffer index (−1: the caller's input span, or not needed). Fusion edits only these maps and steps.
    /// </summary>
    internal sealed record TrainingProgram(
        CheckedModel Model,
        EquatableArray<BufferSpec> Buffers,
        EquatableArray<int> ValueBuffer,
        EquatableArray<int> GradientBuffer,
        EquatableArray<int> PartialBuffer,
        EquatableArray<GraphStep> Forward,
        EquatableArray<GraphStep> Backward)
    {
        public bool IsEmpty => ValueBuffer.Count == 0;

        public static TrainingProgram Invalid(CheckedModel model) => new TrainingProgram(
            model, EquatableArray<BufferSpec>.Empty, EquatableArray<int>.Empty, EquatableArray<int>.Empty, EquatableArray<int>.Empty,
            EquatableArray<GraphStep>.Empty, EquatableArray<GraphStep>.Empty);
    }
}
