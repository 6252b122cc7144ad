namespace ModelGen;

/// <summary>
/// Per-call workspaces for inference, so one model instance serves any number of threads at once and allocates
/// nothing after each thread's first call. A thread keeps the workspace it last returned (one per thread, the common
/// case and lock-free); other callers take one from a small array of slots with one atomic exchange, or create one.
/// </summary>
public sealed class WorkspacePool<TWorkspace> where TWorkspace : class
{
    // Thread-static fields of a generic class exist once per closed type, so the cached workspace records its pool.
    [ThreadStatic] private static WorkspacePool<TWorkspace>? t_owner;
    [ThreadStatic] private static TWorkspace? t_workspace;

    private readonly TWorkspace?[] _slots = new TWorkspace?[Math.Max(8, 2 * Environment.ProcessorCount)];
    private readonly Func<TWorkspace> _create;

    /// <summary>Created by generated code only.</summary>
    public WorkspacePool(Func<TWorkspace> create) => _create = create;

    /// <summary>A workspace no other caller holds.</summary>
    public TWorkspace Rent()
    {
        if (ReferenceEquals(t_owner, this) && t_workspace is { } cached)
        {
            t_workspace = null;
            return cached;
        }
        for (int i = 0; i < _slots.Length; i++)
        {
            TWorkspace? workspace = Interlocked.Exchange(ref _slots[i], null);
            if (workspace is not null)
                return workspace;
        }
        return _create();
    }

    /// <summary>Gives a rented workspace back: to this thread's cache when it is free, else to a slot (or to the GC when all are full).</summary>
    public void Return(TWorkspace workspace)
    {
        if (t_workspace is null)
        {
            t_owner = this;
            t_workspace = workspace;
            return;
        }
        for (int i = 0; i < _slots.Length; i++)
            if (Interlocked.CompareExchange(ref _slots[i], workspace, null) is null)
                return;
    }
}
