using Microsoft.CodeAnalysis;

namespace ModelGen.Generators.Tests;

/// <summary>
/// Window arithmetic at compile time: a convolution or pooling that does not fit its input is MG0023 at its attribute,
/// the message giving the shapes and the sums; bad window arguments are MG1004. Every such model still compiles
/// (placeholders), so `dotnet build` shows the MG error.
/// </summary>
public class ConvShapeTests
{
    private static string Model(string input, string layers) => $$"""
        using ModelGen;
        [Model({{input}}, Seed = 1)][SoftmaxCrossEntropy][Adam(LearningRate = 1e-3f)]
        public partial class Net
        {
            {{layers}}
            [Dense(10)] partial Dense Logits { get; }
        }
        """;

    public static TheoryData<string, string, string, string, string> Cases() => new()
    {
        // id, covered attribute, message fragment, model input, layers
        { "MG0023", "Conv2D(2, 5)", "the kernel spans 5 rows, but the padded input has 4", "InputShape = new[] { 1, 4, 4 }", "[Conv2D(2, 5)] partial Conv2D Big { get; }" },
        { "MG0023", "Conv2D(8, 3, Stride = 2)", "(28 − 3) = 25 is not a multiple of the stride 2", "InputShape = new[] { 1, 28, 28 }", "[Conv2D(8, 3, Stride = 2)] partial Conv2D Down { get; }" },
        { "MG0023", "Conv2D(1, 3, Dilation = 3)", "a 3-tap kernel dilated by 3 spans 7 rows", "InputShape = new[] { 1, 5, 9 }", "[Conv2D(1, 3, Dilation = 3)] partial Conv2D Dilated { get; }" },
        { "MG0023", "Conv2D(4, 3, KernelWidth = 6, Pad = 1)", "the kernel spans 6 columns, but the padded input has 3 + 2·1 = 5", "InputShape = new[] { 2, 6, 3 }", "[Conv2D(4, 3, KernelWidth = 6, Pad = 1)] partial Conv2D Wide { get; }" },
        { "MG0023", "MaxPool2D(2)", "never reads the last 1 rows", "InputShape = new[] { 1, 9, 8 }", "[Conv2D(4, 3, Activation.ReLU)] partial Conv2D Conv { get; } [MaxPool2D(2)] partial MaxPool2D Pool { get; }" },
        { "MG0023", "Conv2D(4, 3)", "reads [channels × height × width] feature maps, but gets [12]", "InputSize = 12", "[Conv2D(4, 3)] partial Conv2D Flat { get; }" },
        { "MG0023", "GlobalAvgPool", "reads [channels × height × width] feature maps, but gets [8]", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(2, 3, Activation.ReLU)] partial Conv2D Conv { get; } [GlobalAvgPool] partial GlobalAvgPool Pool { get; } [Dense(8, Activation.ReLU)] partial Dense Hidden { get; } [GlobalAvgPool] partial GlobalAvgPool Again { get; }" },
        { "MG1004", "Model(InputShape = new[] { 1, 0, 28 }, Seed = 1)", "InputShape", "InputShape = new[] { 1, 0, 28 }", "[Dense(4)] partial Dense A { get; }" },
        { "MG1004", "Model(InputSize = 784, InputShape = new[] { 1, 28, 27 }, Seed = 1)", "the product of InputShape [1 × 28 × 27] = 756", "InputSize = 784, InputShape = new[] { 1, 28, 27 }", "[Dense(4)] partial Dense A { get; }" },
        { "MG1004", "Conv2D(4, 3, Activation.Softmax)", "activation", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(4, 3, Activation.Softmax)] partial Conv2D Conv { get; }" },
        { "MG1004", "Conv2D(4, 3, Activation.LogSoftmax)", "activation", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(4, 3, Activation.LogSoftmax)] partial Conv2D Conv { get; }" },
        { "MG1004", "MaxPool2D(2, Pad = 2)", "at most half the kernel", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(4, 3, Activation.ReLU)] partial Conv2D Conv { get; } [MaxPool2D(2, Pad = 2)] partial MaxPool2D Pool { get; }" },
        { "MG1004", "Conv2D(4, 3, Padding = Padding.Same, Pad = 1)", "no Pad with Padding.Same", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(4, 3, Padding = Padding.Same, Pad = 1)] partial Conv2D Conv { get; }" },
        { "MG1003", "Conv2D(0, 3)", "Filters", "InputShape = new[] { 1, 6, 6 }", "[Conv2D(0, 3)] partial Conv2D Conv { get; }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ReportedAtTheLayerWithTheArithmetic(string id, string covered, string fragment, string input, string layers)
        => Harness.AssertOneErrorAt(Model(input, layers), id, covered, fragment);

    [Fact]
    public void ShapesFlowThroughTheManifest()
    {
        Harness.Run run = Harness.GenerateAndAnalyze(Model("InputShape = new[] { 3, 32, 30 }", """
            [Conv2D(8, 5, Activation.ReLU, Stride = 2, Padding = Padding.Same)] partial Conv2D Stem { get; }
            [MaxPool2D(3, Stride = 2, Pad = 1)] partial MaxPool2D Pool { get; }
            [Conv2D(16, 3, UseBias = false, Dilation = 2, Pad = 2)] partial Conv2D Dilated { get; }
            [BatchNorm(Activation.ReLU)] partial BatchNorm Norm { get; }
            [GlobalAvgPool] partial GlobalAvgPool Squeeze { get; }
            """));
        Assert.Empty(run.CompilerErrors);
        Assert.DoesNotContain(run.ModelGenDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        // 32×30 → Same, stride 2: 16×15 (pads 2+2 rows, 1+2 columns) → 3×3 pool, stride 2, pad 1: 8×8 → dilated 3×3, pad 2: 8×8.
        Assert.Contains("// Stem: [3 × 32 × 30] → [8 × 16 × 15], kernel 5×5, stride 2, padding 1 before, dilation 1", run.Generated);
        Assert.Contains("// Pool: [8 × 16 × 15] → [8 × 8 × 8], window 3×3, stride 2, padding 1 before", run.Generated);
        Assert.Contains("// Dilated: [8 × 8 × 8] → [16 × 8 × 8], kernel 3×3, stride 1, padding 2 before, dilation 2", run.Generated);
        Assert.Contains("new global::ModelGen.ParameterInfo(\"Stem.weight\", global::ModelGen.ParameterRole.Weight, new[] { 8, 3, 5, 5 }", run.Generated);
        Assert.Contains("new global::ModelGen.ParameterInfo(\"Norm.running_var\", global::ModelGen.ParameterRole.RunningVariance, new[] { 16 }", run.Generated);
        Assert.Contains("new global::ModelGen.ParameterInfo(\"Logits.weight\", global::ModelGen.ParameterRole.Weight, new[] { 16, 10 }", run.Generated);
    }
}
