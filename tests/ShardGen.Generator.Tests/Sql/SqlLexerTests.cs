using ShardGen.Generator.Sql;
using static ShardGen.Generator.Tests.Sql.SqlTestHelpers;

namespace ShardGen.Generator.Tests.Sql;

public sealed class SqlLexerTests
{
    private static List<SqlToken> Tokens(string sql)
    {
        var result = SqlLexer.Lex(sql);
        Assert.Empty(result.Problems);
        var tokens = result.Tokens.ToList();
        Assert.Equal(SqlTokenKind.EndOfInput, tokens[^1].Kind);
        Assert.Equal(new TextSpan(sql.Length, 0), tokens[^1].Span);
        tokens.RemoveAt(tokens.Count - 1);
        return tokens;
    }

    private static SqlToken Single(string sql) => Assert.Single(Tokens(sql));

    private static SqlProblem LexProblem(string sql, SqlProblemKind kind)
    {
        var problem = Assert.Single(SqlLexer.Lex(sql).Problems);
        Assert.Equal(kind, problem.Kind);
        return problem;
    }

    [Fact]
    public void Every_token_keeps_its_span()
    {
        const string sql = "SELECT o.id, \"Total\" FROM orders o WHERE o.x >= @min -- done";
        var tokens = Tokens(sql);
        Assert.Equal(
            new[] { "SELECT", "o", ".", "id", ",", "\"Total\"", "FROM", "orders", "o", "WHERE", "o", ".", "x", ">=", "@min" },
            tokens.Select(t => Text(sql, t.Span)));
    }

    [Fact]
    public void Unquoted_identifiers_fold_to_lower_case_and_quoted_ones_are_kept()
    {
        var tokens = Tokens("Orders \"Orders\" \"a\"\"b\" ÉtÉ _x$1");
        Assert.Equal(
            new[] { (SqlTokenKind.Identifier, "orders"), (SqlTokenKind.QuotedIdentifier, "Orders"), (SqlTokenKind.QuotedIdentifier, "a\"b"), (SqlTokenKind.Identifier, "ÉtÉ"), (SqlTokenKind.Identifier, "_x$1") },
            tokens.Select(t => (t.Kind, t.Value)));
    }

    [Theory]
    [InlineData("'abc'", "abc")]
    [InlineData("'it''s'", "it's")]
    [InlineData("''", "")]
    [InlineData("'a\\nb'", "a\\nb")]
    [InlineData("E'a\\nb'", "a\nb")]
    [InlineData("e'tab\\there'", "tab\there")]
    [InlineData("E'\\'quoted\\' and ''doubled'''", "'quoted' and 'doubled'")]
    [InlineData("E'\\x41\\101\\u00e9\\U0001F600'", "AAé\U0001F600")]
    [InlineData("E'\\uD83D\\uDE00'", "\U0001F600")]
    [InlineData("E'\\q\\\\'", "q\\")]
    [InlineData("'line one'\n  'line two'", "line oneline two")]
    [InlineData("'a' -- comment\n'b'", "ab")]
    [InlineData("E'a\\t'\n'\\n'", "a\t\n")]
    public void String_constants_are_decoded(string sql, string value)
    {
        var token = Single(sql);
        Assert.Equal(SqlTokenKind.String, token.Kind);
        Assert.Equal(value, token.Value);
        Assert.Equal(new TextSpan(0, sql.Length), token.Span);
    }

    [Fact]
    public void A_national_string_is_the_type_nchar_and_a_string_as_PostgreSQL_scans_it()
    {
        var tokens = Tokens("N'it''s'");
        Assert.Equal(
            new[] { (SqlTokenKind.Identifier, "nchar", new TextSpan(0, 1)), (SqlTokenKind.String, "it's", new TextSpan(1, 7)) },
            tokens.Select(t => (t.Kind, t.Value, t.Span)));
    }

    [Fact]
    public void Strings_on_one_line_do_not_continue()
    {
        var tokens = Tokens("'a' 'b'");
        Assert.Equal(2, tokens.Count);
    }

    [Theory]
    [InlineData("1", nameof(SqlTokenKind.Integer), "1")]
    [InlineData("42", nameof(SqlTokenKind.Integer), "42")]
    [InlineData("1_000_000", nameof(SqlTokenKind.Integer), "1000000")]
    [InlineData("1.5", nameof(SqlTokenKind.Numeric), "1.5")]
    [InlineData(".5", nameof(SqlTokenKind.Numeric), ".5")]
    [InlineData("5.", nameof(SqlTokenKind.Numeric), "5.")]
    [InlineData("1e3", nameof(SqlTokenKind.Numeric), "1e3")]
    [InlineData("1.5E-3", nameof(SqlTokenKind.Numeric), "1.5E-3")]
    [InlineData("2e+10", nameof(SqlTokenKind.Numeric), "2e+10")]
    public void Numbers(string sql, string kindName, string value)
    {
        var kind = Enum.Parse<SqlTokenKind>(kindName);
        var token = Single(sql);
        Assert.Equal(kind, token.Kind);
        Assert.Equal(value, token.Value);
    }

    [Theory]
    [InlineData("a=@id", new[] { "a", "=", "@id" })]
    [InlineData("a<>b", new[] { "a", "<>", "b" })]
    [InlineData("a!=b", new[] { "a", "!=", "b" })]
    [InlineData("a<=b", new[] { "a", "<=", "b" })]
    [InlineData("a*-1", new[] { "a", "*", "-", "1" })]
    [InlineData("a||b", new[] { "a", "||", "b" })]
    [InlineData("a->>'k'", new[] { "a", "->>", "'k'" })]
    [InlineData("x::int[]", new[] { "x", "::", "int", "[", "]" })]
    [InlineData("a-- comment", new[] { "a" })]
    [InlineData("a+/* c */b", new[] { "a", "+", "b" })]
    [InlineData("f(a,b);", new[] { "f", "(", "a", ",", "b", ")", ";" })]
    public void Operators_and_punctuation_split_as_PostgreSQL_splits_them(string sql, string[] expected)
        => Assert.Equal(expected, Tokens(sql).Select(t => Text(sql, t.Span)));

