using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

public sealed class ExpressionParserTests
{
    [Theory]
    [InlineData("a OR b AND c", "(OR a (AND b c))")]
    [InlineData("a AND b OR c", "(OR (AND a b) c)")]
    [InlineData("NOT a = b", "(NOT (= a b))")]
    [InlineData("NOT a AND b", "(AND (NOT a) b)")]
    [InlineData("NOT NOT a", "(NOT (NOT a))")]
    [InlineData("a = NOT b", "(= a (NOT b))")]
    [InlineData("-x * y", "(* (- x) y)")]
    [InlineData("- x :: int", "(- (CAST x int ::))")]
    [InlineData("a || b = c", "(= (|| a b) c)")]
    [InlineData("a + b * c - d / e % f", "(- (+ a (* b c)) (% (/ d e) f))")]
    [InlineData("a - b - c", "(- (- a b) c)")]
    [InlineData("a + b || c", "(|| (+ a b) c)")]
    [InlineData("a = b IS NULL", "(IS NULL (= a b))")]
    [InlineData("a = b LIKE c", "(= a (LIKE b c))")]
    [InlineData("a LIKE b || '%'", "(LIKE a (|| b '%'))")]
    [InlineData("a IS DISTINCT FROM b = c", "(IS DISTINCT FROM a (= b c))")]
    [InlineData("NOT a IS NULL", "(NOT (IS NULL a))")]
    [InlineData("(a OR b) AND c", "(AND (OR a b) c)")]
    [InlineData("a BETWEEN 1 AND 2 AND b", "(AND (BETWEEN a 1 2) b)")]
    [InlineData("a BETWEEN b + 1 AND c * 2 OR d", "(OR (BETWEEN a (+ b 1) (* c 2)) d)")]
    [InlineData("a NOT BETWEEN 1 AND 2", "(NOT BETWEEN a 1 2)")]
    [InlineData("x = ANY(@ids) AND y <> ANY(@other)", "(AND (= ANY x @ids) (<> ANY y @other))")]
    [InlineData("x = ANY (SELECT y FROM u) AND z", "(AND (IN x [y FROM u]) z)")]
    [InlineData("x <> ALL (SELECT y FROM u WHERE y > 0)", "(<> ALL x [y FROM u WHERE (> y 0)])")]
    [InlineData("x < SOME (SELECT y FROM u) OR z", "(OR (< ANY x [y FROM u]) z)")]
    [InlineData("x < SOME ((SELECT y FROM u)) OR z", "(OR (< ANY x [y FROM u]) z)")]
    [InlineData("x = ANY ((SELECT y FROM u) || ARRAY[1])", "(= ANY x (|| (SUBQUERY [y FROM u]) [1]))")]
    [InlineData("x IN ((SELECT y FROM u))", "(IN x [y FROM u])")]
    [InlineData("x IN ((SELECT y FROM u), 2)", "(IN x [(SUBQUERY [y FROM u]) 2])")]
    [InlineData("x LIKE ALL (SELECT p FROM u)", "(LIKE ALL x [p FROM u])")]
    [InlineData("a || b >= ANY (SELECT c FROM u)", "(>= ANY (|| a b) [c FROM u])")]
    [InlineData("a != b", "(<> a b)")]
    [InlineData("a <= b", "(<= a b)")]
    [InlineData("a >= -1", "(>= a (- 1))")]
    [InlineData("a NOT LIKE 'x%'", "(NOT LIKE a 'x%')")]
    [InlineData("a ILIKE @p", "(ILIKE a @p)")]
    [InlineData("a NOT ILIKE @p", "(NOT ILIKE a @p)")]
    [InlineData("a IS NOT DISTINCT FROM @p", "(IS NOT DISTINCT FROM a @p)")]
    [InlineData("a IS NOT NULL", "(IS NOT NULL a)")]
    [InlineData("a ISNULL OR b NOTNULL", "(OR (IS NULL a) (IS NOT NULL b))")]
    [InlineData("a IN (1, 2) = true", "(= (IN a [1 2]) true)")]
    [InlineData("a NOT IN (@x, 'y')", "(NOT IN a [@x 'y'])")]
    [InlineData("x::text = y", "(= (CAST x text ::) y)")]
    [InlineData("t.col AT TIME ZONE 'UTC' > @since", "(> timezone('UTC' t.col) @since)")]
    public void Precedence_follows_PostgreSQL(string condition, string expected)
        => Assert.Equal(expected, Show(Where(condition)));

