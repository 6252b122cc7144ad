using System.Reflection;
using ModelGen.DeviceTests;
using static ModelGen.DeviceTests.DeviceAssertions;

namespace ModelGen.Gpu.Tests;

/// <summary>
/// The generated GPU network against the CPU network of the same model: forward, loss, gradients and several updates
/// agree within float32 rounding (1e-5 relative, with an absolute floor for values near zero).
/// </summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceParityTests(DeviceFixture device)
{
    private const int Batch = 13; // not a multiple of any tile, group or warp size

    [Fact]
    public void Classifier_matches_cpu_through_training()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 1);
        var cpu = new DeviceClassifier();
        using var gpu = new DeviceClassifier().ToGpu(device.Accelerator);
        AssertPredictions(cpu.Predict, gpu.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
        Assert.Equal(cpu.ComputeLoss(inputs, labels), gpu.ComputeLoss(inputs, labels), Tolerance(cpu.ComputeLoss(inputs, labels)));
        for (int step = 0; step < 6; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            gpu.TrainStep(inputs, labels);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), gpu.ReadParameters(), $"parameters after step {step + 1}");
        }
        Assert.Equal(cpu.Step, gpu.Step);
        AssertPredictions(cpu.Predict, gpu.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
    }

    [Fact]
    public void Dropout_masks_are_the_cpu_paths()
    {
        var (inputs, labels) = Classification(Batch, DeviceDropout.InputSize, DeviceDropout.OutputSize, seed: 9);
        var cpu = new DeviceDropout();
        using var gpu = new DeviceDropout().ToGpu(device.Accelerator);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            gpu.TrainStep(inputs, labels);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), gpu.ReadParameters(), $"parameters after step {step + 1}");
        }
        // Inference runs the full network on both.
        Assert.Equal(cpu.ComputeLoss(inputs, labels), gpu.ComputeLoss(inputs, labels), Tolerance(cpu.ComputeLoss(inputs, labels)));
    }

    [Fact]
    public void Maxout_matches_cpu()
    {
        var (inputs, labels) = Classification(Batch, DeviceMaxout.InputSize, DeviceMaxout.OutputSize, seed: 11);
        var cpu = new DeviceMaxout();
        using var gpu = new DeviceMaxout().ToGpu(device.Accelerator);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            gpu.TrainStep(inputs, labels);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), gpu.ReadParameters(), $"parameters after step {step + 1}");
        }
        AssertPredictions(cpu.Predict, gpu.Predict, inputs, DeviceMaxout.InputSize, DeviceMaxout.OutputSize);
    }

    [Fact]
    public void Batch_norm_matches_cpu_in_training_and_inference()
    {
        var (inputs, labels) = Classification(Batch, DeviceNormalized.InputSize, DeviceNormalized.OutputSize, seed: 10);
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = inputs[i] * 3 + 5; // far from zero mean and unit spread, as batch norm expects to meet
        var cpu = new DeviceNormalized();
        using var gpu = new DeviceNormalized().ToGpu(device.Accelerator);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            gpu.TrainStep(inputs, labels);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), gpu.ReadParameters(), $"parameters after step {step + 1}");
        }
        // The running statistics came back with the weights, and inference reads them on both sides.
        var copied = new DeviceNormalized(seed: 1);
        gpu.CopyTo(copied);
        AssertClose(cpu.State.ToArray(), copied.State.ToArray(), "running statistics");
        AssertPredictions(cpu.Predict, gpu.Predict, inputs, DeviceNormalized.InputSize, DeviceNormalized.OutputSize);
        // A training batch of one sample has no batch statistics: rejected as on the CPU.
        AssertSameError(() => cpu.TrainStep(inputs[..DeviceNormalized.InputSize], labels[..1]), () => gpu.TrainStep(inputs[..DeviceNormalized.InputSize], labels[..1]));
    }

    [Fact]
    public void Classifier_gradients_match_cpu()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 2);
        var network = new DeviceClassifier.Network<float>(11);
        network.ComputeGradients(inputs, labels);
        using var gpu = new DeviceClassifier().ToGpu(device.Accelerator);
        gpu.TrainStep(inputs, labels);
        AssertClose(network.Gradients.ToArray(), gpu.ReadGradients(), "gradients");
    }

    [Fact]
    public void Regressor_matches_cpu_through_training() => Regression<DeviceRegressor, DeviceRegressor.Gpu>(
        () => new DeviceRegressor(), m => m.ToGpu(device.Accelerator), DeviceRegressor.InputSize, DeviceRegressor.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Huber_loss_matches_cpu_through_training() => Regression<DeviceHuber, DeviceHuber.Gpu>(
        () => new DeviceHuber(), m => m.ToGpu(device.Accelerator), DeviceHuber.InputSize, DeviceHuber.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Mean_absolute_error_matches_cpu_through_training() => Regression<DeviceAbsolute, DeviceAbsolute.Gpu>(
        () => new DeviceAbsolute(), m => m.ToGpu(device.Accelerator), DeviceAbsolute.InputSize, DeviceAbsolute.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Tagger_matches_cpu_through_training() => Regression<DeviceTagger, DeviceTagger.Gpu>(
        () => new DeviceTagger(), m => m.ToGpu(device.Accelerator), DeviceTagger.InputSize, DeviceTagger.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: true);

    [Fact]
    public void Probability_model_matches_cpu_past_the_end_of_its_schedule() => Regression<DeviceProbabilities, DeviceProbabilities.Gpu>(
        () => new DeviceProbabilities(), m => m.ToGpu(device.Accelerator), DeviceProbabilities.InputSize, DeviceProbabilities.OutputSize, steps: 7,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: true);

    [Fact]
    public void AmsGrad_with_decoupled_decay_matches_cpu() => Regression<DeviceAmsGrad, DeviceAmsGrad.Gpu>(
        () => new DeviceAmsGrad(), m => m.ToGpu(device.Accelerator), DeviceAmsGrad.InputSize, DeviceAmsGrad.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void NAdam_matches_cpu() => Regression<DeviceNAdam, DeviceNAdam.Gpu>(
        () => new DeviceNAdam(), m => m.ToGpu(device.Accelerator), DeviceNAdam.InputSize, DeviceNAdam.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Centered_rmsprop_with_nesterov_momentum_matches_cpu() => Regression<DeviceCenteredMomentum, DeviceCenteredMomentum.Gpu>(
        () => new DeviceCenteredMomentum(), m => m.ToGpu(device.Accelerator), DeviceCenteredMomentum.InputSize, DeviceCenteredMomentum.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Centered_rmsprop_with_decoupled_decay_matches_cpu() => Regression<DeviceCentered, DeviceCentered.Gpu>(
        () => new DeviceCentered(), m => m.ToGpu(device.Accelerator), DeviceCentered.InputSize, DeviceCentered.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Activations_that_keep_their_input_match_cpu() => Regression<DeviceGaussian, DeviceGaussian.Gpu>(
        () => new DeviceGaussian(), m => m.ToGpu(device.Accelerator), DeviceGaussian.InputSize, DeviceGaussian.OutputSize, steps: 4,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Learned_slopes_match_cpu() => Regression<DevicePReLU, DevicePReLU.Gpu>(
        () => new DevicePReLU(), m => m.ToGpu(device.Accelerator), DevicePReLU.InputSize, DevicePReLU.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Noise_and_random_slopes_match_cpu() => Regression<DeviceNoisy, DeviceNoisy.Gpu>(
        () => new DeviceNoisy(), m => m.ToGpu(device.Accelerator), DeviceNoisy.InputSize, DeviceNoisy.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Weight_noise_matches_cpu() => Regression<DeviceWeightNoise, DeviceWeightNoise.Gpu>(
        () => new DeviceWeightNoise(), m => m.ToGpu(device.Accelerator), DeviceWeightNoise.InputSize, DeviceWeightNoise.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Plain_sgd_with_l2_matches_cpu() => Regression<DevicePlainSgd, DevicePlainSgd.Gpu>(
        () => new DevicePlainSgd(), m => m.ToGpu(device.Accelerator), DevicePlainSgd.InputSize, DevicePlainSgd.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Weights_round_trip_between_cpu_and_device()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 3);
        var model = new DeviceClassifier();
        using var gpu = model.ToGpu(device.Accelerator);
        for (int i = 0; i < 3; i++)
            gpu.TrainStep(inputs, labels);
        var trained = new DeviceClassifier(seed: 99);
        gpu.CopyTo(trained);
        Assert.Equal(3, trained.Step);
        Assert.Equal(gpu.ReadParameters(), trained.Parameters.ToArray());
        // A CPU step from the copied state (weights, Adam moments, step count) continues where the device left off.
        float cpuLoss = trained.TrainStep(inputs, labels);
        gpu.TrainStep(inputs, labels);
        Assert.Equal(cpuLoss, gpu.LastLoss, Tolerance(cpuLoss));
        AssertClose(trained.Parameters.ToArray(), gpu.ReadParameters(), "parameters after resuming on the CPU");
        // And back: the device takes the CPU's state.
        var other = new DeviceClassifier(seed: 5);
        gpu.CopyFrom(other);
        Assert.Equal(other.Parameters.ToArray(), gpu.ReadParameters());
        Assert.Equal(0, gpu.Step);
    }

    [Fact]
    public void Batch_of_one_and_growing_batches_match_cpu()
    {
        var cpu = new DeviceClassifier();
        using var gpu = new DeviceClassifier().ToGpu(device.Accelerator);
        foreach (int batch in new[] { 1, 70, 4 })
        {
            var (inputs, labels) = Classification(batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: batch);
            float expected = cpu.TrainStep(inputs, labels);
            gpu.TrainStep(inputs, labels);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertPredictions(cpu.Predict, gpu.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
        }
        AssertClose(cpu.Parameters.ToArray(), gpu.ReadParameters(), "parameters");
    }

    [Fact]
    public void Models_without_device_kernels_get_no_gpu_network()
    {
        Assert.NotNull(typeof(DeviceClassifier).GetMethod("ToGpu"));
        Assert.Null(typeof(CpuOnlyResidual).GetMethod("ToGpu"));
        Assert.Null(typeof(CpuOnlyResidual).GetNestedType("Gpu", BindingFlags.Public));
    }

    private delegate void Predictor(ReadOnlySpan<float> inputs, Span<float> outputs);

    private static void Regression<TModel, TGpu>(Func<TModel> create, Func<TModel, TGpu> toGpu, int inputSize, int outputSize, int steps,
        Func<TModel, float[], float[], float> cpuStep, Action<TGpu, float[], float[]> gpuStep, Func<TModel, float[]> parameters,
        Action<TModel, float[], float[]> cpuPredict, Action<TGpu, float[], float[]> gpuPredict, bool probabilities)
        where TGpu : DeviceNetwork
    {
        var random = new Random(7);
        float[] inputs = Enumerable.Range(0, Batch * inputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] targets = Enumerable.Range(0, Batch * outputSize).Select(_ => probabilities ? (float)random.NextDouble() : (float)(random.NextDouble() * 2 - 1)).ToArray();
        TModel cpu = create();
        using TGpu gpu = toGpu(create());
        for (int step = 0; step < steps; step++)
        {
            float expected = cpuStep(cpu, inputs, targets);
            gpuStep(gpu, inputs, targets);
            Assert.Equal(expected, gpu.LastLoss, Tolerance(expected));
            AssertClose(parameters(cpu), gpu.ReadParameters(), $"parameters after step {step + 1}");
        }
        var expectedOutputs = new float[Batch * outputSize];
        var outputs = new float[Batch * outputSize];
        cpuPredict(cpu, inputs, expectedOutputs);
        gpuPredict(gpu, inputs, outputs);
        AssertClose(expectedOutputs, outputs, "predictions");
    }

    private static void AssertPredictions(Predictor cpu, Predictor gpu, float[] inputs, int inputSize, int outputs)
    {
        int batch = inputs.Length / inputSize;
        var expected = new float[batch * outputs];
        var actual = new float[batch * outputs];
        cpu(inputs, expected);
        gpu(inputs, actual);
        AssertClose(expected, actual, "predictions");
    }



}
