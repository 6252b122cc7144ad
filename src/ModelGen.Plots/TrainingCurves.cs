using ModelGen.Training;
using ScottPlot;

namespace ModelGen.Plots;

/// <summary>
/// A <see cref="TrainingHistory"/> drawn as a PNG: on the left the training and validation loss per epoch with the
/// best epoch marked, on the right the validation metrics (accuracy, top-k, MAE, R²…) when the run computed any.
/// Epochs whose value is not finite (a diverged run) are left out of their line.
/// </summary>
public static class TrainingCurves
{
    /// <summary>Writes the curves to <paramref name="path"/> as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <exception cref="ArgumentException">The history has no epoch, or the size is under 200 × 150.</exception>
    public static void SavePng(this TrainingHistory history, string path, int width = 1100, int height = 420)
    {
        ArgumentNullException.ThrowIfNull(path);
        Draw(history, width, height).SavePng(path, width, height);
    }

    private static Multiplot Draw(TrainingHistory history, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Epochs.Count == 0)
            throw new ArgumentException("The training history has no epoch to draw.", nameof(history));
        if (width < 200 || height < 150)
            throw new ArgumentException($"A training-curve image needs at least 200 × 150 pixels; {width} × {height} was asked for.", nameof(width));

        string[] metrics = history.Epochs.SelectMany(e => e.Metrics.Keys).Distinct().ToArray();
        var figure = new Multiplot();
        figure.AddPlots(metrics.Length > 0 ? 2 : 1);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();

        Plot losses = figure.GetPlot(0);
        Line(losses, history, "loss", e => e.Loss);
        if (history.Epochs.Any(e => e.ValidationLoss is not null))
            Line(losses, history, "val_loss", e => e.ValidationLoss ?? double.NaN);
        var best = losses.Add.VerticalLine(history.BestEpoch, 1, Colors.Gray, LinePattern.Dashed);
        best.LegendText = $"best epoch ({history.BestEpoch})";
        Label(losses, "Loss", "loss");

        if (metrics.Length > 0)
        {
            Plot validation = figure.GetPlot(1);
            foreach (string metric in metrics)
                Line(validation, history, "val_" + metric, e => e.Metrics.TryGetValue(metric, out double value) ? value : double.NaN);
            Label(validation, "Validation metrics", "value");
        }
        return figure;
    }

    private static void Line(Plot plot, TrainingHistory history, string name, Func<EpochResult, double> value)
    {
        EpochResult[] finite = history.Epochs.Where(e => double.IsFinite(value(e))).ToArray();
        if (finite.Length == 0)
            return;
        var line = plot.Add.Scatter(finite.Select(e => (double)e.Epoch).ToArray(), finite.Select(value).ToArray());
        line.LegendText = name;
        line.LineWidth = 2;
        line.MarkerSize = finite.Length > 60 ? 0 : 5;
    }

    private static void Label(Plot plot, string title, string y)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(y);
        plot.ShowLegend(Alignment.UpperRight);
    }
}
