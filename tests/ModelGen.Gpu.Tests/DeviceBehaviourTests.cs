using ILGPU;
using ILGPU.Runtime;
using ModelGen.DeviceTests;
using static ModelGen.DeviceTests.DeviceAssertions;

namespace ModelGen.Gpu.Tests;

/// <summary>Training on the device, bad input, device-resident batches and device memory over many networks.</summary>
[Collection(DeviceCollection.Name)]
public sealed class DeviceBehaviourTests(DeviceFixture device)
{
    [Fact]
    public void Xor_trains_on_the_device()
    {
        float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
        int[] labels = [0, 1, 1, 0];
        using var gpu = new DeviceXor().ToGpu(device.Accelerator);
        float first = gpu.ComputeLoss(inputs, labels);
        for (int step = 0; step < 300; step++)
            gpu.TrainStep(inputs, labels);
        var probabilities = new float[8];
        gpu.Predict(inputs, probabilities);
        for (int i = 0; i < 4; i++)
            Assert.True(probabilities[i * 2 + labels[i]] > 0.9f, $"XOR sample {i}: p(correct) = {probabilities[i * 2 + labels[i]]} (loss {first} → {gpu.LastLoss})");
    }

    [Fact]
    public void Two_spirals_train_on_the_device()
    {
        var (inputs, labels) = Spirals(pointsPerArm: 48);
        using var gpu = new DeviceSpirals().ToGpu(device.Accelerator);
        for (int step = 0; step < 400; step++)
            gpu.TrainStep(inputs, labels);
        var probabilities = new float[labels.Length * 2];
        gpu.Predict(inputs, probabilities);
        int correct = Enumerable.Range(0, labels.Length).Count(i => probabilities[i * 2 + labels[i]] > 0.5f);
        Assert.True(correct >= labels.Length * 95 / 100, $"two spirals: {correct} of {labels.Length} right after 400 steps (loss {gpu.LastLoss})");
    }

    [Fact]
    public void Bad_input_is_rejected_as_on_the_cpu_and_changes_nothing()
    {
        var cpu = new DeviceClassifier();
        using var gpu = new DeviceClassifier().ToGpu(device.Accelerator);
        var (inputs, labels) = Classification(4, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 8);
        gpu.TrainStep(inputs, labels);
        float[] before = gpu.ReadParameters();
        long step = gpu.Step;
        float[] ragged = inputs[..^1];
        int[] outOfRange = [0, 1, 5, 2];
        AssertSameError(() => cpu.TrainStep(ragged, labels), () => gpu.TrainStep(ragged, labels));
        AssertSameError(() => cpu.TrainStep(inputs, outOfRange), () => gpu.TrainStep(inputs, outOfRange));
        AssertSameError(() => cpu.TrainStep(inputs, labels[..3]), () => gpu.TrainStep(inputs, labels[..3]));
        AssertSameError(() => cpu.Predict(inputs, new float[3]), () => gpu.Predict(inputs, new float[3]));
        AssertSameError(() => cpu.ComputeLoss([], []), () => gpu.ComputeLoss([], []));
        Assert.Equal(before, gpu.ReadParameters());
        Assert.Equal(step, gpu.Step);

        using var deviceInputs = device.Accelerator.Allocate1D(ragged);
        using var deviceLabels = device.Accelerator.Allocate1D(labels);
        var error = Assert.Throws<ArgumentException>(() => gpu.TrainStep(deviceInputs.View, deviceLabels.View));
        Assert.Contains("DeviceClassifier.TrainStep", error.Message);
        Assert.Contains("'Hidden' takes [batch × 20]", error.Message);
        Assert.Equal(before, gpu.ReadParameters());

        gpu.Dispose();
        Assert.Throws<ObjectDisposedException>(() => gpu.TrainStep(inputs, labels));
    }

    [Fact]
    public void Device_resident_batches_train_like_uploaded_ones()
    {
        var (inputs, labels) = Classification(9, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 4);
        using var uploaded = new DeviceClassifier().ToGpu(device.Accelerator);
        using var resident = new DeviceClassifier().ToGpu(device.Accelerator);
        using var deviceInputs = device.Accelerator.Allocate1D(inputs);
        using var deviceLabels = device.Accelerator.Allocate1D(labels);
        for (int step = 0; step < 3; step++)
        {
            uploaded.TrainStep(inputs, labels);
            resident.TrainStep(deviceInputs.View, deviceLabels.View);
            Assert.Equal(uploaded.LastLoss, resident.LastLoss);
        }
        Assert.Equal(uploaded.ReadParameters(), resident.ReadParameters());
    }

    [Fact]
    public void An_out_of_range_label_on_the_device_gives_a_nan_loss()
    {
        var (inputs, _) = Classification(2, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 6);
        using var gpu = new DeviceClassifier().ToGpu(device.Accelerator);
        using var deviceInputs = device.Accelerator.Allocate1D(inputs);
        using var deviceLabels = device.Accelerator.Allocate1D(new[] { 1, 7 });
        gpu.TrainStep(deviceInputs.View, deviceLabels.View);
        Assert.True(float.IsNaN(gpu.LastLoss));
    }

    [Fact]
    public void A_thousand_networks_created_and_disposed_leave_no_device_buffer()
    {
        var (inputs, labels) = Classification(3, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 5);
        var model = new DeviceClassifier();
        using (var warm = model.ToGpu(device.Accelerator))
            warm.TrainStep(inputs, labels); // loads the kernels once
        long live = DeviceNetwork.LiveBuffers;
        for (int i = 0; i < 1000; i++)
        {
            using var gpu = model.ToGpu(device.Accelerator);
            if (i % 100 == 0)
                gpu.TrainStep(inputs, labels); // grows the batch buffers too
        }
        Assert.Equal(live, DeviceNetwork.LiveBuffers);
    }


}
