using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// The shapes of the shader backend's HLSL compute shaders — element-wise, per row, tiled GEMM, column sums and the
    /// two passes of a deterministic reduction — each completed by an op's expressions into one readable shader, and
    /// each paired with the dispatch that the recording method issues. Every shader sees the same bindings (register
    /// u0…u11 = Vulkan descriptor set 0, bindings 0…11, in <c>ModelGen.Vulkan.ShaderBinding</c> order; it declares the
    /// ones it uses) and the push constants {Batch, Training, Groups}.
    /// </summary>
    internal static class Hlsl
    {
        /// <summary>The storage buffers, by register: the order of <c>ModelGen.Vulkan.ShaderBinding</c>.</summary>
        private static readonly (string Name, string Element)[] Bindings =
        {
            ("Parameters", "float"), ("Gradients", "float"), ("State", "float"), ("Moment1", "float"), ("Moment2", "float"), ("Values", "float"),
            ("Inputs", "float"), ("Targets", "float"), ("Labels", "int"), ("Terms", "float"), ("Scalars", "float"), ("Partials", "float"),
            ("Moment3", "float"),
        };

        /// <summary>Threads per group of the element-wise and per-row shaders.</summary>
        public const int ElementThreads = 64;

        /// <summary>Scalar slots (the Scalars buffer): the loss, the clipping scale, 1; then what the host sets per step.</summary>
        public const int LossSlot = 0, GradientScaleSlot = 1, OneSlot = 2, RateSlot = 3, StepSizeSlot = 4, CorrectionSlot = 5, KeepSlot = 6, MomentumStepSlot = 7, TensorClipSlot = 8, FirstDropoutSlot = 9;

        /// <summary>
        /// <c>for i in [0, count): body</c>, 64 threads a group, a grid-stride loop over at most 4096 groups (so any
        /// batch fits the dispatch limits). <paramref name="count"/> is HLSL (<c>Batch * 256u</c>) and its C# twin is
        /// <paramref name="hostCount"/> (<c>batch * 256L</c>).
        /// </summary>
        public static void Elements(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string count, string hostCount, string body,
            string functions = "")
        {
            var text = new StringBuilder();
            text.Append(functions);
            text.Append("[numthreads(64, 1, 1)]\n");
            text.Append("void main(uint3 id : SV_DispatchThreadID)\n{\n");
            text.Append($"    for (uint i = id.x; i < {count}; i += Groups * 64u)\n    {{\n");
            text.Append(Indent(body, 8));
            text.Append("    }\n}\n");
            int index = context.AddShader(name, Source(context, name, summary, tensors, text.ToString()));
            context.Writer.Line($"recorder.Elements({index}, {hostCount}); // {name}");
        }

        /// <summary>
        /// C[M × N] = A[M × K] · B[K × N] with a per-element epilogue: 64 × 64 tiles of C per group of 16 × 16 threads,
        /// each thread a 4 × 4 block (rows 4ty…4ty+3, columns 4tx…4tx+3), K in slices of 16 through groupshared memory.
        /// <paramref name="loadA"/>(row, k) and <paramref name="loadB"/>(k, column) read the operands however they are
        /// laid out (so xᵀ and Wᵀ need no transposed copies); <paramref name="store"/> writes C(row, column) from <c>sum</c>.
        /// M, N and K are HLSL (<c>Batch</c> or a constant); <paramref name="hostRows"/> and <paramref name="hostColumns"/>
        /// are M and N in C#.
        /// </summary>
        public static void Gemm(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string m, string n, string k,
            string loadA, string loadB, string store, string hostRows, string hostColumns, string functions = "")
        {
            string source = functions + $@"float LoadA(uint row, uint k)
{{
    return {loadA};
}}

float LoadB(uint k, uint column)
{{
    return {loadB};
}}

void Store(uint row, uint column, float sum)
{{
{Indent(store, 4)}}}

// Slices of A and B in groupshared memory as float4: TileA[k][r] holds rows 4r…4r+3 at depth k, TileB[k][c] columns
// 4c…4c+3, so each step of the inner product reads one float4 of each and does 16 multiply-adds.
groupshared float4 TileA[16][16];
groupshared float4 TileB[16][16];

[numthreads(16, 16, 1)]
void main(uint3 group : SV_GroupID, uint3 thread : SV_GroupThreadID)
{{
    const uint M = {m}, N = {n}, K = {k};
    uint row0 = group.y * 64u, column0 = group.x * 64u, t = thread.y * 16u + thread.x;
    float4 sums[4];
    [unroll] for (uint i = 0u; i < 4u; i++)
        sums[i] = float4(0.0f, 0.0f, 0.0f, 0.0f);
    for (uint k0 = 0u; k0 < K; k0 += 16u)
    {{
        // Each thread loads four elements of A (consecutive depths across neighbouring threads) and four of B
        // (consecutive columns); zeros past the edges.
        uint ka = t & 15u, ra = t >> 4, kb = t >> 4, cb = t & 15u;
        float4 a = float4(0.0f, 0.0f, 0.0f, 0.0f), b = float4(0.0f, 0.0f, 0.0f, 0.0f);
        [unroll] for (uint e = 0u; e < 4u; e++)
        {{
            uint row = row0 + ra * 4u + e, column = column0 + cb * 4u + e;
            if (row < M && k0 + ka < K)
                a[e] = LoadA(row, k0 + ka);
            if (k0 + kb < K && column < N)
                b[e] = LoadB(k0 + kb, column);
        }}
        TileA[ka][ra] = a;
        TileB[kb][cb] = b;
        GroupMemoryBarrierWithGroupSync();
        [unroll] for (uint kk = 0u; kk < 16u; kk++)
        {{
            float4 left = TileA[kk][thread.y], right = TileB[kk][thread.x];
            [unroll] for (uint i = 0u; i < 4u; i++)
                sums[i] = mad(left[i], right, sums[i]);
        }}
        GroupMemoryBarrierWithGroupSync();
    }}
    [unroll] for (uint i = 0u; i < 4u; i++)
        [unroll] for (uint j = 0u; j < 4u; j++)
        {{
            uint row = row0 + thread.y * 4u + i, column = column0 + thread.x * 4u + j;
            if (row < M && column < N)
                Store(row, column, sums[i][j]);
        }}
}}
";
            int index = context.AddShader(name, Source(context, name, summary, tensors, source));
            context.Writer.Line($"recorder.Tiles({index}, {hostRows}, {hostColumns}); // {name}");
        }

        /// <summary>
        /// The first pass of a deterministic sum over [0, count): 64 groups of 256 threads, each thread a fixed strided
        /// subset, each group a tree in groupshared memory, one partial per group — the same order for a given count,
        /// whatever the device. <paramref name="term"/> is the summand at <c>i</c>.
        /// </summary>
        public static void SumPartials(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string count, string term)
        {
            string source = $@"groupshared float Sums[256];

[numthreads(256, 1, 1)]
void main(uint3 id : SV_DispatchThreadID, uint3 group : SV_GroupID, uint3 thread : SV_GroupThreadID)
{{
    float sum = 0.0f;
    for (uint i = id.x; i < {count}; i += Groups * 256u)
        sum += {term};
    Sums[thread.x] = sum;
{TreeSum}    if (thread.x == 0u)
        Partials[group.x] = Sums[0];
}}
";
            int index = context.AddShader(name, Source(context, name, summary, tensors.Concat(new[] { "Partials: one sum per group" }), source));
            context.Writer.Line($"recorder.SumPartials({index}); // {name}");
        }

        /// <summary>The second pass: one group adds the partials in a fixed tree and <paramref name="finish"/> uses <c>total</c>.</summary>
        public static void SumFinish(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string finish)
        {
            string source = $@"groupshared float Sums[256];

[numthreads(256, 1, 1)]
void main(uint3 thread : SV_GroupThreadID)
{{
    // An if, not ?:, which may evaluate both sides and read past the partials.
    float partial = 0.0f;
    if (thread.x < Groups)
        partial = Partials[thread.x];
    Sums[thread.x] = partial;
{TreeSum}    if (thread.x == 0u)
    {{
        float total = Sums[0];
{Indent(finish, 8)}    }}
}}
";
            int index = context.AddShader(name, Source(context, name, summary, new[] { "Partials: the first pass's sums" }.Concat(tensors), source));
            context.Writer.Line($"recorder.SumFinish({index}); // {name}");
        }

        /// <summary>The group's 256 values in Sums[] added in a fixed tree, the total left in Sums[0].</summary>
        private const string TreeSum = @"    GroupMemoryBarrierWithGroupSync();
    [unroll] for (uint half = 128u; half > 0u; half >>= 1)
    {
        if (thread.x < half)
            Sums[thread.x] += Sums[thread.x + half];
        GroupMemoryBarrierWithGroupSync();
    }
";

        /// <summary>Σ of <paramref name="term"/>(i) over [0, count) in two passes, then <paramref name="finish"/>(total).</summary>
        public static void Sum(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string count, string term, string finish)
        {
            string[] described = tensors.ToArray();
            SumPartials(context, name + "Partials", summary + " (first pass)", described, count, term);
            SumFinish(context, name + "Total", summary + " (second pass)", described, finish);
        }

        /// <summary>The whole shader: a header comment (model, shader, what it does, the tensors it touches), the buffers its body uses, the push constants, the body.</summary>
        private static string Source(ShaderEmitContext context, string name, string summary, IEnumerable<string> tensors, string body)
        {
            var text = new StringBuilder();
            Comment(text, "// ", $"{context.Model.Declaration.ClassName} · {name}: {summary}");
            Comment(text, "// ", "Generated by ModelGen. Entry point main; storage buffers at register uN (Vulkan: set 0, binding N); push constants {Batch, Training, Groups} (DirectX: b0).");
            foreach (string tensor in tensors.Distinct())
                Comment(text, "//   ", tensor);
            text.Append('\n');
            for (int register = 0; register < Bindings.Length; register++)
                if (Regex.IsMatch(body, $@"\b{Bindings[register].Name}\["))
                    text.Append($"RWStructuredBuffer<{Bindings[register].Element}> {Bindings[register].Name} : register(u{register});\n");
            // Vulkan: push constants; DirectX: the first constant buffer (b0), 3 root constants.
            text.Append("[[vk::push_constant]] cbuffer Dispatch { uint Batch; uint Training; uint Groups; };\n\n");
            text.Append(body);
            return text.ToString();
        }

        /// <summary>A comment wrapped at 110 characters, continuation lines indented under its text.</summary>
        private static void Comment(StringBuilder text, string prefix, string comment)
        {
            var line = new StringBuilder(prefix);
            foreach (string word in comment.Split(' '))
            {
                if (line.Length > prefix.Length && line.Length + 1 + word.Length > 110)
                {
                    text.Append(line).Append('\n');
                    line.Clear().Append("//").Append(' ', prefix.Length - 2 + 2);
                }
                else if (line.Length > prefix.Length)
                    line.Append(' ');
                line.Append(word);
            }
            text.Append(line).Append('\n');
        }

        /// <summary>A float literal HLSL reads back to the same float (round-trip digits, an explicit f suffix).</summary>
        public static string Float(float value)
        {
            string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0)
                text += ".0";
            return text + "f";
        }

        private static string Indent(string body, int spaces)
        {
            var text = new StringBuilder();
            foreach (string line in body.Replace("\r\n", "\n").TrimEnd('\n').Split('\n'))
                text.Append(line.Length == 0 ? "\n" : new string(' ', spaces) + line + "\n");
            return text.ToString();
        }
    }
}
