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

    /// <summary><c>B'1010'</c> or <c>X'1F'</c>; <see cref="Literal.Value"/> is the text between the quotes.</summary>
    BitString,
}

/// <summary>A constant; <see cref="Value"/> is the decoded text (<c>'it''s'</c> → <c>it's</c>, <c>TRUE</c> → <c>true</c>, <c>NULL</c> → <c>null</c>).</summary>
internal sealed record Literal(TextSpan Span, LiteralKind Kind, string Value) : SqlExpr(Span);

/// <summary><c>*</c> or <c>t.*</c>.</summary>
internal sealed record StarExpr(TextSpan Span, string? Qualifier) : SqlExpr(Span);

/// <summary><see cref="Operator"/> is <c>"NOT"</c> or a prefix operator as written (<c>-</c>, <c>+</c>, <c>~</c>, <c>|/</c>, <c>@</c>, ...).</summary>
internal sealed record UnaryExpr(TextSpan Span, string Operator, SqlExpr Operand) : SqlExpr(Span);

/// <summary>
/// <see cref="Operator"/> is upper case and canonical for the keyword operators: AND, OR, LIKE, NOT LIKE, ILIKE, NOT ILIKE,
/// SIMILAR TO, NOT SIMILAR TO, IS DISTINCT FROM, IS NOT DISTINCT FROM; &lt;&gt; is also written !=. Any other operator is kept
/// as written (<c>-&gt;&gt;</c>, <c>@&gt;</c>, <c>~*</c>, a user-defined <c>###</c>, or <c>OPERATOR(pg_catalog.+)</c>) and binds by
/// PostgreSQL's precedence. <c>x LIKE p ESCAPE e</c> has a <see cref="FunctionCall"/> <c>like_escape(p, e)</c> on the right (and
/// SIMILAR TO ... ESCAPE a <c>similar_to_escape(p, e)</c>), as PostgreSQL's own parser builds it.
/// </summary>
internal sealed record BinaryExpr(TextSpan Span, string Operator, SqlExpr Left, SqlExpr Right) : SqlExpr(Span);

/// <summary><c>x [NOT] IN (a, b, ...)</c>.</summary>
internal sealed record InExpr(TextSpan Span, SqlExpr Operand, EquatableArray<SqlExpr> Items, bool Negated) : SqlExpr(Span);

/// <summary>
/// <c>x [NOT] IN (SELECT ...)</c>, and <c>x op ANY|SOME|ALL (SELECT ...)</c> (PostgreSQL's ANY and ALL sublinks, of which
/// IN is <c>= ANY</c>): <see cref="Operator"/> as in <see cref="BinaryExpr"/>, <see cref="All"/> for ALL. <see cref="Quantified"/>: written
/// with ANY, SOME or ALL rather than IN (PostgreSQL's tree keeps the operator only then).
/// </summary>
internal sealed record InSubqueryExpr(TextSpan Span, SqlExpr Operand, SelectStatement Query, bool Negated, string Operator = "=", bool All = false, bool Quantified = false) : SqlExpr(Span)
{
    /// <summary>Whether it tests membership in the subquery's rows: <c>IN</c>, <c>= ANY</c>, <c>NOT IN</c>, <c>&lt;&gt; ALL</c>.</summary>
    public bool IsMembership => All ? Operator == "<>" : Operator == "=";
}

/// <summary><c>(SELECT ...)</c> used as a value (a scalar subquery). Its span includes the parentheses.</summary>
internal sealed record SubqueryExpr(TextSpan Span, SelectStatement Query) : SqlExpr(Span);

/// <summary><c>EXISTS (SELECT ...)</c>; <c>NOT EXISTS</c> is a <see cref="UnaryExpr"/> around it.</summary>
internal sealed record ExistsExpr(TextSpan Span, SelectStatement Query) : SqlExpr(Span);

/// <summary><c>x op ANY(array)</c> (or <c>SOME</c>), e.g. <c>id = ANY(@ids)</c>; <see cref="Operator"/> as in <see cref="BinaryExpr"/> (<c>LIKE ANY</c> too).</summary>
internal sealed record AnyExpr(TextSpan Span, SqlExpr Operand, string Operator, SqlExpr Array) : SqlExpr(Span);

