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

    public static SqlLocation? Of(AttributeData attribute, CancellationToken cancellationToken)
    {
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax
            || syntax.ArgumentList?.Arguments.FirstOrDefault() is not { } argument)
        {
            return null;
        }

        return Of(argument.Expression, cancellationToken, depth: 0);
    }

    private static SqlLocation? Of(ExpressionSyntax expression, CancellationToken cancellationToken, int depth)
    {
        switch (expression)
        {
            case LiteralExpressionSyntax { Token: var token } when token.IsKind(SyntaxKind.StringLiteralToken)
                || token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken):
                return new SqlLocation(expression.SyntaxTree, Starts(token), expression.Span);
            case IdentifierNameSyntax or MemberAccessExpressionSyntax when depth < 4:
                // A constant: follow it to its declaration's initializer.
                var model = ConstantDeclaration(expression, cancellationToken);
                return model is not null ? Of(model, cancellationToken, depth + 1) : new SqlLocation(expression.SyntaxTree, null, expression.Span);
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
        var end = length == 0 ? first : Position(start + length - 1) + 1;
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

    private static ExpressionSyntax? ConstantDeclaration(ExpressionSyntax expression, CancellationToken cancellationToken)
    {
        // Without a semantic model here, a constant is found by name among the fields of the compilation unit's types.
        var name = expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            _ => null,
        };
        if (name is null)
        {
            return null;
        }

        var root = expression.SyntaxTree.GetRoot(cancellationToken);
        return root.DescendantNodes()
            .OfType<VariableDeclaratorSyntax>()
            .Where(v => v.Identifier.ValueText == name && v.Parent?.Parent is FieldDeclarationSyntax field && field.Modifiers.Any(SyntaxKind.ConstKeyword))
            .Select(v => v.Initializer?.Value)
            .FirstOrDefault(v => v is not null);
    }

    /// <summary>
    /// For each character of the literal's value, its source position; one more entry for the end of the
    /// content. Null when the token's value cannot be aligned with its text.
    /// </summary>
    private static int[]? Starts(SyntaxToken token)
    {
        var text = token.Text;
        var value = token.ValueText;
        var origin = token.SpanStart;
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

                starts.Add(origin + closing.Start);
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
