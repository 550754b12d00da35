using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using ShardGen.Generator;

namespace ShardGen.CodeFixes;

/// <summary>
/// SG0005: marks the distribution key [PrimaryKey] — <c>[property: PrimaryKey]</c> on a positional record's
/// parameter. ShardGen puts the distribution key first in the primary key anyway; when the other key
/// properties give an Order, the new one gets an Order before theirs, so the declaration says so too.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PrimaryKeyIncludesDistributionKeyFix))]
[Shared]
public sealed class PrimaryKeyIncludesDistributionKeyFix : CodeFixProvider
{
    public const string EquivalenceKey = "ShardGen.SG0005.AddDistributionKeyToPrimaryKey";

    private const string PrimaryKeyAttribute = "ShardGen.PrimaryKeyAttribute";

    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(RuleIds.PrimaryKeyWithoutDistributionKey);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            // The diagnostic is on the name of the distribution key: a positional record's parameter or a property.
            var identifier = root.FindToken(diagnostic.Location.SourceSpan.Start);
            var declaration = identifier.Parent switch
            {
                ParameterSyntax parameter when parameter.Identifier == identifier => (SyntaxNode)parameter,
                PropertyDeclarationSyntax property when property.Identifier == identifier => property,
                _ => null,
            };
            if (declaration is null)
            {
                continue;
            }

            var name = identifier.ValueText;
            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Add the distribution key '{name}' to the primary key",
                    cancellationToken => AddPrimaryKeyAsync(document, declaration.Span, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> AddPrimaryKeyAsync(Document document, TextSpan span, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var declaration = root?.FindNode(span);
        if (root is null || model is null || declaration is null || model.Compilation.GetTypeByMetadataName(PrimaryKeyAttribute) is not { } primaryKey)
        {
            return document;
        }

        var order = OrderBefore(model.GetDeclaredSymbol(declaration, cancellationToken)?.ContainingType);
        var attribute = PrimaryKey(MinimalNames.Attribute(model, declaration.SpanStart, primaryKey), order);
        SyntaxNode updated = declaration switch
        {
            ParameterSyntax parameter => AddToParameter(parameter, attribute),
            PropertyDeclarationSyntax property => AddToProperty(property, attribute, EndOfLine(root)),
            _ => declaration,
        };
        return document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
    }

    /// <summary>
    /// An Order before every other [PrimaryKey]'s, when any of them gives one (those that do not are 0);
    /// none when none does, since the distribution key comes first anyway.
    /// </summary>
    private static int? OrderBefore(INamedTypeSymbol? type)
    {
        if (type is null)
        {
            return null;
        }

        var keys = type.GetMembers().OfType<IPropertySymbol>()
            .SelectMany(p => p.GetAttributes())
            .Where(a => a.AttributeClass?.ToDisplayString() == PrimaryKeyAttribute)
            .ToList();
        if (!keys.Any(k => k.NamedArguments.Any(n => n.Key == "Order")))
        {
            return null;
        }

        var first = keys.Min(k => k.NamedArguments.FirstOrDefault(n => n.Key == "Order").Value.Value is int o ? o : 0);
        return first == int.MinValue ? null : first - 1;
    }

    private static AttributeSyntax PrimaryKey(NameSyntax name, int? order) =>
        order is { } value
            ? SyntaxFactory.Attribute(name, SyntaxFactory.ParseAttributeArgumentList("(Order = " + value.ToString(CultureInfo.InvariantCulture) + ")"))
            : SyntaxFactory.Attribute(name);

    /// <summary><c>[property: PrimaryKey] long TenantId</c>: first among the parameter's attributes, on its line.</summary>
    private static ParameterSyntax AddToParameter(ParameterSyntax parameter, AttributeSyntax attribute)
    {
        var list = SyntaxFactory.AttributeList(
                SyntaxFactory.AttributeTargetSpecifier(SyntaxFactory.Token(SyntaxKind.PropertyKeyword)),
                SyntaxFactory.SingletonSeparatedList(attribute))
            .NormalizeWhitespace()
            .WithLeadingTrivia(parameter.GetLeadingTrivia())
            .WithTrailingTrivia(SyntaxFactory.Space);
        return parameter.WithoutLeadingTrivia().WithAttributeLists(parameter.WithoutLeadingTrivia().AttributeLists.Insert(0, list));
    }

    /// <summary><c>[PrimaryKey]</c> on a line of its own above the property (and its other attributes), at its indentation.</summary>
    private static PropertyDeclarationSyntax AddToProperty(PropertyDeclarationSyntax property, AttributeSyntax attribute, SyntaxTrivia endOfLine)
    {
        var leading = property.GetLeadingTrivia();
        var indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute))
            .NormalizeWhitespace()
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(endOfLine);
        var rest = property.WithLeadingTrivia(indentation);
        return rest.WithAttributeLists(rest.AttributeLists.Insert(0, list));
    }

    /// <summary>The document's own line break.</summary>
    private static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        var found = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return found.IsKind(SyntaxKind.EndOfLineTrivia) ? found : SyntaxFactory.ElasticCarriageReturnLineFeed;
    }
}
