using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary>An embedding's own declaration: the vocabulary size and the padding id (−1: none).</summary>
    internal sealed record EmbeddingOptions(int Vocabulary, int PaddingId) : LayerOptions;

    /// <summary>
    /// <c>[Embedding(vocabulary, dimension)]</c>: the model's token ids [SequenceLength] → a sequence [SequenceLength steps ×
    /// dimension], then dropout. One manifest entry, <c>Name.weight</c> [vocabulary × dimension] (PyTorch's nn.Embedding),
    /// drawn N(0, 1) as PyTorch does (LeCun normal with fan-in 1). It must read the model's input, which must be tokens.
    /// </summary>
    internal static class EmbeddingRules
    {
        public const string AttributeName = "ModelGen.EmbeddingAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            if (attribute.AttributeConstructor is null
                || !TryReadConstructorArgument(attribute, 0, out int vocabulary)
                || !TryReadConstructorArgument(attribute, 1, out int dimension))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Embedding", "vocabulary/dimension", "Embedding(int vocabulary, int dimension)"));
                vocabulary = dimension = 0;
            }
            int paddingId = -1;
            float dropout = 0;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                switch (argument.Key)
                {
                    case "PaddingId" when argument.Value.Value is int id && id >= -1 && (id < vocabulary || vocabulary <= 0): paddingId = id; break;
                    case "PaddingId":
                        problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Embedding", "PaddingId",
                            $"a token id in [0, {vocabulary}) (the vocabulary), or −1 for none"));
                        break;
                    case "Dropout": dropout = ReadDropout(argument.Value, "Embedding", name, index, problems); break;
                }
            if (vocabulary <= 0)
                problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, "Vocabulary", name, vocabulary.ToString(CultureInfo.InvariantCulture)));
            return new LayerDeclaration(name, modifiers, LayerKind.Embedding, dimension, ActivationKind.Identity, InitializerKind.LeCunNormal, 0.01f, 0, dropout, false,
                new EmbeddingOptions(vocabulary, paddingId), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            var options = (EmbeddingOptions)layer.Options;
            int input = LayerRules.SizedSingleInput(builder, index, layer, inputs, "Dimension");
            if (input < 0)
                return Lowered.Failed;
            if (!builder.Model.TakesTokens || builder.Node(input).Kind != OpKind.Input)
            {
                builder.ShapeError(index, builder.Model.TakesTokens
                    ? $"an Embedding reads the model's token ids, but it is wired to '{builder.Node(input).Name}' {builder.Node(input).Shape}"
                    : "an Embedding reads token ids: declare them with [Model(SequenceLength = …)] and let the Embedding read the model input",
                    builder.Model.TakesTokens ? null : "SequenceLength");
                return Lowered.Failed;
            }
            OpNode? other = builder.Nodes.Find(n => n.Kind == OpKind.Embedding && ((EmbeddingAttributes)n.Attributes).PaddingId != options.PaddingId);
            if (other is not null)
            {
                builder.ShapeError(index, $"the model's embeddings must agree on the padding id, which ends every sample: '{other.Name}' has {((EmbeddingAttributes)other.Attributes).PaddingId}, this one {options.PaddingId}", "PaddingId");
                return Lowered.Failed;
            }
            int steps = builder.Model.SequenceLength;
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, TensorShape.Matrix(options.Vocabulary, layer.Units), true,
                InitializerKind.LeCunNormal, 0, fanIn: 1, fanOut: layer.Units, decayed: true);
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(OpKind.Embedding, layer.Name, index, TensorShape.Sequence(steps, layer.Units),
                new EmbeddingAttributes(weight, options.Vocabulary, options.PaddingId), input);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.LeCunNormal);
        }

        /// <summary>ModelGen.Embedding(model, name, vocabulary, dimension, paddingId, E, dE).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(((EmbeddingOptions)layer.Options).Vocabulary), CodeWriter.Int(layer.Units), CodeWriter.Int(((EmbeddingOptions)layer.Options).PaddingId),
            slice("weight", false), slice("weight", true),
        };
    }
}
