using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

public sealed class SelectParserTests
{
    private const string IssueExample =
        "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id " +
        "WHERE o.tenant_id = @tenantId AND o.status = @status ORDER BY o.created_at DESC LIMIT 20";

    [Fact]
    public void The_issue_example_parses_with_every_clause_and_span()
    {
        const string sql = IssueExample;
        var select = Select(sql);

        Assert.Equal(new TextSpan(0, sql.Length), select.Span);
        Assert.False(select.Distinct);
        Assert.Equal(new[] { "o.id", "o.total", "c.name" }, select.Items.Select(i => Show(i.Expr)));
        Assert.Equal("o.id, o.total, c.name", Text(sql, select.SelectListSpan));

        var from = select.From!;
        Assert.Equal(("orders", "o"), (from.Name, from.Alias));
        Assert.Null(from.Schema);
        Assert.Equal("orders o", Text(sql, from.Span));
        Assert.Equal("orders", Text(sql, from.NameSpan));

        var join = Assert.Single(select.Joins);
        Assert.Equal(JoinKind.Inner, join.Kind);
        Assert.Equal(("customers", "c"), (join.Table.Name, join.Table.Alias));
        Assert.Equal("JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id", Text(sql, join.Span));
        Assert.Equal("(AND (= c.tenant_id o.tenant_id) (= c.id o.customer_id))", Show(join.On!));
        Assert.Equal(
            "FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id",
            Text(sql, select.FromSpan));

        Assert.Equal("(AND (= o.tenant_id @tenantId) (= o.status @status))", Show(select.Where!));
        Assert.Equal("WHERE o.tenant_id = @tenantId AND o.status = @status", Text(sql, select.WhereSpan));
        Assert.Equal("o.tenant_id = @tenantId AND o.status = @status", Text(sql, select.Where!.Span));

        var order = Assert.Single(select.OrderBy);
        Assert.Equal("o.created_at DESC", Text(sql, order.Span));
        Assert.True(order.Descending);
        Assert.Null(order.NullsFirst);
        Assert.Equal("ORDER BY o.created_at DESC", Text(sql, select.OrderBySpan));

        Assert.Equal("20", Show(select.Limit!));
        Assert.Equal("LIMIT 20", Text(sql, select.LimitSpan));
        Assert.Null(select.Offset);
        Assert.Null(select.OffsetSpan);
        Assert.Null(select.GroupBySpan);
        Assert.Null(select.HavingSpan);

        Assert.Equal(new[] { "@tenantId", "@status" }, SqlWalker.Parameters(select).Select(p => Text(sql, p.Span)));
    }

