using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// PostgreSQL's grammar beyond the basics: every operator by PostgreSQL's precedence, the expression forms, FROM items and
/// clauses a query pinned to one key runs as written. Each case checks the tree's shape and the spans the planner copies.
/// </summary>
public sealed class GrammarTests
{
    [Theory]
    [InlineData("doc ->> 'k' = @v", "(= (->> doc 'k') @v)")]
    [InlineData("doc -> 'a' -> 'b'", "(-> (-> doc 'a') 'b')")]
    [InlineData("doc #>> '{a,b}' || 'x'", "(|| (#>> doc '{a,b}') 'x')")]
    [InlineData("tags @> @t AND NOT tags <@ @u", "(AND (@> tags @t) (NOT (<@ tags @u)))")]
    [InlineData("doc ? 'a' OR doc ?| @keys", "(OR (? doc 'a') (?| doc @keys))")]
    [InlineData("v @@ q", "(@@ v q)")]
    [InlineData("body ~* @p AND body !~ 'x'", "(AND (~* body @p) (!~ body 'x'))")]
    [InlineData("a ### b + 1", "(### a (+ b 1))")]
    [InlineData("a + b ### c", "(### (+ a b) c)")]
    [InlineData("a ### b = c", "(= (### a b) c)")]
    [InlineData("a ### b LIKE c", "(LIKE (### a b) c)")]
    [InlineData("|/ a + 1", "(|/ (+ a 1))")]
    [InlineData("|/ a > 1", "(> (|/ a) 1)")]
    [InlineData("- a ^ 2", "(^ (- a) 2)")]
    [InlineData("a ^ b ^ c", "(^ (^ a b) c)")]
    [InlineData("a OPERATOR(pg_catalog.+) b * c", "(OPERATOR(pg_catalog.+) a (* b c))")]
    [InlineData("a != b", "(<> a b)")]
    [InlineData("a SIMILAR TO 'x%'", "(SIMILAR TO a 'x%')")]
    [InlineData("a NOT SIMILAR TO 'x' ESCAPE '!'", "(NOT SIMILAR TO a similar_to_escape('x' '!'))")]
    [InlineData("a LIKE 'x!%' ESCAPE '!'", "(LIKE a like_escape('x!%' '!'))")]
    [InlineData("a NOT ILIKE ALL (@p)", "(NOT ILIKE ALL a @p)")]
    [InlineData("a LIKE ANY (ARRAY['x', 'y'])", "(LIKE ANY a ['x' 'y'])")]
    [InlineData("a > ALL (@ids)", "(> ALL a @ids)")]
    [InlineData("a = SOME (@ids)", "(= ANY a @ids)")]
    [InlineData("a @> ANY (@sets)", "(@> ANY a @sets)")]
    [InlineData("(a, b) < (@x, @y)", "(< (ROW a b) (ROW @x @y))")]
    [InlineData("ROW(a, b) >= ROW()", "(>= (ROW a b) (ROW))")]
    [InlineData("a BETWEEN SYMMETRIC 2 AND 1", "(BETWEEN SYMMETRIC a 2 1)")]
    [InlineData("a IS NOT TRUE", "(IS NOT TRUE a)")]
    [InlineData("a IS NFC NORMALIZED", "(IS NFC NORMALIZED a)")]
    [InlineData("(a, b) OVERLAPS (c, d)", "(OVERLAPS (ROW a b) (ROW c d))")]
    [InlineData("name COLLATE \"C\" < 'b'", "(< (COLLATE name \"C\") 'b')")]
    [InlineData("a COLLATE pg_catalog.\"default\"", "(COLLATE a pg_catalog.\"default\")")]
    public void Operators_bind_by_PostgreSQLs_precedence(string condition, string expected) => Assert.Equal(expected, Show(Where(condition)));

