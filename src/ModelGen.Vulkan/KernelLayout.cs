using System.Collections.Concurrent;
using Silk.NET.Vulkan;

namespace ModelGen.Vulkan;

/// <summary>
/// The one binding layout every emitted shader uses — descriptor set 0 holds <see cref="BindingCount"/> storage
/// buffers (register u0…u11, in <see cref="ShaderBinding"/> order), and three push constants {Batch, Training, Groups}
/// — and the compute pipelines of one device, built once per shader source and shared by every network on the device
/// (lavapipe compiles each pipeline with LLVM, so a create/dispose loop must not rebuild them).
/// </summary>
internal sealed unsafe class KernelLayout : IDisposable
{
    public const int BindingCount = 13;
    public const int PushConstantBytes = 12;

    private readonly VulkanDevice _device;
    private readonly ConcurrentDictionary<string, Lazy<Pipeline>> _pipelines = new();

    public KernelLayout(VulkanDevice device)
    {
        _device = device;
        Vk api = device.Api;
        var bindings = stackalloc DescriptorSetLayoutBinding[BindingCount];
        for (int i = 0; i < BindingCount; i++)
            bindings[i] = new DescriptorSetLayoutBinding((uint)i, DescriptorType.StorageBuffer, 1, ShaderStageFlags.ComputeBit);
        var setInfo = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = BindingCount, PBindings = bindings };
        VulkanDevice.Check(api.CreateDescriptorSetLayout(device.Handle, &setInfo, null, out DescriptorSetLayout setLayout), "vkCreateDescriptorSetLayout");
        SetLayout = setLayout;
        var push = new PushConstantRange(ShaderStageFlags.ComputeBit, 0, PushConstantBytes);
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayout,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &push,
        };
        VulkanDevice.Check(api.CreatePipelineLayout(device.Handle, &layoutInfo, null, out PipelineLayout pipelineLayout), "vkCreatePipelineLayout");
        PipelineLayout = pipelineLayout;
    }

    public DescriptorSetLayout SetLayout { get; }

    public PipelineLayout PipelineLayout { get; }

    /// <summary>The compute pipeline of <paramref name="shader"/>, compiled (HLSL → SPIR-V → device code) on first use.</summary>
    public Pipeline Pipeline(ComputeShader shader)
        => _pipelines.GetOrAdd(shader.Source, _ => new Lazy<Pipeline>(() => Create(shader))).Value;

    private Pipeline Create(ComputeShader shader)
    {
        Vk api = _device.Api;
        byte[] spirv = ShaderCompiler.Compile(shader);
        ShaderModule module;
        fixed (byte* code = spirv)
        {
            var moduleInfo = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)spirv.Length, PCode = (uint*)code };
            VulkanDevice.Check(api.CreateShaderModule(_device.Handle, &moduleInfo, null, out module), "vkCreateShaderModule");
        }
        try
        {
            byte* entry = stackalloc byte[] { (byte)'m', (byte)'a', (byte)'i', (byte)'n', 0 };
            var info = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Stage = new PipelineShaderStageCreateInfo { SType = StructureType.PipelineShaderStageCreateInfo, Stage = ShaderStageFlags.ComputeBit, Module = module, PName = entry },
                Layout = PipelineLayout,
            };
            Result result = api.CreateComputePipelines(_device.Handle, default, 1, &info, null, out Pipeline pipeline);
            if (result != Result.Success)
                throw new ShaderCompilationException(shader.Name, $"vkCreateComputePipelines returned {result}");
            return pipeline;
        }
        finally
        {
            api.DestroyShaderModule(_device.Handle, module, null);
        }
    }

    public void Dispose()
    {
        Vk api = _device.Api;
        foreach (Lazy<Pipeline> pipeline in _pipelines.Values)
            if (pipeline.IsValueCreated)
                api.DestroyPipeline(_device.Handle, pipeline.Value, null);
        _pipelines.Clear();
        api.DestroyPipelineLayout(_device.Handle, PipelineLayout, null);
        api.DestroyDescriptorSetLayout(_device.Handle, SetLayout, null);
    }
}

/// <summary>The storage buffers every emitted shader sees, by binding (HLSL register u<i>n</i>).</summary>
public enum ShaderBinding
{
    /// <summary>Trainable parameters, in manifest order (float).</summary>
    Parameters = 0,
    /// <summary>Their gradients (float).</summary>
    Gradients = 1,
    /// <summary>Non-trainable state, e.g. running statistics (float).</summary>
    State = 2,
    /// <summary>The optimizer's first state tensor (float, one per parameter).</summary>
    Moment1 = 3,
    /// <summary>The optimizer's second state tensor (float, one per parameter).</summary>
    Moment2 = 4,
    /// <summary>Activations, gradients and saved tensors of the batch, each at Batch × its per-sample offset (float).</summary>
    Values = 5,
    /// <summary>The batch's inputs (float).</summary>
    Inputs = 6,
    /// <summary>The batch's regression or probability targets (float).</summary>
    Targets = 7,
    /// <summary>The batch's class labels (int).</summary>
    Labels = 8,
    /// <summary>Per-row or per-element loss terms; Predict's probabilities (float).</summary>
    Terms = 9,
    /// <summary>Scalars: the loss, the clipping scale, 1, and what the host sets per step (learning rate, dropout keys).</summary>
    Scalars = 10,
    /// <summary>Per-group partial sums of the reductions (float).</summary>
    Partials = 11,
    /// <summary>The optimizer's third state tensor (AMSGrad's largest second moment, centred RMSProp's gradient average; float).</summary>
    Moment3 = 12,
}
