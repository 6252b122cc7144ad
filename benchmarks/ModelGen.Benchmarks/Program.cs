using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ModelGen.Benchmarks;
using ModelGen.Benchmarks.Peers;

// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --table   all suites, then rewrite the table in benchmarks/README.md
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --table-recurrent   the recurrent suite alone, then rewrite its table
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --smoke   every benchmark once (the test suite runs this)
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --state-dict-interop   weights libtorch ⇄ ModelGen via safetensors (tested too)
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --trajectory-oracle   100 MNIST steps per optimizer vs libtorch (tested too)
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --filter '*Sgemm*'   any BenchmarkDotNet selection
// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --filter '*Trainer*'   the trainer and its monitors (not in the table)
Console.WriteLine(Peer.Initialize());
// Latency-sized suites first: libtorch's OpenMP workers keep spinning for a while after its large parallel products.
Type[] suites = [typeof(PeakBenchmarks), typeof(TinyMlpBenchmarks), typeof(MlpBenchmarks), typeof(RegularizedMlpBenchmarks), typeof(LeNetBenchmarks), typeof(WideConvBenchmarks), typeof(RecurrentBenchmarks), typeof(SgemmBenchmarks)];

if (args.Contains("--state-dict-interop"))
    return StateDictInterop.Run();
if (args.Contains("--trajectory-oracle"))
    return TrajectoryOracle.Run(args);

// In-process: the peer's 1.5 GB of native libraries are not copied into a generated project per benchmark.
if (args.Contains("--smoke"))
{
    var smoke = ManualConfig.CreateMinimumViable().AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance)).WithOptions(ConfigOptions.DisableLogFile);
    Summary[] results = BenchmarkRunner.Run(suites, smoke);
    foreach (var error in results.SelectMany(s => s.ValidationErrors))
        Console.WriteLine($"validation: {(error.IsCritical ? "critical" : "warning")}: {error.Message}");
    int failed = results.Sum(s => s.Reports.Count(r => !r.Success)) + results.Sum(s => s.ValidationErrors.Count(e => e.IsCritical));
    int ran = results.Sum(s => s.Reports.Count(r => r.Success));
    Console.WriteLine($"smoke: {ran} benchmarks ran, {failed} failed");
    return failed == 0 && ran > 0 ? 0 : 1;
}

if (args.Contains("--table") || args.Contains("--table-recurrent"))
{
    if (args.Contains("--table-recurrent"))
        suites = [typeof(RecurrentBenchmarks)];
    var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(15).WithLaunchCount(1);
    var config = DefaultConfig.Instance.AddJob(job).WithOptions(ConfigOptions.JoinSummary);
    Summary[] results = BenchmarkRunner.Run(suites, config);
    string readme = ResultsTable.Write(results);
    Console.WriteLine($"Results table written to {readme}");
    return 0;
}

BenchmarkSwitcher.FromTypes([.. suites, typeof(TrainerBenchmarks)]).Run(args, DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)));
return 0;
