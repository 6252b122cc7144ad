using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ModelGen.Simd;

namespace ModelGen;

/// <summary>
/// Checks made by every generated public entry before it touches any state, so a rejected call leaves
/// the model unchanged. Messages name the model, the layer and the expected shape.
/// </summary>
public static class InputGuard
{
    /// <summary>Returns the batch size implied by <paramref name="inputs"/>, or throws.</summary>
    public static int BatchSize<T>(string model, string entry, ReadOnlySpan<T> inputs, int inputSize, string firstLayer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (inputs.Length == 0)
            throw new ArgumentException($"{model}.{entry}: the batch is empty; inputs to layer '{firstLayer}' must have shape [batch × {inputSize}] with batch ≥ 1.", "inputs");
        if (inputs.Length % inputSize != 0)
            throw new ArgumentException($"{model}.{entry}: inputs has {inputs.Length} elements, not a multiple of {inputSize}; layer '{firstLayer}' expects shape [batch × {inputSize}].", "inputs");
        RequireFinite(model, entry, "inputs", inputs, inputSize, "layer '{0}' input [batch × {1}]", firstLayer);
        return inputs.Length / inputSize;
    }

    /// <summary>Batch statistics need two samples: with one, every feature's variance is 0 and the layer outputs β alone.</summary>
    public static void TrainingBatch(string model, string entry, int batch, string normalizationLayer)
    {
        if (batch < 2)
            throw new ArgumentException($"{model}.{entry}: batch normalization in layer '{normalizationLayer}' needs at least 2 samples per training batch, got {batch}.", "inputs");
    }

    /// <summary>Checks one class label per sample, each in [0, classes).</summary>
    public static void Labels(string model, string entry, ReadOnlySpan<int> labels, int batch, int classes, string outputLayer)
    {
        if (labels.Length != batch)
            throw new ArgumentException($"{model}.{entry}: labels has {labels.Length} elements; expected shape [{batch}] (one class index per sample) for output layer '{outputLayer}' [batch × {classes}].", "labels");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException("labels", labels[i], $"{model}.{entry}: label {labels[i]} of sample {i} is out of range; output layer '{outputLayer}' [batch × {classes}] expects class indices in [0, {classes}).");
    }

    /// <summary>Checks a regression target of shape [batch × outputs] with finite values.</summary>
    public static void Targets<T>(string model, string entry, ReadOnlySpan<T> targets, int batch, int outputs, string outputLayer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (targets.Length != batch * outputs)
            throw new ArgumentException($"{model}.{entry}: targets has {targets.Length} elements; output layer '{outputLayer}' expects shape [{batch} × {outputs}].", "targets");
        RequireFinite(model, entry, "targets", targets, outputs, "output layer '{0}' [batch × {1}]", outputLayer);
    }

