using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace ModelGen.CodeFixes
{
    /// <summary>A fix that rewrites the invocation a numerics diagnostic sits on; subclasses say how (the counterpart of <see cref="AttributeFix"/>).</summary>
    public abstract class InvocationFix : CodeFixProvider
    {
        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <summary>The action's title and the rewritten call, or null when there is nothing to fix.</summary>
        protected abstract (string Title, InvocationExpressionSyntax Fixed)? Rewrite(InvocationExpressionSyntax call, IMethodSymbol method, Diagnostic diagnostic);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? semantics = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            InvocationExpressionSyntax? call = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (root is null || semantics is null || call is null || semantics.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method
                || Rewrite(call, method, diagnostic) is not var (title, fixedCall))
                return;
            context.RegisterCodeFix(CodeAction.Create(title, _ => AttributeEdits.ReplaceAsync(context.Document, root, call, fixedCall), GetType().Name), diagnostic);
        }

        /// <summary>T of the span a TensorPrimitives-style method takes first.</summary>
        protected static string ElementType(IMethodSymbol method)
            => method.Parameters.Length > 0 && method.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } span
                ? span.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                : "float";
    }

    /// <summary>MG0101: TensorPrimitives.SoftMax(x, y) → ModelGen.StableMath.Softmax&lt;T&gt;(x, y).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StableSoftmaxFix)), Shared]
    public sealed class StableSoftmaxFix : InvocationFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0101");

        // MG0101 also flags hand-written softmax (at its Exp call), which has no mechanical rewrite.
        protected override (string, InvocationExpressionSyntax)? Rewrite(InvocationExpressionSyntax call, IMethodSymbol method, Diagnostic diagnostic)
            => method.Name != "SoftMax" ? null
                : ("Use ModelGen.StableMath.Softmax", call.WithExpression(ParseExpression($"ModelGen.StableMath.Softmax<{ElementType(method)}>").WithTriviaFrom(call.Expression)));
    }

    /// <summary>MG0102: TensorPrimitives.Log(p, y) of a softmax p of x → ModelGen.StableMath.LogSoftmax&lt;T&gt;(x, y).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogSoftmaxFix)), Shared]
    public sealed class LogSoftmaxFix : InvocationFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0102");

        protected override (string, InvocationExpressionSyntax)? Rewrite(InvocationExpressionSyntax call, IMethodSymbol method, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue("SoftmaxSource", out string? source) || source is null || call.ArgumentList.Arguments.Count != 2)
                return null;
            ArgumentSyntax probabilities = call.ArgumentList.Arguments[0];
            return ("Use ModelGen.StableMath.LogSoftmax", call
                .WithExpression(ParseExpression($"ModelGen.StableMath.LogSoftmax<{ElementType(method)}>").WithTriviaFrom(call.Expression))
                .WithArgumentList(call.ArgumentList.ReplaceNode(probabilities, Argument(ParseExpression(source)).WithTriviaFrom(probabilities))));
        }
    }

    /// <summary>MG0103: Log(p) → Log(Max(p, 1e-7)), with Math or MathF to match the log.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogFloorFix)), Shared]
    public sealed class LogFloorFix : InvocationFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0103");

        protected override (string, InvocationExpressionSyntax)? Rewrite(InvocationExpressionSyntax call, IMethodSymbol method, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue("FloorType", out string? type) || type is null || call.ArgumentList.Arguments.Count != 1)
                return null;
            ExpressionSyntax probability = call.ArgumentList.Arguments[0].Expression;
            string floor = type == "MathF" ? "1e-7f" : "1e-7";
            ExpressionSyntax floored = ParseExpression($"System.{type}.Max({probability.WithoutTrivia()}, {floor})").WithTriviaFrom(probability);
            return ($"Floor the probability at {floor}", call.ReplaceNode(probability, floored));
        }
    }
}
