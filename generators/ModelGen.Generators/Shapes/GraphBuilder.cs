using System.Collections.Generic;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// What a layer's lowering rule (Ops/&lt;Kind&gt;/*Rules.cs) builds with: graph nodes, manifest entries laid out
    /// in declaration order, and problems. Parameter offsets are assigned here and nowhere else.
    /// </summary>
    internal sealed class GraphBuilder
    {
        private long _parameterCount, _stateCount;
        private readonly HashSet<string> _views = new HashSet<string>();

        public GraphBuilder(ModelDeclaration model, List<Problem> problems)
        {
            Model = model;
            Problems = problems;
        }

        public ModelDeclaration Model { get; }

        public List<Problem> Problems { get; }

        public List<OpNode> Nodes { get; } = new List<OpNode>();

        public List<ParameterTensor> Parameters { get; } = new List<ParameterTensor>();

        /// <summary>False once the parameters would not fit a single .NET array.</summary>
        public bool Fits { get; private set; } = true;

        public int ParameterCount => (int)_parameterCount;

        public int StateCount => (int)_stateCount;

        public OpNode Node(int id) => Nodes[id];

        public int Add(OpKind kind, string name, int layer, TensorShape shape, OpAttributes attributes, params int[] inputs)
        {
            int id = Nodes.Count;
            Nodes.Add(new OpNode(id, kind, name, layer, inputs.ToEquatableArray(), shape, attributes));
            return id;
        }

        /// <summary>
        /// Adds a manifest entry; <paramref name="suffix"/> follows PyTorch's state_dict names (weight, bias, running_mean…);
        /// <paramref name="transposed"/> marks an [inputs × units] matrix that PyTorch holds as [units × inputs].
        /// </summary>
        public int Parameter(string property, string suffix, ParameterRole role, TensorShape shape, bool trainable,
            InitializerKind initializer, float fill, int fanIn, int fanOut, bool decayed, bool transposed = false, double gain = 1)
        {
            long length = shape.Size;
            long offset = trainable ? _parameterCount : _stateCount;
            if (offset + length > int.MaxValue)
            {
                if (Fits)
                    Problems.Add(Problem.At(DiagnosticIds.InvalidArgument, SiteKind.Class, "Model", "layer sizes", "sizes that keep the model under 2^31 parameters"));
                Fits = false;
                return -1;
            }
            if (trainable)
                _parameterCount += length;
            else
                _stateCount += length;
            string name = property + "." + suffix;
            Parameters.Add(new ParameterTensor(name, UniqueView(CodeWriter.Pascal(name)), property, role, shape, trainable, (int)offset, initializer, fill, fanIn, fanOut, decayed)
                { Transposed = transposed, Gain = gain });
            return Parameters.Count - 1;
        }

        /// <summary>
        /// A view name no other tensor (nor its gradient view) has: "Block.projection.weight" and a layer named
        /// BlockProjection's "weight" would both be BlockProjectionWeight.
        /// </summary>
        private string UniqueView(string view)
        {
            string candidate = view;
            for (int suffix = 2; _views.Contains(candidate) || _views.Contains(candidate + "Gradient"); suffix++)
                candidate = view + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _views.Add(candidate);
            _views.Add(candidate + "Gradient");
            return candidate;
        }

        /// <summary>An activation node after <paramref name="input"/>, or <paramref name="input"/> itself for the identity.</summary>
        public int Activation(int input, int layer, string name, ActivationKind activation, float negativeSlope)
            => activation == ActivationKind.Identity
                ? input
                : Add(OpKind.Activation, name + "." + activation, layer, Node(input).Shape, new ActivationAttributes(activation, negativeSlope), input);

        /// <summary>A dropout node after <paramref name="input"/> (rate 0: none), its mask stream hashed from <paramref name="site"/>.</summary>
        public int Dropout(int input, int layer, string site, float rate)
            => rate <= 0 ? input : Add(OpKind.Dropout, site + ".Dropout", layer, Node(input).Shape, new DropoutAttributes(rate, StreamOf(site)), input);

        /// <summary>FNV-1a of the name: the same layer name draws the same masks whatever else the model declares.</summary>
        public static int StreamOf(string site)
        {
            unchecked
            {
                uint hash = 2166136261;
                foreach (char c in site)
                    hash = (hash ^ c) * 16777619;
                return (int)(hash & 0x7FFFFFFF);
            }
        }

        /// <summary>MG0023 at the layer's attribute; <paramref name="fix"/> names the one edit that cures it, if any.</summary>
        public void ShapeError(int layer, string message, string? fix = null)
            => Problems.Add(Problem.AtLayer(DiagnosticIds.ShapeMismatch, SiteKind.LayerAttribute, layer, Model.Layers[layer].Name, message) with { Fix = fix });
    }
}
