using System;
using System.Globalization;
using System.Text;

namespace ModelGen.Generators.Helpers
{
    /// <summary>Indented source writer. Numbers are written with the invariant culture and round-trip precision.</summary>
    internal sealed class CodeWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _depth;

        public CodeWriter Line(string line = "")
        {
            if (line.Length > 0)
                _text.Append(' ', _depth * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        public CodeWriter Open(string header)
        {
            Line(header);
            Line("{");
            _depth++;
            return this;
        }

        public CodeWriter Close(string trailer = "")
        {
            _depth--;
            return Line("}" + trailer);
        }

        public override string ToString() => _text.ToString();

        /// <summary>A float literal that parses back to the same bits, e.g. <c>0.001f</c>.</summary>
        public static string Float(float value)
        {
            string text = value.ToString("R", CultureInfo.InvariantCulture);
            if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0)
                text += ".0";
            return text + "f";
        }

        /// <summary>A number for comments and descriptions: round-trip digits, no suffix.</summary>
        public static string Literal(float value) => Float(value).TrimEnd('f');

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>lowerCamel form of a PascalCase layer name, for locals and fields.</summary>
        public static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);
    }
}
