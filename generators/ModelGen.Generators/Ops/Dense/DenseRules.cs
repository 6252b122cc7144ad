using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using ModelGen.Generators.Extraction;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary>
    /// <c>[Dense(units, activation)]</c>: [in] → [units] as Dense → activation → dropout. Parameters <c>Name.weight</c>
    /// [in × units] (row-major, x · W) and <c>Name.bias</c> [units]. A [C × H × W] input counts as [C·H·W] (implicit flatten);
    /// a sequence [steps × in] gives [steps × units], the same weights at every step.
    /// </summary>
    internal static class DenseRules
    {
        public const string AttributeName = "ModelGen.DenseAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            int units = 0;
            var activation = ActivationKind.Identity;
            if (attribute.AttributeConstructor is null
                || !TryReadConstructorArgument(attribute, 0, out units)
                || (attribute.ConstructorArguments.Length > 1 && !TryReadEnum(attribute.ConstructorArguments[1], out activation)))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Dense", "units/activation", "Dense(int units, Activation activation = Activation.Identity)"));
                units = 0;
            }

            var options = new UnitOptions();
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                options.TryRead(argument, "Dense", name, index, problems);
            options.Check("Dense", index, problems);
            return new LayerDeclaration(name, modifiers, LayerKind.Dense, units, activation, options.Initializer, options.NegativeSlope, options.BiasInit, options.Dropout, options.UseBias,
                NoOptions.Instance, LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            // A feature map is flattened implicitly: NCHW row-major per sample is already torch.flatten(x, 1)'s order.
            int input = LayerRules.SizedSingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            int fanIn = builder.Node(input).Width;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? ActivationRules.DefaultInitializer(layer.Activation) : layer.Initializer;
            // An orthogonal initialization fills the matrix as held, [inputs × units] (the block's "fan-out" is its row
            // count): semi-orthogonal as held and transposed alike. The variance-scaling initializers read the true fans.
            bool orthogonal = initializer == InitializerKind.Orthogonal;
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, TensorShape.Matrix(fanIn, layer.Units), true, initializer, 0,
                orthogonal ? layer.Units : fanIn, orthogonal ? fanIn : layer.Units, decayed: true, transposed: true,
                gain: ActivationRules.OrthogonalGain(layer.Activation, layer.NegativeSlope));
            int bias = layer.UseBias
                ? builder.Parameter(layer.Name, "bias", ParameterRole.Bias, TensorShape.Vector(layer.Units), true, InitializerKind.Default, layer.BiasInit, fanIn, layer.Units, builder.Model.Regularization.DecayBiases)
                : -1;
            if (!builder.Fits)
                return Lowered.Failed;
            // On a sequence the same W applies at every step (rows are steps × samples), like PyTorch's Linear on [T, N, F].
            TensorShape inputShape = builder.Node(input).Shape;
            TensorShape output = inputShape.IsSequence ? TensorShape.Sequence(inputShape.Steps, layer.Units) : TensorShape.Vector(layer.Units);
            int node = builder.Add(OpKind.Dense, layer.Name, index, output, new DenseAttributes(weight, bias), input);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }

        /// <summary>ModelGen.Dense(model, name, inputs, units, activation, W, b, dW, db).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(layer.Inputs), CodeWriter.Int(layer.Units), "global::ModelGen.Activation." + layer.Activation,
            slice("weight", false), slice("bias", false), slice("weight", true), slice("bias", true),
        };
    }
}
