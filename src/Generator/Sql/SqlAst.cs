namespace ShardGen.Generator.Sql;

// The syntax tree of one [Query] statement. Every type is an immutable, equatable record holding only
// strings, enums, spans and EquatableArray<T>, so a tree can sit inside a cached incremental model.
// Spans are 0-based offsets into the SQL text the parser was given.

/// <summary>A range of the SQL text: 0-based <see cref="Start"/> and <see cref="Length"/>.</summary>
internal readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;

    public static TextSpan FromBounds(int start, int end) => new(start, end - start);

    public override string ToString() => $"[{Start}..{End})";
}

/// <summary><see cref="Syntax"/>: not valid SQL. <see cref="Unsupported"/>: valid PostgreSQL that ShardGen cannot plan.</summary>
internal enum SqlProblemKind
{
    Syntax,
    Unsupported,
}

internal sealed record SqlProblem(SqlProblemKind Kind, string Message, TextSpan Span);

/// <summary>
/// The outcome of <see cref="SqlParser.Parse"/>. <see cref="Statement"/> is set exactly when <see cref="Problems"/> is empty:
/// after any problem (even an unsupported construct the parser could step over) it is null, so that nothing plans a tree
/// with holes in it. Problems are ordered by their position in the text.
/// </summary>
internal sealed record ParseResult(SqlStatement? Statement, EquatableArray<SqlProblem> Problems)
{
    public bool HasProblems => Problems.Count > 0;
}

internal abstract record SqlNode(TextSpan Span);

// ---- expressions

internal abstract record SqlExpr(TextSpan Span) : SqlNode(Span);

/// <summary><c>a.b</c> or <c>b</c>. Identifiers are normalized as PostgreSQL does: unquoted folded to lower case, quoted kept exactly.</summary>
internal sealed record ColumnRef(TextSpan Span, string? Qualifier, string Name) : SqlExpr(Span);

/// <summary><c>@name</c>; <see cref="Name"/> is written without the <c>@</c>, as in the SQL.</summary>
internal sealed record ParameterRef(TextSpan Span, string Name) : SqlExpr(Span);

internal enum LiteralKind
{
    Integer,
    Numeric,
    String,
    Boolean,
    Null,
}

/// <summary>A constant; <see cref="Value"/> is the decoded text (<c>'it''s'</c> → <c>it's</c>, <c>TRUE</c> → <c>true</c>, <c>NULL</c> → <c>null</c>).</summary>
internal sealed record Literal(TextSpan Span, LiteralKind Kind, string Value) : SqlExpr(Span);

/// <summary><c>*</c> or <c>t.*</c>.</summary>
internal sealed record StarExpr(TextSpan Span, string? Qualifier) : SqlExpr(Span);

/// <summary><see cref="Operator"/> is <c>"NOT"</c>, <c>"-"</c> or <c>"+"</c>.</summary>
internal sealed record UnaryExpr(TextSpan Span, string Operator, SqlExpr Operand) : SqlExpr(Span);

/// <summary>
/// <see cref="Operator"/> is upper case and canonical: AND, OR, =, &lt;&gt; (also written !=), &lt;, &lt;=, &gt;, &gt;=,
/// +, -, *, /, %, ||, LIKE, NOT LIKE, ILIKE, NOT ILIKE, IS DISTINCT FROM, IS NOT DISTINCT FROM.
/// </summary>
internal sealed record BinaryExpr(TextSpan Span, string Operator, SqlExpr Left, SqlExpr Right) : SqlExpr(Span);

/// <summary><c>x [NOT] IN (a, b, ...)</c>.</summary>
internal sealed record InExpr(TextSpan Span, SqlExpr Operand, EquatableArray<SqlExpr> Items, bool Negated) : SqlExpr(Span);

/// <summary><c>x [NOT] IN (SELECT ...)</c>.</summary>
internal sealed record InSubqueryExpr(TextSpan Span, SqlExpr Operand, SelectStatement Query, bool Negated) : SqlExpr(Span);

/// <summary><c>(SELECT ...)</c> used as a value (a scalar subquery). Its span includes the parentheses.</summary>
internal sealed record SubqueryExpr(TextSpan Span, SelectStatement Query) : SqlExpr(Span);

/// <summary><c>EXISTS (SELECT ...)</c>; <c>NOT EXISTS</c> is a <see cref="UnaryExpr"/> around it.</summary>
internal sealed record ExistsExpr(TextSpan Span, SelectStatement Query) : SqlExpr(Span);

/// <summary><c>x op ANY(array)</c>, e.g. <c>id = ANY(@ids)</c>.</summary>
internal sealed record AnyExpr(TextSpan Span, SqlExpr Operand, string Operator, SqlExpr Array) : SqlExpr(Span);

