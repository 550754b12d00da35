using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace ShardGen.CodeFixes;

/// <summary>
/// Inserting SQL text into the string literal that holds a [Query]'s SQL: where a SQL offset is in the
/// literal's source (escape sequences, doubled quotes and raw-string indentation accounted for), and
/// the inserted text written the way that literal writes it.
/// </summary>
internal static class SqlLiteralInsertion
{
    /// <summary>
    /// The change that inserts <paramref name="sql"/> at SQL offset <paramref name="offset"/> of the literal
    /// <paramref name="token"/>; null when the token is no string literal, the offset is outside its value,
    /// or the text cannot be written in it.
    /// </summary>
    public static TextChange? Create(SyntaxToken token, int offset, string sql)
    {
        if (token.ContainsDiagnostics || offset < 0 || offset > token.ValueText.Length)
        {
            return null;
        }

        var text = token.Text;
        List<int>? positions;
        string written;
        if (token.IsKind(SyntaxKind.StringLiteralToken) && text.StartsWith("@", System.StringComparison.Ordinal))
        {
            positions = Verbatim(text);
            written = sql.Replace("\"", "\"\"");
        }
        else if (token.IsKind(SyntaxKind.StringLiteralToken))
        {
            positions = Regular(text);
            written = EscapeRegular(sql);
        }
        else if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
        {
            positions = SingleLineRaw(text, OpeningQuotes(text));
            written = sql;
        }
        else if (token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
        {
            positions = MultiLineRaw(text);
            written = sql;
        }
        else
        {
            return null;
        }

        if (positions is null || positions.Count != token.ValueText.Length + 1)
        {
            return null;
        }

        // The edited literal must read back as the SQL with the text inserted: this also turns down text a
        // raw literal cannot hold as it is (a line break, a run of quotes as long as the delimiter).
        var edited = text.Insert(positions[offset], written);
        var reread = SyntaxFactory.ParseToken(edited);
        if (reread.RawKind != token.RawKind || reread.ContainsDiagnostics || reread.Text != edited
            || reread.ValueText != token.ValueText.Insert(offset, sql))
        {
            return null;
        }

        return new TextChange(new TextSpan(token.SpanStart + positions[offset], 0), written);
    }

    // Each list below holds, for every character of the literal's value, its position in the token's text,
    // and one more entry: where text goes that is appended to the value.

    private static List<int> Verbatim(string text)
    {
        var positions = new List<int>(text.Length);
        for (var i = 2; i < text.Length - 1; i++)
        {
            positions.Add(i);
            if (text[i] == '"')
            {
                i++;
            }
        }

        positions.Add(text.Length - 1);
        return positions;
    }

    private static List<int> Regular(string text)
    {
        var positions = new List<int>(text.Length);
        for (var i = 1; i < text.Length - 1;)
        {
            if (text[i] != '\\')
            {
                positions.Add(i);
                i++;
                continue;
            }

            var kind = text[i + 1];
            var length = kind switch
            {
                'u' => 6,
                'U' => 10,
                'x' => 2 + HexDigits(text, i + 2, 4),
                _ => 2,
            };

            // \U beyond the Basic Multilingual Plane is a surrogate pair: two characters of the value.
            var produced = kind == 'U' && i + 10 < text.Length
                && uint.TryParse(text.Substring(i + 2, 8), System.Globalization.NumberStyles.HexNumber, null, out var codePoint) && codePoint > 0xFFFF ? 2 : 1;
            for (var p = 0; p < produced; p++)
            {
                positions.Add(i);
            }

            i += length;
        }

        positions.Add(text.Length - 1);
        return positions;
    }

    private static List<int> SingleLineRaw(string text, int quotes)
    {
        var positions = new List<int>(text.Length);
        for (var i = quotes; i < text.Length - quotes; i++)
        {
            positions.Add(i);
        }

        positions.Add(text.Length - quotes);
        return positions;
    }

    /// <summary>
    /// The content lines sit between the opening and the closing line and lose the closing line's
    /// indentation; text appended to the value goes at the end of the last content line, before its
    /// line break, so the closing quotes stay on a line of their own.
    /// </summary>
    private static List<int>? MultiLineRaw(string text)
    {
        var lines = Lines(text);
        if (lines.Count < 3)
        {
            return null;
        }

        var closing = lines[lines.Count - 1];
        var indentation = closing.Length - text.Substring(closing.Start, closing.Length).TrimStart(' ', '\t').Length;
        var positions = new List<int>(text.Length);
        for (var l = 1; l < lines.Count - 1; l++)
        {
            var line = lines[l];
            for (var c = System.Math.Min(indentation, line.Length); c < line.Length; c++)
            {
                positions.Add(line.Start + c);
            }

            if (l < lines.Count - 2)
            {
                for (var b = 0; b < line.Break; b++)
                {
                    positions.Add(line.Start + line.Length + b);
                }
            }
        }

        var last = lines[lines.Count - 2];
        positions.Add(last.Start + last.Length);
        return positions;
    }

    private static string EscapeRegular(string sql)
    {
        var builder = new StringBuilder(sql.Length + 8);
        foreach (var c in sql)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default: builder.Append(c); break;
            }
        }

        return builder.ToString();
    }

    private static int OpeningQuotes(string text)
    {
        var quotes = 0;
        while (quotes < text.Length && text[quotes] == '"')
        {
            quotes++;
        }

        return quotes;
    }

    private static int HexDigits(string text, int start, int max)
    {
        var n = 0;
        while (n < max && start + n < text.Length - 1 && System.Uri.IsHexDigit(text[start + n]))
        {
            n++;
        }

        return n;
    }

    private static List<(int Start, int Length, int Break)> Lines(string text)
    {
        var lines = new List<(int, int, int)>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' || text[i] == '\n')
            {
                var lineBreak = text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                lines.Add((start, i - start, lineBreak));
                i += lineBreak - 1;
                start = i + 1;
            }
        }

        lines.Add((start, text.Length - start, 0));
        return lines;
    }
}
