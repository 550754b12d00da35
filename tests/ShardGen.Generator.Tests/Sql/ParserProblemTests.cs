using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>Valid PostgreSQL that ShardGen does not plan, and invalid SQL: each reported on the span of the offending text.</summary>
public sealed class ParserProblemTests
{
    [Theory]
    [InlineData("INSERT INTO t (a) SELECT a FROM u EXCEPT SELECT a FROM v", "EXCEPT", "EXCEPT in INSERT")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SEARCH DEPTH FIRST BY n SET seq SELECT * FROM r", "SEARCH DEPTH FIRST BY n SET seq", "SEARCH and CYCLE")]
    [InlineData("WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n FROM r) CYCLE n SET c TO true DEFAULT false USING p SELECT * FROM r", "CYCLE n SET c TO true DEFAULT false USING p", "SEARCH and CYCLE")]
    [InlineData("WITH m AS (MERGE INTO t USING u ON true WHEN MATCHED THEN DELETE) SELECT 1", "MERGE INTO t USING u ON true WHEN MATCHED THEN DELETE", "MERGE in a common table expression")]
    [InlineData("SELECT (WITH c AS (SELECT 1) VALUES (2)) FROM t", "WITH c AS (SELECT 1) VALUES (2)", "WITH before VALUES")]
    [InlineData("SELECT * FROM t WHERE id IN (VALUES (1), (2))", "(VALUES (1), (2))", "VALUES lists")]
    [InlineData("SELECT * INTO archive FROM t", "INTO archive", "SELECT INTO")]
    [InlineData("SELECT 1; SELECT 2", "SELECT 2", "one statement")]
    [InlineData("SELECT 1;; DELETE FROM t; SELECT 3;", "DELETE FROM t; SELECT 3;", "one statement")]
    [InlineData("SELECT * FROM t WHERE id = $1", "$1", "@name")]
    [InlineData("SELECT * FROM t WHERE id = :id", ":id", "@id")]
    [InlineData("INSERT INTO t (a) WITH w AS (SELECT 1) SELECT a FROM w", "WITH w AS (SELECT 1) SELECT a FROM w", "INSERT ... WITH")]
    [InlineData("TRUNCATE t", "TRUNCATE", "TRUNCATE statements")]
    [InlineData("CREATE TABLE t (id int)", "CREATE", "CREATE statements")]
    public void Unsupported_constructs_are_reported_on_their_span(string sql, string spanText, string messagePart)
    {
        var problem = ProblemAt(sql, SqlProblemKind.Unsupported, spanText);
        Assert.Contains(messagePart, problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Several_unsupported_constructs_are_all_reported()
    {
        const string sql = "SELECT $1 INTO archive FROM t WHERE a = :b";
        var problems = Problems(sql);
        Assert.All(problems, p => Assert.Equal(SqlProblemKind.Unsupported, p.Kind));
        Assert.Equal(
            new[] { "$1", "INTO archive", ":b" },
            problems.Select(p => Text(sql, p.Span)));
    }

    [Theory]
    [InlineData("SELECT * FROM t WHERE", "", "Expected an expression after 'WHERE'")]
    [InlineData("SELECT * FROM t WHERE ORDER BY a", "ORDER", "Expected an expression after 'WHERE', found 'ORDER'")]
    [InlineData("SELECT DISTINCT FROM t", "FROM", "Expected an expression after 'DISTINCT', found 'FROM'")]
    [InlineData("SELECT * FROM t WHERE a = b[1", "", "Expected ']'")]
    [InlineData("SELECT f(a)[1] FROM t", "[", "in parentheses")]
    [InlineData("SELECT * FROM (t)", "(t)", "must be a join or a subquery")]
    [InlineData("SELECT * FROM t ORDER BY a FETCH FIRST 3 ROWS WITH TIES FOR UPDATE SKIP LOCKED", "FETCH FIRST 3 ROWS WITH TIES", "SKIP LOCKED and WITH TIES")]
    [InlineData("SELECT * FROM t FETCH FIRST 3 ROWS WITH TIES", "FETCH FIRST 3 ROWS WITH TIES", "needs an ORDER BY")]
    [InlineData("SELECT f(VARIADIC a, b)", "b", "VARIADIC goes on the last argument")]
    [InlineData("SELECT a IS", "", "Expected NULL, NOT NULL, DISTINCT FROM, TRUE, FALSE or UNKNOWN")]
    [InlineData("SELECT $x$unterminated", "$x$unterminated", "Unterminated dollar-quoted string")]
    [InlineData("SELECT a, FROM t", "FROM", "Expected an expression after ','")]
    [InlineData("SELECT * FROM", "", "Expected a table name after 'FROM'")]
    [InlineData("SELECT * FROM WHERE a = 1", "WHERE", "Expected a table name after 'FROM', found 'WHERE'")]
    [InlineData("SELECT * FROM t WHERE (a = 1", "(", "Unbalanced parentheses")]
    [InlineData("SELECT * FROM t WHERE a = 1)", ")", "Unexpected ')'")]
    [InlineData("SELECT * FROM t WHERE a = = 1", "=", "Expected an expression after '='")]
    [InlineData("SELECT * FROM t WHERE a = 1 b", "b", "Unexpected 'b'")]
    [InlineData("SELECT 'a' 'b'", "'b'", "Unexpected 'b' after 'a'")]
    [InlineData("SELECT * FROM t JOIN u WHERE a = 1", "WHERE", "Expected ON")]
    [InlineData("SELECT * FROM t ORDER a", "a", "Expected BY after 'ORDER'")]
    [InlineData("SELECT * FROM t WHERE a BETWEEN 1 OR 2", "OR", "Expected AND")]
    [InlineData("SELECT * FROM t WHERE a IN @ids", "@ids", "a = ANY(@ids)")]
    [InlineData("SELECT * FROM t WHERE a NOT IN @ids", "@ids", "NOT (a = ANY(@ids))")]
    [InlineData("SELECT * FROM t WHERE a = b = c", "=", "cannot be chained")]
    [InlineData("SELECT * FROM t WHERE a < b > c", ">", "cannot be chained")]
    [InlineData("SELECT CASE WHEN a THEN b FROM t", "FROM", "Expected END")]
    [InlineData("SELECT CASE END", "END", "Expected WHEN after 'CASE'")]
    [InlineData("SELECT CAST(a numeric)", "numeric", "Expected AS")]
    [InlineData("SELECT a::", "", "Expected a type name after '::'")]
    [InlineData("SELECT * FROM t LIMIT 1, 2", "LIMIT 1, 2", "LIMIT #,#")]
    [InlineData("SELECT * FROM t LIMIT 1 LIMIT 2", "LIMIT", "LIMIT is written twice")]
    [InlineData("INSERT INTO t (a, b) VALUES (1)", "(1)", "more target columns")]
    [InlineData("INSERT INTO t (a) VALUES (1, 2)", "(1, 2)", "more expressions")]
    [InlineData("INSERT INTO t VALUES (1, 2), (3)", "(3)", "same length")]
    [InlineData("INSERT INTO t (a) VALUES (1) ON CONFLICT DO UPDATE SET a = 2", "ON CONFLICT DO UPDATE SET a = 2", "conflict columns")]
    [InlineData("INSERT t VALUES (1)", "t", "Expected INTO")]
    [InlineData("UPDATE t WHERE a = 1", "WHERE", "Expected SET")]
    [InlineData("DELETE t", "t", "Expected FROM")]
    [InlineData("SELEC * FROM t", "SELEC", "Expected SELECT, INSERT, UPDATE or DELETE")]
    [InlineData("   ", "   ", "empty")]
    [InlineData("", "", "empty")]
    [InlineData("-- only a comment", "-- only a comment", "empty")]
    [InlineData("SELECT 'unterminated", "'unterminated", "Unterminated string")]
    public void Syntax_errors_name_what_was_expected(string sql, string spanText, string messagePart)
    {
        var problem = Assert.Single(Problems(sql), p => p.Kind == SqlProblemKind.Syntax);
        Assert.Equal(spanText, Text(sql, problem.Span));
        Assert.Contains(messagePart, problem.Message);
    }

    [Fact]
    public void A_missing_token_at_the_end_is_reported_just_after_the_last_token()
    {
        const string sql = "SELECT * FROM t WHERE   -- nothing follows";
        var problem = Assert.Single(Problems(sql));
        Assert.Equal(new TextSpan(sql.IndexOf("WHERE", StringComparison.Ordinal) + 5, 0), problem.Span);
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_reported_not_thrown()
    {
        var sql = "SELECT " + new string('(', 5000) + "1" + new string(')', 5000);
        var problem = Assert.Single(Problems(sql));
        Assert.Contains("200", problem.Message);
        Assert.Equal(SqlProblemKind.Unsupported, problem.Kind);

        var nots = "SELECT * FROM t WHERE " + string.Concat(Enumerable.Repeat("NOT ", 5000)) + "a";
        Assert.Contains("200", Assert.Single(Problems(nots)).Message);

        var minus = "SELECT " + string.Concat(Enumerable.Repeat("- ", 5000)) + "1";
        Assert.Contains("200", Assert.Single(Problems(minus)).Message);

        var cases = "SELECT " + string.Concat(Enumerable.Repeat("CASE WHEN a THEN ", 1000)) + "1";
        Assert.Contains("200", Assert.Single(Problems(cases)).Message);

        var calls = "SELECT " + string.Concat(Enumerable.Repeat("f(", 1000)) + "1";
        Assert.Contains("200", Assert.Single(Problems(calls)).Message);

        foreach (var deep in new[]
        {
            "SELECT * FROM " + new string('(', 5000) + "a JOIN b ON true" + new string(')', 5000),
            "SELECT * FROM " + string.Concat(Enumerable.Repeat("a JOIN ", 5000)) + "b" + string.Concat(Enumerable.Repeat(" ON true", 5000)),
            "SELECT ARRAY" + new string('[', 5000) + "1" + new string(']', 5000),
            "SELECT 1 FROM t GROUP BY " + string.Concat(Enumerable.Repeat("GROUPING SETS (", 5000)) + "a" + new string(')', 5000),
            new string('(', 5000) + "SELECT 1" + new string(')', 5000),
            "SELECT * FROM " + new string('(', 5000) + "SELECT 1" + new string(')', 5000) + " s",
            "SELECT " + string.Concat(Enumerable.Repeat("(SELECT ", 5000)) + "1" + new string(')', 5000),
            "SELECT 1 WHERE x IN " + new string('(', 50000) + "SELECT 1" + new string(')', 50000),
            "SELECT 1 WHERE x = ANY " + new string('(', 50000) + "SELECT 1" + new string(')', 50000),
            "SELECT 1 WHERE " + string.Concat(Enumerable.Repeat("x = ALL (SELECT 1 WHERE ", 5000)) + "true" + new string(')', 5000),
            "SELECT " + string.Concat(Enumerable.Repeat("xmlelement(name e, ", 5000)) + "1" + new string(')', 5000),
            "SELECT * FROM " + string.Concat(Enumerable.Repeat("xmltable('/a' PASSING (SELECT 1 FROM ", 5000)) + "t" + string.Concat(Enumerable.Repeat(") COLUMNS a text)", 5000)),
            "UPDATE t SET a" + string.Concat(Enumerable.Repeat("[b", 5000)) + new string(']', 5000) + " = 1",
        })
        {
            Assert.Contains("200", Assert.Single(Problems(deep)).Message);
        }
    }

    [Fact]
    public void Endless_operator_chains_are_reported_not_thrown()
    {
        var sql = "SELECT " + string.Join(" + ", Enumerable.Range(0, 5000));
        var problem = Assert.Single(Problems(sql));
        Assert.Contains("1000", problem.Message);
    }

    [Fact]
    public void A_detached_at_sign_hints_at_parameter_syntax()
    {
        const string sql = "SELECT * FROM t WHERE id = @ id";
        Assert.Contains("@name", ProblemAt(sql, SqlProblemKind.Unsupported, "@").Message);
    }

    [Fact]
    public void An_at_sign_on_a_qualified_column_is_the_absolute_value_and_no_problem()
    {
        const string sql = "SELECT f.f1, @f.f1 AS abs_f1 FROM float4_tbl f";
        var result = SqlParser.Parse(sql);
        Assert.Empty(result.Problems);
        var select = Assert.IsType<SelectStatement>(result.Statement);
        var abs = Assert.IsType<UnaryExpr>(select.Items[1].Expr);
        Assert.Equal("@", abs.Operator);
        Assert.Equal("f.f1", Text(sql, abs.Operand.Span));
    }

    [Fact]
    public void Problems_are_ordered_by_position()
    {
        const string sql = "SELECT $2, x INTO archive FROM t WHERE a = $1";
        var problems = Problems(sql);
        Assert.Equal(new[] { "$2", "INTO archive", "$1" }, problems.Select(p => Text(sql, p.Span)));
    }

    [Fact]
    public void A_missing_alias_after_AS()
    {
        const string sql = "SELECT a AS , b FROM t";
        var problem = Assert.Single(Problems(sql));
        Assert.Equal("Expected an alias after 'AS', found ','", problem.Message);
        Assert.Equal(",", Text(sql, problem.Span));
    }
}
