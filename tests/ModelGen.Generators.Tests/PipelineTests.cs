using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Graph;
using ModelGen.Generators.Model;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Tests;

/// <summary>The incremental pipeline: equatable, symbol-free models, and caching across unrelated edits.</summary>
public class PipelineTests
{
    private const string Model = """
        using ModelGen;
        namespace App;
        [Model(InputSize = 4, Seed = 1)]
        [SoftmaxCrossEntropy]
        [Adam]
        public partial class Net
        {
            [Dense(8, Activation.ReLU)] partial Dense Hidden { get; }
            [Dense(3)] partial Dense Logits { get; }
        }
        """;

    private static readonly string[] Steps = [TrackingNames.Extract, TrackingNames.CheckShapes, TrackingNames.Differentiate, TrackingNames.Fuse, TrackingNames.Emit];

    [Fact]
    public void PipelineModelsHoldNoCompilerObjects()
    {
        var forbidden = new[] { typeof(ISymbol), typeof(SyntaxNode), typeof(Location), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree), typeof(AttributeData) };
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>([typeof(ModelDeclaration), typeof(CheckedModel), typeof(TrainingProgram), typeof(GeneratedSource)]);
        while (pending.Count > 0)
        {
            Type type = pending.Pop();
            if (!seen.Add(type) || type.IsPrimitive || type.IsEnum || type == typeof(string))
                continue;
            Assert.DoesNotContain(forbidden, f => f.IsAssignableFrom(type));
            Assert.False(type.IsArray, $"{type} is an array: arrays compare by reference; use EquatableArray");
            Assert.False(type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && !(type.IsGenericType && type.GetGenericTypeDefinition().Name.StartsWith("EquatableArray", StringComparison.Ordinal)),
                $"{type} is a collection that compares by reference; use EquatableArray");
            if (type.IsGenericType)
                foreach (Type argument in type.GetGenericArguments()) pending.Push(argument);
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                if (!(type.IsGenericType && type.GetGenericTypeDefinition().Name.StartsWith("EquatableArray", StringComparison.Ordinal)))
                    pending.Push(field.FieldType);
        }
        Assert.Contains(typeof(LayerShape), seen);
        Assert.Contains(typeof(GraphStep), seen);
    }

    [Fact]
    public void UnrelatedEditLeavesEveryStepCached()
    {
        Compilation compilation = Harness.Compile(Model);
        GeneratorDriver driver = Harness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        Compilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public class Unrelated { public int X => 1; }", Harness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in Steps)
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToArray();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }
    }

    [Fact]
    public void CommentInTheModelFileRecomputesExtractionOnly()
    {
        Compilation compilation = Harness.Compile(Model);
        GeneratorDriver driver = Harness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        Compilation edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(0, 0, "// a comment\n")));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        // Extraction re-runs on the edited file and finds an equal model, so nothing downstream runs again.
        Assert.All(result.TrackedSteps[TrackingNames.Extract].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Unchanged, o.Reason));
        foreach (string step in Steps.Skip(1))
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void ChangingALayerRerunsEveryStep()
    {
        Compilation compilation = Harness.Compile(Model);
        GeneratorDriver driver = Harness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        Compilation edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Model.Replace("Dense(8,", "Dense(9,"), Harness.ParseOptions));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (string step in Steps)
            Assert.Contains(result.TrackedSteps[step].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void GeneratorEnumsMirrorTheRuntime()
    {
        Assert.Equal(Enum.GetNames<ModelGen.Activation>(), Enum.GetNames<ActivationKind>());
        Assert.Equal(Enum.GetValues<ModelGen.Activation>().Select(v => (int)v), Enum.GetValues<ActivationKind>().Select(v => (int)v));
        Assert.Equal(Enum.GetNames<ModelGen.Initializer>(), Enum.GetNames<InitializerKind>());
        Assert.Equal(Enum.GetValues<ModelGen.Initializer>().Select(v => (int)v), Enum.GetValues<InitializerKind>().Select(v => (int)v));
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        string first = Harness.GenerateAndAnalyze(Model).Generated;
        string second = Harness.GenerateAndAnalyze(Model).Generated;
        Assert.Equal(first, second);
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("fi-FI"); // comma decimals, U+2212 minus
            Assert.Equal(first, Harness.GenerateAndAnalyze(Model).Generated);
        }
        finally { System.Globalization.CultureInfo.CurrentCulture = culture; }
    }
}
