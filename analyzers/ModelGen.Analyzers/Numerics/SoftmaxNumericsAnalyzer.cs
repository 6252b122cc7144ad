using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Analyzers.Numerics;

namespace ModelGen.Analyzers
{
    /// <summary>
    /// Softmax and log numerics in ordinary C#, one method body at a time. These rules run on all of a user's code,
    /// not only on models, so each one reports only the shape of a real bug:
    /// MG0101, calls to <c>TensorPrimitives.SoftMax</c>, and hand-written softmax — exps that can overflow, summed, and
    /// the exps divided by that sum (or the sum's log taken);
    /// MG0102, a log of a softmax result;
    /// MG0103, a log of a probability that can be 0 where −∞ becomes a wrong answer — times a factor that can be 0
    /// (0·log 0 = NaN in entropies and cross-entropies) or summed/returned as a loss — and no guard rules 0 out.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SoftmaxNumericsAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the softmax's input expression, for the log-softmax code fix.</summary>
        public const string SoftmaxSource = nameof(SoftmaxSource);

        /// <summary>Diagnostic property: the math type (Math or MathF) whose Max floors the log's argument.</summary>
        public const string FloorType = nameof(FloorType);

        private const string TensorPrimitives = "System.Numerics.Tensors.TensorPrimitives";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
            PitfallDescriptors.UnstableSoftmax, PitfallDescriptors.LogOfSoftmax, PitfallDescriptors.LogWithoutFloor);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationBlockAction(AnalyzeBlock);
        }

        private static void AnalyzeBlock(OperationBlockAnalysisContext context)
        {
            // Most method bodies call none of Exp, Log or SoftMax: look for one before indexing the body.
            if (!MentionsNumerics(context.OperationBlocks))
                return;
            BlockValues values = BlockValues.Collect(context.OperationBlocks);
            var logs = new List<IInvocationOperation>();
            var exps = new List<IInvocationOperation>();
            var softmaxDestinations = new Dictionary<ISymbol, IInvocationOperation>(SymbolEqualityComparer.Default);
            foreach (IInvocationOperation invocation in values.Invocations)
            {
                IMethodSymbol method = invocation.TargetMethod;
                string type = method.ContainingType?.ToDisplayString() ?? "";
                if (IsSoftmax(type, method.Name) && invocation.Arguments.Length >= 2)
                {
                    if (type == TensorPrimitives)
                        context.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.UnstableSoftmax, invocation.Syntax.GetLocation(),
                            "TensorPrimitives.SoftMax", "use ModelGen.StableMath.Softmax"));
                    if (BlockValues.ReferencedSymbol(invocation.Arguments[1].Value) is { } destination)
                        softmaxDestinations[destination] = invocation;
                }
                else if (method.Name == "Log" && (type == TensorPrimitives || IsScalarMath(type)) && invocation.Arguments.Length >= 1)
                    logs.Add(invocation);
                else if (method.Name == "Exp" && IsScalarMath(type) && invocation.Arguments.Length == 1)
                    exps.Add(invocation);
            }

            foreach (IInvocationOperation exp in HandWrittenSoftmax.OverflowingExps(exps, values))
                context.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.UnstableSoftmax, exp.Syntax.GetLocation(),
                    $"The softmax computed with '{exp.Syntax}'", "subtract the maximum inside Exp (Exp(x[i] - max)) or call ModelGen.StableMath.Softmax"));

            ZeroGuards? guards = null;
            var lossLike = new LossContext(context.OwningSymbol);
            foreach (IInvocationOperation log in logs)
            {
                if (BlockValues.ReferencedSymbol(log.Arguments[0].Value) is { } source && softmaxDestinations.TryGetValue(source, out IInvocationOperation? softmax))
                {
                    var properties = ImmutableDictionary<string, string?>.Empty;
                    if (log.TargetMethod.ContainingType.ToDisplayString() == TensorPrimitives && log.Arguments.Length == 2)
                        properties = properties.Add(SoftmaxSource, softmax.Arguments[0].Value.Syntax.ToString());
                    context.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.LogOfSoftmax, log.Syntax.GetLocation(), properties, log.Syntax.ToString()));
                    continue;
                }
                if (log.Arguments.Length != 1 || !IsScalarMath(log.TargetMethod.ContainingType.ToDisplayString()))
                    continue;
                guards ??= new ZeroGuards(context.OperationBlocks, block => GraphOf(context, block), values);
                if (LogWithoutFloor.Argument(log, values, guards, lossLike) is not { } argument)
                    continue;
                string floorType = log.TargetMethod.ContainingType.Name is "Math" or "Double" ? "Math" : "MathF";
                context.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.LogWithoutFloor, log.Syntax.GetLocation(),
                    ImmutableDictionary<string, string?>.Empty.Add(FloorType, floorType), log.Syntax.ToString(), argument.Syntax.ToString()));
            }
        }

        private static bool MentionsNumerics(ImmutableArray<IOperation> blocks)
        {
            foreach (IOperation block in blocks)
                foreach (IOperation operation in block.DescendantsAndSelf())
                    if (operation is IInvocationOperation { TargetMethod.Name: "Exp" or "Log" or "SoftMax" or "Softmax" })
                        return true;
            return false;
        }

        private static ControlFlowGraph? GraphOf(OperationBlockAnalysisContext context, IOperation block)
        {
            // Only bodies and initializers have a control-flow graph (not, for example, an attribute argument); no graph, no guard.
            if (block is not (IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation or IFieldInitializerOperation or IPropertyInitializerOperation or IParameterInitializerOperation))
                return null;
            try
            {
                return context.GetControlFlowGraph(block);
            }
            catch (System.ArgumentException)
            {
                return null;
            }
        }

        private static bool IsScalarMath(string type) => type is "System.Math" or "System.MathF" or "double" or "float";

        private static bool IsSoftmax(string type, string name)
            => (type == TensorPrimitives && name == "SoftMax") || (type == "ModelGen.StableMath" && name == "Softmax");
    }
}
