using ModelGen.Ops;

namespace ModelGen.Tests;

/// <summary>Fused dense kernels (GEMM epilogues) against the unfused composition in float64.</summary>
public class DenseOpTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 5, 3 }, { 7, 9, 17 }, { 8, 16, 16 }, { 32, 784, 256 }, { 33, 129, 65 }, { 64, 256, 10 }, { 9, 300, 70 },
    };

    public static TheoryData<int, int, int, int> WidthsAndShapes() => Widths.Cross(Shapes());

    [Theory]
    [MemberData(nameof(WidthsAndShapes))]
    public void FusedForwardMatchesComposition(int bits, int batch, int inputs, int outputs)
    {
        using var width = Widths.Force(bits);
        double[] x = Reference.Random(batch * inputs, 1), w = Reference.Random(inputs * outputs, 2, 0.2), b = Reference.Random(outputs, 3);
        double[] z = Reference.MatMul(x, w, batch, inputs, outputs).Select((v, i) => v + b[i % outputs]).ToArray();

        var relu = new float[batch * outputs];
        DenseOp.Forward<float, ReLU>(Reference.ToFloat(x), Reference.ToFloat(w), Reference.ToFloat(b), relu, batch, inputs, outputs, 0f);
        Reference.Close(z.Select(v => Math.Max(0, v)).ToArray(), relu, 1e-4, 1e-4, "Dense+ReLU");

        var tanh = new float[batch * outputs];
        DenseOp.Forward<float, Tanh>(Reference.ToFloat(x), Reference.ToFloat(w), Reference.ToFloat(b), tanh, batch, inputs, outputs, 0f);
        Reference.Close(z.Select(Math.Tanh).ToArray(), tanh, 1e-4, 1e-4, "Dense+Tanh");

        var linear = new float[batch * outputs];
        DenseOp.Forward<float>(Reference.ToFloat(x), Reference.ToFloat(w), Reference.ToFloat(b), linear, batch, inputs, outputs);
        Reference.Close(z, linear, 1e-4, 1e-4, "Dense");

        var doubles = new double[batch * outputs];
        DenseOp.Forward<double, LeakyReLU>(x, w, b, doubles, batch, inputs, outputs, 0.1);
        Reference.Close(z.Select(v => v > 0 ? v : 0.1 * v).ToArray(), doubles, 1e-12, 1e-12, "double Dense+LeakyReLU");

        // Without a bias (a layer that feeds batch norm).
        double[] product = Reference.MatMul(x, w, batch, inputs, outputs);
        var noBias = new float[batch * outputs];
        DenseOp.ForwardWithoutBias<float, ReLU>(Reference.ToFloat(x), Reference.ToFloat(w), noBias, batch, inputs, outputs, 0f);
        Reference.Close(product.Select(v => Math.Max(0, v)).ToArray(), noBias, 1e-4, 1e-4, "Dense (no bias)+ReLU");
        var noBiasLinear = new float[batch * outputs];
        DenseOp.ForwardWithoutBias<float>(Reference.ToFloat(x), Reference.ToFloat(w), noBiasLinear, batch, inputs, outputs);
        Reference.Close(product, noBiasLinear, 1e-4, 1e-4, "Dense (no bias)");
    }

    [Theory]
    [MemberData(nameof(WidthsAndShapes))]
    public void FusedInputGradientMatchesComposition(int bits, int batch, int inputs, int outputs)
    {
        using var width = Widths.Force(bits);
        double[] dy = Reference.Random(batch * outputs, 4), w = Reference.Random(inputs * outputs, 5, 0.2);
        double[] input = Reference.Random(batch * inputs, 6).Select(v => Math.Max(0, v)).ToArray(); // a ReLU output
        double[] dx = Reference.MatMul(dy, Reference.Transpose(w, inputs, outputs), batch, outputs, inputs)
            .Select((v, i) => input[i] > 0 ? v : 0).ToArray();

        var actual = new float[batch * inputs];
        DenseOp.BackwardInput<float, ReLU>(Reference.ToFloat(dy), Reference.ToFloat(w), actual, Reference.ToFloat(input), batch, inputs, outputs, 0f);
        Reference.Close(dx, actual, 1e-4, 1e-4, "dx ⊙ ReLU′");

        var doubles = new double[batch * inputs];
        DenseOp.BackwardInput<double, ReLU>(dy, w, doubles, input, batch, inputs, outputs, 0);
        Reference.Close(dx, doubles, 1e-12, 1e-12, "double dx ⊙ ReLU′");
    }
}
