using System.Collections.Generic;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
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

        public DeviceEmitContext(CodeWriter writer, TrainingProgram program)
        {
            Writer = writer;
            Program = program;
        }

        public CodeWriter Writer { get; }

        public TrainingProgram Program { get; }

        public CheckedModel Model => Program.Model;

        public OpNode Node(int id) => Model.Nodes[id];

        public string Value(int node) => Program.ValueBuffer[node] < 0 ? "inputs" : Local(Program.ValueBuffer[node]);

        public string Gradient(int node) => Local(Program.GradientBuffer[node]);

        public string Parameter(int index) => Model.Parameters[index].View;

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
            string name = CodeWriter.Camel(Program.Buffers[buffer].Name);
            bool keyword = Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;
            return keyword || Reserved.Contains(name) ? name + "Values" : name;
        }

        /// <summary>Declarations of the buffer locals that <paramref name="body"/> mentions, in buffer order.</summary>
        public IEnumerable<string> UsedLocals(string body)
        {
            for (int buffer = 0; buffer < Program.Buffers.Count; buffer++)
            {
                string local = Local(buffer);
                if (System.Text.RegularExpressions.Regex.IsMatch(body, $@"\b{local}\b"))
                    yield return $"var {local} = Buffer({buffer}, batch * {Program.Buffers[buffer].Capacity});";
            }
        }
    }
}
