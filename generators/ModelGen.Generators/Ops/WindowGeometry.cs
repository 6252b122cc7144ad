using System;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Ops
{
    /// <summary>How a declared window treats the border (mirrors ModelGen.Padding).</summary>
    internal enum PaddingKind { Valid = 0, Same = 1 }

    /// <summary>A window as declared: kernel, stride, dilation and padding, before the input is known.</summary>
    internal sealed record WindowDeclaration(int KernelHeight, int KernelWidth, int Stride, int Dilation, PaddingKind Padding, int Pad);

    /// <summary>
    /// A sliding window over NCHW maps, as inferred: [Channels × Height × Width] → [Filters × OutputHeight × OutputWidth],
    /// PadTop/PadLeft before the first pixel. Mirrors the runtime's Conv2DShape and Pool2DShape (Filters = Channels for pooling).
    /// </summary>
    internal sealed partial record WindowGeometry(
        int Channels, int Height, int Width, int Filters, int KernelHeight, int KernelWidth,
        int StrideY, int StrideX, int PadTop, int PadLeft, int DilationY, int DilationX, int OutputHeight, int OutputWidth)
    {
        public TensorShape Output => new TensorShape(new[] { Filters, OutputHeight, OutputWidth }.ToEquatableArray());

        public override string ToString() => $"[{Channels} × {Height} × {Width}] → [{Filters} × {OutputHeight} × {OutputWidth}]";
    }

    /// <summary>
    /// The window arithmetic every convolution and pooling shares, per axis with effective kernel e = d·(k − 1) + 1:
    ///   Valid/explicit  out = ⌊(in + 2p − e) / s⌋ + 1, and every pixel must be read: (out − 1)·s − p + e ≥ in
    ///   Same            out = ⌈in / s⌉, padding (out − 1)·s + e − in split evenly, any odd one after the input
    /// A window larger than its padded input, or a stride that leaves pixels unread, is MG0023 at the layer, with the sums.
    /// </summary>
    internal static class WindowRules
    {
        public static WindowGeometry? Resolve(GraphBuilder builder, int index, string kind, TensorShape input, int filters, WindowDeclaration window)
        {
            if (input.Rank != 3)
            {
                builder.ShapeError(index, $"a {kind} layer reads [channels × height × width] feature maps, but gets {input}; declare the model's input as InputShape = new[] {{ channels, height, width }}");
                return null;
            }
            int channels = input.Dimensions[0];
            if (!Axis(builder, index, kind, input, "rows", input.Dimensions[1], window.KernelHeight, window, out int outHeight, out int padTop)
                || !Axis(builder, index, kind, input, "columns", input.Dimensions[2], window.KernelWidth, window, out int outWidth, out int padLeft))
                return null;
            return new WindowGeometry(channels, input.Dimensions[1], input.Dimensions[2], filters < 0 ? channels : filters, window.KernelHeight, window.KernelWidth,
                window.Stride, window.Stride, padTop, padLeft, window.Dilation, window.Dilation, outHeight, outWidth);
        }

        private static bool Axis(GraphBuilder builder, int index, string kind, TensorShape input, string axis, int size, int kernel, WindowDeclaration window, out int output, out int padBefore)
        {
            int stride = window.Stride, effective = window.Dilation * (kernel - 1) + 1;
            string span = window.Dilation > 1 ? $"a {kernel}-tap kernel dilated by {window.Dilation} spans {effective}" : $"the kernel spans {effective}";
            if (window.Padding == PaddingKind.Same)
            {
                output = (size + stride - 1) / stride;
                int total = Math.Max((output - 1) * stride + effective - size, 0);
                padBefore = total / 2;
                return true;
            }
            int padded = size + 2 * window.Pad;
            padBefore = window.Pad;
            output = 0;
            string sum = window.Pad > 0 ? $"{size} + 2·{window.Pad} = {padded}" : size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (effective > padded)
            {
                builder.ShapeError(index, $"its {kind} window does not fit its input {input}: {span} {axis}, but the padded input has {sum}; use a smaller kernel, Pad or Padding = Padding.Same");
                return false;
            }
            output = (padded - effective) / stride + 1;
            int unread = size - ((output - 1) * stride - window.Pad + effective);
            if (unread > 0)
            {
                builder.ShapeError(index, $"on its input {input} the {kind} window never reads the last {unread} {axis}: ({sum} − {effective}) = {padded - effective} is not a multiple of the stride {stride}, "
                    + $"so out = ⌊{padded - effective}/{stride}⌋ + 1 = {output} windows stop short; use Padding = Padding.Same, a Pad, or a stride that divides {padded - effective}");
                return false;
            }
            return true;
        }
    }

    internal sealed partial record WindowGeometry
    {
        /// <summary>The window as the inference graph's <c>GraphWindow</c> literal, with the padding after the map that the output needs.</summary>
        public string GraphLiteral()
        {
            int padBottom = System.Math.Max(0, (OutputHeight - 1) * StrideY + DilationY * (KernelHeight - 1) + 1 - Height - PadTop);
            int padRight = System.Math.Max(0, (OutputWidth - 1) * StrideX + DilationX * (KernelWidth - 1) + 1 - Width - PadLeft);
            return $"new global::ModelGen.GraphWindow({KernelHeight}, {KernelWidth}, {StrideY}, {StrideX}, {DilationY}, {DilationX}, "
                + $"{PadTop}, {PadLeft}, {padBottom}, {padRight})";
        }
    }
}