    /// <summary>Checks binary targets of shape [batch × outputs], each in [0, 1].</summary>
    public static void ProbabilityTargets<T>(string model, string entry, ReadOnlySpan<T> targets, int batch, int outputs, string outputLayer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Targets(model, entry, targets, batch, outputs, outputLayer);
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] < T.Zero || targets[i] > T.One)
                throw new ArgumentOutOfRangeException("targets", targets[i], $"{model}.{entry}: target {targets[i]} at sample {i / outputs}, output {i % outputs} is outside [0, 1]; binary cross-entropy on output layer '{outputLayer}' [batch × {outputs}] needs probabilities.");
    }

    /// <summary>
    /// Returns the batch size implied by token ids [batch × sequenceLength], or throws: every id in [0, vocabulary);
    /// with a padding id (≥ 0), padding only at the end of a sample and at least one real token per sample.
    /// </summary>
    public static int Tokens(string model, string entry, ReadOnlySpan<int> tokens, int sequenceLength, int vocabulary, int paddingId, string embeddingLayer)
    {
        if (tokens.Length == 0)
            throw new ArgumentException($"{model}.{entry}: the batch is empty; token ids for layer '{embeddingLayer}' must have shape [batch × {sequenceLength}] with batch ≥ 1.", "inputs");
        if (tokens.Length % sequenceLength != 0)
            throw new ArgumentException($"{model}.{entry}: inputs has {tokens.Length} token ids, not a multiple of {sequenceLength}; layer '{embeddingLayer}' expects shape [batch × {sequenceLength}] (pad shorter samples{(paddingId >= 0 ? $" with {paddingId}" : "")}).", "inputs");
        // Sample by sample: a division per token to find its sample and step cost 8 µs a batch of 2,048 tokens on a Xeon.
        int batch = tokens.Length / sequenceLength;
        for (int sample = 0; sample < batch; sample++)
        {
            ReadOnlySpan<int> row = tokens.Slice(sample * sequenceLength, sequenceLength);
            for (int step = 0; step < row.Length; step++)
            {
                int token = row[step];
                if ((uint)token >= (uint)vocabulary)
                    throw new ArgumentOutOfRangeException("inputs", token, $"{model}.{entry}: token {token} at sample {sample}, step {step} is outside layer '{embeddingLayer}''s vocabulary [0, {vocabulary}).");
                if (paddingId < 0 || token == paddingId)
                {
                    if (token == paddingId && step == 0)
                        throw new ArgumentException($"{model}.{entry}: sample {sample} starts with the padding id {paddingId}; every sample needs at least one real token for layer '{embeddingLayer}'.", "inputs");
                    continue;
                }
                if (step > 0 && row[step - 1] == paddingId)
                    throw new ArgumentException($"{model}.{entry}: token {token} at sample {sample}, step {step} follows the padding id {paddingId}; layer '{embeddingLayer}' expects padding only at the end of a sample.", "inputs");
            }
        }
        return batch;
    }

    /// <summary>
    /// Checks one class label per step, [batch × sequenceLength], each in [0, classes) on real steps (padded steps' labels are
    /// ignored). <paramref name="tokens"/> is empty for a feature-sequence input, whose steps are all real.
    /// </summary>
    public static void SequenceLabels(string model, string entry, ReadOnlySpan<int> labels, ReadOnlySpan<int> tokens, int batch, int sequenceLength,
        int classes, int paddingId, string outputLayer)
    {
        if (labels.Length != batch * sequenceLength)
            throw new ArgumentException($"{model}.{entry}: labels has {labels.Length} elements; expected shape [{batch} × {sequenceLength}] (one class index per step) for output layer '{outputLayer}' [batch × {sequenceLength} × {classes}].", "labels");
        for (int i = 0; i < labels.Length; i++)
            if ((tokens.IsEmpty || tokens[i] != paddingId) && (uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException("labels", labels[i], $"{model}.{entry}: label {labels[i]} of sample {i / sequenceLength}, step {i % sequenceLength} is out of range; output layer '{outputLayer}' expects class indices in [0, {classes}) on every real step.");
    }

    /// <summary>Checks an output buffer of shape [batch × outputs].</summary>
    public static void Outputs(string model, string entry, int length, int batch, int outputs, string outputLayer)
    {
        if (length != batch * outputs)
            throw new ArgumentException($"{model}.{entry}: outputs has {length} elements; output layer '{outputLayer}' produces shape [{batch} × {outputs}].", "outputs");
    }

    internal static string Describe<T>(T value) where T : IBinaryFloatingPointIeee754<T>
        => T.IsNaN(value) ? "NaN" : T.IsPositive(value) ? "+∞" : "−∞";

    /// <summary>Index of the first NaN or ±∞, or −1. One vector pass (x − x is 0 for finite x, NaN otherwise), then a scalar search only on failure.</summary>
    internal static int FirstNonFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new NonFiniteKernel<T>(values);
        Vectorized.Run<T, NonFiniteKernel<T>>(ref kernel, values.Length);
        return kernel.First;
    }

    /// <summary>
    /// Finds the first NaN or ±∞. Each width only learns whether its part holds one (x − x ≠ 0); only then does it
    /// search that part element by element.
    /// </summary>
    private ref struct NonFiniteKernel<T>(ReadOnlySpan<T> values) : IVectorKernel<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _values = values;

        public int First { get; private set; } = -1;

        public int Run<TVector, TOps>(int i, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            if (First >= 0)
                return length;
            ref T v0 = ref MemoryMarshal.GetReference(_values);
            TVector bad = TOps.Zero;
            int start = i;
            for (; i + TOps.Count <= length; i += TOps.Count)
            {
                TVector v = TOps.Load(in Unsafe.Add(ref v0, i));
                bad = TOps.Or(bad, TOps.Not(TOps.Equal(TOps.Subtract(v, v), TOps.Zero)));
            }
            if (!TOps.AllBitsClear(bad))
                for (int j = start; j < i && First < 0; j++)
                    if (!T.IsFinite(Unsafe.Add(ref v0, j)))
                        First = j;
            return i;
        }
    }

    // The description is formatted only on failure: the success path must not allocate.
    private static void RequireFinite<T>(string model, string entry, string argument, ReadOnlySpan<T> values, int rowLength, string whatFormat, string layer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = FirstNonFinite(values);
        if (i >= 0)
            throw new ArgumentException($"{model}.{entry}: {argument} holds {Describe(values[i])} at sample {i / rowLength}, feature {i % rowLength}; {string.Format(System.Globalization.CultureInfo.InvariantCulture, whatFormat, layer, rowLength)} needs finite values.", argument);
    }
}
