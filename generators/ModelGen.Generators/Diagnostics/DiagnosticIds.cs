namespace ModelGen.Generators.Diagnostics
{
    /// <summary>Stable diagnostic IDs (tracked in analyzers/ModelGen.Analyzers/AnalyzerReleases.*.md).</summary>
    internal static class DiagnosticIds
    {
        // Declaration errors: the model cannot be generated as written.
        public const string ModelNotPartial = "MG1001";
        public const string NoLayers = "MG1002";
        public const string NonPositiveSize = "MG1003";
        public const string InvalidArgument = "MG1004";
        public const string InvalidLayerProperty = "MG1005";
        public const string LossOrOptimizerCount = "MG1006";
        public const string UnsupportedModelClass = "MG1007";
        public const string ReservedLayerName = "MG1008";

        // Pitfalls from the catalogue (shared/knowledge/diagnostics-catalogue.md).
        public const string SoftmaxOverSingleUnit = "MG0009";
        public const string DropoutRateInvalid = "MG0014";
        public const string ShapeMismatch = "MG0023";
    }
}
