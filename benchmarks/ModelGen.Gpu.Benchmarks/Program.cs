using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ModelGen;
using ModelGen.Gpu;
using ModelGen.Gpu.Kernels;

// The GPU suite: the MNIST MLP train step and SGEMM on a CUDA device, beside PyTorch eager (peer.py) and cuBLAS on the
// same GPU. Prints one Markdown table; run with `--cpu` to exercise it on ILGPU's CPU accelerator (no timings worth keeping).
// Exits 0 with a note when no CUDA device is present.
bool onCpu = args.Contains("--cpu");
using var context = Context.Create(builder => builder.Cuda().CPU(CPUDevice.Nvidia).EnableAlgorithms());
Device? cuda = context.GetCudaDevices().Count > 0 ? context.GetCudaDevices()[0] : null;
if (cuda is null && !onCpu)
{
    Console.WriteLine("No CUDA device: the GPU suite needs one (run with --cpu to smoke-test it on ILGPU's CPU accelerator).");
    return 0;
}
using Accelerator accelerator = onCpu ? context.GetCPUDevice(0).CreateAccelerator(context) : cuda!.CreateAccelerator(context);
Console.WriteLine($"Device: {accelerator.Name} ({accelerator.AcceleratorType}), {accelerator.MemorySize / (1L << 30)} GiB");
int[] batches = onCpu ? [32] : [256, 1024];
int steps = onCpu ? 3 : 300;

