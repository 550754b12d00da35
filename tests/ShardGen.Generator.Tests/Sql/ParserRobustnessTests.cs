using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>The parser never throws: every input, however broken, gives a statement or problems.</summary>
public sealed class ParserRobustnessTests
{
    public static readonly string[] ValidQueries =
    {
        "SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @tenantId AND o.status = @status ORDER BY o.created_at DESC LIMIT 20",
        "SELECT * FROM orders WHERE tenant_id = @tenantId",
        "SELECT count(*) FROM orders WHERE tenant_id = @t AND created_at >= @since",
        "SELECT DISTINCT status FROM orders o WHERE o.tenant_id = @t ORDER BY status",
        "SELECT status, count(*) AS n, sum(total) FROM orders GROUP BY status HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST",
        "SELECT id FROM orders WHERE id = ANY(@ids) AND tenant_id = @t",
        "SELECT id FROM orders WHERE status IN ('new', 'paid') AND total BETWEEN @lo AND @hi",
        "SELECT CASE WHEN total > 100 THEN 'big' WHEN total > 10 THEN 'mid' ELSE 'small' END AS size FROM orders",
        "SELECT CAST(total AS numeric(10,2)), total::text, date '2020-01-01' FROM orders",
        "SELECT a.id FROM a LEFT OUTER JOIN b ON b.a_id = a.id RIGHT JOIN c ON c.id = b.c_id FULL JOIN d ON d.id = c.id CROSS JOIN e",
        "SELECT * FROM t1, t2 WHERE t1.id = t2.id",
        "SELECT name FROM customers WHERE name ILIKE @pattern OR email NOT LIKE '%@example.com'",
        "SELECT id FROM t WHERE deleted_at IS NULL AND archived_at IS NOT NULL",
        "SELECT id FROM t WHERE a IS DISTINCT FROM @a AND b IS NOT DISTINCT FROM @b",
        "SELECT -x * y + z / 2 % 3 || 'x' FROM t",
        "SELECT now() - interval '1 day', CURRENT_DATE, current_timestamp(3)",
        "SELECT EXTRACT(year FROM created_at) AS y FROM orders",
        "SELECT * FROM t ORDER BY a LIMIT @take OFFSET @skip",
        "SELECT * FROM t OFFSET 5 ROWS",
        "SELECT \"Quoted\".\"Col\" FROM \"Quoted\" WHERE \"Col\" = E'a\\'b' -- comment",
        "INSERT INTO orders (tenant_id, id, total) VALUES (@t, @id, @total)",
        "INSERT INTO orders (tenant_id, id) VALUES (1, 2), (3, 4) RETURNING id",
        "INSERT INTO orders (tenant_id, id, total) VALUES (@t, @id, @total) ON CONFLICT (tenant_id, id) DO UPDATE SET total = EXCLUDED.total WHERE orders.total <> EXCLUDED.total",
        "INSERT INTO orders AS o (id) VALUES (1) ON CONFLICT (id) DO NOTHING RETURNING *",
        "UPDATE orders SET total = total + @delta, status = 'paid' WHERE tenant_id = @t AND id = @id RETURNING total",
        "UPDATE orders o SET note = NULL WHERE o.id = @id",
        "DELETE FROM orders WHERE tenant_id = @t AND id = @id",
        "DELETE FROM orders o WHERE o.id = ANY(@ids) RETURNING o.id;",
        "SELECT coalesce(max(total), 0) AS top, count(DISTINCT customer_id) FROM orders WHERE tenant_id = @t",
        "SELECT t.*, x AT TIME ZONE 'UTC' FROM t WHERE x::date = @day::date",
    };