/// <summary><c>x op ALL(array)</c>: the comparison holds for every element (<c>NOT LIKE ALL</c> too).</summary>
internal sealed record AllExpr(TextSpan Span, SqlExpr Operand, string Operator, SqlExpr Array) : SqlExpr(Span);

/// <summary><c>ARRAY[a, b]</c>; an inner <c>[c, d]</c> of a multi-dimensional constructor is an ArrayExpr too.</summary>
internal sealed record ArrayExpr(TextSpan Span, EquatableArray<SqlExpr> Elements) : SqlExpr(Span);

/// <summary><c>ARRAY(SELECT ...)</c>: the rows of a one-column subquery as an array.</summary>
internal sealed record ArraySubqueryExpr(TextSpan Span, SelectStatement Query) : SqlExpr(Span);

/// <summary>
/// <c>x[i]</c>, or a slice <c>x[lo:hi]</c> (<see cref="Slice"/>) whose bounds may be left out (<c>x[:hi]</c>, <c>x[lo:]</c>). <see cref="Nested"/>:
/// the operand is a subscript or field selection in parentheses, <c>(a[1])[2]</c>, which PostgreSQL reads apart from <c>a[1][2]</c>
/// (on a two-dimensional array the first is null, the second an element).
/// </summary>
internal sealed record SubscriptExpr(TextSpan Span, SqlExpr Operand, SqlExpr? Lower, SqlExpr? Upper, bool Slice, bool Nested = false) : SqlExpr(Span);

/// <summary><c>ROW(a, b)</c>, <c>ROW()</c> or <c>(a, b)</c>: a row value, compared column by column in order; <see cref="Explicit"/>: written with ROW.</summary>
internal sealed record RowExpr(TextSpan Span, EquatableArray<SqlExpr> Items, bool Explicit = false) : SqlExpr(Span);

/// <summary>
/// <c>(x).field</c>, or <c>(x).*</c> with <see cref="Field"/> <c>*</c>: field selection from a composite value. <see cref="Nested"/>: the
/// operand is a subscript or field selection in parentheses, <c>(a[1]).f</c> (see <see cref="SubscriptExpr.Nested"/>).
/// </summary>
internal sealed record FieldExpr(TextSpan Span, SqlExpr Operand, string Field, bool Nested = false) : SqlExpr(Span);

/// <summary><c>x COLLATE "C"</c>; <see cref="Collation"/> as written (normalized like a type name, quoted when quoted).</summary>
internal sealed record CollateExpr(TextSpan Span, SqlExpr Operand, string Collation) : SqlExpr(Span);

/// <summary><c>name =&gt; value</c> or <c>name := value</c>: a named argument of a call.</summary>
internal sealed record NamedArgument(TextSpan Span, string Name, SqlExpr Value) : SqlExpr(Span);

/// <summary><c>x IS [NOT] TRUE</c>, <c>FALSE</c>, <c>UNKNOWN</c>, <c>DOCUMENT</c> or <c>[NFC|NFD|NFKC|NFKD] NORMALIZED</c>; <see cref="Test"/> upper case.</summary>
internal sealed record BooleanTestExpr(TextSpan Span, SqlExpr Operand, string Test, bool Negated) : SqlExpr(Span);

/// <summary><c>DEFAULT</c> as a value of INSERT ... VALUES or UPDATE ... SET: the column's default.</summary>
internal sealed record DefaultExpr(TextSpan Span) : SqlExpr(Span);

/// <summary>
/// A grouping construct of GROUP BY: <c>ROLLUP (...)</c>, <c>CUBE (...)</c>, <c>GROUPING SETS (...)</c> (<see cref="Kind"/> ROLLUP, CUBE,
/// SETS) or the empty set <c>()</c> (EMPTY). An item grouping several expressions, <c>(a, b)</c>, is a <see cref="RowExpr"/>.
/// </summary>
internal sealed record GroupingSetExpr(TextSpan Span, string Kind, EquatableArray<SqlExpr> Items) : SqlExpr(Span);

/// <summary><c>x [NOT] BETWEEN [SYMMETRIC] low AND high</c>; SYMMETRIC swaps the bounds when low &gt; high.</summary>
internal sealed record BetweenExpr(TextSpan Span, SqlExpr Operand, SqlExpr Low, SqlExpr High, bool Negated, bool Symmetric = false) : SqlExpr(Span);

