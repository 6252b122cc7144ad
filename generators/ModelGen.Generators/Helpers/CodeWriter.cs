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

        public CodeWriter(int depth = 0) => _depth = depth;

        public int Depth => _depth;

        /// <summary>Appends text another writer produced at this writer's depth.</summary>
        public CodeWriter Raw(string text)
        {
            _text.Append(text);
            return this;
        }

        /// <summary>
        /// One line at the current depth. A comment longer than <see cref="MaxLine"/> is word-wrapped under the same
        /// <c>//</c> or <c>///</c> prefix; a trailing comment that makes its line too long moves onto its own line above.
        /// </summary>
        public CodeWriter Line(string line = "")
        {
            if (_depth * 4 + line.Length > MaxLine)
            {
                string trimmed = line.TrimStart();
                int trailing = line.IndexOf(" // ", StringComparison.Ordinal);
                if (trimmed.StartsWith("//", StringComparison.Ordinal))
                    return Comment(trimmed.StartsWith("///", StringComparison.Ordinal) ? "/// " : "// ", trimmed.TrimStart('/').TrimStart());
                if (trailing > 0 && !line.Substring(0, trailing).Contains("\""))
                {
                    Comment("// ", line.Substring(trailing + 4));
                    return Append(line.Substring(0, trailing));
                }
                int open = line.IndexOf('(');
                if (open > 0 && (line.EndsWith(")", StringComparison.Ordinal) || line.EndsWith(");", StringComparison.Ordinal)) && line.LastIndexOf(')') > open)
                    return Wrapped(line); // a signature or a call: its arguments go onto continuation lines
            }
            if (line.Length > 0)
                _text.Append(' ', _depth * 4).Append(line);
            _text.Append('\n');
            return this;
        }

        private CodeWriter Comment(string prefix, string text)
        {
            var line = new StringBuilder();
            foreach (string word in text.Split(' '))
            {
                if (line.Length > 0 && _depth * 4 + prefix.Length + line.Length + 1 + word.Length > MaxLine)
                {
                    Append(prefix + line);
                    line.Clear();
                }
                line.Append(line.Length > 0 ? " " : "").Append(word);
            }
            return Append(prefix + line);
        }

        private CodeWriter Append(string line)
        {
            _text.Append(' ', _depth * 4).Append(line).Append('\n');
            return this;
        }

        public CodeWriter Open(string header)
        {
            Line(header); // long signatures wrap like calls
            Line("{");
            _depth++;
            return this;
        }

        public CodeWriter Close(string trailer = "")
        {
            _depth--;
            return Line("}" + trailer);
        }

        /// <summary>
        /// A call statement, <c>name(a, b, …);</c>, on one line when it fits in <see cref="MaxLine"/> characters,
        /// otherwise with its arguments packed onto indented continuation lines.
        /// </summary>
        public CodeWriter Call(string name, params string[] arguments) => Statement(name + "(", arguments, ");");

        /// <summary>An assignment from a call, <c>target = name(a, b, …);</c>, wrapped like <see cref="Call"/>.</summary>
        public CodeWriter Assign(string target, string name, params string[] arguments) => Statement(target + " = " + name + "(", arguments, ");");

        public const int MaxLine = 140;

        /// <summary>
        /// A statement that is one call, <c>prefix name(a, b, …);</c>, wrapped like <see cref="Call"/> when too long: its
        /// arguments are split at the commas outside any parentheses.
        /// </summary>
        public CodeWriter Wrapped(string statement)
        {
            int open = statement.IndexOf('(');
            int close = statement.LastIndexOf(')');
            if (_depth * 4 + statement.Length <= MaxLine || open < 0 || close < open)
                return Line(statement);
            var arguments = new System.Collections.Generic.List<string>();
            int depth = 0, start = open + 1;
            for (int i = open + 1; i < close; i++)
            {
                char c = statement[i];
                if (c == '(' || c == '<' || c == '[')
                    depth++;
                else if (c == ')' || c == '>' || c == ']')
                    depth--;
                else if (c == ',' && depth == 0)
                {
                    arguments.Add(statement.Substring(start, i - start).Trim());
                    start = i + 1;
                }
            }
            arguments.Add(statement.Substring(start, close - start).Trim());
            return Statement(statement.Substring(0, open + 1), arguments.ToArray(), statement.Substring(close));
        }

        private CodeWriter Statement(string head, string[] arguments, string tail)
        {
            string single = head + string.Join(", ", arguments) + tail;
            if (_depth * 4 + single.Length <= MaxLine)
                return Line(single);
            Line(head);
            _depth++;
            var line = new StringBuilder();
            for (int i = 0; i < arguments.Length; i++)
            {
                string piece = arguments[i] + (i == arguments.Length - 1 ? tail : ",");
                if (line.Length > 0 && _depth * 4 + line.Length + 1 + piece.Length > MaxLine)
                {
                    Line(line.ToString());
                    line.Clear();
                }
                line.Append(line.Length > 0 ? " " : "").Append(piece);
            }
            Line(line.ToString());
            _depth--;
            return this;
        }

        /// <summary>Replaces a marker line written earlier (content known only at the end, such as hoisted constants).</summary>
        public void Fill(string marker, string text) => _text.Replace(marker + "\n", text);

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

        /// <summary>A PascalCase identifier from a dotted or snake_case name: "Block.gate.weight" → "BlockGateWeight".</summary>
        public static string Pascal(string name)
        {
            var result = new StringBuilder();
            foreach (string part in name.Split('.', '_'))
                if (part.Length > 0)
                    result.Append(char.ToUpperInvariant(part[0])).Append(part, 1, part.Length - 1);
            return result.ToString();
        }
    }
}
