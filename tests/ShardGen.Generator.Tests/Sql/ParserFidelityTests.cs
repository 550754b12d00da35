using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// What the round trip through PostgreSQL's parser (RoundTripOracleTests) found: operators PostgreSQL chains or refuses to
/// chain, the lower bound of BETWEEN, subscripts, and what the tree must keep so that it means what PostgreSQL's tree means.
/// Each verdict here is PostgreSQL 16's.
/// </summary>
public sealed class ParserFidelityTests
{
    [Theory]
    [InlineData("a IN (1) IN (2)", "(IN (IN a [1]) [2])")]
    [InlineData("a NOT IN (1) NOT IN (2)", "(NOT IN (NOT IN a [1]) [2])")]
    [InlineData("a IN (1) LIKE b", "(LIKE (IN a [1]) b)")]
    [InlineData("a = ANY(@b) = c", "(= (= ANY a @b) c)")]
    [InlineData("a LIKE ANY(@b) LIKE c", "(LIKE (LIKE ANY a @b) c)")]
    [InlineData("a IS NULL IS NULL", "(IS NULL (IS NULL a))")]
    [InlineData("a IS TRUE IS TRUE", "(IS TRUE (IS TRUE a))")]
    [InlineData("a IS NULL IS DISTINCT FROM b", "(IS DISTINCT FROM (IS NULL a) b)")]
    public void An_operator_with_a_closed_right_operand_chains(string condition, string expected)
        => Assert.Equal(expected, Show(Where(condition)));

    [Theory]
    [InlineData("a IS DISTINCT FROM b IS DISTINCT FROM c")]
    [InlineData("a IS DISTINCT FROM b IS NULL")]
    [InlineData("a = b IN (1) = c")]
    [InlineData("a LIKE b LIKE c")]
    [InlineData("a NOT BETWEEN 1 AND 2 NOT BETWEEN 1 AND 2")]
    public void An_operator_with_an_open_right_operand_does_not_chain(string condition)
        => Assert.Contains(Problems("SELECT * FROM t WHERE " + condition), p => p.Kind == SqlProblemKind.Syntax);

    [Theory]
    [InlineData("x BETWEEN a = b AND c", "(BETWEEN x (= a b) c)")]
    [InlineData("x BETWEEN a IS DISTINCT FROM b AND c", "(BETWEEN x (IS DISTINCT FROM a b) c)")]
    [InlineData("x BETWEEN - a ->> b AND c", "(BETWEEN x (->> (- a) b) c)")]
    [InlineData("x BETWEEN (a LIKE b) AND c", "(BETWEEN x (LIKE a b) c)")]
    [InlineData("x BETWEEN f(a IS NULL) AND c", "(BETWEEN x f((IS NULL a)) c)")]
    [InlineData("x BETWEEN a[b IS NULL] AND c", "(BETWEEN x (SUBSCRIPT a (IS NULL b)) c)")]
    public void The_lower_bound_of_BETWEEN_takes_comparisons(string condition, string expected)
        => Assert.Equal(expected, Show(Where(condition)));

    [Theory]
    [InlineData("x BETWEEN a COLLATE \"C\" AND b")]
    [InlineData("x BETWEEN a AT TIME ZONE 'UTC' AND b")]
    [InlineData("x BETWEEN a IS NULL AND b")]
    [InlineData("x BETWEEN NOT a AND b")]
    [InlineData("x BETWEEN a LIKE b AND c")]
    [InlineData("x BETWEEN a = ANY(@b) AND c")]
    public void The_lower_bound_of_BETWEEN_is_a_b_expr(string condition)
        => Assert.Contains(Problems("SELECT * FROM t WHERE " + condition), p => p.Kind == SqlProblemKind.Syntax);

    [Theory]
    [InlineData("(a, b) OVERLAPS (c, d) = x", "(= (OVERLAPS (ROW a b) (ROW c d)) x)")]
    [InlineData("x = (a, b) OVERLAPS (c, d)", "(= x (OVERLAPS (ROW a b) (ROW c d)))")]
    [InlineData("- ROW(a, b) OVERLAPS (c, d)", "(- (OVERLAPS (ROW a b) (ROW c d)))")]
    public void OVERLAPS_joins_two_rows_into_a_whole(string condition, string expected)
        => Assert.Equal(expected, Show(Where(condition)));

    [Theory]
    [InlineData("a OVERLAPS b")]
    [InlineData("((a, b)) OVERLAPS (c, d)")]
    [InlineData("(a, b) OVERLAPS ((c, d))")]
    [InlineData("(a, b)::int OVERLAPS (c, d)")]
    [InlineData("(a, b) OVERLAPS (c, d) OVERLAPS (e, f)")]
    [InlineData("ROW(a) OVERLAPS (c, d)")]
    public void OVERLAPS_takes_rows_of_two(string condition)
        => Assert.Contains(Problems("SELECT * FROM t WHERE " + condition), p => p.Kind == SqlProblemKind.Syntax);

    [Theory]
    [InlineData("SELECT (x)::int[@i]")]
    [InlineData("SELECT (a, b)[1]")]
    public void Only_a_parenthesized_expression_takes_a_subscript(string sql)
        => Assert.Contains(Problems(sql), p => p.Kind == SqlProblemKind.Syntax);

