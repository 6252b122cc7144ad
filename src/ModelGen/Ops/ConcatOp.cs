using System.Numerics;

namespace ModelGen.Ops;

/// <summary>
/// Concatenation along the features of [batch × width] tensors (generator: generators/ModelGen.Generators/Ops/Concat/):
/// an input of width w fills columns [offset, offset + w) of every row of the output.
/// </summary>
public static class ConcatOp
{
    /// <summary>Copies <paramref name="input"/> [batch × inputWidth] into columns [offset, offset + inputWidth) of <paramref name="output"/> [batch × outputWidth].</summary>
    public static unsafe void Forward<T>(ReadOnlySpan<T> input, int inputWidth, Span<T> output, int outputWidth, int offset, int batch)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(input.Length, inputWidth, output.Length, outputWidth, offset, batch);
        fixed (T* source = input, target = output)
        {
            var rows = new Rows<T>(source, inputWidth, target + offset, outputWidth, inputWidth, accumulate: false);
            Run(ref rows, batch, inputWidth);
        }
    }

    /// <summary>dx = dy[:, offset..offset + inputWidth), or dx += it when <paramref name="accumulate"/>.</summary>
    public static unsafe void Backward<T>(ReadOnlySpan<T> outputGradient, int outputWidth, int offset, Span<T> inputGradient, int inputWidth, int batch, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(inputGradient.Length, inputWidth, outputGradient.Length, outputWidth, offset, batch);
        fixed (T* source = outputGradient, target = inputGradient)
        {
            var rows = new Rows<T>(source + offset, outputWidth, target, inputWidth, inputWidth, accumulate);
            Run(ref rows, batch, inputWidth);
        }
    }

    /// <summary>From this many elements (256 KB of floats: a tagger's 2048 words × 64 units) the rows split across two cores.</summary>
    private const int SplitElements = 1 << 16;

    /// <summary>
    /// Half of the rows on each core for a large concatenation: one core copying a bidirectional tagger's two 2048 × 64
    /// directions into its 2048 × 128 context, and back, took 270 µs of a 9 ms train step.
    /// </summary>
    private static void Run<T>(ref Rows<T> rows, int batch, int width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Kernels.GemmWorker.RunHalves(ref rows, batch, split: (long)batch * width >= SplitElements, worthWaking: false);

    /// <summary>Rows [first, end): <paramref name="width"/> elements from source row r to target row r, copied or added.</summary>
    private readonly unsafe struct Rows<T>(T* source, int sourceStride, T* target, int targetStride, int width, bool accumulate) : Kernels.IGemmJob
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public void Run(int first, int end, int unused0, int unused1)
        {
            for (int row = first; row < end; row++)
                AddOp.Backward(new ReadOnlySpan<T>(source + (long)row * sourceStride, width), new Span<T>(target + (long)row * targetStride, width), accumulate);
        }
    }

    private static void Check(int input, int inputWidth, int output, int outputWidth, int offset, int batch)
    {
        if (offset < 0 || offset + inputWidth > outputWidth || input < batch * inputWidth || output < batch * outputWidth)
            throw new ArgumentException($"Concat of [{batch} × {inputWidth}] at column {offset} of [{batch} × {outputWidth}] got spans of {input} and {output} elements.");
    }
}
