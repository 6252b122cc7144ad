using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Model;
using ModelGen.Generators.Ops;

namespace ModelGen.Generators.Shapes
{
    /// <summary>
    /// Pipeline step 2: resolves the wiring, lowers every layer to graph ops with its rule (Ops/&lt;Kind&gt;/*Rules.cs,
    /// found through <see cref="LayerRules"/>), infers every shape, lays out the parameter manifest and checks the
    /// loss against the output. Shared with the analyzers, which report its problems.
    /// </summary>
    internal static class ShapeChecker
    {
        /// <summary>The name a layer's <c>Input</c> uses to read the model's input (ModelGen.Layers.ModelInput).</summary>
        public const string ModelInput = "$input";

        public static CheckedModel Check(ModelDeclaration model)
        {
            var problems = new List<Problem>(model.Problems);
            if (problems.Any(p => p.Id == DiagnosticIds.ModelNotPartial))
                return Empty(model, problems);
            if (model.InputSize <= 0 && !problems.Any(p => p.Site == SiteKind.ModelAttribute))
                problems.Add(Problem.At(DiagnosticIds.NonPositiveSize, SiteKind.ModelAttribute, "InputSize", model.ClassName, model.InputSize.ToString(CultureInfo.InvariantCulture)));
            if (model.Layers.Count == 0)
                problems.Add(Problem.At(DiagnosticIds.NoLayers, SiteKind.Class, model.ClassName));
            if (model.InputSize <= 0)
                return Empty(model, problems);

            var builder = new GraphBuilder(model, problems);
            int input;
            if (model.TakesFeatureSequences)
            {
                // A time series arrives sample-major, as callers hold it; the network runs time-major from here on.
                TensorShape sequence = TensorShape.Sequence(model.InputShape[0], model.InputShape[1]);
                input = builder.Add(OpKind.Input, "Inputs", -1, sequence, NoAttributes.Instance);
                input = builder.Add(OpKind.TimeMajor, "Inputs.TimeMajor", -1, sequence, NoAttributes.Instance, input);
            }
            else
                input = builder.Add(OpKind.Input, "Inputs", -1, new TensorShape(model.InputShape), NoAttributes.Instance);
            if (!model.TakesTokens) // dropout on token ids is reported by extraction
                input = builder.Dropout(input, -1, "Inputs", model.Regularization.InputDropout);

            var outputs = new int[model.Layers.Count];
            var shapes = new List<LayerShape>();
            var names = new Dictionary<string, int>();
            for (int index = 0; index < model.Layers.Count && builder.Fits; index++)
            {
                LayerDeclaration layer = model.Layers[index];
                outputs[index] = -1;
                bool reported = problems.Any(p => p.LayerIndex == index);
                int[]? sources = ResolveInputs(builder, layer, index, names, outputs, input);
                int residual = -2, residualNode = -1;
                if (sources is not null && layer.Wiring.Residual is string residualName)
                {
                    residual = Resolve(residualName, names, index);
                    if (residual < -1)
                    {
                        builder.ShapeError(index, $"its residual '{residualName}' is not a layer declared before it");
                        sources = null;
                    }
                    else
                        residualNode = residual == -1 ? input : outputs[residual];
                }
                names[layer.Name] = index;
                if (sources is null || sources.Any(s => s >= 0 && outputs[s] < 0) || (residual >= 0 && residualNode < 0) || reported)
                    continue; // an unresolved or failed input: its own problem was reported
                int[] inputNodes = sources.Select(s => s < 0 ? input : outputs[s]).ToArray();
                if (model.TakesTokens && layer.Kind != LayerKind.Embedding && sources.Contains(-1))
                {
                    builder.ShapeError(index, $"it reads the model's token ids [{model.SequenceLength}], which only an [Embedding] can read");
                    continue;
                }
                var lowered = LayerRules.Lower(builder, index, layer, inputNodes, residualNode);
                if (lowered.Output < 0)
                    continue;
                outputs[index] = lowered.Output;
                WindowGeometry? geometry = builder.Nodes.Where(n => n.Layer == index)
                    .Select(n => n.Attributes switch { Conv2DAttributes c => c.Geometry, Pool2DAttributes p => p.Geometry, _ => null })
                    .FirstOrDefault(g => g is not null);
                shapes.Add(new LayerShape(layer.Name, layer.Modifiers, layer.Kind, layer.Activation, lowered.Initializer, layer.NegativeSlope, layer.BiasInit, layer.Dropout, layer.UseBias,
                    sources.ToEquatableArray(), residual, builder.Node(inputNodes[0]).Shape, builder.Node(lowered.Output).Shape, geometry, layer.Options));
            }

            if (shapes.Count != model.Layers.Count || problems.Count > 0)
                return new CheckedModel(model, shapes.ToEquatableArray(), EquatableArray<OpNode>.Empty, EquatableArray<ParameterTensor>.Empty, 0, 0,
                    EquatableArray<HeadShape>.Empty, problems.ToEquatableArray());

            var heads = Heads(model, outputs);
            var built = new CheckedModel(model, shapes.ToEquatableArray(), builder.Nodes.ToEquatableArray(), builder.Parameters.ToEquatableArray(),
                builder.ParameterCount, builder.StateCount, heads.ToEquatableArray(), EquatableArray<Problem>.Empty);
            for (int index = 0; index < shapes.Count; index++)
                if (built.Consumers(index).Length == 0 && !built.IsHead(index))
                    builder.ShapeError(index, built.IsMultiTask
                        ? "its output is never used: every layer must feed a later one (by order, Input, Concat or Residual) or be a head (carry a loss attribute)"
                        : "its output is never used: every layer but the last must feed a later one (by order, Input, Concat or Residual)");
            foreach (HeadShape head in heads)
                LossOp.For(head.Loss)?.CheckOutput(shapes[head.Layer], head.Layer, problems);
            // A graph with problems is never emitted: the analyzers still get the layer shapes to reason about.
            return problems.Count == 0 ? built : built with { Nodes = EquatableArray<OpNode>.Empty, Parameters = EquatableArray<ParameterTensor>.Empty, Problems = problems.ToEquatableArray() };
        }