    public static TheoryData<string> Valid()
    {
        var data = new TheoryData<string>();
        foreach (var query in ValidQueries)
        {
            data.Add(query);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Every_sample_query_parses_cleanly(string sql)
    {
        var result = SqlParser.Parse(sql);
        Assert.True(result.Problems.Count == 0, string.Join("; ", result.Problems.Select(p => p.Message)));
        Assert.NotNull(result.Statement);
        AssertSpansInside(sql, result.Statement!);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Every_prefix_of_a_valid_query_gives_a_statement_or_problems(string sql)
    {
        for (var length = 0; length <= sql.Length; length++)
        {
            AssertWellFormed(sql.Substring(0, length));
        }
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Every_suffix_and_every_single_deletion_gives_a_statement_or_problems(string sql)
    {
        for (var i = 0; i < sql.Length; i++)
        {
            AssertWellFormed(sql.Substring(i));
            AssertWellFormed(sql.Remove(i, 1));
        }
    }

    [Fact]
    public void Random_strings_never_throw()
    {
        var random = new Random(20240611);
        const string alphabet = "SELECTFROMWHEREANDORNOTINISNULLBETWEENCASEWHENTHENELSEEND ()(),.;:@$'\"\\-+*/%<>=!|&^~#?[]{}\n\t0123456789eE_éλ\u00A0\uD83D";
        for (var i = 0; i < 3000; i++)
        {
            var length = random.Next(0, 80);
            var chars = new char[length];
            for (var j = 0; j < length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            AssertWellFormed(new string(chars));
        }
    }

    [Fact]
    public void Random_token_soups_never_throw()
    {
        var random = new Random(7);
        var words = new[]
        {
            "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "LIKE", "ILIKE", "CASE", "WHEN", "THEN",
            "ELSE", "END", "CAST", "AS", "::", "int", "(", ")", ",", ".", "*", "=", "<>", "+", "-", "||", "@p", "t", "a", "1", "'s'",
            "JOIN", "LEFT", "ON", "GROUP", "BY", "ORDER", "DESC", "NULLS", "FIRST", "LIMIT", "OFFSET", "INSERT", "INTO", "VALUES",
            "UPDATE", "SET", "DELETE", "RETURNING", "ON CONFLICT", "DO", "NOTHING", "EXCLUDED", "ANY", "ALL", "DISTINCT", "OVER",
            "FILTER", "WITH", "UNION", "EXISTS", "ARRAY", "[", "]", ";", "timestamp", "with", "time", "zone", "interval", "date",
            "count", "EXTRACT", "AT", "TIME", "ZONE", "ROWS", "FOR", "LATERAL", "USING", "NATURAL",
        };
        for (var i = 0; i < 5000; i++)
        {
            var count = random.Next(0, 30);
            var sql = string.Join(" ", Enumerable.Range(0, count).Select(_ => words[random.Next(words.Length)]));
            AssertWellFormed(sql);
        }
    }

    [Fact]
    public void Null_input_is_an_empty_query()
    {
        var result = SqlParser.Parse(null!);
        Assert.Null(result.Statement);
        Assert.Single(result.Problems);
    }

    private static void AssertWellFormed(string sql)
    {
        var result = SqlParser.Parse(sql);
        Assert.True(result.Statement is not null || result.Problems.Count > 0, $"Neither a statement nor problems for: {sql}");
        Assert.True(result.Statement is null || result.Problems.Count == 0, $"A statement alongside problems for: {sql}");
        foreach (var problem in result.Problems)
        {
            Assert.InRange(problem.Span.Start, 0, sql.Length);
            Assert.InRange(problem.Span.End, problem.Span.Start, sql.Length);
            Assert.False(string.IsNullOrWhiteSpace(problem.Message));
            Assert.DoesNotContain("failed on this query", problem.Message);
        }

        if (result.Statement is not null)
        {
            AssertSpansInside(sql, result.Statement);
            Assert.Equal(result, SqlParser.Parse(sql));
        }
    }

    private static void AssertSpansInside(string sql, SqlStatement statement)
    {
        Assert.InRange(statement.Span.Start, 0, sql.Length);
        Assert.InRange(statement.Span.End, statement.Span.Start, sql.Length);
        foreach (var expr in SqlWalker.Descendants(statement))
        {
            Assert.InRange(expr.Span.Start, statement.Span.Start, statement.Span.End);
            Assert.InRange(expr.Span.End, expr.Span.Start + 1, statement.Span.End);
        }
    }
}
