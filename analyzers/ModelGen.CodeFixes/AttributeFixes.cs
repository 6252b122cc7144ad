using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
    /// <summary>Shared plumbing: find the attribute a diagnostic sits on and replace it.</summary>
    internal static class AttributeEdits
    {
        public static async Task<(SyntaxNode Root, AttributeSyntax Attribute)?> FindAttributeAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            AttributeSyntax? attribute = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            return root is null || attribute is null ? null : (root, attribute);
        }

        /// <summary>Sets <c>Name = value</c>, replacing an existing named argument of that name.</summary>
        public static AttributeSyntax WithNamedArgument(AttributeSyntax attribute, string name, string value)
        {
            AttributeArgumentSyntax argument = AttributeArgument(NameEquals(IdentifierName(name)), null, ParseExpression(value));
            AttributeArgumentListSyntax list = attribute.ArgumentList ?? AttributeArgumentList();
            AttributeArgumentSyntax? existing = list.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name);
            list = existing is null ? list.AddArguments(argument) : list.ReplaceNode(existing, argument.WithTriviaFrom(existing));
            return attribute.WithArgumentList(list);
        }

        /// <summary>Sets the second positional argument (a Dense layer's activation), or removes it when <paramref name="value"/> is null.</summary>
        public static AttributeSyntax WithActivation(AttributeSyntax attribute, string? value)
        {
            AttributeArgumentListSyntax list = attribute.ArgumentList ?? AttributeArgumentList();
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            AttributeArgumentSyntax? activation = positional.Count > 1 ? positional[1]
                : list.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.Text == "activation");
            if (value is null)
                return activation is null ? attribute : attribute.WithArgumentList(list.RemoveNode(activation, SyntaxRemoveOptions.KeepNoTrivia)!);
            AttributeArgumentSyntax replacement = AttributeArgument(ParseExpression(value));
            if (activation is not null)
                return attribute.WithArgumentList(list.ReplaceNode(activation, replacement.WithTriviaFrom(activation)));
            int insertAt = positional.Count == 0 ? 0 : list.Arguments.IndexOf(positional[0]) + 1;
            return attribute.WithArgumentList(list.WithArguments(list.Arguments.Insert(insertAt, replacement)));
        }

        public static Task<Document> ReplaceAsync(Document document, SyntaxNode root, SyntaxNode oldNode, SyntaxNode newNode)
            => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode)));
    }

    /// <summary>A fix that rewrites the attribute a diagnostic sits on; subclasses say how.</summary>
    public abstract class AttributeFix : CodeFixProvider
    {
        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <summary>The action's title and the rewritten attribute, or null when the diagnostic carries nothing to fix.</summary>
        protected abstract (string Title, AttributeSyntax Fixed)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (await AttributeEdits.FindAttributeAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (root, attribute)
                || Rewrite(attribute, diagnostic) is not var (title, fixedAttribute))
                return;
            context.RegisterCodeFix(CodeAction.Create(title, _ => AttributeEdits.ReplaceAsync(context.Document, root, attribute, fixedAttribute), GetType().Name + title), diagnostic);
        }
    }

    /// <summary>MG0002: switch the initializer to the one the activation needs (He for ReLU family, Glorot for sigmoid/tanh).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InitializerFix)), Shared]
    public sealed class InitializerFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0002");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("Initializer", out string? initializer) && initializer is not null
                ? ($"Use Initializer.{initializer}", AttributeEdits.WithNamedArgument(attribute, "Initializer", "Initializer." + initializer))
                : null;
    }

    /// <summary>MG0005: give the linear layer a ReLU.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertReluFix)), Shared]
    public sealed class InsertReluFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0005");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Add a ReLU activation", AttributeEdits.WithActivation(attribute, "Activation.ReLU"));
    }

    /// <summary>MG0011, MG0027: make the logits linear; the fused loss applies the softmax.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LinearLogitsFix)), Shared]
    public sealed class LinearLogitsFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0011", "MG0027");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Remove the activation from the logits", AttributeEdits.WithActivation(attribute, null));
    }

    /// <summary>MG0021: Adam ε = 1e-8.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AdamEpsilonFix)), Shared]
    public sealed class AdamEpsilonFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0021");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Set Epsilon = 1e-8f", AttributeEdits.WithNamedArgument(attribute, "Epsilon", "1e-8f"));
    }

    /// <summary>MG0013: add [ClipGlobalNorm(5f)] to the model class.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddClippingFix)), Shared]
    public sealed class AddClippingFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0013");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            ClassDeclarationSyntax? model = root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<ClassDeclarationSyntax>();
            if (root is null || model is null || model.AttributeLists.Count == 0)
                return;
            context.RegisterCodeFix(CodeAction.Create("Add [ClipGlobalNorm(5f)]", _ =>
            {
                AttributeListSyntax last = model.AttributeLists[model.AttributeLists.Count - 1];
                AttributeListSyntax clip = AttributeList(SingletonSeparatedList(Attribute(IdentifierName("ClipGlobalNorm"),
                        AttributeArgumentList(SingletonSeparatedList(AttributeArgument(ParseExpression("5f")))))))
                    .WithTriviaFrom(last);
                return AttributeEdits.ReplaceAsync(context.Document, root, model, model.WithAttributeLists(model.AttributeLists.Insert(model.AttributeLists.Count, clip)));
            }, nameof(AddClippingFix)), diagnostic);
        }
    }
}
