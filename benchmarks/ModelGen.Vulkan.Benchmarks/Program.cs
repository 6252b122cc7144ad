using System.Diagnostics;
using ModelGen;
using ModelGen.Vulkan;

// The Vulkan suite: the MNIST MLP's train step and inference through the generated HLSL shaders on the first Vulkan
// device, beside the CPU path of the same model in the same process. Prints one Markdown table. Exits 0 with a note
// when there is no Vulkan device.
VulkanDevice device;
try
{
    device = VulkanDevice.Create();
}
catch (VulkanUnavailableException e)
{
    Console.WriteLine(e.Message);
    return 0;
}
using (device)
{
    string cpuName = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU";
    Console.WriteLine($"Vulkan device: {device}; CPU: {cpuName}, {Environment.ProcessorCount} cores");
    Console.WriteLine($"VulkanMlp: 784-256-128-10 ReLU, Adam, global-norm clip; {VulkanMlp.Vulkan.Shaders.Count} shaders");
    // Parity on this device: the gradients of one batch, and the losses of three Adam steps, against the CPU float path.
    {
        var random = new Random(3);
        const int batch = 256;
        float[] x = Enumerable.Range(0, batch * VulkanMlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        int[] y = Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray();
        var network = new VulkanMlp.Network<float>(42);
        network.ComputeGradients(x, y);
        float[] expectedGradients = network.Gradients.ToArray();
        var cpu = new VulkanMlp();
        using var vulkan = new VulkanMlp().ToVulkan(device);
        float worstLoss = 0;
        float[] gradients = [];
        for (int i = 0; i < 3; i++)
        {
            float expected = cpu.TrainStep(x, y);
            vulkan.TrainStep(x, y);
            if (i == 0)
                gradients = vulkan.ReadGradients();
            worstLoss = Math.Max(worstLoss, Math.Abs(vulkan.LastLoss - expected) / Math.Abs(expected));
        }
        float scale = expectedGradients.Max(Math.Abs);
        double worst = 0;
        for (int i = 0; i < gradients.Length; i++)
            worst = Math.Max(worst, Math.Abs(gradients[i] - expectedGradients[i]) / Math.Max(Math.Abs(expectedGradients[i]), 0.1 * scale));
        // Parameters: Adam divides each gradient by its own running magnitude, so where |g| is near ε a rounding-level
        // difference in g moves the step by up to the learning rate; measured in learning rates, not relatively.
        float[] expectedParameters = cpu.Parameters.ToArray(), parameters = vulkan.ReadParameters();
        double worstParameter = 0;
        for (int i = 0; i < parameters.Length; i++)
            worstParameter = Math.Max(worstParameter, Math.Abs(parameters[i] - expectedParameters[i]));
        Console.WriteLine($"Parity vs the CPU float path, batch 256: gradients rel. diff {worst:E2} (relative to max(|g|, 0.1·max|g|)), losses of 3 Adam steps {worstLoss:E2}, parameters after them within {worstParameter / 1e-3:F3} learning rates");
    }

    Console.WriteLine();
    Console.WriteLine("| Benchmark | ModelGen.Vulkan | ModelGen CPU | Vulkan / CPU time |");
    Console.WriteLine("|---|---:|---:|---:|");
    foreach (int batch in args.Contains("--quick") ? new[] { 32 } : new[] { 32, 256 })
    {
        var random = new Random(1);
        float[] x = Enumerable.Range(0, batch * VulkanMlp.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        int[] y = Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray();
        float[] outputs = new float[batch * VulkanMlp.OutputSize];
        var cpu = new VulkanMlp();
        using var vulkan = new VulkanMlp().ToVulkan(device);
        int steps = args.Contains("--quick") ? 3 : 20;
        double vulkanTrain = Time(() => { vulkan.TrainStep(x, y); _ = vulkan.LastLoss; }, steps);
        double cpuTrain = Time(() => cpu.TrainStep(x, y), steps * 20);
        Console.WriteLine($"| TrainStep batch {batch} (loss read back) | {Format(vulkanTrain)} | {Format(cpuTrain)} | {vulkanTrain / cpuTrain:F1}× |");
        double vulkanPredict = Time(() => vulkan.Predict(x, outputs), steps);
        double cpuPredict = Time(() => cpu.Predict(x, outputs), steps * 20);
        Console.WriteLine($"| Predict batch {batch} | {Format(vulkanPredict)} | {Format(cpuPredict)} | {vulkanPredict / cpuPredict:F1}× |");
    }
}
return 0;

// The median of several rounds after a warm-up (the first Vulkan call records the command buffer and builds pipelines).
static double Time(Action step, int count)
{
    for (int i = 0; i < 3; i++)
        step();
    var rounds = new List<double>();
    for (int round = 0; round < 5; round++)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
            step();
        rounds.Add(watch.Elapsed.TotalMilliseconds * 1000 / count);
    }
    rounds.Sort();
    return rounds[rounds.Count / 2];
}

static string Format(double microseconds) => microseconds >= 1000 ? $"{microseconds / 1000:F2} ms" : $"{microseconds:F1} µs";

/// <summary>The MNIST sample's network without dropout or schedule: 784 → 256 → 128 → 10, Adam, clip 5.</summary>
[Model(InputSize = 784, Seed = 42)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-3f), ClipGlobalNorm(5f)]
public partial class VulkanMlp
{
    [Dense(256, Activation.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(128, Activation.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(10)] public partial Dense Logits { get; }
}

