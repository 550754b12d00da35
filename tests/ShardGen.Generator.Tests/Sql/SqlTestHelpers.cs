using System.Globalization;
using System.Text;
using ShardGen.Generator;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>Parsing shortcuts and a compact printer that makes the shape of an expression tree easy to assert.</summary>
internal static class SqlTestHelpers
{
    public static T Parse<T>(string sql)
        where T : SqlStatement
    {
        var result = SqlParser.Parse(sql);
        Assert.True(result.Problems.Count == 0, "Unexpected problems: " + string.Join("; ", result.Problems.Select(p => $"{p.Kind} {p.Message} at '{Text(sql, p.Span)}'")));
        return Assert.IsType<T>(result.Statement);
    }

    public static SelectStatement Select(string sql) => Parse<SelectStatement>(sql);

    /// <summary>The WHERE expression of <c>SELECT * FROM t WHERE {condition}</c>.</summary>
    public static SqlExpr Where(string condition) => Select("SELECT * FROM t WHERE " + condition).Where!;

    /// <summary>The single select item expression of <c>SELECT {expression}</c>.</summary>
    public static SqlExpr Expr(string expression) => Select("SELECT " + expression).Items.Single().Expr;

    public static string Text(string sql, TextSpan span) => sql.Substring(span.Start, span.Length);

    public static string Text(string sql, TextSpan? span)
    {
        Assert.NotNull(span);
        return Text(sql, span.Value);
    }

    /// <summary>The problems of <paramref name="sql"/>, which must not parse cleanly; the statement is then null.</summary>
    public static IReadOnlyList<SqlProblem> Problems(string sql)
    {
        var result = SqlParser.Parse(sql);
        Assert.NotEmpty(result.Problems);
        Assert.Null(result.Statement);
        return result.Problems.ToList();
    }

    /// <summary>The one problem of <paramref name="kind"/> whose span text is <paramref name="spanText"/>.</summary>
    public static SqlProblem ProblemAt(string sql, SqlProblemKind kind, string spanText)
    {
        var problems = Problems(sql);
        var matching = problems.Where(p => p.Kind == kind && Text(sql, p.Span) == spanText).ToList();
        Assert.True(
            matching.Count == 1,
            $"Expected one {kind} problem at '{spanText}', got: " + string.Join("; ", problems.Select(p => $"{p.Kind} '{Text(sql, p.Span)}' {p.Message}")));
        return matching[0];
    }

