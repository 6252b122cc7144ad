using System;
using System.Collections.Generic;
using System.Globalization;
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
    /// <summary>A highway layer's own declaration: the transform gate's initial bias.</summary>
    internal sealed record HighwayOptions(float GateBias) : LayerOptions;

    /// <summary>
    /// <c>[Highway(activation)]</c> (Srivastava et al.): y = T(x)·H(x) + (1 − T(x))·x, width-preserving, with
    /// H(x) = f(x·W_H + b_H) and the transform gate T(x) = σ(x·W_T + b_T). Lowered to two Dense ops (their
    /// activations fused into the GEMMs) and one gate op that reads x, H and T, so x fans out three ways and reverse
    /// mode accumulates its gradient. b_T starts negative (GateBias, −2 by default) so each layer starts close to the
    /// identity and gradients reach deep stacks. Manifest: <c>weight</c>, <c>bias</c> (H) and <c>gate.weight</c>,
    /// <c>gate.bias</c> (T).
    /// </summary>
    internal static class HighwayRules
    {
        public const string AttributeName = "ModelGen.HighwayAttribute";

        /// <summary><c>[Highway(activation)]</c>: Initializer, NegativeSlope, BiasInit (of H), GateBias (of T), Dropout.</summary>
        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            var activation = ActivationKind.ReLU;
            if (attribute.AttributeConstructor is null
                || (attribute.ConstructorArguments.Length > 0 && !TryReadEnum(attribute.ConstructorArguments[0], out activation))
                || !ActivationRules.IsElementWise(activation))
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Highway", "activation", "an element-wise activation (not Softmax or LogSoftmax)"));
            var options = new UnitOptions();
            float gateBias = -2f;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (options.TryRead(argument, "Highway", name, index, problems) || argument.Key != "GateBias")
                    continue;
                if (argument.Value.Value is float value && !float.IsNaN(value) && !float.IsInfinity(value))
                    gateBias = value;
                else
                    problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Highway", "GateBias", "a finite number"));
            }
            return new LayerDeclaration(name, modifiers, LayerKind.Highway, 0, activation, options.Initializer, options.NegativeSlope, options.BiasInit, options.Dropout, true,
                new HighwayOptions(gateBias), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            int input = LayerRules.SingleFlatInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            TensorShape shape = builder.Node(input).Shape;
            int width = builder.Node(input).Width;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? ActivationRules.DefaultInitializer(layer.Activation) : layer.Initializer;
            bool decayBiases = builder.Model.Regularization.DecayBiases;
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, TensorShape.Matrix(width, width), true, initializer, 0, width, width, true, transposed: true);
            int bias = builder.Parameter(layer.Name, "bias", ParameterRole.Bias, shape, true, InitializerKind.Default, layer.BiasInit, width, width, decayBiases);
            int gateWeight = builder.Parameter(layer.Name, "gate.weight", ParameterRole.Weight, TensorShape.Matrix(width, width), true, InitializerKind.GlorotUniform, 0, width, width, true, transposed: true);
            int gateBias = builder.Parameter(layer.Name, "gate.bias", ParameterRole.Bias, shape, true, InitializerKind.Default, ((HighwayOptions)layer.Options).GateBias, width, width, decayBiases);
            if (!builder.Fits)
                return Lowered.Failed;
            int transform = builder.Add(OpKind.Dense, layer.Name, index, shape, new DenseAttributes(weight, bias), input);
            transform = builder.Activation(transform, index, layer.Name, layer.Activation, layer.NegativeSlope);
            int gate = builder.Add(OpKind.Dense, layer.Name + ".Gate", index, shape, new DenseAttributes(gateWeight, gateBias), input);
            gate = builder.Activation(gate, index, layer.Name + ".Gate", ActivationKind.Sigmoid, 0);
            int node = builder.Add(OpKind.HighwayGate, layer.Name + ".Carry", index, shape, NoAttributes.Instance, input, transform, gate);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }

        /// <summary>ModelGen.Highway(model, name, units, activation, W_H, b_H, W_T, b_T).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            CodeWriter.Int(layer.Units), "global::ModelGen.Activation." + layer.Activation,
            slice("weight", false), slice("bias", false), slice("gate.weight", false), slice("gate.bias", false),
        };
    }
}
