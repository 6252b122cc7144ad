namespace ModelGen.Training;

/// <summary>
/// A validation metric the <see cref="Trainer"/> computes from Predict's outputs: <see cref="Accuracy"/> and
/// <see cref="TopK"/> for class labels, <see cref="MeanAbsoluteError"/> and <see cref="RSquared"/> for float targets.
/// </summary>
public sealed class Metric
{
    private readonly Func<int, IMetricAccumulator> _start;

    private Metric(string name, bool higherIsBetter, bool forLabels, Func<int, IMetricAccumulator> start)
    {
        Name = name;
        HigherIsBetter = higherIsBetter;
        ForLabels = forLabels;
        _start = start;
    }

    /// <summary>The column name in the history ("accuracy", "top5", "mae", "r2"); validation values are "val_" + it.</summary>
    public string Name { get; }

    /// <summary>Whether a larger value is an improvement (early stopping reads it).</summary>
    public bool HigherIsBetter { get; }

    /// <summary>Computed from int class labels (else from float targets).</summary>
    public bool ForLabels { get; }

    /// <summary>The share of labels whose class has the largest output. Per step for sequence outputs, padded steps (all-zero rows) skipped.</summary>
    public static Metric Accuracy { get; } = new("accuracy", true, true, classes => new TopKAccumulator(classes, 1));

    /// <summary>The share of labels among the <paramref name="k"/> largest outputs.</summary>
    public static Metric TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        return new Metric($"top{k}", true, true, classes => new TopKAccumulator(classes, k));
    }

    /// <summary>Mean |output − target| over every output.</summary>
    public static Metric MeanAbsoluteError { get; } = new("mae", false, false, _ => new AbsoluteErrorAccumulator());

    /// <summary>The coefficient of determination, 1 − Σ(t − y)² / Σ(t − mean t)², over every output.</summary>
    public static Metric RSquared { get; } = new("r2", true, false, _ => new RSquaredAccumulator());

    internal IMetricAccumulator Start(int outputsPerTarget) => _start(outputsPerTarget);
}

/// <summary>Sums a metric batch by batch.</summary>
internal interface IMetricAccumulator
{
    /// <summary>Labels, one per <paramref name="outputs"/> row of the row width given at start.</summary>
    void AddLabels(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels) => throw new InvalidOperationException();

    /// <summary>Float targets, one per output.</summary>
    void AddTargets(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets) => throw new InvalidOperationException();

    double Result { get; }
}

internal sealed class TopKAccumulator(int classes, int k) : IMetricAccumulator
{
    private long _hits, _count;

    public void AddLabels(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            ReadOnlySpan<float> row = outputs.Slice(i * classes, classes);
            if (!row.ContainsAnyExcept(0f))
                continue; // a padded step of a sequence: Predict writes zeros there
            float own = (uint)labels[i] < (uint)classes ? row[labels[i]] : float.NaN;
            int above = 0;
            foreach (float value in row)
                if (value > own)
                    above++;
            if (!float.IsNaN(own) && above < k)
                _hits++;
            _count++;
        }
    }

    public double Result => _count == 0 ? double.NaN : (double)_hits / _count;
}

internal sealed class AbsoluteErrorAccumulator : IMetricAccumulator
{
    private double _sum;
    private long _count;

    public void AddTargets(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets)
    {
        for (int i = 0; i < targets.Length; i++)
            _sum += Math.Abs((double)outputs[i] - targets[i]);
        _count += targets.Length;
    }

    public double Result => _count == 0 ? double.NaN : _sum / _count;
}

internal sealed class RSquaredAccumulator : IMetricAccumulator
{
    // Σt, Σt² and Σ(t − y)²: the total sum of squares follows without a second pass (in double, so no cancellation to speak of).
    private double _sum, _squares, _residual;
    private long _count;

    public void AddTargets(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets)
    {
        for (int i = 0; i < targets.Length; i++)
        {
            double t = targets[i], error = t - outputs[i];
            _sum += t;
            _squares += t * t;
            _residual += error * error;
        }
        _count += targets.Length;
    }

    public double Result
    {
        get
        {
            double total = _squares - _sum * _sum / _count;
            return _count == 0 || total <= 0 ? double.NaN : 1 - _residual / total;
        }
    }
}