/// <summary><c>x IS [NOT] NULL</c> (also <c>ISNULL</c> / <c>NOTNULL</c>).</summary>
internal sealed record IsNullExpr(TextSpan Span, SqlExpr Operand, bool Negated) : SqlExpr(Span);

/// <summary>
/// <c>name(args)</c>. <c>count(*)</c> has <see cref="Star"/> set and no arguments; <c>count(DISTINCT x)</c> has <see cref="Distinct"/> set.
/// <see cref="Name"/> is lower case unless quoted; a schema-qualified name is kept qualified (<c>pg_catalog.lower</c>).
/// SQL keywords used as values (<c>CURRENT_DATE</c>, <c>CURRENT_TIMESTAMP</c>, <c>LOCALTIMESTAMP</c>, ...) are calls with no arguments.
/// An aggregate's <c>FILTER (WHERE ...)</c> is <see cref="Filter"/>, and the call's span then includes it. <see cref="OrderBy"/> is an
/// aggregate's <c>ORDER BY</c> inside the parentheses, or with <see cref="WithinGroup"/> its <c>WITHIN GROUP (ORDER BY ...)</c> (an
/// ordered-set aggregate). <see cref="Variadic"/>: the last argument is written <c>VARIADIC array</c>. A named argument is a
/// <see cref="NamedArgument"/>. The keyword forms <c>substring(s FROM a FOR b)</c>, <c>trim(BOTH x FROM s)</c>, <c>overlay(s PLACING
/// x FROM a)</c> and <c>position(x IN s)</c> are calls of that name with the operands in the order written, and
/// <see cref="SqlSyntax"/> their keywords around <c>_</c> for each operand (<c>substring(_ FROM _ FOR _)</c>, <c>trim(BOTH _ FROM _)</c>);
/// <c>normalize(s, NFC)</c> is a call with the arguments s and <c>'NFC'</c>, its syntax <c>normalize(_, NFC)</c>.
/// The other calls PostgreSQL's grammar spells with keywords have a <see cref="SqlSyntax"/> too: <c>VALUE</c> for the value keywords,
/// <c>EXTRACT</c> (<c>extract('field', x)</c>), <c>AT TIME ZONE</c> (<c>timezone(z, x)</c>) and <c>COLLATION FOR</c> (<c>pg_collation_for(x)</c>).
/// </summary>
internal sealed record FunctionCall(
    TextSpan Span,
    string Name,
    EquatableArray<SqlExpr> Arguments,
    bool Distinct,
    bool Star,
    SqlExpr? Filter = null,
    EquatableArray<OrderItem> OrderBy = default,
    bool WithinGroup = false,
    bool Variadic = false,
    string? SqlSyntax = null) : SqlExpr(Span);

/// <summary>
/// <c>f(args) OVER ([name] [PARTITION BY ...] [ORDER BY ...] [frame])</c> or <c>f(args) OVER name</c>: a window function.
/// <see cref="Function"/> is the call (an aggregate name here computes over the window, not over a group). <see cref="Name"/>
/// is the window of the WINDOW clause it names or builds on; the frame, when written, is <see cref="Frame"/>, its offsets
/// (<c>@n PRECEDING</c>, <c>INTERVAL '1 day' PRECEDING</c>) in <see cref="FrameOffsets"/>. <see cref="Copies"/>: written
/// <c>OVER (name ...)</c>, a new window that copies the named one (PostgreSQL's <c>refname</c>); <c>OVER name</c> is that window itself.
/// </summary>
internal sealed record WindowCall(
    TextSpan Span,
    FunctionCall Function,
    EquatableArray<SqlExpr> PartitionBy,
    EquatableArray<OrderItem> OrderBy,
    string? Name = null,
    EquatableArray<SqlExpr> FrameOffsets = default,
    WindowFrame? Frame = null,
    bool Copies = false) : SqlExpr(Span);

/// <summary>
/// <c>ROWS | RANGE | GROUPS [BETWEEN] start [AND end] [EXCLUDE ...]</c> of a window: <see cref="Mode"/> ROWS, RANGE or GROUPS; each bound
/// UNBOUNDED PRECEDING, UNBOUNDED FOLLOWING, CURRENT ROW, or PRECEDING or FOLLOWING after the next of the window's frame offsets;
/// <see cref="Exclude"/> CURRENT ROW, GROUP, TIES or NO OTHERS. All upper case.
/// </summary>
internal sealed record WindowFrame(TextSpan Span, string Mode, string Start, string? End, string? Exclude) : SqlNode(Span);

