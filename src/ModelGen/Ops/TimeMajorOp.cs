namespace ModelGen.Ops;

/// <summary>A feature-sequence input (a time series) made time-major for the network (see <see cref="RecurrentOp"/>); generator side: Ops/TimeMajor/.</summary>
public static class TimeMajorOp
{
    /// <summary>x [batch × steps × features] as callers hold it → y [steps × batch × features].</summary>
    public static void ToTimeMajor<T>(ReadOnlySpan<T> x, Span<T> y, int batch, int steps, int features)
        where T : unmanaged
    {
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < steps; t++)
                x.Slice((n * steps + t) * features, features).CopyTo(y.Slice((t * batch + n) * features, features));
    }

    /// <summary>Every sample runs every step (a feature sequence has no padding); returns the step count.</summary>
    public static int FullLengths(Span<int> lengths, int batch, int steps)
    {
        lengths[..batch].Fill(steps);
        return steps;
    }
}
