using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>Set operations inside subqueries and CTEs, WITH inside a subquery, WITH RECURSIVE and data-modifying CTEs: shapes and spans.</summary>
public sealed class NestedQueryParserTests
{
    [Fact]
    public void A_union_all_in_FROM_is_a_select_holding_the_set_operation_with_its_branches_and_spans()
    {
        const string sql = "SELECT u.x FROM (SELECT tenant_id, a AS x FROM t UNION ALL SELECT tenant_id, b FROM v WHERE k = @k ORDER BY 2 LIMIT @n) u WHERE u.tenant_id = 1";
        var from = Select(sql).From!;
        Assert.Equal("u", from.Alias);
        var query = from.Query!;
        var set = query.SetOperation!;
        Assert.Equal("SELECT tenant_id, a AS x FROM t UNION ALL SELECT tenant_id, b FROM v WHERE k = @k ORDER BY 2 LIMIT @n", Text(sql, query.Span));
        Assert.Equal(query.Span, set.Span);
        Assert.Empty(query.Items);
        Assert.Null(query.From);
        Assert.Equal(["UNION ALL"], set.Operators);
        Assert.Equal(["UNION ALL"], set.OperatorSpans.Select(s => Text(sql, s)));
        Assert.Equal(["SELECT tenant_id, a AS x FROM t", "SELECT tenant_id, b FROM v WHERE k = @k"], set.Branches.Select(b => Text(sql, b.Span)));
        Assert.Equal("2", Show(Assert.Single(set.OrderBy).Expr));
        Assert.Equal("@n", Show(set.Limit!));
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE a IN (SELECT a FROM u UNION SELECT a FROM v)", "UNION")]
    [InlineData("SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u INTERSECT SELECT 1 FROM v)", "INTERSECT")]
    [InlineData("SELECT (SELECT a FROM u EXCEPT ALL SELECT a FROM v) FROM t", "EXCEPT ALL")]
    public void A_set_operation_in_an_expression_subquery_is_parsed(string sql, string op)
    {
        var subquery = SqlWalker.Descendants(Select(sql)).Select(SqlWalker.Subquery).Single(q => q is not null)!;
        Assert.Equal([op], subquery.SetOperation!.Operators);
        Assert.Equal(2, subquery.SetOperation.Branches.Count);
    }

    [Fact]
    public void A_parenthesized_branch_of_a_nested_set_operation_keeps_its_own_LIMIT()
    {
        const string sql = "SELECT * FROM ((SELECT a FROM u LIMIT 1) UNION (SELECT a FROM v) ORDER BY 1) s";
        var set = Select(sql).From!.Query!.SetOperation!;
        Assert.Equal(["(SELECT a FROM u LIMIT 1)", "(SELECT a FROM v)"], set.Branches.Select(b => Text(sql, b.Span)));
        Assert.Equal("1", Show(set.Branches[0].Limit!));
        Assert.Null(set.Branches[1].Limit);
        Assert.Equal("1", Show(Assert.Single(set.OrderBy).Expr));
    }

    [Fact]
    public void A_WITH_clause_before_a_set_operation_belongs_to_the_set_operation()
    {
        const string sql = "WITH w AS (SELECT a FROM t) SELECT a FROM w UNION SELECT a FROM u ORDER BY 1";
        var set = Parse<SetOperationStatement>(sql);
        Assert.Equal(new TextSpan(0, sql.Length), set.Span);
        Assert.Equal("w AS (SELECT a FROM t)", Text(sql, Assert.Single(set.With).Span));
        Assert.Equal(["SELECT a FROM w", "SELECT a FROM u"], set.Branches.Select(b => Text(sql, b.Span)));
        Assert.Single(set.OrderBy);
    }

    [Fact]
    public void A_WITH_clause_inside_a_subquery_is_the_subquerys()
    {
        const string sql = "SELECT * FROM t WHERE EXISTS (WITH w AS (SELECT 1 AS x FROM u) SELECT * FROM w WHERE w.x = t.a)";
        var exists = Assert.IsType<ExistsExpr>(Select(sql).Where);
        Assert.Equal("WITH w AS (SELECT 1 AS x FROM u) SELECT * FROM w WHERE w.x = t.a", Text(sql, exists.Query.Span));
        Assert.Equal("w", Assert.Single(exists.Query.With).Name);
        Assert.Equal("w", exists.Query.From!.Name);
    }

    [Fact]
    public void A_WITH_clause_inside_a_subquery_before_a_set_operation_is_the_set_operations()
    {
        const string sql = "SELECT * FROM (WITH w AS (SELECT a FROM t) SELECT a FROM w UNION ALL SELECT a FROM u) s";
        var query = Select(sql).From!.Query!;
        Assert.Equal("WITH w AS (SELECT a FROM t) SELECT a FROM w UNION ALL SELECT a FROM u", Text(sql, query.Span));
        Assert.Equal("w", Assert.Single(query.SetOperation!.With).Name);
        Assert.Equal(query.Span, query.SetOperation.Span);
    }

    [Fact]
    public void WITH_RECURSIVE_marks_each_common_table_expression_and_its_body_is_a_set_operation()
    {
        const string sql = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < @max), s AS (SELECT 2) SELECT n FROM r";
        var select = Select(sql);
        Assert.All(select.With, c => Assert.True(c.Recursive));
        var r = select.With[0];
        Assert.Equal("r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < @max)", Text(sql, r.Span));
        Assert.Equal(["n"], r.Columns);
        var set = r.Select!.SetOperation!;
        Assert.Equal(["SELECT 1", "SELECT n + 1 FROM r WHERE n < @max"], set.Branches.Select(b => Text(sql, b.Span)));
        Assert.False(Select("WITH r AS (SELECT 1) SELECT * FROM r").With[0].Recursive);
    }

