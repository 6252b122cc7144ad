using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ModelGen.Gpu.Kernels;

namespace ModelGen.Gpu;

/// <summary>
/// What every generated GPU network stands on: parameters, gradients, optimizer state and the activation buffers in
/// device memory, allocated once (buffers grow when a larger batch arrives, never per step), and the op launches the
/// generated schedule calls. Every launch goes to the accelerator's default stream in program order; nothing waits for
/// the device except what returns data to the host (<see cref="LastLoss"/>, Predict, ComputeLoss, the weight copies).
/// One call at a time: every public entry of a network takes its lock.
/// </summary>
public abstract class DeviceNetwork : IDisposable
{
    private readonly string _modelName;
    private readonly int[] _bufferWidths;
    private readonly int _inputWidth, _targetWidth;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _parameters, _gradients, _state, _scalars, _partials;
    /// <summary>[WeightNoise]: the clean parameters while a step runs on noisy ones (allocated by the first such step).</summary>
    private MemoryBuffer1D<float, Stride1D.Dense>? _cleanParameters;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _optimizerState, _fixed;
    private MemoryBuffer1D<float, Stride1D.Dense>[] _buffers;
    private MemoryBuffer1D<float, Stride1D.Dense> _inputs, _targets, _terms;
    private MemoryBuffer1D<int, Stride1D.Dense> _labels;
    private int _rows;
    private bool _disposed;

