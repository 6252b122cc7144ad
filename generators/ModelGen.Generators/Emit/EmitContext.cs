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
    /// What op emitters need: the writer and the spelling of every buffer, parameter view and saved buffer. Values and
    /// gradients are locals declared at the top of Forward/Backward (see <see cref="UsedLocals"/>); parameters are
    /// named views on the network (<c>Hidden1Weight</c>); saved buffers live on the workspace <see cref="Workspace"/>.
    /// </summary>
    internal sealed class EmitContext
    {
        private static readonly HashSet<string> Reserved = new HashSet<string> { "inputs", "batch", "w", "training", "loss", "labels", "targets", "outputs", "entry", "keep", "scale", "steps" };

        private readonly bool _inline;

        /// <param name="inline">Spell buffers as spans over the workspace's arrays (entry points), not as Forward/Backward's locals.</param>
        public EmitContext(CodeWriter writer, TrainingProgram program, string workspace, HyperParameters constants, bool inline = false)
        {
            Writer = writer;
            Program = program;
            Workspace = workspace;
            Constants = constants;
            _inline = inline;
        }

        /// <summary>The network's hoisted hyper-parameters: every emitter names its constants through them.</summary>
        public HyperParameters Constants { get; }

        /// <summary>A declared hyper-parameter as a named <c>static readonly T</c> of the network.</summary>
        public string Constant(string name, float value) => Constants.Name(name, value);

        /// <summary>An inferred geometry (a convolution's or pooling's shape struct) as a named <c>static readonly</c> field of the network.</summary>
        public string Geometry(string name, string type, string construction, string comment) => Constants.Geometry(name, type, construction, comment);

        /// <summary>A declared table of values (a head's class weights) as one T[] field; the name is the field's.</summary>
        public string Table(string name, System.Collections.Generic.IEnumerable<float> values, string comment) => Constants.Table(name, values, comment);

        public CodeWriter Writer { get; }

        public TrainingProgram Program { get; }

        public CheckedModel Model => Program.Model;

        /// <summary>The expression naming the workspace the current method runs on.</summary>
        public string Workspace { get; }

        public OpNode Node(int id) => Model.Nodes[id];

        /// <summary>The declared layer a node belongs to, or "inputs".</summary>
        public string LayerName(OpNode node) => node.Layer < 0 ? "inputs" : Model.Declaration.Layers[node.Layer].Name;

        /// <summary>The node's value for the current batch: a local span, or the caller's <c>inputs</c>.</summary>
        public string Value(int node) => Program.ValueBuffer[node] < 0 ? "inputs" : Local(Program.ValueBuffer[node]);

        public string Gradient(int node) => Local(Program.GradientBuffer[node]);

        public string Partial(int node) => Local(Program.PartialBuffer[node]);

        public bool SharesValue(int a, int b) => Program.ValueBuffer[a] == Program.ValueBuffer[b];

        /// <summary>The named view of a manifest entry (a property of the network over the parameter or state buffer).</summary>
        public string Parameter(int index) => ViewName(Model.Parameters[index]);

        public string ParameterGradient(int index) => ViewName(Model.Parameters[index]) + "Gradient";

        public static string ViewName(ParameterTensor tensor) => tensor.View;

        /// <summary>A buffer an op saved for backward, on the current workspace.</summary>
        public string Saved(OpNode node, SavedBuffer buffer)
        {
            string field = $"{Workspace}.{SavedField(node, buffer)}";
            if (buffer.Tokens)
                return field;
            return buffer.PerSample ? $"{field}.Slice(0, {RowsOf(buffer.Steps)} * {buffer.Width})" : $"{field}.Span";
        }

        /// <summary>
        /// The node's row count this call: <c>batch</c>, or <c>batch * steps</c> for a time-major sequence (steps: the
        /// longest sample of the batch, so a batch of short samples runs fewer steps).
        /// </summary>
        public string Rows(OpNode node) => RowsOf(node.Shape.Steps);

        private static string RowsOf(int steps) => steps > 0 ? "batch * steps" : "batch";

        /// <summary>Each sample's length (its real steps), computed from the tokens by the entry point.</summary>
        public string Lengths => Workspace + ".Lengths";

        public static string SavedField(OpNode node, SavedBuffer buffer) => CodeWriter.Pascal(node.Name) + buffer.Suffix;

        /// <summary>The local span over buffer <paramref name="buffer"/>.</summary>
        public string Local(int buffer)
        {
            if (_inline)
                return $"{Workspace}.{Program.Buffers[buffer].Name}.Slice(0, {RowsOf(Program.Buffers[buffer].Steps)} * {Program.Buffers[buffer].Width})";
            return LocalName(Program.Buffers[buffer].Name, Reserved);
        }

        /// <summary>A buffer's local: its camel-cased name, suffixed "Values" when that is a keyword or a name the method already uses.</summary>
        public static string LocalName(string buffer, ISet<string> reserved)
        {
            string name = CodeWriter.Camel(buffer);
            bool keyword = Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;
            return keyword || reserved.Contains(name) ? name + "Values" : name;
        }

        /// <summary>The buffers whose locals <paramref name="body"/> mentions, in buffer order.</summary>
        public static IEnumerable<int> UsedBuffers(TrainingProgram program, System.Func<int, string> local, string body)
            => Enumerable.Range(0, program.Buffers.Count).Where(buffer => System.Text.RegularExpressions.Regex.IsMatch(body, $@"\b{local(buffer)}\b"));

        /// <summary>Declarations of the buffer locals that <paramref name="body"/> mentions, in buffer order.</summary>
        public IEnumerable<string> UsedLocals(string body)
            => UsedBuffers(Program, Local, body).Select(buffer =>
                $"var {Local(buffer)} = {Workspace}.{Program.Buffers[buffer].Name}.Slice(0, {RowsOf(Program.Buffers[buffer].Steps)} * {Program.Buffers[buffer].Width});");

        /// <summary>A value as T, converted from its declared float value.</summary>
        public static string T(float value) => $"T.CreateChecked({CodeWriter.Float(value)})";
    }

    /// <summary>
    /// Hyper-parameters hoisted out of the program: each declared value becomes one named <c>static readonly T</c>
    /// (converted once per element type; the JIT treats it as a constant), so the calls read
    /// <c>DropoutOp.Forward(…, HiddenDropoutRate, …)</c> rather than repeating literals.
    /// </summary>
    internal sealed class HyperParameters
    {
        private readonly List<KeyValuePair<string, float>> _values = new List<KeyValuePair<string, float>>();
        private readonly List<(string Name, string Type, string Construction, string Comment)> _geometries = new List<(string, string, string, string)>();
        private readonly List<(string Name, string Values, string Comment)> _tables = new List<(string, string, string)>();

        /// <summary>One T[] field per table; names come from unique head names, so they never clash.</summary>
        public string Table(string name, IEnumerable<float> values, string comment)
        {
            string field = CodeWriter.Pascal(name);
            if (!_tables.Exists(t => t.Name == field))
                _tables.Add((field, string.Join(", ", values.Select(EmitContext.T)), comment));
            return field;
        }

        /// <summary>One field per layer geometry; names come from unique layer names, so they never clash.</summary>
        public string Geometry(string name, string type, string construction, string comment)
        {
            string field = CodeWriter.Pascal(name);
            if (!_geometries.Exists(g => g.Name == field))
                _geometries.Add((field, type, construction, comment));
            return field;
        }

        /// <summary>The constant's name; the same name and value twice is one constant, a clash gets a numbered name.</summary>
        public string Name(string name, float value)
        {
            string candidate = CodeWriter.Pascal(name);
            for (int suffix = 2; ; suffix++)
            {
                int existing = _values.FindIndex(v => v.Key == candidate);
                if (existing < 0)
                {
                    _values.Add(new KeyValuePair<string, float>(candidate, value));
                    return candidate;
                }
                if (_values[existing].Value.Equals(value))
                    return candidate;
                candidate = CodeWriter.Pascal(name) + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        public void Emit(CodeWriter writer)
        {
            if (_geometries.Count > 0)
            {
                writer.Line("// Window geometries as the generator inferred them.");
                foreach (var geometry in _geometries)
                {
                    writer.Line("// " + geometry.Comment);
                    writer.Line($"private static readonly {geometry.Type} {geometry.Name} = {geometry.Construction};");
                }
                writer.Line();
            }
            foreach (var table in _tables)
            {
                writer.Line("// " + table.Comment);
                writer.Line($"private static readonly T[] {table.Name} = {{ {table.Values} }};");
                writer.Line();
            }
            if (_values.Count == 0)
                return;
            writer.Line("// Hyper-parameters as declared, converted to T once.");
            foreach (KeyValuePair<string, float> value in _values)
                writer.Line($"private static readonly T {value.Key} = {EmitContext.T(value.Value)};");
            writer.Line();
        }
    }
}
