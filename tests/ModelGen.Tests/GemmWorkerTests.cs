using System.Runtime.CompilerServices;
using ModelGen.Kernels;

namespace ModelGen.Tests;

/// <summary>
/// Tests that must not share the machine: the GEMM failure test needs the helper free rather than taken by another
/// test's product, and the MNIST sample needs both cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class RunsAlone
{
    public const string Name = "Runs alone";
}

/// <summary>The two-core GEMM helper under contention and failure: results stay exact, the process stays healthy.</summary>
[Collection(RunsAlone.Name)]
public class GemmWorkerTests
{
    [Fact]
    public void TwoModelsTrainingAtOnceMatchTheirSingleThreadedRuns()
    {
        // DigitClassifier's 784 × 256 products are large enough to split across the helper: two threads now race for it.
        double[] inputs = Reference.Random(64 * 784, 5).Select(Math.Abs).ToArray();
        float[] x = Reference.ToFloat(inputs);
        int[] labels = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        float[] Train(int seed)
        {
            var net = new DigitClassifier(seed);
            for (int step = 0; step < 6; step++)
                net.TrainStep(x, labels);
            return net.Parameters.ToArray();
        }
        float[] aloneA = Train(1), aloneB = Train(2);
        float[]? togetherA = null, togetherB = null;
        var thread = new Thread(() => togetherB = Train(2));
        thread.Start();
        togetherA = Train(1);
        thread.Join();
        Assert.Equal(aloneA, togetherA);
        Assert.Equal(aloneB, togetherB);
    }

    /// <summary>
    /// Throws on the helper. The caller's half waits (up to 5 s) until the helper has started its own, which it would
    /// otherwise take back and run itself if the helper were slow to start.
    /// </summary>
    private readonly unsafe struct ThrowOffThread(int callerThread, StrongBox<int> helperStarted) : IGemmEpilogue
    {
        public void Apply(float* c, int row, int column, int count)
        {
            if (Environment.CurrentManagedThreadId != callerThread)
            {
                Volatile.Write(ref helperStarted.Value, 1);
                throw new InvalidOperationException("planted failure on the helper thread");
            }
            StrongBox<int> started = helperStarted;
            SpinWait.SpinUntil(() => Volatile.Read(ref started.Value) == 1, 5000);
        }
    }

    private readonly unsafe struct ThrowOnCaller(int callerThread) : IGemmEpilogue
    {
        public void Apply(float* c, int row, int column, int count)
        {
            if (Environment.CurrentManagedThreadId == callerThread)
                throw new InvalidOperationException("planted failure on the calling thread");
        }
    }

    /// <summary>Records which thread ran each of its two ranges.</summary>
    private readonly struct WhoRuns(int[] threads) : IGemmJob
    {
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd) => threads[rowStart] = Environment.CurrentManagedThreadId;
    }

    [Fact]
    public void AHalfTheSleepingHelperHasNotStartedRunsOnTheCaller()
    {
        if (!GemmWorker.IsAvailable)
            return;
        var warm = new WhoRuns(new int[2]);
        GemmWorker.RunPair(ref warm, 0, 1, 0, 0, 1, 2, 0, 0, worthWaking: true); // the helper exists
        int me = Environment.CurrentManagedThreadId, takenBack = 0;
        for (int attempt = 0; attempt < 5 && takenBack == 0; attempt++)
        {
            Thread.Sleep(20); // the helper spins 1 ms after a job, then sleeps
            var threads = new int[2];
            var job = new WhoRuns(threads);
            // Waking takes the helper microseconds; the caller's half takes nanoseconds, then takes the other half back.
            GemmWorker.RunPair(ref job, 0, 1, 0, 0, 1, 2, 0, 0, worthWaking: true);
            Assert.Equal(me, threads[0]);
            Assert.NotEqual(0, threads[1]);
            if (threads[1] == me)
                takenBack++;
        }
        Assert.True(takenBack > 0, "in five calls the caller never ran the half a sleeping helper had not started");
        // The helper, woken for nothing, still serves the next product.
        var next = new WhoRuns(new int[2]);
        GemmWorker.RunPair(ref next, 0, 1, 0, 0, 1, 2, 0, 0, worthWaking: true);
    }

    /// <summary>Records, per item, the claim it ran in and the thread that ran it; the calling thread's claims are slow.</summary>
    private readonly struct ClaimRecorder(int[] claims, int[] threads, int callerThread) : IGemmJob
    {
        public void Run(int rowStart, int rowEnd, int columnStart, int columnEnd)
        {
            for (int i = rowStart; i < rowEnd; i++)
            {
                claims[i] = columnStart;
                threads[i] = Environment.CurrentManagedThreadId;
            }
            if (Environment.CurrentManagedThreadId == callerThread)
                Thread.Sleep(2); // a core the machine's other work slows down
        }
    }

    [Fact]
    public void SharedClaimsCoverEveryItemOnceAndTheFasterCoreTakesMore()
    {
        const int count = 61, grain = 3; // 21 claims, the last one item
        int me = Environment.CurrentManagedThreadId;
        int[] claims = new int[count], threads = new int[count];
        var job = new ClaimRecorder(claims, threads, me);
        GemmWorker.RunShared(ref job, count, grain, worthWaking: true);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i / grain, claims[i]);
            Assert.NotEqual(0, threads[i]);
            Assert.Equal(threads[i / grain * grain], threads[i]); // a claim runs whole on one thread
        }
        if (!GemmWorker.IsAvailable)
            return;
        int byCaller = threads.Count(t => t == me), byHelper = count - byCaller;
        Assert.True(byHelper > byCaller, $"the helper ran {byHelper} items and the slowed caller {byCaller}: claims should go to the core that is free");
    }

    [Fact]
    public void AFailingJobOnEitherThreadSurfacesAndLaterProductsStayExact()
    {
        // 512 × 256 × 256 = 33.5 M multiply-adds: above the size that waits for the helper, so both threads take part.
        const int m = 512, k = 256, n = 256;
        double[] a = Reference.Random(m * k, 1), b = Reference.Random(k * n, 2);
        float[] af = Reference.ToFloat(a), bf = Reference.ToFloat(b), c = new float[m * n];
        int me = Environment.CurrentManagedThreadId;
        if (GemmWorker.IsAvailable)
        {
            var helperFailure = Assert.Throws<AggregateException>(() => Gemm.MultiplyPacked(GemmForm.AB, af, bf, c, m, k, n, false, new ThrowOffThread(me, new StrongBox<int>())));
            Assert.Contains("helper thread", helperFailure.InnerExceptions.Single().Message);
        }
        // Split, the caller's failure waits for the helper to finish reading the job on the caller's stack, then surfaces.
        Exception callerFailure = Assert.ThrowsAny<Exception>(() => Gemm.MultiplyPacked(GemmForm.AB, af, bf, c, m, k, n, false, new ThrowOnCaller(me)));
        Assert.Contains("calling thread", ((callerFailure as AggregateException)?.InnerExceptions.Single() ?? callerFailure).Message);

        double[] expected = Reference.MatMul(a, b, m, k, n);
        for (int round = 0; round < 3; round++)
        {
            Gemm.Multiply<float>(GemmForm.AB, af, bf, c, m, k, n, accumulate: false);
            Reference.Close(expected, c, 1e-5, 2e-6 * Math.Sqrt(k + 1), $"product after the failures, round {round}");
        }
    }
}
