using Mnist;
using ModelGen.Initialization;
using ModelGen.Training;

namespace MnistCnn;

/// <summary>
/// The training digits, shuffled and each shifted by a random offset of up to two pixels in each direction, anew every
/// epoch. Whole batches only (the last partial one is dropped: batch norm wants full ones); one buffer, reused.
/// </summary>
internal sealed class ShiftedDigits(MnistData data, int batchSize, int seed) : IBatchSource<float, int>
{
    private readonly SeededRandom _random = new(seed);
    private readonly int[] _order = Enumerable.Range(0, data.TrainLabels.Length).ToArray();
    private readonly float[] _images = new float[batchSize * MnistData.ImageSize];
    private readonly int[] _labels = new int[batchSize];

    public int BatchesPerEpoch => data.TrainLabels.Length / batchSize;

    public IEnumerable<(ReadOnlyMemory<float> Inputs, ReadOnlyMemory<int> Targets)> Batches(int epoch)
    {
        _random.Shuffle<int>(_order);
        for (int start = 0; start + batchSize <= _order.Length; start += batchSize)
        {
            for (int i = 0; i < batchSize; i++)
            {
                int sample = _order[start + i];
                Shift(data.TrainImages.AsSpan(sample * MnistData.ImageSize, MnistData.ImageSize), _images.AsSpan(i * MnistData.ImageSize, MnistData.ImageSize),
                    _random.NextInt(5) - 2, _random.NextInt(5) - 2);
                _labels[i] = data.TrainLabels[sample];
            }
            yield return (_images, _labels);
        }
    }

    /// <summary>The image moved dx pixels right and dy down, zeros where it came from.</summary>
    private static void Shift(ReadOnlySpan<float> image, Span<float> target, int dx, int dy)
    {
        target.Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(28, 28 + dy); y++)
        {
            int fromX = Math.Max(0, -dx), toX = Math.Max(0, dx), width = 28 - Math.Abs(dx);
            image.Slice((y - dy) * 28 + fromX, width).CopyTo(target.Slice(y * 28 + toX, width));
        }
    }
}