    [Theory]
    [InlineData("WITH d AS (DELETE FROM t WHERE k = @k RETURNING *) SELECT * FROM d", typeof(DeleteStatement), "DELETE FROM t WHERE k = @k RETURNING *")]
    [InlineData("WITH u AS (UPDATE t SET a = 1 WHERE k = @k RETURNING a) SELECT * FROM u", typeof(UpdateStatement), "UPDATE t SET a = 1 WHERE k = @k RETURNING a")]
    [InlineData("WITH i AS (INSERT INTO t (k, a) VALUES (@k, 1) RETURNING a) SELECT * FROM i", typeof(InsertStatement), "INSERT INTO t (k, a) VALUES (@k, 1) RETURNING a")]
    [InlineData("WITH v(x) AS (VALUES (1), (2)) SELECT x FROM v", typeof(SelectStatement), "VALUES (1), (2)")]
    public void A_data_modifying_or_VALUES_body_of_a_CTE_is_its_statement(string sql, Type kind, string body)
    {
        var cte = Assert.Single(Select(sql).With);
        Assert.IsType(kind, cte.Query);
        Assert.Equal(body, Text(sql, cte.Query.Span));
        Assert.Equal(kind == typeof(SelectStatement), cte.Select is not null);
    }

    [Fact]
    public void A_data_modifying_CTE_may_precede_a_write()
    {
        const string sql = "WITH d AS (DELETE FROM t WHERE k = @k RETURNING a) INSERT INTO archive (a) SELECT a FROM d";
        var insert = Parse<InsertStatement>(sql);
        Assert.IsType<DeleteStatement>(Assert.Single(insert.With).Query);
    }

    [Theory]
    [InlineData("SELECT * FROM (SELECT a FROM u UNION SELECT a FROM v s", "Unbalanced parentheses")]
    [InlineData("SELECT * FROM (SELECT a FROM u UNION) s", "Expected SELECT")]
    [InlineData("WITH d AS (DELETE FROM t) SELECT 1 UNION", "Expected SELECT")]
    public void Broken_nested_set_operations_are_syntax_errors(string sql, string message)
    {
        var problem = Assert.Single(Problems(sql));
        Assert.Equal(SqlProblemKind.Syntax, problem.Kind);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }
}
