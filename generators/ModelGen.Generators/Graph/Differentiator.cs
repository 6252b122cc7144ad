using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Pipeline step 3: reverse mode over the op graph, at compile time. Walking nodes in reverse topological order,
    /// each node whose value depends on parameters gets its parameter gradient and the gradients of those inputs that
    /// themselves depend on parameters (the model input needs none, so the first layer never computes ∂loss/∂x).
    /// A tensor read by several ops gets one gradient contribution from each: the first (in backward order) writes,
    /// the rest add — in their own kernel when the op can (<see cref="OpDefinition.AccumulatesInputGradient"/>),
    /// otherwise through a partial buffer and an AddPartial step. An embedding read only by recurrent layers is first folded
    /// into them (<see cref="TokenProjectionFolder"/>). Every node gets its own buffers here;
    /// <see cref="Fuser"/> decides what may share memory.
    /// </summary>
    internal static class Differentiator
    {
        public static TrainingProgram Differentiate(CheckedModel model)
        {
            if (model.HasErrors || model.Nodes.Count == 0)
                return TrainingProgram.Invalid(model);
            model = TokenProjectionFolder.Fold(model);

            var buffers = new List<BufferSpec>();
            // Workspace fields must not clash: saved buffers first (named by their op), then values and gradients.
            var names = new HashSet<string>(model.Nodes.SelectMany(n => OpRegistry.For(n.Kind).SavedBuffers(n).Select(b => Emit.EmitContext.SavedField(n, b))));
            string Unique(string name)
            {
                string candidate = name;
                for (int suffix = 2; !names.Add(candidate); suffix++)
                    candidate = name + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return candidate;
            }
            var values = new int[model.Nodes.Count];
            var gradients = new int[model.Nodes.Count];
            var partials = Enumerable.Repeat(-1, model.Nodes.Count).ToArray();
            var dependsOnParameters = new bool[model.Nodes.Count];
            foreach (OpNode node in model.Nodes)
            {
                dependsOnParameters[node.Id] = OpRegistry.For(node.Kind).Parameters(node).Length > 0 || node.Inputs.Any(i => dependsOnParameters[i]);
                if (node.Kind == OpKind.Input)
                {
                    values[node.Id] = gradients[node.Id] = -1;
                    continue;
                }
                string name = CodeWriter.Pascal(node.Name);
                values[node.Id] = buffers.Count;
                buffers.Add(new BufferSpec(Unique(name), node.Width, node.Name, Training: false, node.Shape.Steps));
                gradients[node.Id] = -1;
                if (dependsOnParameters[node.Id])
                {
                    gradients[node.Id] = buffers.Count;
                    buffers.Add(new BufferSpec(Unique(name + "Gradient"), node.Width, "∂loss/∂" + node.Name, Training: true, node.Shape.Steps));
                }
            }

            var forward = model.Nodes.Skip(1).Where(n => n.Kind != OpKind.Input).Select(n => new GraphStep(StepKind.Forward, n.Id, -1)).ToList();
            var backward = new List<GraphStep>();
            var written = new bool[model.Nodes.Count];
            foreach (HeadShape head in model.Heads)
                written[head.Node] = true; // the loss writes a head's gradient first; a layer reading the head adds to it
            for (int id = model.Nodes.Count - 1; id > 0; id--)
            {
                OpNode node = model.Nodes[id];
                if (!dependsOnParameters[id])
                    continue;
                OpDefinition op = OpRegistry.For(node.Kind);
                if (op.Parameters(node).Length > 0)
                    backward.Add(new GraphStep(StepKind.ParameterGradient, id, -1));
                for (int slot = 0; slot < node.Inputs.Count; slot++)
                {
                    int input = node.Inputs[slot];
                    if (!dependsOnParameters[input])
                        continue;
                    if (!written[input])
                        backward.Add(new GraphStep(StepKind.InputGradient, id, slot));
                    else if (op.AccumulatesInputGradient)
                        backward.Add(new GraphStep(StepKind.InputGradient, id, slot, Accumulate: true));
                    else
                    {
                        if (partials[input] < 0)
                        {
                            partials[input] = buffers.Count;
                            buffers.Add(new BufferSpec(Unique(CodeWriter.Pascal(model.Nodes[input].Name) + "GradientPart"), model.Nodes[input].Width,
                                "one consumer's share of ∂loss/∂" + model.Nodes[input].Name, Training: true, model.Nodes[input].Shape.Steps));
                        }
                        backward.Add(new GraphStep(StepKind.InputGradient, id, slot, IntoPartial: true));
                        backward.Add(new GraphStep(StepKind.AddPartial, input, -1));
                    }
                    written[input] = true;
                }
            }

            return new TrainingProgram(model, buffers.ToEquatableArray(), values.ToEquatableArray(), gradients.ToEquatableArray(),
                partials.ToEquatableArray(), forward.ToEquatableArray(), backward.ToEquatableArray());
        }
    }
}
