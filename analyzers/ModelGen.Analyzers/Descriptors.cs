using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;

namespace ModelGen.Analyzers
{
    /// <summary>Every diagnostic ModelGen reports on model declarations. Help pages: docs/diagnostics/ID.md.</summary>
    internal static class Descriptors
    {
        private const string HelpBase = "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics/";

        public static readonly DiagnosticDescriptor ModelNotPartial = Error(DiagnosticIds.ModelNotPartial, "ModelGen.Declaration",
            "Model class must be partial",
            "Model class '{0}' must be declared 'partial' so ModelGen can generate its implementation");

        public static readonly DiagnosticDescriptor NoLayers = Error(DiagnosticIds.NoLayers, "ModelGen.Declaration",
            "Model has no layers",
            "Model '{0}' declares no layers; add at least one '[Dense(units)] partial Dense Name {{ get; }}' property");

        public static readonly DiagnosticDescriptor NonPositiveSize = Error(DiagnosticIds.NonPositiveSize, "ModelGen.Shape",
            "Size must be positive",
            "{0} of '{1}' must be positive, but is {2}");

        public static readonly DiagnosticDescriptor InvalidArgument = Error(DiagnosticIds.InvalidArgument, "ModelGen.Declaration",
            "Invalid attribute argument",
            "[{0}] argument '{1}' is missing or invalid; expected {2}");

        public static readonly DiagnosticDescriptor InvalidLayerProperty = Error(DiagnosticIds.InvalidLayerProperty, "ModelGen.Declaration",
            "Layer must be a partial get-only layer property",
            "Layer '{0}' must be an instance property declared 'partial {1} {0} {{ get; }}'");

        public static readonly DiagnosticDescriptor LossOrOptimizerCount = Error(DiagnosticIds.LossOrOptimizerCount, "ModelGen.Declaration",
            "Model needs exactly one loss and one optimizer",
            "Model '{0}' must declare exactly one {1} ({2}), but declares {3}");

        public static readonly DiagnosticDescriptor UnsupportedModelClass = Error(DiagnosticIds.UnsupportedModelClass, "ModelGen.Declaration",
            "Unsupported model class",
            "Model '{0}' cannot be generated: {1}");

        public static readonly DiagnosticDescriptor ReservedLayerName = Error(DiagnosticIds.ReservedLayerName, "ModelGen.Declaration",
            "Layer name is reserved",
            "Layer '{0}' has the name of a member ModelGen generates on '{1}' (InputSize, OutputSize, ParameterCount, StateCount, Manifest, Parameters, State, Parameter, Step, TrainStep, ComputeLoss, Predict, Network, DebugView); rename the layer");

        public static readonly DiagnosticDescriptor SoftmaxOverSingleUnit = Error(DiagnosticIds.SoftmaxOverSingleUnit, "ModelGen.Loss",
            "Softmax over a single unit",
            "Softmax cross-entropy on output layer '{0}' with {1} unit(s) is constant (softmax of one value is always 1); use 2 or more classes, or MeanSquaredError");

        public static readonly DiagnosticDescriptor DropoutRateInvalid = Error(DiagnosticIds.DropoutRateInvalid, "ModelGen.Regularization",
            "Dropout rate invalid",
            "Dropout rate {1} on {0} is invalid; a rate is a probability in [0, 1) (at 1 every unit is dropped and the survivors' scale 1/(1 − rate) is infinite)");

        public static readonly DiagnosticDescriptor ShapeMismatch = Error(DiagnosticIds.ShapeMismatch, "ModelGen.Shape",
            "Shape mismatch",
            "Layer '{0}' does not fit its wiring: {1}");

        public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
            ModelNotPartial, NoLayers, NonPositiveSize, InvalidArgument, InvalidLayerProperty, LossOrOptimizerCount, UnsupportedModelClass, ReservedLayerName, SoftmaxOverSingleUnit,
            DropoutRateInvalid, ShapeMismatch);

        private static readonly Dictionary<string, DiagnosticDescriptor> ById = All.ToDictionary(d => d.Id);

        public static DiagnosticDescriptor For(string id) => ById[id];

        private static DiagnosticDescriptor Error(string id, string category, string title, string message)
            => new DiagnosticDescriptor(id, title, message, category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id + ".md");
    }
}
