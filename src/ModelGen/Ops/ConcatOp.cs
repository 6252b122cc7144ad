using System.Numerics;

namespace ModelGen.Ops;

/// <summary>
/// Concatenation along the features of [batch × width] tensors (generator: generators/ModelGen.Generators/Ops/Concat/):
/// an input of width w fills columns [offset, offset + w) of every row of the output.
/// </summary>
public static class ConcatOp
{
    /// <summary>Copies <paramref name="input"/> [batch × inputWidth] into columns [offset, offset + inputWidth) of <paramref name="output"/> [batch × outputWidth].</summary>
    public static void Forward<T>(ReadOnlySpan<T> input, int inputWidth, Span<T> output, int outputWidth, int offset, int batch)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(input.Length, inputWidth, output.Length, outputWidth, offset, batch);
        for (int row = 0; row < batch; row++)
            input.Slice(row * inputWidth, inputWidth).CopyTo(output.Slice(row * outputWidth + offset, inputWidth));
    }

    /// <summary>dx = dy[:, offset..offset + inputWidth), or dx += it when <paramref name="accumulate"/>.</summary>
    public static void Backward<T>(ReadOnlySpan<T> outputGradient, int outputWidth, int offset, Span<T> inputGradient, int inputWidth, int batch, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(inputGradient.Length, inputWidth, outputGradient.Length, outputWidth, offset, batch);
        for (int row = 0; row < batch; row++)
            AddOp.Backward(outputGradient.Slice(row * outputWidth + offset, inputWidth), inputGradient.Slice(row * inputWidth, inputWidth), accumulate);
    }

    private static void Check(int input, int inputWidth, int output, int outputWidth, int offset, int batch)
    {
        if (offset < 0 || offset + inputWidth > outputWidth || input < batch * inputWidth || output < batch * outputWidth)
            throw new ArgumentException($"Concat of [{batch} × {inputWidth}] at column {offset} of [{batch} × {outputWidth}] got spans of {input} and {output} elements.");
    }
}
