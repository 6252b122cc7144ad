using Silk.NET.Vulkan;

namespace ModelGen.Vulkan;

/// <summary>
/// What every generated Vulkan network stands on: the model's storage buffers (<see cref="ShaderBinding"/>), its
/// compute pipelines, one descriptor set, and three command buffers — the training step, the loss, and inference —
/// each recorded once per batch size by the generated <see cref="Record"/> and resubmitted as they are. The host
/// writes a step's batch and scalars into mapped memory after the previous submission's fence, submits, and returns;
/// nothing waits for the device except what returns data (<see cref="LastLoss"/>, Predict, ComputeLoss, the copies).
/// One call at a time: every public entry of a network takes its lock.
/// </summary>
public abstract unsafe class VulkanNetwork : IDisposable
{
    /// <summary>Scalar slot of the mean loss of the last loss pass.</summary>
    protected const int LossSlot = 0;

    /// <summary>Scalar slot of the gradient scale global-norm clipping leaves (1 without clipping).</summary>
    protected const int GradientScaleSlot = 1;

    /// <summary>Scalar slot holding 1: the scale of gradients that already carry the clipping scale.</summary>
    protected const int OneSlot = 2;

    private readonly VulkanDevice _device;
    private readonly KernelLayout _layout;
    private readonly Pipeline[] _pipelines;
    private readonly DeviceBuffer[] _buffers = new DeviceBuffer[KernelLayout.BindingCount];
    private readonly long _valuesPerSample, _termsPerSample;
    private readonly int _fixedValues;
    private readonly int _inputWidth, _targetWidth;
    private readonly DescriptorPool _pool;
    private readonly DescriptorSet _set;
    private readonly CommandPool _commandPool;
    private readonly CommandBuffer[] _commands = new CommandBuffer[3];
    private readonly int[] _recordedBatch = new int[3];
    private readonly Fence _fence;
    private int _rows;
    private bool _pending, _disposed;

