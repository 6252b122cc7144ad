using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Pipeline step 4: fuses an activation into the dense layer that feeds it when that layer has no other
    /// consumer. The pair shares one value buffer and one gradient buffer (sound because Dense's backward needs
    /// only its input and output gradient, and every activation's derivative is computed from its output, which
    /// is what the shared buffer holds). Then the activation's steps disappear into GEMM epilogues: forward,
    /// f is applied to each finished tile of the layer's product; backward, f′ multiplies each finished tile of
    /// the consuming Dense layer's input gradient. Only an activation on the model output keeps a separate
    /// (in-place) backward step, since the loss, not a GEMM, produces its gradient, and so does an activation followed
    /// by dropout. Softmax couples a whole row, so it is never fused: it keeps its own buffers and steps. An activation
    /// after batch norm shares its buffers and runs in place, but keeps its own steps (there is no GEMM to fold it into).
    /// </summary>
    internal static class Fuser
    {
        public static TrainingProgram Fuse(TrainingProgram program)
        {
            if (program.IsEmpty)
                return program;

            var consumers = new int[program.Nodes.Count];
            foreach (GraphNode node in program.Nodes)
                foreach (int input in node.Inputs)
                    consumers[input]++;

            int[] values = program.ValueBuffer.ToArray();
            int[] gradients = program.GradientBuffer.ToArray();
            List<GraphStep> forward = program.Forward.ToList();
            List<GraphStep> backward = program.Backward.ToList();
            foreach (GraphNode node in program.Nodes)
            {
                if (node.Kind != NodeKind.Activation || !ActivationOp.IsElementWise(program.Model.Layers[node.Layer].Activation))
                    continue;
                int producer = node.Inputs[0];
                if (consumers[producer] != 1)
                    continue;
                if (program.Nodes[producer].Kind == NodeKind.BatchNorm)
                {
                    // In place on the normalized output, as separate steps: batch norm's backward reads x̂, not its output.
                    values[node.Id] = values[producer];
                    gradients[node.Id] = gradients[producer];
                    continue;
                }
                if (program.Nodes[producer].Kind != NodeKind.Dense)
                    continue;
                values[node.Id] = values[producer];
                gradients[node.Id] = gradients[producer];

                forward.RemoveAll(s => s.Kind == StepKind.Forward && s.Node == node.Id);
                int producerStep = forward.FindIndex(s => s.Kind == StepKind.Forward && s.Node == producer);
                forward[producerStep] = forward[producerStep] with { Epilogue = node.Id };

                int consumerStep = backward.FindIndex(s => s.Kind == StepKind.InputGradient && s.Input == node.Id && program.Nodes[s.Node].Kind == NodeKind.Dense);
                if (consumerStep >= 0 && consumers[node.Id] == 1)
                {
                    backward[consumerStep] = backward[consumerStep] with { Epilogue = node.Id };
                    backward.RemoveAll(s => s.Kind == StepKind.InputGradient && s.Node == node.Id);
                }
            }

            // Drop buffers nothing refers to any more and renumber the rest in their original order.
            var used = new SortedSet<int>(values.Concat(gradients).Where(b => b >= 0));
            var renumber = new Dictionary<int, int>();
            var buffers = new List<BufferSpec>();
            foreach (int buffer in used)
            {
                renumber[buffer] = buffers.Count;
                BufferSpec spec = program.Buffers[buffer];
                string description = string.Join(", then ", program.Nodes
                    .Where(n => values[n.Id] == buffer || gradients[n.Id] == buffer)
                    .Select(n => program.Buffers[values[n.Id] == buffer ? program.ValueBuffer[n.Id] : program.GradientBuffer[n.Id]].Description));
                buffers.Add(spec with { Description = description });
            }

            return program with
            {
                Forward = forward.ToEquatableArray(),
                Backward = backward.ToEquatableArray(),
                Buffers = buffers.ToEquatableArray(),
                ValueBuffer = values.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
                GradientBuffer = gradients.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
            };
        }
    }
}