    [Theory]
    [InlineData("ARRAY[1, @a]", "[1 @a]")]
    [InlineData("ARRAY[[1, 2], [3, 4]]", "[[1 2] [3 4]]")]
    [InlineData("ARRAY[]::int[]", "(CAST [] int[] ::)")]
    [InlineData("ARRAY(SELECT a FROM t)", "(ARRAY [a FROM t])")]
    [InlineData("tags[1]", "(SUBSCRIPT tags 1)")]
    [InlineData("tags[2:@n]", "(SUBSCRIPT tags 2:@n)")]
    [InlineData("tags[:2]", "(SUBSCRIPT tags _:2)")]
    [InlineData("m[1][2]", "(SUBSCRIPT (SUBSCRIPT m 1) 2)")]
    [InlineData("(tags)[1]", "(SUBSCRIPT tags 1)")]
    [InlineData("(address).city", "(FIELD address city)")]
    [InlineData("(f(1)).*", "(FIELD f(1) *)")]
    [InlineData("t.address.city", "(FIELD t.address city)")]
    [InlineData("c[2].f", "(FIELD (SUBSCRIPT c 2) f)")]
    [InlineData("substring(s FROM 2 FOR 3)", "substring(s 2 3)")]
    [InlineData("substring(s SIMILAR 'a' ESCAPE '!')", "substring(s 'a' '!')")]
    [InlineData("trim(BOTH 'x' FROM s)", "trim('x' s)")]
    [InlineData("trim(LEADING FROM s)", "trim(s)")]
    [InlineData("overlay(s PLACING 'x' FROM 2 FOR 1)", "overlay(s 'x' 2 1)")]
    [InlineData("position('a' IN s)", "position('a' s)")]
    [InlineData("concat_ws(',', VARIADIC @parts)", "concat_ws(VARIADIC ',' @parts)")]
    [InlineData("make_interval(days => 1, hours := @h)", "make_interval((days => 1) (hours => @h))")]
    [InlineData("string_agg(a, ',' ORDER BY b DESC)", "string_agg(a ',' ORDER BY b DESC)")]
    [InlineData("percentile_cont(0.5) WITHIN GROUP (ORDER BY x)", "percentile_cont(0.5) WITHIN GROUP (x)")]
    [InlineData("collation for (a)", "pg_collation_for(a)")]
    [InlineData("interval '1' day", "(CAST '1' interval day)")]
    [InlineData("a::interval hour to minute", "(CAST a interval hour to minute ::)")]
    [InlineData("$$it's$$", "'it's'")]
    [InlineData("B'1010'", "b1010")]
    public void Expression_forms_have_their_own_nodes(string expression, string expected) => Assert.Equal(expected, Show(Expr(expression)));

    [Fact]
    public void A_row_comparison_keeps_the_spans_of_both_rows()
    {
        const string sql = "SELECT id FROM m WHERE (sent_at, id) < (@a, @b)";
        var comparison = Assert.IsType<BinaryExpr>(Select(sql).Where);
        Assert.Equal("(sent_at, id)", Text(sql, comparison.Left.Span));
        Assert.Equal("(@a, @b)", Text(sql, comparison.Right.Span));
        Assert.Equal(["@a", "@b"], SqlWalker.Parameters(comparison).Select(Show));
    }

    [Fact]
    public void Named_windows_and_frames_with_any_bounds()
    {
        const string sql = "SELECT sum(n) OVER w, rank() OVER (w ORDER BY id ROWS BETWEEN @n PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES) FROM t WINDOW w AS (PARTITION BY kind)";
        var select = Select(sql);
        var named = Assert.IsType<WindowCall>(select.Items[0].Expr);
        Assert.Equal("w", named.Name);
        Assert.Equal("sum(n) OVER w", Text(sql, named.Span));
        var built = Assert.IsType<WindowCall>(select.Items[1].Expr);
        Assert.Equal(("w", "id", "@n"), (built.Name, Show(built.OrderBy[0].Expr), Show(built.FrameOffsets[0])));
        var window = Assert.Single(select.Windows);
        Assert.Equal(("w", "kind", "w AS (PARTITION BY kind)"), (window.Name, Show(window.PartitionBy[0]), Text(sql, window.Span)));
        Assert.Equal("WINDOW w AS (PARTITION BY kind)", Text(sql, select.WindowSpan!.Value));

        // OVER w is the window w; OVER (w ...) and OVER (w) are new windows copying it (PostgreSQL's refname).
        Assert.False(named.Copies);
        Assert.True(built.Copies);
        const string copy = "SELECT count(*) OVER (w) FROM t WINDOW w AS (ORDER BY id), v AS (w)";
        var copied = Select(copy);
        Assert.Equal((true, "w"), (Assert.IsType<WindowCall>(copied.Items[0].Expr).Copies, Assert.IsType<WindowCall>(copied.Items[0].Expr).Name));
        Assert.Equal("WINDOW w AS (ORDER BY id), v AS (w)", Text(copy, copied.WindowSpan!.Value));
        Assert.Null(Select("SELECT 1 FROM t").WindowSpan);
    }

