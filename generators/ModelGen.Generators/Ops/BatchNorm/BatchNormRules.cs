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
    /// <summary>Batch norm's own declaration: weight of the current batch in the running estimates, and ε.</summary>
    internal sealed record BatchNormOptions(float Momentum, float Epsilon) : LayerOptions;

    /// <summary>
    /// <c>[BatchNorm(activation)]</c>: width-preserving normalization → activation → dropout. Manifest entries as
    /// PyTorch names them: <c>weight</c> (γ, ones), <c>bias</c> (β, zeros), and the state <c>running_mean</c> (zeros)
    /// and <c>running_var</c> (ones). γ and β are decayed only with IncludeBiases.
    /// </summary>
    internal static class BatchNormRules
    {
        public const string AttributeName = "ModelGen.BatchNormAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            var activation = ActivationKind.Identity;
            if (attribute.AttributeConstructor is null
                || (attribute.ConstructorArguments.Length > 0 && !TryReadEnum(attribute.ConstructorArguments[0], out activation)))
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "BatchNorm", "activation", "BatchNorm(Activation activation = Activation.Identity)"));
            float momentum = 0.1f, epsilon = 1e-5f, slope = 0.01f, dropout = 0f;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                float value = argument.Value.Value is float f ? f : float.NaN;
                switch (argument.Key)
                {
                    case "Momentum" when value > 0 && value <= 1: momentum = value; break;
                    case "Momentum": problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "BatchNorm", "Momentum", "a number in (0, 1]")); break;
                    case "Epsilon" when value > 0 && !float.IsInfinity(value): epsilon = value; break;
                    case "Epsilon": problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "BatchNorm", "Epsilon", "a finite number greater than 0")); break;
                    case "NegativeSlope" when value > 0 && value < 1: slope = value; break;
                    case "NegativeSlope": problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "BatchNorm", "NegativeSlope", "a number in (0, 1)")); break;
                    case "Dropout": dropout = ReadDropout(argument.Value, "BatchNorm", name, index, problems); break;
                }
            }
            return new LayerDeclaration(name, modifiers, LayerKind.BatchNorm, 0, activation, InitializerKind.Default, slope, 0, dropout, false,
                new BatchNormOptions(momentum, epsilon), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            // A flat input normalizes per feature (BatchNorm1d); a [C × H × W] map per channel over batch and positions (BatchNorm2d).
            TensorShape output = builder.Node(input).Shape;
            if ((output.Rank != 1 && output.Rank != 3) || output.IsSequence)
            {
                builder.ShapeError(index, $"a BatchNorm layer normalizes [features] or [channels × height × width], but gets {output}");
                return Lowered.Failed;
            }
            int width = output.Dimensions[0], spatial = (int)(output.Size / width);
            TensorShape shape = TensorShape.Vector(width);
            bool decayed = builder.Model.Regularization.DecayBiases;
            int scale = builder.Parameter(layer.Name, "weight", ParameterRole.Scale, shape, true, InitializerKind.Default, 1, width, width, decayed);
            int shift = builder.Parameter(layer.Name, "bias", ParameterRole.Shift, shape, true, InitializerKind.Default, 0, width, width, decayed);
            int mean = builder.Parameter(layer.Name, "running_mean", ParameterRole.RunningMean, shape, false, InitializerKind.Default, 0, width, width, false);
            int variance = builder.Parameter(layer.Name, "running_var", ParameterRole.RunningVariance, shape, false, InitializerKind.Default, 1, width, width, false);
            if (!builder.Fits)
                return Lowered.Failed;
            var options = (BatchNormOptions)layer.Options;
            var attributes = new BatchNormAttributes(scale, shift, mean, variance, options.Momentum, options.Epsilon, spatial);
            int node = builder.Add(OpKind.BatchNorm, layer.Name, index, output, attributes, input);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }

        /// <summary>ModelGen.BatchNorm(model, name, features (channels of a map), activation, γ, β, dγ, dβ, running mean, running variance).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(layer.OutputShape.Dimensions[0]), "global::ModelGen.Activation." + layer.Activation, slice("weight", false), slice("bias", false),
            slice("weight", true), slice("bias", true), slice("running_mean", false), slice("running_var", false),
        };
    }
}
