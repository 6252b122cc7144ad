using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// Pipeline step 2: propagates widths through the layers with each op's shape rule, lays out the
    /// parameter buffer and checks the loss against the output. Shared with the analyzer.
    /// </summary>
    internal static class ShapeChecker
    {
        public static CheckedModel Check(ModelDeclaration model)
        {
            var problems = new List<Problem>(model.Problems);
            if (problems.Any(p => p.Id == DiagnosticIds.ModelNotPartial))
                return new CheckedModel(model, EquatableArray<LayerShape>.Empty, 0, model.Problems);
            if (model.InputSize <= 0 && !problems.Any(p => p.Site == SiteKind.ModelAttribute))
                problems.Add(Problem.At(DiagnosticIds.NonPositiveSize, SiteKind.ModelAttribute, "InputSize", model.ClassName, model.InputSize.ToString(CultureInfo.InvariantCulture)));
            if (model.Layers.Count == 0)
                problems.Add(Problem.At(DiagnosticIds.NoLayers, SiteKind.Class, model.ClassName));

            var layers = new List<LayerShape>();
            int width = model.InputSize;
            long offset = 0;
            for (int index = 0; index < model.Layers.Count; index++)
            {
                LayerDeclaration layer = model.Layers[index];
                bool alreadyReported = problems.Any(p => p.LayerIndex == index);
                bool normalization = layer.Kind == LayerKind.BatchNorm;
                int units = normalization ? BatchNormOp.InferShape(width) : DenseOp.InferShape(layer, index, alreadyReported, problems);
                long weights = normalization ? units : (long)width * units;
                int biases = normalization || layer.UseBias ? units : 0;
                if (offset + weights + biases > int.MaxValue)
                {
                    problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, "Dense", "units", "a size that keeps the model under 2^31 parameters"));
                    break;
                }
                InitializerKind initializer = normalization ? InitializerKind.Default
                    : layer.Initializer == InitializerKind.Default ? ActivationOp.DefaultInitializer(layer.Activation) : layer.Initializer;
                layers.Add(new LayerShape(
                    layer.Name, layer.Modifiers, layer.Kind, width, units, layer.Activation, initializer,
                    layer.NegativeSlope, layer.BiasInit, layer.Dropout, layer.UseBias, layer.Momentum, layer.Epsilon,
                    (int)offset, (int)(offset + weights)));
                offset += weights + biases;
                width = units;
            }

            if (layers.Count == model.Layers.Count && layers.Count > 0 && layers[layers.Count - 1].Units > 0)
                LossOp.For(model.Loss)?.CheckOutput(layers[layers.Count - 1], layers.Count - 1, problems);

            return new CheckedModel(model, layers.ToEquatableArray(), (int)offset, problems.ToEquatableArray());
        }
    }
}
