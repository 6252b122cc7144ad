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
    /// <summary>PReLU's own declaration: the slopes' start and whether one slope serves the whole layer.</summary>
    internal sealed record PReLUOptions(float Init, bool Shared) : LayerOptions;

    /// <summary>
    /// <c>[PReLU]</c>: width-preserving; [features] gets a slope per feature, [C × H × W] a slope per channel (PyTorch's
    /// <c>PReLU(num_parameters)</c>), Shared one slope. The manifest entry is <c>Name.weight</c>, shape [C] (or [1]).
    /// </summary>
    internal static class PReLURules
    {
        public const string AttributeName = "ModelGen.PReLUAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            float init = 0.25f, dropout = 0f;
            bool shared = false;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                object? value = argument.Value.Value;
                switch (argument.Key)
                {
                    case "Init" when value is float f && !float.IsNaN(f) && !float.IsInfinity(f): init = f; break;
                    case "Init": problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "PReLU", "Init", "a finite slope")); break;
                    case "Shared" when value is bool b: shared = b; break;
                    case "Dropout": dropout = ReadDropout(argument.Value, "PReLU", name, index, problems); break;
                }
            }
            return new LayerDeclaration(name, modifiers, LayerKind.PReLU, 0, ActivationKind.Identity, InitializerKind.Default, 0.01f, 0, dropout, false,
                new PReLUOptions(init, shared), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            TensorShape shape = builder.Node(input).Shape;
            if ((shape.Rank != 1 && shape.Rank != 3) || shape.IsSequence)
            {
                builder.ShapeError(index, $"a PReLU layer takes [features] or [channels × height × width], but gets {shape}");
                return Lowered.Failed;
            }
            var options = (PReLUOptions)layer.Options;
            int width = (int)shape.Size;
            int channels = options.Shared ? 1 : shape.Dimensions[0];
            int slope = builder.Parameter(layer.Name, "weight", ParameterRole.Slope, TensorShape.Vector(channels), true, InitializerKind.Default, options.Init,
                channels, channels, builder.Model.Regularization.DecayBiases);
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(OpKind.PReLU, layer.Name, index, shape, new PReLUAttributes(slope, channels, width / channels), input);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }

        /// <summary>ModelGen.PReLU(model, name, channels, a, da).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(((PReLUOptions)layer.Options).Shared ? 1 : layer.OutputShape.Dimensions[0]), slice("weight", false), slice("weight", true),
        };
    }
}