        private static CheckedModel Empty(ModelDeclaration model, List<Problem> problems)
            => new CheckedModel(model, EquatableArray<LayerShape>.Empty, EquatableArray<OpNode>.Empty, EquatableArray<ParameterTensor>.Empty, 0, 0,
                EquatableArray<HeadShape>.Empty, problems.ToEquatableArray());

        /// <summary>The class-level loss on the last layer, or every layer that carries a loss, in declaration order.</summary>
        private static List<HeadShape> Heads(ModelDeclaration model, int[] outputs)
        {
            var heads = new List<HeadShape>();
            if (model.Loss.Kind != LossKind.None)
            {
                int last = model.Layers.Count - 1;
                string targets = LossOp.For(model.Loss)!.TargetName;
                heads.Add(new HeadShape(model.Layers[last].Name, last, outputs[last], model.Loss, targets, "outputs"));
                return heads;
            }
            for (int index = 0; index < model.Layers.Count; index++)
            {
                LayerDeclaration layer = model.Layers[index];
                if (layer.Head.Kind == LossKind.None)
                    continue;
                string prefix = Helpers.CodeWriter.Camel(layer.Name);
                string suffix = LossOp.For(layer.Head)!.TargetName;
                heads.Add(new HeadShape(layer.Name, index, outputs[index], layer.Head, prefix + char.ToUpperInvariant(suffix[0]) + suffix.Substring(1), prefix + "Outputs"));
            }
            return heads;
        }

        /// <summary>Layer indices a layer reads (−1: the model input), or null after reporting a name that does not resolve.</summary>
        private static int[]? ResolveInputs(GraphBuilder builder, LayerDeclaration layer, int index, Dictionary<string, int> names, int[] outputs, int input)
        {
            if (layer.Wiring.Inputs.Count == 0)
            {
                if (layer.Kind == LayerKind.Concat)
                {
                    builder.ShapeError(index, "a concatenation needs the names of at least two layers, e.g. [Concat(nameof(A), nameof(B))]");
                    return null;
                }
                return new[] { index - 1 };
            }
            var sources = new int[layer.Wiring.Inputs.Count];
            for (int i = 0; i < sources.Length; i++)
            {
                sources[i] = Resolve(layer.Wiring.Inputs[i], names, index);
                if (sources[i] < -1)
                {
                    builder.ShapeError(index, $"it reads '{layer.Wiring.Inputs[i]}', which is not a layer declared before it (nor Layers.ModelInput)");
                    return null;
                }
            }
            return sources;
        }

        /// <summary>−1 for the model input, a layer index, or −2 when the name is not an earlier layer.</summary>
        private static int Resolve(string name, Dictionary<string, int> names, int index)
            => name == ModelInput ? -1 : names.TryGetValue(name, out int source) && source < index ? source : -2;
    }
}
