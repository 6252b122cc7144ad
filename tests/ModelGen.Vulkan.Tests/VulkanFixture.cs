namespace ModelGen.Vulkan.Tests;

/// <summary>
/// One Vulkan device for every test: the first one the loader offers (in CI, Mesa's lavapipe, which runs the shaders on
/// the CPU with LLVM). MODELGEN_VULKAN_DEVICE picks another by name.
/// </summary>
public sealed class VulkanFixture : IDisposable
{
    public VulkanFixture() => Device = VulkanDevice.Create();

    public VulkanDevice Device { get; }

    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(Name)]
public sealed class VulkanCollection : ICollectionFixture<VulkanFixture>
{
    public const string Name = "vulkan";
}