    [Theory]
    [InlineData("1", nameof(LiteralKind.Integer), "1")]
    [InlineData("9223372036854775807", nameof(LiteralKind.Integer), "9223372036854775807")]
    [InlineData("9223372036854775808", nameof(LiteralKind.Numeric), "9223372036854775808")]
    [InlineData("1.50", nameof(LiteralKind.Numeric), "1.50")]
    [InlineData("1e3", nameof(LiteralKind.Numeric), "1e3")]
    [InlineData("'it''s'", nameof(LiteralKind.String), "it's")]
    [InlineData("E'a\\tb'", nameof(LiteralKind.String), "a\tb")]
    [InlineData("TRUE", nameof(LiteralKind.Boolean), "true")]
    [InlineData("false", nameof(LiteralKind.Boolean), "false")]
    [InlineData("NULL", nameof(LiteralKind.Null), "null")]
    public void Literals(string text, string kindName, string value)
    {
        var kind = Enum.Parse<LiteralKind>(kindName);
        var literal = Assert.IsType<Literal>(Expr(text));
        Assert.Equal((kind, value), (literal.Kind, literal.Value));
        Assert.Equal(new TextSpan(7, text.Length), literal.Span);
    }

    [Fact]
    public void Parenthesized_expression_widens_the_span_of_the_inner_node()
    {
        const string sql = "SELECT * FROM t WHERE ( ( a = 1 ) ) AND (b)";
        var where = (BinaryExpr)Select(sql).Where!;
        Assert.Equal("( ( a = 1 ) )", Text(sql, where.Left.Span));
        Assert.IsType<BinaryExpr>(where.Left);
        Assert.Equal("(b)", Text(sql, where.Right.Span));
        Assert.Equal("( ( a = 1 ) ) AND (b)", Text(sql, where.Span));
    }

    [Fact]
    public void Spans_of_compound_expressions()
    {
        const string sql = "SELECT * FROM t WHERE a BETWEEN @lo AND @hi AND b NOT IN (1, 2) AND c = ANY (@ids) AND d IS NOT NULL";
        var parts = SqlWalker.Descendants(Select(sql).Where!).ToList();
        var between = parts.OfType<BetweenExpr>().Single();
        Assert.Equal("a BETWEEN @lo AND @hi", Text(sql, between.Span));
        Assert.Equal("@lo", Text(sql, between.Low.Span));
        var @in = parts.OfType<InExpr>().Single();
        Assert.Equal("b NOT IN (1, 2)", Text(sql, @in.Span));
        Assert.True(@in.Negated);
        Assert.Equal(new[] { "1", "2" }, @in.Items.Select(i => Text(sql, i.Span)));
        var any = parts.OfType<AnyExpr>().Single();
        Assert.Equal("c = ANY (@ids)", Text(sql, any.Span));
        Assert.Equal("=", any.Operator);
        Assert.Equal("@ids", Text(sql, any.Array.Span));
        Assert.Equal("d IS NOT NULL", Text(sql, parts.OfType<IsNullExpr>().Single().Span));
    }

    [Fact]
    public void Quantified_subquery_is_a_sublink_like_in()
    {
        const string sql = "SELECT * FROM t WHERE tenant_id = ANY (SELECT tenant_id FROM u) AND n > ALL (SELECT n FROM u WHERE u.id = t.id)";
        var parts = SqlWalker.Descendants(Select(sql).Where!).OfType<InSubqueryExpr>().ToList();
        Assert.Equal(2, parts.Count);
        Assert.Equal("tenant_id = ANY (SELECT tenant_id FROM u)", Text(sql, parts[0].Span));
        Assert.Equal(("=", false, false, true), (parts[0].Operator, parts[0].All, parts[0].Negated, parts[0].IsMembership));
        Assert.Equal("SELECT tenant_id FROM u", Text(sql, parts[0].Query.Span));
        Assert.Equal("n > ALL (SELECT n FROM u WHERE u.id = t.id)", Text(sql, parts[1].Span));
        Assert.Equal((">", true, false), (parts[1].Operator, parts[1].All, parts[1].IsMembership));
        Assert.Same(parts[1].Query, SqlWalker.Subquery(parts[1]));
    }

