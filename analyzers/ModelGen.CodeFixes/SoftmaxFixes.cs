using System.Collections.Immutable;
using System.Composition;
using System.Threading;
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
            // MG0101 also flags hand-written softmax (at its Exp call), which has no mechanical rewrite.
            if (await FindCallAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (root, call, method)
                || method.Name != "SoftMax")
                return;
            string element = ElementType(method);
            context.RegisterCodeFix(CodeAction.Create("Use ModelGen.StableMath.Softmax", _ =>
            {
                ExpressionSyntax target = ParseExpression($"ModelGen.StableMath.Softmax<{element}>");
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(call, call.WithExpression(target.WithTriviaFrom(call.Expression)))));
            }, nameof(StableSoftmaxFix)), diagnostic);
        }

        /// <summary>The invocation a diagnostic sits on, with the method it calls.</summary>
        internal static async Task<(SyntaxNode Root, InvocationExpressionSyntax Call, IMethodSymbol Method)?> FindCallAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? semantics = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            InvocationExpressionSyntax? call = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            if (root is null || semantics is null || call is null || semantics.GetSymbolInfo(call, cancellationToken).Symbol is not IMethodSymbol method)
                return null;
            return (root, call, method);
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
            if (await StableSoftmaxFix.FindCallAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (root, call, method)
                || call.ArgumentList.Arguments.Count != 2)
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

    /// <summary>MG0103: Log(p) → Log(Max(p, 1e-7)), with Math or MathF to match the log.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogFloorFix)), Shared]
    public sealed class LogFloorFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0103");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue("FloorType", out string? type) || type is null
                || await StableSoftmaxFix.FindCallAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (root, call, _)
                || call.ArgumentList.Arguments.Count != 1)
                return;
            ArgumentSyntax argument = call.ArgumentList.Arguments[0];
            string floor = type == "MathF" ? "1e-7f" : "1e-7";
            context.RegisterCodeFix(CodeAction.Create($"Floor the probability at {floor}", _ =>
            {
                ExpressionSyntax floored = ParseExpression($"System.{type}.Max({argument.Expression.WithoutTrivia()}, {floor})");
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, floored.WithTriviaFrom(argument.Expression))));
            }, nameof(LogFloorFix)), diagnostic);
        }
    }
}
