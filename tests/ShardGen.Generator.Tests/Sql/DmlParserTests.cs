using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

public sealed class DmlParserTests
{
    [Fact]
    public void Insert_with_columns_rows_and_returning()
    {
        const string sql = "INSERT INTO shop.orders (tenant_id, \"Id\", total) VALUES (@tenantId, @id, @total), (1, 2, 3.5) RETURNING id, created_at AS created";
        var insert = Parse<InsertStatement>(sql);
        Assert.Equal(("shop", "orders"), (insert.Table.Schema, insert.Table.Name));
        Assert.Equal("shop.orders", Text(sql, insert.Table.NameSpan));
        Assert.Equal(new[] { "tenant_id", "Id", "total" }, insert.Columns);
        Assert.Equal(new[] { "tenant_id", "\"Id\"", "total" }, insert.ColumnSpans.Select(s => Text(sql, s)));
        Assert.Equal(2, insert.Rows.Count);
        Assert.Equal(new[] { "@tenantId", "@id", "@total" }, insert.Rows[0].Select(Show));
        Assert.Equal(new[] { "1", "2", "3.5" }, insert.Rows[1].Select(Show));
        Assert.Null(insert.OnConflict);
        Assert.Equal(new[] { "id", "created_at" }, insert.Returning.Select(i => Show(i.Expr)));
        Assert.Equal("created", insert.Returning[1].Alias);
        Assert.Equal("RETURNING id, created_at AS created", Text(sql, insert.ReturningSpan));
        Assert.Equal(sql, Text(sql, insert.Span));
        Assert.Equal(new[] { "tenantId", "id", "total" }, SqlWalker.Parameters(insert).Select(p => p.Name));
    }

    [Fact]
    public void Insert_without_a_column_list()
    {
        var insert = Parse<InsertStatement>("INSERT INTO t VALUES (1, 'a')");
        Assert.Empty(insert.Columns);
        Assert.Empty(insert.ColumnSpans);
        Assert.Single(insert.Rows);
        Assert.Null(insert.ReturningSpan);
    }

    [Fact]
    public void Insert_alias_needs_AS()
    {
        var insert = Parse<InsertStatement>("INSERT INTO orders AS o (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET total = o.total + 1");
        Assert.Equal("o", insert.Table.Alias);
    }

    [Fact]
    public void On_conflict_do_nothing()
    {
        const string sql = "INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a, b) DO NOTHING";
        var conflict = Parse<InsertStatement>(sql).OnConflict!;
        Assert.True(conflict.DoNothing);
        Assert.Equal(new[] { "a", "b" }, conflict.Columns);
        Assert.Empty(conflict.Updates);
        Assert.Equal("ON CONFLICT (a, b) DO NOTHING", Text(sql, conflict.Span));
    }

    [Fact]
    public void On_conflict_without_target_do_nothing()
    {
        var conflict = Parse<InsertStatement>("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING").OnConflict!;
        Assert.True(conflict.DoNothing);
        Assert.Empty(conflict.Columns);
    }

    [Fact]
    public void On_conflict_do_update_with_excluded()
    {
        const string sql = "INSERT INTO t (tenant_id, id, total) VALUES (@t, @i, @total) " +
            "ON CONFLICT (tenant_id, id) DO UPDATE SET total = EXCLUDED.total, updated_at = now() WHERE t.total <> EXCLUDED.total RETURNING *";
        var insert = Parse<InsertStatement>(sql);
        var conflict = insert.OnConflict!;
        Assert.False(conflict.DoNothing);
        Assert.Equal(new[] { "total", "updated_at" }, conflict.Updates.Select(u => u.Column));
        Assert.Equal("total = EXCLUDED.total", Text(sql, conflict.Updates[0].Span));
        Assert.Equal("total", Text(sql, conflict.Updates[0].ColumnSpan));
        var excluded = Assert.IsType<ColumnRef>(conflict.Updates[0].Value);
        Assert.Equal(("excluded", "total"), (excluded.Qualifier, excluded.Name));
        Assert.Equal("(<> t.total excluded.total)", Show(conflict.Where!));
        Assert.EndsWith("WHERE t.total <> EXCLUDED.total", Text(sql, conflict.Span));
        Assert.IsType<StarExpr>(Assert.Single(insert.Returning).Expr);
    }

    [Fact]
    public void Update_with_alias_where_and_returning()
    {
        const string sql = "UPDATE orders AS o SET status = @status, total = o.total * 2, \"Note\" = NULL WHERE o.tenant_id = @t AND o.id = @id RETURNING o.id";
        var update = Parse<UpdateStatement>(sql);
        Assert.Equal(("orders", "o"), (update.Table.Name, update.Table.Alias));
        Assert.Equal("orders AS o", Text(sql, update.Table.Span));
        Assert.Equal(new[] { "status", "total", "Note" }, update.Sets.Select(s => s.Column));
        Assert.Equal(new[] { "status = @status", "total = o.total * 2", "\"Note\" = NULL" }, update.Sets.Select(s => Text(sql, s.Span)));
        Assert.Equal("\"Note\"", Text(sql, update.Sets[2].ColumnSpan));
        Assert.Equal("WHERE o.tenant_id = @t AND o.id = @id", Text(sql, update.WhereSpan));
        Assert.Equal("RETURNING o.id", Text(sql, update.ReturningSpan));
        Assert.Equal(new[] { "status", "t", "id" }, SqlWalker.Parameters(update).Select(p => p.Name));
    }

