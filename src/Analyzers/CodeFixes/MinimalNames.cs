using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ShardGen.CodeFixes;

/// <summary>
/// Names of types as the user would write them at a place in their code: as short as still means the type
/// there (<c>PrimaryKey</c> under <c>using ShardGen;</c>, <c>ShardGen.PrimaryKey</c> without it). Decided by
/// binding rather than by the simplifier, whose formatting pass would touch the trivia around the edit.
/// </summary>
internal static class MinimalNames
{
    private const string AttributeSuffix = "Attribute";

    public static TypeSyntax Type(SemanticModel model, int position, INamedTypeSymbol type) =>
        SyntaxFactory.ParseTypeName(type.ToMinimalDisplayString(model, position));

    /// <summary>An attribute's name without the Attribute suffix, where the shorter name still means it.</summary>
    public static NameSyntax Attribute(SemanticModel model, int position, INamedTypeSymbol attribute)
    {
        var name = attribute.ToMinimalDisplayString(model, position);
        if (name.Length > AttributeSuffix.Length && name.EndsWith(AttributeSuffix, System.StringComparison.Ordinal))
        {
            var shorter = SyntaxFactory.ParseName(name.Substring(0, name.Length - AttributeSuffix.Length));
            var bound = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.Attribute(shorter)).Symbol?.ContainingType;
            if (SymbolEqualityComparer.Default.Equals(bound, attribute))
            {
                return shorter;
            }
        }

        return SyntaxFactory.ParseName(name);
    }
}