    /// <param name="device">Where the network lives; it must outlive the network.</param>
    /// <param name="modelName">The model's class name, for messages.</param>
    /// <param name="shaders">The model's emitted shaders; <see cref="Record"/> dispatches them by index.</param>
    /// <param name="parameterCount">Trainable parameters.</param>
    /// <param name="stateCount">Non-trainable state values.</param>
    /// <param name="optimizerStates">State tensors of the optimizer (0–3), each the size of the parameters.</param>
    /// <param name="valuesPerSample">Elements per sample of all activation, gradient and saved tensors together.</param>
    /// <param name="fixedValues">Elements of saved tensors that do not grow with the batch (batch-norm statistics), after the batch rows.</param>
    /// <param name="inputWidth">Features per input sample.</param>
    /// <param name="targetWidth">Targets per sample: 1 for class labels, the output width otherwise.</param>
    /// <param name="termsPerSample">Loss terms (or Predict outputs) per sample.</param>
    /// <param name="scalarCount">Scalar slots the shaders read (at least 3).</param>
    protected VulkanNetwork(VulkanDevice device, string modelName, IReadOnlyList<ComputeShader> shaders, int parameterCount, int stateCount, int optimizerStates,
        long valuesPerSample, int fixedValues, int inputWidth, int targetWidth, int termsPerSample, int scalarCount)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(shaders);
        _device = device;
        ModelName = modelName;
        _layout = device.Kernels;
        _valuesPerSample = valuesPerSample;
        _fixedValues = fixedValues;
        _inputWidth = inputWidth;
        _targetWidth = targetWidth;
        _termsPerSample = termsPerSample;
        _pipelines = shaders.Select(_layout.Pipeline).ToArray();
        Vk api = device.Api;
        try
        {
            _buffers[(int)ShaderBinding.Parameters] = device.CreateBuffer(4L * parameterCount);
            _buffers[(int)ShaderBinding.Gradients] = device.CreateBuffer(4L * parameterCount);
            _buffers[(int)ShaderBinding.State] = device.CreateBuffer(4L * stateCount);
            for (int i = 0; i < Moments.Length; i++)
                _buffers[(int)Moments[i]] = device.CreateBuffer(optimizerStates > i ? 4L * parameterCount : 0);
            _buffers[(int)ShaderBinding.Scalars] = device.CreateBuffer(4L * Math.Max(scalarCount, 3));
            _buffers[(int)ShaderBinding.Partials] = device.CreateBuffer(4L * PartialGroups);
            foreach (ShaderBinding perBatch in PerBatch)
                _buffers[(int)perBatch] = device.CreateBuffer(0);
            ParameterCount = parameterCount;
            StateCount = stateCount;
            OptimizerStates = optimizerStates;
            foreach (ShaderBinding moment in Moments)
                _buffers[(int)moment].As<byte>(_buffers[(int)moment].Bytes).Clear();
            Span<float> scalars = Scalars;
            scalars.Clear();
            scalars[GradientScaleSlot] = 1f;
            scalars[OneSlot] = 1f;

            var poolSize = new DescriptorPoolSize(DescriptorType.StorageBuffer, KernelLayout.BindingCount);
            var poolInfo = new DescriptorPoolCreateInfo { SType = StructureType.DescriptorPoolCreateInfo, MaxSets = 1, PoolSizeCount = 1, PPoolSizes = &poolSize };
            VulkanDevice.Check(api.CreateDescriptorPool(device.Handle, &poolInfo, null, out _pool), "vkCreateDescriptorPool");
            DescriptorSetLayout setLayout = _layout.SetLayout;
            var setInfo = new DescriptorSetAllocateInfo { SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = _pool, DescriptorSetCount = 1, PSetLayouts = &setLayout };
            VulkanDevice.Check(api.AllocateDescriptorSets(device.Handle, &setInfo, out _set), "vkAllocateDescriptorSets");
            WriteDescriptors();

            var commandPoolInfo = new CommandPoolCreateInfo
            {
                SType = StructureType.CommandPoolCreateInfo,
                QueueFamilyIndex = device.QueueFamily,
                Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            };
            VulkanDevice.Check(api.CreateCommandPool(device.Handle, &commandPoolInfo, null, out _commandPool), "vkCreateCommandPool");
            var commandInfo = new CommandBufferAllocateInfo
            {
                SType = StructureType.CommandBufferAllocateInfo,
                CommandPool = _commandPool,
                Level = CommandBufferLevel.Primary,
                CommandBufferCount = 3,
            };
            fixed (CommandBuffer* commands = _commands)
                VulkanDevice.Check(api.AllocateCommandBuffers(device.Handle, &commandInfo, commands), "vkAllocateCommandBuffers");
            var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
            VulkanDevice.Check(api.CreateFence(device.Handle, &fenceInfo, null, out _fence), "vkCreateFence");
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The device the network runs on.</summary>
    public VulkanDevice Device => _device;

    /// <summary>Optimizer steps taken (carried over from the CPU model on copy).</summary>
    public long Step { get; protected set; }

    /// <summary>A learning-rate schedule chosen at run time, used instead of the declared one while set (steps count from 1).</summary>
    public ModelGen.Training.Schedule? LearningRateSchedule { get; set; }

    /// <summary>With <see cref="Step"/>, selects the dropout masks: the CPU model's seed, carried over on copy.</summary>
    protected int DropoutSeed { get; private set; }

    /// <summary>The lock every public entry of the generated network takes.</summary>
    protected object Gate { get; } = new();

    /// <summary>The model's class name.</summary>
    protected string ModelName { get; }

    private int ParameterCount { get; }

    private int StateCount { get; }

    private int OptimizerStates { get; }

    /// <summary>Groups of the first pass of every reduction (the second pass is one group): fixed, so sums are deterministic.</summary>
    public const int PartialGroups = 64;

    /// <summary>The optimizer's state tensors, in the order of the generated rule's state.</summary>
    private static readonly ShaderBinding[] Moments = { ShaderBinding.Moment1, ShaderBinding.Moment2, ShaderBinding.Moment3 };

    private static readonly ShaderBinding[] PerBatch = { ShaderBinding.Values, ShaderBinding.Inputs, ShaderBinding.Targets, ShaderBinding.Labels, ShaderBinding.Terms };

    private Span<float> Scalars => Buffer(ShaderBinding.Scalars).As<float>(Buffer(ShaderBinding.Scalars).Bytes / 4);

    private DeviceBuffer Buffer(ShaderBinding binding) => _buffers[(int)binding];

    /// <summary>The mean loss of the last TrainStep; waits for the device to finish it.</summary>
    public float LastLoss
    {
        get
        {
            lock (Gate)
            {
                ThrowIfDisposed();
                WaitForDevice();
                return Scalars[LossSlot];
            }
        }
    }

    /// <summary>Waits until the last submitted step has finished.</summary>
    public void Synchronize()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            WaitForDevice();
        }
    }

    /// <summary>Parameters as they are on the device now (waits for the device).</summary>
    public float[] ReadParameters()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            WaitForDevice();
            return Buffer(ShaderBinding.Parameters).As<float>(ParameterCount).ToArray();
        }
    }

    /// <summary>Gradients of the last TrainStep, before clipping and the update (waits for the device).</summary>
    public float[] ReadGradients()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            WaitForDevice();
            return Buffer(ShaderBinding.Gradients).As<float>(ParameterCount).ToArray();
        }
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the model once the network is disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    // ---- Host ↔ device copies ----

    /// <summary>Copies the CPU network's parameters, optimizer state and step count to the device (under its write lock).</summary>
    protected void CopyFromHost(ModelGen.Persistence.ICheckpointable<float> host)
    {
        var slots = host.OptimizerState;
        if (host.Parameters.Length != ParameterCount || host.State.Length != StateCount || slots.Count != OptimizerStates)
            throw new ArgumentException($"{ModelName}: the Vulkan network holds {ParameterCount} parameters, {StateCount} state values and {OptimizerStates} optimizer tensors, the model {host.Parameters.Length}, {host.State.Length} and {slots.Count}.");
        WaitForDevice();
        host.Gate.EnterWrite();
        try
        {
            host.Parameters.Span.CopyTo(Buffer(ShaderBinding.Parameters).As<float>(ParameterCount));
            host.State.Span.CopyTo(Buffer(ShaderBinding.State).As<float>(StateCount));
            for (int i = 0; i < slots.Count; i++)
                slots[i].Buffer.Span.CopyTo(Buffer(Moments[i]).As<float>(ParameterCount));
            Step = host.Position.Step;
            DropoutSeed = host.Position.DropoutSeed ?? 0;
        }
        finally
        {
            host.Gate.ExitWrite();
        }
    }

    /// <summary>Copies parameters, optimizer state and step count back into the CPU network (waits for the device; under the CPU network's write lock).</summary>
    protected void CopyToHost(ModelGen.Persistence.ICheckpointable<float> host)
    {
        var slots = host.OptimizerState;
        WaitForDevice();
        host.Gate.EnterWrite();
        try
        {
            Buffer(ShaderBinding.Parameters).As<float>(ParameterCount).CopyTo(host.Parameters.Span);
            Buffer(ShaderBinding.State).As<float>(StateCount).CopyTo(host.State.Span);
            for (int i = 0; i < slots.Count; i++)
                Buffer(Moments[i]).As<float>(ParameterCount).CopyTo(slots[i].Buffer.Span);
            host.Position = host.Position with { Step = Step };
        }
        finally
        {
            host.Gate.ExitWrite();
        }
    }

    // ---- A step, as the generated entries drive it ----

    /// <summary>Waits for the previous submission, then grows the batch-sized buffers to hold <paramref name="batch"/> samples (never shrinks them).</summary>
    protected void Prepare(int batch)
    {
        WaitForDevice();
        if (batch <= _rows)
            return;
        Replace(ShaderBinding.Values, 4 * (batch * _valuesPerSample + _fixedValues));
        Replace(ShaderBinding.Inputs, 4L * batch * _inputWidth);
        Replace(ShaderBinding.Targets, 4L * batch * _targetWidth);
        Replace(ShaderBinding.Labels, 4L * batch);
        Replace(ShaderBinding.Terms, 4 * batch * _termsPerSample);
        _rows = batch;
        WriteDescriptors();
        // The recorded command buffers name the old buffers through the descriptor set: record them again.
        Array.Clear(_recordedBatch);
    }

    /// <summary>Writes a batch of inputs into the device's input buffer.</summary>
    protected void WriteInputs(ReadOnlySpan<float> inputs) => inputs.CopyTo(Buffer(ShaderBinding.Inputs).As<float>(inputs.Length));

    /// <summary>Writes a batch of class labels.</summary>
    protected void WriteLabels(ReadOnlySpan<int> labels) => labels.CopyTo(Buffer(ShaderBinding.Labels).As<int>(labels.Length));

    /// <summary>Writes a batch of regression or probability targets.</summary>
    protected void WriteTargets(ReadOnlySpan<float> targets) => targets.CopyTo(Buffer(ShaderBinding.Targets).As<float>(targets.Length));

    /// <summary>Sets a scalar the shaders read this step (the learning rate, an optimizer's step size).</summary>
    protected void SetScalar(int slot, float value) => Scalars[slot] = value;

    /// <summary>Sets the dropout mask key and threshold of <paramref name="stream"/> at this step in slots <paramref name="slot"/> and <paramref name="slot"/> + 1 (as bits), as the CPU path draws them.</summary>
    protected void SetDropout(int slot, float rate, int stream)
    {
        Span<uint> bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(Scalars);
        bits[slot] = ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream);
        bits[slot + 1] = ModelGen.Ops.DropoutOp.MaskThreshold(rate);
    }

    /// <summary>Adam's bias-corrected step size and 1/√(1 − β₂ᵗ) at step <paramref name="step"/>, computed in float as the CPU path does.</summary>
    protected static (float StepSize, float InverseCorrection) AdamCorrections(float learningRate, float beta1, float beta2, long step)
        => (ModelGen.Optimizers.Adam.StepSize(learningRate, beta1, step), ModelGen.Optimizers.Adam.InverseCorrection2(beta2, step));

    /// <summary>
    /// Submits <paramref name="program"/> for <paramref name="batch"/> samples (recording it first when the batch size
    /// or the buffers changed) and returns; the next <see cref="Prepare"/> or read waits for it.
    /// </summary>
    protected void Submit(NetworkProgram program, int batch)
    {
        Vk api = _device.Api;
        CommandBuffer commands = _commands[(int)program];
        if (_recordedBatch[(int)program] != batch)
        {
            VulkanDevice.Check(api.ResetCommandBuffer(commands, 0), "vkResetCommandBuffer");
            var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo };
            VulkanDevice.Check(api.BeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
            DescriptorSet set = _set;
            api.CmdBindDescriptorSets(commands, PipelineBindPoint.Compute, _layout.PipelineLayout, 0, 1, &set, 0, null);
            Record(new ProgramRecorder(api, commands, _layout.PipelineLayout, _pipelines, batch, program == NetworkProgram.Train), program, batch);
            // The host reads results (the loss, outputs, parameters) from mapped memory once the fence signals.
            var toHost = new MemoryBarrier { SType = StructureType.MemoryBarrier, SrcAccessMask = AccessFlags.ShaderWriteBit, DstAccessMask = AccessFlags.HostReadBit };
            api.CmdPipelineBarrier(commands, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.HostBit, 0, 1, &toHost, 0, null, 0, null);
            VulkanDevice.Check(api.EndCommandBuffer(commands), "vkEndCommandBuffer");
            _recordedBatch[(int)program] = batch;
        }
        var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commands };
        lock (_device.QueueGate)
            VulkanDevice.Check(api.QueueSubmit(_device.Queue, 1, &submit, _fence), "vkQueueSubmit");
        _pending = true;
    }

    /// <summary>
    /// Records <paramref name="program"/> for <paramref name="batch"/> samples: the generated schedule's dispatches in
    /// order (the recorder puts a memory barrier after each).
    /// </summary>
    protected abstract void Record(ProgramRecorder recorder, NetworkProgram program, int batch);

    /// <summary>The mean loss of the last loss pass (waits for the device).</summary>
    protected float ReadLoss()
    {
        WaitForDevice();
        return Scalars[LossSlot];
    }

    /// <summary>Copies <paramref name="destination"/>.Length values from <paramref name="binding"/> at element <paramref name="offset"/> (waits for the device).</summary>
    protected void Read(ShaderBinding binding, long offset, Span<float> destination)
    {
        WaitForDevice();
        DeviceBuffer buffer = Buffer(binding);
        buffer.As<float>(buffer.Bytes / 4).Slice(checked((int)offset), destination.Length).CopyTo(destination);
    }

    private void WaitForDevice()
    {
        if (!_pending)
            return;
        Vk api = _device.Api;
        Fence fence = _fence;
        VulkanDevice.Check(api.WaitForFences(_device.Handle, 1, &fence, true, ulong.MaxValue), "vkWaitForFences");
        VulkanDevice.Check(api.ResetFences(_device.Handle, 1, &fence), "vkResetFences");
        _pending = false;
    }

    private void Replace(ShaderBinding binding, long bytes)
    {
        _device.DestroyBuffer(_buffers[(int)binding]);
        _buffers[(int)binding] = default;
        _buffers[(int)binding] = _device.CreateBuffer(bytes);
    }

    private void WriteDescriptors()
    {
        var infos = stackalloc DescriptorBufferInfo[KernelLayout.BindingCount];
        var writes = stackalloc WriteDescriptorSet[KernelLayout.BindingCount];
        for (int i = 0; i < KernelLayout.BindingCount; i++)
        {
            infos[i] = new DescriptorBufferInfo(_buffers[i].Handle, 0, Vk.WholeSize);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = _set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        _device.Api.UpdateDescriptorSets(_device.Handle, KernelLayout.BindingCount, writes, 0, null);
    }

    /// <summary>Frees the network's buffers, descriptor set and command buffers (the device's pipelines stay for its next network).</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            if (_pending)
                WaitForDevice();
            Release();
        }
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        Vk api = _device.Api;
        if (_fence.Handle != 0)
            api.DestroyFence(_device.Handle, _fence, null);
        if (_commandPool.Handle != 0)
            api.DestroyCommandPool(_device.Handle, _commandPool, null);
        if (_pool.Handle != 0)
            api.DestroyDescriptorPool(_device.Handle, _pool, null);
        for (int i = 0; i < _buffers.Length; i++)
            if (_buffers[i].Handle.Handle != 0)
            {
                _device.DestroyBuffer(_buffers[i]);
                _buffers[i] = default;
            }
    }
}

