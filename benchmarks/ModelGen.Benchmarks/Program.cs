using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