/// <summary><c>name AS ([base] [PARTITION BY ...] [ORDER BY ...] [frame])</c> of a WINDOW clause.</summary>
internal sealed record WindowDefinition(TextSpan Span, string Name, EquatableArray<SqlExpr> PartitionBy, EquatableArray<OrderItem> OrderBy, string? BaseName, EquatableArray<SqlExpr> FrameOffsets, WindowFrame? Frame = null) : SqlNode(Span);

/// <summary><c>FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE [OF t, ...] [NOWAIT | SKIP LOCKED]</c>; <see cref="Strength"/> upper case.</summary>
internal sealed record LockingClause(TextSpan Span, string Strength, EquatableArray<string> Of, string? Wait) : SqlNode(Span);

/// <summary><c>CASE [operand] WHEN ... THEN ... [ELSE ...] END</c>.</summary>
internal sealed record CaseExpr(TextSpan Span, SqlExpr? Operand, EquatableArray<WhenClause> Whens, SqlExpr? Else) : SqlExpr(Span);

internal sealed record WhenClause(TextSpan Span, SqlExpr Condition, SqlExpr Result) : SqlNode(Span);

/// <summary>
/// <c>CAST(x AS type)</c>, <c>x::type</c> (<see cref="ColonSyntax"/>) or a typed literal <c>date '2020-01-01'</c> (operand a string
/// <see cref="Literal"/>). <see cref="TypeName"/> is lower case with spacing collapsed: <c>numeric(10,2)</c>,
/// <c>timestamp with time zone</c>, <c>int[]</c>; a quoted type name is kept quoted. <see cref="TypedLiteral"/>: written as a typed
/// literal (PostgreSQL gives <c>char 'x'</c> no length, <c>CAST('x' AS char)</c> a length of 1). <c>N'x'</c> is the typed literal
/// <c>nchar 'x'</c>, as PostgreSQL's scanner reads it.
/// </summary>
internal sealed record CastExpr(TextSpan Span, SqlExpr Operand, string TypeName, bool ColonSyntax, bool TypedLiteral = false) : SqlExpr(Span);

// A parenthesized expression is the inner node with its Span widened to include the parentheses.

// ---- statements

internal abstract record SqlStatement(TextSpan Span) : SqlNode(Span);

/// <summary>
/// An item of FROM (PostgreSQL's <c>table_ref</c>), or the table of INSERT, UPDATE or DELETE. <see cref="Span"/> covers
/// <c>schema.name AS alias</c>; <see cref="NameSpan"/> only <c>schema.name</c>. <see cref="Only"/>: written <c>ONLY t</c>.
/// A subquery in FROM (<c>(SELECT ...) AS x</c>, <c>(VALUES ...) AS v</c>) has its <see cref="Query"/>, the alias as <see cref="Name"/>
/// and <see cref="Alias"/>, and the parenthesized subquery as <see cref="NameSpan"/>. A function in FROM (<c>unnest(@a) AS u</c>,
/// <c>ROWS FROM (f(), g())</c>) has its calls in <see cref="Functions"/>, the first function's name as <see cref="Name"/> and its
/// calls as <see cref="NameSpan"/>; <see cref="Ordinality"/>: <c>WITH ORDINALITY</c>. A parenthesized join (<c>(a JOIN b ON ...) AS j</c>)
/// is <see cref="Nested"/>, with the alias (if any) as <see cref="Name"/>. <see cref="ColumnAliases"/> are the names of an alias's
/// column list (<c>AS t(a, b)</c>; of a column definition list <c>AS t(a int, b text)</c> the names, and the types, normalized as
/// <see cref="CastExpr.TypeName"/>, in <see cref="ColumnTypes"/>). <see cref="RowsFrom"/>: the functions are written <c>ROWS FROM (...)</c>.
/// <see cref="Lateral"/>: written <c>LATERAL</c> (a function in FROM is lateral anyway, as in PostgreSQL). <see cref="Sample"/>: a
/// table's <c>TABLESAMPLE</c> clause. <see cref="AliasesWritten"/>: how many of <see cref="ColumnAliases"/> the alias's list gives,
/// when the others are the function's own columns (XMLTABLE's COLUMNS); -1 when all are written.
/// </summary>
internal sealed record TableRef(
    TextSpan Span,
    string? Schema,
    string Name,
    string? Alias,
    TextSpan NameSpan,
    SelectStatement? Query = null,
    EquatableArray<string> ColumnAliases = default,
    EquatableArray<SqlExpr> Functions = default,
    bool Ordinality = false,
    bool Lateral = false,
    bool Only = false,
    JoinedTable? Nested = null,
    EquatableArray<string> ColumnTypes = default,
    bool RowsFrom = false,
    TableSample? Sample = null,
    int AliasesWritten = -1) : SqlNode(Span);