/// <summary>The three command buffers of a network.</summary>
public enum NetworkProgram
{
    /// <summary>Forward (training mode), loss and its gradient, backward, clipping and the update.</summary>
    Train = 0,
    /// <summary>Forward (inference mode) and the loss.</summary>
    Evaluate = 1,
    /// <summary>Forward (inference mode) and the output's probabilities.</summary>
    Predict = 2,
}

/// <summary>
/// Records dispatches into a network's command buffer: pipeline, push constants {Batch, Training, Groups}, the
/// dispatch, then a compute-to-compute memory barrier, since every dispatch reads what the one before wrote.
/// </summary>
public readonly unsafe struct ProgramRecorder
{
    private readonly Vk _api;
    private readonly CommandBuffer _commands;
    private readonly PipelineLayout _layout;
    private readonly Pipeline[] _pipelines;
    private readonly uint _batch, _training;

    internal ProgramRecorder(Vk api, CommandBuffer commands, PipelineLayout layout, Pipeline[] pipelines, int batch, bool training)
    {
        _api = api;
        _commands = commands;
        _layout = layout;
        _pipelines = pipelines;
        _batch = (uint)batch;
        _training = training ? 1u : 0u;
    }

    /// <summary>An element-wise or per-row shader over <paramref name="count"/> items: 64 threads a group, at most 4096 groups (the shader strides by Groups × 64).</summary>
    public void Elements(int shader, long count)
    {
        int groups = (int)Math.Clamp((count + 63) / 64, 1, MaxElementGroups);
        Dispatch(shader, groups, 1, groups);
    }

    /// <summary>A tiled GEMM shader over C [<paramref name="rows"/> × <paramref name="columns"/>]: one 64 × 64 tile per group.</summary>
    public void Tiles(int shader, long rows, long columns) => Dispatch(shader, (int)((columns + 63) / 64), (int)((rows + 63) / 64), 0);

    /// <summary>The first pass of a reduction: <see cref="VulkanNetwork.PartialGroups"/> groups of 256 threads.</summary>
    public void SumPartials(int shader) => Dispatch(shader, VulkanNetwork.PartialGroups, 1, VulkanNetwork.PartialGroups);

    /// <summary>The second pass of a reduction: one group adds the partials.</summary>
    public void SumFinish(int shader) => Dispatch(shader, 1, 1, VulkanNetwork.PartialGroups);

    /// <summary>The most groups an element-wise dispatch uses (within every device's 65,535 limit).</summary>
    public const int MaxElementGroups = 4096;

    private void Dispatch(int shader, int groupsX, int groupsY, int groups)
    {
        _api.CmdBindPipeline(_commands, PipelineBindPoint.Compute, _pipelines[shader]);
        uint* constants = stackalloc uint[3] { _batch, _training, (uint)groups };
        _api.CmdPushConstants(_commands, _layout, ShaderStageFlags.ComputeBit, 0, KernelLayout.PushConstantBytes, constants);
        _api.CmdDispatch(_commands, (uint)groupsX, (uint)groupsY, 1);
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit,
        };
        _api.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.ComputeShaderBit, 0, 1, &barrier, 0, null, 0, null);
    }
}