    [Fact]
    public void Parameters_keep_their_name_as_written()
    {
        var token = Single("@TenantId");
        Assert.Equal(SqlTokenKind.Parameter, token.Kind);
        Assert.Equal("TenantId", token.Value);
    }

    [Fact]
    public void A_lone_at_sign_is_an_operator()
    {
        var tokens = Tokens("@ 1");
        Assert.Equal(SqlTokenKind.Operator, tokens[0].Kind);
        Assert.Equal("@", tokens[0].Value);
    }

    [Fact]
    public void An_at_sign_before_a_qualified_name_is_an_operator_since_a_parameter_is_never_qualified()
    {
        var tokens = Tokens("@f.f1");
        Assert.Equal(new[] { SqlTokenKind.Operator, SqlTokenKind.Identifier, SqlTokenKind.Dot, SqlTokenKind.Identifier },
            tokens.Take(4).Select(t => t.Kind));
        Assert.Equal("@", tokens[0].Value);
    }

    [Fact]
    public void Block_comments_nest()
    {
        var tokens = Tokens("a /* outer /* inner */ still comment */ b");
        Assert.Equal(new[] { "a", "b" }, tokens.Select(t => t.Value));
    }

    [Fact]
    public void Unterminated_block_comment_is_a_syntax_problem()
    {
        var problem = LexProblem("a /* never /* closed */", SqlProblemKind.Syntax);
        Assert.Equal(new TextSpan(2, 21), problem.Span);
    }

    [Theory]
    [InlineData("'abc", "'abc")]
    [InlineData("E'abc\\'", "E'abc\\'")]
    [InlineData("\"abc", "\"abc")]
    public void Unterminated_quotes_are_syntax_problems_to_the_end(string sql, string spanText)
    {
        var problem = LexProblem("x " + sql, SqlProblemKind.Syntax);
        Assert.Equal(spanText, Text("x " + sql, problem.Span));
        Assert.Contains("Unterminated", problem.Message);
    }

    [Fact]
    public void Zero_length_quoted_identifier_is_a_syntax_problem()
        => Assert.Contains("Zero-length", LexProblem("\"\"", SqlProblemKind.Syntax).Message);

    [Fact]
    public void Positional_parameters_are_unsupported()
    {
        const string sql = "id = $12";
        var problem = LexProblem(sql, SqlProblemKind.Unsupported);
        Assert.Equal("$12", Text(sql, problem.Span));
        Assert.Contains("@name", problem.Message);
    }

    [Theory]
    [InlineData("$fn$body$fn$", "body")]
    [InlineData("$$it's$$", "it's")]
    [InlineData("$a$ $$ nested $b$ $a$", " $$ nested $b$ ")]
    [InlineData("U&'d\\0061t\\+000061'", "data")]
    [InlineData("U&'d!0061t' UESCAPE '!'", "dat")]
    [InlineData("U&'\\\\'", "\\")]
    public void Dollar_quoted_and_unicode_escaped_strings_are_strings(string sql, string value)
    {
        var result = SqlLexer.Lex(sql);
        Assert.Empty(result.Problems);
        var token = result.Tokens[0];
        Assert.Equal((SqlTokenKind.String, value, new TextSpan(0, sql.Length)), (token.Kind, token.Value, token.Span));
    }

    [Theory]
    [InlineData("B'101'", "b101")]
    [InlineData("X'1F'", "x1F")]
    public void Bit_strings_are_their_own_tokens(string sql, string value)
    {
        var result = SqlLexer.Lex(sql);
        Assert.Empty(result.Problems);
        Assert.Equal((SqlTokenKind.BitString, value), (result.Tokens[0].Kind, result.Tokens[0].Value));
    }

    [Theory]
    [InlineData("$x$unterminated", "$x$unterminated")]
    [InlineData("U&'\\00'", "U&'\\00'")]
    [InlineData("U&'a' UESCAPE 'f'", "U&'a' UESCAPE 'f'")]
    public void Bad_dollar_quotes_and_unicode_escapes_are_syntax_problems(string sql, string spanText)
        => Assert.Equal(spanText, Text(sql, LexProblem(sql, SqlProblemKind.Syntax).Span));

    [Theory]
    [InlineData("0x1F")]
    public void Non_decimal_integers_are_unsupported(string sql)
    {
        var problem = LexProblem(sql, SqlProblemKind.Unsupported);
        Assert.Equal(new TextSpan(0, sql.Length), problem.Span);
    }

    [Theory]
    [InlineData("123abc", "123abc")]
    [InlineData("a # { b", "{")]
    [InlineData("a \\ b", "\\")]
    [InlineData("$", "$")]
    [InlineData("E'\\u12'", "\\u12")]
    [InlineData("E'\\uD800'", "\\uD800")]
    [InlineData("E'\\0'", "\\0")]
    public void Invalid_text_is_a_syntax_problem(string sql, string spanText)
        => Assert.Equal(spanText, Text(sql, LexProblem(sql, SqlProblemKind.Syntax).Span));

    [Fact]
    public void Empty_text_is_only_the_end()
    {
        var result = SqlLexer.Lex(string.Empty);
        Assert.Empty(result.Problems);
        Assert.Equal(SqlTokenKind.EndOfInput, Assert.Single(result.Tokens).Kind);
    }
}
