using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ShardGen.Analyzers;

/// <summary>
/// Where each character of a [Query]'s SQL text is in the source: inside a regular, verbatim or raw
/// string literal (escape sequences, doubled quotes and raw-string indentation accounted for), also
/// when the attribute names a constant. Other constant expressions (concatenations) map to the whole
/// argument.
/// </summary>
internal sealed class SqlLocation
{
    private readonly SyntaxTree _tree;
    private readonly int[]? _starts;
    private readonly TextSpan _fallback;

    private SqlLocation(SyntaxTree tree, int[]? starts, TextSpan fallback)
    {
        _tree = tree;
        _starts = starts;
        _fallback = fallback;
    }

    /// <summary>Whether text can be inserted at a SQL offset (the SQL is one literal of this attribute's document).</summary>
    public bool CanEdit => _starts is not null;

    public static SqlLocation? Of(AttributeData attribute, INamedTypeSymbol? scope, Compilation? compilation, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax
            || syntax.ArgumentList?.Arguments.FirstOrDefault() is not { } argument)
        {
            return null;
        }

        return Of(argument.Expression, scope, compilation, cancellationToken, depth: 0);
    }

    private static SqlLocation? Of(ExpressionSyntax expression, INamedTypeSymbol? scope, Compilation? compilation, CancellationToken cancellationToken, int depth)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax { Token: var token } when token.IsKind(SyntaxKind.StringLiteralToken)
                || token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken):
                return new SqlLocation(expression.SyntaxTree, Offsets(token)?.Select(o => token.SpanStart + o).ToArray(), expression.Span);
            case IdentifierNameSyntax or MemberAccessExpressionSyntax when depth < 4:
                // A constant: follow it to its declaration's initializer.
                var initializer = ConstantDeclaration(expression, scope, compilation, cancellationToken);
                return initializer is not null ? Of(initializer, scope, compilation, cancellationToken, depth + 1) : new SqlLocation(expression.SyntaxTree, null, expression.Span);
            default:
                return new SqlLocation(expression.SyntaxTree, null, expression.Span);
        }
    }

    /// <summary>The source location of SQL characters [start, start + length).</summary>
    public Location Map(int start, int length)
    {
        if (_starts is null || _starts.Length == 0)
        {
            return Location.Create(_tree, _fallback);
        }

        var first = Position(start);
        var end = length == 0 ? first : End(start + length - 1);
        return Location.Create(_tree, TextSpan.FromBounds(first, System.Math.Max(first, end)));
    }

    /// <summary>The source position of SQL offset <paramref name="offset"/> (the end of the literal's content past the last character).</summary>
    public int Position(int offset)
    {
        var starts = _starts!;
        if (offset < starts.Length - 1)
        {
            return starts[System.Math.Max(0, offset)];
        }

        return starts[starts.Length - 1];
    }

    /// <summary>
    /// The source position just past SQL character <paramref name="offset"/>: past its whole escape
    /// sequence or doubled quote, but never past a line break that follows it.
    /// </summary>
    private int End(int offset)
    {
        var starts = _starts!;
        var start = Position(offset);
        if (offset + 1 >= starts.Length)
        {
            return start + 1;
        }

        var next = starts[offset + 1];
        var text = _tree.GetText().ToString(TextSpan.FromBounds(start, System.Math.Max(start, next)));
        return next > start && next - start <= 10 && text.IndexOfAny(new[] { '\r', '\n' }) < 0 ? next : start + 1;
    }

    /// <summary>
    /// The initializer of the constant an attribute argument names: a name is looked up as C# would
    /// (the method's type and its bases, then its outer types), a qualified name in the type it names.
    /// </summary>
    private static ExpressionSyntax? ConstantDeclaration(ExpressionSyntax expression, INamedTypeSymbol? scope, Compilation? compilation, CancellationToken cancellationToken)
    {
        IFieldSymbol? field = null;
        switch (expression)
        {
            case IdentifierNameSyntax identifier:
                for (var type = scope; type is not null && field is null; type = type.ContainingType)
                {
                    for (var lookup = type; lookup is not null && field is null; lookup = lookup.BaseType)
                    {
                        field = lookup.GetMembers(identifier.Identifier.ValueText).OfType<IFieldSymbol>().FirstOrDefault(f => f.IsConst);
                    }
                }

                break;
            case MemberAccessExpressionSyntax member when compilation is not null:
                var typeName = member.Expression switch
                {
                    IdentifierNameSyntax name => name.Identifier.ValueText,
                    MemberAccessExpressionSyntax qualified => qualified.Name.Identifier.ValueText,
                    _ => null,
                };
                field = compilation.GetSymbolsWithName(member.Name.Identifier.ValueText, SymbolFilter.Member, cancellationToken)
                    .OfType<IFieldSymbol>()
                    .Where(f => f.IsConst && f.ContainingType.Name == typeName)
                    .OrderBy(f => f.ContainingType.ToDisplayString() == member.Expression.ToString() ? 0 : 1)
                    .FirstOrDefault();
                break;
        }

        return field?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax declarator
            ? declarator.Initializer?.Value
            : null;
    }

    /// <summary>
    /// For each character of a string literal's value, its offset in the token's text; and one more entry,
    /// where text appended to the value goes (for a multi-line raw literal, the end of the last content
    /// line). Null when the value cannot be aligned with the text. The code fixes insert SQL with it too.
    /// </summary>
    internal static int[]? Offsets(SyntaxToken token)
    {
        var text = token.Text;
        var value = token.ValueText;
        const int origin = 0;
        var starts = new List<int>(value.Length + 1);
        if (token.IsKind(SyntaxKind.StringLiteralToken) && text.StartsWith("@", System.StringComparison.Ordinal))
        {
            // Verbatim: "" is one quote.
            for (var i = 2; i < text.Length - 1; i++)
            {
                starts.Add(origin + i);
                if (text[i] == '"')
                {
                    i++;
                }
            }

            starts.Add(origin + text.Length - 1);
        }
        else if (token.IsKind(SyntaxKind.StringLiteralToken))
        {
            for (var i = 1; i < text.Length - 1;)
            {
                var start = i;
                if (text[i] != '\\')
                {
                    starts.Add(origin + i);
                    i++;
                    continue;
                }

                var kind = i + 1 < text.Length ? text[i + 1] : '\0';
                var length = kind switch
                {
                    'u' => 6,
                    'U' => 10,
                    'x' => 2 + HexRun(text, i + 2, 4),
                    _ => 2,
                };
                var produced = kind == 'U' && i + 10 <= text.Length && uint.TryParse(text.Substring(i + 2, 8), System.Globalization.NumberStyles.HexNumber, null, out var cp) && cp > 0xFFFF ? 2 : 1;
                for (var p = 0; p < produced; p++)
                {
                    starts.Add(origin + start);
                }

                i += length;
            }

            starts.Add(origin + text.Length - 1);
        }
        else
        {
            // Raw: after the opening quotes; multi-line content starts on the next line and loses the
            // closing line's indentation.
            var quotes = 0;
            while (quotes < text.Length && text[quotes] == '"')
            {
                quotes++;
            }

            if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
            {
                for (var i = quotes; i < text.Length - quotes; i++)
                {
                    starts.Add(origin + i);
                }

                starts.Add(origin + text.Length - quotes);
            }
            else
            {
                var lines = SplitLines(text);
                var closing = lines[lines.Count - 1];
                var indentation = closing.Text.Length - closing.Text.TrimStart(' ', '\t').Length;
                for (var l = 1; l < lines.Count - 1; l++)
                {
                    var line = lines[l];
                    var skip = System.Math.Min(indentation, line.Text.Length);
                    for (var c = skip; c < line.Text.Length; c++)
                    {
                        starts.Add(origin + line.Start + c);
                    }

                    if (l < lines.Count - 2)
                    {
                        for (var b = 0; b < line.Break.Length; b++)
                        {
                            starts.Add(origin + line.Start + line.Text.Length + b);
                        }
                    }
                }

                var last = lines.Count >= 3 ? lines[lines.Count - 2] : closing;
                starts.Add(origin + last.Start + (lines.Count >= 3 ? last.Text.Length : 0));
            }
        }

        return starts.Count == value.Length + 1 ? starts.ToArray() : null;
    }

    private static int HexRun(string text, int start, int max)
    {
        var n = 0;
        while (n < max && start + n < text.Length - 1 && System.Uri.IsHexDigit(text[start + n]))
        {
            n++;
        }

        return n;
    }

    private static List<(int Start, string Text, string Break)> SplitLines(string text)
    {
        var lines = new List<(int, string, string)>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' || text[i] == '\n')
            {
                var lineBreak = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? "\r\n" : text[i].ToString();
                lines.Add((start, text.Substring(start, i - start), lineBreak));
                i += lineBreak.Length - 1;
                start = i + 1;
            }
        }

        lines.Add((start, text.Substring(start), string.Empty));
        return lines;
    }
}
