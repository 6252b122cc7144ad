using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Extraction
{
    /// <summary>The attributes and properties each <see cref="SiteKind"/> refers to. Held only outside the incremental pipeline.</summary>
    internal sealed class Sites
    {
        public Sites(INamedTypeSymbol model) => Model = model;

        public INamedTypeSymbol Model { get; }
        public AttributeData? ModelAttribute { get; set; }
        public AttributeData? LossAttribute { get; set; }
        public AttributeData? OptimizerAttribute { get; set; }
        public AttributeData? ClipAttribute { get; set; }
        public AttributeData? ClipValueAttribute { get; set; }
        public AttributeData? ClipTensorNormAttribute { get; set; }
        public AttributeData? MaxNormAttribute { get; set; }
        public AttributeData? WeightNoiseAttribute { get; set; }
        public AttributeData? WeightDecayAttribute { get; set; }
        public AttributeData? L1PenaltyAttribute { get; set; }
        public AttributeData? ScheduleAttribute { get; set; }
        public List<(AttributeData Attribute, IPropertySymbol Property)> Layers { get; } = new List<(AttributeData, IPropertySymbol)>();

        /// <summary>The loss attribute on each layer property that has one (a head), by layer index.</summary>
        public Dictionary<int, AttributeData> HeadLosses { get; } = new Dictionary<int, AttributeData>();
    }

    /// <summary>A declaration plus the means to place its problems in source.</summary>
    internal sealed class ExtractionResult
    {
        private readonly Sites _sites;

        public ExtractionResult(ModelDeclaration model, Sites sites)
        {
            Model = model;
            _sites = sites;
        }

        public ModelDeclaration Model { get; }

        public Location Locate(Problem problem) => Locate(problem.Site, problem.LayerIndex);

        /// <summary>The attribute or identifier a site names; the class name when that syntax is missing.</summary>
        public Location Locate(SiteKind site, int layerIndex)
        {
            Location? location = site switch
            {
                SiteKind.ModelAttribute => Of(_sites.ModelAttribute),
                SiteKind.LossAttribute => Of(_sites.LossAttribute),
                SiteKind.OptimizerAttribute => Of(_sites.OptimizerAttribute),
                SiteKind.ClipAttribute => Of(_sites.ClipAttribute),
                SiteKind.ClipValueAttribute => Of(_sites.ClipValueAttribute),
                SiteKind.ClipTensorNormAttribute => Of(_sites.ClipTensorNormAttribute),
                SiteKind.MaxNormAttribute => Of(_sites.MaxNormAttribute),
                SiteKind.WeightNoiseAttribute => Of(_sites.WeightNoiseAttribute),
                SiteKind.WeightDecayAttribute => Of(_sites.WeightDecayAttribute),
                SiteKind.L1PenaltyAttribute => Of(_sites.L1PenaltyAttribute),
                SiteKind.ScheduleAttribute => Of(_sites.ScheduleAttribute),
                SiteKind.LayerAttribute when layerIndex >= 0 && layerIndex < _sites.Layers.Count => Of(_sites.Layers[layerIndex].Attribute),
                SiteKind.HeadLossAttribute when _sites.HeadLosses.TryGetValue(layerIndex, out AttributeData? loss) => Of(loss),
                SiteKind.LayerProperty when layerIndex >= 0 && layerIndex < _sites.Layers.Count => _sites.Layers[layerIndex].Property.Locations.FirstOrDefault(),
                _ => null,
            };
            return location ?? _sites.Model.Locations.FirstOrDefault() ?? Location.None;
        }

        private static Location? Of(AttributeData? attribute) => attribute?.ApplicationSyntaxReference?.GetSyntax().GetLocation();
    }
}
