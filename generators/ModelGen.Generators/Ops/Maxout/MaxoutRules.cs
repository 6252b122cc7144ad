using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Extraction;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary>Maxout's own declaration: the pieces per unit.</summary>
    internal sealed record MaxoutOptions(int Pieces) : LayerOptions;

    /// <summary>
    /// <c>[Maxout(units, pieces)]</c>: [in] → [units] as Dense [in → pieces·units] → maxout → dropout. Parameters
    /// <c>Name.weight</c> [in × pieces·units] and <c>Name.bias</c> [pieces·units], piece-major (column p·units + j is piece
    /// p of unit j). A feature map input is flattened as for Dense.
    /// </summary>
    internal static class MaxoutRules
    {
        public const string AttributeName = "ModelGen.MaxoutAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            int units = 0, pieces = 0;
            if (attribute.AttributeConstructor is null
                || !TryReadConstructorArgument(attribute, 0, out units)
                || !TryReadConstructorArgument(attribute, 1, out pieces))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Maxout", "units/pieces", "Maxout(int units, int pieces)"));
                units = 0;
            }
            else if (pieces < 1)
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Maxout", "pieces", "at least one piece per unit (2 or more to be nonlinear)"));
                units = 0;
            }
            var options = new UnitOptions();
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                if (argument.Key != "NegativeSlope")
                    options.TryRead(argument, "Maxout", name, index, problems);
            options.Check("Maxout", index, problems);
            return new LayerDeclaration(name, modifiers, LayerKind.Maxout, units, ActivationKind.Identity, options.Initializer, options.NegativeSlope, options.BiasInit, options.Dropout,
                options.UseBias, new MaxoutOptions(pieces), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleFeatureInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            int pieces = ((MaxoutOptions)layer.Options).Pieces;
            int fanIn = builder.Node(input).Width, columns = layer.Units * pieces;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? InitializerKind.GlorotUniform : layer.Initializer;
            bool orthogonal = initializer == InitializerKind.Orthogonal;
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, TensorShape.Matrix(fanIn, columns), true, initializer, 0,
                orthogonal ? columns : fanIn, orthogonal ? fanIn : columns, decayed: true, transposed: true);
            int bias = layer.UseBias
                ? builder.Parameter(layer.Name, "bias", ParameterRole.Bias, TensorShape.Vector(columns), true, InitializerKind.Default, layer.BiasInit, fanIn, columns, builder.Model.Regularization.DecayBiases)
                : -1;
            if (!builder.Fits)
                return Lowered.Failed;
            int affine = builder.Add(OpKind.Dense, layer.Name, index, TensorShape.Vector(columns), new DenseAttributes(weight, bias), input);
            int node = builder.Add(OpKind.Maxout, layer.Name + ".Max", index, TensorShape.Vector(layer.Units), new MaxoutAttributes(pieces), affine);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }

        /// <summary>ModelGen.Maxout(model, name, inputs, units, pieces, W, b, dW, db).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(layer.Inputs), CodeWriter.Int(layer.Units), CodeWriter.Int(((MaxoutOptions)layer.Options).Pieces),
            slice("weight", false), slice("bias", false), slice("weight", true), slice("bias", true),
        };
    }
}
