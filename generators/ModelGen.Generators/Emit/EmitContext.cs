using System.Globalization;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Emit
{
    /// <summary>What op emitters need: the writer and spellings of buffers and parameter slices.</summary>
    internal sealed class EmitContext
    {
        public EmitContext(CodeWriter writer, TrainingProgram program)
        {
            Writer = writer;
            Program = program;
        }

        public CodeWriter Writer { get; }

        public TrainingProgram Program { get; }

        public int OutputNode => Program.OutputNode;

        public int OutputWidth => Program.Nodes[Program.OutputNode].Width;

        public string OutputLayer => Layer(Program.Nodes[Program.OutputNode]).Name;

        public LayerShape Layer(GraphNode node) => Program.Model.Layers[node.Layer];

        /// <summary>The node's value for the current batch; the input node is the caller's span.</summary>
        public string Value(int node)
        {
            int buffer = Program.ValueBuffer[node];
            return buffer < 0 ? "inputs" : Slice(buffer);
        }

        public string Gradient(int node) => Slice(Program.GradientBuffer[node]);

        public bool SharesValue(int a, int b) => Program.ValueBuffer[a] == Program.ValueBuffer[b];

        public bool SharesGradient(int a, int b) => Program.GradientBuffer[a] == Program.GradientBuffer[b];

        /// <summary>A Dense layer's W, or a batch norm's γ.</summary>
        public string Weights(LayerShape layer) => Span("_parameters", layer.WeightOffset, layer.WeightCount.ToString(CultureInfo.InvariantCulture));

        /// <summary>A Dense layer's b, or a batch norm's β.</summary>
        public string Bias(LayerShape layer) => Span("_parameters", layer.BiasOffset, CodeWriter.Int(layer.BiasCount));

        public string WeightGradient(LayerShape layer) => Span("_gradients", layer.WeightOffset, layer.WeightCount.ToString(CultureInfo.InvariantCulture));

        public string BiasGradient(LayerShape layer) => Span("_gradients", layer.BiasOffset, CodeWriter.Int(layer.BiasCount));

        private string Slice(int buffer)
        {
            BufferSpec spec = Program.Buffers[buffer];
            return Span(spec.Name, 0, $"batch * {spec.Width}");
        }

        /// <summary>A span over part of an array, spelled without extension methods so it compiles without any using directive.</summary>
        public static string Span(string array, int start, string length) => $"new global::System.Span<T>({array}, {start}, {length})";
    }
}
