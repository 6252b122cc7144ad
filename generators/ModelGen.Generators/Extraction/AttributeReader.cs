using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Extraction
{
    /// <summary>
    /// Reading attribute arguments without ever throwing: what the layer rules (Ops/&lt;Kind&gt;/*Rules.cs) and the model
    /// extractor share. An argument that cannot be read becomes a <see cref="Problem"/> and a fallback value.
    /// </summary>
    internal static class AttributeReader
    {
        internal static T ReadNamed<T>(AttributeData attribute, string name, T fallback, string attributeName, SiteKind site, List<Problem> problems)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key != name)
                    continue;
                if (argument.Value.Kind != TypedConstantKind.Error && argument.Value.Value is T value)
                    return value;
                problems.Add(Problem.At(DiagnosticIds.InvalidArgument, site, attributeName, name, "a constant of type " + typeof(T).Name));
            }
            return fallback;
        }

        internal static bool TryReadConstructorArgument<T>(AttributeData attribute, int index, out T value)
        {
            if (attribute.ConstructorArguments.Length > index
                && attribute.ConstructorArguments[index].Kind != TypedConstantKind.Error
                && attribute.ConstructorArguments[index].Value is T typed)
            {
                value = typed;
                return true;
            }
            value = default!;
            return false;
        }

        internal static bool TryReadEnum<TEnum>(TypedConstant constant, out TEnum value) where TEnum : struct, Enum
        {
            value = default;
            if (constant.Kind != TypedConstantKind.Enum || !(constant.Value is int raw) || !Enum.IsDefined(typeof(TEnum), raw))
                return false;
            value = (TEnum)(object)raw;
            return true;
        }

        internal static float ReadDropout(TypedConstant value, string attribute, string layer, int index, List<Problem> problems)
        {
            if (!(value.Value is float rate))
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, attribute, "Dropout", "a constant of type Single"));
            else if (!IsDropoutRate(rate))
                problems.Add(Problem.AtLayer(DiagnosticIds.DropoutRateInvalid, SiteKind.LayerAttribute, index, "layer '" + layer + "'", Number(rate)));
            else
                return rate;
            return 0;
        }

        /// <summary>A dropout rate the runtime can apply: in [0, 1) (at 1 every unit is dropped and 1/(1 − rate) is infinite).</summary>
        internal static bool IsDropoutRate(float rate) => rate >= 0 && rate < 1;

        internal static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The named arguments Dense-like layers (Dense, Conv2D, LocallyConnected2D, Highway) share: the weight initializer,
    /// LeakyReLU's slope, the bias start and presence, and dropout on the output. One reader, one set of messages.
    /// </summary>
    internal sealed class UnitOptions
    {
        public InitializerKind Initializer = InitializerKind.Default;
        public float NegativeSlope = 0.01f, BiasInit, Dropout;
        public bool UseBias = true;

        /// <summary>Reads <paramref name="argument"/> when it is one of these options (reporting a bad value); false otherwise.</summary>
        public bool TryRead(KeyValuePair<string, TypedConstant> argument, string attribute, string layer, int index, List<Problem> problems)
        {
            object? value = argument.Value.Value;
            string? expected = null;
            switch (argument.Key)
            {
                case "Initializer" when AttributeReader.TryReadEnum(argument.Value, out Initializer): break;
                case "Initializer": expected = "a defined ModelGen.Initializer value"; break;
                case "NegativeSlope" when value is float slope && slope > 0 && slope < 1: NegativeSlope = slope; break;
                case "NegativeSlope": expected = "a number in (0, 1)"; break;
                case "BiasInit" when value is float bias && !float.IsNaN(bias) && !float.IsInfinity(bias): BiasInit = bias; break;
                case "BiasInit": expected = "a finite number"; break;
                case "UseBias" when value is bool useBias: UseBias = useBias; break;
                case "UseBias": expected = "true or false"; break;
                case "Dropout": Dropout = AttributeReader.ReadDropout(argument.Value, attribute, layer, index, problems); break;
                default: return false;
            }
            if (expected is not null)
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, attribute, argument.Key, expected));
            return true;
        }

        /// <summary>After all arguments: a bias start on a layer without a bias is a contradiction.</summary>
        public void Check(string attribute, int index, List<Problem> problems)
        {
            if (!UseBias && BiasInit != 0)
                problems.Add(Problem.AtLayer(DiagnosticIds.InvalidArgument, SiteKind.LayerAttribute, index, attribute, "BiasInit", "no BiasInit on a layer with UseBias = false"));
        }
    }
}
