namespace ShardGen.Generator.Sql;

internal enum SqlTokenKind
{
    EndOfInput,

    /// <summary>An unquoted identifier or keyword; <see cref="SqlToken.Value"/> is folded to lower case (ASCII only, as PostgreSQL does).</summary>
    Identifier,

    /// <summary>A <c>"quoted identifier"</c>; <see cref="SqlToken.Value"/> is the name exactly, <c>""</c> decoded to <c>"</c>.</summary>
    QuotedIdentifier,

    /// <summary>Decimal digits only; <see cref="SqlToken.Value"/> is the digits without <c>_</c> separators.</summary>
    Integer,

    /// <summary>A number with a point or an exponent (<c>1.5</c>, <c>.5</c>, <c>1e3</c>).</summary>
    Numeric,

    /// <summary>A string constant; <see cref="SqlToken.Value"/> is the decoded text.</summary>
    String,

    /// <summary><c>B'1010'</c> or <c>X'1F'</c>; <see cref="SqlToken.Value"/> is <c>b1010</c> or <c>x1F</c>, as PostgreSQL's scanner gives them.</summary>
    BitString,

    /// <summary><c>@name</c>; <see cref="SqlToken.Value"/> is the name without <c>@</c>.</summary>
    Parameter,

    /// <summary><c>$1</c>, which ShardGen does not accept (the lexer reports it).</summary>
    PositionalParameter,

    /// <summary>An operator as PostgreSQL lexes one (<c>=</c>, <c>&lt;&gt;</c>, <c>||</c>, <c>-&gt;&gt;</c>, ...); <see cref="SqlToken.Value"/> is its text.</summary>
    Operator,

    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Dot,
    Semicolon,
    Colon,
    DoubleColon,
}

/// <summary>One token of the SQL text: its kind, its exact span and its decoded value.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, TextSpan Span, string Value)
{
    /// <summary>Whether this is the unquoted keyword <paramref name="keyword"/> (given in lower case).</summary>
    public bool IsKeyword(string keyword) => Kind == SqlTokenKind.Identifier && Value == keyword;

    public bool IsOperator(string op) => Kind == SqlTokenKind.Operator && Value == op;
}

/// <summary>The tokens of a SQL text, always ending with one <see cref="SqlTokenKind.EndOfInput"/>, and the problems found while lexing.</summary>
internal sealed record SqlLexResult(EquatableArray<SqlToken> Tokens, EquatableArray<SqlProblem> Problems);
