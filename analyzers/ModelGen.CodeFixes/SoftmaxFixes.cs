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
    /// <summary>MG0101: TensorPrimitives.SoftMax(x, y) → ModelGen.StableMath.Softmax&lt;T&gt;(x, y).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StableSoftmaxFix)), Shared]
    public sealed class StableSoftmaxFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0101");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? semantics = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            InvocationExpressionSyntax? call = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (root is null || semantics is null || call is null || semantics.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method)
                return;
            string element = ElementType(method);
            context.RegisterCodeFix(CodeAction.Create("Use ModelGen.StableMath.Softmax", _ =>
            {
                ExpressionSyntax target = ParseExpression($"ModelGen.StableMath.Softmax<{element}>");
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call, call.WithExpression(target.WithTriviaFrom(call.Expression)))));
            }, nameof(StableSoftmaxFix)), diagnostic);
        }

        internal static string ElementType(IMethodSymbol method)
            => method.Parameters.Length > 0 && method.Parameters[0].Type is INamedTypeSymbol { TypeArguments.Length: 1 } span
                ? span.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)
                : "float";
    }

    /// <summary>MG0102: TensorPrimitives.Log(p, y) of a softmax p of x → ModelGen.StableMath.LogSoftmax&lt;T&gt;(x, y).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogSoftmaxFix)), Shared]
    public sealed class LogSoftmaxFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0102");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue("SoftmaxSource", out string? source) || source is null)
                return;
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? semantics = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            InvocationExpressionSyntax? call = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (root is null || semantics is null || call is null || call.ArgumentList.Arguments.Count != 2
                || semantics.GetSymbolInfo(call, context.CancellationToken).Symbol is not IMethodSymbol method)
                return;
            string element = StableSoftmaxFix.ElementType(method);
            context.RegisterCodeFix(CodeAction.Create("Use ModelGen.StableMath.LogSoftmax", _ =>
            {
                InvocationExpressionSyntax replacement = call
                    .WithExpression(ParseExpression($"ModelGen.StableMath.LogSoftmax<{element}>").WithTriviaFrom(call.Expression))
                    .WithArgumentList(call.ArgumentList.ReplaceNode(call.ArgumentList.Arguments[0], Argument(ParseExpression(source)).WithTriviaFrom(call.ArgumentList.Arguments[0])));
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call, replacement)));
            }, nameof(LogSoftmaxFix)), diagnostic);
        }
    }
}
