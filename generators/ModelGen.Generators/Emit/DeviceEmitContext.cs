using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// What op emitters need for the GPU backend: the writer and the spelling of every device view. Values and
    /// gradients are locals over the network's device buffers (<c>var hidden = Buffer(0, batch * 256);</c>), declared
    /// at the top of Forward/Backward; parameters are named views (<c>HiddenWeight</c>); the model input is <c>inputs</c>.
    /// </summary>
    internal sealed class DeviceEmitContext
    {
        private static readonly HashSet<string> Reserved = new HashSet<string> { "inputs", "batch", "labels", "targets", "outputs", "rate", "keep" };

        private readonly List<(int Node, SavedBuffer Buffer)> _savedPerSample, _savedFixed;

        public DeviceEmitContext(CodeWriter writer, TrainingProgram program)
        {
            Writer = writer;
            Program = program;
            (_savedPerSample, _savedFixed) = SavedLayout(program);
        }

        public CodeWriter Writer { get; }

        public TrainingProgram Program { get; }

        public CheckedModel Model => Program.Model;

        public OpNode Node(int id) => Model.Nodes[id];

        /// <summary>The declared layer a node belongs to, or "inputs".</summary>
        public string LayerName(OpNode node) => node.Layer < 0 ? "inputs" : Model.Declaration.Layers[node.Layer].Name;

        public string Value(int node) => Program.ValueBuffer[node] < 0 ? "inputs" : Local(Program.ValueBuffer[node]);

        public string Gradient(int node) => Local(Program.GradientBuffer[node]);

        /// <summary>A manifest entry's named view (a trainable parameter or a state tensor).</summary>
        public string Parameter(int index) => Model.Parameters[index].View;

        /// <summary>
        /// Where each op's saved buffers live on the device: per-sample ones after the program's buffers (grown with the
        /// batch), fixed ones in the network's fixed list; in node order, so the constructor and the steps agree.
        /// </summary>
        public static (List<(int Node, SavedBuffer Buffer)> PerSample, List<(int Node, SavedBuffer Buffer)> Fixed) SavedLayout(TrainingProgram program)
        {
            var perSample = new List<(int, SavedBuffer)>();
            var fixedSize = new List<(int, SavedBuffer)>();
            foreach (OpNode node in program.Model.Nodes)
                foreach (SavedBuffer buffer in OpRegistry.For(node.Kind).SavedBuffers(node))
                    (buffer.PerSample ? perSample : fixedSize).Add((node.Id, buffer));
            return (perSample, fixedSize);
        }

        /// <summary>A buffer the op saved for backward: <c>Buffer(i, batch * width)</c> or <c>Fixed(i)</c>.</summary>
        public string Saved(OpNode node, SavedBuffer buffer)
        {
            int index = _savedPerSample.FindIndex(s => s.Node == node.Id && s.Buffer.Suffix == buffer.Suffix);
            if (index >= 0)
                return $"Buffer({Program.Buffers.Count + index}, batch * {buffer.Capacity})";
            return $"Fixed({_savedFixed.FindIndex(s => s.Node == node.Id && s.Buffer.Suffix == buffer.Suffix)})";
        }

        public string ParameterGradient(int index) => Model.Parameters[index].View + "Gradient";

        /// <summary>LeakyReLU's negative slope as a float literal; the other activations ignore it.</summary>
        public string Slope(OpNode activation)
        {
            var attributes = (ActivationAttributes)activation.Attributes;
            return attributes.Activation == ActivationKind.LeakyReLU ? CodeWriter.Float(attributes.NegativeSlope) : "0f";
        }

        /// <summary>The device struct of an activation, by its <c>ModelGen.Activation</c> name.</summary>
        public static string ActivationType(string activation) => "global::ModelGen.Gpu.DeviceActivations." + activation;

        public string Local(int buffer)
        {
            return EmitContext.LocalName(Program.Buffers[buffer].Name, Reserved);
        }

        /// <summary>Declarations of the buffer locals that <paramref name="body"/> mentions, in buffer order.</summary>
        public IEnumerable<string> UsedLocals(string body)
            => EmitContext.UsedBuffers(Program, Local, body).Select(buffer => $"var {Local(buffer)} = Buffer({buffer}, batch * {Program.Buffers[buffer].Capacity});");
    }
}
