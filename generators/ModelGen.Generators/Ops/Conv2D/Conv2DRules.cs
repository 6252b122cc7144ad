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
    /// <summary>A convolution's own declaration: its window (the filter count is the shared Units).</summary>
    internal sealed record Conv2DOptions(WindowDeclaration Window) : LayerOptions;

    /// <summary>
    /// <c>[Conv2D(filters, kernel, activation)]</c>: [C × H × W] → [filters × H′ × W′] as Conv2D → activation → dropout.
    /// Manifest entries as PyTorch's <c>Conv2d</c>: <c>weight</c> [filters × C × kh × kw] (fan-in C·kh·kw, fan-out
    /// filters·kh·kw) and <c>bias</c> [filters]. <c>[LocallyConnected2D]</c> declares and lowers the same way, with
    /// unshared parameters: <c>weight</c> [H′·W′ × filters × C·kh·kw] and <c>bias</c> [filters × H′ × W′].
    /// </summary>
    internal static class Conv2DRules
    {
        public const string AttributeName = "ModelGen.Conv2DAttribute";
        public const string UnsharedAttributeName = "ModelGen.LocallyConnected2DAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            LayerKind kind = attribute.AttributeClass?.ToDisplayString() == UnsharedAttributeName ? LayerKind.LocallyConnected2D : LayerKind.Conv2D;
            string kindName = kind.ToString();
            int filters = 0, kernel = 0;
            var activation = ActivationKind.Identity;
            if (attribute.AttributeConstructor is null
                || !TryReadConstructorArgument(attribute, 0, out filters)
                || !TryReadConstructorArgument(attribute, 1, out kernel)
                || (attribute.ConstructorArguments.Length > 2 && !TryReadEnum(attribute.ConstructorArguments[2], out activation)))
            {
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, "filters/kernel/activation", kindName + "(int filters, int kernel, Activation activation = Activation.Identity)"));
                filters = 0;
            }
            else if (!ActivationRules.IsElementWise(activation))
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, "activation", "an element-wise activation (not Softmax or LogSoftmax)"));

            var options = new UnitOptions();
            int kernelWidth = 0, stride = 1, dilation = 1, pad = 0;
            var padding = PaddingKind.Valid;
            void Invalid(string argument, string expected) => problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, kindName, argument, expected));
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (options.TryRead(argument, kindName, name, index, problems))
                    continue;
                object? value = argument.Value.Value;
                switch (argument.Key)
                {
                    case "KernelWidth" when value is int w && w >= 0: kernelWidth = w; break;
                    case "KernelWidth": Invalid("KernelWidth", "a positive width (0: the same as Kernel)"); break;
                    case "Stride" when value is int s && s > 0: stride = s; break;
                    case "Stride": Invalid("Stride", "a positive step"); break;
                    case "Dilation" when value is int d && d > 0: dilation = d; break;
                    case "Dilation": Invalid("Dilation", "a positive spacing (1: adjacent taps)"); break;
                    case "Padding" when TryReadEnum(argument.Value, out padding): break;
                    case "Padding": Invalid("Padding", "Padding.Valid or Padding.Same"); break;
                    case "Pad" when value is int p && p >= 0: pad = p; break;
                    case "Pad": Invalid("Pad", "a padding ≥ 0"); break;
                }
            }
            options.Check(kindName, index, problems);
            if (padding == PaddingKind.Same && pad > 0)
                Invalid("Pad", "no Pad with Padding.Same, which computes its own");
            var window = new WindowDeclaration(kernel, kernelWidth == 0 ? kernel : kernelWidth, stride, dilation, padding, pad);
            return new LayerDeclaration(name, modifiers, kind, filters, activation, options.Initializer, options.NegativeSlope, options.BiasInit, options.Dropout, options.UseBias,
                new Conv2DOptions(window), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);
        }

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            WindowDeclaration window = ((Conv2DOptions)layer.Options).Window;
            if (layer.Units <= 0 || window.KernelHeight <= 0 || window.KernelWidth <= 0)
            {
                string what = layer.Units <= 0 ? "Filters" : "Kernel";
                int value = layer.Units <= 0 ? layer.Units : Math.Min(window.KernelHeight, window.KernelWidth);
                builder.Problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, what, layer.Name, value.ToString(CultureInfo.InvariantCulture)));
                return Lowered.Failed;
            }
            int input = LayerRules.SingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            bool unshared = layer.Kind == LayerKind.LocallyConnected2D;
            WindowGeometry? geometry = WindowRules.Resolve(builder, index, layer.Kind.ToString(), builder.Node(input).Shape, layer.Units, window);
            if (geometry is null)
                return Lowered.Failed;
            int taps = window.KernelHeight * window.KernelWidth, fanIn = geometry.Channels * taps, fanOut = layer.Units * taps;
            InitializerKind initializer = layer.Initializer == InitializerKind.Default ? ActivationRules.DefaultInitializer(layer.Activation) : layer.Initializer;
            int positions = geometry.OutputHeight * geometry.OutputWidth;
            var weightShape = new TensorShape((unshared
                ? new[] { positions, layer.Units, fanIn }
                : new[] { layer.Units, geometry.Channels, window.KernelHeight, window.KernelWidth }).ToEquatableArray());
            TensorShape biasShape = unshared ? geometry.Output : TensorShape.Vector(layer.Units);
            // An orthogonal initialization fills [filters × channels·k²] blocks (one per position when unshared), as
            // PyTorch's orthogonal_ flattens a kernel; fan-out counts only for the variance-scaling initializers.
            int weight = builder.Parameter(layer.Name, "weight", ParameterRole.Weight, weightShape, true, initializer, 0, fanIn,
                initializer == InitializerKind.Orthogonal ? layer.Units : fanOut, decayed: true, gain: ActivationRules.OrthogonalGain(layer.Activation, layer.NegativeSlope));
            int bias = layer.UseBias
                ? builder.Parameter(layer.Name, "bias", ParameterRole.Bias, biasShape, true, InitializerKind.Default, layer.BiasInit, fanIn, fanOut, builder.Model.Regularization.DecayBiases)
                : -1;
            if (!builder.Fits)
                return Lowered.Failed;
            int node = builder.Add(unshared ? OpKind.LocallyConnected2D : OpKind.Conv2D, layer.Name, index, geometry.Output, new Conv2DAttributes(weight, bias, geometry), input);
            node = builder.Activation(node, index, layer.Name, layer.Activation, layer.NegativeSlope);
            return new Lowered(builder.Dropout(node, index, layer.Name, layer.Dropout), initializer);
        }

        /// <summary>ModelGen.Conv2D / LocallyConnected2D(model, name, shape, activation, W, b, dW, db).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            layer.Geometry is null ? "default" : Conv2DOp.Shape(layer.Geometry), "global::ModelGen.Activation." + layer.Activation,
            slice("weight", false), slice("bias", false), slice("weight", true), slice("bias", true),
        };
    }
}
