using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

public sealed class SqlWalkerTests
{
    [Fact]
    public void Descendants_of_an_expression_are_pre_order_and_include_it()
    {
        var expr = Where("a = @x AND f(b, CASE WHEN c THEN @y ELSE d::int END) IN (1, @z)");
        Assert.Equal(
            new[] { "AND", "=", "a", "@x", "IN", "f", "b", "CASE", "c", "@y", "CAST", "d", "1", "@z" },
            SqlWalker.Descendants(expr).Select(Label));
    }

    [Fact]
    public void Descendants_of_a_select_visit_every_clause_in_written_order()
    {
        const string sql = "SELECT @a, x FROM t JOIN u ON u.id = @b WHERE c = @c GROUP BY @d HAVING count(*) > @e ORDER BY @f LIMIT @g OFFSET @h";
        var select = Select(sql);
        Assert.Equal(new[] { "a", "b", "c", "d", "e", "f", "g", "h" }, SqlWalker.Parameters(select).Select(p => p.Name));
        Assert.Equal(new[] { "@a", "x", "(= u.id @b)", "(= c @c)", "@d", "(> count(*) @e)", "@f", "@g", "@h" }, SqlWalker.Roots(select).Select(Show));
    }

    [Fact]
    public void Parameters_of_dml_statements()
    {
        Assert.Equal(
            new[] { "a", "b", "c", "d", "e" },
            SqlWalker.Parameters(Parse<InsertStatement>("INSERT INTO t (x, y) VALUES (@a, @b) ON CONFLICT (x) DO UPDATE SET y = @c WHERE t.y <> @d RETURNING @e")).Select(p => p.Name));
        Assert.Equal(
            new[] { "a", "b", "c" },
            SqlWalker.Parameters(Parse<UpdateStatement>("UPDATE t SET x = @a WHERE y = @b RETURNING x + @c")).Select(p => p.Name));
        Assert.Equal(
            new[] { "a", "b" },
            SqlWalker.Parameters(Parse<DeleteStatement>("DELETE FROM t WHERE y = @a RETURNING @b")).Select(p => p.Name));
    }

    [Fact]
    public void A_parameter_used_twice_is_listed_twice_in_text_order()
    {
        const string sql = "SELECT * FROM t WHERE x AT TIME ZONE @zone > @since AND y = @zone";
        var select = Select(sql);
        Assert.Equal(new[] { "zone", "since", "zone" }, SqlWalker.Parameters(select).Select(p => p.Name));
    }

    [Fact]
    public void Walking_a_deep_tree_does_not_recurse()
    {
        var condition = string.Join(" AND ", Enumerable.Range(0, 900).Select(i => $"a{i} = @p{i}"));
        var where = Where(condition);
        Assert.Equal(900, SqlWalker.Parameters(where).Count());
    }

    private static string Label(SqlExpr expr) => expr switch
    {
        BinaryExpr b => b.Operator,
        InExpr => "IN",
        FunctionCall f => f.Name,
        CaseExpr => "CASE",
        CastExpr => "CAST",
        _ => Show(expr),
    };
}
