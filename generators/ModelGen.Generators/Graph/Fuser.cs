using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Pipeline step 4, driven by the ops' capability flags. An element-wise epilogue op (an activation) whose producer
    /// has no other consumer shares the producer's value and gradient buffers. When the producer takes epilogues (a
    /// Dense GEMM), the activation runs on each finished tile of the product and its forward step disappears; its
    /// derivative moves into the consumer's input-gradient GEMM too when that consumer is its only one, takes epilogues
    /// and overwrites the gradient (a head's gradient starts with its loss's share, so a GEMM adding to it cannot apply
    /// f′). Otherwise (the producer is batch norm, or the activation fans out) it runs in place as its own steps.
    /// Sound because Dense's backward needs only its input and output gradient, and every activation's derivative is
    /// computed from its output, which is what the shared buffer holds.
    /// </summary>
    internal static class Fuser
    {
        public static TrainingProgram Fuse(TrainingProgram program)
        {
            if (program.IsEmpty)
                return program;
            var nodes = program.Model.Nodes;
            var consumers = new int[nodes.Count];
            foreach (OpNode node in nodes)
                foreach (int input in node.Inputs)
                    consumers[input]++;

            int[] values = program.ValueBuffer.ToArray();
            int[] gradients = program.GradientBuffer.ToArray();
            List<GraphStep> forward = program.Forward.ToList();
            List<GraphStep> backward = program.Backward.ToList();
            foreach (OpNode node in nodes)
            {
                if (!OpRegistry.For(node.Kind).IsEpilogue(node))
                    continue;
                int producer = node.Inputs[0];
                OpDefinition producerOp = OpRegistry.For(nodes[producer].Kind);
                if (consumers[producer] != 1 || !(producerOp.TakesEpilogue || producerOp.AllowsInPlaceSuccessor))
                    continue;
                values[node.Id] = values[producer];
                gradients[node.Id] = gradients[producer];
                if (!producerOp.TakesEpilogue)
                    continue;

                forward.RemoveAll(s => s.Node == node.Id);
                int producerStep = forward.FindIndex(s => s.Node == producer);
                forward[producerStep] = forward[producerStep] with { Epilogue = node.Id };

                if (consumers[node.Id] != 1)
                    continue;
                int consumerStep = backward.FindIndex(s => s.Kind == StepKind.InputGradient && nodes[s.Node].Inputs[s.Slot] == node.Id);
                if (consumerStep >= 0 && OpRegistry.For(nodes[backward[consumerStep].Node].Kind).TakesEpilogue
                    && !backward[consumerStep].IntoPartial && !backward[consumerStep].Accumulate)
                {
                    backward[consumerStep] = backward[consumerStep] with { Epilogue = node.Id };
                    backward.RemoveAll(s => s.Kind == StepKind.InputGradient && s.Node == node.Id);
                }
            }

            // Drop buffers nothing refers to any more and renumber the rest in their original order.
            int[] partials = program.PartialBuffer.ToArray();
            var used = new SortedSet<int>(values.Concat(gradients).Concat(partials).Where(b => b >= 0));
            var renumber = new Dictionary<int, int>();
            var buffers = new List<BufferSpec>();
            foreach (int buffer in used)
            {
                renumber[buffer] = buffers.Count;
                string description = string.Join(", then ", Enumerable.Range(0, nodes.Count)
                    .Where(n => values[n] == buffer || gradients[n] == buffer || partials[n] == buffer)
                    .Select(n => program.Buffers[values[n] == buffer ? program.ValueBuffer[n] : gradients[n] == buffer ? program.GradientBuffer[n] : program.PartialBuffer[n]].Description));
                buffers.Add(program.Buffers[buffer] with { Description = description });
            }

            return program with
            {
                Forward = forward.ToEquatableArray(),
                Backward = backward.ToEquatableArray(),
                Buffers = buffers.ToEquatableArray(),
                ValueBuffer = values.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
                GradientBuffer = gradients.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
                PartialBuffer = partials.Select(b => b < 0 ? -1 : renumber[b]).ToEquatableArray(),
            };
        }
    }
}
