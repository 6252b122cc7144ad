using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary><c>[Concat(nameof(A), nameof(B), …)]</c>: the named flat tensors side by side, [a] ⊕ [b] → [a + b], in the order given.</summary>
    internal static class ConcatRules
    {
        public const string AttributeName = "ModelGen.ConcatAttribute";

        /// <summary><c>[Concat(params string[] inputs)]</c>: the names become the layer's wiring.</summary>
        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            var inputs = new List<string>();
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array)
                foreach (TypedConstant item in attribute.ConstructorArguments[0].Values)
                    if (item.Value is string input && input.Length > 0)
                        inputs.Add(input);
                    else
                        problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Concat", "inputs", "layer names, e.g. nameof(Hidden1)"));
            else
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Concat", "inputs", "layer names, e.g. [Concat(nameof(A), nameof(B))]"));
            float dropout = 0;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                if (argument.Key == "Dropout")
                    dropout = ReadDropout(argument.Value, "Concat", name, index, problems);
            return new LayerDeclaration(name, modifiers, LayerKind.Concat, 0, ActivationKind.Identity, InitializerKind.Default, 0.01f, 0, dropout, false,
                NoOptions.Instance, new LayerWiring(inputs.ToEquatableArray(), null, false), PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            if (inputs.Length < 2)
            {
                builder.ShapeError(index, "a concatenation needs at least two inputs");
                return Lowered.Failed;
            }
            OpNode? notFlat = inputs.Select(builder.Node).FirstOrDefault(n => n.Shape.Rank != 1);
            if (notFlat is not null)
            {
                builder.ShapeError(index, $"it concatenates flat [features] tensors (or sequences of them), but '{notFlat.Name}' is {notFlat.Shape}");
                return Lowered.Failed;
            }
            int steps = builder.Node(inputs[0]).Shape.Steps;
            OpNode? otherSteps = inputs.Select(builder.Node).FirstOrDefault(n => n.Shape.Steps != steps);
            if (otherSteps is not null)
            {
                builder.ShapeError(index, $"it concatenates features step by step, so its inputs must all be sequences of one length or all flat, but '{builder.Node(inputs[0]).Name}' is {builder.Node(inputs[0]).Shape} and '{otherSteps.Name}' is {otherSteps.Shape}");
                return Lowered.Failed;
            }
            int width = inputs.Sum(i => builder.Node(i).Width);
            int node = builder.Add(OpKind.Concat, layer.Name, index, steps > 0 ? TensorShape.Sequence(steps, width) : TensorShape.Vector(width), NoAttributes.Instance, inputs);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), InitializerKind.Default);
        }

        /// <summary>ModelGen.Concat(model, name, units).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[] { CodeWriter.Int(layer.Units) };
    }
}