    [Theory]
    [InlineData("xmlelement(name item, xmlattributes(a AS \"x\", b), c || 'd', xmlelement(name \"sub\"))", "xmlelement(xmlattributes(a b) (|| c 'd') xmlelement())")]
    [InlineData("xmlelement(name e, a)", "xmlelement(a)")]
    [InlineData("xmlforest(a, b AS select, @p)", "xmlforest(a b @p)")]
    [InlineData("xmlparse(document @d)", "xmlparse(@d)")]
    [InlineData("xmlparse(content a || b preserve whitespace)", "xmlparse((|| a b))")]
    [InlineData("xmlpi(name php, 'echo')", "xmlpi('echo')")]
    [InlineData("xmlpi(name php)", "xmlpi()")]
    [InlineData("xmlroot(x, version '1.0', standalone no value)", "xmlroot(x '1.0')")]
    [InlineData("xmlroot(x, version no value, standalone yes)", "xmlroot(x)")]
    [InlineData("xmlserialize(content x AS varchar(10) no indent)", "xmlserialize(x)")]
    [InlineData("xmlserialize(document x AS text indent)", "xmlserialize(x)")]
    [InlineData("xmlexists('//a' PASSING BY VALUE x[1] BY REF)", "xmlexists('//a' (SUBSCRIPT x 1))")]
    [InlineData("xmlconcat(a, b)", "xmlconcat(a b)")]
    public void XML_forms_keep_their_operands_as_arguments(string expr, string expected)
        => Assert.Equal(expected, Show(Expr(expr)));

    [Fact]
    public void XML_forms_have_spans()
    {
        const string sql = "SELECT xmlelement(name e, xmlattributes(t.a AS b), @v) IS DOCUMENT FROM t";
        var test = Assert.IsType<BooleanTestExpr>(Select(sql).Items[0].Expr);
        Assert.Equal("DOCUMENT", test.Test);
        var element = Assert.IsType<FunctionCall>(test.Operand);
        Assert.Equal("xmlelement(name e, xmlattributes(t.a AS b), @v)", Text(sql, element.Span));
        Assert.Equal("xmlattributes(t.a AS b)", Text(sql, element.Arguments[0].Span));
        Assert.Equal("@v", Text(sql, element.Arguments[1].Span));
    }

    [Theory]
    [InlineData("SELECT xmlelement(e)", "e")]
    [InlineData("SELECT xmlparse(x)", "x")]
    [InlineData("SELECT xmlserialize(content x)", ")")]
    [InlineData("SELECT xmlroot(x)", ")")]
    [InlineData("SELECT xmlroot(x, version '1', standalone maybe)", "maybe")]
    [InlineData("SELECT xmlexists('//a' PASSING x::xml)", "::")]
    [InlineData("SELECT xmlpi(name p, a, b)", ",")]
    public void XML_forms_outside_PostgreSQLs_grammar_are_syntax_errors(string sql, string at)
        => ProblemAt(sql, SqlProblemKind.Syntax, at);

    [Fact]
    public void Case_with_and_without_operand()
    {
        const string sql = "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END, CASE status WHEN 1 THEN 'open' END";
        var items = Select(sql).Items;
        var searched = Assert.IsType<CaseExpr>(items[0].Expr);
        Assert.Null(searched.Operand);
        Assert.Equal(2, searched.Whens.Count);
        Assert.Equal("WHEN a > 0 THEN 'pos'", Text(sql, searched.Whens[0].Span));
        Assert.Equal("'zero'", Show(searched.Else!));
        Assert.Equal("CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END", Text(sql, searched.Span));

        var simple = Assert.IsType<CaseExpr>(items[1].Expr);
        Assert.Equal("status", Show(simple.Operand!));
        Assert.Null(simple.Else);
        Assert.Equal("CASE status WHEN 1 THEN 'open' END", Text(sql, simple.Span));
    }

    [Theory]
    [InlineData("CAST(x AS numeric(10, 2))", "numeric(10,2)", false)]
    [InlineData("CAST(x AS   DOUBLE   PRECISION)", "double precision", false)]
    [InlineData("x::int", "int", true)]
    [InlineData("x::int[]", "int[]", true)]
    [InlineData("x::integer[3][]", "integer[3][]", true)]
    [InlineData("x::timestamp with time zone", "timestamp with time zone", true)]
    [InlineData("x::TIMESTAMP(3) WITHOUT TIME ZONE", "timestamp(3) without time zone", true)]
    [InlineData("x::character varying(20)", "character varying(20)", true)]
    [InlineData("x::varchar(20)", "varchar(20)", true)]
    [InlineData("x::\"MyEnum\"", "\"MyEnum\"", true)]
    [InlineData("x::public.mood", "public.mood", true)]
    [InlineData("x::bigint::text", "text", true)]
    public void Casts(string text, string typeName, bool colon)
    {
        var sql = "SELECT " + text;
        var cast = Assert.IsType<CastExpr>(Select(sql).Items[0].Expr);
        Assert.Equal(typeName, cast.TypeName);
        Assert.Equal(colon, cast.ColonSyntax);
        Assert.Equal(text, Text(sql, cast.Span));
    }

