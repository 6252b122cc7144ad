using System.Globalization;
using ModelGen.Training;
using Spectre.Console;

namespace ModelGen.Terminal;

/// <summary>
/// <see cref="Trainer"/> under a live Spectre.Console display: the running epoch's bar with the step, loss, samples/s
/// and time left, which gives way to the epoch's record (loss, validation loss and metrics, time) when the epoch ends;
/// records and the monitors' warnings print above the bar. When the console is not interactive (output redirected, CI logs) the same run
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
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new FiguresColumn())
            .Start(context => result = train(new Bars(context, console)));
        return result;
    }

    private static IProgress<TrainingProgress> Both(IProgress<TrainingProgress>? theirs, IProgress<TrainingProgress> ours)
        => theirs is null ? ours : new Tee(theirs, ours);

    private static void Warn(IAnsiConsole console, TrainingWarning warning)
        => console.MarkupLine($"[yellow]{Markup.Escape(warning.ToString())}[/]");

    /// <summary>
    /// The live display: the running epoch as a bar with its figures beside it; a finished epoch's bar gives way to its
    /// record, printed as an ordinary line above the display (so records wrap like any output on a narrow terminal).
    /// </summary>
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
            if (value.Epoch is EpochResult record)
            {
                if (_epoch is not null)
                    context.RemoveTask(_epoch);
                _epoch = null;
                console.WriteLine(ConsoleProgress.Describe(record, value.Epochs));
                return;
            }
            if (_epoch is null || value.EpochNumber != _epochNumber)
            {
                _epochNumber = value.EpochNumber;
                _epoch = context.AddTask(string.Create(CultureInfo.InvariantCulture, $"epoch {value.EpochNumber}/{value.Epochs}"), maxValue: Math.Max(value.Steps, 1));
                _epoch.IsIndeterminate = value.Steps < 0;
            }
            _epoch.Value = Math.Max(value.Step, 0);
            _epoch.Tag = ConsoleProgress.Describe(value);
            context.Refresh(); // reports come about ten times a second: draw each, rather than wait for the refresh timer
        }
    }

    /// <summary>The running epoch's figures (step, loss, samples/s, time left), which the task carries as its tag.</summary>
    private sealed class FiguresColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Text(task.Tag as string ?? "");
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
