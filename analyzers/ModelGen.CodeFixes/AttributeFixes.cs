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

        /// <summary>Removes the named argument <paramref name="name"/> (and the argument list when it becomes empty).</summary>
        public static AttributeSyntax WithoutNamedArgument(AttributeSyntax attribute, string name)
        {
            AttributeArgumentSyntax? existing = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == name);
            if (existing is null)
                return attribute;
            AttributeArgumentListSyntax list = attribute.ArgumentList!.RemoveNode(existing, SyntaxRemoveOptions.KeepNoTrivia)!;
            return list.Arguments.Count == 0 ? attribute.WithArgumentList(null) : attribute.WithArgumentList(list);
        }

        /// <summary>
        /// Sets the layer's activation argument, or removes it when <paramref name="value"/> is null. Its position comes
        /// from the attribute: <c>Dense(units, activation)</c> has it second, <c>BatchNorm(activation)</c> first.
        /// </summary>
        public static AttributeSyntax WithActivation(AttributeSyntax attribute, string? value)
        {
            int position = IsBatchNorm(attribute) ? 0 : 1;
            AttributeArgumentListSyntax list = attribute.ArgumentList ?? AttributeArgumentList();
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            AttributeArgumentSyntax? activation = positional.Count > position ? positional[position]
                : list.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.Text == "activation");
            if (value is null)
            {
                if (activation is null)
                    return attribute;
                AttributeArgumentListSyntax remaining = list.RemoveNode(activation, SyntaxRemoveOptions.KeepNoTrivia)!;
                return remaining.Arguments.Count == 0 ? attribute.WithArgumentList(null) : attribute.WithArgumentList(remaining);
            }
            AttributeArgumentSyntax replacement = AttributeArgument(ParseExpression(value));
            if (activation is not null)
                return attribute.WithArgumentList(list.ReplaceNode(activation, replacement.WithTriviaFrom(activation)));
            int insertAt = position == 0 || positional.Count == 0 ? 0 : list.Arguments.IndexOf(positional[0]) + 1;
            return attribute.WithArgumentList(list.WithArguments(list.Arguments.Insert(insertAt, replacement)));
        }

        /// <summary>Replaces the positional argument at <paramref name="position"/> (or the one named <paramref name="name"/>:) with <paramref name="value"/>.</summary>
        public static AttributeSyntax WithPositionalArgument(AttributeSyntax attribute, int position, string name, string value)
        {
            if (attribute.ArgumentList is not { } list)
                return attribute;
            var positional = list.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToList();
            AttributeArgumentSyntax? existing = list.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.Text == name)
                ?? (positional.Count > position ? positional[position] : null);
            if (existing is null)
                return attribute;
            AttributeArgumentSyntax replacement = existing.WithExpression(ParseExpression(value));
            return attribute.WithArgumentList(list.ReplaceNode(existing, replacement));
        }

        private static bool IsBatchNorm(AttributeSyntax attribute)
        {
            string name = attribute.Name is QualifiedNameSyntax qualified ? qualified.Right.Identifier.Text : attribute.Name.ToString();
            return name is "BatchNorm" or "BatchNormAttribute";
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

    /// <summary>MG0001, MG0002: switch the initializer to the one the activation needs (He for ReLU family, LeCun normal for SELU, Glorot otherwise).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InitializerFix)), Shared]
    public sealed class InitializerFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0001", "MG0002");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("Initializer", out string? initializer) && initializer is not null
                ? ($"Use Initializer.{initializer}", AttributeEdits.WithNamedArgument(attribute, "Initializer", "Initializer." + initializer))
                : null;
    }

    /// <summary>
    /// MG0005: give the linear layer a ReLU; MG0026: replace a discouraged hidden activation with ReLU (a hidden RBF layer
    /// is a layer kind, not an activation: its diagnostic carries no Activation property and gets no fix).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertReluFix)), Shared]
    public sealed class InsertReluFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0005", "MG0026");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Id == "MG0005" ? ("Add a ReLU activation", AttributeEdits.WithActivation(attribute, "Activation.ReLU"))
                : diagnostic.Properties.ContainsKey("Activation") ? ("Use ReLU", AttributeEdits.WithActivation(attribute, "Activation.ReLU"))
                : null;
    }

    /// <summary>MG0008, MG0011, MG0027: make the logits linear; the fused loss applies the softmax or sigmoid.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LinearLogitsFix)), Shared]
    public sealed class LinearLogitsFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0008", "MG0011", "MG0027");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Remove the activation from the logits", AttributeEdits.WithActivation(attribute, null));
    }

    /// <summary>MG0035: a maxout layer with one piece gets two, the fewest that make it nonlinear.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MaxoutPiecesFix)), Shared]
    public sealed class MaxoutPiecesFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0035");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Use two pieces per unit", AttributeEdits.WithPositionalArgument(attribute, 1, "pieces", "2"));
    }

    /// <summary>MG0034: a log-probability loss reads log-softmax, so the output layer gets that activation.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogSoftmaxOutputFix)), Shared]
    public sealed class LogSoftmaxOutputFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0034");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("End the output with Activation.LogSoftmax", AttributeEdits.WithActivation(attribute, "Activation.LogSoftmax"));
    }

    /// <summary>MG0021: Adam ε = 1e-8.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AdamEpsilonFix)), Shared]
    public sealed class AdamEpsilonFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0021");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Set Epsilon = 1e-8f", AttributeEdits.WithNamedArgument(attribute, "Epsilon", "1e-8f"));
    }

    /// <summary>MG0007: let binary cross-entropy apply the sigmoid itself.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FromLogitsFix)), Shared]
    public sealed class FromLogitsFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0007");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => ("Set FromLogits = true", AttributeEdits.WithNamedArgument(attribute, "FromLogits", "true"));
    }

    /// <summary>MG0023: a residual whose width differs gets a learned projection (when that is the one edit that cures it).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ResidualProjectionFix)), Shared]
    public sealed class ResidualProjectionFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0023");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("Fix", out string? fix) && fix == "ResidualProjection"
                ? ("Learn a projection of the residual (ResidualProjection = true)", AttributeEdits.WithNamedArgument(attribute, "ResidualProjection", "true"))
                : null;
    }

    /// <summary>MG0030: start a highway layer's gate bias at −2, so the layer first carries its input.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GateBiasFix)), Shared]
    public sealed class GateBiasFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0030");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("GateBias", out string? value) && value is not null
                ? ($"Set GateBias = {value}", AttributeEdits.WithNamedArgument(attribute, "GateBias", value))
                : null;
    }

    /// <summary>MG0031: start an LSTM's forget-gate bias at 1, so its cell carries itself from the first step.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ForgetBiasFix)), Shared]
    public sealed class ForgetBiasFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0031");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("ForgetBias", out string? value) && value is not null
                ? ($"Set ForgetBias = {value}", AttributeEdits.WithNamedArgument(attribute, "ForgetBias", value))
                : null;
    }

    /// <summary>MG0015: lower a dropout rate to 0.5 (hidden units) or 0.2 (inputs).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LowerDropoutFix)), Shared]
    public sealed class LowerDropoutFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0015");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
        {
            if (!diagnostic.Properties.TryGetValue("Rate", out string? rate) || rate is null)
                return null;
            string argument = attribute.Name.ToString().EndsWith("Model", System.StringComparison.Ordinal) || attribute.Name.ToString().EndsWith("ModelAttribute", System.StringComparison.Ordinal)
                ? "InputDropout" : "Dropout";
            // One title for both sites, so Fix All lowers every rate in one pass.
            return ("Lower the dropout rate (hidden ≤ 0.5, input ≤ 0.2)", AttributeEdits.WithNamedArgument(attribute, argument, rate));
        }
    }

    /// <summary>
    /// MG0003: hidden biases start at 0; MG0016: no dropout on the output or before batch norm; MG0017: exclude biases
    /// from decay, or decouple it under Adam; MG0004: no bias before batch norm.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveArgumentFix)), Shared]
    public sealed class RemoveArgumentFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0003", "MG0004", "MG0016", "MG0017");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic) => diagnostic.Id switch
        {
            "MG0003" => ("Start the biases at 0", AttributeEdits.WithoutNamedArgument(attribute, "BiasInit")),
            "MG0016" => ("Remove the misplaced dropout", AttributeEdits.WithoutNamedArgument(attribute, "Dropout")),
            "MG0017" when diagnostic.Properties.ContainsKey("Decoupled") => ("Decouple weight decay (AdamW)", AttributeEdits.WithNamedArgument(attribute, "Decoupled", "true")),
            "MG0017" => ("Exclude biases from weight decay", AttributeEdits.WithoutNamedArgument(attribute, "IncludeBiases")),
            "MG0004" => ("Remove the bias (UseBias = false)", AttributeEdits.WithNamedArgument(AttributeEdits.WithoutNamedArgument(attribute, "BiasInit"), "UseBias", "false")),
            _ => null,
        };
    }

    /// <summary>MG0025: round the declared batch size to the nearest power of two.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PowerOfTwoBatchFix)), Shared]
    public sealed class PowerOfTwoBatchFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0025");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
            => diagnostic.Properties.TryGetValue("BatchSize", out string? size) && size is not null
                ? ($"Set BatchSize = {size}", AttributeEdits.WithNamedArgument(attribute, "BatchSize", size))
                : null;
    }

    /// <summary>MG0022: AdaGrad → RMSProp, keeping the declared learning rate (ε means something else in each).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RmsPropFix)), Shared]
    public sealed class RmsPropFix : AttributeFix
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0022");

        protected override (string, AttributeSyntax)? Rewrite(AttributeSyntax attribute, Diagnostic diagnostic)
        {
            AttributeSyntax rmsProp = AttributeEdits.WithoutNamedArgument(attribute, "Epsilon").WithName(IdentifierName("RmsProp").WithTriviaFrom(attribute.Name));
            return ("Use RMSProp", rmsProp);
        }
    }

    /// <summary>
    /// MG0010 on a sigmoid output: [MeanSquaredError] → [BinaryCrossEntropy] (from logits) and the output layer made
    /// linear. Targets stay float probabilities and Predict still returns sigmoid outputs, so callers need no change.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CrossEntropyFix)), Shared]
    public sealed class CrossEntropyFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0010");

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            Diagnostic diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.ContainsKey("Replacement") || diagnostic.AdditionalLocations.Count == 0
                || await AttributeEdits.FindAttributeAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (root, loss))
                return;
            AttributeSyntax? output = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan).FirstAncestorOrSelf<AttributeSyntax>();
            if (output is null)
                return;
            context.RegisterCodeFix(CodeAction.Create("Use binary cross-entropy on linear logits", _ =>
            {
                AttributeSyntax crossEntropy = Attribute(IdentifierName("BinaryCrossEntropy")).WithTriviaFrom(loss);
                AttributeSyntax linear = AttributeEdits.WithActivation(output, null);
                return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNodes(new[] { loss, output }, (original, _) => original == loss ? crossEntropy : linear)));
            }, nameof(CrossEntropyFix)), diagnostic);
        }
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
