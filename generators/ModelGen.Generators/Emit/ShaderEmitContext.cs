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
    /// A tensor as a shader addresses it: a storage buffer (<c>Values</c>, <c>Inputs</c>, <c>Parameters</c>…) and the
    /// HLSL expression of its first element (<c>Batch * 794u</c> for a batch-sized value, a constant for a parameter).
    /// </summary>
    internal sealed class ShaderTensor
    {
        public ShaderTensor(string buffer, string offset, string hostOffset, string description)
        {
            Buffer = buffer;
            Offset = offset;
            HostOffset = hostOffset;
            Description = description;
        }

        public string Buffer { get; }

        public string Offset { get; }

        /// <summary>The offset as the host computes it (<c>batch * 794L</c>), for reading the tensor back.</summary>
        public string HostOffset { get; }

        /// <summary>What the tensor is and where it lives, for shader header comments.</summary>
        public string Description { get; }

        /// <summary>Element <paramref name="index"/> (an HLSL expression).</summary>
        public string At(string index) => Offset == "0u" ? $"{Buffer}[{index}]" : $"{Buffer}[{Offset} + {index}]";
    }

    /// <summary>
    /// What op emitters need for the shader backend: every tensor's <see cref="ShaderTensor"/>, and the shader shapes
    /// (<see cref="Hlsl"/>) that add one HLSL compute shader to the model and record its dispatch. Values and gradients
    /// of the batch share the <c>Values</c> buffer: buffer <i>i</i> of the program starts at Batch × (the per-sample
    /// widths of the buffers before it), so one set of bindings serves every batch size.
    /// </summary>
    internal sealed class ShaderEmitContext
    {
        private readonly int[] _perSampleOffset;
        private readonly List<(int Node, SavedBuffer Buffer)> _savedPerSample, _savedFixed;
        private readonly List<(string Name, string Source)> _shaders;

        public ShaderEmitContext(CodeWriter writer, TrainingProgram program, List<(string Name, string Source)> shaders)
        {
            Writer = writer;
            Program = program;
            _shaders = shaders;
            _perSampleOffset = new int[program.Buffers.Count + 1];
            for (int i = 0; i < program.Buffers.Count; i++)
                _perSampleOffset[i + 1] = _perSampleOffset[i] + program.Buffers[i].Capacity;
            (_savedPerSample, _savedFixed) = DeviceEmitContext.SavedLayout(program);
        }

        /// <summary>The C# writer of the recording method the dispatches go into.</summary>
        public CodeWriter Writer { get; }

        public TrainingProgram Program { get; }

        public CheckedModel Model => Program.Model;

        public OpNode Node(int id) => Model.Nodes[id];

        /// <summary>Elements per sample of every program buffer and per-sample saved buffer together: the size of <c>Values</c> per batch row.</summary>
        public int ValuesPerSample => _perSampleOffset[Program.Buffers.Count] + _savedPerSample.Sum(s => s.Buffer.Capacity);

        /// <summary>Elements of the saved buffers that do not grow with the batch, kept after the batch rows of <c>Values</c>.</summary>
        public int FixedValues => _savedFixed.Sum(s => s.Buffer.Capacity);

        /// <summary>
        /// A buffer an op saved for backward: per-sample ones after the program's buffers (Batch × offset), fixed ones
        /// after every batch row (Batch × <see cref="ValuesPerSample"/> + offset); in node order, as the GPU backend lays them out.
        /// </summary>
        public ShaderTensor Saved(OpNode node, SavedBuffer buffer)
        {
            int index = _savedPerSample.FindIndex(s => s.Node == node.Id && s.Buffer.Suffix == buffer.Suffix);
            if (index >= 0)
            {
                int offset = _perSampleOffset[Program.Buffers.Count] + _savedPerSample.Take(index).Sum(s => s.Buffer.Capacity);
                return new ShaderTensor("Values", $"Batch * {offset}u", $"batch * {offset}L", $"{buffer.Description} [Batch × {buffer.Width}] in Values at Batch × {offset}");
            }
            int fixedOffset = _savedFixed.Take(_savedFixed.FindIndex(s => s.Node == node.Id && s.Buffer.Suffix == buffer.Suffix)).Sum(s => s.Buffer.Capacity);
            return new ShaderTensor("Values", $"Batch * {ValuesPerSample}u + {fixedOffset}u", $"batch * {ValuesPerSample}L + {fixedOffset}L",
                $"{buffer.Description} [{buffer.Width}] in Values at Batch × {ValuesPerSample} + {fixedOffset}");
        }

        /// <summary>Where program buffer <paramref name="buffer"/> starts in <c>Values</c>, per batch row.</summary>
        public int PerSampleOffset(int buffer) => _perSampleOffset[buffer];

        public ShaderTensor Value(int node)
        {
            int buffer = Program.ValueBuffer[node];
            return buffer < 0 ? new ShaderTensor("Inputs", "0u", "0L", $"the inputs [Batch × {Node(node).Width}] in Inputs") : Batched(buffer);
        }

        public ShaderTensor Gradient(int node) => Batched(Program.GradientBuffer[node]);

        private ShaderTensor Batched(int buffer)
        {
            BufferSpec spec = Program.Buffers[buffer];
            int offset = _perSampleOffset[buffer];
            return new ShaderTensor("Values", offset == 0 ? "0u" : $"Batch * {offset}u", offset == 0 ? "0L" : $"batch * {offset}L", $"{spec.Name} [Batch × {spec.Width}] in Values at Batch × {offset}");
        }

        /// <summary>Per-row loss terms, or Predict's probabilities, [Batch × width] from the start of <c>Terms</c>.</summary>
        public static ShaderTensor Terms(string description) => new ShaderTensor("Terms", "0u", "0L", description + " in Terms");

        /// <summary>A manifest entry: a trainable parameter in <c>Parameters</c>, or a state tensor in <c>State</c>.</summary>
        public ShaderTensor Parameter(int index)
        {
            ParameterTensor tensor = Model.Parameters[index];
            string buffer = tensor.Trainable ? "Parameters" : "State";
            return new ShaderTensor(buffer, $"{tensor.Offset}u", $"{tensor.Offset}L", $"{tensor.Name} [{tensor.Length}] in {buffer} at {tensor.Offset}");
        }

        public ShaderTensor ParameterGradient(int index)
        {
            ParameterTensor tensor = Model.Parameters[index];
            return new ShaderTensor("Gradients", $"{tensor.Offset}u", $"{tensor.Offset}L", $"∂{tensor.Name} [{tensor.Length}] in Gradients at {tensor.Offset}");
        }

        /// <summary>The first of the two scalar slots (mask key, threshold) of a node that draws masks.</summary>
        public int DropoutSlot(OpNode node)
            => Hlsl.FirstDropoutSlot + 2 * Model.Nodes.Where(n => OpRegistry.For(n.Kind).UsesSeed).TakeWhile(n => n.Id != node.Id).Count();

        /// <summary>Scalar slots the shaders read: the fixed ones and two per node that draws masks.</summary>
        public int ScalarCount => Hlsl.FirstDropoutSlot + 2 * Model.Nodes.Count(n => OpRegistry.For(n.Kind).UsesSeed);

        /// <summary>Adds a shader to the model and returns its index (the order <c>Record</c> dispatches by).</summary>
        public int AddShader(string name, string source)
        {
            string unique = name;
            for (int suffix = 2; _shaders.Any(s => s.Name == unique); suffix++)
                unique = name + suffix;
            _shaders.Add((unique, source));
            return _shaders.Count - 1;
        }

        /// <summary>A shader's name: the layer's name and the pass (<c>HiddenForward</c>).</summary>
        public static string ShaderName(OpNode node, string pass) => CodeWriter.Pascal(node.Name.Replace(" ", "")) + pass;
    }
}
