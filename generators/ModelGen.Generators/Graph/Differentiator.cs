using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Pipeline step 3: builds the DAG from the layers and differentiates it in reverse mode at compile time.
    /// Walking nodes in reverse topological order, each node whose value depends on parameters gets its
    /// parameter gradient and the gradients of those inputs that themselves depend on parameters; the input
    /// node needs none, so the first layer never computes ∂loss/∂x. Every node gets its own buffers here;
    /// <see cref="Fuser"/> decides what may share memory.
    /// </summary>
    internal static class Differentiator
    {
        public static TrainingProgram Differentiate(CheckedModel model)
        {
            if (model.HasErrors)
                return TrainingProgram.Invalid(model);

            var nodes = new List<GraphNode> { new GraphNode(0, NodeKind.Input, EquatableArray<int>.Empty, model.Declaration.InputSize, -1) };
            var buffers = new List<BufferSpec>();
            var valueBuffer = new List<int> { -1 };
            var gradientBuffer = new List<int> { -1 };
            int previous = 0;
            if (model.Declaration.Regularization.InputDropout > 0)
                previous = AddNode(nodes, buffers, valueBuffer, gradientBuffer, NodeKind.Dropout, previous, model.Declaration.InputSize, -1,
                    "inputsDropped", "dropout(inputs)");
            for (int layer = 0; layer < model.Layers.Count; layer++)
            {
                LayerShape shape = model.Layers[layer];
                previous = shape.Kind == LayerKind.BatchNorm
                    ? AddNode(nodes, buffers, valueBuffer, gradientBuffer, NodeKind.BatchNorm, previous, shape.Units, layer,
                        CodeWriter.Camel(shape.Name), $"{shape.Name} = γ · x̂ + β")
                    : AddNode(nodes, buffers, valueBuffer, gradientBuffer, NodeKind.Dense, previous, shape.Units, layer,
                        CodeWriter.Camel(shape.Name), shape.UseBias ? $"{shape.Name} = x · W + b" : $"{shape.Name} = x · W");
                if (shape.Activation != ActivationKind.Identity)
                    previous = AddNode(nodes, buffers, valueBuffer, gradientBuffer, NodeKind.Activation, previous, shape.Units, layer,
                        CodeWriter.Camel(shape.Name) + shape.Activation, $"{shape.Activation}({shape.Name})");
                if (shape.Dropout > 0)
                    previous = AddNode(nodes, buffers, valueBuffer, gradientBuffer, NodeKind.Dropout, previous, shape.Units, layer,
                        CodeWriter.Camel(shape.Name) + "Dropped", $"dropout({shape.Name})");
            }

            var forward = nodes.Skip(1).Select(n => new GraphStep(StepKind.Forward, n.Id, -1)).ToList();

            // Reverse mode: a node needs a gradient iff its value depends on a parameter.
            var dependsOnParameters = new bool[nodes.Count];
            foreach (GraphNode node in nodes)
                dependsOnParameters[node.Id] = HasParameters(node) || node.Inputs.Any(i => dependsOnParameters[i]);
            var backward = new List<GraphStep>();
            for (int id = nodes.Count - 1; id > 0; id--)
            {
                GraphNode node = nodes[id];
                if (HasParameters(node))
                    backward.Add(new GraphStep(StepKind.ParameterGradient, id, -1));
                // Fan-out (residual wiring) will need gradient accumulation; sequential models give each input one consumer.
                foreach (int input in node.Inputs)
                    if (dependsOnParameters[input])
                        backward.Add(new GraphStep(StepKind.InputGradient, id, input));
            }
            for (int id = 0; id < nodes.Count; id++)
                if (!dependsOnParameters[id])
                    gradientBuffer[id] = -1;

            return new TrainingProgram(model, nodes.ToEquatableArray(), buffers.ToEquatableArray(), valueBuffer.ToEquatableArray(),
                gradientBuffer.ToEquatableArray(), forward.ToEquatableArray(), backward.ToEquatableArray(), nodes.Count - 1);
        }

        private static bool HasParameters(GraphNode node) => node.Kind == NodeKind.Dense || node.Kind == NodeKind.BatchNorm;

        private static int AddNode(List<GraphNode> nodes, List<BufferSpec> buffers, List<int> valueBuffer, List<int> gradientBuffer,
            NodeKind kind, int input, int width, int layer, string name, string description)
        {
            int id = nodes.Count;
            nodes.Add(new GraphNode(id, kind, new[] { input }.ToEquatableArray(), width, layer));
            valueBuffer.Add(buffers.Count);
            buffers.Add(new BufferSpec("_" + name, width, description));
            gradientBuffer.Add(buffers.Count);
            buffers.Add(new BufferSpec("_" + name + "Gradient", width, "∂loss/∂" + description.Split(' ')[0]));
            return id;
        }
    }
}
