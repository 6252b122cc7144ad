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
    /// <summary>A recurrent layer's own declaration.</summary>
    internal sealed record RecurrentOptions(CellKind Cell, bool ReturnSequences, bool Bidirectional, InitializerKind RecurrentInitializer, float ForgetBias) : LayerOptions;

    /// <summary>
    /// <c>[SimpleRnn(units, activation)]</c>, <c>[Lstm(units)]</c>, <c>[Gru(units)]</c>: a sequence [steps × features] →
    /// [steps × units] (ReturnSequences) or the last real step's state [units]; Bidirectional adds the reverse direction
    /// and concatenates ([… × 2·units], PyTorch's order: forward first). Lowers to one Recurrent op per direction (and a
    /// Concat), then dropout. Manifest entries as PyTorch's one-layer nn.RNN/LSTM/GRU: <c>weight_ih_l0</c> [G·units ×
    /// features] (Glorot uniform per gate), <c>weight_hh_l0</c> [G·units × units] (orthogonal per gate), <c>bias_ih_l0</c>
    /// and <c>bias_hh_l0</c> [G·units] (0; an LSTM's forget block of b_ih starts at ForgetBias), and <c>…_reverse</c>.
    /// </summary>
    internal static class RecurrentRules
    {
        public const string SimpleRnnAttributeName = "ModelGen.SimpleRnnAttribute";
        public const string LstmAttributeName = "ModelGen.LstmAttribute";
        public const string GruAttributeName = "ModelGen.GruAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            (LayerKind kind, CellKind cell) = attribute.AttributeClass?.ToDisplayString() switch
            {
                LstmAttributeName => (LayerKind.Lstm, CellKind.Lstm),
                GruAttributeName => (LayerKind.Gru, CellKind.Gru),
                _ => (LayerKind.SimpleRnn, CellKind.SimpleRnn),
            };
            string kindName = kind.ToString();
            var activation = cell == CellKind.SimpleRnn ? ActivationKind.Tanh : ActivationKind.Identity;
            if (attribute.AttributeConstructor is null
                || !TryReadConstructorArgument(attribute, 0, out int units)
                || (cell == CellKind.SimpleRnn && attribute.ConstructorArguments.Length > 1 && !TryReadEnum(attribute.ConstructorArguments[1], out activation)))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, "units",
                    cell == CellKind.SimpleRnn ? "SimpleRnn(int units, Activation activation = Activation.Tanh)" : kindName + "(int units)"));
                units = 0;
            }
            else if (cell == CellKind.SimpleRnn && activation is not (ActivationKind.Tanh or ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Sigmoid or ActivationKind.Identity))
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, "activation", "Tanh, ReLU, LeakyReLU, Sigmoid or Identity"));

            bool returnSequences = false, bidirectional = false;
            var initializer = InitializerKind.Default;
            var recurrentInitializer = InitializerKind.Default;
            float forgetBias = 1f, dropout = 0;
            void Invalid(string argument, string expected) => problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, argument, expected));
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                object? value = argument.Value.Value;
                switch (argument.Key)
                {
                    case "ReturnSequences" when value is bool b: returnSequences = b; break;
                    case "Bidirectional" when value is bool b: bidirectional = b; break;
                    case "Initializer" when TryReadEnum(argument.Value, out initializer): break;
                    case "Initializer": Invalid("Initializer", "a defined ModelGen.Initializer value"); break;
                    case "RecurrentInitializer" when TryReadEnum(argument.Value, out recurrentInitializer): break;
                    case "RecurrentInitializer": Invalid("RecurrentInitializer", "a defined ModelGen.Initializer value"); break;
                    case "ForgetBias" when value is float f && !float.IsNaN(f) && !float.IsInfinity(f): forgetBias = f; break;
                    case "ForgetBias": Invalid("ForgetBias", "a finite number"); break;
                    case "Dropout": dropout = ReadDropout(argument.Value, kindName, name, index, problems); break;
                }
            }
            return new LayerDeclaration(name, modifiers, kind, units, activation, initializer, 0.01f, 0, dropout, true,
                new RecurrentOptions(cell, returnSequences, bidirectional, recurrentInitializer, forgetBias), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            var options = (RecurrentOptions)layer.Options;
            int input = LayerRules.SizedSingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            TensorShape inputShape = builder.Node(input).Shape;
            if (!inputShape.IsSequence || inputShape.Rank != 1)
            {
                builder.ShapeError(index, $"a {layer.Kind} layer reads a sequence [steps × features] (an Embedding, or a recurrent layer with ReturnSequences = true), but gets {inputShape}",
                    inputShape.IsSequence ? null : "ReturnSequences");
                return Lowered.Failed;
            }
            int features = builder.Node(input).Width, units = layer.Units, steps = inputShape.Steps;
            var attributes = new RecurrentAttributes(options.Cell, layer.Activation, layer.NegativeSlope, units, steps, false, options.ReturnSequences, 0, 0, 0, 0);
            int gates = attributes.GateCount * units;
            InitializerKind inputInitializer = layer.Initializer == InitializerKind.Default ? InitializerKind.GlorotUniform : layer.Initializer;
            InitializerKind hiddenInitializer = options.RecurrentInitializer == InitializerKind.Default ? InitializerKind.Orthogonal : options.RecurrentInitializer;
            TensorShape directionShape = options.ReturnSequences ? TensorShape.Sequence(steps, units) : TensorShape.Vector(units);

            int Direction(bool reverse, string nodeName)
            {
                string suffix = reverse ? "_reverse" : "";
                int inputWeight = builder.Parameter(layer.Name, "weight_ih_l0" + suffix, ParameterRole.Weight, TensorShape.Matrix(gates, features), true,
                    inputInitializer, 0, fanIn: features, fanOut: units, decayed: true);
                int hiddenWeight = builder.Parameter(layer.Name, "weight_hh_l0" + suffix, ParameterRole.Weight, TensorShape.Matrix(gates, units), true,
                    hiddenInitializer, 0, fanIn: units, fanOut: units, decayed: true);
                int inputBias = builder.Parameter(layer.Name, "bias_ih_l0" + suffix, ParameterRole.Bias, TensorShape.Vector(gates), true,
                    InitializerKind.Default, 0, features, units, builder.Model.Regularization.DecayBiases);
                int hiddenBias = builder.Parameter(layer.Name, "bias_hh_l0" + suffix, ParameterRole.Bias, TensorShape.Vector(gates), true,
                    InitializerKind.Default, 0, units, units, builder.Model.Regularization.DecayBiases);
                if (!builder.Fits)
                    return -1;
                if (options.Cell == CellKind.Lstm && options.ForgetBias != 0)
                    builder.Parameters[inputBias] = builder.Parameters[inputBias] with { Segment = new SegmentFill(units, units, options.ForgetBias) };
                return builder.Add(OpKind.Recurrent, nodeName, index, directionShape,
                    attributes with { Reverse = reverse, InputWeight = inputWeight, HiddenWeight = hiddenWeight, InputBias = inputBias, HiddenBias = hiddenBias }, input);
            }

            int node;
            if (!options.Bidirectional)
                node = Direction(false, layer.Name);
            else
            {
                int forward = Direction(false, layer.Name + ".Forward");
                int backward = forward < 0 ? -1 : Direction(true, layer.Name + ".Reverse");
                node = backward < 0 ? -1 : builder.Add(OpKind.Concat, layer.Name, index,
                    options.ReturnSequences ? TensorShape.Sequence(steps, 2 * units) : TensorShape.Vector(2 * units), NoAttributes.Instance, forward, backward);
            }
            if (node < 0)
                return Lowered.Failed;
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), inputInitializer);
        }

        /// <summary>
        /// ModelGen.Lstm(model, name, inputs, units, [activation,] returnSequences, W_ih, W_hh, b_ih, b_hh of each direction;
        /// the reverse ones empty when the layer is not bidirectional).
        /// </summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice)
        {
            var options = (RecurrentOptions)layer.Options;
            var arguments = new List<string> { CodeWriter.Int(layer.Inputs), CodeWriter.Int(options.Bidirectional ? layer.Units / 2 : layer.Units) };
            if (options.Cell == CellKind.SimpleRnn)
                arguments.Add("global::ModelGen.Activation." + layer.Activation);
            arguments.Add(options.ReturnSequences ? "true" : "false");
            foreach (string suffix in new[] { "", "_reverse" })
                foreach (string tensor in new[] { "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0" })
                    arguments.Add(slice(tensor + suffix, false));
            return arguments.ToArray();
        }
    }
}
