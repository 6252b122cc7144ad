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
    /// <summary>An RBF layer's own declaration: the initial width σ.</summary>
    internal sealed record RbfOptions(float Width) : LayerOptions;

    /// <summary>
    /// <c>[Rbf(units)]</c>: [in] → [units], exp(−‖x − c_j‖²/σ_j²) → dropout. Parameters <c>Name.centers</c> [in × units]
    /// (a column per centre) and <c>Name.log_sigma</c> [units] (log σ_j, from log Width). A map input is flattened.
    /// </summary>
    internal static class RbfRules
    {
        public const string AttributeName = "ModelGen.RbfAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            int units = 0;
            if (attribute.AttributeConstructor is null || !TryReadConstructorArgument(attribute, 0, out units))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Rbf", "units", "Rbf(int units)"));
                units = 0;
            }
            float width = 1f;
            var options = new UnitOptions();
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "Width")
                {
                    if (argument.Value.Value is float w && w > 0 && !float.IsInfinity(w))
                        width = w;
                    else
                        problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Rbf", "Width", "a finite σ greater than 0"));
                    continue;
                }
                options.TryRead(argument, "Rbf", name, index, problems);
            }
            return new LayerDeclaration(name, modifiers, LayerKind.Rbf, units, ActivationKind.Identity, options.Initializer, 0.01f, 0, options.Dropout, false,
                new RbfOptions(width), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleFeatureInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            int fanIn = builder.Node(input).Width;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? InitializerKind.GlorotUniform : layer.Initializer;
            int centres = builder.Parameter(layer.Name, "centers", ParameterRole.Weight, TensorShape.Matrix(fanIn, layer.Units), true, initializer, 0, fanIn, layer.Units,
                decayed: true, transposed: true);
            int logWidths = builder.Parameter(layer.Name, "log_sigma", ParameterRole.LogWidth, TensorShape.Vector(layer.Units), true, InitializerKind.Default,
                (float)Math.Log(((RbfOptions)layer.Options).Width), fanIn, layer.Units, decayed: false);
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(OpKind.Rbf, layer.Name, index, TensorShape.Vector(layer.Units), new RbfAttributes(centres, logWidths), input);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }

        /// <summary>ModelGen.Rbf(model, name, inputs, units, C, log σ, dC, d log σ).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(layer.Inputs), CodeWriter.Int(layer.Units), slice("centers", false), slice("log_sigma", false), slice("centers", true), slice("log_sigma", true),
        };
    }
}