/// <summary><c>TABLESAMPLE method (arguments) [REPEATABLE (seed)]</c> after a table in FROM; <see cref="Method"/> as written (<c>system</c>, <c>bernoulli</c>, ...).</summary>
internal sealed record TableSample(TextSpan Span, string Method, EquatableArray<SqlExpr> Arguments, SqlExpr? Repeatable) : SqlNode(Span);

/// <summary>A FROM list or a parenthesized join: the first item and the items joined to it, in order.</summary>
internal sealed record JoinedTable(TextSpan Span, TableRef First, EquatableArray<JoinClause> Joins) : SqlNode(Span);

/// <summary>The kind of a join; <c>FROM a, b</c> makes <c>b</c> a <see cref="Cross"/> join without ON.</summary>
internal enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

/// <summary>
/// One join: <see cref="On"/> for <c>ON ...</c>; <see cref="Using"/> for <c>USING (a, b)</c>, with <see cref="UsingAlias"/> for
/// <c>USING (a) AS j</c>; <see cref="Natural"/> for a NATURAL join (neither ON nor USING written); <see cref="Comma"/> for an item after a
/// comma of a FROM list (a <see cref="JoinKind.Cross"/> join written <c>a, b</c> rather than <c>a CROSS JOIN b</c>).
/// </summary>
internal sealed record JoinClause(TextSpan Span, JoinKind Kind, TableRef Table, SqlExpr? On, EquatableArray<string> Using = default, string? UsingAlias = null, bool Natural = false, bool Comma = false) : SqlNode(Span);

/// <summary><c>expr AS alias</c> or <c>expr alias</c>.</summary>
internal sealed record SelectItem(TextSpan Span, SqlExpr Expr, string? Alias) : SqlNode(Span);

/// <summary>
/// <see cref="NullsFirst"/> is null when NULLS FIRST/LAST is not written; <see cref="Using"/> is the operator of <c>USING &lt;</c>;
/// <see cref="Ascending"/>: ASC is written (the order is the same without it).
/// </summary>
internal sealed record OrderItem(TextSpan Span, SqlExpr Expr, bool Descending, bool? NullsFirst, string? Using = null, bool Ascending = false) : SqlNode(Span);

/// <summary>
/// <c>name [(a, b)] AS [[NOT] MATERIALIZED] (query)</c> of a WITH clause; <see cref="Span"/> runs from the name to the closing
/// parenthesis. <see cref="Columns"/> is the column list, when written. <see cref="Query"/> is a SELECT (a set operation or a
/// VALUES list included), or, in a data-modifying CTE, an <see cref="InsertStatement"/>, <see cref="UpdateStatement"/> or
/// <see cref="DeleteStatement"/> (as libpg_query's <c>CommonTableExpr.ctequery</c>). <see cref="Recursive"/>: the clause is
/// <c>WITH RECURSIVE</c>, so the body may read the CTE itself. <see cref="Materialized"/> true for MATERIALIZED, false for NOT
/// MATERIALIZED, null when neither is written.
/// </summary>
internal sealed record CommonTableExpression(TextSpan Span, string Name, TextSpan NameSpan, SqlStatement Query, EquatableArray<string> Columns = default, bool Recursive = false, bool? Materialized = null) : SqlNode(Span)
{
    /// <summary>The body when it is a query (not a data-modifying statement).</summary>
    public SelectStatement? Select => Query as SelectStatement;
}

