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
        using var vk = new VkXor().ToVulkan(device.Device);
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
        using var vk = new VkSpirals().ToVulkan(device.Device);
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
        var cpu = new VkClassifier();
        using var vk = new VkClassifier().ToVulkan(device.Device);
        var (inputs, labels) = VulkanParityTests.Classification(4, VkClassifier.InputSize, VkClassifier.OutputSize, seed: 8);
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
        var (inputs, labels) = VulkanParityTests.Classification(16, VkDropout.InputSize, VkDropout.OutputSize, seed: 12);
        using var vk = new VkDropout().ToVulkan(device.Device);
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
        var (inputs, labels) = VulkanParityTests.Classification(3, VkClassifier.InputSize, VkClassifier.OutputSize, seed: 5);
        var model = new VkClassifier();
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

    /// <summary>Both calls throw the same argument exception type with the same message.</summary>
    internal static void AssertSameError(Action cpu, Action vulkan)
    {
        var expected = Assert.ThrowsAny<ArgumentException>(cpu);
        var actual = Assert.ThrowsAny<ArgumentException>(vulkan);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Message, actual.Message);
    }

    /// <summary>Two interleaved spirals of <paramref name="pointsPerArm"/> points each, radius growing with the angle.</summary>
    private static (float[] Inputs, int[] Labels) Spirals(int pointsPerArm)
    {
        var inputs = new float[pointsPerArm * 2 * 2];
        var labels = new int[pointsPerArm * 2];
        for (int i = 0; i < pointsPerArm; i++)
        {
            double angle = i * 3.0 * Math.PI / pointsPerArm, radius = 0.1 + i / (double)pointsPerArm;
            for (int arm = 0; arm < 2; arm++)
            {
                int n = i * 2 + arm;
                double sign = arm == 0 ? 1 : -1;
                inputs[n * 2] = (float)(sign * radius * Math.Cos(angle));
                inputs[n * 2 + 1] = (float)(sign * radius * Math.Sin(angle));
                labels[n] = arm;
            }
        }
        return (inputs, labels);
    }
}
