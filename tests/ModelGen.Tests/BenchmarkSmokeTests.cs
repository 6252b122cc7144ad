namespace ModelGen.Tests;

/// <summary>
/// Every benchmark (ModelGen and its libtorch peer) runs once in a dry job, so the suite cannot rot (measures nothing);
/// and the libtorch peer checks that state dicts cross both ways and that training follows its trajectory.
/// </summary>
public class BenchmarkSmokeTests
{
    [Fact]
    public void EveryBenchmarkRunsOnce()
    {
        string root = PackageConsumerTests.RepositoryRoot();
        string output = PackageConsumerTests.Run("dotnet", "run -c Release --project benchmarks/ModelGen.Benchmarks -- --smoke", root);
        Assert.Contains("smoke: 55 benchmarks ran, 0 failed", output);
    }

    /// <summary>
    /// Weights cross between libtorch and ModelGen through safetensors files that TorchSharp.PyBridge (an independent
    /// implementation) writes and reads, and both predict the same (benchmarks/ModelGen.Benchmarks/StateDictInterop.cs).
    /// In this class so that its build of the benchmark project does not race the smoke run's.
    /// </summary>
    [Fact]
    public void LibtorchStateDictsLoadIntoModelGenAndBack()
        => RunMode("--state-dict-interop", "state-dict interop: libtorch → ModelGen");

    /// <summary>
    /// The MNIST MLP trained 100 steps by ModelGen and by libtorch from the same weights on the same digits, for SGD with
    /// Nesterov momentum, Adam, AdamW and RMSProp, each with clipping and weight decay: the held-out loss after 1, 10 and
    /// 100 steps agrees within 1e-4 relative (benchmarks/ModelGen.Benchmarks/TrajectoryOracle.cs).
    /// </summary>
    [Fact]
    public void TrainingFollowsLibtorchsTrajectory()
        => RunMode("--trajectory-oracle", "trajectory oracle: worst relative difference");

    /// <summary>Runs a check mode of the benchmark program: it must print <paramref name="report"/> and exit with 0.</summary>
    private static void RunMode(string mode, string report)
    {
        string output = PackageConsumerTests.RunAllowingFailure("dotnet", $"run -c Release --project benchmarks/ModelGen.Benchmarks -- {mode}", PackageConsumerTests.RepositoryRoot(), out int exitCode);
        Assert.Contains(report, output);
        Assert.True(exitCode == 0, output);
    }
}
