namespace ModelGen;

/// <summary>
/// The reader-writer gate of a generated model: any number of inference calls (readers) at once, or one training call
/// (writer) alone. A writer announces itself first, so readers arriving later wait and a stream of inference cannot
/// starve training; it then waits for the readers already inside to leave. Nothing is allocated, on any path.
/// </summary>
public sealed class ModelGate
{
    private readonly object _writers = new();
    private int _readers;
    private int _writer;

    /// <summary>Waits while a writer holds or waits for the gate, then enters as a reader.</summary>
    public void EnterRead()
    {
        SpinWait spin = default;
        while (true)
        {
            if (Volatile.Read(ref _writer) == 0)
            {
                // Full fences on both sides (here and the writer's Exchange): a writer either sees this reader or it sees the writer.
                Interlocked.Increment(ref _readers);
                if (Volatile.Read(ref _writer) == 0)
                    return;
                Interlocked.Decrement(ref _readers);
            }
            spin.SpinOnce();
        }
    }

    /// <summary>Leaves as a reader.</summary>
    public void ExitRead() => Interlocked.Decrement(ref _readers);

    /// <summary>Waits for other writers, bars new readers, then waits for the readers inside to leave.</summary>
    public void EnterWrite()
    {
        Monitor.Enter(_writers);
        Interlocked.Exchange(ref _writer, 1);
        SpinWait spin = default;
        while (Volatile.Read(ref _readers) != 0)
            spin.SpinOnce();
    }

    /// <summary>Leaves as the writer; waiting readers and writers proceed.</summary>
    public void ExitWrite()
    {
        Volatile.Write(ref _writer, 0);
        Monitor.Exit(_writers);
    }
}
