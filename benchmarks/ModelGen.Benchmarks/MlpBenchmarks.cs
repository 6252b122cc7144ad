using BenchmarkDotNet.Attributes;

namespace ModelGen.Benchmarks;

/// <summary>The generated MLP's training step and inference at the batch sizes users run.</summary>
[MemoryDiagnoser]
public class MlpBenchmarks
{
    private Mlp _model = null!;
    private float[] _inputs = [];
    private int[] _labels = [];
    private float[] _outputs = [];

    [Params(1, 32, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new ModelGen.Initialization.SeededRandom(1);
        _model = new Mlp();
        _inputs = Enumerable.Range(0, Batch * Mlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _labels = Enumerable.Range(0, Batch).Select(i => i % Mlp.OutputSize).ToArray();
        _outputs = new float[Batch * Mlp.OutputSize];
    }

    [Benchmark]
    public float TrainStep() => _model.TrainStep(_inputs, _labels);

    [Benchmark]
    public float Predict()
    {
        _model.Predict(_inputs, _outputs);
        return _outputs[0];
    }
}