/// <summary>
/// A SELECT. <see cref="SelectListSpan"/> runs from the first item to the end of the last; <see cref="FromSpan"/> from FROM through
/// the end of the last join; every other clause span from its keyword to the end of the clause (<c>LIMIT n</c>, <c>OFFSET m</c>).
/// <see cref="With"/> holds the common table expressions of a leading WITH clause; <see cref="Span"/> then starts at WITH.
/// <c>DISTINCT ON (a, b)</c> fills <see cref="DistinctOn"/> and <see cref="DistinctOnSpan"/> (from DISTINCT to the closing
/// parenthesis) and leaves <see cref="Distinct"/> false. An empty select list (<c>SELECT FROM t</c>) has no items and an empty
/// <see cref="SelectListSpan"/> where the list would be. <c>FETCH FIRST n ROWS ONLY</c> is <see cref="Limit"/> (its span the
/// clause), <c>... WITH TIES</c> also sets <see cref="LimitWithTies"/>; <c>LIMIT ALL</c> leaves <see cref="Limit"/> null and sets <see cref="LimitAll"/>.
/// <see cref="Windows"/> is the WINDOW clause (<see cref="WindowSpan"/> from WINDOW to the end of its last definition); <see cref="Locking"/> the FOR UPDATE/SHARE clauses (<see cref="LockingSpan"/> all of
/// them). A VALUES list (the statement <c>VALUES (1), (2)</c>, or <c>(VALUES ...)</c> in FROM) is a SelectStatement with its rows in
/// <see cref="Values"/> and no items; its span starts at VALUES. <see cref="GroupByDistinct"/>: <c>GROUP BY DISTINCT</c>.
/// A set operation where a query goes (a subquery, a CTE's body) is a SelectStatement with no items and the set operation as
/// <see cref="SetOperation"/> (as libpg_query's <c>SelectStmt</c> holds <c>op</c>, <c>larg</c> and <c>rarg</c>); its span is the set operation's.
/// <c>TABLE t</c> is <c>SELECT * FROM t</c> with <see cref="TableForm"/> set: its star, select list and FROM spans are the table's,
/// as neither is written, and the table's alias is its name (none can be written).
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
    TextSpan? DistinctOnSpan = null,
    EquatableArray<WindowDefinition> Windows = default,
    EquatableArray<LockingClause> Locking = default,
    TextSpan? LockingSpan = null,
    bool LimitWithTies = false,
    EquatableArray<EquatableArray<SqlExpr>> Values = default,
    bool GroupByDistinct = false,
    bool LimitAll = false,
    SetOperationStatement? SetOperation = null,
    bool TableForm = false,
    TextSpan? WindowSpan = null) : SqlStatement(Span);

/// <summary>
/// <c>SELECT ... UNION [ALL] SELECT ... [INTERSECT | EXCEPT ...] [ORDER BY ...] [LIMIT ...] [OFFSET ...]</c>: <see cref="Operators"/>[i]
/// (<c>UNION</c>, <c>UNION ALL</c>, <c>INTERSECT</c>, ...) joins branch i and i + 1; ORDER BY, LIMIT and OFFSET apply to the whole.
/// <see cref="With"/>: a WITH clause before the first branch (the span then starts at WITH).
/// </summary>
internal sealed record SetOperationStatement(
    TextSpan Span,
    EquatableArray<SelectStatement> Branches,
    EquatableArray<string> Operators,
    EquatableArray<TextSpan> OperatorSpans,
    EquatableArray<OrderItem> OrderBy,
    SqlExpr? Limit,
    SqlExpr? Offset,
    EquatableArray<CommonTableExpression> With = default) : SqlStatement(Span);

/// <summary>
/// <c>column = value</c> in UPDATE SET or ON CONFLICT DO UPDATE SET (<see cref="Value"/> may be a <see cref="DefaultExpr"/>).
/// A multi-column assignment <c>(a, b) = source</c> is one SetClause per column, each with the whole source as
/// <see cref="Value"/> (a <see cref="RowExpr"/> or a <see cref="SubqueryExpr"/>) and the column's place in it as <see cref="Position"/>;
/// <see cref="Span"/> is then the whole assignment. <see cref="Position"/> is -1 for a single-column assignment. An assignment to a
/// field or element (<c>tags[@i] = ...</c>, <c>address.city = ...</c>) has it as <see cref="Target"/> (a <see cref="SubscriptExpr"/> or
/// <see cref="FieldExpr"/> over a <see cref="ColumnRef"/> of <see cref="Column"/>); <see cref="Column"/> is then the base column.
/// </summary>
internal sealed record SetClause(TextSpan Span, string Column, TextSpan ColumnSpan, SqlExpr Value, int Position = -1, SqlExpr? Target = null) : SqlNode(Span);