    [Fact]
    public void Functions_in_FROM_with_ordinality_aliases_and_column_definitions()
    {
        const string sql = "SELECT * FROM m, LATERAL unnest(m.tags) WITH ORDINALITY AS u(tag, n) JOIN json_to_record(@j) AS x(a int, b text[]) ON true";
        var select = Select(sql);
        var unnest = select.Joins[0].Table;
        Assert.Equal(("unnest", "u", true, true), (unnest.Name, unnest.Alias, unnest.Ordinality, unnest.Lateral));
        Assert.Equal(["tag", "n"], unnest.ColumnAliases);
        Assert.Equal("unnest(m.tags)", Text(sql, unnest.NameSpan));
        Assert.Equal("LATERAL unnest(m.tags) WITH ORDINALITY AS u(tag, n)", Text(sql, unnest.Span));
        var record = select.Joins[1].Table;
        Assert.Equal(["a", "b"], record.ColumnAliases);
        Assert.Equal(["m.tags", "@j", "true"], SqlWalker.FromExpressions(select.From, select.Joins).Select(e => e is FunctionCall call ? Show(call.Arguments[0]) : Show(e)));
    }

    [Fact]
    public void VALUES_in_FROM_and_as_a_statement()
    {
        const string sql = "SELECT v.x FROM (VALUES (1, 'a'), (@n, 'b')) AS v(x, y)";
        var from = Select(sql).From!;
        Assert.Equal("v", from.Name);
        Assert.Equal(["x", "y"], from.ColumnAliases);
        Assert.Equal(2, from.Query!.Values.Count);
        Assert.Equal("VALUES (1, 'a'), (@n, 'b')", Text(sql, from.Query.Span));

        const string values = "VALUES (1), (2) ORDER BY 1 LIMIT @n";
        var statement = Select(values);
        Assert.Equal((2, "1", "@n"), (statement.Values.Count, Show(statement.OrderBy[0].Expr), Show(statement.Limit!)));
        Assert.Empty(statement.Items);
    }

    [Fact]
    public void Joins_with_USING_NATURAL_and_parentheses()
    {
        const string sql = "SELECT * FROM (a JOIN b USING (k) AS j) NATURAL LEFT JOIN c JOIN d JOIN e ON e.k = d.k ON d.k = a.k";
        var select = Select(sql);
        var nested = select.From!.Nested!;
        Assert.Equal("(a JOIN b USING (k) AS j)", Text(sql, nested.Span));
        Assert.Equal(["k"], nested.Joins[0].Using);
        Assert.Equal("j", nested.Joins[0].UsingAlias);
        Assert.True(select.Joins[0].Natural);
        Assert.Equal(JoinKind.Left, select.Joins[0].Kind);
        var inner = select.Joins[1];
        Assert.Equal("d JOIN e ON e.k = d.k", Text(sql, inner.Table.Span));
        Assert.Equal("(= d.k a.k)", Show(inner.On!));
        Assert.Equal(["a", "b", "c", "d", "e"], SqlWalker.FromItems(select.From, select.Joins).Select(t => t.Name));
    }

    [Fact]
    public void Grouping_sets_FETCH_and_locking_clauses()
    {
        const string sql = "SELECT a, b, sum(n) FROM t GROUP BY GROUPING SETS ((a, b), ROLLUP (a), ()), CUBE (b) ORDER BY a FETCH FIRST 5 ROWS WITH TIES FOR UPDATE OF t NOWAIT FOR KEY SHARE";
        var select = Select(sql);
        Assert.Equal(["(SETS (ROW a b) (ROLLUP a) (EMPTY))", "(CUBE b)"], select.GroupBy.Select(Show));
        Assert.Equal(("5", true, "FETCH FIRST 5 ROWS WITH TIES"), (Show(select.Limit!), select.LimitWithTies, Text(sql, select.LimitSpan)));
        Assert.Equal(["UPDATE", "KEY SHARE"], select.Locking.Select(l => l.Strength));
        Assert.Equal(["t"], select.Locking[0].Of);
        Assert.Equal("NOWAIT", select.Locking[0].Wait);
        Assert.Equal("FOR UPDATE OF t NOWAIT FOR KEY SHARE", Text(sql, select.LockingSpan));
    }

