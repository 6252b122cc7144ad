using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace ModelGen.Gpu.Tests;

/// <summary>
/// One ILGPU context and accelerator for every test: ILGPU's CPU accelerator with NVIDIA's shape (32-wide warps), which
/// runs the same kernels as CUDA, group barriers and shared memory included, on any machine.
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    public DeviceFixture()
    {
        Context = Context.Create(builder => builder.CPU(CPUDevice.Nvidia).EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DeviceCollection : ICollectionFixture<DeviceFixture>
{
    public const string Name = "device";
}
