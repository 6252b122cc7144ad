using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary>A noise layer's own declaration: Gaussian noise's σ, or RReLU's slope range.</summary>
    internal sealed record NoiseOptions(float Deviation, float Lower, float Upper) : LayerOptions;

    /// <summary>
    /// The stochastic element-wise layers, width- and shape-preserving: <c>[GaussianNoise(σ)]</c> (y = x + σ·n while
    /// training) and <c>[RReLU]</c> (random negative slopes while training, their mean at inference). No parameters; each
    /// draws from a stream hashed from its layer name, as dropout does.
    /// </summary>
    internal static class NoiseRules
    {
        public const string GaussianNoiseAttributeName = "ModelGen.GaussianNoiseAttribute";
        public const string RReLUAttributeName = "ModelGen.RReLUAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            bool gaussian = attribute.AttributeClass?.ToDisplayString() == GaussianNoiseAttributeName;
            string kind = gaussian ? "GaussianNoise" : "RReLU";
            void Invalid(string argument, string expected) => problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kind, argument, expected));
            float deviation = 0f, lower = 0.125f, upper = 1f / 3, dropout = 0f;
            if (gaussian && (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Length < 1
                || attribute.ConstructorArguments[0].Value is not float sigma || !(sigma > 0) || float.IsInfinity(sigma)))
                Invalid("standardDeviation", "a finite σ greater than 0");
            else if (gaussian)
                deviation = (float)attribute.ConstructorArguments[0].Value!;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                object? value = argument.Value.Value;
                switch (argument.Key)
                {
                    case "Lower" when value is float l && l >= 0 && l < 1: lower = l; break;
                    case "Lower": Invalid("Lower", "a slope in [0, 1)"); break;
                    case "Upper" when value is float u && u >= 0 && u < 1: upper = u; break;
                    case "Upper": Invalid("Upper", "a slope in [0, 1)"); break;
                    case "Dropout": dropout = ReadDropout(argument.Value, kind, name, index, problems); break;
                }
            }
            if (!gaussian && upper < lower)
                Invalid("Upper", $"at least Lower ({lower.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
            return new LayerDeclaration(name, modifiers, gaussian ? LayerKind.GaussianNoise : LayerKind.RReLU, 0, ActivationKind.Identity, InitializerKind.Default, 0.01f, 0,
                dropout, false, new NoiseOptions(deviation, lower, upper), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            var options = (NoiseOptions)layer.Options;
            TensorShape shape = builder.Node(input).Shape;
            int node = layer.Kind == LayerKind.GaussianNoise
                ? builder.Add(OpKind.GaussianNoise, layer.Name, index, shape, new GaussianNoiseAttributes(options.Deviation, GraphBuilder.StreamOf(layer.Name + ".Noise")), input)
                : builder.Add(OpKind.RReLU, layer.Name, index, shape, new RReLUAttributes(options.Lower, options.Upper, GraphBuilder.StreamOf(layer.Name + ".RReLU")), input);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }

        /// <summary>ModelGen.GaussianNoise(model, name, features, σ) or ModelGen.RReLU(model, name, features, lower, upper).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice)
        {
            var options = (NoiseOptions)layer.Options;
            return layer.Kind == LayerKind.GaussianNoise
                ? new[] { CodeWriter.Int(layer.Units), CodeWriter.Float(options.Deviation) }
                : new[] { CodeWriter.Int(layer.Units), CodeWriter.Float(options.Lower), CodeWriter.Float(options.Upper) };
        }
    }
}
