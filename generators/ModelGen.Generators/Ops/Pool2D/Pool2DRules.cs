using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;
using static ModelGen.Generators.Extraction.AttributeReader;

namespace ModelGen.Generators.Ops
{
    /// <summary>A pooling's own declaration: its window (null for global pooling, whose window is the whole map).</summary>
    internal sealed record Pool2DOptions(WindowDeclaration? Window) : LayerOptions;

    /// <summary>
    /// <c>[MaxPool2D(kernel)]</c>, <c>[AvgPool2D(kernel)]</c>: [C × H × W] → [C × H′ × W′], stride defaulting to the
    /// kernel; <c>[GlobalAvgPool]</c>: [C × H × W] → [C]. No parameters.
    /// </summary>
    internal static class Pool2DRules
    {
        public const string MaxAttributeName = "ModelGen.MaxPool2DAttribute";
        public const string AvgAttributeName = "ModelGen.AvgPool2DAttribute";
        public const string GlobalAttributeName = "ModelGen.GlobalAvgPoolAttribute";

        public static LayerDeclaration Read(AttributeData attribute, string name, string modifiers, int index, List<Problem> problems)
        {
            string attributeName = attribute.AttributeClass?.ToDisplayString() ?? "";
            if (attributeName == GlobalAttributeName)
                return Declaration(name, modifiers, LayerKind.GlobalAvgPool, null);
            LayerKind kind = attributeName == MaxAttributeName ? LayerKind.MaxPool2D : LayerKind.AvgPool2D;
            string shortName = kind.ToString();
            void Invalid(string argument, string expected) => problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, shortName, argument, expected));
            if (attribute.AttributeConstructor is null || !TryReadConstructorArgument(attribute, 0, out int kernel))
            {
                Invalid("kernel", $"{shortName}(int kernel)");
                kernel = 0;
            }
            int stride = 0, pad = 0;
            var padding = PaddingKind.Valid;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                object? value = argument.Value.Value;
                switch (argument.Key)
                {
                    case "Stride" when value is int s && s >= 0: stride = s; break;
                    case "Stride": Invalid("Stride", "a positive step (0: the kernel size)"); break;
                    case "Padding" when TryReadEnum(argument.Value, out padding): break;
                    case "Padding": Invalid("Padding", "Padding.Valid or Padding.Same"); break;
                    case "Pad" when value is int p && p >= 0: pad = p; break;
                    case "Pad": Invalid("Pad", "a padding ≥ 0"); break;
                }
            }
            if (padding == PaddingKind.Same && pad > 0)
                Invalid("Pad", "no Pad with Padding.Same, which computes its own");
            else if (kernel > 0 && pad > kernel / 2)
                Invalid("Pad", $"at most half the kernel ({kernel / 2}): a window of padding alone has nothing to pool");
            return Declaration(name, modifiers, kind, new WindowDeclaration(kernel, kernel, stride == 0 ? kernel : stride, 1, padding, pad));
        }

        private static LayerDeclaration Declaration(string name, string modifiers, LayerKind kind, WindowDeclaration? window)
            => new LayerDeclaration(name, modifiers, kind, 0, ActivationKind.Identity, InitializerKind.Default, 0, 0, 0, false,
                new Pool2DOptions(window), LayerWiring.Sequential, PropertySignature.None, LossDeclaration.None);

        public static Lowered Lower(GraphBuilder builder, int index, LayerDeclaration layer, int[] inputs)
        {
            WindowDeclaration? window = ((Pool2DOptions)layer.Options).Window;
            if (window is not null && window.KernelHeight <= 0)
            {
                builder.Problems.Add(Problem.AtLayer(DiagnosticIds.NonPositiveSize, SiteKind.LayerAttribute, index, "Kernel", layer.Name, window.KernelHeight.ToString(CultureInfo.InvariantCulture)));
                return Lowered.Failed;
            }
            int input = LayerRules.SingleInput(builder, index, layer, inputs);
            if (input < 0)
                return Lowered.Failed;
            TensorShape shape = builder.Node(input).Shape;
            if (window is null && shape.Rank == 3)
                window = new WindowDeclaration(shape.Dimensions[1], shape.Dimensions[2], 1, 1, PaddingKind.Valid, 0);
            WindowGeometry? geometry = WindowRules.Resolve(builder, index, layer.Kind.ToString(), shape, -1, window ?? new WindowDeclaration(1, 1, 1, 1, PaddingKind.Valid, 0));
            if (geometry is null)
                return Lowered.Failed;
            TensorShape output = layer.Kind == LayerKind.GlobalAvgPool ? TensorShape.Vector(geometry.Channels) : geometry.Output;
            OpKind op = layer.Kind == LayerKind.MaxPool2D ? OpKind.MaxPool2D : OpKind.AvgPool2D;
            return new Lowered(builder.Add(op, layer.Name, index, output, new Pool2DAttributes(geometry), input), InitializerKind.Default);
        }

        /// <summary>ModelGen.MaxPool2D / AvgPool2D / GlobalAvgPool(model, name, shape).</summary>
        public static string[] View(LayerShape layer, Func<string, bool, string> slice) => new[]
        {
            layer.Geometry is null ? "default" : Pool2DOp.Shape(layer.Geometry),
        };
    }
}
