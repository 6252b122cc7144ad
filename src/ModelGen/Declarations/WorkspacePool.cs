namespace ModelGen;

/// <summary>
/// A small lock-free pool of per-call workspaces, so inference on one model instance can run on any number of threads
/// at once and still allocate nothing after each thread's first call. Rent scans the slots for a free workspace and
/// takes it with one atomic exchange; Return puts it back in an empty slot (or drops it when every slot is full).
/// </summary>
public sealed class WorkspacePool<TWorkspace> where TWorkspace : class
{
    private readonly TWorkspace?[] _slots = new TWorkspace?[Math.Max(8, 2 * Environment.ProcessorCount)];
    private readonly Func<TWorkspace> _create;

    /// <summary>Created by generated code only.</summary>
    public WorkspacePool(Func<TWorkspace> create) => _create = create;

    /// <summary>A workspace no other caller holds.</summary>
    public TWorkspace Rent()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            TWorkspace? workspace = Interlocked.Exchange(ref _slots[i], null);
            if (workspace is not null)
                return workspace;
        }
        return _create();
    }

    /// <summary>Gives a rented workspace back.</summary>
    public void Return(TWorkspace workspace)
    {
        for (int i = 0; i < _slots.Length; i++)
            if (Interlocked.CompareExchange(ref _slots[i], workspace, null) is null)
                return;
    }
}