    [Theory]
    [InlineData("date '2020-01-01'", "date", "2020-01-01")]
    [InlineData("timestamp '2020-01-01 10:00'", "timestamp", "2020-01-01 10:00")]
    [InlineData("TIMESTAMP WITH TIME ZONE '2020-01-01 10:00+02'", "timestamp with time zone", "2020-01-01 10:00+02")]
    [InlineData("interval '1 day'", "interval", "1 day")]
    [InlineData("double precision '1.5'", "double precision", "1.5")]
    [InlineData("\"MyType\" 'x'", "\"MyType\"", "x")]
    public void Typed_literals_are_casts_of_a_string(string text, string typeName, string value)
    {
        var sql = "SELECT " + text;
        var cast = Assert.IsType<CastExpr>(Select(sql).Items[0].Expr);
        Assert.Equal(typeName, cast.TypeName);
        Assert.False(cast.ColonSyntax);
        var literal = Assert.IsType<Literal>(cast.Operand);
        Assert.Equal((LiteralKind.String, value), (literal.Kind, literal.Value));
        Assert.Equal(text, Text(sql, cast.Span));
        Assert.Equal(text.Substring(text.IndexOf('\'')), Text(sql, literal.Span));
    }

    [Fact]
    public void Function_calls()
    {
        const string sql = "SELECT count(*), count(DISTINCT x), count(ALL x), lower(\"Name\"), pg_catalog.lower(a), \"MyFunc\"(1, 2), left(s, 2), now()";
        var calls = Select(sql).Items.Select(i => Assert.IsType<FunctionCall>(i.Expr)).ToList();
        Assert.Equal(new[] { "count", "count", "count", "lower", "pg_catalog.lower", "MyFunc", "left", "now" }, calls.Select(c => c.Name));
        Assert.True(calls[0].Star);
        Assert.Empty(calls[0].Arguments);
        Assert.True(calls[1].Distinct);
        Assert.False(calls[2].Distinct);
        Assert.Equal("Name", Assert.IsType<ColumnRef>(calls[3].Arguments[0]).Name);
        Assert.Equal("pg_catalog.lower(a)", Text(sql, calls[4].Span));
        Assert.Equal("count(DISTINCT x)", Text(sql, calls[1].Span));
        Assert.Empty(calls[7].Arguments);
    }

    [Theory]
    [InlineData("CURRENT_DATE", "current_date")]
    [InlineData("current_timestamp", "current_timestamp")]
    [InlineData("LOCALTIMESTAMP", "localtimestamp")]
    [InlineData("CURRENT_USER", "current_user")]
    public void Value_keywords_are_calls_without_arguments(string text, string name)
    {
        var call = Assert.IsType<FunctionCall>(Expr(text));
        Assert.Equal(name, call.Name);
        Assert.Empty(call.Arguments);
        Assert.False(call.Star);
        Assert.Equal(new TextSpan(7, text.Length), call.Span);
    }

    [Fact]
    public void Current_timestamp_takes_a_precision()
        => Assert.Equal("current_timestamp(3)", Show(Expr("CURRENT_TIMESTAMP(3)")));

    [Fact]
    public void Extract_is_a_call_with_the_field_as_a_string()
    {
        const string sql = "SELECT EXTRACT(YEAR FROM o.created_at)";
        var call = Assert.IsType<FunctionCall>(Select(sql).Items[0].Expr);
        Assert.Equal("extract('year' o.created_at)", Show(call));
        Assert.Equal("YEAR", Text(sql, call.Arguments[0].Span));
        Assert.Equal("EXTRACT(YEAR FROM o.created_at)", Text(sql, call.Span));
    }

    [Fact]
    public void Unary_operators_keep_their_spans()
    {
        const string sql = "SELECT -a, +1, NOT b";
        var items = Select(sql).Items;
        Assert.Equal(new[] { "-a", "+1", "NOT b" }, items.Select(i => Text(sql, i.Expr.Span)));
        Assert.Equal(new[] { "-", "+", "NOT" }, items.Select(i => ((UnaryExpr)i.Expr).Operator));
    }

    [Fact]
    public void Parameters_adjacent_to_operators()
    {
        const string sql = "SELECT * FROM t WHERE a=@a AND b<>@b AND c>=@c";
        Assert.Equal("(AND (AND (= a @a) (<> b @b)) (>= c @c))", Show(Select(sql).Where!));
    }

    [Fact]
    public void Long_operator_chains_parse_without_deep_recursion()
    {
        var condition = string.Join(" OR ", Enumerable.Range(0, 500).Select(i => $"a = {i}"));
        var where = Where(condition);
        Assert.Equal(500, SqlWalker.Descendants(where).OfType<Literal>().Count());
    }

    [Fact]
    public void Nesting_up_to_the_limit_parses()
    {
        var condition = new string('(', 150) + "a" + new string(')', 150);
        Assert.Equal("a", Show(Where(condition)));
    }
}
