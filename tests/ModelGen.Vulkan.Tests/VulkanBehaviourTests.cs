using ModelGen.DeviceTests;
using static ModelGen.DeviceTests.DeviceAssertions;

namespace ModelGen.Vulkan.Tests;

/// <summary>Training through the shaders, bad input, and device buffers over many networks.</summary>
[Collection(VulkanCollection.Name)]
public sealed class VulkanBehaviourTests(VulkanFixture device)
{
    [Fact]
    public void Xor_trains_through_the_shaders()
    {
        float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
        int[] labels = [0, 1, 1, 0];
        using var vk = new DeviceXor().ToVulkan(device.Device);
        float first = vk.ComputeLoss(inputs, labels);
        for (int step = 0; step < 300; step++)
            vk.TrainStep(inputs, labels);
        var probabilities = new float[8];
        vk.Predict(inputs, probabilities);
        for (int i = 0; i < 4; i++)
            Assert.True(probabilities[i * 2 + labels[i]] > 0.9f, $"XOR sample {i}: p(correct) = {probabilities[i * 2 + labels[i]]} (loss {first} → {vk.LastLoss})");
    }

    [Fact]
    public void Two_spirals_train_through_the_shaders()
    {
        var (inputs, labels) = Spirals(pointsPerArm: 48);
        using var vk = new DeviceSpirals().ToVulkan(device.Device);
        for (int step = 0; step < 400; step++)
            vk.TrainStep(inputs, labels);
        var probabilities = new float[labels.Length * 2];
        vk.Predict(inputs, probabilities);
        int correct = Enumerable.Range(0, labels.Length).Count(i => probabilities[i * 2 + labels[i]] > 0.5f);
        Assert.True(correct >= labels.Length * 95 / 100, $"two spirals: {correct} of {labels.Length} right after 400 steps (loss {vk.LastLoss})");
    }

    [Fact]
    public void Bad_input_is_rejected_as_on_the_cpu_and_changes_nothing()
    {
        var cpu = new DeviceClassifier();
        using var vk = new DeviceClassifier().ToVulkan(device.Device);
        var (inputs, labels) = Classification(4, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 8);
        vk.TrainStep(inputs, labels);
        float[] before = vk.ReadParameters();
        long step = vk.Step;
        float[] ragged = inputs[..^1];
        int[] outOfRange = [0, 1, 5, 2];
        AssertSameError(() => cpu.TrainStep(ragged, labels), () => vk.TrainStep(ragged, labels));
        AssertSameError(() => cpu.TrainStep(inputs, outOfRange), () => vk.TrainStep(inputs, outOfRange));
        AssertSameError(() => cpu.TrainStep(inputs, labels[..3]), () => vk.TrainStep(inputs, labels[..3]));
        AssertSameError(() => cpu.Predict(inputs, new float[3]), () => vk.Predict(inputs, new float[3]));
        AssertSameError(() => cpu.ComputeLoss([], []), () => vk.ComputeLoss([], []));
        Assert.Equal(before, vk.ReadParameters());
        Assert.Equal(step, vk.Step);

        vk.Dispose();
        Assert.Throws<ObjectDisposedException>(() => vk.TrainStep(inputs, labels));
    }

    [Fact]
    public void A_training_step_allocates_nothing_on_the_host()
    {
        var (inputs, labels) = Classification(16, DeviceDropout.InputSize, DeviceDropout.OutputSize, seed: 12);
        using var vk = new DeviceDropout().ToVulkan(device.Device);
        for (int i = 0; i < 3; i++)
            vk.TrainStep(inputs, labels); // records the command buffer for this batch size
        _ = vk.LastLoss;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            vk.TrainStep(inputs, labels);
            _ = vk.LastLoss;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_thousand_networks_created_and_disposed_leave_no_vulkan_buffer()
    {
        var (inputs, labels) = Classification(3, DeviceClassifier.InputSize, DeviceClassifier.OutputSize, seed: 5);
        var model = new DeviceClassifier();
        using (var warm = model.ToVulkan(device.Device))
            warm.TrainStep(inputs, labels); // builds the pipelines once (the device keeps them)
        long live = VulkanDevice.LiveBuffers;
        for (int i = 0; i < 1000; i++)
        {
            using var vk = model.ToVulkan(device.Device);
            if (i % 100 == 0)
                vk.TrainStep(inputs, labels); // grows the batch buffers too
        }
        Assert.Equal(live, VulkanDevice.LiveBuffers);
    }


}
