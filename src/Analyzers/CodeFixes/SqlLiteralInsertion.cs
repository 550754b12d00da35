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
        string written;
        if (token.IsKind(SyntaxKind.StringLiteralToken) && text.StartsWith("@", System.StringComparison.Ordinal))
        {
            written = sql.Replace("\"", "\"\"");
        }
        else if (token.IsKind(SyntaxKind.StringLiteralToken))
        {
            written = EscapeRegular(sql);
        }
        else if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
        {
            written = sql;
        }
        else
        {
            return null;
        }

        // The same map from the value to the source as the analyzer's spans use.
        var positions = ShardGen.Analyzers.SqlLocation.Offsets(token);
        if (positions is null || positions.Length != token.ValueText.Length + 1)
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
}