    [Fact]
    public void An_empty_select_list_and_LIMIT_ALL()
    {
        const string sql = "SELECT FROM t WHERE a = @a LIMIT ALL";
        var select = Select(sql);
        Assert.Empty(select.Items);
        Assert.Equal(new TextSpan(6, 0), select.SelectListSpan);
        Assert.Null(select.Limit);
    }

    [Fact]
    public void Parenthesized_branches_keep_their_own_ORDER_BY_and_LIMIT()
    {
        const string sql = "(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT a FROM u) ORDER BY 1 LIMIT @n";
        var set = Parse<SetOperationStatement>(sql);
        Assert.Equal("(SELECT a FROM t ORDER BY a LIMIT 1)", Text(sql, set.Branches[0].Span));
        Assert.Equal("1", Show(set.Branches[0].Limit!));
        Assert.Equal("(SELECT a FROM u)", Text(sql, set.Branches[1].Span));
        Assert.Equal(("1", "@n"), (Show(set.OrderBy[0].Expr), Show(set.Limit!)));
    }

    [Fact]
    public void Writes_with_DEFAULT_multi_column_SET_FROM_USING_and_WITH()
    {
        const string insert = "WITH c AS (SELECT 1) INSERT INTO t (a, b) VALUES (DEFAULT, @b) ON CONFLICT (a, lower(b)) WHERE b > 0 DO NOTHING";
        var ins = Parse<InsertStatement>(insert);
        Assert.Equal(["DEFAULT", "@b"], ins.Rows[0].Select(Show));
        Assert.Equal(["a"], ins.OnConflict!.Columns);
        Assert.Equal(("lower(b)", "(> b 0)"), (Show(ins.OnConflict.Expressions[0]), Show(ins.OnConflict.TargetWhere!)));
        Assert.Equal("c", Assert.Single(ins.With).Name);
        Assert.Equal(0, ins.Span.Start);

        Assert.True(Parse<InsertStatement>("INSERT INTO t DEFAULT VALUES").DefaultValues);
        Assert.Equal("t_pkey", Parse<InsertStatement>("INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING").OnConflict!.Constraint);

        const string update = "UPDATE t SET n = DEFAULT, (a, b) = (@a, DEFAULT) FROM u WHERE u.k = t.k";
        var upd = Parse<UpdateStatement>(update);
        Assert.Equal(["n:-1:DEFAULT", "a:0:(ROW @a DEFAULT)", "b:1:(ROW @a DEFAULT)"], upd.Sets.Select(s => $"{s.Column}:{s.Position}:{Show(s.Value)}"));
        Assert.Equal("(a, b) = (@a, DEFAULT)", Text(update, upd.Sets[1].Span));
        Assert.Equal(("u", "FROM u"), (upd.From!.First.Name, Text(update, upd.FromSpan)));

        const string delete = "DELETE FROM ONLY t USING u, v WHERE u.k = t.k";
        var del = Parse<DeleteStatement>(delete);
        Assert.True(del.Table.Only);
        Assert.Equal(("USING u, v", 1), (Text(delete, del.UsingSpan), del.Using!.Joins.Count));
    }

    [Fact]
    public void DEFAULT_is_a_value_only_in_VALUES_and_SET()
    {
        Assert.NotEmpty(Problems("SELECT DEFAULT"));
        Assert.NotEmpty(Problems("INSERT INTO t VALUES ((SELECT DEFAULT))"));
    }

    [Fact]
    public void CTE_column_lists()
    {
        var cte = Assert.Single(Select("WITH c(a, b) AS MATERIALIZED (SELECT 1, 2) SELECT a FROM c").With);
        Assert.Equal(["a", "b"], cte.Columns);
    }
}