/// <summary><c>x [NOT] BETWEEN low AND high</c>.</summary>
internal sealed record BetweenExpr(TextSpan Span, SqlExpr Operand, SqlExpr Low, SqlExpr High, bool Negated) : SqlExpr(Span);

/// <summary><c>x IS [NOT] NULL</c> (also <c>ISNULL</c> / <c>NOTNULL</c>).</summary>
internal sealed record IsNullExpr(TextSpan Span, SqlExpr Operand, bool Negated) : SqlExpr(Span);

/// <summary>
/// <c>name(args)</c>. <c>count(*)</c> has <see cref="Star"/> set and no arguments; <c>count(DISTINCT x)</c> has <see cref="Distinct"/> set.
/// <see cref="Name"/> is lower case unless quoted; a schema-qualified name is kept qualified (<c>pg_catalog.lower</c>).
/// SQL keywords used as values (<c>CURRENT_DATE</c>, <c>CURRENT_TIMESTAMP</c>, <c>LOCALTIMESTAMP</c>, ...) are calls with no arguments.
/// An aggregate's <c>FILTER (WHERE ...)</c> is <see cref="Filter"/>, and the call's span then includes it.
/// </summary>
internal sealed record FunctionCall(TextSpan Span, string Name, EquatableArray<SqlExpr> Arguments, bool Distinct, bool Star, SqlExpr? Filter = null) : SqlExpr(Span);

/// <summary>
/// <c>f(args) OVER ([PARTITION BY ...] [ORDER BY ...] [frame])</c>: a window function. <see cref="Function"/> is the call
/// (an aggregate name here computes over the window, not over a group); the frame, when written, is kept as text.
/// </summary>
internal sealed record WindowCall(TextSpan Span, FunctionCall Function, EquatableArray<SqlExpr> PartitionBy, EquatableArray<OrderItem> OrderBy) : SqlExpr(Span);

/// <summary><c>CASE [operand] WHEN ... THEN ... [ELSE ...] END</c>.</summary>
internal sealed record CaseExpr(TextSpan Span, SqlExpr? Operand, EquatableArray<WhenClause> Whens, SqlExpr? Else) : SqlExpr(Span);

internal sealed record WhenClause(TextSpan Span, SqlExpr Condition, SqlExpr Result) : SqlNode(Span);

/// <summary>
/// <c>CAST(x AS type)</c>, <c>x::type</c> (<see cref="ColonSyntax"/>) or a typed literal <c>date '2020-01-01'</c> (operand a string
/// <see cref="Literal"/>). <see cref="TypeName"/> is lower case with spacing collapsed: <c>numeric(10,2)</c>,
/// <c>timestamp with time zone</c>, <c>int[]</c>; a quoted type name is kept quoted.
/// </summary>
internal sealed record CastExpr(TextSpan Span, SqlExpr Operand, string TypeName, bool ColonSyntax) : SqlExpr(Span);

// A parenthesized expression is the inner node with its Span widened to include the parentheses.

// ---- statements

internal abstract record SqlStatement(TextSpan Span) : SqlNode(Span);

/// <summary>
/// A table in FROM, JOIN, INSERT, UPDATE or DELETE. <see cref="Span"/> covers <c>schema.name AS alias</c>; <see cref="NameSpan"/> only
/// <c>schema.name</c>. A subquery in FROM (<c>(SELECT ...) AS x</c>) has its <see cref="Query"/>, the alias as <see cref="Name"/>
/// and <see cref="Alias"/>, and the parenthesized subquery as <see cref="NameSpan"/>.
/// </summary>
internal sealed record TableRef(TextSpan Span, string? Schema, string Name, string? Alias, TextSpan NameSpan, SelectStatement? Query = null) : SqlNode(Span);

/// <summary>The kind of a join; <c>FROM a, b</c> makes <c>b</c> a <see cref="Cross"/> join without ON.</summary>
internal enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

internal sealed record JoinClause(TextSpan Span, JoinKind Kind, TableRef Table, SqlExpr? On) : SqlNode(Span);

/// <summary><c>expr AS alias</c> or <c>expr alias</c>.</summary>
internal sealed record SelectItem(TextSpan Span, SqlExpr Expr, string? Alias) : SqlNode(Span);

/// <summary><see cref="NullsFirst"/> is null when NULLS FIRST/LAST is not written.</summary>
internal sealed record OrderItem(TextSpan Span, SqlExpr Expr, bool Descending, bool? NullsFirst) : SqlNode(Span);

