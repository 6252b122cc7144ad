using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Mnist;

/// <summary>The sample's --gpu option: DigitClassifier's generated GPU network on the first CUDA device.</summary>
internal sealed class GpuTraining : IDeviceTraining
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly DigitClassifier.Gpu _network;

    private GpuTraining(Context context, Accelerator accelerator, DigitClassifier model)
    {
        _context = context;
        _accelerator = accelerator;
        _network = model.ToGpu(accelerator);
    }

    /// <summary>The model on the first CUDA device, or null (and a note) when there is none.</summary>
    public static GpuTraining? Open(DigitClassifier model)
    {
        var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        if (context.GetCudaDevices().Count == 0)
        {
            Console.WriteLine("--gpu: no CUDA device found; training on the CPU.");
            context.Dispose();
            return null;
        }
        Accelerator accelerator = context.GetCudaDevices()[0].CreateAccelerator(context);
        Console.WriteLine($"--gpu: training on {accelerator.Name} ({accelerator.MemorySize >> 30} GiB) with ModelGen.Gpu");
        return new GpuTraining(context, accelerator, model);
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
        _accelerator.Dispose();
        _context.Dispose();
    }
}