    [Fact]
    public void Update_with_bare_alias_and_without_where()
    {
        var update = Parse<UpdateStatement>("UPDATE orders o SET total = 0");
        Assert.Equal("o", update.Table.Alias);
        Assert.Null(update.Where);
        Assert.Null(update.WhereSpan);
        Assert.Null(Parse<UpdateStatement>("update orders set total = 0").Table.Alias);
    }

    [Fact]
    public void Delete_with_where_and_returning()
    {
        const string sql = "DELETE FROM orders o WHERE o.tenant_id = @t RETURNING o.id, o.total;";
        var delete = Parse<DeleteStatement>(sql);
        Assert.Equal(("orders", "o"), (delete.Table.Name, delete.Table.Alias));
        Assert.Equal("WHERE o.tenant_id = @t", Text(sql, delete.WhereSpan));
        Assert.Equal("RETURNING o.id, o.total", Text(sql, delete.ReturningSpan));
        Assert.Equal(sql.TrimEnd(';'), Text(sql, delete.Span));
    }

    [Fact]
    public void Delete_everything()
    {
        var delete = Parse<DeleteStatement>("DELETE FROM t");
        Assert.Null(delete.Where);
        Assert.Empty(delete.Returning);
    }

    [Fact]
    public void INSERT_SELECT_has_its_query_and_no_rows()
    {
        const string sql = "INSERT INTO archive (tenant_id, id) SELECT tenant_id, id FROM orders WHERE total > @min ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id";
        var insert = Parse<InsertStatement>(sql);
        Assert.Empty(insert.Rows);
        Assert.Equal("SELECT tenant_id, id FROM orders WHERE total > @min", Text(sql, insert.Query!.Span));
        Assert.True(insert.OnConflict!.DoNothing);
        Assert.Equal("id", Show(Assert.Single(insert.Returning).Expr));
    }

    [Fact]
    public void Assignments_to_fields_and_elements_have_the_base_column_and_the_target()
    {
        const string sql = "UPDATE t SET tags[@i] = @v, address.city = 'x', m[1][2:3] = @w, (n, p.q) = (1, 2), s = 3 WHERE k = @k";
        var update = Parse<UpdateStatement>(sql);
        Assert.Equal(["tags", "address", "m", "n", "p", "s"], update.Sets.Select(s => s.Column));
        Assert.Equal(["tags", "address", "m", "n", "p", "s"], update.Sets.Select(s => Text(sql, s.ColumnSpan)));
        Assert.Equal(["tags[@i]", "address.city", "m[1][2:3]", null, "p.q", null], update.Sets.Select(s => s.Target is null ? null : Text(sql, s.Target.Span)));
        Assert.Equal("(SUBSCRIPT tags @i)", Show(update.Sets[0].Target!));
        Assert.Equal("(FIELD address city)", Show(update.Sets[1].Target!));
        Assert.Equal("(SUBSCRIPT (SUBSCRIPT m 1) 2:3)", Show(update.Sets[2].Target!));
        Assert.Equal("tags[@i] = @v", Text(sql, update.Sets[0].Span));
        Assert.Equal(["i", "v", "w", "k"], SqlWalker.Parameters(update).Select(p => p.Name));
        Assert.Equal(["2", "3", "1"], SqlWalker.TargetSubscripts(update.Sets[2].Target).Select(Show));
    }

    [Fact]
    public void Insert_into_fields_and_elements_has_the_base_columns_and_the_targets()
    {
        const string sql = "INSERT INTO t (k, tags[@i], address.city) VALUES (@k, 'a', 'b') ON CONFLICT (k) DO UPDATE SET tags[2] = EXCLUDED.tags[1]";
        var insert = Parse<InsertStatement>(sql);
        Assert.Equal(["k", "tags", "address"], insert.Columns);
        Assert.Equal(["k", "tags", "address"], insert.ColumnSpans.Select(s => Text(sql, s)));
        Assert.Equal(["k", "tags[@i]", "address.city"], insert.Targets.Select(t => Text(sql, t.Span)));
        Assert.IsType<ColumnRef>(insert.Targets[0]);
        Assert.Equal(["i", "k"], SqlWalker.Parameters(insert).Select(p => p.Name));
        Assert.Equal("tags[2]", Text(sql, insert.OnConflict!.Updates[0].Target!.Span));
        Assert.Empty(Parse<InsertStatement>("INSERT INTO t (a, b) VALUES (1, 2)").Targets);
    }

    [Theory]
    [InlineData("UPDATE t SET a[1 = 2", "")]
    [InlineData("UPDATE t SET a. = 2", "=")]
    [InlineData("INSERT INTO t (a[) VALUES (1)", ")")]
    public void Assignment_targets_outside_PostgreSQLs_grammar_are_syntax_errors(string sql, string at)
        => ProblemAt(sql, SqlProblemKind.Syntax, at);
}
