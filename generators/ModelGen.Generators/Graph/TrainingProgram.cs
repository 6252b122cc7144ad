using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Graph
{
    internal enum NodeKind { Input, Dense, BatchNorm, Activation, Dropout }

    /// <summary>
    /// A node of the model's DAG. <see cref="Layer"/> indexes <see cref="CheckedModel.Layers"/>: −1 for the input and
    /// for dropout on the input.
    /// </summary>
    internal sealed record GraphNode(int Id, NodeKind Kind, EquatableArray<int> Inputs, int Width, int Layer);

    internal enum StepKind
    {
        /// <summary>Compute the node's value from its inputs.</summary>
        Forward,
        /// <summary>Gradient of the node's own parameters from its output gradient.</summary>
        ParameterGradient,
        /// <summary>Gradient of one input (<see cref="GraphStep.Input"/>) from the node's output gradient.</summary>
        InputGradient,
    }

    /// <summary>
    /// One step of the program. <see cref="Epilogue"/> names an activation node fused into this step (−1: none):
    /// applied to a Dense forward's output, or its derivative to a Dense input gradient, inside the GEMM.
    /// </summary>
    internal sealed record GraphStep(StepKind Kind, int Node, int Input, int Epilogue = -1);

    /// <summary>An activation buffer: per-sample width; allocated for the largest batch seen.</summary>
    internal sealed record BufferSpec(string Name, int Width, string Description);

    /// <summary>
    /// The differentiated model: forward steps, the loss on <see cref="OutputNode"/>, and backward steps in
    /// reverse topological order. <see cref="ValueBuffer"/> and <see cref="GradientBuffer"/> map each node to a
    /// buffer index (−1: the caller's input span, or no gradient needed). Fusion edits only these maps.
    /// </summary>
    internal sealed record TrainingProgram(
        CheckedModel Model,
        EquatableArray<GraphNode> Nodes,
        EquatableArray<BufferSpec> Buffers,
        EquatableArray<int> ValueBuffer,
        EquatableArray<int> GradientBuffer,
        EquatableArray<GraphStep> Forward,
        EquatableArray<GraphStep> Backward,
        int OutputNode)
    {
        public bool IsEmpty => Nodes.Count == 0;

        public static TrainingProgram Invalid(CheckedModel model) => new TrainingProgram(
            model, EquatableArray<GraphNode>.Empty, EquatableArray<BufferSpec>.Empty, EquatableArray<int>.Empty,
            EquatableArray<int>.Empty, EquatableArray<GraphStep>.Empty, EquatableArray<GraphStep>.Empty, -1);
    }
}
