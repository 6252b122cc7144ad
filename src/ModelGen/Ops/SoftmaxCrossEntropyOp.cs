using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Kernels;
using ModelGen.Simd;

namespace ModelGen.Ops;

/// <summary>
/// Softmax fused with cross-entropy against integer labels, computed stably:
/// loss_row = log Σ exp(z − max z) + max z − z_label, and dz = (softmax(z) − onehot(label)) / batch.
/// With label smoothing ε (PyTorch's <c>CrossEntropyLoss(label_smoothing=ε)</c>) the target is
/// q = (1 − ε)·onehot(label) + ε/C: loss_row = logsumexp(z) − (1 − ε)·z_label − (ε/C)·Σ z, dz = (softmax(z) − q) / batch.
/// With class weights w (PyTorch's <c>weight</c>) row i counts w[yᵢ] times and the mean divides by Σᵢ w[yᵢ]; with both,
/// the smoothed part weighs each class's term by its own weight, as PyTorch does:
/// loss_row = a·logsumexp(z) − (1 − ε)·w_y·z_y − (ε/C)·Σ_c w_c·z_c with a = (1 − ε)·w_y + (ε/C)·Σ_c w_c, and
/// dz = (a·softmax(z) − (1 − ε)·w_y·onehot(y) − (ε/C)·w) / Σᵢ w[yᵢ]. A batch whose labels all weigh 0 has loss 0/0 = NaN,
/// as in PyTorch.
/// <c>TensorPrimitives.SoftMax</c> is deliberately not used: it returns NaN for [1000, 1000, 999].
/// </summary>
public static class SoftmaxCrossEntropyOp
{
    /// <summary>The class-weighted mean loss (labels smoothed by ε; 0 for none); writes the gradient with respect to the logits.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> logitsGradient, int batch, int classes, T labelSmoothing,
        ReadOnlySpan<T> classWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckWeights(classWeights, classes);
        T weightSum = T.Zero;
        for (int row = 0; row < batch; row++)
            weightSum += classWeights[labels[row]];
        T scale = T.One / weightSum, total = T.Zero;
        for (int row = 0; row < batch; row++)
            total += WeightedRow(logits.Slice(row * classes, classes), labels[row], logitsGradient.Slice(row * classes, classes), scale, labelSmoothing, classWeights);
        return total * scale;
    }

    /// <summary>The class-weighted mean loss, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int batch, int classes, T labelSmoothing, ReadOnlySpan<T> classWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        CheckWeights(classWeights, classes);
        T total = T.Zero, weightSum = T.Zero;
        for (int row = 0; row < batch; row++)
        {
            total += WeightedTerm(logits.Slice(row * classes, classes), labels[row], labelSmoothing, classWeights);
            weightSum += classWeights[labels[row]];
        }
        return total / weightSum;
    }

    internal static void CheckWeights<T>(ReadOnlySpan<T> classWeights, int classes)
    {
        if (classWeights.Length != classes)
            throw new ArgumentException($"Softmax cross-entropy has {classes} classes and {classWeights.Length} class weights.", nameof(classWeights));
    }

    /// <summary>One row's weighted loss: a·logsumexp(z) − (1 − ε)·w_y·z_y − (ε/C)·Σ_c w_c·z_c.</summary>
    internal static T WeightedTerm<T>(ReadOnlySpan<T> z, int label, T labelSmoothing, ReadOnlySpan<T> w) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T share = labelSmoothing / T.CreateChecked(z.Length), labelWeight = (T.One - labelSmoothing) * w[label];
        T a = labelWeight + (labelSmoothing == T.Zero ? T.Zero : share * TensorPrimitives.Sum(w));
        T smoothed = labelSmoothing == T.Zero ? T.Zero : share * TensorPrimitives.Dot(w, z);
        return a * LogSumExp(z) - labelWeight * z[label] - smoothed;
    }

    /// <summary>One row: returns its weighted loss and writes g = scale·(a·softmax(z) − (1 − ε)·w_y·onehot(y) − (ε/C)·w).</summary>
    internal static T WeightedRow<T>(ReadOnlySpan<T> z, int label, Span<T> g, T scale, T labelSmoothing, ReadOnlySpan<T> w) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T share = labelSmoothing / T.CreateChecked(z.Length), labelWeight = (T.One - labelSmoothing) * w[label];
        T a = labelWeight + (labelSmoothing == T.Zero ? T.Zero : share * TensorPrimitives.Sum(w));
        T max = TensorPrimitives.Max(z);
        T sum = ShiftedExponentials(z, max, g);
        TensorPrimitives.Multiply(g, scale * a / sum, g);
        T smoothed = T.Zero;
        if (labelSmoothing != T.Zero)
        {
            TensorPrimitives.MultiplyAdd(w, -scale * share, g, g);
            smoothed = share * TensorPrimitives.Dot(w, z);
        }
        g[label] -= scale * labelWeight;
        return a * (T.Log(sum) + max) - labelWeight * z[label] - smoothed;
    }

    /// <summary>Mean loss over the batch; writes the gradient with respect to the logits into <paramref name="logitsGradient"/>.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> logitsGradient, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ForwardBackward(logits, labels, logitsGradient, batch, classes, T.Zero);

    /// <summary>Mean loss over the batch against labels smoothed by ε; writes the gradient with respect to the logits.</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> logitsGradient, int batch, int classes, T labelSmoothing)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        T inverseBatch = T.One / T.CreateChecked(batch);
        for (int row = 0; row < batch; row++)
            total += Row(logits.Slice(row * classes, classes), labels[row], logitsGradient.Slice(row * classes, classes), inverseBatch, labelSmoothing);
        return total * inverseBatch;
    }

    /// <summary>Mean loss over the batch, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Loss(logits, labels, batch, classes, T.Zero);

    /// <summary>Mean loss over the batch against labels smoothed by ε, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int batch, int classes, T labelSmoothing)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T total = T.Zero;
        for (int row = 0; row < batch; row++)
            total += Term(logits.Slice(row * classes, classes), labels[row], labelSmoothing);
        return total / T.CreateChecked(batch);
    }

    /// <summary>One row's loss: logsumexp(z) − (1 − ε)·z_label − (ε/C)·Σ z.</summary>
    internal static T Term<T>(ReadOnlySpan<T> z, int label, T labelSmoothing) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => LogSumExp(z) - Smoothed(z, label, labelSmoothing);

    /// <summary>(1 − ε)·z_label + (ε/C)·Σ z: the target-weighted logit, z_label itself when ε = 0.</summary>
    private static T Smoothed<T>(ReadOnlySpan<T> z, int label, T labelSmoothing) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => labelSmoothing == T.Zero ? z[label] : (T.One - labelSmoothing) * z[label] + labelSmoothing / T.CreateChecked(z.Length) * TensorPrimitives.Sum(z);

    /// <summary>Row-wise stable softmax: probabilities = exp(z − max z) / Σ exp(z − max z).</summary>
    public static void Probabilities<T>(ReadOnlySpan<T> logits, Span<T> probabilities, int batch, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<T> z = logits.Slice(row * classes, classes);
            Span<T> p = probabilities.Slice(row * classes, classes);
            T sum = ShiftedExponentials(z, TensorPrimitives.Max(z), p);
            TensorPrimitives.Divide(p, sum, p);
        }
    }

    /// <summary>One row: returns its loss and writes g = scale·(softmax(z) − q), q the (smoothed) one-hot target.</summary>
    internal static T Row<T>(ReadOnlySpan<T> z, int label, Span<T> g, T scale, T labelSmoothing) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(z);
        T sum = ShiftedExponentials(z, max, g);
        TensorPrimitives.Multiply(g, scale / sum, g);
        if (labelSmoothing == T.Zero)
        {
            g[label] -= scale;
            return T.Log(sum) + max - z[label];
        }
        TensorPrimitives.Subtract(g, scale * labelSmoothing / T.CreateChecked(z.Length), g);
        g[label] -= scale * (T.One - labelSmoothing);
        return T.Log(sum) + max - Smoothed(z, label, labelSmoothing);
    }

    /// <summary>
    /// e ← exp(z − max) (max ≥ every z), returning Σ e. Float runs <see cref="ExpOfNonPositive"/> and the sum in one pass
    /// at every width, where TensorPrimitives ran a subtract, an exp that widens to double, and a sum, three passes (the
    /// tagger's loss over 2,048 rows × 227 tags, two Xeon cores: 325 → 238 µs a step); double (gradient checks) keeps
    /// TensorPrimitives' exp.
    /// </summary>
    internal static T ShiftedExponentials<T>(ReadOnlySpan<T> z, T max, Span<T> e) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var kernel = new ShiftedExponentialsKernel<T>(z, max, e);
            Vectorized.Run<T, ShiftedExponentialsKernel<T>>(ref kernel, z.Length);
            return kernel.Sum;
        }
        TensorPrimitives.Subtract(z, max, e);
        TensorPrimitives.Exp(e, e);
        return TensorPrimitives.Sum<T>(e);
    }

    private ref struct ShiftedExponentialsKernel<T>(ReadOnlySpan<T> z, T max, Span<T> e) : IVectorKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _z = z;
        private readonly Span<T> _e = e;
        public T Sum;

        // Compiled on its own for each width. Inlined into whatever job calls it, it ran out of the JIT's inlining budget on
        // the second core, whose root (GemmWorker's RunJob) is a few bytes of IL: ExpOfNonPositive stayed a call passing
        // vectors through the stack (the tagger's loss, two Zen 3 cores: the helper's half 395 µs, the caller's 230).
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            if (i + TOps.Count > length)
                return i;
            ref T z0 = ref MemoryMarshal.GetReference(_z);
            ref T e0 = ref MemoryMarshal.GetReference(_e);
            TVector shift = TOps.Broadcast(max), sum = TOps.Zero;
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector value = ExpOfNonPositive<T, TVector, TOps>(TOps.Subtract(TOps.Load(in Unsafe.Add(ref z0, i)), shift));
                TOps.Store(value, ref Unsafe.Add(ref e0, i));
                sum = TOps.Add(sum, value);
            }
            Sum += TOps.Sum(sum);
            return i;
        }
    }

    /// <summary>
    /// e^x for float x ≤ 0 (a logit less the row's maximum), within 2 ulp: e^x = 2^n·e^r with n = round(x·log₂e) and
    /// r = x − n·ln 2 ∈ [−½ ln 2, ½ ln 2] (ln 2 in two parts, so r keeps float precision), e^r by Cephes' expf polynomial,
    /// 2^n written into the exponent bits. Below x = −87, where e^x would leave float's normal range (a term that no sum
    /// with the maximum's 1 can hold), it returns 0; NaN stays NaN. The same operations at every width and in the scalar
    /// tail, so a row's values do not depend on where its vectors end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVector ExpOfNonPositive<T, TVector, TOps>(TVector x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> where TVector : struct where TOps : IVectorOps<T, TVector>
    {
        TVector n = TOps.Round(TOps.Multiply(x, C(1.44269504088896341f)));
        TVector r = TOps.MultiplyAdd(n, C(-0.693359375f), x);
        r = TOps.MultiplyAdd(n, C(2.12194440e-4f), r);
        TVector p = TOps.MultiplyAdd(C(1.9875691500e-4f), r, C(1.3981999507e-3f));
        p = TOps.MultiplyAdd(p, r, C(8.3334519073e-3f));
        p = TOps.MultiplyAdd(p, r, C(4.1665795894e-2f));
        p = TOps.MultiplyAdd(p, r, C(1.6666665459e-1f));
        p = TOps.MultiplyAdd(p, r, C(5.0000001201e-1f));
        TVector exponential = TOps.Add(TOps.MultiplyAdd(TOps.Multiply(p, r), r, r), TOps.One); // 1 + r + r²·p
        return TOps.ConditionalSelect(TOps.LessThan(x, C(-87f)), TOps.Zero, TOps.Multiply(exponential, TOps.PowerOfTwo(n)));

        static TVector C(float value) => TOps.Broadcast(T.CreateTruncating(value));
    }

    /// <summary>log Σ exp(z), shifted by the maximum so no term overflows.</summary>
    internal static T LogSumExp<T>(ReadOnlySpan<T> z) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(z);
        T sum = T.Zero;
        foreach (T value in z)
            sum += T.Exp(value - max);
        return T.Log(sum) + max;
    }
}

