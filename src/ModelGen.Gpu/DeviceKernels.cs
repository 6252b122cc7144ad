using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ModelGen.Gpu.Kernels;

namespace ModelGen.Gpu;

/// <summary>
/// Every kernel loaded (compiled for the device) once per accelerator and kept while the accelerator lives, so networks
/// created and disposed in a loop compile nothing after the first. Generic kernels are loaded per type argument on first use.
/// </summary>
internal sealed class DeviceKernels
{
    private static readonly ConditionalWeakTable<Accelerator, DeviceKernels> ByAccelerator = new();
    private readonly Accelerator _accelerator;
    private readonly ConcurrentDictionary<Type, Delegate> _generic = new();

    private DeviceKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _blas = new Lazy<CuBlas?>(() => CreateBlas(accelerator));
        BiasGradient = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(LayerKernels.BiasGradient);
        Dropout = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, uint, uint, float, int>(LayerKernels.Dropout);
        BatchNormStatistics = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(BatchNormKernels.Statistics);
        BatchNormNormalize = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int>(BatchNormKernels.Normalize);
        BatchNormInference = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, float>(BatchNormKernels.Inference);
        BatchNormParameterGradient = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(
            BatchNormKernels.ParameterGradient);
        BatchNormInputGradient = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int, float>(BatchNormKernels.InputGradient);
        BatchNormUpdateRunning = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float>(
            BatchNormKernels.UpdateRunning);
        ClipByValue = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(LayerKernels.ClipByValue);
        ScaleByScalar = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(LayerKernels.ScaleByScalar);
        MaxNorm = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, int, float>(LayerKernels.MaxNorm);
        GaussianNoise = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, uint, float, int>(LayerKernels.GaussianNoise);
        RReLU = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, uint, float, float, int>(LayerKernels.RReLU);
        MaxoutForward = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(LayerKernels.MaxoutForward);
        MaxoutBackward = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(LayerKernels.MaxoutBackward);
        PReLU = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(LayerKernels.PReLU);
        PReLUSlopeGradient = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(LayerKernels.PReLUSlopeGradient);
        DecayGradient = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(LayerKernels.DecayGradient);
        SoftmaxCrossEntropy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, int, float>(
            LossKernels.SoftmaxCrossEntropy);
        SoftmaxRows = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(LossKernels.SoftmaxRows);
        MeanSquaredError = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(
            LossKernels.MeanSquaredError);
        MeanAbsoluteError = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(
            LossKernels.MeanAbsoluteError);
        Huber = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int>(
            LossKernels.Huber);
        BinaryCrossEntropyFromLogits = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(
            LossKernels.BinaryCrossEntropyFromLogits);
        BinaryCrossEntropy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(
            LossKernels.BinaryCrossEntropy);
        SigmoidElements = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(LossKernels.SigmoidElements);
        Partial = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(ReductionKernels.Partial);
        Complete = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, float>(ReductionKernels.Complete);
    }

    /// <summary>
    /// cuBLAS on a CUDA accelerator (ILGPU.Algorithms' binding), bound to the accelerator's default stream so it orders
    /// with the kernels; null elsewhere, or where the library does not load (ILGPU 1.5.3 asks for libcublas.so.12).
    /// </summary>
    public CuBlas? Blas => _blas.Value;

    private readonly Lazy<CuBlas?> _blas;

    public static DeviceKernels For(Accelerator accelerator) => ByAccelerator.GetValue(accelerator, static a => new DeviceKernels(a));

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int> BiasGradient { get; }
    public Action<Index1D, ArrayView<float>, float> ClipByValue { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int> ScaleByScalar { get; }
    public Action<Index1D, ArrayView<float>, int, int, int, float> MaxNorm { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, uint, float, int> GaussianNoise { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, uint, float, float, int> RReLU { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> MaxoutForward { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> MaxoutBackward { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> PReLU { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int> PReLUSlopeGradient { get; }
    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float> BatchNormStatistics { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> BatchNormNormalize { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> BatchNormInference { get; }
    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> BatchNormParameterGradient { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>
        BatchNormInputGradient { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, float> BatchNormUpdateRunning { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, uint, uint, float, int> Dropout { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float> BiasActivation<TActivation>()
        where TActivation : struct, IDeviceActivation
        => (Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, float>)_generic.GetOrAdd(
            typeof(BiasActivationTag<TActivation>), static (_, a) => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, float>(
                LayerKernels.BiasActivation<TActivation>), _accelerator);

    private static CuBlas? CreateBlas(Accelerator accelerator)
    {
        if (accelerator is not CudaAccelerator cuda)
            return null;
        try
        {
            var blas = new CuBlas(cuda) { Stream = (CudaStream)cuda.DefaultStream };
            accelerator.Disposed += (_, _) => blas.Dispose();
            return blas;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CuBlasException or TypeInitializationException)
        {
            return null;
        }
    }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float> DecayGradient { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, float, int, float> SoftmaxCrossEntropy { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int> SoftmaxRows { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int> MeanSquaredError { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int> MeanAbsoluteError { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float, int> Huber { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int> BinaryCrossEntropyFromLogits { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int> BinaryCrossEntropy { get; }
    public Action<Index1D, ArrayView<float>, ArrayView<float>> SigmoidElements { get; }
    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int> Partial { get; }
    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, float> Complete { get; }

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> Gemm<TActivation>()
        where TActivation : struct, IDeviceActivation
        => (Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>)_generic.GetOrAdd(
            typeof(GemmTag<TActivation>), static (_, a) => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(
                GemmKernel.Run<TActivation>), _accelerator);

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> LargeGemm<TActivation>()
        where TActivation : struct, IDeviceActivation
        => (Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>)_generic.GetOrAdd(
            typeof(LargeGemmTag<TActivation>), static (_, a) => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(
                GemmKernel.RunLarge<TActivation>), _accelerator);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, float> ActivationForward<TActivation>()
        where TActivation : struct, IDeviceActivation
        => (Action<Index1D, ArrayView<float>, ArrayView<float>, float>)_generic.GetOrAdd(
            typeof(ForwardTag<TActivation>), static (_, a) => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(
                LayerKernels.ActivationForward<TActivation>), _accelerator);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> ActivationBackward<TActivation>()
        where TActivation : struct, IDeviceActivation
        => (Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>)_generic.GetOrAdd(
            typeof(BackwardTag<TActivation>), static (_, a) => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(
                LayerKernels.ActivationBackward<TActivation>), _accelerator);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, TRule> Update<TRule>()
        where TRule : struct, IDeviceUpdateRule
        => (Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, TRule>)_generic.GetOrAdd(
            typeof(TRule), static (_, a) => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, TRule>(
                OptimizerKernels.Update<TRule>), _accelerator);

    // Keys that keep the kernels of one activation apart.
    private sealed class GemmTag<T>;
    private sealed class LargeGemmTag<T>;
    private sealed class BiasActivationTag<T>;
    private sealed class ForwardTag<T>;
    private sealed class BackwardTag<T>;
}
