using ModelGen.Vulkan;

namespace Mnist;

/// <summary>The sample's --vulkan option: DigitClassifier's generated HLSL shaders on the first Vulkan device (a GPU, else lavapipe).</summary>
internal sealed class VulkanTraining : IDeviceTraining
{
    private readonly VulkanDevice _device;
    private readonly DigitClassifier.Vulkan _network;

    private VulkanTraining(VulkanDevice device, DigitClassifier model)
    {
        _device = device;
        _network = model.ToVulkan(device);
    }

    /// <summary>The model on the first Vulkan device, or null (and the reason) when there is none.</summary>
    public static VulkanTraining? Open(DigitClassifier model)
    {
        VulkanDevice device;
        try
        {
            device = VulkanDevice.Create();
        }
        catch (VulkanUnavailableException e)
        {
            Console.WriteLine($"--vulkan: {e.Message} Training on the CPU.");
            return null;
        }
        Console.WriteLine($"--vulkan: training on {device} with ModelGen.Vulkan ({DigitClassifier.Vulkan.Shaders.Count} HLSL compute shaders)");
        return new VulkanTraining(device, model);
    }

    public float TrainStep(ReadOnlySpan<float> images, ReadOnlySpan<int> labels)
    {
        _network.TrainStep(images, labels);
        return _network.LastLoss;
    }

    public void CopyTo(DigitClassifier model) => _network.CopyTo(model);

    public void Dispose()
    {
        _network.Dispose();
        _device.Dispose();
    }
}

/// <summary>A device backend the sample can train on instead of the CPU.</summary>
internal interface IDeviceTraining : IDisposable
{
    /// <summary>One step on the device; reads the loss back (the sample prints the epoch's mean).</summary>
    float TrainStep(ReadOnlySpan<float> images, ReadOnlySpan<int> labels);

    /// <summary>The device's weights, optimizer state and step count into the CPU model (for evaluation and saving).</summary>
    void CopyTo(DigitClassifier model);
}
