namespace ModelGen.Tests;

/// <summary>Every benchmark (ModelGen and its libtorch peer) runs once in a dry job, so the suite cannot rot. Measures nothing.</summary>
public class BenchmarkSmokeTests
{
    [Fact]
    public void EveryBenchmarkRunsOnce()
    {
        string root = PackageConsumerTests.RepositoryRoot();
        string output = PackageConsumerTests.Run("dotnet", "run -c Release --project benchmarks/ModelGen.Benchmarks -- --smoke", root);
        Assert.Contains("smoke: 55 benchmarks ran, 0 failed", output);
    }
}
