using System.Runtime.InteropServices;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace ModelGen.Vulkan;

/// <summary>
/// One Vulkan device with a compute queue: what every <see cref="VulkanNetwork"/> on it shares. Any Vulkan 1.1 device
/// serves — a GPU, or Mesa's lavapipe (llvmpipe) on the CPU, which is what the tests and CI run on. Networks created on
/// a device must be disposed before it.
/// </summary>
public sealed unsafe class VulkanDevice : IDisposable
{
    private readonly Instance _instance;
    private readonly uint _memoryType;
    private bool _disposed;

    private VulkanDevice(Vk api, Instance instance, Device device, Queue queue, uint queueFamily, uint memoryType, string name, PhysicalDeviceType kind)
    {
        Api = api;
        _instance = instance;
        Handle = device;
        Queue = queue;
        QueueFamily = queueFamily;
        _memoryType = memoryType;
        Name = name;
        Kind = kind;
    }

    /// <summary>The device's name as its driver reports it (for lavapipe: "llvmpipe (LLVM …)").</summary>
    public string Name { get; }

    /// <summary>Discrete GPU, integrated GPU, CPU (lavapipe) or other.</summary>
    public PhysicalDeviceType Kind { get; }

    internal Vk Api { get; }

    internal Device Handle { get; }

    internal Queue Queue { get; }

    internal uint QueueFamily { get; }

    /// <summary>The binding layout and the compute pipelines of this device, shared by its networks.</summary>
    internal KernelLayout Kernels
    {
        get
        {
            lock (QueueGate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _kernels ??= new KernelLayout(this);
            }
        }
    }

    private KernelLayout? _kernels;

    /// <summary>Serializes queue submissions of the networks sharing this device (a VkQueue is externally synchronized).</summary>
    internal object QueueGate { get; } = new();

    /// <summary>
    /// Opens the first Vulkan device with a compute queue, preferring discrete GPUs, then integrated ones, then the
    /// rest; <paramref name="nameContains"/> (or the environment variable MODELGEN_VULKAN_DEVICE) picks one by name.
    /// Throws <see cref="VulkanUnavailableException"/> saying what is missing when there is no loader or no device.
    /// </summary>
    public static VulkanDevice Create(string? nameContains = null)
    {
        nameContains ??= Environment.GetEnvironmentVariable("MODELGEN_VULKAN_DEVICE");
        Vk api;
        try
        {
            api = Vk.GetApi();
        }
        catch (Exception e) when (e is DllNotFoundException or FileNotFoundException or InvalidOperationException or PlatformNotSupportedException)
        {
            throw new VulkanUnavailableException("the Vulkan loader (libvulkan.so.1 / vulkan-1.dll) is not installed; on Debian: apt-get install libvulkan1 mesa-vulkan-drivers", e);
        }

        Instance instance = CreateInstance(api);
        try
        {
            (PhysicalDevice physical, uint family, string name, PhysicalDeviceType kind) = PickDevice(api, instance, nameContains);
            uint memoryType = HostVisibleMemory(api, physical);
            float priority = 1f;
            var queueInfo = new DeviceQueueCreateInfo { SType = StructureType.DeviceQueueCreateInfo, QueueFamilyIndex = family, QueueCount = 1, PQueuePriorities = &priority };
            var deviceInfo = new DeviceCreateInfo { SType = StructureType.DeviceCreateInfo, QueueCreateInfoCount = 1, PQueueCreateInfos = &queueInfo };
            Check(api.CreateDevice(physical, &deviceInfo, null, out Device device), "vkCreateDevice");
            api.GetDeviceQueue(device, family, 0, out Queue queue);
            return new VulkanDevice(api, instance, device, queue, family, memoryType, name, kind);
        }
        catch
        {
            api.DestroyInstance(instance, null);
            throw;
        }
    }

