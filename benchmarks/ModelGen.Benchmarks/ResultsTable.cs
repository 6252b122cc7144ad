using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Reports;

namespace ModelGen.Benchmarks;

/// <summary>
/// Turns a run's summaries into the ratio tables of benchmarks/README.md, between the results markers of the vector
/// path this run took (one table per instruction set: AVX-512, AVX2, 128-bit), so a run on one machine kind keeps
/// the others' tables.
/// </summary>
internal static class ResultsTable
{
    /// <summary>The kernels' path in this process, as the markers and the header name it.</summary>
    private static (string Key, string Name) KernelPath => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? ("avx512", "AVX-512 (Vector512 kernels)")
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? ("avx2", "AVX2 + FMA (Vector256 kernels)")
        : ("vector128", "128-bit (Vector128 kernels)");

    private static string Start => $"<!-- results:{KernelPath.Key}:start -->";
    private static string End => $"<!-- results:{KernelPath.Key}:end -->";
    private static string RecurrentStart => $"<!-- results:{KernelPath.Key}:recurrent:start -->";
    private static string RecurrentEnd => $"<!-- results:{KernelPath.Key}:recurrent:end -->";

    /// <summary>Writes the tables of the suites that ran: the main one (every other suite) and the recurrent one, each between its own markers.</summary>
    public static string Write(IEnumerable<Summary> summaries)
    {
        Summary[] all = summaries.ToArray();
        string path = Path.Combine(RepositoryRoot(), "benchmarks", "README.md");
        if (all.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type != typeof(RecurrentBenchmarks))))
            Replace(path, Start, End, MainTables(all));
        if (all.Any(s => s.BenchmarksCases.Any(c => c.Descriptor.Type == typeof(RecurrentBenchmarks))))
            Replace(path, RecurrentStart, RecurrentEnd, Recurrent(all));
        return path;
    }

    private static List<(string Method, string Parameters, double Nanoseconds, long Allocated)> Rows(IEnumerable<Summary> summaries)
        => summaries.SelectMany(s => s.Reports).Where(r => r.Success && r.ResultStatistics is not null)
            .Select(r => (Method: r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), Parameters: r.BenchmarkCase.Parameters.PrintInfo, Nanoseconds: r.ResultStatistics!.Median,
                Allocated: r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0))
            .ToList();

    /// <summary>GRU, LSTM and tagger train steps against libtorch, in their own section so a run of that suite alone can write it.</summary>
    private static string Recurrent(IEnumerable<Summary> summaries)
    {
        var rows = Rows(summaries);
        double Time(string method) => rows.First(r => r.Method == method).Nanoseconds;
        long Bytes(string method) => rows.First(r => r.Method == method).Allocated;
        string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine(RecurrentStart);
        text.AppendLine($"#### Recurrent train steps, {KernelPath.Name}");
        text.AppendLine();
        text.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Machine()}, {RuntimeInformation.FrameworkDescription}, " +
            $"TorchSharp-cpu 0.107.0 (libtorch 2.10), {Environment.ProcessorCount} threads for both. Medians (BenchmarkDotNet, in-process). " +
            "Forward, loss, backpropagation through time, global-norm clipping at 5 and Adam, from the same initial weights (libtorch's nn.GRU/nn.LSTM hold ModelGen's tensors by their PyTorch names).");
        text.AppendLine();
        text.AppendLine("| model | ModelGen ms | libtorch ms | speed-up | ModelGen alloc/op |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (name, label) in new[]
        {
            ("GRU", "GRU: 64 token ids → embedding 32 → GRU 64 (last state) → 10, batch 32"),
            ("LSTM", "LSTM: the same with an LSTM 64"),
            ("tagger", "tagger: 32 ids → embedding 64 (28,800 words) → bidirectional LSTM 2×64 → 227 per step, batch 64"),
        })
        {
            double ours = Time($"ModelGen {name} TrainStep"), theirs = Time($"libtorch {name} TrainStep");
            text.AppendLine($"| {label} | {F(ours / 1e6, "F2")} | {F(theirs / 1e6, "F2")} | **{F(theirs / ours, "F2")}×** | {Bytes($"ModelGen {name} TrainStep")} B |");
        }
        text.AppendLine(RecurrentEnd);
        return text.ToString();
    }

    private static void Replace(string path, string start, string end, string text)
    {
        string existing = File.Exists(path) ? File.ReadAllText(path) : "";
        int from = existing.IndexOf(start, StringComparison.Ordinal), to = existing.IndexOf(end, StringComparison.Ordinal);
        if (from < 0 || to < from)
            existing += "\n" + start + "\n" + end + "\n";
        from = existing.IndexOf(start, StringComparison.Ordinal);
        to = existing.IndexOf(end, StringComparison.Ordinal) + end.Length;
        File.WriteAllText(path, existing[..from] + text.TrimEnd('\n') + existing[to..]);
    }

    private static string MainTables(IEnumerable<Summary> summaries)
    {
        var rows = Rows(summaries);
        double Time(string method, string parameters = "") => rows.First(r => r.Method == method && r.Parameters.Contains(parameters, StringComparison.Ordinal)).Nanoseconds;
        long Bytes(string method, string parameters = "") => rows.First(r => r.Method == method && r.Parameters.Contains(parameters, StringComparison.Ordinal)).Allocated;
        string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

        double peak1 = PeakBenchmarks.FlopsPerCore / Time("FMA peak, 1 core");
        double peak2 = 2 * PeakBenchmarks.FlopsPerCore / Time("FMA peak, 2 cores");
        var text = new StringBuilder();
        text.AppendLine(Start);
        text.AppendLine($"#### {KernelPath.Name}");
        text.AppendLine();
        text.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Machine()}, {RuntimeInformation.FrameworkDescription}, " +
            $"TorchSharp-cpu 0.107.0 (libtorch 2.10), {Environment.ProcessorCount} threads for both. Medians of 15 iterations (BenchmarkDotNet, in-process).");
        text.AppendLine();
        text.AppendLine($"FP32 FMA peak measured by the suite with {PeakBenchmarks.VectorName}: **{F(peak1, "F0")} GFLOP/s** on one core, **{F(peak2, "F0")} GFLOP/s** on two.");
        text.AppendLine();
        text.AppendLine("### SGEMM, C = A·B, square");
        text.AppendLine();
        text.AppendLine("| n | ModelGen GFLOP/s | % of 2-core peak | libtorch GFLOP/s | % of peak | ModelGen ÷ libtorch (speed) | ModelGen alloc |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int n in new[] { 256, 512, 1024, 2048 })
        {
            string p = $"N={n}";
            double ours = SgemmBenchmarks.Flops(n) / Time("ModelGen SGEMM", p), theirs = SgemmBenchmarks.Flops(n) / Time("libtorch SGEMM", p);
            text.AppendLine($"| {n} | {F(ours, "F1")} | {F(100 * ours / peak2, "F0")}% | {F(theirs, "F1")} | {F(100 * theirs / peak2, "F0")}% | **{F(ours / theirs, "F2")}×** | {Bytes("ModelGen SGEMM", p)} B |");
        }
        text.AppendLine();
        text.AppendLine("### MLP 784-256-128-10 (ReLU, softmax cross-entropy, Adam), same initial weights");
        text.AppendLine();
        text.AppendLine("Speed-up = peer time ÷ ModelGen time (above 1: ModelGen is faster). ONNX Runtime 1.32 serves the same weights (inference only).");
        text.AppendLine();
        text.AppendLine("| batch | step | ModelGen µs | libtorch µs | speed-up vs libtorch | ONNX Runtime µs | speed-up vs ONNX Runtime | ModelGen alloc/op |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (string step in new[] { "TrainStep", "Predict" })
            foreach (int batch in new[] { 1, 32, 256 })
            {
                string p = $"Batch={batch}";
                double ours = Time($"ModelGen {step}", p), theirs = Time($"libtorch {step}", p);
                string onnx = step == "Predict" ? F(Time("ONNX Runtime Predict", p) / 1000, "F1") : "—";
                string onnxRatio = step == "Predict" ? $"**{F(Time("ONNX Runtime Predict", p) / ours, "F2")}×**" : "—";
                text.AppendLine($"| {batch} | {step} | {F(ours / 1000, "F1")} | {F(theirs / 1000, "F1")} | **{F(theirs / ours, "F2")}×** | {onnx} | {onnxRatio} | {Bytes($"ModelGen {step}", p)} B |");
            }
        text.AppendLine();
        text.AppendLine("### Regularized MLP 784-256-128-10: bias-free Dense → BatchNorm + ReLU → dropout 0.3 (twice), AdamW");
        text.AppendLine();
        text.AppendLine("| batch | step | ModelGen µs | libtorch µs | speed-up | ModelGen alloc/op |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|");
        foreach (string step in new[] { "TrainStep", "Predict" })
            foreach (int batch in new[] { 32, 256 })
            {
                string p = $"Batch={batch}";
                double ours = Time($"ModelGen regularized {step}", p), theirs = Time($"libtorch regularized {step}", p);
                text.AppendLine($"| {batch} | {step} | {F(ours / 1000, "F1")} | {F(theirs / 1000, "F1")} | **{F(theirs / ours, "F2")}×** | {Bytes($"ModelGen regularized {step}", p)} B |");
            }
        text.AppendLine();
        text.AppendLine("### LeNet-5: 28×28 → 6@5×5 → max pool → 16@5×5 → max pool → 120 → 84 → 10 (ReLU, SGD with momentum 0.9), same initial weights");
        text.AppendLine();
        text.AppendLine("| batch | step | ModelGen µs | libtorch µs | speed-up vs libtorch | ONNX Runtime µs | speed-up vs ONNX Runtime | ModelGen alloc/op |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (string step in new[] { "TrainStep", "Predict" })
            foreach (int batch in new[] { 1, 64 })
            {
                string p = $"Batch={batch}";
                double ours = Time($"ModelGen LeNet {step}", p), theirs = Time($"libtorch LeNet {step}", p);
                string onnx = step == "Predict" ? F(Time("ONNX Runtime LeNet Predict", p) / 1000, "F1") : "—";
                string onnxRatio = step == "Predict" ? $"**{F(Time("ONNX Runtime LeNet Predict", p) / ours, "F2")}×**" : "—";
                text.AppendLine($"| {batch} | {step} | {F(ours / 1000, "F1")} | {F(theirs / 1000, "F1")} | **{F(theirs / ours, "F2")}×** | {onnx} | {onnxRatio} | {Bytes($"ModelGen LeNet {step}", p)} B |");
            }
        text.AppendLine();
        text.AppendLine("### One wide convolution: 64 → 64 channels, 3×3, padding 1, 32×32 maps, batch 32 — forward and backward (∂W, ∂b, ∂x)");
        text.AppendLine();
        text.AppendLine("| ModelGen ms | libtorch ms | speed-up | ModelGen GFLOP/s | ModelGen alloc/op |");
        text.AppendLine("|---:|---:|---:|---:|---:|");
        {
            double ours = Time("ModelGen wide conv forward + backward"), theirs = Time("libtorch wide conv forward + backward");
            text.AppendLine($"| {F(ours / 1e6, "F2")} | {F(theirs / 1e6, "F2")} | **{F(theirs / ours, "F2")}×** | {F(WideConvBenchmarks.Flops / ours, "F1")} | {Bytes("ModelGen wide conv forward + backward")} B |");
        }
        text.AppendLine();
        text.AppendLine("### Tiny MLP 4-32-32-2 (tanh), batch 1");
        text.AppendLine();
        text.AppendLine("| step | ModelGen µs | libtorch µs | speed-up | ModelGen alloc/op |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (string step in new[] { "Predict", "TrainStep" })
        {
            double ours = Time($"ModelGen {step}", ""), theirs = Time($"libtorch {step}", "");
            text.AppendLine($"| {step} | {F(ours / 1000, "F2")} | {F(theirs / 1000, "F2")} | **{F(theirs / ours, "F1")}×** | {Bytes($"ModelGen {step}", "")} B |");
        }
        text.AppendLine(End);
        return text.ToString();
    }

    private static string Machine()
    {
        string model = File.Exists("/proc/cpuinfo") ? CpuName(File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToList()) : RuntimeInformation.ProcessArchitecture.ToString();
        string knobs = string.Join(" ", new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" }
            .Where(k => Environment.GetEnvironmentVariable(k) == "0").Select(k => k + "=0"));
        // The knobs that hold libtorch to a narrower ISA: ATen's own kernels, oneDNN's, and MKL's (statically linked
        // into libtorch_cpu, it serves libtorch's SGEMM).
        string peerKnobs = string.Join(" ", new[] { "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA", "MKL_ENABLE_INSTRUCTIONS" }
            .Where(k => Environment.GetEnvironmentVariable(k) is { Length: > 0 }).Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
        return $"{model}, {Environment.ProcessorCount} cores{(knobs.Length > 0 ? ", " + knobs : "")}{(peerKnobs.Length > 0 ? " (libtorch: " + peerKnobs + ")" : "")}";
    }

    /// <summary>
    /// The model name, and for AMD the core generation: a VM reports every EPYC as "AMD EPYC", and Zen 1 (128-bit FMA
    /// units) and Zen 4 (AVX-512) differ twofold in AVX2 throughput.
    /// </summary>
    private static string CpuName(List<string> firstCore)
    {
        string Field(string name) => firstCore.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        string model = Field("model name") is { Length: > 0 } named ? named : "unknown CPU";
        if (!int.TryParse(Field("cpu family"), out int family) || !int.TryParse(Field("model"), out int number))
            return model;
        bool amd = Field("vendor_id").Contains("AMD", StringComparison.Ordinal);
        if (!amd && !Field("vendor_id").Contains("Intel", StringComparison.Ordinal))
            return model;
        // Intel VMs report "Intel(R) Xeon(R) Processor" for every server generation; the model number tells them apart.
        string? generation = amd ? null : (family, number) switch
        {
            (6, 85) => "Skylake-SP / Cascade Lake",
            (6, 106) => "Ice Lake-SP",
            (6, 143) => "Sapphire Rapids",
            (6, 207) => "Emerald Rapids",
            (6, 173) => "Granite Rapids",
            _ => null,
        };
        if (!amd)
            return generation is null ? $"{model} (family {family} model {number})" : $"{model} ({generation}, family {family} model {number})";
        generation = (family, number) switch
        {
            (23, < 0x30) => "Zen 1",
            (23, _) => "Zen 2",
            (25, < 0x10) or (25, >= 0x20 and < 0x60) => "Zen 3",
            (25, _) => "Zen 4",
            (26, _) => "Zen 5",
            _ => null,
        };
        return generation is null ? model : $"{model} ({generation}, family {family} model {number})";
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
                return directory.FullName;
        return Directory.GetCurrentDirectory();
    }
}
