using ModelGen.Plots;
using ModelGen.Training;
using SkiaSharp;

namespace ModelGen.Extras.Tests;

/// <summary>The training-curve PNG: its size, its two panels and their lines, and what it refuses.</summary>
public sealed class TrainingCurvesTests
{
    private static readonly Dataset<float, int> Data = Blobs.Make(samples: 120, seed: 3);

    [Fact]
    public void A_run_with_metrics_draws_the_losses_beside_the_metrics()
    {
        TrainingHistory history = Trainer.Fit(new BlobClassifier(), Data, new FitOptions { Epochs = 6, BatchSize = 8, ValidationSplit = 0.25, Metrics = [Metric.Accuracy] });
        using SKBitmap image = Drawn(history, 900, 360);
        Assert.Equal((900, 360), (image.Width, image.Height));
        // ScottPlot's first two palette colours: loss and val_loss on the left, val_accuracy on the right.
        Assert.True(Count(image, 0, 450, Blue) > 200, "no loss line on the left");
        Assert.True(Count(image, 0, 450, Orange) > 200, "no val_loss line on the left");
        Assert.True(Count(image, 450, 900, Blue) > 200, "no val_accuracy line on the right");
        Assert.True(Count(image, 450, 900, Orange) < 20, "the right panel has one metric");
    }

    [Fact]
    public void A_run_without_validation_draws_one_panel()
    {
        TrainingHistory history = Trainer.Fit(new BlobClassifier(), Data, new FitOptions { Epochs = 4, BatchSize = 8 });
        using SKBitmap image = Drawn(history, 600, 300);
        Assert.True(Count(image, 300, 600, Blue) > 100, "the loss panel spans the image");
        Assert.True(Count(image, 0, 600, Orange) < 20, "no validation line without validation data");
    }

    [Fact]
    public void A_tiny_image_is_refused()
    {
        TrainingHistory history = Trainer.Fit(new BlobClassifier(), Data, new FitOptions { Epochs = 1, BatchSize = 8 });
        var error = Assert.Throws<ArgumentException>(() => history.SavePng(Path.Combine(Path.GetTempPath(), "never.png"), 100, 80));
        Assert.Contains("at least 200 × 150 pixels; 100 × 80", error.Message);
    }

    /// <summary>The history saved as a PNG file, read back.</summary>
    private static SKBitmap Drawn(TrainingHistory history, int width, int height)
    {
        string path = Path.Combine(Path.GetTempPath(), $"curves-{Guid.NewGuid():N}.png");
        try
        {
            history.SavePng(path, width, height);
            return SKBitmap.Decode(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static readonly SKColor Blue = SKColor.Parse("#1f77b4"), Orange = SKColor.Parse("#ff7f0e");

    /// <summary>Pixels within a small distance of <paramref name="colour"/> in columns [from, to).</summary>
    private static int Count(SKBitmap image, int from, int to, SKColor colour)
    {
        int count = 0;
        for (int y = 0; y < image.Height; y++)
            for (int x = from; x < to; x++)
            {
                SKColor pixel = image.GetPixel(x, y);
                count += Math.Abs(pixel.Red - colour.Red) + Math.Abs(pixel.Green - colour.Green) + Math.Abs(pixel.Blue - colour.Blue) < 40 ? 1 : 0;
            }
        return count;
    }
}
