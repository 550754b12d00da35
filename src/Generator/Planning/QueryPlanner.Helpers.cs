using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Small helpers shared by every strategy: a statement's expressions and conjuncts, span text compared without layout,
// and the C# text of strings and previews in the generated code.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>Every clause's top expression of <paramref name="select"/>: FROM's function calls and ON conditions, VALUES rows and WINDOW definitions included.</summary>
        private static IEnumerable<SqlExpr> StatementExpressions(SelectStatement select) => SqlWalker.Roots(select);

        private static IEnumerable<SqlExpr> Conjuncts(SqlExpr? expr)
        {
            if (expr is BinaryExpr { Operator: "AND" } and)
            {
                foreach (var part in Conjuncts(and.Left))
                {
                    yield return part;
                }

                foreach (var part in Conjuncts(and.Right))
                {
                    yield return part;
                }
            }
            else if (expr is not null)
            {
                yield return expr;
            }
        }

        private string Normalize(TextSpan span)
        {
            var text = new StringBuilder();
            var inString = false;
            foreach (var c in _sql.Substring(span.Start, span.Length))
            {
                if (c == '\'')
                {
                    inString = !inString;
                }

                if (!inString && char.IsWhiteSpace(c))
                {
                    continue;
                }

                text.Append(inString ? c : char.ToLowerInvariant(c));
            }

            return text.ToString();
        }

        private static TextSpan Cover(TextSpan first, TextSpan last) => TextSpan.FromBounds(first.Start, last.End);
    }

    /// <summary>
    /// The statement as the generated code shows it in a comment, one comment line per SQL line: every other line
    /// terminator C# knows (a lone CR, NEL, U+2028, U+2029) becomes a newline, so that no SQL text can end the comment.
    /// </summary>
    private static string Preview(List<string> parts, List<string> tables)
    {
        var text = new StringBuilder(SqlBuilder.Preview(parts, tables)).Replace("\r\n", "\n");
        return text.Replace('\r', '\n').Replace('\u0085', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').ToString();
    }

    internal static string CSharpString(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                // Controls, C#'s other line terminators (U+2028, U+2029) and lone surrogates: escaped, so that any text
                // (an error message quoting the user's SQL) stays one valid literal.
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
    }
}
