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
using Microsoft.CodeAnalysis.Text;
using ShardGen.Analyzers;
using ShardGen.Generator;

namespace ShardGen.CodeFixes;

/// <summary>
/// SG0106: a join of tables in different colocation groups. Either colocate the second table with the
/// first (<c>ColocateWith = typeof(...)</c>; offered only when their distribution keys have the same type,
/// since a colocation group hashes one key type), or make the second table a reference table. The table's
/// declaration may be in another document than the query.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ColocateTablesFix))]
[Shared]
public sealed class ColocateTablesFix : CodeFixProvider
{
    public const string ColocateEquivalenceKey = "ShardGen.SG0106.Colocate";
    public const string MakeReferenceEquivalenceKey = "ShardGen.SG0106.MakeReference";

    private const string DistributedAttribute = "ShardGen.DistributedAttribute";
    private const string ReferenceAttribute = "ShardGen.ReferenceAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.NotColocated);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var compilation = await context.Document.Project.GetCompilationAsync(context.CancellationToken).ConfigureAwait(false);
        if (compilation is null)
        {
            return;
        }

        var solution = context.Document.Project.Solution;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(ShardGenAnalyzer.FixTypeProperty, out var typeName) || typeName is null
                || !diagnostic.Properties.TryGetValue(ShardGenAnalyzer.FixOtherTypeProperty, out var otherName) || otherName is null
                || compilation.GetTypeByMetadataName(typeName) is not { } type
                || compilation.GetTypeByMetadataName(otherName) is not { } other
                || Distributed(type) is not { ApplicationSyntaxReference: { } reference } attribute)
            {
                continue;
            }

            var syntax = (AttributeSyntax)await reference.GetSyntaxAsync(context.CancellationToken).ConfigureAwait(false);
            var document = solution.GetDocument(syntax.SyntaxTree);
            if (document is null)
            {
                continue;
            }

            var attributeSpan = syntax.Span;
            if (Distributed(other) is { } otherAttribute && KeyType(type, attribute) is { } keyType
                && SymbolEqualityComparer.Default.Equals(keyType, KeyType(other, otherAttribute)))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Colocate {type.Name} with {other.Name}",
                        cancellationToken => ReplaceAttributeAsync(document, attributeSpan, (a, model) => ColocateWith(a, MinimalNames.Type(model, a.SpanStart, other)), cancellationToken),
                        ColocateEquivalenceKey),
                    diagnostic);
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make {type.Name} a reference table",
                    cancellationToken => ReplaceAttributeAsync(document, attributeSpan, (a, model) => Reference(a, model), cancellationToken),
                    MakeReferenceEquivalenceKey),
                diagnostic);
        }
    }

    private static AttributeData? Distributed(INamedTypeSymbol type) =>
        type.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DistributedAttribute);

    /// <summary>The type of the property [Distributed] names as the distribution key.</summary>
    private static ITypeSymbol? KeyType(INamedTypeSymbol type, AttributeData distributed)
    {
        if (distributed.ConstructorArguments.Length != 1 || distributed.ConstructorArguments[0].Value is not string key)
        {
            return null;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers(key).OfType<IPropertySymbol>().FirstOrDefault() is { } property)
            {
                return property.Type;
            }
        }

        return null;
    }

    private static async Task<Solution> ReplaceAttributeAsync(Document document, TextSpan span,
        System.Func<AttributeSyntax, SemanticModel, AttributeSyntax?> change, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindNode(span) is not AttributeSyntax attribute || model is null || change(attribute, model) is not { } changed)
        {
            return document.Project.Solution;
        }

        return document.WithSyntaxRoot(root.ReplaceNode(attribute, changed)).Project.Solution;
    }

    /// <summary>
    /// Sets <c>ColocateWith = typeof(Other)</c>: in place of an existing ColocateWith or Colocation argument
    /// (a named group is dropped, ColocateWith decides the group), else after the last argument.
    /// </summary>
    private static AttributeSyntax ColocateWith(AttributeSyntax attribute, TypeSyntax otherType)
    {
        // Written out with plain trivia: elastic trivia would have the code action's cleanup reformat the attribute.
        var colocateWith = SyntaxFactory.AttributeArgument(
                SyntaxFactory.NameEquals("ColocateWith"), nameColon: null, SyntaxFactory.TypeOfExpression(otherType))
            .NormalizeWhitespace();

        var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        var arguments = list.Arguments;
        var existing = arguments.FirstOrDefault(a => NameOf(a) == "ColocateWith") ?? arguments.FirstOrDefault(a => NameOf(a) == "Colocation");
        if (existing is not null)
        {
            arguments = arguments.Replace(existing, colocateWith.WithTriviaFrom(existing));
            if (arguments.FirstOrDefault(a => NameOf(a) == "Colocation") is { } group)
            {
                arguments = arguments.Remove(group);
            }
        }
        else
        {
            arguments = Append(arguments, colocateWith);
        }

        return attribute.WithArgumentList(list.WithArguments(arguments));
    }

    /// <summary>[Reference], keeping the table name if the attribute gives one.</summary>
    private static AttributeSyntax? Reference(AttributeSyntax attribute, SemanticModel model)
    {
        if (model.Compilation.GetTypeByMetadataName(ReferenceAttribute) is not { } reference)
        {
            return null;
        }

        var name = MinimalNames.Attribute(model, attribute.SpanStart, reference);
        var table = attribute.ArgumentList?.Arguments.FirstOrDefault(a => NameOf(a) == "Table");
        var arguments = table is null
            ? null
            : SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(table.WithoutTrivia()));
        return SyntaxFactory.Attribute(name, arguments).NormalizeWhitespace().WithTriviaFrom(attribute);
    }

    private static string? NameOf(AttributeArgumentSyntax argument) => argument.NameEquals?.Name.Identifier.ValueText;

    private static SeparatedSyntaxList<AttributeArgumentSyntax> Append(SeparatedSyntaxList<AttributeArgumentSyntax> arguments, AttributeArgumentSyntax argument)
    {
        if (arguments.Count == 0)
        {
            return SyntaxFactory.SingletonSeparatedList(argument);
        }

        // What followed the last argument (before the closing parenthesis) follows the new one.
        var last = arguments[arguments.Count - 1];
        var separators = arguments.GetSeparators().ToList();
        separators.Add(SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.CommaToken, SyntaxFactory.TriviaList(SyntaxFactory.Space)));
        var items = arguments.Replace(last, last.WithoutTrailingTrivia()).ToList();
        items.Add(argument.WithTrailingTrivia(last.GetTrailingTrivia()));
        return SyntaxFactory.SeparatedList(items, separators);
    }
}
