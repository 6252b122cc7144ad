using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>What lowering one layer produced: its output node (−1: not lowered, a problem was reported) and resolved initializer.</summary>
    internal readonly struct Lowered
    {
        public Lowered(int output, InitializerKind initializer)
        {
            Output = output;
            Initializer = initializer;
        }

        public static Lowered Failed => new Lowered(-1, InitializerKind.Default);

        public int Output { get; }

        public InitializerKind Initializer { get; }
    }

    /// <summary>Reads a layer attribute into its declaration; problems for what it cannot read.</summary>
    internal delegate LayerDeclaration LayerReader(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems);

    /// <summary>Lowers a declared layer, given its input nodes, to graph ops; returns its output node.</summary>
    internal delegate Lowered LayerLowering(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs);

    /// <summary>
    /// The arguments of the layer's runtime view (<c>new ModelGen.Dense(…)</c>) after the model and layer names;
    /// <paramref name="slice"/> spells a manifest tensor of the layer by suffix ("weight"), as a gradient when asked.
    /// </summary>
    internal delegate string[] LayerView(LayerShape layer, Func<string, bool, string> slice);

    /// <summary>One layer attribute: its full name, its kind, and the three rules that make it a layer.</summary>
    internal sealed class LayerDefinition
    {
        public LayerDefinition(string attributeName, LayerKind kind, LayerReader read, LayerLowering lower, LayerView view)
        {
            AttributeName = attributeName;
            Kind = kind;
            Read = read;
            Lower = lower;
            View = view;
        }

        public string AttributeName { get; }
        public LayerKind Kind { get; }
        public LayerReader Read { get; }
        public LayerLowering Lower { get; }
        public LayerView View { get; }
    }

    /// <summary>
    /// The layer registry: one line per layer attribute, mapping it to the rules (Ops/&lt;Kind&gt;/*Rules.cs) that read
    /// it, check its shapes and lower it to graph ops. A residual, on any layer, is added after the layer's own ops.
    /// </summary>
    internal static class LayerRules
    {
        private static readonly LayerDefinition[] Definitions =
        {
            new LayerDefinition(DenseRules.AttributeName, LayerKind.Dense, DenseRules.Read, DenseRules.Lower, DenseRules.View),
            new LayerDefinition(BatchNormRules.AttributeName, LayerKind.BatchNorm, BatchNormRules.Read, BatchNormRules.Lower, BatchNormRules.View),
            new LayerDefinition(HighwayRules.AttributeName, LayerKind.Highway, HighwayRules.Read, HighwayRules.Lower, HighwayRules.View),
            new LayerDefinition(ConcatRules.AttributeName, LayerKind.Concat, ConcatRules.Read, ConcatRules.Lower, ConcatRules.View),
            new LayerDefinition(Conv2DRules.AttributeName, LayerKind.Conv2D, Conv2DRules.Read, Conv2DRules.Lower, Conv2DRules.View),
            new LayerDefinition(Conv2DRules.UnsharedAttributeName, LayerKind.LocallyConnected2D, Conv2DRules.Read, Conv2DRules.Lower, Conv2DRules.View),
            new LayerDefinition(Pool2DRules.MaxAttributeName, LayerKind.MaxPool2D, Pool2DRules.Read, Pool2DRules.Lower, Pool2DRules.View),
            new LayerDefinition(Pool2DRules.AvgAttributeName, LayerKind.AvgPool2D, Pool2DRules.Read, Pool2DRules.Lower, Pool2DRules.View),
            new LayerDefinition(Pool2DRules.GlobalAttributeName, LayerKind.GlobalAvgPool, Pool2DRules.Read, Pool2DRules.Lower, Pool2DRules.View),
            new LayerDefinition(EmbeddingRules.AttributeName, LayerKind.Embedding, EmbeddingRules.Read, EmbeddingRules.Lower, EmbeddingRules.View),
            new LayerDefinition(RecurrentRules.SimpleRnnAttributeName, LayerKind.SimpleRnn, RecurrentRules.Read, RecurrentRules.Lower, RecurrentRules.View),
            new LayerDefinition(RecurrentRules.LstmAttributeName, LayerKind.Lstm, RecurrentRules.Read, RecurrentRules.Lower, RecurrentRules.View),
            new LayerDefinition(RecurrentRules.GruAttributeName, LayerKind.Gru, RecurrentRules.Read, RecurrentRules.Lower, RecurrentRules.View),
            new LayerDefinition(MaxoutRules.AttributeName, LayerKind.Maxout, MaxoutRules.Read, MaxoutRules.Lower, MaxoutRules.View),
            new LayerDefinition(PReLURules.AttributeName, LayerKind.PReLU, PReLURules.Read, PReLURules.Lower, PReLURules.View),
            new LayerDefinition(NoiseRules.GaussianNoiseAttributeName, LayerKind.GaussianNoise, NoiseRules.Read, NoiseRules.Lower, NoiseRules.View),
            new LayerDefinition(NoiseRules.RReLUAttributeName, LayerKind.RReLU, NoiseRules.Read, NoiseRules.Lower, NoiseRules.View),
            new LayerDefinition(RbfRules.AttributeName, LayerKind.Rbf, RbfRules.Read, RbfRules.Lower, RbfRules.View),
        };

        /// <summary>The definition of a layer attribute by its full name, or null for any other attribute.</summary>
        public static LayerDefinition? For(string? attributeName) => Definitions.FirstOrDefault(d => d.AttributeName == attributeName);

        public static LayerDefinition For(LayerKind kind) => Definitions.First(d => d.Kind == kind);

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs, int residual)
        {
            Lowered lowered = For(layer.Kind).Lower(builder, index, layer, inputs);
            if (lowered.Output < 0 || residual < 0)
                return lowered;
            return new Lowered(AddRules.Residual(builder, index, layer, lowered.Output, residual), lowered.Initializer);
        }

        /// <summary>Shared by layers that read exactly one tensor of any shape; reports MG0023 otherwise.</summary>
        public static int SingleInput(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (inputs.Length == 1)
                return inputs[0];
            builder.ShapeError(index, $"a {layer.Kind} layer reads one tensor, but {inputs.Length} are wired to it; join them first with [Concat]");
            return -1;
        }

        /// <summary>
        /// Shared by layers with a size (<paramref name="sizeName"/>: units, dimension): reports MG1003 when it is not
        /// positive, then reads exactly one tensor (<see cref="SingleInput"/>); −1 when either fails.
        /// </summary>
        public static int SizedSingleInput(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs, string sizeName = "Units")
        {
            if (layer.Units <= 0)
            {
                builder.Problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, sizeName, layer.Name, layer.Units.ToString(CultureInfo.InvariantCulture)));
                return -1;
            }
            return SingleInput(builder, index, layer, inputs);
        }

        /// <summary>Shared by layers that read one [features] or [channels × height × width] tensor, never a sequence; reports MG0023 otherwise.</summary>
        public static int SingleFeatureInput(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = SizedSingleInput(builder, index, layer, inputs);
            if (input < 0 || !builder.Node(input).Shape.IsSequence)
                return input;
            builder.ShapeError(index, $"a {layer.Kind} layer needs a flat [features] or [channels × height × width] input, but gets {builder.Node(input).Shape}");
            return -1;
        }

        /// <summary>Shared by layers that read exactly one flat tensor; reports MG0023 otherwise.</summary>
        public static int SingleFlatInput(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (SingleInput(builder, index, layer, inputs) < 0)
                return -1;
            if (builder.Node(inputs[0]).Shape.Rank != 1 || builder.Node(inputs[0]).Shape.IsSequence)
            {
                builder.ShapeError(index, $"a {layer.Kind} layer needs a flat [features] input, but gets {builder.Node(inputs[0]).Shape}");
                return -1;
            }
            return inputs[0];
        }
    }
}