// Parity on this device: the gradients of one batch, and the losses of three Adam steps, against the CPU float path.
{
    var random = new Random(3);
    const int batch = 256;
    float[] x = Enumerable.Range(0, batch * GpuMlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
    int[] y = Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray();
    var network = new GpuMlp.Network<float>(42);
    network.ComputeGradients(x, y);
    float[] expectedGradients = network.Gradients.ToArray();
    var cpu = new GpuMlp();
    using var gpu = new GpuMlp().ToGpu(accelerator);
    float worstLoss = 0;
    float[] gradients = [];
    for (int i = 0; i < 3; i++)
    {
        float expected = cpu.TrainStep(x, y);
        gpu.TrainStep(x, y);
        if (i == 0)
            gradients = gpu.ReadGradients();
        worstLoss = Math.Max(worstLoss, Math.Abs(gpu.LastLoss - expected) / Math.Abs(expected));
    }
    float scale = expectedGradients.Max(Math.Abs);
    double worst = 0;
    for (int i = 0; i < gradients.Length; i++)
        worst = Math.Max(worst, Math.Abs(gradients[i] - expectedGradients[i]) / Math.Max(Math.Abs(expectedGradients[i]), 0.1 * scale));
    Console.WriteLine($"Parity vs the CPU float path, batch 256: gradients rel. diff {worst:E2} (relative to max(|g|, 0.1·max|g|)), losses of 3 Adam steps rel. diff {worstLoss:E2}");
}

Console.WriteLine();
Console.WriteLine("| Benchmark | ModelGen.Gpu | per step / call | note |");
Console.WriteLine("|---|---:|---:|---|");
foreach (int batch in batches)
{
    var random = new Random(1);
    float[] x = Enumerable.Range(0, batch * GpuMlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
    int[] y = Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray();
    using var deviceX = accelerator.Allocate1D(x);
    using var deviceY = accelerator.Allocate1D(y);
    foreach (DeviceGemm gemm in new[] { DeviceGemm.CuBlas, DeviceGemm.Tiled })
        foreach (bool resident in new[] { false, true })
        {
            using var gpu = new GpuMlp().ToGpu(accelerator);
            if (gemm == DeviceGemm.CuBlas && gpu.Gemm != DeviceGemm.CuBlas)
                continue; // no cuBLAS on this accelerator
            gpu.Gemm = gemm;
            void Step()
            {
                if (resident)
                    gpu.TrainStep(deviceX.View, deviceY.View);
                else
                    gpu.TrainStep(x, y);
            }
            for (int i = 0; i < 20; i++)
                Step();
            gpu.Synchronize();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
                Step();
            gpu.Synchronize();
            watch.Stop();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            double microseconds = watch.Elapsed.TotalMicroseconds / steps;
            string data = resident ? "batch already on the device" : "upload included";
            Console.WriteLine($"| MLP 784-256-128-10 TrainStep, batch {batch}, {gemm} GEMM, {data} | {microseconds:F1} µs | {batch / microseconds * 1e6:F0} samples/s | {bytes / (double)steps:F0} B/step on the host; loss {gpu.LastLoss:F4} |");
        }
}

// SGEMM: the tiled ILGPU kernel, and cuBLAS through ILGPU.Algorithms on the same buffers.
{
    int n = onCpu ? 256 : 4096;
    int repeats = onCpu ? 1 : 20;
    using var a = accelerator.Allocate1D<float>((long)n * n);
    using var b = accelerator.Allocate1D<float>((long)n * n);
    using var c = accelerator.Allocate1D<float>((long)n * n);
    var random = new Random(5);
    a.CopyFromCPU(Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
    b.CopyFromCPU(Enumerable.Range(0, n * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
    var shape = GemmShape.Plain(n, n, n, GemmEpilogue.Store);
    double flops = 2.0 * n * n * n, seconds = 0;
    float probe = 0;
    foreach (bool large in new[] { false, true })
    {
        var gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(
            large ? GemmKernel.RunLarge<DeviceActivations.Identity> : GemmKernel.Run<DeviceActivations.Identity>);
        KernelConfig config = large ? GemmKernel.LargeConfig(n, n) : GemmKernel.Config(n, n);
        gemm(config, a.View, b.View, c.View, c.View, c.View, shape);
        accelerator.Synchronize();
        var timer = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
            gemm(config, a.View, b.View, c.View, c.View, c.View, shape);
        accelerator.Synchronize();
        seconds = timer.Elapsed.TotalSeconds / repeats;
        probe = c.View.SubView(12345, 1).GetAsArray1D()[0];
        Console.WriteLine($"| SGEMM {n}³, tiled ILGPU kernel ({(large ? "128×128 tiles, 8×8 per thread" : "64×64 tiles, 4×4 per thread")}) | {flops / seconds / 1e12:F2} TFLOP/s | {seconds * 1e3:F2} ms | C[12345] = {probe:F4} |");
    }
    var watch = Stopwatch.StartNew();
    if (accelerator is CudaAccelerator cudaAccelerator)
    {
        try
        {
            using var blas = new CuBlas(cudaAccelerator);
            // Row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ: swap the operands.
            blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, n, n, 1f, b.View, n, a.View, n, 0f, c.View, n);
            accelerator.Synchronize();
            float blasProbe = c.View.SubView(12345, 1).GetAsArray1D()[0];
            watch.Restart();
            for (int i = 0; i < repeats; i++)
                blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, n, n, 1f, b.View, n, a.View, n, 0f, c.View, n);
            accelerator.Synchronize();
            double blasSeconds = watch.Elapsed.TotalSeconds / repeats;
            Console.WriteLine($"| SGEMM {n}³, cuBLAS via ILGPU.Algorithms | {flops / blasSeconds / 1e12:F2} TFLOP/s | {blasSeconds * 1e3:F2} ms | 128×128 tiled kernel = {blasSeconds / seconds:P0} of cuBLAS; C[12345] {probe:F4} vs {blasProbe:F4} |");
        }
        catch (Exception e)
        {
            Console.WriteLine($"| SGEMM {n}³, cuBLAS via ILGPU.Algorithms | — | — | not loaded: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")} |");
        }
    }
}
return 0;

/// <summary>The benchmark MLP of the CPU suite: 784-256-128-10, ReLU, softmax cross-entropy, Adam 1e-3.</summary>
[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f)]
public partial class GpuMlp
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(128, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}