/// <summary>
/// <c>ON CONFLICT (a, b) DO NOTHING</c> or <c>DO UPDATE SET a = EXCLUDED.a, ... [WHERE ...]</c>. <see cref="Columns"/> are the target's
/// plain columns; its other elements (<c>lower(email)</c>) are <see cref="Expressions"/>; <see cref="TargetWhere"/> is the predicate of
/// a partial unique index (<c>ON CONFLICT (a) WHERE ...</c>); <see cref="Constraint"/> names <c>ON CONFLICT ON CONSTRAINT name</c>.
/// </summary>
internal sealed record OnConflict(
    TextSpan Span,
    EquatableArray<string> Columns,
    bool DoNothing,
    EquatableArray<SetClause> Updates,
    SqlExpr? Where,
    EquatableArray<SqlExpr> Expressions = default,
    SqlExpr? TargetWhere = null,
    string? Constraint = null) : SqlNode(Span);

/// <summary>
/// <c>INSERT INTO t (cols) VALUES ...</c> (<see cref="Rows"/>), <c>INSERT INTO t (cols) SELECT ...</c> (<see cref="Query"/>, no rows) or
/// <c>INSERT INTO t DEFAULT VALUES</c> (<see cref="DefaultValues"/>). <see cref="With"/>: a WITH clause before INSERT (the span then starts
/// at WITH); <see cref="Overriding"/>: <c>OVERRIDING SYSTEM VALUE</c> or <c>OVERRIDING USER VALUE</c> (SYSTEM or USER). When a column
/// is written with a field or element (<c>(tags[1], address.city)</c>), <see cref="Targets"/> holds, for each of <see cref="Columns"/>
/// (the base columns), what it fills: a <see cref="ColumnRef"/>, or a <see cref="SubscriptExpr"/> or <see cref="FieldExpr"/> over one;
/// otherwise it is empty.
/// </summary>
internal sealed record InsertStatement(
    TextSpan Span,
    TableRef Table,
    EquatableArray<string> Columns,
    EquatableArray<TextSpan> ColumnSpans,
    EquatableArray<EquatableArray<SqlExpr>> Rows,
    OnConflict? OnConflict,
    EquatableArray<SelectItem> Returning,
    TextSpan? ReturningSpan,
    SelectStatement? Query = null,
    bool DefaultValues = false,
    EquatableArray<CommonTableExpression> With = default,
    string? Overriding = null,
    EquatableArray<SqlExpr> Targets = default) : SqlStatement(Span);

/// <summary><c>[WITH ...] UPDATE t SET ... [FROM ...] [WHERE ...] [RETURNING ...]</c>; <see cref="From"/> and <see cref="FromSpan"/> are its FROM list.</summary>
internal sealed record UpdateStatement(
    TextSpan Span,
    TableRef Table,
    EquatableArray<SetClause> Sets,
    SqlExpr? Where,
    EquatableArray<SelectItem> Returning,
    TextSpan? WhereSpan,
    TextSpan? ReturningSpan,
    JoinedTable? From = null,
    TextSpan? FromSpan = null,
    EquatableArray<CommonTableExpression> With = default) : SqlStatement(Span);

/// <summary><c>[WITH ...] DELETE FROM t [USING ...] [WHERE ...] [RETURNING ...]</c>; <see cref="Using"/> and <see cref="UsingSpan"/> are its USING list.</summary>
internal sealed record DeleteStatement(
    TextSpan Span,
    TableRef Table,
    SqlExpr? Where,
    EquatableArray<SelectItem> Returning,
    TextSpan? WhereSpan,
    TextSpan? ReturningSpan,
    JoinedTable? Using = null,
    TextSpan? UsingSpan = null,
    EquatableArray<CommonTableExpression> With = default) : SqlStatement(Span);