    /// <param name="accelerator">Where the network lives; it must outlive the network.</param>
    /// <param name="modelName">The model's class name, for messages.</param>
    /// <param name="parameterCount">Trainable parameters.</param>
    /// <param name="stateCount">Non-trainable state (batch-norm running statistics).</param>
    /// <param name="optimizerStates">State tensors of the optimizer, each the size of the parameters.</param>
    /// <param name="bufferWidths">Elements per sample of each activation, gradient and saved buffer of the program.</param>
    /// <param name="fixedWidths">Elements of each buffer that does not grow with the batch (batch-norm statistics).</param>
    /// <param name="inputWidth">Features per input sample.</param>
    /// <param name="targetWidth">Targets per sample: 1 for class labels, the output width for regression targets.</param>
    protected DeviceNetwork(Accelerator accelerator, string modelName, int parameterCount, int stateCount, int optimizerStates, int[] bufferWidths, int[] fixedWidths,
        int inputWidth, int targetWidth)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Accelerator = accelerator;
        Kernels = DeviceKernels.For(accelerator);
        _modelName = modelName;
        _bufferWidths = bufferWidths;
        _inputWidth = inputWidth;
        _targetWidth = targetWidth;
        _parameters = Allocate<float>(parameterCount);
        _gradients = Allocate<float>(parameterCount);
        _state = Allocate<float>(stateCount);
        _fixed = new MemoryBuffer1D<float, Stride1D.Dense>[fixedWidths.Length];
        for (int i = 0; i < fixedWidths.Length; i++)
            _fixed[i] = Allocate<float>(fixedWidths[i]);
        _optimizerState = new MemoryBuffer1D<float, Stride1D.Dense>[optimizerStates];
        for (int i = 0; i < optimizerStates; i++)
        {
            _optimizerState[i] = Allocate<float>(parameterCount);
            _optimizerState[i].MemSetToZero();
        }
        _scalars = Allocate<float>(DeviceScalars.Count);
        _scalars.CopyFromCPU(new float[] { 0f, 1f, 1f, 1f }); // loss, gradient scale, one, tensor scale
        _partials = Allocate<float>(ReductionKernels.Partials);
        _buffers = new MemoryBuffer1D<float, Stride1D.Dense>[bufferWidths.Length];
        _inputs = Allocate<float>(0);
        _targets = Allocate<float>(0);
        _terms = Allocate<float>(0);
        _labels = Allocate<int>(0);
        for (int i = 0; i < _buffers.Length; i++)
            _buffers[i] = Allocate<float>(0);
    }

    /// <summary>The accelerator the network runs on.</summary>
    public Accelerator Accelerator { get; }

    internal DeviceKernels Kernels { get; }

    /// <summary>Optimizer steps taken (carried over from the CPU model on copy).</summary>
    public long Step { get; protected set; }

    /// <summary>A learning-rate schedule chosen at run time, used instead of the declared one while set (steps count from 1).</summary>
    public ModelGen.Training.Schedule? LearningRateSchedule { get; set; }

    /// <summary>With <see cref="Step"/>, selects the dropout masks: the CPU model's seed, carried over on copy.</summary>
    protected int DropoutSeed { get; private set; }

    /// <summary>The lock every public entry of the generated network takes.</summary>
    protected object Gate { get; } = new();

    /// <summary>Device buffers alive across every network of this process: what a create/dispose loop must bring back to where it started.</summary>
    public static long LiveBuffers => Interlocked.Read(ref s_liveBuffers);

    private static long s_liveBuffers;

    /// <summary>The mean loss of the last TrainStep; waits for the device to finish it.</summary>
    public float LastLoss
    {
        get
        {
            lock (Gate)
            {
                ThrowIfDisposed();
                return ReadScalar(DeviceScalars.Loss);
            }
        }
    }

    /// <summary>Waits until every launched kernel has finished.</summary>
    public void Synchronize()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            Accelerator.Synchronize();
        }
    }

    /// <summary>Frees every device buffer of the network (the kernels stay loaded for the accelerator's next network).</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            Release(_parameters);
            if (_cleanParameters is not null)
                Release(_cleanParameters);
            Release(_gradients);
            Release(_state);
            Release(_scalars);
            Release(_partials);
            Release(_inputs);
            Release(_targets);
            Release(_terms);
            Release(_labels);
            foreach (var state in _optimizerState)
                Release(state);
            foreach (var buffer in _buffers)
                Release(buffer);
            foreach (var buffer in _fixed)
                Release(buffer);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> naming the model once the network is disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>The model's class name.</summary>
    protected string ModelName => _modelName;

    // ---- Host ↔ device copies (these wait for the device) ----

    /// <summary>Copies the CPU network's parameters, optimizer state and step count to the device (under its write lock).</summary>
    protected void CopyFromHost(ModelGen.Persistence.ICheckpointable<float> host)
    {
        var slots = host.OptimizerState;
        if (host.Parameters.Length != _parameters.Length || host.State.Length != _state.Length || slots.Count != _optimizerState.Length)
            throw new ArgumentException($"{_modelName}: the GPU network holds {_parameters.Length} parameters, {_state.Length} state values and {_optimizerState.Length} optimizer tensors, the model {host.Parameters.Length}, {host.State.Length} and {slots.Count}.");
        host.Gate.EnterWrite();
        try
        {
            _parameters.View.AsContiguous().CopyFromCPU(host.Parameters.Span);
            _state.View.AsContiguous().CopyFromCPU(host.State.Span);
            for (int i = 0; i < _optimizerState.Length; i++)
                _optimizerState[i].View.AsContiguous().CopyFromCPU(slots[i].Buffer.Span);
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
        Accelerator.Synchronize();
        host.Gate.EnterWrite();
        try
        {
            _parameters.View.AsContiguous().CopyToCPU(host.Parameters.Span);
            _state.View.AsContiguous().CopyToCPU(host.State.Span);
            for (int i = 0; i < _optimizerState.Length; i++)
                _optimizerState[i].View.AsContiguous().CopyToCPU(slots[i].Buffer.Span);
            host.Position = host.Position with { Step = Step };
        }
        finally
        {
            host.Gate.ExitWrite();
        }
    }

    /// <summary>Parameters as they are on the device now (waits for the device).</summary>
    public float[] ReadParameters()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            Accelerator.Synchronize();
            return _parameters.GetAsArray1D();
        }
    }

    /// <summary>Gradients of the last TrainStep, before clipping and the update (waits for the device).</summary>
    public float[] ReadGradients()
    {
        lock (Gate)
        {
            ThrowIfDisposed();
            Accelerator.Synchronize();
            return _gradients.GetAsArray1D();
        }
    }

    /// <summary>Grows the batch-sized buffers to hold <paramref name="batch"/> samples (never shrinks them).</summary>
    protected void EnsureBatch(int batch)
    {
        if (batch <= _rows)
            return;
        for (int i = 0; i < _buffers.Length; i++)
            Replace(ref _buffers[i], (long)batch * _bufferWidths[i]);
        Replace(ref _inputs, (long)batch * _inputWidth);
        Replace(ref _targets, (long)batch * _targetWidth);
        Replace(ref _labels, batch);
        // One loss term per row (softmax cross-entropy) or per output element (the element-wise losses).
        Replace(ref _terms, (long)batch * Math.Max(_targetWidth, 1));
        _rows = batch;
    }

    /// <summary>
    /// The batch of device-resident inputs and targets: <paramref name="inputs"/> must hold whole samples and
    /// <paramref name="targets"/> <paramref name="targetWidth"/> values per sample; the message names the model, the
    /// layer and the expected shape. (Values are not inspected: that would wait for the device.)
    /// </summary>
    protected int DeviceBatch(string entry, long inputs, long targets, int targetWidth, string firstLayer, string outputLayer)
    {
        if (inputs == 0 || inputs % _inputWidth != 0)
            throw new ArgumentException($"{_modelName}.{entry}: inputs on the device hold {inputs} values; layer '{firstLayer}' takes [batch × {_inputWidth}], a positive multiple of {_inputWidth}.", "inputs");
        long batch = inputs / _inputWidth;
        if (targets != batch * targetWidth)
            throw new ArgumentException($"{_modelName}.{entry}: {batch} samples need [{batch} × {targetWidth}] = {batch * targetWidth} targets for layer '{outputLayer}', got {targets}.", "targets");
        return (int)batch;
    }

    /// <summary>Copies a batch of inputs to the device.</summary>
    protected ArrayView<float> UploadInputs(ReadOnlySpan<float> inputs)
    {
        ArrayView<float> view = _inputs.View.SubView(0, inputs.Length);
        view.CopyFromCPU(inputs);
        return view;
    }

    /// <summary>Copies a batch of class labels to the device.</summary>
    protected ArrayView<int> UploadLabels(ReadOnlySpan<int> labels)
    {
        ArrayView<int> view = _labels.View.SubView(0, labels.Length);
        view.CopyFromCPU(labels);
        return view;
    }

    /// <summary>Copies a batch of regression or probability targets to the device.</summary>
    protected ArrayView<float> UploadTargets(ReadOnlySpan<float> targets)
    {
        ArrayView<float> view = _targets.View.SubView(0, targets.Length);
        view.CopyFromCPU(targets);
        return view;
    }

    /// <summary>Copies a device view to the host (waits for the device).</summary>
    protected static void Download(ArrayView<float> source, Span<float> destination) => source.CopyToCPU(destination);

    // ---- Views the generated schedule names ----

    /// <summary>Parameters [offset, offset + length).</summary>
    protected ArrayView<float> Parameters(int offset, int length) => _parameters.View.SubView(offset, length);

    /// <summary>Gradients [offset, offset + length).</summary>
    protected ArrayView<float> Gradients(int offset, int length) => _gradients.View.SubView(offset, length);

    /// <summary>State [offset, offset + length) (batch-norm running statistics).</summary>
    protected ArrayView<float> State(int offset, int length) => _state.View.SubView(offset, length);

    /// <summary>Fixed-size buffer <paramref name="index"/> (batch-norm batch statistics).</summary>
    protected ArrayView<float> Fixed(int index) => _fixed[index].View;

    /// <summary>The first <paramref name="length"/> elements of activation or gradient buffer <paramref name="index"/>.</summary>
    protected ArrayView<float> Buffer(int index, int length) => _buffers[index].View.SubView(0, length);

    // ---- Ops ----

    /// <summary>
    /// Which GEMM the Dense layers run: the tiled ILGPU kernels by default (every accelerator); <see cref="DeviceGemm.CuBlas"/>
    /// where cuBLAS loads (a CUDA device with libcublas). Settable between steps, to compare the two on one device.
    /// </summary>
    public DeviceGemm Gemm
    {
        get => _gemm;
        set
        {
            if (value == DeviceGemm.CuBlas && Kernels.Blas is null)
                throw new NotSupportedException($"{_modelName}: cuBLAS is not available on {Accelerator.Name} (it needs a CUDA device and libcublas).");
            _gemm = value;
        }
    }

    private DeviceGemm _gemm;

    /// <summary>y = f(x · W + b) over [rows × inputs] · [inputs × units], bias and activation in the GEMM epilogue.</summary>
    protected void DenseForward<TActivation>(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y, int rows, int inputs, int units,
        float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => RunGemm<TActivation>(x, weight, y, bias, y, GemmShape.Plain(rows, units, inputs, GemmEpilogue.BiasActivation, hasBias: bias.Length > 0, negativeSlope));

    /// <summary>dW = xᵀ · dy.</summary>
    protected void DenseWeightGradient(ArrayView<float> x, ArrayView<float> outputGradient, ArrayView<float> weightGradient, int rows, int inputs, int units)
        => RunGemm<DeviceActivations.Identity>(x, outputGradient, weightGradient, default, default, GemmShape.TransposedA(inputs, units, rows, GemmEpilogue.Store));

    /// <summary>db = Σ_rows dy.</summary>
    protected void BiasGradient(ArrayView<float> outputGradient, ArrayView<float> biasGradient, int rows, int units)
        => Kernels.BiasGradient(LayerKernels.BiasGradientConfig(units), outputGradient, biasGradient, rows, units);

    /// <summary>dx = dy · Wᵀ, or dx += dy · Wᵀ when <paramref name="accumulate"/>.</summary>
    protected void DenseInputGradient(ArrayView<float> outputGradient, ArrayView<float> weight, ArrayView<float> inputGradient, int rows, int inputs, int units, bool accumulate)
        => RunGemm<DeviceActivations.Identity>(outputGradient, weight, inputGradient, default, default,
            GemmShape.TransposedB(rows, inputs, units, accumulate ? GemmEpilogue.Accumulate : GemmEpilogue.Store));

    /// <summary>dx = (dy · Wᵀ) ⊙ f′(x's activation output), the derivative of the producer's activation in the GEMM epilogue.</summary>
    protected void DenseInputGradient<TActivation>(ArrayView<float> outputGradient, ArrayView<float> weight, ArrayView<float> inputGradient, ArrayView<float> activationOutput,
        int rows, int inputs, int units, float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => RunGemm<TActivation>(outputGradient, weight, inputGradient, default, activationOutput,
            GemmShape.TransposedB(rows, inputs, units, GemmEpilogue.ActivationDerivative, negativeSlope));

    /// <summary>
    /// C = A·B with the shape's epilogue: one tiled kernel, or cuBLAS (row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, so
    /// the operands swap) followed by an element-wise epilogue launch; accumulation rides on cuBLAS's β.
    /// </summary>
    private void RunGemm<TActivation>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> activationOutput, GemmShape shape)
        where TActivation : struct, IDeviceActivation
    {
        if (_gemm == DeviceGemm.Tiled)
        {
            ArrayView<float> biasOrDummy = bias.Length > 0 ? bias : c, activationOrDummy = activationOutput.Length > 0 ? activationOutput : c;
            // 128 × 128 tiles once there are enough of them to give every multiprocessor one; below that the 64 × 64
            // kernel's four times as many groups keep more of the device busy.
            if (GemmKernel.LargeGroups(shape.M, shape.N) >= Accelerator.NumMultiprocessors)
                Kernels.LargeGemm<TActivation>()(GemmKernel.LargeConfig(shape.M, shape.N), a, b, c, biasOrDummy, activationOrDummy, shape);
            else
                Kernels.Gemm<TActivation>()(GemmKernel.Config(shape.M, shape.N), a, b, c, biasOrDummy, activationOrDummy, shape);
            return;
        }
        var call = ColumnMajorGemm.For(shape);
        Kernels.Blas!.Gemm(call.TransposeFirst ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            call.TransposeSecond ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose,
            call.M, call.N, call.K, 1f, b, call.LeadingFirst, a, call.LeadingSecond, call.Beta, c, call.LeadingC);
        int count = shape.M * shape.N;
        if (shape.Epilogue == GemmEpilogue.BiasActivation && (shape.HasBias != 0 || typeof(TActivation) != typeof(DeviceActivations.Identity)))
            Kernels.BiasActivation<TActivation>()(count, c, shape.HasBias != 0 ? bias : c, shape.N, shape.HasBias, shape.NegativeSlope);
        else if (shape.Epilogue == GemmEpilogue.ActivationDerivative)
            Kernels.ActivationBackward<TActivation>()(count, activationOutput, c, c, shape.NegativeSlope);
    }

    /// <summary>Inverted dropout at this step with the CPU path's masks while <paramref name="training"/>; a copy otherwise.</summary>
    protected void DropoutForward(ArrayView<float> input, ArrayView<float> output, float rate, int stream, bool training)
        => Kernels.Dropout((int)output.Length, input, output, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream), ModelGen.Ops.DropoutOp.MaskThreshold(rate),
            1f / (1f - rate), training ? 1 : 0);

    /// <summary>dx = dy ⊙ mask / (1 − rate), the mask the forward pass of this step drew.</summary>
    protected void DropoutBackward(ArrayView<float> outputGradient, ArrayView<float> inputGradient, float rate, int stream)
        => Kernels.Dropout((int)inputGradient.Length, outputGradient, inputGradient, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream),
            ModelGen.Ops.DropoutOp.MaskThreshold(rate), 1f / (1f - rate), 1);

    /// <summary>Batch normalization while training: the batch statistics, then x̂ and y = γ·x̂ + β.</summary>
    protected void BatchNormTraining(ArrayView<float> x, ArrayView<float> normalized, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> mean, ArrayView<float> inverseDeviation, int rows, int width, float epsilon)
    {
        Kernels.BatchNormStatistics(BatchNormKernels.ColumnConfig(width), x, mean, inverseDeviation, rows, width, epsilon);
        Kernels.BatchNormNormalize(rows * width, x, normalized, y, gamma, beta, mean, inverseDeviation, width);
    }

    /// <summary>Batch normalization at inference, with the running estimates.</summary>
    protected void BatchNormInference(ArrayView<float> x, ArrayView<float> y, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> runningMean,
        ArrayView<float> runningVariance, int rows, int width, float epsilon)
        => Kernels.BatchNormInference(rows * width, x, y, gamma, beta, runningMean, runningVariance, width, epsilon);

    /// <summary>dγ = Σ dy ⊙ x̂, dβ = Σ dy.</summary>
    protected void BatchNormParameterGradient(ArrayView<float> normalized, ArrayView<float> outputGradient, ArrayView<float> gammaGradient, ArrayView<float> betaGradient,
        int rows, int width)
        => Kernels.BatchNormParameterGradient(BatchNormKernels.ColumnConfig(width), normalized, outputGradient, gammaGradient, betaGradient, rows, width);

    /// <summary>dx = γ/σ · (dy − dβ/N − x̂ ⊙ dγ/N).</summary>
    protected void BatchNormInputGradient(ArrayView<float> normalized, ArrayView<float> outputGradient, ArrayView<float> gamma, ArrayView<float> inverseDeviation,
        ArrayView<float> gammaGradient, ArrayView<float> betaGradient, ArrayView<float> inputGradient, int rows, int width)
        => Kernels.BatchNormInputGradient(rows * width, normalized, outputGradient, gamma, inverseDeviation, gammaGradient, betaGradient, inputGradient, width, 1f / rows);

    /// <summary>The running estimates move toward this batch's statistics (a real training step only).</summary>
    protected void BatchNormUpdateRunning(ArrayView<float> mean, ArrayView<float> inverseDeviation, ArrayView<float> runningMean, ArrayView<float> runningVariance,
        int rows, float momentum, float epsilon)
        => Kernels.BatchNormUpdateRunning((int)mean.Length, mean, inverseDeviation, runningMean, runningVariance, momentum, epsilon, rows / (rows - 1f));

    /// <summary>y = f(x), element-wise.</summary>
    protected void ActivationForward<TActivation>(ArrayView<float> x, ArrayView<float> y, float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => Kernels.ActivationForward<TActivation>()((int)y.Length, x, y, negativeSlope);

    /// <summary>Gaussian noise while training (the CPU path's draws for this step and stream); a copy otherwise.</summary>
    protected void GaussianNoiseForward(ArrayView<float> input, ArrayView<float> output, float deviation, int stream, bool training)
        => Kernels.GaussianNoise((int)output.Length, input, output, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream), deviation, training ? 1 : 0);

    /// <summary>Gaussian noise backward: dx = dy.</summary>
    protected void GaussianNoiseBackward(ArrayView<float> outputGradient, ArrayView<float> inputGradient)
        => Kernels.GaussianNoise((int)inputGradient.Length, outputGradient, inputGradient, 0u, 0f, 0);

    /// <summary>RReLU forward: this step's slopes while training, their mean otherwise.</summary>
    protected void RReLUForward(ArrayView<float> input, ArrayView<float> output, float lower, float upper, int stream, bool training)
        => Kernels.RReLU((int)output.Length, input, input, output, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream), lower, upper - lower, training ? 1 : 0);

    /// <summary>RReLU backward: dz = dy ⊙ (z &gt; 0 ? 1 : a), the forward pass's slopes drawn again.</summary>
    protected void RReLUBackward(ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> inputGradient, float lower, float upper, int stream)
        => Kernels.RReLU((int)inputGradient.Length, input, outputGradient, inputGradient, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream), lower, upper - lower, 1);

    /// <summary>[WeightNoise]: keeps the clean parameters before <see cref="PerturbWeights"/> adds this step's noise (a copy kernel).</summary>
    protected void SaveCleanParameters()
    {
        _cleanParameters ??= Allocate<float>(_parameters.Length);
        Kernels.GaussianNoise((int)_parameters.Length, _parameters.View, _cleanParameters.View, 0u, 0f, 0);
    }

    /// <summary>[WeightNoise]: w ← w + σ·n over one weight tensor, the CPU path's draws for this step and the tensor's stream.</summary>
    protected void PerturbWeights(int offset, int length, float deviation, int stream)
    {
        ArrayView<float> weights = _parameters.View.SubView(offset, length);
        Kernels.GaussianNoise(length, weights, weights, ModelGen.Ops.DropoutOp.MaskKey(DropoutSeed, Step, stream), deviation, 1);
    }

    /// <summary>[WeightNoise]: the clean parameters back, after backward and before the update.</summary>
    protected void RestoreCleanParameters()
        => Kernels.GaussianNoise((int)_parameters.Length, _cleanParameters!.View, _parameters.View, 0u, 0f, 0);

    /// <summary>Maxout: each of <paramref name="units"/> outputs per row the largest of its <paramref name="pieceCount"/> piece-major pieces.</summary>
    protected void MaxoutForward(ArrayView<float> pieces, ArrayView<float> output, int units, int pieceCount)
        => Kernels.MaxoutForward((int)output.Length, pieces, output, units, pieceCount);

    /// <summary>Maxout backward: dy to each unit's first winning piece.</summary>
    protected void MaxoutBackward(ArrayView<float> pieces, ArrayView<float> output, ArrayView<float> outputGradient, ArrayView<float> pieceGradient, int units, int pieceCount)
        => Kernels.MaxoutBackward((int)output.Length, pieces, output, outputGradient, pieceGradient, units, pieceCount);

    /// <summary>PReLU forward over [rows × channels × spatial]: y = z &gt; 0 ? z : a_c·z.</summary>
    protected void PReLUForward(ArrayView<float> input, ArrayView<float> output, ArrayView<float> slopes, int channels, int spatial)
        => Kernels.PReLU((int)output.Length, input, input, output, slopes, channels, spatial, 0);

    /// <summary>PReLU backward: da_c = Σ dy·min(z, 0) into <paramref name="slopeGradient"/>.</summary>
    protected void PReLUSlopeGradient(ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> slopeGradient, int rows, int channels, int spatial)
        => Kernels.PReLUSlopeGradient(channels, input, outputGradient, slopeGradient, rows, channels, spatial);

    /// <summary>PReLU backward: dz = dy ⊙ (z &gt; 0 ? 1 : a_c).</summary>
    protected void PReLUInputGradient(ArrayView<float> input, ArrayView<float> outputGradient, ArrayView<float> inputGradient, ArrayView<float> slopes, int channels, int spatial)
        => Kernels.PReLU((int)inputGradient.Length, input, outputGradient, inputGradient, slopes, channels, spatial, 1);

    /// <summary>dx = dy ⊙ f′(y).</summary>
    protected void ActivationBackward<TActivation>(ArrayView<float> y, ArrayView<float> outputGradient, ArrayView<float> inputGradient, float negativeSlope)
        where TActivation : struct, IDeviceActivation
        => Kernels.ActivationBackward<TActivation>()((int)y.Length, y, outputGradient, inputGradient, negativeSlope);

    /// <summary>
    /// Softmax cross-entropy over [batch × classes] logits, against labels smoothed by <paramref name="labelSmoothing"/>;
    /// the mean loss goes to the device scalar, dz into <paramref name="gradient"/> unless it is empty.
    /// </summary>
    protected void SoftmaxCrossEntropy(ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> gradient, int batch, int classes, float labelSmoothing = 0f)
    {
        Kernels.SoftmaxCrossEntropy(batch, logits, labels, gradient, _terms.View, classes, 1f / batch, gradient.Length > 0 ? 1 : 0, labelSmoothing);
        MeanOfTerms(batch, 1f / batch);
    }

    /// <summary>Mean squared error over <paramref name="count"/> outputs.</summary>
    protected void MeanSquaredError(ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, int count)
    {
        Kernels.MeanSquaredError(count, outputs, targets, gradient, _terms.View, 2f / count, gradient.Length > 0 ? 1 : 0);
        MeanOfTerms(count, 1f / count);
    }

    /// <summary>Mean absolute error over <paramref name="count"/> outputs.</summary>
    protected void MeanAbsoluteError(ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, int count)
    {
        Kernels.MeanAbsoluteError(count, outputs, targets, gradient, _terms.View, 1f / count, gradient.Length > 0 ? 1 : 0);
        MeanOfTerms(count, 1f / count);
    }

    /// <summary>Huber loss with threshold <paramref name="delta"/> over <paramref name="count"/> outputs.</summary>
    protected void Huber(ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, int count, float delta)
    {
        Kernels.Huber(count, outputs, targets, gradient, _terms.View, delta, 1f / count, gradient.Length > 0 ? 1 : 0);
        MeanOfTerms(count, 1f / count);
    }

    /// <summary>Binary cross-entropy over <paramref name="count"/> outputs, from logits or from probabilities.</summary>
    protected void BinaryCrossEntropy(ArrayView<float> outputs, ArrayView<float> targets, ArrayView<float> gradient, int count, bool fromLogits)
    {
        var kernel = fromLogits ? Kernels.BinaryCrossEntropyFromLogits : Kernels.BinaryCrossEntropy;
        kernel(count, outputs, targets, gradient, _terms.View, 1f / count, gradient.Length > 0 ? 1 : 0);
        MeanOfTerms(count, 1f / count);
    }

    /// <summary>Row-wise stable softmax of the logits, copied to <paramref name="probabilities"/> (waits for the device).</summary>
    protected void SoftmaxToHost(ArrayView<float> logits, Span<float> probabilities, int batch, int classes)
    {
        ArrayView<float> scratch = _terms.Length >= logits.Length ? _terms.View.SubView(0, logits.Length) : GrowTerms(logits.Length);
        Kernels.SoftmaxRows(batch, logits, scratch, classes);
        scratch.CopyToCPU(probabilities);
    }

    /// <summary>σ of the logits, copied to <paramref name="probabilities"/> (waits for the device).</summary>
    protected void SigmoidToHost(ArrayView<float> logits, Span<float> probabilities)
    {
        ArrayView<float> scratch = _terms.Length >= logits.Length ? _terms.View.SubView(0, logits.Length) : GrowTerms(logits.Length);
        Kernels.SigmoidElements((int)logits.Length, logits, scratch);
        scratch.CopyToCPU(probabilities);
    }

    /// <summary>The mean loss of the last loss launch (waits for the device).</summary>
    protected float ReadLoss() => ReadScalar(DeviceScalars.Loss);

    /// <summary>g ← clamp(g, ±maxValue) over every gradient.</summary>
    protected void ClipByValue(float maxValue) => Kernels.ClipByValue((int)_gradients.Length, _gradients.View, maxValue);

    /// <summary>
    /// The max-norm constraint on the weight tensor at <paramref name="offset"/>: <paramref name="units"/> units of
    /// <paramref name="fanIn"/> incoming weights each, one per column ([fanIn × units], Dense) or per row ([units × fanIn], Conv2D).
    /// </summary>
    protected void ConstrainMaxNorm(int offset, int units, int fanIn, bool unitsAreColumns, float maxNorm)
        => Kernels.MaxNorm(units, _parameters.View.SubView(offset, units * fanIn), units, fanIn, unitsAreColumns ? 1 : 0, maxNorm);

    /// <summary>Gradients [offset, offset + length) — one tensor — rescaled to an L2 norm of at most <paramref name="maxNorm"/>, on the device.</summary>
    protected void ClipTensorNorm(int offset, int length, float maxNorm)
    {
        ArrayView<float> gradient = _gradients.View.SubView(offset, length);
        int groups = ReductionKernels.Groups(length);
        Kernels.Partial(new KernelConfig(groups, ReductionKernels.Threads), gradient, _partials.View, length, 1);
        Kernels.Complete(new KernelConfig(1, ReductionKernels.Threads), _partials.View, _scalars.View, groups, (int)ReductionKernels.Finish.TensorClipScale, maxNorm);
        Kernels.ScaleByScalar(length, gradient, _scalars.View, DeviceScalars.TensorScale);
    }

    /// <summary>Measures ‖g‖₂ on the device and leaves min(1, maxNorm / (‖g‖₂ + 1e-6)) where the update reads its scale.</summary>
    protected void ClipGlobalNorm(float maxNorm)
    {
        int groups = ReductionKernels.Groups((int)_gradients.Length);
        Kernels.Partial(new KernelConfig(groups, ReductionKernels.Threads), _gradients.View, _partials.View, (int)_gradients.Length, 1);
        Kernels.Complete(new KernelConfig(1, ReductionKernels.Threads), _partials.View, _scalars.View, groups, (int)ReductionKernels.Finish.ClipScale, maxNorm);
    }

    /// <summary>
    /// Weight penalties on gradients [offset, offset + length): g ← s·g + λ₂·w + λ₁·sign(w) with the clipping scale s
    /// (both λ = 0 applies the scale alone).
    /// </summary>
    protected void DecayGradients(int offset, int length, float l2, float l1)
        => Kernels.DecayGradient(length, _gradients.View.SubView(offset, length), _parameters.View.SubView(offset, length), _scalars.View, l2, l1);

    /// <summary>The scale an update reads when the gradients still need the clipping scale (1 without clipping).</summary>
    protected const int ClippingScale = DeviceScalars.GradientScale;

    /// <summary>The scale an update reads when the gradients already carry it (coupled weight decay applied it): 1.</summary>
    protected const int UnitScale = DeviceScalars.One;

    /// <summary>
    /// One optimizer pass over parameters [offset, offset + length), the gradient scaled by the device scalar in
    /// <paramref name="scaleSlot"/> (<see cref="ClippingScale"/> or <see cref="UnitScale"/>).
    /// </summary>
    protected void Update<TRule>(TRule rule, int offset, int length, int scaleSlot)
        where TRule : struct, IDeviceUpdateRule
        => Kernels.Update<TRule>()(length, _parameters.View, _gradients.View,
            _optimizerState.Length > 0 ? _optimizerState[0].View : default, _optimizerState.Length > 1 ? _optimizerState[1].View : default,
            _optimizerState.Length > 2 ? _optimizerState[2].View : default, _scalars.View, scaleSlot, offset, rule);

    private void MeanOfTerms(int count, float multiplier)
    {
        int groups = ReductionKernels.Groups(count);
        Kernels.Partial(new KernelConfig(groups, ReductionKernels.Threads), _terms.View, _partials.View, count, 0);
        Kernels.Complete(new KernelConfig(1, ReductionKernels.Threads), _partials.View, _scalars.View, groups, (int)ReductionKernels.Finish.MeanLoss, multiplier);
    }

    private ArrayView<float> GrowTerms(long length)
    {
        Replace(ref _terms, length);
        return _terms.View;
    }

    private float ReadScalar(int slot)
    {
        Span<float> value = stackalloc float[1];
        ((ArrayView<float>)_scalars.View).SubView(slot, 1).CopyToCPU(value);
        return value[0];
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(length);
        Interlocked.Increment(ref s_liveBuffers);
        return buffer;
    }

    private void Replace<T>(ref MemoryBuffer1D<T, Stride1D.Dense> buffer, long length) where T : unmanaged
    {
        Release(buffer);
        buffer = Allocate<T>(length);
    }

    private static void Release<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer) where T : unmanaged
    {
        buffer.Dispose();
        Interlocked.Decrement(ref s_liveBuffers);
    }
}

