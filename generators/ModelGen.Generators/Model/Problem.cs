using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Model
{
    /// <summary>Where in a model declaration a problem is; the analyzer turns it into a source location.</summary>
    internal enum SiteKind { Class, ModelAttribute, LossAttribute, OptimizerAttribute, ClipAttribute, ClipValueAttribute, WeightDecayAttribute, ScheduleAttribute, LayerAttribute, LayerProperty, HeadLossAttribute, L1PenaltyAttribute, ClipTensorNormAttribute, MaxNormAttribute, WeightNoiseAttribute }

    /// <summary>
    /// A problem found by extraction or shape checking: a diagnostic ID, its message arguments and its site.
    /// <see cref="Fix"/> names the one edit that cures it, when there is one (a code fix reads it from the diagnostic).
    /// </summary>
    internal sealed record Problem(string Id, SiteKind Site, int LayerIndex, EquatableArray<string> Arguments, string? Fix = null)
    {
        public static Problem At(string id, SiteKind site, params string[] arguments) => new Problem(id, site, -1, arguments.ToEquatableArray());

        public static Problem AtLayer(string id, SiteKind site, int layerIndex, params string[] arguments) => new Problem(id, site, layerIndex, arguments.ToEquatableArray());
    }
}
