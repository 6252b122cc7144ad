using System.Diagnostics;
using System.Runtime.CompilerServices;
using ModelGen.Simd;

namespace ModelGen.Kernels;

/// <summary>A part of a GEMM that one core computes: rows [rowStart, rowEnd) × columns [columnStart, columnEnd) of C.</summary>
internal interface IGemmJob
{
    void Run(int rowStart, int rowEnd, int columnStart, int columnEnd);
}

/// <summary>
/// One persistent helper thread for the second core. The caller hands it half of a product and computes the
/// other half itself; no allocation, no thread-pool queueing. The helper spins for 1 ms after each job (training
/// issues GEMMs back to back) and then sleeps. A call that finds it asleep wakes it for the calls that follow but
/// does its own work alone: waiting out a wake-up (tens to hundreds of µs on a VM) costs more than the split saves.
/// A half the helper has not started by the time the caller finishes its own is taken back and run by the caller: a
/// helper still waking, or whose core another process holds, never makes the caller wait. Calls from several threads at
/// once simply run single-threaded.
/// </summary>
internal static unsafe class GemmWorker
{
    private const int Idle = 0, Pending = 1, Running = 2, Done = 3;
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000; // 1 ms, as OpenMP runtimes spin

    private static readonly ManualResetEventSlim Wake = new(false);
    private static int s_state;
    private static int s_sleeping;
    private static int s_busy;
    private static delegate*<void*, int, int, int, int, void> s_run;
    private static void* s_job;
    private static int s_rowStart, s_rowEnd, s_columnStart, s_columnEnd;
    private static SimdWidth s_width;
    private static Exception? s_failure;
    private static Thread? s_thread;

    /// <summary>Two cores or more, unless MODELGEN_THREADS=1 asks for one (as OMP_NUM_THREADS does for libtorch).</summary>
    public static readonly bool IsAvailable = Environment.ProcessorCount > 1 && Environment.GetEnvironmentVariable("MODELGEN_THREADS") != "1";

    /// <summary>
    /// The helper is running or spinning for work (recent products keep it so), not asleep: a short job can be split
    /// without waking it, which a call that would not otherwise split (a batch-1 model's) should not pay for.
    /// </summary>
    public static bool IsAwake => s_thread is not null && Volatile.Read(ref s_sleeping) == 0;

