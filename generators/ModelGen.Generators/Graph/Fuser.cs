using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Pipeline step 4: fuses an activation into the dense layer that feeds it when that layer has no other
    /// consumer. The activation then runs in place on the layer's output (forward) and its derivative in place
    /// on the layer's output gradient (backward): no extra buffer, no copy. This is sound because Dense's
    /// backward needs only its input and output gradient, and every activation's derivative is computed from
    /// its output, which is what the shared buffer holds.
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
            foreach (GraphNode node in program.Nodes)
            {
                if (node.Kind != NodeKind.Activation)
                    continue;
                int producer = node.Inputs[0];
                if (program.Nodes[producer].Kind != NodeKind.Dense || consumers[producer] != 1)
                    continue;
                values[node.Id] = values[producer];
                gradients[node.Id] = gradients[producer];
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
                Buffers = buffers.ToEquatableArray(),
                ValueBuffer = values.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
                GradientBuffer = gradients.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
            };
        }
    }
}