/// <summary><c>name AS [NOT MATERIALIZED] (SELECT ...)</c> of a WITH clause; <see cref="Span"/> runs from the name to the closing parenthesis.</summary>
internal sealed record CommonTableExpression(TextSpan Span, string Name, TextSpan NameSpan, SelectStatement Query) : SqlNode(Span);

/// <summary>
/// A SELECT. <see cref="SelectListSpan"/> runs from the first item to the end of the last; <see cref="FromSpan"/> from FROM through
/// the end of the last join; every other clause span from its keyword to the end of the clause (<c>LIMIT n</c>, <c>OFFSET m</c>).
/// <see cref="With"/> holds the common table expressions of a leading WITH clause; <see cref="Span"/> then starts at WITH.
/// <c>DISTINCT ON (a, b)</c> fills <see cref="DistinctOn"/> and <see cref="DistinctOnSpan"/> (from DISTINCT to the closing
/// parenthesis) and leaves <see cref="Distinct"/> false.
/// </summary>
internal sealed record SelectStatement(
    TextSpan Span,
    bool Distinct,
    EquatableArray<SelectItem> Items,
    TableRef? From,
    EquatableArray<JoinClause> Joins,
    SqlExpr? Where,
    EquatableArray<SqlExpr> GroupBy,
    SqlExpr? Having,
    EquatableArray<OrderItem> OrderBy,
    SqlExpr? Limit,
    SqlExpr? Offset,
    TextSpan SelectListSpan,
    TextSpan? FromSpan,
    TextSpan? WhereSpan,
    TextSpan? GroupBySpan,
    TextSpan? HavingSpan,
    TextSpan? OrderBySpan,
    TextSpan? LimitSpan,
    TextSpan? OffsetSpan,
    EquatableArray<CommonTableExpression> With = default,
    EquatableArray<SqlExpr> DistinctOn = default,
    TextSpan? DistinctOnSpan = null) : SqlStatement(Span);

/// <summary>
/// <c>SELECT ... UNION [ALL] SELECT ... [INTERSECT | EXCEPT ...] [ORDER BY ...] [LIMIT ...] [OFFSET ...]</c>: <see cref="Operators"/>[i]
/// (<c>UNION</c>, <c>UNION ALL</c>, <c>INTERSECT</c>, ...) joins branch i and i + 1; ORDER BY, LIMIT and OFFSET apply to the whole.
/// </summary>
internal sealed record SetOperationStatement(
    TextSpan Span,
    EquatableArray<SelectStatement> Branches,
    EquatableArray<string> Operators,
    EquatableArray<TextSpan> OperatorSpans,
    EquatableArray<OrderItem> OrderBy,
    SqlExpr? Limit,
    SqlExpr? Offset) : SqlStatement(Span);

/// <summary><c>column = value</c> in UPDATE SET or ON CONFLICT DO UPDATE SET.</summary>
internal sealed record SetClause(TextSpan Span, string Column, TextSpan ColumnSpan, SqlExpr Value) : SqlNode(Span);

/// <summary><c>ON CONFLICT (a, b) DO NOTHING</c> or <c>DO UPDATE SET a = EXCLUDED.a, ... [WHERE ...]</c>.</summary>
internal sealed record OnConflict(TextSpan Span, EquatableArray<string> Columns, bool DoNothing, EquatableArray<SetClause> Updates, SqlExpr? Where) : SqlNode(Span);

/// <summary><c>INSERT INTO t (cols) VALUES ...</c> (<see cref="Rows"/>) or <c>INSERT INTO t (cols) SELECT ...</c> (<see cref="Query"/>, no rows).</summary>
internal sealed record InsertStatement(
    TextSpan Span,
    TableRef Table,
    EquatableArray<string> Columns,
    EquatableArray<TextSpan> ColumnSpans,
    EquatableArray<EquatableArray<SqlExpr>> Rows,
    OnConflict? OnConflict,
    EquatableArray<SelectItem> Returning,
    TextSpan? ReturningSpan,
    SelectStatement? Query = null) : SqlStatement(Span);

internal sealed record UpdateStatement(
    TextSpan Span,
    TableRef Table,
    EquatableArray<SetClause> Sets,
    SqlExpr? Where,
    EquatableArray<SelectItem> Returning,
    TextSpan? WhereSpan,
    TextSpan? ReturningSpan) : SqlStatement(Span);

internal sealed record DeleteStatement(
    TextSpan Span,
    TableRef Table,
    SqlExpr? Where,
    EquatableArray<SelectItem> Returning,
    TextSpan? WhereSpan,
    TextSpan? ReturningSpan) : SqlStatement(Span);
