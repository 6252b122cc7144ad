using BenchmarkDotNet.Attributes;
using ModelGen.Training;

namespace ModelGen.Benchmarks;

/// <summary>
/// The cost of the trainer and of its runtime monitors: one epoch of 64 steps of the 784-256-128-10 MLP at batch 32
/// through <see cref="Trainer.Fit{TInput, TTarget}(ISupervisedModel{TInput, TTarget}, Dataset{TInput, TTarget}, FitOptions, Dataset{TInput, TTarget})"/>,
/// with monitors off and on (every check; parameters, gradients and activations sampled one step in 50, and — to price
/// one sampled step — in every step), beside the same 64 TrainSteps by hand.
/// </summary>
[MemoryDiagnoser]
public class TrainerBenchmarks
{
    private const int Batch = 32, Steps = 64;
    private Mlp _model = null!;
    private Dataset<float, int> _data = null!;
    private float[] _inputs = [];
    private int[] _labels = [];

    [GlobalSetup]
    public void Setup()
    {
        _model = new Mlp();
        var random = new Random(1);
        _inputs = Enumerable.Range(0, Batch * Steps * Mlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _labels = Enumerable.Range(0, Batch * Steps).Select(_ => random.Next(Mlp.OutputSize)).ToArray();
        _data = new Dataset<float, int>(_inputs, _labels, Mlp.InputSize, 1);
    }

    [Benchmark(Baseline = true, Description = "64 TrainSteps by hand")]
    public float ByHand()
    {
        float loss = 0;
        for (int step = 0; step < Steps; step++)
            loss = _model.TrainStep(_inputs.AsSpan(step * Batch * Mlp.InputSize, Batch * Mlp.InputSize), _labels.AsSpan(step * Batch, Batch));
        return loss;
    }

    [Benchmark(Description = "Trainer.Fit, 1 epoch, monitors off")]
    public double Fit() => Trainer.Fit(_model, _data, new FitOptions { Epochs = 1, BatchSize = Batch }).Epochs[0].Loss;

    [Benchmark(Description = "Trainer.Fit, 1 epoch, monitors on")]
    public double FitMonitored() => Trainer.Fit(_model, _data, new FitOptions { Epochs = 1, BatchSize = Batch, Monitors = TrainingMonitors.Default }).Epochs[0].Loss;

    [Benchmark(Description = "Trainer.Fit, 1 epoch, monitors on, every step checked")]
    public double FitMonitoredEveryStep() => Trainer.Fit(_model, _data, new FitOptions { Epochs = 1, BatchSize = Batch, Monitors = new TrainingMonitors(SampleEvery: 1) }).Epochs[0].Loss;
}
