using System.Globalization;
using ModelGen.Training;
using Spectre.Console;

namespace ModelGen.Terminal;

/// <summary>
/// <see cref="Trainer"/> under a live Spectre.Console display: a bar per epoch with the step, loss, samples/s and time
/// left, which becomes the epoch's record (loss, validation loss and metrics, time) when the epoch ends, and the
/// monitors' warnings above the bars. When the console is not interactive (output redirected, CI logs) the same run
/// prints plain lines instead: the warnings and one record per epoch, as <see cref="ConsoleProgress"/> writes them.
/// </summary>
public static class LiveTraining
{
    /// <summary><see cref="Trainer.Fit{TInput, TTarget}(ISupervisedModel{TInput, TTarget}, Dataset{TInput, TTarget}, FitOptions, Dataset{TInput, TTarget}?)"/>, displayed on <paramref name="console"/> (the terminal when null).</summary>
    public static TrainingHistory Fit<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, Dataset<TInput, TTarget> training, FitOptions options,
        Dataset<TInput, TTarget>? validation = null, IAnsiConsole? console = null)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(options);
        return Run(progress => Trainer.Fit(model, training, options with { Progress = Both(options.Progress, progress) }, validation), console);
    }

    /// <summary><see cref="Trainer.Fit{TInput, TTarget}(ISupervisedModel{TInput, TTarget}, IBatchSource{TInput, TTarget}, FitOptions, Dataset{TInput, TTarget}?)"/>, displayed on <paramref name="console"/> (the terminal when null).</summary>
    public static TrainingHistory Fit<TInput, TTarget>(ISupervisedModel<TInput, TTarget> model, IBatchSource<TInput, TTarget> training, FitOptions options,
        Dataset<TInput, TTarget>? validation = null, IAnsiConsole? console = null)
        where TInput : unmanaged
        where TTarget : unmanaged
    {
        ArgumentNullException.ThrowIfNull(options);
        return Run(progress => Trainer.Fit(model, training, options with { Progress = Both(options.Progress, progress) }, validation), console);
    }

    /// <summary>
    /// Runs <paramref name="train"/> — anything that reports <see cref="TrainingProgress"/>, such as a
    /// <see cref="Trainer"/> call given the progress it receives — under the display, and returns its result.
    /// </summary>
    public static T Run<T>(Func<IProgress<TrainingProgress>, T> train, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        console ??= AnsiConsole.Console;
        if (!console.Profile.Capabilities.Interactive)
            return train(new Lines(console));
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context => result = train(new Bars(context, console)));
        return result;
    }

    private static IProgress<TrainingProgress> Both(IProgress<TrainingProgress>? theirs, IProgress<TrainingProgress> ours)
        => theirs is null ? ours : new Tee(theirs, ours);

    private static void Warn(IAnsiConsole console, TrainingWarning warning)
        => console.MarkupLine($"[yellow]{Markup.Escape(warning.ToString())}[/]");

    /// <summary>The live display: one task per epoch, its description the live figures, then the epoch's record.</summary>
    private sealed class Bars(ProgressContext context, IAnsiConsole console) : IProgress<TrainingProgress>
    {
        private ProgressTask? _epoch;
        private int _epochNumber;

        public void Report(TrainingProgress value)
        {
            if (value.Warning is TrainingWarning warning)
            {
                Warn(console, warning);
                return;
            }
            if (_epoch is null || value.EpochNumber != _epochNumber)
            {
                _epochNumber = value.EpochNumber;
                _epoch = context.AddTask($"epoch {value.EpochNumber}/{value.Epochs}", maxValue: Math.Max(value.Steps, 1));
                _epoch.IsIndeterminate = value.Steps < 0;
            }
            if (value.Epoch is EpochResult record)
            {
                _epoch.Description = Markup.Escape(ConsoleProgress.Describe(record, value.Epochs));
                _epoch.IsIndeterminate = false;
                _epoch.Value = _epoch.MaxValue;
                _epoch.StopTask();
                return;
            }
            _epoch.Value = Math.Max(value.Step, 0);
            _epoch.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {value.EpochNumber}/{value.Epochs}  {ConsoleProgress.Describe(value)}");
        }
    }

    /// <summary>Redirected output: the warnings and each epoch's record, one line each.</summary>
    private sealed class Lines(IAnsiConsole console) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            // Straight to the output: a log keeps whole lines, where the console would wrap them at its width.
            if (value.Warning is TrainingWarning warning)
                console.Profile.Out.Writer.WriteLine(warning.ToString());
            else if (value.Epoch is EpochResult record)
                console.Profile.Out.Writer.WriteLine(ConsoleProgress.Describe(record, value.Epochs));
        }
    }

    private sealed class Tee(IProgress<TrainingProgress> first, IProgress<TrainingProgress> second) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            first.Report(value);
            second.Report(value);
        }
    }
}