    /// <summary>
    /// Runs the first range on this thread and the second on the helper; returns when both are done. With one core (or
    /// MODELGEN_THREADS=1) both ranges run here, one after the other: a job split for two cores gives the same result on one.
    /// </summary>
    /// <remarks><c>worthWaking</c>: the job is long enough that waiting for a sleeping helper to wake pays off.</remarks>
    public static void RunPair<TJob>(ref TJob job, int rowStart0, int rowEnd0, int columnStart0, int columnEnd0, int rowStart1, int rowEnd1, int columnStart1, int columnEnd1, bool worthWaking)
        where TJob : struct, IGemmJob
    {
        if (!IsAvailable)
        {
            job.Run(rowStart0, rowEnd0, columnStart0, columnEnd0);
            job.Run(rowStart1, rowEnd1, columnStart1, columnEnd1);
            return;
        }
        if (!worthWaking && s_thread is not null && Volatile.Read(ref s_sleeping) == 1)
        {
            Wake.Set();
            job.Run(rowStart0, rowEnd0, columnStart0, columnEnd0);
            job.Run(rowStart1, rowEnd1, columnStart1, columnEnd1);
            return;
        }
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            job.Run(rowStart0, rowEnd0, columnStart0, columnEnd0);
            job.Run(rowStart1, rowEnd1, columnStart1, columnEnd1);
            return;
        }
        try
        {
            EnsureStarted();
            s_run = &RunJob<TJob>;
            s_job = Unsafe.AsPointer(ref job); // job lives on the caller's stack until this method returns
            (s_rowStart, s_rowEnd, s_columnStart, s_columnEnd) = (rowStart1, rowEnd1, columnStart1, columnEnd1);
            s_width = Vectorized.Current; // the helper's half runs at the caller's width, which a test may have forced
            Interlocked.Exchange(ref s_state, Pending);
            if (Volatile.Read(ref s_sleeping) == 1)
                Wake.Set();

            Exception? mine = null;
            try
            {
                job.Run(rowStart0, rowEnd0, columnStart0, columnEnd0);
            }
            catch (Exception e)
            {
                mine = e; // the helper still reads the job on this stack: wait for it before leaving
            }

            Exception? helper = null;
            if (Interlocked.CompareExchange(ref s_state, Idle, Pending) == Pending)
            {
                // Not started: the half is the caller's again (unless the caller's own half failed; it throws below).
                s_job = null;
                if (mine is null)
                {
                    try
                    {
                        job.Run(rowStart1, rowEnd1, columnStart1, columnEnd1);
                    }
                    catch (Exception e)
                    {
                        mine = e;
                    }
                }
            }
            else
            {
                var spinner = new SpinWait();
                while (Volatile.Read(ref s_state) != Done)
                    spinner.SpinOnce(sleep1Threshold: -1);
                Volatile.Write(ref s_state, Idle);
                s_job = null;
                helper = s_failure;
                s_failure = null;
            }
            if (mine is not null || helper is not null)
                throw new AggregateException("GEMM job failed", new[] { mine, helper }.OfType<Exception>());
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>
    /// Items [0, <paramref name="count"/>) of a job split by its first range: two halves (<see cref="RunPair"/>) when
    /// <paramref name="split"/>, else all at once here — the recurrent sweeps' samples, a concatenation's rows, an
    /// embedding's steps or vocabulary.
    /// </summary>
    public static void RunHalves<TJob>(ref TJob job, int count, bool split, bool worthWaking) where TJob : struct, IGemmJob
    {
        if (split && count >= 2)
            RunPair(ref job, 0, count / 2, 0, 0, count / 2, count, 0, 0, worthWaking);
        else
            job.Run(0, count, 0, 0);
    }

    /// <summary>
    /// Items [0, <paramref name="count"/>) of a job claimed <paramref name="grain"/> at a time by this thread and the
    /// helper, each claim run as <c>Run(start, end, claim, 0)</c> with claim = start / grain: a core that another process
    /// slows (a VM's neighbour, a JIT or GC thread) takes fewer claims instead of holding the other core waiting at the
    /// end of a static half. Which core runs a claim varies from call to call; what a claim computes does not, so a job
    /// that sums into one buffer per claim and adds those in claim order gives the same result every call.
    /// </summary>
    public static void RunShared<TJob>(ref TJob job, int count, int grain, bool worthWaking) where TJob : struct, IGemmJob
    {
        int next = 0;
        var shared = new SharedJob<TJob>(Unsafe.AsPointer(ref job), &next, count, grain);
        // Both "halves" are the same claiming loop; the helper's, if it never starts, finds nothing left to claim.
        RunPair(ref shared, 0, 0, 0, 0, 0, 0, 0, 0, worthWaking);
    }

    /// <summary>The claiming loop <see cref="RunShared"/> runs on each core (job and counter live on the caller's stack).</summary>
    private readonly struct SharedJob<TJob>(void* job, int* next, int count, int grain) : IGemmJob where TJob : struct, IGemmJob
    {
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            ref TJob inner = ref Unsafe.AsRef<TJob>(job);
            for (int start = Interlocked.Add(ref *next, grain) - grain; start < count; start = Interlocked.Add(ref *next, grain) - grain)
                inner.Run(start, Math.Min(start + grain, count), start / grain, 0);
        }
    }

    private static void RunJob<TJob>(void* job, int rowStart, int rowEnd, int columnStart, int columnEnd) where TJob : struct, IGemmJob
        => Unsafe.AsRef<TJob>(job).Run(rowStart, rowEnd, columnStart, columnEnd);

    private static void EnsureStarted()
    {
        if (s_thread is not null)
            return;
        s_thread = new Thread(Loop) { IsBackground = true, Name = "ModelGen GEMM helper" };
        s_thread.Start();
    }

    private static void Loop()
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (true)
        {
            // Claimed, not just seen: the caller may take a pending half back until the helper starts it.
            if (Volatile.Read(ref s_state) == Pending && Interlocked.CompareExchange(ref s_state, Running, Pending) == Pending)
            {
                try
                {
                    using var width = Vectorized.Force(s_width);
                    s_run(s_job, s_rowStart, s_rowEnd, s_columnStart, s_columnEnd);
                }
                catch (Exception e)
                {
                    s_failure = e;
                }
                Volatile.Write(ref s_state, Done);
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
                continue;
            }
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(32);
                continue;
            }
            Interlocked.Exchange(ref s_sleeping, 1);
            if (Volatile.Read(ref s_state) != Pending) // re-check after announcing sleep: no lost wake-up
                Wake.Wait();
            Wake.Reset();
            Interlocked.Exchange(ref s_sleeping, 0);
            deadline = Stopwatch.GetTimestamp() + SpinTicks;
        }
    }
}
