using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers
{
    /// <summary>
    /// Softmax and log numerics in ordinary C#, one method body at a time:
    /// MG0101, calls to <c>TensorPrimitives.SoftMax</c>, and hand-written softmax: a scalar <c>Exp</c> whose argument
    /// is not shifted (<c>x − max</c>) feeding a sum that something is divided by;
    /// MG0102, a log of a softmax result (<c>TensorPrimitives.Log(p, …)</c> or <c>MathF.Log(p[i])</c> where <c>p</c>
    /// received a softmax);
    /// MG0103, a scalar log of a probability with no floor, in a loss-like method (name contains Loss, Entropy or
    /// Likelihood) or of a value whose name says it is a probability.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SoftmaxNumericsAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the softmax's input expression, for the log-softmax code fix.</summary>
        public const string SoftmaxSource = nameof(SoftmaxSource);

        private const string TensorPrimitives = "System.Numerics.Tensors.TensorPrimitives";

        /// <summary>Diagnostic property: the math type (Math or MathF) whose Max floors the log's argument.</summary>
        public const string FloorType = nameof(FloorType);

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(
            PitfallDescriptors.UnstableSoftmax, PitfallDescriptors.LogOfSoftmax, PitfallDescriptors.LogWithoutFloor);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationBlockStartAction(block =>
            {
                var softmaxDestinations = new ConcurrentDictionary<ISymbol, IInvocationOperation>(SymbolEqualityComparer.Default);
                var logs = new ConcurrentBag<IInvocationOperation>();
                var unshiftedExps = new ConcurrentBag<IInvocationOperation>();
                var accumulations = new ConcurrentBag<ICompoundAssignmentOperation>();
                var divisors = new ConcurrentBag<IOperation>();
                block.RegisterOperationAction(operationContext =>
                {
                    var invocation = (IInvocationOperation)operationContext.Operation;
                    IMethodSymbol method = invocation.TargetMethod;
                    string type = method.ContainingType?.ToDisplayString() ?? "";
                    if (IsSoftmax(type, method.Name) && invocation.Arguments.Length >= 2)
                    {
                        if (type == TensorPrimitives)
                            operationContext.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.UnstableSoftmax, invocation.Syntax.GetLocation(),
                                "TensorPrimitives.SoftMax", "use ModelGen.StableMath.Softmax"));
                        if (ReferencedSymbol(invocation.Arguments[1].Value) is { } destination)
                            softmaxDestinations[destination] = invocation;
                    }
                    else if (method.Name == "Log" && (type == TensorPrimitives || IsScalarMath(type)) && invocation.Arguments.Length >= 1)
                    {
                        logs.Add(invocation);
                    }
                    else if (method.Name == "Exp" && IsScalarMath(type) && invocation.Arguments.Length == 1 && !IsShifted(invocation.Arguments[0].Value))
                    {
                        unshiftedExps.Add(invocation);
                    }
                }, OperationKind.Invocation);
                block.RegisterOperationAction(operationContext =>
                {
                    var compound = (ICompoundAssignmentOperation)operationContext.Operation;
                    if (compound.OperatorKind == BinaryOperatorKind.Add) accumulations.Add(compound);
                    else if (compound.OperatorKind == BinaryOperatorKind.Divide) divisors.Add(compound.Value);
                }, OperationKind.CompoundAssignment);
                block.RegisterOperationAction(operationContext =>
                {
                    var binary = (IBinaryOperation)operationContext.Operation;
                    if (binary.OperatorKind == BinaryOperatorKind.Divide) divisors.Add(binary.RightOperand);
                }, OperationKind.Binary);
                block.RegisterOperationBlockEndAction(end =>
                {
                    var logsOfSoftmax = new HashSet<IInvocationOperation>();
                    foreach (IInvocationOperation log in logs)
                    {
                        if (ReferencedSymbol(log.Arguments[0].Value) is not { } source || !softmaxDestinations.TryGetValue(source, out IInvocationOperation? softmax))
                            continue;
                        logsOfSoftmax.Add(log);
                        var properties = ImmutableDictionary<string, string?>.Empty;
                        if (log.TargetMethod.ContainingType.ToDisplayString() == TensorPrimitives && log.Arguments.Length == 2)
                            properties = properties.Add(SoftmaxSource, softmax.Arguments[0].Value.Syntax.ToString());
                        end.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.LogOfSoftmax, log.Syntax.GetLocation(), properties, log.Syntax.ToString()));
                    }
                    foreach (IInvocationOperation exp in HandWrittenSoftmaxExps(unshiftedExps, accumulations, divisors))
                        end.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.UnstableSoftmax, exp.Syntax.GetLocation(),
                            $"The softmax computed with '{exp.Syntax}'", "subtract the maximum inside Exp (Exp(x[i] - max)) or call ModelGen.StableMath.Softmax"));
                    bool lossLike = LooksLikeLoss(block.OwningSymbol.Name);
                    foreach (IInvocationOperation log in logs)
                    {
                        if (logsOfSoftmax.Contains(log) || log.Arguments.Length != 1 || !IsScalarMath(log.TargetMethod.ContainingType.ToDisplayString()))
                            continue;
                        IOperation argument = Unwrap(log.Arguments[0].Value);
                        if (IsFloored(argument) || !(lossLike || LooksLikeProbability(ReferencedSymbol(argument)?.Name)))
                            continue;
                        string floorType = log.TargetMethod.ContainingType.SpecialType == SpecialType.System_Double || log.TargetMethod.ContainingType.Name == "Math" ? "Math" : "MathF";
                        end.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.LogWithoutFloor, log.Syntax.GetLocation(),
                            ImmutableDictionary<string, string?>.Empty.Add(FloorType, floorType), log.Syntax.ToString(), argument.Syntax.ToString()));
                    }
                });
            });
        }

        /// <summary>
        /// Unshifted exps whose value reaches, directly or through the variable it is stored in, a <c>+=</c>
        /// accumulator that some expression is divided by: exp-then-normalize without the max shift.
        /// </summary>
        private static IEnumerable<IInvocationOperation> HandWrittenSoftmaxExps(
            IEnumerable<IInvocationOperation> exps, IEnumerable<ICompoundAssignmentOperation> accumulations, IEnumerable<IOperation> divisors)
        {
            var expsBySink = new Dictionary<ISymbol, List<IInvocationOperation>>(SymbolEqualityComparer.Default);
            var unshifted = new HashSet<IOperation>();
            foreach (IInvocationOperation exp in exps)
            {
                IOperation current = exp;
                while (current.Parent is IConversionOperation or IParenthesizedOperation)
                    current = current.Parent;
                ISymbol? sink = current.Parent switch
                {
                    ISimpleAssignmentOperation assignment when assignment.Value == current => ReferencedSymbol(assignment.Target),
                    IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                    _ => null,
                };
                if (sink is not null)
                {
                    if (!expsBySink.TryGetValue(sink, out List<IInvocationOperation>? list))
                        expsBySink[sink] = list = new List<IInvocationOperation>();
                    list.Add(exp);
                }
                unshifted.Add(exp);
            }

            var fedBy = new Dictionary<ISymbol, List<IInvocationOperation>>(SymbolEqualityComparer.Default);
            foreach (ICompoundAssignmentOperation accumulation in accumulations)
            {
                if (ReferencedSymbol(accumulation.Target) is not { } accumulator)
                    continue;
                var feeding = new List<IInvocationOperation>();
                foreach (IOperation part in accumulation.Value.DescendantsAndSelf())
                {
                    if (part is IInvocationOperation invocation && unshifted.Contains(invocation))
                        feeding.Add(invocation);
                    else if (ReferencedSymbol(part) is { } source && expsBySink.TryGetValue(source, out List<IInvocationOperation>? stored))
                        feeding.AddRange(stored);
                }
                if (feeding.Count == 0)
                    continue;
                if (!fedBy.TryGetValue(accumulator, out List<IInvocationOperation>? all))
                    fedBy[accumulator] = all = new List<IInvocationOperation>();
                all.AddRange(feeding);
            }

            var reported = new HashSet<IInvocationOperation>();
            foreach (IOperation divisor in divisors)
                foreach (IOperation part in divisor.DescendantsAndSelf())
                    if (ReferencedSymbol(part) is { } symbol && fedBy.TryGetValue(symbol, out List<IInvocationOperation>? feeding))
                        foreach (IInvocationOperation exp in feeding)
                            if (reported.Add(exp))
                                yield return exp;
        }

        private static bool IsScalarMath(string type) => type is "System.Math" or "System.MathF" or "double" or "float";

        /// <summary>exp(a − b): the usual max shift (any subtraction is taken as one).</summary>
        private static bool IsShifted(IOperation argument) => Unwrap(argument) is IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract };

        /// <summary>A floor or offset before the log: Max/Clamp, p + ε, or a conditional that picks a value.</summary>
        private static bool IsFloored(IOperation argument) => argument switch
        {
            IInvocationOperation { TargetMethod.Name: "Max" or "Clamp" or "MaxNumber" or "MaxMagnitude" } => true,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } => true,
            IConditionalOperation => true,
            ILiteralOperation => true,
            _ => false,
        };

        private static bool LooksLikeLoss(string name)
            => Contains(name, "loss") || Contains(name, "entropy") || Contains(name, "likelihood");

        private static bool LooksLikeProbability(string? name)
            => name is not null && (Contains(name, "prob") || Contains(name, "softmax") || Contains(name, "sigmoid") || Contains(name, "likelihood") || Contains(name, "pred"));

        private static bool Contains(string text, string part) => text.IndexOf(part, System.StringComparison.OrdinalIgnoreCase) >= 0;

        private static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation or IParenthesizedOperation or IArgumentOperation)
                operation = operation switch
                {
                    IConversionOperation conversion => conversion.Operand,
                    IParenthesizedOperation parenthesized => parenthesized.Operand,
                    IArgumentOperation argument => argument.Value,
                    _ => operation,
                };
            return operation;
        }

        private static bool IsSoftmax(string type, string name)
            => (type == TensorPrimitives && name == "SoftMax") || (type == "ModelGen.StableMath" && name == "Softmax");

        /// <summary>The variable an argument denotes, through conversions, <c>AsSpan()</c>, slices and element access.</summary>
        private static ISymbol? ReferencedSymbol(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion: operation = conversion.Operand; continue;
                    case IParenthesizedOperation parenthesized: operation = parenthesized.Operand; continue;
                    case IArgumentOperation argument: operation = argument.Value; continue;
                    case IArrayElementReferenceOperation element: operation = element.ArrayReference; continue;
                    case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance }: operation = instance; continue;
                    case IInvocationOperation { TargetMethod.Name: "AsSpan" or "Slice", Instance: { } instance }: operation = instance; continue;
                    case IInvocationOperation { TargetMethod.Name: "AsSpan", Instance: null, Arguments.Length: > 0 } extension: operation = extension.Arguments[0].Value; continue;
                    case ILocalReferenceOperation local: return local.Local;
                    case IParameterReferenceOperation parameter: return parameter.Parameter;
                    case IFieldReferenceOperation field: return field.Field;
                    default: return null;
                }
            }
        }
    }
}
