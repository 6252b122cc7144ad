using System.Globalization;
using System.Text;

namespace ModelGen.Training;

/// <summary>
/// Training progress on a text writer, with no dependency: on a terminal one live line per epoch (a bar, step, loss,
/// samples/s and time left) rewritten in place, then the epoch's record; when output is redirected, the records only.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int BarWidth = 24;
    private readonly TextWriter _writer;
    private readonly bool _live;
    private int _lastLength;

    /// <summary>Writes to the console; live lines only when it is a terminal.</summary>
    public ConsoleProgress() : this(Console.Out, live: !Console.IsOutputRedirected)
    {
    }

    /// <summary>Writes to <paramref name="writer"/>; <paramref name="live"/> rewrites a line in place during each epoch.</summary>
    public ConsoleProgress(TextWriter writer, bool live)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _live = live;
    }

    /// <inheritdoc/>
    public void Report(TrainingProgress value)
    {
        if (value.Warning is TrainingWarning warning)
        {
            ClearLiveLine();
            _writer.WriteLine(warning.ToString());
            return;
        }
        if (value.Epoch is EpochResult epoch)
        {
            ClearLiveLine();
            _writer.WriteLine(Describe(epoch, value.Epochs));
            return;
        }
        if (!_live)
            return;
        string line = Live(value);
        _writer.Write('\r' + line + (line.Length < _lastLength ? new string(' ', _lastLength - line.Length) : ""));
        _lastLength = line.Length;
        _writer.Flush();
    }

    private void ClearLiveLine()
    {
        if (_live && _lastLength > 0)
            _writer.Write('\r' + new string(' ', _lastLength) + '\r');
        _lastLength = 0;
    }

    /// <summary>One epoch as a line: "epoch  3/20  loss 0.2145  val_loss 0.2410  val_accuracy 0.9312  1.9 s  4,210 samples/s".</summary>
    public static string Describe(EpochResult epoch, int epochs)
    {
        var line = new StringBuilder();
        int digits = epochs.ToString(CultureInfo.InvariantCulture).Length;
        line.Append(CultureInfo.InvariantCulture, $"epoch {epoch.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)}/{epochs}  loss {epoch.Loss:F4}");
        if (epoch.ValidationLoss is double validation)
            line.Append(CultureInfo.InvariantCulture, $"  val_loss {validation:F4}");
        foreach ((string name, double value) in epoch.Metrics)
            line.Append(CultureInfo.InvariantCulture, $"  val_{name} {value:F4}");
        double seconds = epoch.Elapsed.TotalSeconds;
        line.Append(CultureInfo.InvariantCulture, $"  {seconds:F1} s  {epoch.Samples / Math.Max(seconds, 1e-9):N0} samples/s");
        return line.ToString();
    }

    private static string Live(TrainingProgress value)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"epoch {value.EpochNumber}/{value.Epochs} ");
        if (value.Steps > 0)
        {
            int filled = (int)((long)BarWidth * value.Step / value.Steps);
            line.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ");
        }
        return line.Append(Describe(value)).ToString();
    }

    /// <summary>An epoch under way as figures: "412/1875  loss 0.2145  9,840 samples/s  12 s left" ("step 412" when the steps are unknown).</summary>
    public static string Describe(TrainingProgress value)
    {
        var line = new StringBuilder();
        if (value.Steps > 0)
            line.Append(CultureInfo.InvariantCulture, $"{value.Step}/{value.Steps}");
        else
            line.Append(CultureInfo.InvariantCulture, $"step {value.Step}");
        line.Append(CultureInfo.InvariantCulture, $"  loss {value.Loss:F4}  {value.SamplesPerSecond:N0} samples/s");
        if (value.Steps > 0)
            line.Append(CultureInfo.InvariantCulture, $"  {value.Remaining.TotalSeconds:F0} s left");
        return line.ToString();
    }
}
