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

    private readonly unsafe struct ThrowOffThread(int callerThread) : IGemmEpilogue
    {
        public void Apply(float* c, int row, int column, int count)
        {
            if (Environment.CurrentManagedThreadId != callerThread)
                throw new InvalidOperationException("planted failure on the helper thread");
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
            var helperFailure = Assert.Throws<AggregateException>(() => Gemm.MultiplyPacked(GemmForm.AB, af, bf, c, m, k, n, false, new ThrowOffThread(me)));
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
