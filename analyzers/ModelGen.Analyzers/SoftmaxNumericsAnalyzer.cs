using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Analyzers
{
    /// <summary>
    /// Softmax numerics in ordinary C#: calls to <c>TensorPrimitives.SoftMax</c> (MG0101), and a log taken of a
    /// softmax result within the same method (MG0102): <c>TensorPrimitives.Log(p, …)</c> or <c>MathF.Log(p[i])</c>
    /// where <c>p</c> received a softmax.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SoftmaxNumericsAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the softmax's input expression, for the log-softmax code fix.</summary>
        public const string SoftmaxSource = nameof(SoftmaxSource);

        private const string TensorPrimitives = "System.Numerics.Tensors.TensorPrimitives";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(PitfallDescriptors.UnstableSoftmax, PitfallDescriptors.LogOfSoftmax);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterOperationBlockStartAction(block =>
            {
                var softmaxDestinations = new ConcurrentDictionary<ISymbol, IInvocationOperation>(SymbolEqualityComparer.Default);
                var logs = new ConcurrentBag<IInvocationOperation>();
                block.RegisterOperationAction(operationContext =>
                {
                    var invocation = (IInvocationOperation)operationContext.Operation;
                    IMethodSymbol method = invocation.TargetMethod;
                    string type = method.ContainingType?.ToDisplayString() ?? "";
                    if (IsSoftmax(type, method.Name) && invocation.Arguments.Length >= 2)
                    {
                        if (type == TensorPrimitives)
                            operationContext.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.UnstableSoftmax, invocation.Syntax.GetLocation()));
                        if (ReferencedSymbol(invocation.Arguments[1].Value) is { } destination)
                            softmaxDestinations[destination] = invocation;
                    }
                    else if (method.Name == "Log" && (type == TensorPrimitives || type == "System.Math" || type == "System.MathF") && invocation.Arguments.Length >= 1)
                    {
                        logs.Add(invocation);
                    }
                }, OperationKind.Invocation);
                block.RegisterOperationBlockEndAction(end =>
                {
                    foreach (IInvocationOperation log in logs)
                    {
                        if (ReferencedSymbol(log.Arguments[0].Value) is not { } source || !softmaxDestinations.TryGetValue(source, out IInvocationOperation? softmax))
                            continue;
                        var properties = ImmutableDictionary<string, string?>.Empty;
                        if (log.TargetMethod.ContainingType.ToDisplayString() == TensorPrimitives && log.Arguments.Length == 2)
                            properties = properties.Add(SoftmaxSource, softmax.Arguments[0].Value.Syntax.ToString());
                        end.ReportDiagnostic(Diagnostic.Create(PitfallDescriptors.LogOfSoftmax, log.Syntax.GetLocation(), properties, log.Syntax.ToString()));
                    }
                });
            });
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