/// <summary>
/// Softmax cross-entropy over every real step of a time-major sequence of logits (row t·batch + n), against labels
/// held sample-major [batch × sequenceLength]; padded steps (t ≥ length) are ignored and the mean is over real tokens,
/// as PyTorch's CrossEntropyLoss with ignore_index does.
/// </summary>
public static class SequenceSoftmaxCrossEntropyOp
{
    /// <summary>Mean loss over real tokens; writes ∂loss/∂logits (0 on padded steps).</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, Span<T> logitsGradient,
        int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => ForwardBackward(logits, labels, lengths, logitsGradient, batch, steps, sequenceLength, classes, T.Zero);

    /// <summary>Mean loss over real tokens against labels smoothed by ε; writes ∂loss/∂logits (0 on padded steps).</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, Span<T> logitsGradient,
        int batch, int steps, int sequenceLength, int classes, T labelSmoothing)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Sweep(logits, labels, lengths, logitsGradient, batch, steps, sequenceLength, classes, labelSmoothing, ReadOnlySpan<T>.Empty);

    /// <summary>Mean loss over real tokens, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Loss(logits, labels, lengths, batch, steps, sequenceLength, classes, T.Zero);

    /// <summary>Mean loss over real tokens against labels smoothed by ε, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes,
        T labelSmoothing)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Sweep(logits, labels, lengths, Span<T>.Empty, batch, steps, sequenceLength, classes, labelSmoothing, ReadOnlySpan<T>.Empty);

    /// <summary>Probabilities sample-major, [batch × sequenceLength × classes] as callers hold them; padded steps are all 0.</summary>
    public static void Probabilities<T>(ReadOnlySpan<T> logits, Span<T> probabilities, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < sequenceLength; t++)
            {
                Span<T> p = probabilities.Slice((n * sequenceLength + t) * classes, classes);
                if (t >= lengths[n])
                {
                    p.Clear();
                    continue;
                }
                SoftmaxCrossEntropyOp.Probabilities(logits.Slice((t * batch + n) * classes, classes), p, 1, classes);
            }
    }

    /// <summary>The class-weighted mean over real tokens (labels smoothed by ε; 0 for none); writes ∂loss/∂logits (0 on padded steps).</summary>
    public static T ForwardBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, Span<T> logitsGradient,
        int batch, int steps, int sequenceLength, int classes, T labelSmoothing, ReadOnlySpan<T> classWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        SoftmaxCrossEntropyOp.CheckWeights(classWeights, classes);
        return Sweep(logits, labels, lengths, logitsGradient, batch, steps, sequenceLength, classes, labelSmoothing, classWeights);
    }

    /// <summary>The class-weighted mean over real tokens, without a gradient.</summary>
    public static T Loss<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, int batch, int steps, int sequenceLength, int classes,
        T labelSmoothing, ReadOnlySpan<T> classWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        SoftmaxCrossEntropyOp.CheckWeights(classWeights, classes);
        return Sweep(logits, labels, lengths, Span<T>.Empty, batch, steps, sequenceLength, classes, labelSmoothing, classWeights);
    }

    /// <summary>
    /// The mean over real tokens — weighted by their labels' class weights when <paramref name="classWeights"/> is not
    /// empty — with the gradient when <paramref name="logitsGradient"/> is not empty (0 on padded steps). The steps are
    /// summed in two halves, then added, whether or not the halves run on two cores: the loss is the same either way.
    /// </summary>
    private static unsafe T Sweep<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<int> lengths, Span<T> logitsGradient,
        int batch, int steps, int sequenceLength, int classes, T labelSmoothing, ReadOnlySpan<T> classWeights)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool weighted = !classWeights.IsEmpty;
        T denominator = T.Zero;
        for (int n = 0; n < batch; n++)
            for (int t = 0; t < lengths[n]; t++)
                denominator += weighted ? classWeights[labels[n * sequenceLength + t]] : T.One;
        T* totals = stackalloc T[2];
        int middle = steps / 2;
        fixed (T* pLogits = logits, pGradient = logitsGradient, pWeights = classWeights)
        fixed (int* pLabels = labels, pLengths = lengths)
        {
            var halves = new SweepHalves<T>(pLogits, pLabels, pLengths, logitsGradient.IsEmpty ? null : pGradient, weighted ? pWeights : null, totals,
                batch, sequenceLength, classes, T.One / denominator, labelSmoothing);
            long elements = (long)batch * steps * classes;
            if (elements >= ParallelElements)
                GemmWorker.RunPair(ref halves, 0, middle, 0, 0, middle, steps, 1, 0, worthWaking: elements >= WakeElements);
            else
            {
                halves.Run(0, middle, 0, 0);
                halves.Run(middle, steps, 1, 0);
            }
        }
        return (totals[0] + totals[1]) * (T.One / denominator);
    }

    /// <summary>From this many logits (a tagger's 2048 tokens × 227 tags: 465 K) the second core takes half of the steps.</summary>
    private const long ParallelElements = 1L << 16;

    /// <summary>From this many (≈ 100 µs of rows and more) the halves wait for a sleeping helper to wake.</summary>
    private const long WakeElements = 1L << 18;

    /// <summary>Steps [first, end) of the sweep; the second number of a range says which total it writes.</summary>
    private readonly unsafe struct SweepHalves<T>(T* logits, int* labels, int* lengths, T* logitsGradient, T* classWeights, T* totals,
        int batch, int sequenceLength, int classes, T scale, T labelSmoothing) : IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run(int firstStep, int endStep, int half, int unused)
        {
            var weights = classWeights is null ? ReadOnlySpan<T>.Empty : new ReadOnlySpan<T>(classWeights, classes);
            T total = T.Zero;
            for (int t = firstStep; t < endStep; t++)
                for (int n = 0; n < batch; n++)
                {
                    int row = t * batch + n;
                    var z = new ReadOnlySpan<T>(logits + (long)row * classes, classes);
                    var g = logitsGradient is null ? Span<T>.Empty : new Span<T>(logitsGradient + (long)row * classes, classes);
                    if (t >= lengths[n])
                    {
                        g.Clear();
                        continue;
                    }
                    int label = labels[n * sequenceLength + t];
                    if (logitsGradient is not null)
                        total += classWeights is not null ? SoftmaxCrossEntropyOp.WeightedRow(z, label, g, scale, labelSmoothing, weights)
                            : SoftmaxCrossEntropyOp.Row(z, label, g, scale, labelSmoothing);
                    else
                        total += classWeights is not null ? SoftmaxCrossEntropyOp.WeightedTerm(z, label, labelSmoothing, weights)
                            : SoftmaxCrossEntropyOp.Term(z, label, labelSmoothing);
                }
            totals[half] = total;
        }
    }
}
