using BenchmarkDotNet.Attributes;
using ModelGen.Benchmarks.Peers;
using ModelGen.Kernels;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>Square SGEMM C = A·B, ModelGen's packed kernel vs libtorch's torch.mm (both on two cores).</summary>
[MemoryDiagnoser]
public class SgemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private Tensor _ta = null!, _tb = null!, _tc = null!;

    [Params(256, 512, 1024, 2048)]
    public int N { get; set; }

    /// <summary>Floating-point operations per call: 2·N³.</summary>
    public static double Flops(int n) => 2.0 * n * n * n;

    [GlobalSetup]
    public void Setup()
    {
        Peer.Initialize();
        var random = new ModelGen.Initialization.SeededRandom(N);
        _a = Enumerable.Range(0, N * N).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, N * N).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        _c = new float[N * N];
        _ta = tensor(_a, [N, N]);
        _tb = tensor(_b, [N, N]);
        _tc = zeros(N, N);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ta.Dispose(); _tb.Dispose(); _tc.Dispose();
    }

    [Benchmark(Description = "ModelGen SGEMM")]
    public void ModelGen() => Gemm.Multiply<float>(GemmForm.AB, _a, _b, _c, N, N, N, accumulate: false);

    /// <summary>In-place C = 0·C + A·B (addmm_), so libtorch allocates nothing per call either.</summary>
    [Benchmark(Description = "libtorch SGEMM")]
    public void LibTorch() => _tc.addmm_(_ta, _tb, beta: 0f, alpha: 1f);
}