    [Fact]
    public void Parsing_is_deterministic_and_results_compare_by_value()
    {
        var first = SqlParser.Parse(IssueExample);
        var second = SqlParser.Parse(IssueExample);
        Assert.NotSame(first, second);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, SqlParser.Parse(IssueExample.Replace("LIMIT 20", "LIMIT 21")));
    }

    [Fact]
    public void A_trailing_semicolon_is_allowed_and_outside_the_statement_span()
    {
        const string sql = "SELECT 1 ;  ";
        Assert.Equal("SELECT 1", Text(sql, Select(sql).Span));
    }

    [Fact]
    public void Select_without_from()
    {
        var select = Select("SELECT 1, 'a', now()");
        Assert.Null(select.From);
        Assert.Null(select.FromSpan);
        Assert.Empty(select.Joins);
        Assert.Equal(new[] { "1", "'a'", "now()" }, select.Items.Select(i => Show(i.Expr)));
    }

    [Fact]
    public void Stars_and_aliases()
    {
        const string sql = "SELECT *, o.*, total AS \"Total\", amount a, count(*) AS n FROM orders AS o";
        var select = Select(sql);
        Assert.Equal(new[] { "*", "o.*", "total", "amount", "count(*)" }, select.Items.Select(i => Show(i.Expr)));
        Assert.Equal(new string?[] { null, null, "Total", "a", "n" }, select.Items.Select(i => i.Alias));
        Assert.Equal(new[] { "*", "o.*", "total AS \"Total\"", "amount a", "count(*) AS n" }, select.Items.Select(i => Text(sql, i.Span)));
        Assert.Equal("o.*", Text(sql, select.Items[1].Expr.Span));
        Assert.Equal("orders AS o", Text(sql, select.From!.Span));
        Assert.Equal("o", select.From.Alias);
    }

    [Fact]
    public void After_AS_a_keyword_is_a_label()
    {
        var select = Select("SELECT a AS from, b AS select");
        Assert.Equal(new string?[] { "from", "select" }, select.Items.Select(i => i.Alias));
    }

    [Fact]
    public void Identifiers_fold_like_PostgreSQL()
    {
        const string sql = "SELECT O.Total, \"O\".\"Total\", \"MixedCase\" FROM Sales.Orders O, \"Sales\".\"Orders\" \"O\"";
        var select = Select(sql);
        var columns = select.Items.Select(i => (ColumnRef)i.Expr).Select(c => (c.Qualifier, c.Name)).ToList();
        Assert.Equal(new (string?, string)[] { ("o", "total"), ("O", "Total"), (null, "MixedCase") }, columns);
        Assert.Equal(("sales", "orders", "o"), (select.From!.Schema, select.From.Name, select.From.Alias));
        var second = Assert.Single(select.Joins).Table;
        Assert.Equal(("Sales", "Orders", "O"), (second.Schema, second.Name, second.Alias));
        Assert.Equal("\"Sales\".\"Orders\"", Text(sql, second.NameSpan));
        Assert.Equal("Sales.Orders", Text(sql, select.From.NameSpan));
    }

    [Theory]
    [InlineData("JOIN", nameof(JoinKind.Inner))]
    [InlineData("INNER JOIN", nameof(JoinKind.Inner))]
    [InlineData("LEFT JOIN", nameof(JoinKind.Left))]
    [InlineData("LEFT OUTER JOIN", nameof(JoinKind.Left))]
    [InlineData("RIGHT JOIN", nameof(JoinKind.Right))]
    [InlineData("right outer join", nameof(JoinKind.Right))]
    [InlineData("FULL JOIN", nameof(JoinKind.Full))]
    [InlineData("FULL OUTER JOIN", nameof(JoinKind.Full))]
    public void Join_kinds(string keywords, string kindName)
    {
        var kind = Enum.Parse<JoinKind>(kindName);
        var sql = $"SELECT * FROM a {keywords} b ON a.id = b.id";
        var join = Assert.Single(Select(sql).Joins);
        Assert.Equal(kind, join.Kind);
        Assert.Equal($"{keywords} b ON a.id = b.id", Text(sql, join.Span));
        Assert.Equal("b", Text(sql, join.Table.Span));
    }

    [Fact]
    public void Cross_and_comma_joins_have_no_condition()
    {
        const string sql = "SELECT * FROM a CROSS JOIN b AS bb, c cc LEFT JOIN d ON d.x = cc.x";
        var select = Select(sql);
        Assert.Equal(new[] { JoinKind.Cross, JoinKind.Cross, JoinKind.Left }, select.Joins.Select(j => j.Kind));
        Assert.Null(select.Joins[0].On);
        Assert.Null(select.Joins[1].On);
        Assert.Equal("CROSS JOIN b AS bb", Text(sql, select.Joins[0].Span));
        Assert.Equal("c cc", Text(sql, select.Joins[1].Span));
        Assert.Equal("FROM a CROSS JOIN b AS bb, c cc LEFT JOIN d ON d.x = cc.x", Text(sql, select.FromSpan));
    }

    [Fact]
    public void Group_by_having_and_output_positions()
    {
        const string sql = "SELECT status, count(*) FROM orders GROUP BY status, 2, lower(x) HAVING count(*) > @min ORDER BY 2";
        var select = Select(sql);
        Assert.Equal(new[] { "status", "2", "lower(x)" }, select.GroupBy.Select(Show));
        Assert.Equal(LiteralKind.Integer, ((Literal)select.GroupBy[1]).Kind);
        Assert.Equal("GROUP BY status, 2, lower(x)", Text(sql, select.GroupBySpan));
        Assert.Equal("(> count(*) @min)", Show(select.Having!));
        Assert.Equal("HAVING count(*) > @min", Text(sql, select.HavingSpan));
        Assert.Equal("ORDER BY 2", Text(sql, select.OrderBySpan));
    }

    [Fact]
    public void Order_by_directions_and_nulls()
    {
        const string sql = "SELECT * FROM t ORDER BY a, b ASC, c DESC NULLS LAST, d NULLS FIRST";
        var items = Select(sql).OrderBy;
        Assert.Equal(new[] { false, false, true, false }, items.Select(i => i.Descending));
        Assert.Equal(new bool?[] { null, null, false, true }, items.Select(i => i.NullsFirst));
        Assert.Equal(new[] { "a", "b ASC", "c DESC NULLS LAST", "d NULLS FIRST" }, items.Select(i => Text(sql, i.Span)));
    }

    [Theory]
    [InlineData("SELECT * FROM t LIMIT @take OFFSET @skip", "LIMIT @take", "OFFSET @skip")]
    [InlineData("SELECT * FROM t OFFSET 10 ROWS LIMIT 5", "LIMIT 5", "OFFSET 10 ROWS")]
    [InlineData("SELECT * FROM t ORDER BY a OFFSET @skip", null, "OFFSET @skip")]
    public void Limit_and_offset_in_either_order(string sql, string? limit, string? offset)
    {
        var select = Select(sql);
        Assert.Equal(limit, select.LimitSpan is { } l ? Text(sql, l) : null);
        Assert.Equal(offset, select.OffsetSpan is { } o ? Text(sql, o) : null);
        Assert.Equal(limit is null, select.Limit is null);
    }

    [Fact]
    public void Distinct()
    {
        var select = Select("SELECT DISTINCT a, b FROM t");
        Assert.True(select.Distinct);
        Assert.False(Select("SELECT ALL a FROM t").Distinct);
    }

    [Fact]
    public void Comments_and_newlines_do_not_move_spans()
    {
        const string sql = "SELECT a -- the id\n  , /* total */ b\nFROM t\n WHERE a = @a; -- done";
        var select = Select(sql);
        Assert.Equal("a -- the id\n  , /* total */ b", Text(sql, select.SelectListSpan));
        Assert.Equal("WHERE a = @a", Text(sql, select.WhereSpan));
        Assert.Equal("@a", Text(sql, SqlWalker.Parameters(select).Single().Span));
    }

    [Fact]
    public void Keywords_are_case_insensitive()
    {
        var select = Select("select A from T where B is not null order by A desc limit 1");
        Assert.Equal("(IS NOT NULL b)", Show(select.Where!));
        Assert.True(select.OrderBy[0].Descending);
    }

    [Fact]
    public void Unreserved_keywords_work_as_names()
    {
        var select = Select("SELECT name, value, type, key, year FROM data d WHERE status = 1");
        Assert.Equal(new[] { "name", "value", "type", "key", "year" }, select.Items.Select(i => Show(i.Expr)));
        Assert.Equal("data", select.From!.Name);
    }

    [Fact]
    public void Realistic_report_query()
    {
        const string sql = """
            SELECT c.id,
                   c.name AS customer,
                   count(DISTINCT o.id) AS orders,
                   coalesce(sum(o.total), 0)::numeric(12,2) AS revenue,
                   CASE WHEN max(o.created_at) >= now() - interval '30 days' THEN 'active' ELSE 'dormant' END AS state
            FROM customers c
            LEFT JOIN orders o ON o.tenant_id = c.tenant_id AND o.customer_id = c.id AND o.status <> 'cancelled'
            WHERE c.tenant_id = @tenantId
              AND (c.region IN ('eu', 'us') OR c.region IS NULL)
              AND c.created_at BETWEEN @from AND @to
            GROUP BY c.id, c.name
            HAVING count(o.id) > 0
            ORDER BY revenue DESC NULLS LAST, c.name
            LIMIT @take OFFSET @skip;
            """;
        var select = Select(sql);
        Assert.Equal(5, select.Items.Count);
        Assert.Equal("count(DISTINCT o.id)", Show(select.Items[2].Expr));
        Assert.Equal("(CAST coalesce(sum(o.total) 0) numeric(12,2) ::)", Show(select.Items[3].Expr));
        Assert.Equal(
            "(CASE (WHEN (>= max(o.created_at) (- now() (CAST '30 days' interval))) 'active') (ELSE 'dormant'))",
            Show(select.Items[4].Expr));
        Assert.Equal(
            "(AND (AND (= c.tenant_id @tenantId) (OR (IN c.region ['eu' 'us']) (IS NULL c.region))) (BETWEEN c.created_at @from @to))",
            Show(select.Where!));
        Assert.Equal(
            new[] { "tenantId", "from", "to", "take", "skip" },
            SqlWalker.Parameters(select).Select(p => p.Name));
        Assert.EndsWith("LIMIT @take", Text(sql, select.LimitSpan));
        Assert.Equal("OFFSET @skip", Text(sql, select.OffsetSpan));
        Assert.DoesNotContain(";", Text(sql, select.Span));
    }

    [Fact]
    public void A_with_clause_is_parsed_into_common_table_expressions_and_the_statement_starts_at_with()
    {
        const string sql = "WITH active AS NOT MATERIALIZED (SELECT id, name FROM campaigns WHERE company_id = @c), b AS (SELECT 1 AS x FROM t) SELECT id FROM active";
        var select = Select(sql);

        Assert.Equal(new TextSpan(0, sql.Length), select.Span);
        Assert.Equal(new[] { "active", "b" }, select.With.Select(c => c.Name));
        Assert.Equal("active AS NOT MATERIALIZED (SELECT id, name FROM campaigns WHERE company_id = @c)", Text(sql, select.With[0].Span));
        Assert.Equal("active", Text(sql, select.With[0].NameSpan));
        Assert.Equal("SELECT id, name FROM campaigns WHERE company_id = @c", Text(sql, select.With[0].Query.Span));
        Assert.Equal("(= company_id @c)", Show(select.With[0].Select!.Where!));
        Assert.Equal("active", select.From!.Name);
        Assert.Equal("SELECT id FROM active", Text(sql, TextSpan.FromBounds(select.SelectListSpan.Start - 7, select.FromSpan!.Value.End)));
    }

    [Theory]
    [InlineData("id IN (SELECT c.id FROM c WHERE c.x = 1)", "(IN id [c.id FROM c WHERE (= c.x 1)])")]
    [InlineData("id NOT IN (SELECT id FROM c)", "(NOT IN id [id FROM c])")]
    [InlineData("EXISTS (SELECT 1 FROM c WHERE c.id = t.id)", "(EXISTS [1 FROM c WHERE (= c.id t.id)])")]
    [InlineData("NOT EXISTS (SELECT 1 FROM c)", "(NOT (EXISTS [1 FROM c]))")]
    [InlineData("x > (SELECT max(y) FROM c) AND z = 1", "(AND (> x (SUBQUERY [max(y) FROM c])) (= z 1))")]
    public void Subqueries_in_expressions_are_parsed_with_their_own_select(string condition, string shape)
    {
        Assert.Equal(shape, Show(Where(condition)));
    }

    [Fact]
    public void A_subquery_span_covers_its_parentheses_and_its_select_spans_are_in_the_whole_text()
    {
        const string sql = "SELECT (SELECT count(*) FROM c WHERE c.k = t.k) AS n FROM t";
        var subquery = Assert.IsType<SubqueryExpr>(Select(sql).Items[0].Expr);
        Assert.Equal("(SELECT count(*) FROM c WHERE c.k = t.k)", Text(sql, subquery.Span));
        Assert.Equal("WHERE c.k = t.k", Text(sql, subquery.Query.WhereSpan));
        Assert.Empty(SqlWalker.Children(subquery));
    }

    [Theory]
    [InlineData("row_number() OVER ()", "(OVER row_number() [] [])")]
    [InlineData("rank() OVER (PARTITION BY t.k, b ORDER BY c DESC, d)", "(OVER rank() [t.k b] [c DESC d])")]
    [InlineData("sum(x) OVER (PARTITION BY k ORDER BY d ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)", "(OVER sum(x) [k] [d])")]
    [InlineData("count(*) OVER (ORDER BY d RANGE UNBOUNDED PRECEDING) + 1", "(+ (OVER count(*) [] [d]) 1)")]
    public void Window_functions_are_parsed_with_their_partition_and_order(string expression, string shape)
    {
        Assert.Equal(shape, Show(Expr(expression)));
    }

    [Fact]
    public void A_window_call_span_covers_the_call_and_its_window_and_an_aggregate_inside_is_not_a_child()
    {
        const string sql = "SELECT sum(total) OVER (PARTITION BY tenant_id ROWS 3 PRECEDING) AS s FROM t";
        var window = Assert.IsType<WindowCall>(Select(sql).Items[0].Expr);
        Assert.Equal("sum(total) OVER (PARTITION BY tenant_id ROWS 3 PRECEDING)", Text(sql, window.Span));
        Assert.Equal(["total", "tenant_id", "3"], SqlWalker.Children(window).Select(Show));
    }

    [Fact]
    public void A_subquery_in_FROM_is_a_table_reference_with_its_query_and_alias()
    {
        const string sql = "SELECT x.n FROM (SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id) AS x JOIN t ON t.k = x.tenant_id";
        var select = Select(sql);
        var from = select.From!;
        Assert.Equal(("x", "x"), (from.Name, from.Alias));
        Assert.Equal("(SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id)", Text(sql, from.NameSpan));
        Assert.Equal("(SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id) AS x", Text(sql, from.Span));
        Assert.Equal("orders", from.Query!.From!.Name);
        Assert.Null(select.Joins[0].Table.Query);
    }

    [Fact]
    public void A_subquery_in_FROM_without_an_alias_is_named_as_PostgreSQL_names_it()
    {
        const string sql = "SELECT * FROM (SELECT 1)";
        var from = Select(sql).From!;
        Assert.Equal(("unnamed_subquery", null), (from.Name, from.Alias));
        Assert.Equal("(SELECT 1)", Text(sql, from.Span));
    }

    [Fact]
    public void FILTER_is_part_of_the_aggregate_call_and_its_span()
    {
        const string sql = "SELECT count(*) FILTER (WHERE status = @s) AS n FROM t";
        var call = Assert.IsType<FunctionCall>(Select(sql).Items[0].Expr);
        Assert.Equal("count(*) FILTER (WHERE status = @s)", Text(sql, call.Span));
        Assert.Equal("(= status @s)", Show(call.Filter!));
        Assert.Equal(["(= status @s)"], SqlWalker.Children(call).Select(Show));
    }

    [Fact]
    public void DISTINCT_ON_keeps_its_expressions_and_span_and_is_not_plain_DISTINCT()
    {
        const string sql = "SELECT DISTINCT ON (t.k, 2) k, b FROM t ORDER BY t.k, 2, c DESC";
        var select = Select(sql);
        Assert.False(select.Distinct);
        Assert.Equal(["t.k", "2"], select.DistinctOn.Select(Show));
        Assert.Equal("DISTINCT ON (t.k, 2)", Text(sql, select.DistinctOnSpan));
        Assert.Equal("k, b", Text(sql, select.SelectListSpan));
    }

    [Fact]
    public void A_set_operation_has_its_branches_operators_and_the_last_branchs_ORDER_BY_and_LIMIT()
    {
        const string sql = "SELECT a FROM t WHERE k = @k UNION ALL SELECT b FROM u EXCEPT SELECT c FROM v ORDER BY 1 DESC LIMIT @n";
        var set = Parse<SetOperationStatement>(sql);
        Assert.Equal(new TextSpan(0, sql.Length), set.Span);
        Assert.Equal(["UNION ALL", "EXCEPT"], set.Operators);
        Assert.Equal(["SELECT a FROM t WHERE k = @k", "SELECT b FROM u", "SELECT c FROM v"], set.Branches.Select(b => Text(sql, b.Span)));
        Assert.All(set.Branches, b => Assert.Empty(b.OrderBy));
        Assert.Equal("1", Show(Assert.Single(set.OrderBy).Expr));
        Assert.Equal("@n", Show(set.Limit!));
        Assert.Equal(["UNION ALL", "EXCEPT"], set.OperatorSpans.Select(s => Text(sql, s)));
    }

    [Fact]
    public void ORDER_BY_before_the_last_branch_of_a_set_operation_is_a_syntax_error()
    {
        var problem = ProblemAt("SELECT a FROM t ORDER BY a UNION SELECT b FROM u", SqlProblemKind.Syntax, "ORDER BY a");
        Assert.Contains("after its last branch", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void XMLTABLE_is_a_function_in_FROM_with_the_columns_of_COLUMNS()
    {
        const string sql = "SELECT x.id FROM m, XMLTABLE(XMLNAMESPACES('u' AS n, DEFAULT @d), '/r' PASSING BY REF m.doc COLUMNS id int PATH '@id' NOT NULL, name text DEFAULT @name NULL, n FOR ORDINALITY) AS x(ident)";
        var table = Select(sql).Joins[0].Table;
        Assert.Equal(("xmltable", "x"), (table.Name, table.Alias));
        Assert.Equal(["ident", "name", "n"], table.ColumnAliases);
        var call = Assert.IsType<FunctionCall>(Assert.Single(table.Functions));
        Assert.Equal(["'u'", "@d", "'/r'", "m.doc", "'@id'", "@name"], call.Arguments.Select(Show));
        Assert.Equal(sql.Substring(sql.IndexOf("XMLTABLE", StringComparison.Ordinal), sql.IndexOf(" AS x(", StringComparison.Ordinal) - sql.IndexOf("XMLTABLE", StringComparison.Ordinal)), Text(sql, table.NameSpan));
        Assert.Equal("XMLTABLE(", Text(sql, table.Span)[..9]);
        Assert.EndsWith("AS x(ident)", Text(sql, table.Span), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SELECT * FROM xmltable('/r' PASSING '<r/>'::xml COLUMNS a text)", "::")]
    [InlineData("SELECT * FROM xmltable('/r' PASSING d)", ")")]
    [InlineData("SELECT * FROM xmltable('/r' PASSING d COLUMNS a text PATH)", ")")]
    [InlineData("SELECT * FROM xmltable('/r' COLUMNS a text)", "COLUMNS")]
    public void XMLTABLE_outside_PostgreSQLs_grammar_is_a_syntax_error(string sql, string at)
        => ProblemAt(sql, SqlProblemKind.Syntax, at);

    [Fact]
    public void TABLESAMPLE_is_the_tables_sample_with_its_arguments_and_seed()
    {
        const string sql = "SELECT m.id FROM ONLY messages AS m TABLESAMPLE bernoulli (@p * 2) REPEATABLE (@seed) JOIN r TABLESAMPLE s.rows (5, 6) ON true";
        var select = Select(sql);
        var sample = select.From!.Sample!;
        Assert.Equal(("bernoulli", "TABLESAMPLE bernoulli (@p * 2) REPEATABLE (@seed)"), (sample.Method, Text(sql, sample.Span)));
        Assert.Equal(("(* @p 2)", "@seed"), (Show(Assert.Single(sample.Arguments)), Show(sample.Repeatable!)));
        Assert.Equal(("messages", "m", true), (select.From.Name, select.From.Alias, select.From.Only));
        var other = select.Joins[0].Table.Sample!;
        Assert.Equal(("s.rows", null), (other.Method, other.Repeatable));
        Assert.Equal(["5", "6"], other.Arguments.Select(Show));
        Assert.Equal(["(* @p 2)", "@seed", "5", "6", "true"], SqlWalker.FromExpressions(select.From, select.Joins).Select(Show));
    }

    [Theory]
    [InlineData("SELECT * FROM t TABLESAMPLE (10)", "(")]
    [InlineData("SELECT * FROM t TABLESAMPLE system ()", ")")]
    [InlineData("SELECT * FROM t TABLESAMPLE system (1) REPEATABLE 3", "3")]
    public void TABLESAMPLE_outside_PostgreSQLs_grammar_is_a_syntax_error(string sql, string at)
        => ProblemAt(sql, SqlProblemKind.Syntax, at);

    [Fact]
    public void TABLE_t_is_SELECT_star_FROM_t_as_a_statement_and_a_branch()
    {
        const string sql = "TABLE ONLY s.messages ORDER BY 1 LIMIT @n";
        var table = Parse<SelectStatement>(sql);
        Assert.True(table.TableForm);
        Assert.Equal(("s", "messages", true, "messages"), (table.From!.Schema, table.From.Name, table.From.Only, table.From.Alias));
        Assert.Equal("ONLY s.messages", Text(sql, table.FromSpan));
        var star = Assert.IsType<StarExpr>(Assert.Single(table.Items).Expr);
        Assert.Null(star.Qualifier);
        Assert.Equal(("1", "@n"), (Show(Assert.Single(table.OrderBy).Expr), Show(table.Limit!)));
        Assert.Equal(sql, Text(sql, table.Span));

        const string set = "SELECT a FROM t UNION ALL TABLE u EXCEPT (TABLE v) ORDER BY 1";
        var operation = Parse<SetOperationStatement>(set);
        Assert.Equal(["SELECT a FROM t", "TABLE u", "(TABLE v)"], operation.Branches.Select(b => Text(set, b.Span)));
        Assert.Equal([false, true, true], operation.Branches.Select(b => b.TableForm));
        Assert.Single(operation.OrderBy);

        const string subqueries = "SELECT * FROM (TABLE t) AS x WHERE a IN (TABLE u)";
        var select = Select(subqueries);
        Assert.True(select.From!.Query!.TableForm);
        Assert.Equal("(TABLE t)", Text(subqueries, select.From.NameSpan));
        Assert.Equal("u", Assert.IsType<InSubqueryExpr>(select.Where).Query.From!.Name);
    }

    [Theory]
    [InlineData("TABLE t AS x", "t AS x")]
    [InlineData("TABLE t WHERE a", "WHERE")]
    public void TABLE_t_outside_PostgreSQLs_grammar_is_a_syntax_error(string sql, string at)
        => ProblemAt(sql, SqlProblemKind.Syntax, at);

    [Fact]
    public void Parenthesized_queries_in_an_expression_are_subqueries_and_parenthesized_expressions_are_not()
    {
        const string sql = "SELECT ((SELECT 1)), ((SELECT 1) + 1)";
        var items = Select(sql).Items;
        Assert.Equal("((SELECT 1))", Text(sql, Assert.IsType<SubqueryExpr>(items[0].Expr).Span));
        Assert.Equal("(+ (SUBQUERY [1 FROM ]) 1)", Show(items[1].Expr));
    }
}