    [Fact]
    public void A_parenthesized_subscript_starts_an_indirection_of_its_own()
    {
        Assert.Equal("(SUBSCRIPT (CAST x int ::) 1)", Show(Expr("((x)::int)[1]")));
        Assert.Equal("(SUBSCRIPT (ROW a b) 1)", Show(Expr("((a, b))[1]")));
        Assert.False(Assert.IsType<SubscriptExpr>(Expr("a[1][2]")).Nested);
        Assert.True(Assert.IsType<SubscriptExpr>(Expr("(a[1])[2]")).Nested);
        Assert.True(Assert.IsType<FieldExpr>(Expr("(a[1]).f")).Nested);
        Assert.False(Assert.IsType<FieldExpr>(Expr("(a).f")).Nested);
        Assert.False(Assert.IsType<FieldExpr>(Expr("a[1].f")).Nested);
    }

    [Fact]
    public void The_tree_keeps_how_a_row_and_a_typed_literal_are_written()
    {
        Assert.True(Assert.IsType<RowExpr>(Expr("ROW(1, 2)")).Explicit);
        Assert.False(Assert.IsType<RowExpr>(Expr("(1, 2)")).Explicit);
        Assert.True(Assert.IsType<CastExpr>(Expr("char 'c'")).TypedLiteral);
        Assert.False(Assert.IsType<CastExpr>(Expr("CAST('c' AS char)")).TypedLiteral);
        var national = Assert.IsType<CastExpr>(Expr("N'x'"));
        Assert.Equal(("nchar", true, "'x'"), (national.TypeName, national.TypedLiteral, Show(national.Operand)));
    }

    [Theory]
    [InlineData("trim(LEADING 'x' FROM s)", "trim(LEADING _ FROM _)")]
    [InlineData("trim(FROM s, t)", "trim(FROM _, _)")]
    [InlineData("trim(s)", "trim(_)")]
    [InlineData("substring(s FOR 2 FROM 1)", "substring(_ FOR _ FROM _)")]
    [InlineData("substring(s SIMILAR 'a' ESCAPE '!')", "substring(_ SIMILAR _ ESCAPE _)")]
    [InlineData("overlay(s PLACING 'x' FROM 2)", "overlay(_ PLACING _ FROM _)")]
    [InlineData("position('a' IN s)", "position(_ IN _)")]
    [InlineData("normalize(s, NFKC)", "normalize(_, NFKC)")]
    [InlineData("normalize(s)", "normalize(_)")]
    [InlineData("\"normalize\"(s, 'NFC')", null)]
    [InlineData("substring(s, 1)", null)]
    [InlineData("extract(year FROM d)", "EXTRACT")]
    [InlineData("d AT TIME ZONE 'UTC'", "AT TIME ZONE")]
    [InlineData("COLLATION FOR (s)", "COLLATION FOR")]
    [InlineData("CURRENT_TIMESTAMP(3)", "VALUE")]
    [InlineData("current_schema()", null)]
    public void A_call_keeps_the_keywords_it_is_written_with(string expression, string? syntax)
        => Assert.Equal(syntax, Assert.IsType<FunctionCall>(Expr(expression)).SqlSyntax);

    [Fact]
    public void A_window_keeps_its_frame()
    {
        var window = Assert.IsType<WindowCall>(Expr("sum(n) OVER (ORDER BY id ROWS BETWEEN @n PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES)"));
        Assert.Equal(("ROWS", "PRECEDING", "UNBOUNDED FOLLOWING", "TIES"), (window.Frame!.Mode, window.Frame.Start, window.Frame.End, window.Frame.Exclude));
        var groups = Assert.IsType<WindowCall>(Expr("count(*) OVER (GROUPS CURRENT ROW)")).Frame!;
        Assert.Equal(("GROUPS", "CURRENT ROW", null, null), (groups.Mode, groups.Start, groups.End, groups.Exclude));
        Assert.Null(Assert.IsType<WindowCall>(Expr("count(*) OVER (ORDER BY id)")).Frame);
    }

    [Fact]
    public void The_clauses_keep_how_they_are_written()
    {
        Assert.True(Select("SELECT * FROM a, b").Joins.Single().Comma);
        Assert.False(Select("SELECT * FROM a CROSS JOIN b").Joins.Single().Comma);
        Assert.Equal(new bool?[] { true, false, null }, Select("WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (SELECT 2), c AS (SELECT 3) SELECT 1").With.Select(c => c.Materialized));
        var function = Select("SELECT * FROM json_to_record(@j) AS x(a int, b numeric(10, 2))").From!;
        Assert.Equal(new[] { "int", "numeric(10,2)" }, function.ColumnTypes);
        Assert.Empty(Select("SELECT * FROM generate_series(1, 2) AS g(i)").From!.ColumnTypes);
        Assert.True(Select("SELECT * FROM ROWS FROM (generate_series(1, 2))").From!.RowsFrom);
        Assert.Equal(new[] { true, false, false }, Select("SELECT * FROM t ORDER BY a ASC, b, c DESC").OrderBy.Select(o => o.Ascending));
        Assert.True(Select("SELECT * FROM t LIMIT ALL").LimitAll);
        Assert.Contains(Problems("SELECT * FROM json_to_record(@j) AS x(a int, b)"), p => p.Kind == SqlProblemKind.Syntax);
    }
}