    /// <summary>A Lisp-like rendering: <c>(AND (= a @b) (NOT c))</c>.</summary>
    public static string Show(SqlExpr expr) => expr switch
    {
        ColumnRef c => c.Qualifier is null ? c.Name : c.Qualifier + "." + c.Name,
        ParameterRef p => "@" + p.Name,
        Literal { Kind: LiteralKind.String } l => "'" + l.Value + "'",
        Literal l => l.Value,
        StarExpr s => s.Qualifier is null ? "*" : s.Qualifier + ".*",
        UnaryExpr u => $"({u.Operator} {Show(u.Operand)})",
        BinaryExpr b => $"({b.Operator} {Show(b.Left)} {Show(b.Right)})",
        InExpr i => $"({(i.Negated ? "NOT IN" : "IN")} {Show(i.Operand)} [{string.Join(" ", i.Items.Select(Show))}])",
        AnyExpr a => $"({a.Operator} ANY {Show(a.Operand)} {Show(a.Array)})",
        AllExpr a => $"({a.Operator} ALL {Show(a.Operand)} {Show(a.Array)})",
        ArrayExpr a => "[" + string.Join(" ", a.Elements.Select(Show)) + "]",
        ArraySubqueryExpr a => $"(ARRAY {ShowSelect(a.Query)})",
        SubscriptExpr s => $"(SUBSCRIPT {Show(s.Operand)} {(s.Lower is null ? "_" : Show(s.Lower))}{(s.Slice ? ":" + (s.Upper is null ? "_" : Show(s.Upper)) : string.Empty)})",
        RowExpr r => "(ROW" + string.Concat(r.Items.Select(i => " " + Show(i))) + ")",
        FieldExpr f => $"(FIELD {Show(f.Operand)} {f.Field})",
        CollateExpr c => $"(COLLATE {Show(c.Operand)} {c.Collation})",
        NamedArgument n => $"({n.Name} => {Show(n.Value)})",
        BooleanTestExpr b => $"(IS {(b.Negated ? "NOT " : string.Empty)}{b.Test} {Show(b.Operand)})",
        DefaultExpr => "DEFAULT",
        GroupingSetExpr g => $"({g.Kind}" + string.Concat(g.Items.Select(i => " " + Show(i))) + ")",
        BetweenExpr b => $"({(b.Negated ? "NOT BETWEEN" : "BETWEEN")}{(b.Symmetric ? " SYMMETRIC" : string.Empty)} {Show(b.Operand)} {Show(b.Low)} {Show(b.High)})",
        IsNullExpr n => $"({(n.Negated ? "IS NOT NULL" : "IS NULL")} {Show(n.Operand)})",
        FunctionCall f => f.Name + "(" + (f.Distinct ? "DISTINCT " : string.Empty) + (f.Variadic ? "VARIADIC " : string.Empty) + (f.Star ? "*" : string.Join(" ", f.Arguments.Select(Show)))
            + (f.OrderBy.Count > 0 && !f.WithinGroup ? " ORDER BY " + ShowOrder(f.OrderBy) : string.Empty) + ")"
            + (f.WithinGroup ? " WITHIN GROUP (" + ShowOrder(f.OrderBy) + ")" : string.Empty),
        CaseExpr c => ShowCase(c),
        CastExpr c => $"(CAST {Show(c.Operand)} {c.TypeName}{(c.ColonSyntax ? " ::" : string.Empty)})",
        SubqueryExpr q => $"(SUBQUERY {ShowSelect(q.Query)})",
        ExistsExpr e => $"(EXISTS {ShowSelect(e.Query)})",
        InSubqueryExpr i => $"({(i.Negated ? "NOT IN" : i.Operator == "=" && !i.All ? "IN" : i.Operator + (i.All ? " ALL" : " ANY"))} {Show(i.Operand)} {ShowSelect(i.Query)})",
        WindowCall w => $"(OVER {Show(w.Function)}{(w.Name is null ? string.Empty : " " + w.Name)} [{string.Join(" ", w.PartitionBy.Select(Show))}] [{ShowOrder(w.OrderBy)}])",
        _ => throw new ArgumentOutOfRangeException(nameof(expr), expr, null),
    };

    private static string ShowOrder(EquatableArray<OrderItem> items) =>
        string.Join(" ", items.Select(o => Show(o.Expr) + (o.Descending ? " DESC" : string.Empty) + (o.Using is null ? string.Empty : " USING " + o.Using)));

    /// <summary>A subquery, briefly: its items, its FROM table and its WHERE.</summary>
    private static string ShowSelect(SelectStatement select) =>
        $"[{string.Join(" ", select.Items.Select(i => Show(i.Expr)))} FROM {select.From?.Name}{(select.Where is null ? string.Empty : " WHERE " + Show(select.Where))}]";

    private static string ShowCase(CaseExpr c)
    {
        var builder = new StringBuilder("(CASE");
        if (c.Operand is not null)
        {
            builder.Append(' ').Append(Show(c.Operand));
        }

        foreach (var when in c.Whens)
        {
            builder.Append(CultureInfo.InvariantCulture, $" (WHEN {Show(when.Condition)} {Show(when.Result)})");
        }

        if (c.Else is not null)
        {
            builder.Append(" (ELSE ").Append(Show(c.Else)).Append(')');
        }

        return builder.Append(')').ToString();
    }
}
