namespace ModelGen.Tests;

/// <summary>
/// One model instance shared by many threads, as a web service would: Predict and ComputeLoss run concurrently and
/// give exactly the single-threaded results with 0 B per call after each thread's first; TrainStep is one writer at a
/// time, and a Predict racing it sees the parameters either before or after a step, never a mixture.
/// </summary>
[Collection(RunsAlone.Name)]
public class ConcurrencyTests
{
    private const int Threads = 8;

    [Fact]
    public void ConcurrentInferenceMatchesSingleThreadedAndDoesNotAllocate()
    {
        var net = new NormalizedNet();
        float[] train = Reference.ToFloat(Reference.Random(32 * 5, 5));
        int[] trainLabels = Enumerable.Range(0, 32).Select(i => i % 3).ToArray();
        for (int step = 0; step < 20; step++)
            net.TrainStep(train, trainLabels); // running statistics and weights away from their initial values

        // Per thread: its own batch size (1–8) and inputs; the expected outputs computed on this thread first.
        var inputs = new float[Threads][];
        var labels = new int[Threads][];
        var expected = new float[Threads][];
        var expectedLoss = new float[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int batch = t + 1;
            inputs[t] = Reference.ToFloat(Reference.Random(batch * 5, 100 + t));
            labels[t] = Enumerable.Range(0, batch).Select(i => (i + t) % 3).ToArray();
            expected[t] = new float[batch * 3];
            net.Predict(inputs[t], expected[t]);
            expectedLoss[t] = net.ComputeLoss(inputs[t], labels[t]);
        }

        int mismatches = 0;
        var allocated = new long[Threads];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var outputs = new float[expected[t].Length];
            for (int call = 0; call < 50; call++) // this thread's warm-up: its workspace, and the JIT's tiers
            {
                net.Predict(inputs[t], outputs);
                net.ComputeLoss(inputs[t], labels[t]);
            }
            start.SignalAndWait();
            // Four passes of 1,000 calls: the runtime may allocate once on a thread while the others are busy (tiering,
            // its own lazily created state — once seen in a third pass on a loaded CI machine); a per-call allocation would
            // show in every pass, so some pass must be 0 B.
            allocated[t] = long.MaxValue;
            for (int pass = 0; pass < 4; pass++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int call = 0; call < 1000; call++)
                {
                    outputs.AsSpan().Clear();
                    net.Predict(inputs[t], outputs);
                    if (!outputs.AsSpan().SequenceEqual(expected[t]) || net.ComputeLoss(inputs[t], labels[t]) != expectedLoss[t])
                        Interlocked.Increment(ref mismatches);
                }
                allocated[t] = Math.Min(allocated[t], GC.GetAllocatedBytesForCurrentThread() - before);
            }
        })).ToArray();
        foreach (Thread thread in threads)
            thread.Start();
        foreach (Thread thread in threads)
            thread.Join();
        Assert.Equal(0, mismatches);
        Assert.All(allocated, bytes => Assert.Equal(0, bytes));
    }

    [Fact]
    public void ConcurrentInferenceThroughThePackedGemmMatchesSingleThreaded()
    {
        // Batches large enough for the packed GEMM and its second-core helper, shared by every caller.
        var net = new DigitClassifier();
        var inputs = new float[Threads][];
        var expected = new float[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            int batch = 16 + 4 * t;
            inputs[t] = Reference.ToFloat(Reference.Random(batch * 784, 300 + t)).Select(Math.Abs).ToArray();
            expected[t] = new float[batch * 10];
            net.Predict(inputs[t], expected[t]);
        }
        int mismatches = 0;
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var outputs = new float[expected[t].Length];
            for (int call = 0; call < 60; call++)
            {
                net.Predict(inputs[t], outputs);
                if (!outputs.AsSpan().SequenceEqual(expected[t]))
                    Interlocked.Increment(ref mismatches);
            }
        })).ToArray();
        foreach (Thread thread in threads)
            thread.Start();
        foreach (Thread thread in threads)
            thread.Join();
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void PredictRacingTrainStepSeesWholeSteps()
    {
        float[] train = Reference.ToFloat(Reference.Random(16 * 5, 7));
        int[] trainLabels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        float[] probe = Reference.ToFloat(Reference.Random(2 * 5, 8));
        const int steps = 150;

        // Every state the model passes through, as Predict sees it, from a model nobody else touches.
        var reference = new NormalizedNet();
        var states = new HashSet<string>();
        var output = new float[6];
        for (int step = 0; step <= steps; step++)
        {
            reference.Predict(probe, output);
            states.Add(string.Join(",", output.Select(BitConverter.SingleToInt32Bits)));
            if (step < steps)
                reference.TrainStep(train, trainLabels);
        }

        var net = new NormalizedNet();
        int done = 0, observed = 0, torn = 0;
        var readers = Enumerable.Range(0, Threads - 1).Select(_ => new Thread(() =>
        {
            var seen = new float[6];
            while (Volatile.Read(ref done) == 0)
            {
                net.Predict(probe, seen);
                Interlocked.Increment(ref observed);
                if (!states.Contains(string.Join(",", seen.Select(BitConverter.SingleToInt32Bits))))
                    Interlocked.Increment(ref torn);
            }
        })).ToArray();
        foreach (Thread reader in readers)
            reader.Start();
        SpinWait wait = default;
        while (Volatile.Read(ref observed) < readers.Length) // predictions are under way before training starts
            wait.SpinOnce();
        for (int step = 0; step < steps; step++)
            net.TrainStep(train, trainLabels);
        Volatile.Write(ref done, 1);
        foreach (Thread reader in readers)
            reader.Join();

        Assert.True(observed > 0);
        Assert.Equal(0, torn);
        Assert.True(net.Parameters.SequenceEqual(reference.Parameters), "predictions racing the steps changed training");
        Assert.True(net.State.SequenceEqual(reference.State), "predictions racing the steps changed the running statistics");
    }

    [Fact]
    public void ConcurrentTrainStepsAreSerialized()
    {
        float[] train = Reference.ToFloat(Reference.Random(16 * 5, 9));
        int[] trainLabels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var sequential = new ResidualNet();
        for (int step = 0; step < 4 * 50; step++)
            sequential.TrainStep(train, trainLabels);

        // The same batch every step, so the order the writers take turns in cannot matter; only interleaving could.
        var shared = new ResidualNet();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            for (int step = 0; step < 50; step++)
                shared.TrainStep(train, trainLabels);
        });
        Assert.Equal(200, shared.Step);
        Assert.True(shared.Parameters.SequenceEqual(sequential.Parameters), "concurrent TrainStep calls interleaved");
    }
}