    private static Instance CreateInstance(Vk api)
    {
        byte* application = (byte*)SilkMarshal.StringToPtr("ModelGen");
        try
        {
            var appInfo = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = application,
                PEngineName = application,
                ApiVersion = Vk.Version11,
            };
            var createInfo = new InstanceCreateInfo { SType = StructureType.InstanceCreateInfo, PApplicationInfo = &appInfo };
            Result result = api.CreateInstance(&createInfo, null, out Instance instance);
            if (result != Result.Success)
                throw new VulkanUnavailableException($"vkCreateInstance returned {result}: no Vulkan driver is installed (on Debian: apt-get install mesa-vulkan-drivers for lavapipe)");
            return instance;
        }
        finally
        {
            SilkMarshal.Free((nint)application);
        }
    }

    private static (PhysicalDevice Device, uint Family, string Name, PhysicalDeviceType Kind) PickDevice(Vk api, Instance instance, string? nameContains)
    {
        uint count = 0;
        Check(api.EnumeratePhysicalDevices(instance, &count, null), "vkEnumeratePhysicalDevices");
        if (count == 0)
            throw new VulkanUnavailableException("the Vulkan loader found no device (on Debian: apt-get install mesa-vulkan-drivers for lavapipe)");
        var devices = new PhysicalDevice[count];
        fixed (PhysicalDevice* pointer = devices)
            Check(api.EnumeratePhysicalDevices(instance, &count, pointer), "vkEnumeratePhysicalDevices");

        var candidates = new List<(PhysicalDevice, uint, string, PhysicalDeviceType)>();
        foreach (PhysicalDevice device in devices)
        {
            api.GetPhysicalDeviceProperties(device, out PhysicalDeviceProperties properties);
            string name = SilkMarshal.PtrToString((nint)properties.DeviceName) ?? "";
            if (properties.ApiVersion < Vk.Version11 || (nameContains is not null && !name.Contains(nameContains, StringComparison.OrdinalIgnoreCase)))
                continue;
            if (ComputeFamily(api, device) is uint family)
                candidates.Add((device, family, name, properties.DeviceType));
        }
        if (candidates.Count == 0)
            throw new VulkanUnavailableException(nameContains is null
                ? "no Vulkan 1.1 device with a compute queue"
                : $"no Vulkan 1.1 device with a compute queue whose name contains '{nameContains}'");
        static int Rank(PhysicalDeviceType kind) => kind switch
        {
            PhysicalDeviceType.DiscreteGpu => 0,
            PhysicalDeviceType.IntegratedGpu => 1,
            PhysicalDeviceType.VirtualGpu => 2,
            PhysicalDeviceType.Cpu => 3,
            _ => 4,
        };
        return candidates.OrderBy(c => Rank(c.Item4)).First();
    }

    private static uint? ComputeFamily(Vk api, PhysicalDevice device)
    {
        uint count = 0;
        api.GetPhysicalDeviceQueueFamilyProperties(device, &count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* pointer = families)
            api.GetPhysicalDeviceQueueFamilyProperties(device, &count, pointer);
        for (uint i = 0; i < count; i++)
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) != 0)
                return i;
        return null;
    }

    /// <summary>
    /// Host-visible, coherent memory, device-local too where the device has it (integrated GPUs, lavapipe, resizable
    /// BAR): every buffer is mapped once, so uploads and read-backs are plain copies with no staging.
    /// </summary>
    private static uint HostVisibleMemory(Vk api, PhysicalDevice device)
    {
        api.GetPhysicalDeviceMemoryProperties(device, out PhysicalDeviceMemoryProperties memory);
        const MemoryPropertyFlags Required = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
        int fallback = -1;
        for (int i = 0; i < memory.MemoryTypeCount; i++)
        {
            MemoryPropertyFlags flags = memory.MemoryTypes[i].PropertyFlags;
            if ((flags & Required) != Required)
                continue;
            if ((flags & MemoryPropertyFlags.DeviceLocalBit) != 0)
                return (uint)i;
            if (fallback < 0)
                fallback = i;
        }
        // Vulkan guarantees a host-visible coherent type; a driver without one is broken.
        return fallback >= 0 ? (uint)fallback : throw new VulkanUnavailableException("the device offers no host-visible coherent memory");
    }

    /// <summary>A storage buffer of <paramref name="bytes"/> bytes, mapped for the host for its whole life.</summary>
    internal DeviceBuffer CreateBuffer(long bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong size = (ulong)Math.Max(bytes, 16);
        var info = new BufferCreateInfo { SType = StructureType.BufferCreateInfo, Size = size, Usage = BufferUsageFlags.StorageBufferBit, SharingMode = SharingMode.Exclusive };
        Check(Api.CreateBuffer(Handle, &info, null, out Silk.NET.Vulkan.Buffer buffer), "vkCreateBuffer");
        Api.GetBufferMemoryRequirements(Handle, buffer, out MemoryRequirements requirements);
        if ((requirements.MemoryTypeBits & (1u << (int)_memoryType)) == 0)
        {
            Api.DestroyBuffer(Handle, buffer, null);
            throw new InvalidOperationException($"{Name}: storage buffers cannot live in the host-visible memory type {_memoryType}");
        }
        var allocation = new MemoryAllocateInfo { SType = StructureType.MemoryAllocateInfo, AllocationSize = requirements.Size, MemoryTypeIndex = _memoryType };
        Result result = Api.AllocateMemory(Handle, &allocation, null, out DeviceMemory memory);
        if (result != Result.Success)
        {
            Api.DestroyBuffer(Handle, buffer, null);
            throw new OutOfMemoryException($"{Name}: vkAllocateMemory of {requirements.Size} bytes returned {result}");
        }
        Check(Api.BindBufferMemory(Handle, buffer, memory, 0), "vkBindBufferMemory");
        void* mapped;
        Check(Api.MapMemory(Handle, memory, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
        Interlocked.Increment(ref s_liveBuffers);
        return new DeviceBuffer(buffer, memory, (byte*)mapped, (long)size);
    }

    internal void DestroyBuffer(DeviceBuffer buffer)
    {
        Api.UnmapMemory(Handle, buffer.Memory);
        Api.DestroyBuffer(Handle, buffer.Handle, null);
        Api.FreeMemory(Handle, buffer.Memory, null);
        Interlocked.Decrement(ref s_liveBuffers);
    }

    /// <summary>Vulkan buffers alive across every device of this process: what a create/dispose loop must bring back to where it started.</summary>
    public static long LiveBuffers => Interlocked.Read(ref s_liveBuffers);

    private static long s_liveBuffers;

    internal static void Check(Result result, string call)
    {
        if (result != Result.Success)
            throw new InvalidOperationException($"{call} returned {result}");
    }

    /// <summary>Destroys the device and the instance; every network on it must be disposed first.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Api.DeviceWaitIdle(Handle);
        _kernels?.Dispose();
        Api.DestroyDevice(Handle, null);
        Api.DestroyInstance(_instance, null);
        Api.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Kind})";
}

/// <summary>A Vulkan buffer with its memory, mapped for the host.</summary>
internal readonly unsafe struct DeviceBuffer(Silk.NET.Vulkan.Buffer handle, DeviceMemory memory, byte* mapped, long bytes)
{
    public Silk.NET.Vulkan.Buffer Handle { get; } = handle;

    public DeviceMemory Memory { get; } = memory;

    public long Bytes { get; } = bytes;

    public Span<T> As<T>(long count) where T : unmanaged => new(mapped, checked((int)count));
}

/// <summary>There is no usable Vulkan on this machine: the message says what is missing.</summary>
public sealed class VulkanUnavailableException : NotSupportedException
{
    /// <summary>Creates the exception.</summary>
    public VulkanUnavailableException(string reason, Exception? inner = null) : base("Vulkan is not available: " + reason + ".", inner)
    {
    }
}
