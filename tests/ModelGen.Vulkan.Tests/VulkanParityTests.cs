using System.Reflection;
using ModelGen.DeviceTests;
using ModelGen.Training;
using static ModelGen.DeviceTests.DeviceAssertions;

namespace ModelGen.Vulkan.Tests;

/// <summary>
/// The generated Vulkan network (its HLSL shaders on the fixture's device) against the CPU network of the same model:
/// forward, loss, gradients and several updates agree within float32 rounding (1e-5 relative, with an absolute floor
/// for values near zero).
/// </summary>
[Collection(VulkanCollection.Name)]
public sealed class VulkanParityTests(VulkanFixture device)
{
    private const int Batch = 13; // not a multiple of any tile, group or warp size

    [Fact]
    public void Classifier_matches_cpu_through_training()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 1);
        var cpu = new DeviceClassifier();
        using var vk = new DeviceClassifier().ToVulkan(device.Device);
        AssertPredictions(cpu.Predict, vk.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
        Assert.Equal(cpu.ComputeLoss(inputs, labels), vk.ComputeLoss(inputs, labels), Tolerance(cpu.ComputeLoss(inputs, labels)));
        for (int step = 0; step < 6; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            vk.TrainStep(inputs, labels);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
        Assert.Equal(cpu.Step, vk.Step);
        AssertPredictions(cpu.Predict, vk.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
    }

    [Fact]
    public void Dropout_masks_are_the_cpu_paths()
    {
        var (inputs, labels) = Classification(Batch, DeviceDropout.InputSize, DeviceDropout.OutputSize, seed: 9);
        var cpu = new DeviceDropout();
        using var vk = new DeviceDropout().ToVulkan(device.Device);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            vk.TrainStep(inputs, labels);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
        // Inference runs the full network on both.
        Assert.Equal(cpu.ComputeLoss(inputs, labels), vk.ComputeLoss(inputs, labels), Tolerance(cpu.ComputeLoss(inputs, labels)));
    }

    [Fact]
    public void Maxout_matches_cpu()
    {
        var (inputs, labels) = Classification(Batch, DeviceMaxout.InputSize, DeviceMaxout.OutputSize, seed: 11);
        var cpu = new DeviceMaxout();
        using var vk = new DeviceMaxout().ToVulkan(device.Device);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            vk.TrainStep(inputs, labels);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
        AssertPredictions(cpu.Predict, vk.Predict, inputs, DeviceMaxout.InputSize, DeviceMaxout.OutputSize);
    }

    [Fact]
    public void Batch_norm_matches_cpu_in_training_and_inference()
    {
        var (inputs, labels) = Classification(Batch, DeviceNormalized.InputSize, DeviceNormalized.OutputSize, seed: 10);
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = inputs[i] * 3 + 5; // far from zero mean and unit spread, as batch norm expects to meet
        var cpu = new DeviceNormalized();
        using var vk = new DeviceNormalized().ToVulkan(device.Device);
        for (int step = 0; step < 4; step++)
        {
            float expected = cpu.TrainStep(inputs, labels);
            vk.TrainStep(inputs, labels);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
        // The running statistics came back with the weights, and inference reads them on both sides.
        var copied = new DeviceNormalized(seed: 1);
        vk.CopyTo(copied);
        AssertClose(cpu.State.ToArray(), copied.State.ToArray(), "running statistics");
        AssertPredictions(cpu.Predict, vk.Predict, inputs, DeviceNormalized.InputSize, DeviceNormalized.OutputSize);
        // A training batch of one sample has no batch statistics: rejected as on the CPU.
        AssertSameError(() => cpu.TrainStep(inputs[..DeviceNormalized.InputSize], labels[..1]), () => vk.TrainStep(inputs[..DeviceNormalized.InputSize], labels[..1]));
    }

    [Fact]
    public void Classifier_gradients_match_cpu()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 2);
        var network = new DeviceClassifier.Network<float>(11);
        network.ComputeGradients(inputs, labels);
        using var vk = new DeviceClassifier().ToVulkan(device.Device);
        vk.TrainStep(inputs, labels);
        AssertClose(network.Gradients.ToArray(), vk.ReadGradients(), "gradients");
    }

    [Fact]
    public void Regressor_matches_cpu_through_training() => Regression<DeviceRegressor, DeviceRegressor.Vulkan>(
        () => new DeviceRegressor(), m => m.ToVulkan(device.Device), DeviceRegressor.InputSize, DeviceRegressor.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Huber_loss_matches_cpu_through_training() => Regression<DeviceHuber, DeviceHuber.Vulkan>(
        () => new DeviceHuber(), m => m.ToVulkan(device.Device), DeviceHuber.InputSize, DeviceHuber.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Mean_absolute_error_matches_cpu_through_training() => Regression<DeviceAbsolute, DeviceAbsolute.Vulkan>(
        () => new DeviceAbsolute(), m => m.ToVulkan(device.Device), DeviceAbsolute.InputSize, DeviceAbsolute.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Tagger_matches_cpu_through_training() => Regression<DeviceTagger, DeviceTagger.Vulkan>(
        () => new DeviceTagger(), m => m.ToVulkan(device.Device), DeviceTagger.InputSize, DeviceTagger.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: true);

    [Fact]
    public void Probability_model_matches_cpu_past_the_end_of_its_schedule() => Regression<DeviceProbabilities, DeviceProbabilities.Vulkan>(
        () => new DeviceProbabilities(), m => m.ToVulkan(device.Device), DeviceProbabilities.InputSize, DeviceProbabilities.OutputSize, steps: 7,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: true);

    [Fact]
    public void AmsGrad_with_decoupled_decay_matches_cpu() => Regression<DeviceAmsGrad, DeviceAmsGrad.Vulkan>(
        () => new DeviceAmsGrad(), m => m.ToVulkan(device.Device), DeviceAmsGrad.InputSize, DeviceAmsGrad.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void NAdam_matches_cpu() => Regression<DeviceNAdam, DeviceNAdam.Vulkan>(
        () => new DeviceNAdam(), m => m.ToVulkan(device.Device), DeviceNAdam.InputSize, DeviceNAdam.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Centered_rmsprop_with_nesterov_momentum_matches_cpu() => Regression<DeviceCenteredMomentum, DeviceCenteredMomentum.Vulkan>(
        () => new DeviceCenteredMomentum(), m => m.ToVulkan(device.Device), DeviceCenteredMomentum.InputSize, DeviceCenteredMomentum.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Centered_rmsprop_with_decoupled_decay_matches_cpu() => Regression<DeviceCentered, DeviceCentered.Vulkan>(
        () => new DeviceCentered(), m => m.ToVulkan(device.Device), DeviceCentered.InputSize, DeviceCentered.OutputSize, steps: 6,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Activations_that_keep_their_input_match_cpu() => Regression<DeviceGaussian, DeviceGaussian.Vulkan>(
        () => new DeviceGaussian(), m => m.ToVulkan(device.Device), DeviceGaussian.InputSize, DeviceGaussian.OutputSize, steps: 4,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Learned_slopes_match_cpu() => Regression<DevicePReLU, DevicePReLU.Vulkan>(
        () => new DevicePReLU(), m => m.ToVulkan(device.Device), DevicePReLU.InputSize, DevicePReLU.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Noise_and_random_slopes_match_cpu() => Regression<DeviceNoisy, DeviceNoisy.Vulkan>(
        () => new DeviceNoisy(), m => m.ToVulkan(device.Device), DeviceNoisy.InputSize, DeviceNoisy.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void Plain_sgd_with_l2_matches_cpu() => Regression<DevicePlainSgd, DevicePlainSgd.Vulkan>(
        () => new DevicePlainSgd(), m => m.ToVulkan(device.Device), DevicePlainSgd.InputSize, DevicePlainSgd.OutputSize, steps: 5,
        (m, x, t) => m.TrainStep(x, t), (g, x, t) => g.TrainStep(x, t), m => m.Parameters.ToArray(), (m, x, o) => m.Predict(x, o), (g, x, o) => g.Predict(x, o), probabilities: false);

    [Fact]
    public void A_schedule_set_at_run_time_drives_both_paths_alike()
    {
        var random = new Random(5);
        float[] inputs = Enumerable.Range(0, Batch * DevicePlainSgd.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = Enumerable.Range(0, Batch).Select(_ => (float)random.NextDouble()).ToArray();
        var cpu = new DevicePlainSgd { LearningRateSchedule = Schedule.Cosine(0.05, 4).WithWarmup(2) };
        using var vk = new DevicePlainSgd().ToVulkan(device.Device);
        vk.LearningRateSchedule = cpu.LearningRateSchedule;
        for (int step = 0; step < 6; step++)
        {
            float expected = cpu.TrainStep(inputs, targets);
            vk.TrainStep(inputs, targets);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
    }

    [Fact]
    public void Weights_round_trip_between_cpu_and_device()
    {
        var (inputs, labels) = Classification(Batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 3);
        var model = new DeviceClassifier();
        using var vk = model.ToVulkan(device.Device);
        for (int i = 0; i < 3; i++)
            vk.TrainStep(inputs, labels);
        var trained = new DeviceClassifier(seed: 99);
        vk.CopyTo(trained);
        Assert.Equal(3, trained.Step);
        Assert.Equal(vk.ReadParameters(), trained.Parameters.ToArray());
        // A CPU step from the copied state (weights, Adam moments, step count) continues where the device left off.
        float cpuLoss = trained.TrainStep(inputs, labels);
        vk.TrainStep(inputs, labels);
        Assert.Equal(cpuLoss, vk.LastLoss, Tolerance(cpuLoss));
        AssertClose(trained.Parameters.ToArray(), vk.ReadParameters(), "parameters after resuming on the CPU");
        // And back: the device takes the CPU's state.
        var other = new DeviceClassifier(seed: 5);
        vk.CopyFrom(other);
        Assert.Equal(other.Parameters.ToArray(), vk.ReadParameters());
        Assert.Equal(0, vk.Step);
    }

    [Fact]
    public void Batch_of_one_and_growing_batches_match_cpu()
    {
        var cpu = new DeviceClassifier();
        using var vk = new DeviceClassifier().ToVulkan(device.Device);
        foreach (int batch in new[] { 1, 70, 4 })
        {
            var (inputs, labels) = Classification(batch, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: batch);
            float expected = cpu.TrainStep(inputs, labels);
            vk.TrainStep(inputs, labels);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertPredictions(cpu.Predict, vk.Predict, inputs, DeviceClassifier.InputSize, DeviceClassifier.OutputSize);
        }
        AssertClose(cpu.Parameters.ToArray(), vk.ReadParameters(), "parameters");
    }

    [Fact]
    public void Models_with_ops_without_shaders_get_no_vulkan_network()
    {
        Assert.NotNull(typeof(DeviceClassifier).GetMethod("ToVulkan"));
        Assert.Null(typeof(CpuOnlyResidual).GetMethod("ToVulkan"));
        Assert.Null(typeof(CpuOnlyResidual).GetNestedType("Vulkan", BindingFlags.Public));
    }

    private delegate void Predictor(ReadOnlySpan<float> inputs, Span<float> outputs);

    private static void Regression<TModel, TVulkan>(Func<TModel> create, Func<TModel, TVulkan> toVulkan, int inputSize, int outputSize, int steps,
        Func<TModel, float[], float[], float> cpuStep, Action<TVulkan, float[], float[]> vulkanStep, Func<TModel, float[]> parameters,
        Action<TModel, float[], float[]> cpuPredict, Action<TVulkan, float[], float[]> vulkanPredict, bool probabilities)
        where TVulkan : VulkanNetwork
    {
        var random = new Random(7);
        float[] inputs = Enumerable.Range(0, Batch * inputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] targets = Enumerable.Range(0, Batch * outputSize).Select(_ => probabilities ? (float)random.NextDouble() : (float)(random.NextDouble() * 2 - 1)).ToArray();
        TModel cpu = create();
        using TVulkan vk = toVulkan(create());
        for (int step = 0; step < steps; step++)
        {
            float expected = cpuStep(cpu, inputs, targets);
            vulkanStep(vk, inputs, targets);
            Assert.Equal(expected, vk.LastLoss, Tolerance(expected));
            AssertClose(parameters(cpu), vk.ReadParameters(), $"parameters after step {step + 1}");
        }
        var expectedOutputs = new float[Batch * outputSize];
        var outputs = new float[Batch * outputSize];
        cpuPredict(cpu, inputs, expectedOutputs);
        vulkanPredict(vk, inputs, outputs);
        AssertClose(expectedOutputs, outputs, "predictions");
    }

    private static void AssertPredictions(Predictor cpu, Predictor vk, float[] inputs, int inputSize, int outputs)
    {
        int batch = inputs.Length / inputSize;
        var expected = new float[batch * outputs];
        var actual = new float[batch * outputs];
        cpu(inputs, expected);
        vk(inputs, actual);
        AssertClose(expected, actual, "predictions");
    }



}