/// <summary>The GEMM implementations a <see cref="DeviceNetwork"/> can run its Dense layers on.</summary>
public enum DeviceGemm
{
    /// <summary>ModelGen's tiled shared-memory kernel, with the bias/activation epilogue fused: runs on every accelerator.</summary>
    Tiled,
    /// <summary>cuBLAS SGEMM through ILGPU.Algorithms, the epilogue as one element-wise launch after it: CUDA only.</summary>
    CuBlas,
}

/// <summary>
/// A row-major GEMM as a column-major BLAS call. Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, so B is the call's first
/// operand and A its second. A row-major [r × c] array reads as its transpose in column-major order (leading dimension
/// c): B stored [K × N] is already Bᵀ (no transpose, ld N); B stored [N × K] reads as B (transpose, ld K); A likewise.
/// </summary>
internal readonly record struct ColumnMajorGemm(bool TransposeFirst, bool TransposeSecond, int M, int N, int K, int LeadingFirst, int LeadingSecond, float Beta, int LeadingC)
{
    public static ColumnMajorGemm For(GemmShape shape) => new(
        TransposeFirst: shape.BStrideN != 1,
        TransposeSecond: shape.AStrideK != 1,
        M: shape.N, N: shape.M, K: shape.K,
        LeadingFirst: shape.BStrideN == 1 ? shape.N : shape.K,
        LeadingSecond: shape.AStrideK == 1 ? shape.K : shape.M,
        Beta: shape.Epilogue == GemmEpilogue.Accumulate ? 1f : 0f,
        LeadingC: shape.N);
}
