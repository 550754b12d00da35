using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

/// <summary>
/// Parses the SQL of one [Query] method — a PostgreSQL subset — into a <see cref="SqlStatement"/>: a hand-written
/// recursive-descent parser with precedence climbing for expressions, following PostgreSQL's grammar (gram.y).
/// </summary>
/// <remarks>
/// Never throws. Valid PostgreSQL that ShardGen cannot plan is reported as <see cref="SqlProblemKind.Unsupported"/> with the
/// span of the construct; parsing then goes on where it can, so one pass reports several constructs. Invalid SQL is reported
/// as <see cref="SqlProblemKind.Syntax"/> at the offending token and stops the parse. The statement is returned only when
/// there is no problem at all: a tree with holes where unsupported constructs were would invite planning the wrong query.
/// </remarks>
internal static class SqlParser
{
    /// <summary>How deep expressions may nest (parentheses, NOT, unary minus, CASE, calls) before the parser gives up.</summary>
    public const int MaxNestingDepth = 200;

    /// <summary>
    /// How deep the tree may grow through chains of operators (<c>a OR b OR ...</c> nests to the left). Records compare
    /// recursively, so an unbounded tree would risk the compiler's stack when the incremental pipeline compares models.
    /// </summary>
    public const int MaxTreeDepth = 1000;

    public static ParseResult Parse(string sql)
    {
        sql ??= string.Empty;
        try
        {
            var lexed = SqlLexer.Lex(sql);
            if (lexed.Problems.Any(p => p.Kind == SqlProblemKind.Syntax))
            {
                // Tokens after an unterminated string or a stray character mean nothing; parsing them would only add noise.
                return new ParseResult(null, lexed.Problems);
            }

            return new Parser(sql, lexed).Run();
        }
        catch (Exception ex)
        {
            // A bug here must not take the compiler down with it: report it on the whole query instead.
            var problem = new SqlProblem(
                SqlProblemKind.Syntax,
                $"ShardGen's SQL parser failed on this query ({ex.GetType().Name}: {ex.Message}); please report it with the query",
                new TextSpan(0, sql.Length));
            return new ParseResult(null, new[] { problem }.ToEquatableArray());
        }
    }

    // Binding levels, loosest first, as in PostgreSQL's operator precedence table.
    private static class Level
    {
        public const int Or = 1;
        public const int And = 2;
        public const int Not = 3;
        public const int Is = 4;
        public const int Comparison = 5;
        public const int Like = 6; // also IN, BETWEEN, SIMILAR
        public const int OtherOperator = 7; // ||, and any operator PostgreSQL has that ShardGen does not
        public const int Additive = 8;
        public const int Multiplicative = 9;
        public const int Exponent = 10;
        public const int AtTimeZone = 11;
        public const int Collate = 12;
        public const int Unary = 13;
        public const int Postfix = 14; // :: and [ ]
    }

    private enum InfixKind
    {
        None,
        Binary,
        Comparison,
        Is,
        IsNullPostfix,
        Like,
        In,
        Between,
        Similar,
        Cast,
        Subscript,
        AtTimeZone,
        Collate,
        UnsupportedOperator,
    }

    private enum TableContext
    {
        From,
        Insert,
        Update,
        Delete,
    }

    /// <summary>Thrown after a problem that ends the parse; caught in <see cref="Parser.Run"/> only.</summary>
    private sealed class ParseAbort : Exception
    {
    }

    private sealed class Parser
    {
        private readonly string _sql;
        private readonly SqlToken[] _tokens;
        private readonly EquatableArray<SqlProblem> _lexerProblems;
        private readonly List<SqlProblem> _problems = new();
        private int _pos;
        private int _nesting;
        private int _treeDepth;

        // SELECT nesting: only the statement's own SELECT (depth 1) may be a branch of a set operation.
        private int _selectDepth;

        // Whether the statement may be a set operation (a plain SELECT statement, not INSERT ... SELECT or WITH).
        private bool _setOperations;
        private SqlToken _previous;

        public Parser(string sql, SqlLexResult lexed)
        {
            _sql = sql;
            _tokens = lexed.Tokens.ToArray();
            _lexerProblems = lexed.Problems;
        }

        private SqlToken Current => _tokens[_pos];

        private bool AtEnd => Current.Kind == SqlTokenKind.EndOfInput;

        private int PreviousEnd => _previous.Span.End;

        public ParseResult Run()
        {
            SqlStatement? statement = null;
            try
            {
                statement = ParseQuery();
            }
            catch (ParseAbort)
            {
            }

            var problems = _lexerProblems.Concat(_problems).OrderBy(p => p.Span.Start).ToEquatableArray();
            return new ParseResult(problems.Count == 0 ? statement : null, problems);
        }

        // ---- tokens

        private SqlToken TokenAt(int index) => _tokens[Math.Min(index, _tokens.Length - 1)];

        private SqlToken Peek(int offset) => TokenAt(_pos + offset);

        private SqlToken Advance()
        {
            var token = Current;
            if (token.Kind != SqlTokenKind.EndOfInput)
            {
                _previous = token;
                _pos++;
            }

            return token;
        }

        private void MoveTo(int index)
        {
            _pos = index;
            _previous = _tokens[index - 1];
        }

        private bool At(SqlTokenKind kind) => Current.Kind == kind;

        private bool AtKeyword(string keyword) => Current.IsKeyword(keyword);

        private bool PeekKeyword(int offset, string keyword) => Peek(offset).IsKeyword(keyword);

        private bool AtQueryStart(int offset) => PeekKeyword(offset, "select") || PeekKeyword(offset, "with") || PeekKeyword(offset, "values");

        private bool Accept(SqlTokenKind kind)
        {
            if (!At(kind))
            {
                return false;
            }

            Advance();
            return true;
        }

        private bool AcceptKeyword(string keyword)
        {
            if (!AtKeyword(keyword))
            {
                return false;
            }

            Advance();
            return true;
        }

        private SqlToken ExpectKeyword(string keyword)
            => AtKeyword(keyword) ? Advance() : throw FailExpected(keyword.ToUpperInvariant());

        private void ExpectCloseParen(SqlToken open)
        {
            if (Accept(SqlTokenKind.CloseParen))
            {
                return;
            }

            throw AtEnd
                ? Fail(SqlProblemKind.Syntax, "Unbalanced parentheses: this '(' is never closed", open.Span)
                : FailExpected("')'");
        }

        private TextSpan From(int start) => TextSpan.FromBounds(start, Math.Max(start, PreviousEnd));

        private string Text(TextSpan span) => _sql.Substring(span.Start, span.Length);

        private string Describe(SqlToken token) => token.Kind == SqlTokenKind.EndOfInput ? "the end of the query" : Quote(token.Span);

        // A piece of the query for a message: 'WHERE', or a string constant as written ('abc'), without doubled quotes.
        private string Quote(TextSpan span)
        {
            var text = Shorten(Text(span));
            return text.StartsWith("'", StringComparison.Ordinal) ? text : "'" + text + "'";
        }

        private static string Shorten(string text)
        {
            var collapsed = string.Join(" ", text.Split(new[] { ' ', '\t', '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries));
            return collapsed.Length <= 40 ? collapsed : collapsed.Substring(0, 37) + "...";
        }

        // ---- problems

        private void Report(SqlProblemKind kind, string message, TextSpan span) => _problems.Add(new SqlProblem(kind, message, span));

        private ParseAbort Fail(SqlProblemKind kind, string message, TextSpan span)
        {
            Report(kind, message, span);
            return new ParseAbort();
        }

        /// <summary>"Expected {what} after '{previous token}', found '{current token}'", on the current token (or just after the last one at the end).</summary>
        private ParseAbort FailExpected(string what)
        {
            var message = new StringBuilder("Expected ").Append(what);
            if (_pos > 0)
            {
                message.Append(" after ").Append(Quote(_previous.Span));
            }

            if (!AtEnd)
            {
                message.Append(", found ").Append(Describe(Current));
            }

            var span = AtEnd ? new TextSpan(_pos > 0 ? PreviousEnd : 0, 0) : Current.Span;
            return Fail(SqlProblemKind.Syntax, message.ToString(), span);
        }

        private void ReportUnsupported(string message, int start) => Report(SqlProblemKind.Unsupported, message, From(start));

        /// <summary>
        /// Why a row value is refused, and its comparisons written column by column with the same meaning (NULLs included):
        /// a row comparison is lexicographic, so only = and &lt;&gt; split into one condition per column.
        /// </summary>
        private static string RowComparisonAdvice(string what) =>
            what + " are not supported: write the comparison column by column as PostgreSQL evaluates it. (a, b) = (x, y) is a = x AND b = y; "
            + "(a, b) <> (x, y) is a <> x OR b <> y; (a, b) < (x, y) is a < x OR (a = x AND b < y), and likewise for >, <= and >= "
            + "(only the last column's comparison keeps the =): comparing each column with < joined by AND would skip rows.";

        /// <summary>Consumes a ( ... ) or [ ... ] group, nested groups included.</summary>
        private void SkipGroup()
        {
            var open = Current;
            if (open.Kind != SqlTokenKind.OpenParen && open.Kind != SqlTokenKind.OpenBracket)
            {
                throw FailExpected("'('");
            }

            var depth = 0;
            while (true)
            {
                if (AtEnd)
                {
                    throw Fail(SqlProblemKind.Syntax, "Unbalanced parentheses: this '(' is never closed", open.Span);
                }

                var token = Advance();
                if (token.Kind is SqlTokenKind.OpenParen or SqlTokenKind.OpenBracket)
                {
                    depth++;
                }
                else if (token.Kind is SqlTokenKind.CloseParen or SqlTokenKind.CloseBracket)
                {
                    depth--;
                }

                if (depth == 0)
                {
                    return;
                }
            }
        }

        /// <summary>Consumes tokens up to (not including) a ',' or ')' outside any nested group.</summary>
        private void SkipToCommaOrCloseParen()
        {
            while (!AtEnd && !At(SqlTokenKind.Comma) && !At(SqlTokenKind.CloseParen))
            {
                if (At(SqlTokenKind.OpenParen) || At(SqlTokenKind.OpenBracket))
                {
                    SkipGroup();
                }
                else
                {
                    Advance();
                }
            }
        }

        private void SkipQualifiedName()
        {
            if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)))
            {
                throw FailExpected("a name");
            }

            Advance();
            while (At(SqlTokenKind.Dot) && Peek(1).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
            {
                Advance();
                Advance();
            }
        }

        // ---- statements

        private SqlStatement ParseQuery()
        {
            if (AtEnd)
            {
                throw Fail(SqlProblemKind.Syntax, "The query is empty: write one SELECT, INSERT, UPDATE or DELETE statement", new TextSpan(0, _sql.Length));
            }

            _setOperations = !AtKeyword("with");
            var statement = AtKeyword("with") ? ParseWithStatement() : ParseStatement();
            if (statement is SelectStatement first && (AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except")))
            {
                statement = ParseSetOperation(first);
            }

            if (At(SqlTokenKind.Semicolon))
            {
                while (Accept(SqlTokenKind.Semicolon))
                {
                }

                if (!AtEnd)
                {
                    var lastToken = _tokens[_tokens.Length - 2];
                    Report(
                        SqlProblemKind.Unsupported,
                        "Only one statement per query is supported: move this statement into its own [Query] method",
                        TextSpan.FromBounds(Current.Span.Start, lastToken.Span.End));
                }
            }
            else if (!AtEnd)
            {
                throw UnexpectedAfterStatement();
            }

            return statement;
        }

        private ParseAbort UnexpectedAfterStatement()
        {
            if (AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except"))
            {
                return FailSetOperation();
            }

            return Fail(
                SqlProblemKind.Syntax,
                $"Unexpected {Describe(Current)} after {Quote(_previous.Span)}",
                Current.Span);
        }

        private SqlStatement ParseStatement()
        {
            var token = Current;
            if (token.IsKeyword("select"))
            {
                return ParseSelect();
            }

            if (token.IsKeyword("insert"))
            {
                return ParseInsert();
            }

            if (token.IsKeyword("update"))
            {
                return ParseUpdate();
            }

            if (token.IsKeyword("delete"))
            {
                return ParseDelete();
            }

            if (token.Kind == SqlTokenKind.OpenParen && AtQueryStart(1))
            {
                var start = token.Span.Start;
                SkipGroup();
                throw Fail(SqlProblemKind.Unsupported, "A query in parentheses is not supported: remove the parentheses", From(start));
            }

            if (token.Kind == SqlTokenKind.Identifier && SqlKeywords.OtherStatements.Contains(token.Value))
            {
                throw Fail(
                    SqlProblemKind.Unsupported,
                    $"{token.Value.ToUpperInvariant()} statements are not supported: a [Query] holds one SELECT, INSERT, UPDATE or DELETE statement",
                    token.Span);
            }

            throw Fail(
                SqlProblemKind.Syntax,
                $"Expected SELECT, INSERT, UPDATE or DELETE{(_pos > 0 ? $" after {Quote(_previous.Span)}" : string.Empty)}, found {Describe(token)}",
                AtEnd ? new TextSpan(PreviousEnd, 0) : token.Span);
        }

        // WITH a AS (...), b AS (...) SELECT ... — common table expressions of a SELECT.
        private SqlStatement ParseWithStatement()
        {
            var withStart = Current.Span.Start;
            var ctes = ParseWithClause();
            var withSpan = From(withStart);
            if (!AtKeyword("select"))
            {
                var statement = ParseStatement();
                if (ctes is not null)
                {
                    Report(SqlProblemKind.Unsupported, "WITH is supported before SELECT only: run the inner query as its own [Query] and write with its result", withSpan);
                }

                return statement;
            }

            var select = ParseSelect();
            return ctes is null ? select : select with { Span = From(withStart), With = ctes.ToEquatableArray() };
        }

        // Null (after reporting) when the clause is one ShardGen does not plan: WITH RECURSIVE, data-modifying CTEs.
        private List<CommonTableExpression>? ParseWithClause()
        {
            var start = Advance().Span.Start;
            if (AtKeyword("recursive"))
            {
                SkipRestOfWithClause();
                ReportUnsupported("Recursive CTEs (WITH RECURSIVE) are not supported, as in Citus: run the steps as separate [Query] calls", start);
                return null;
            }

            var ctes = new List<CommonTableExpression>();
            var supported = true;
            do
            {
                if (!SqlKeywords.IsColumnName(Current))
                {
                    throw FailExpected("the name of a common table expression");
                }

                var name = Advance();
                if (ctes.Any(c => c.Name == name.Value))
                {
                    throw Fail(SqlProblemKind.Syntax, $"WITH query name '{name.Value}' is specified more than once", name.Span);
                }

                if (At(SqlTokenKind.OpenParen))
                {
                    var columnsStart = Current.Span.Start;
                    SkipGroup();
                    ReportUnsupported("Column lists on a common table expression (name(a, b)) are not supported: alias the columns in its SELECT", columnsStart);
                    supported = false;
                }

                ExpectKeyword("as");
                if (AcceptKeyword("not"))
                {
                    ExpectKeyword("materialized");
                }
                else
                {
                    AcceptKeyword("materialized");
                }

                if (!At(SqlTokenKind.OpenParen))
                {
                    throw FailExpected("'('");
                }

                var open = Current;
                if (!PeekKeyword(1, "select"))
                {
                    SkipGroup();
                    ReportUnsupported("A common table expression must be a SELECT: data-modifying (INSERT, UPDATE, DELETE) and VALUES bodies are not supported", open.Span.Start);
                    supported = false;
                }
                else
                {
                    Advance();
                    var body = ParseSelect();
                    ExpectCloseParen(open);
                    ctes.Add(new CommonTableExpression(From(name.Span.Start), name.Value, name.Span, body));
                }
            }
            while (Accept(SqlTokenKind.Comma));

            return supported ? ctes : null;
        }

        private void SkipRestOfWithClause()
        {
            while (!AtEnd && !At(SqlTokenKind.CloseParen) && !At(SqlTokenKind.Semicolon)
                && !(AtKeyword("select") || AtKeyword("insert") || AtKeyword("update") || AtKeyword("delete") || AtKeyword("values")))
            {
                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                }
                else
                {
                    Advance();
                }
            }
        }

        // The SELECT of a subquery, after its opening parenthesis has been seen (not consumed); consumes through the closing one.
        // Null (after reporting) for a query ShardGen does not plan there.
        private SelectStatement? ParseSubquery()
        {
            var open = Current;
            if (!PeekKeyword(1, "select"))
            {
                var with = PeekKeyword(1, "with");
                SkipGroup();
                ReportUnsupported(
                    with
                        ? "WITH inside a subquery is not supported: move the common table expression to the start of the statement"
                        : "VALUES lists in a subquery are not supported: pass the values as an array @parameter and write x = ANY(@values)",
                    open.Span.Start);
                return null;
            }

            Advance();
            var query = ParseSelect();
            ExpectCloseParen(open);
            return query;
        }

        private SelectStatement ParseSelect()
        {
            _selectDepth++;
            try
            {
                return ParseSelectBody();
            }
            finally
            {
                _selectDepth--;
            }
        }

        // SELECT a UNION [ALL] SELECT b ... [ORDER BY ...] [LIMIT ...]: the last branch's ORDER BY, LIMIT and OFFSET are the whole's.
        private SetOperationStatement ParseSetOperation(SelectStatement first)
        {
            var branches = new List<SelectStatement> { first };
            var operators = new List<string>();
            var operatorSpans = new List<TextSpan>();
            while (AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except"))
            {
                var op = Advance();
                var name = op.Value.ToUpperInvariant();
                if (AcceptKeyword("all"))
                {
                    name += " ALL";
                }
                else
                {
                    AcceptKeyword("distinct");
                }

                operators.Add(name);
                operatorSpans.Add(From(op.Span.Start));
                if (!AtKeyword("select"))
                {
                    if (At(SqlTokenKind.OpenParen))
                    {
                        var parenthesized = Current.Span.Start;
                        SkipGroup();
                        throw Fail(SqlProblemKind.Unsupported, "Parenthesized branches of a set operation are not supported: write SELECT ... UNION SELECT ...", From(parenthesized));
                    }

                    throw FailExpected("SELECT");
                }

                branches.Add(ParseSelect());
            }

            var last = branches[branches.Count - 1];
            for (var i = 0; i < branches.Count - 1; i++)
            {
                if (branches[i].OrderBySpan is { } misplaced)
                {
                    throw Fail(SqlProblemKind.Syntax, "ORDER BY, LIMIT and OFFSET of a set operation go after its last branch", misplaced);
                }
            }

            var tail = last.OrderBySpan ?? last.LimitSpan ?? last.OffsetSpan;
            if (tail is { } tailSpan)
            {
                var end = tailSpan.Start;
                while (end > last.Span.Start && char.IsWhiteSpace(_sql[end - 1]))
                {
                    end--;
                }

                branches[branches.Count - 1] = last with
                {
                    Span = TextSpan.FromBounds(last.Span.Start, end),
                    OrderBy = EquatableArray<OrderItem>.Empty,
                    Limit = null,
                    Offset = null,
                    OrderBySpan = null,
                    LimitSpan = null,
                    OffsetSpan = null,
                };
            }

            return new SetOperationStatement(
                From(first.Span.Start), branches.ToEquatableArray(), operators.ToEquatableArray(), operatorSpans.ToEquatableArray(),
                last.OrderBy, last.Limit, last.Offset);
        }

        private SelectStatement ParseSelectBody()
        {
            var start = Advance().Span.Start;

            var distinct = false;
            var distinctOn = EquatableArray<SqlExpr>.Empty;
            TextSpan? distinctOnSpan = null;
            if (AtKeyword("distinct"))
            {
                var distinctStart = Advance().Span.Start;
                distinct = true;
                if (AcceptKeyword("on"))
                {
                    if (!At(SqlTokenKind.OpenParen))
                    {
                        throw FailExpected("'('");
                    }

                    var open = Advance();
                    var on = new List<SqlExpr>();
                    do
                    {
                        on.Add(ParseExpr());
                    }
                    while (Accept(SqlTokenKind.Comma));
                    ExpectCloseParen(open);
                    distinct = false;
                    distinctOn = on.ToEquatableArray();
                    distinctOnSpan = From(distinctStart);
                }
            }
            else
            {
                AcceptKeyword("all");
            }

            var items = ParseSelectItems();
            var selectListSpan = TextSpan.FromBounds(items[0].Span.Start, items[items.Count - 1].Span.End);

            if (AtKeyword("into"))
            {
                var intoStart = Advance().Span.Start;
                _ = AcceptKeyword("temporary") || AcceptKeyword("temp") || AcceptKeyword("unlogged");
                AcceptKeyword("table");
                SkipQualifiedName();
                ReportUnsupported("SELECT INTO is not supported: select the rows and insert them with their own [Query]", intoStart);
            }

            TableRef? from = null;
            var joins = EquatableArray<JoinClause>.Empty;
            TextSpan? fromSpan = null;
            if (AtKeyword("from"))
            {
                (from, joins, fromSpan) = ParseFromList();
            }

            var (where, whereSpan) = ParseWhere();

            var groupBy = EquatableArray<SqlExpr>.Empty;
            TextSpan? groupBySpan = null;
            if (AtKeyword("group"))
            {
                var groupStart = Advance().Span.Start;
                ExpectKeyword("by");
                groupBy = ParseGroupByItems();
                groupBySpan = From(groupStart);
            }

            SqlExpr? having = null;
            TextSpan? havingSpan = null;
            if (AtKeyword("having"))
            {
                var havingStart = Advance().Span.Start;
                having = ParseExpr();
                havingSpan = From(havingStart);
            }

            if (AtKeyword("window"))
            {
                var windowStart = Advance().Span.Start;
                do
                {
                    SkipQualifiedName();
                    ExpectKeyword("as");
                    SkipGroup();
                }
                while (Accept(SqlTokenKind.Comma));
                ReportUnsupported("Named windows (WINDOW name AS ...) are not supported: write the window in OVER (...)", windowStart);
            }

            // A branch of the statement's set operation stops here: ORDER BY, LIMIT and OFFSET belong to the whole.
            var branch = AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except");
            if (branch && (!_setOperations || _selectDepth > 1))
            {
                throw FailSetOperation();
            }

            var orderBy = EquatableArray<OrderItem>.Empty;
            TextSpan? orderBySpan = null;
            if (!branch && AtKeyword("order"))
            {
                var orderStart = Advance().Span.Start;
                ExpectKeyword("by");
                orderBy = ParseOrderItems();
                orderBySpan = From(orderStart);
            }

            SqlExpr? limit = null;
            SqlExpr? offset = null;
            TextSpan? limitSpan = null;
            TextSpan? offsetSpan = null;
            var limitSeen = false;
            var offsetSeen = false;
            while (!branch)
            {
                if (AtKeyword("limit"))
                {
                    var limitToken = Advance();
                    if (limitSeen)
                    {
                        throw Fail(SqlProblemKind.Syntax, "LIMIT is written twice: keep one LIMIT clause", limitToken.Span);
                    }

                    limitSeen = true;
                    if (AcceptKeyword("all"))
                    {
                        ReportUnsupported("LIMIT ALL is not supported: leave out the LIMIT clause", limitToken.Span.Start);
                        continue;
                    }

                    limit = ParseExpr();
                    if (Accept(SqlTokenKind.Comma))
                    {
                        ParseExpr();
                        throw Fail(SqlProblemKind.Syntax, "LIMIT #,# syntax is not supported by PostgreSQL: use separate LIMIT and OFFSET clauses", From(limitToken.Span.Start));
                    }

                    limitSpan = From(limitToken.Span.Start);
                }
                else if (AtKeyword("offset"))
                {
                    var offsetToken = Advance();
                    if (offsetSeen)
                    {
                        throw Fail(SqlProblemKind.Syntax, "OFFSET is written twice: keep one OFFSET clause", offsetToken.Span);
                    }

                    offsetSeen = true;
                    offset = ParseExpr();
                    _ = AcceptKeyword("row") || AcceptKeyword("rows");
                    offsetSpan = From(offsetToken.Span.Start);
                }
                else if (AtKeyword("fetch"))
                {
                    var fetchStart = Advance().Span.Start;
                    while (!AtEnd && !At(SqlTokenKind.Semicolon) && !AtKeyword("only") && !AtKeyword("ties"))
                    {
                        Advance();
                    }

                    _ = AcceptKeyword("only") || AcceptKeyword("ties");
                    ReportUnsupported("FETCH FIRST is not supported: use LIMIT", fetchStart);
                }
                else if (AtKeyword("for"))
                {
                    SkipLockingClause();
                }
                else
                {
                    break;
                }
            }

            return new SelectStatement(
                From(start), distinct, items, from, joins, where, groupBy, having, orderBy, limit, offset,
                selectListSpan, fromSpan, whereSpan, groupBySpan, havingSpan, orderBySpan, limitSpan, offsetSpan,
                DistinctOn: distinctOn, DistinctOnSpan: distinctOnSpan);
        }

        private ParseAbort FailSetOperation()
        {
            var op = Advance();
            _ = AcceptKeyword("all") || AcceptKeyword("distinct");
            return Fail(
                SqlProblemKind.Unsupported,
                $"{op.Value.ToUpperInvariant()} is not supported: run each query as its own [Query] and combine the rows in C#",
                From(op.Span.Start));
        }

        // FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE [OF t, ...] [NOWAIT | SKIP LOCKED], repeatable.
        private void SkipLockingClause()
        {
            var start = Current.Span.Start;
            while (AcceptKeyword("for"))
            {
                if (AcceptKeyword("no"))
                {
                    ExpectKeyword("key");
                    ExpectKeyword("update");
                }
                else if (AcceptKeyword("key"))
                {
                    ExpectKeyword("share");
                }
                else if (!AcceptKeyword("update") && !AcceptKeyword("share"))
                {
                    throw FailExpected("UPDATE or SHARE");
                }

                if (AcceptKeyword("of"))
                {
                    do
                    {
                        SkipQualifiedName();
                    }
                    while (Accept(SqlTokenKind.Comma));
                }

                if (AcceptKeyword("skip"))
                {
                    ExpectKeyword("locked");
                }
                else
                {
                    AcceptKeyword("nowait");
                }
            }

            ReportUnsupported("Row locking (FOR UPDATE, FOR SHARE) is not supported: ShardGen runs each query in its own implicit transaction", start);
        }

        private EquatableArray<SelectItem> ParseSelectItems()
        {
            var items = new List<SelectItem>();
            do
            {
                items.Add(ParseSelectItem());
            }
            while (Accept(SqlTokenKind.Comma));
            return items.ToEquatableArray();
        }

        private SelectItem ParseSelectItem()
        {
            var start = Current.Span.Start;
            if (Current.IsOperator("*"))
            {
                var star = Advance();
                return new SelectItem(star.Span, new StarExpr(star.Span, null), null);
            }

            var expr = ParseExpr();
            string? alias = null;
            if (AcceptKeyword("as"))
            {
                // After AS any word is a label, reserved or not (PostgreSQL's ColLabel).
                alias = At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier) ? Advance().Value : throw FailExpected("an alias");
            }
            else if (SqlKeywords.IsColumnName(Current))
            {
                alias = Advance().Value;
            }

            return new SelectItem(From(start), expr, alias);
        }

        private (TableRef First, EquatableArray<JoinClause> Joins, TextSpan Span) ParseFromList()
        {
            var start = Advance().Span.Start;
            var first = ParseTableRef(TableContext.From);
            var joins = new List<JoinClause>();
            while (true)
            {
                if (Accept(SqlTokenKind.Comma))
                {
                    var table = ParseTableRef(TableContext.From);
                    joins.Add(new JoinClause(table.Span, JoinKind.Cross, table, null));
                }
                else if (!TryParseJoin(joins))
                {
                    break;
                }
            }

            return (first, joins.ToEquatableArray(), From(start));
        }

        private bool TryParseJoin(List<JoinClause> joins)
        {
            var start = Current.Span.Start;
            var natural = AcceptKeyword("natural");
            JoinKind kind;
            if (AtKeyword("join"))
            {
                kind = JoinKind.Inner;
            }
            else if (AcceptKeyword("inner"))
            {
                kind = JoinKind.Inner;
            }
            else if (AtKeyword("left") || AtKeyword("right") || AtKeyword("full"))
            {
                kind = Advance().Value switch
                {
                    "left" => JoinKind.Left,
                    "right" => JoinKind.Right,
                    _ => JoinKind.Full,
                };
                AcceptKeyword("outer");
            }
            else if (AcceptKeyword("cross"))
            {
                kind = JoinKind.Cross;
            }
            else if (natural)
            {
                throw FailExpected("JOIN");
            }
            else
            {
                return false;
            }

            ExpectKeyword("join");
            if (natural)
            {
                ReportUnsupported("NATURAL joins are not supported: name the join condition with ON", start);
            }

            var table = ParseTableRef(TableContext.From);
            SqlExpr? on = null;
            if (kind != JoinKind.Cross && !natural)
            {
                if (AcceptKeyword("on"))
                {
                    on = ParseExpr();
                }
                else if (AtKeyword("using"))
                {
                    var usingStart = Advance().Span.Start;
                    SkipGroup();
                    ReportUnsupported("JOIN ... USING (...) is not supported: write the condition with ON, e.g. ON a.id = b.id", usingStart);
                }
                else
                {
                    throw FailExpected("ON and the join condition");
                }
            }

            joins.Add(new JoinClause(From(start), kind, table, on));
            return true;
        }

        private TableRef ParseTableRef(TableContext context)
        {
            var start = Current.Span.Start;
            if (AtKeyword("lateral"))
            {
                Advance();
                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                }
                else
                {
                    SkipQualifiedName();
                    if (At(SqlTokenKind.OpenParen))
                    {
                        SkipGroup();
                    }
                }

                ParseTableAlias(context);
                ReportUnsupported("LATERAL is not supported: join the table directly, or run the inner query as its own [Query]", start);
                return new TableRef(From(start), null, string.Empty, null, From(start));
            }

            if (AtKeyword("only"))
            {
                var only = Advance();
                Report(SqlProblemKind.Unsupported, "ONLY is not supported: ShardGen tables have no inheritance children; leave out ONLY", only.Span);
                start = Current.Span.Start;
            }

            if (At(SqlTokenKind.OpenParen) && context == TableContext.From && PeekKeyword(1, "select"))
            {
                // (SELECT ...) AS alias: a subquery in FROM.
                var query = ParseSubquery()!;
                var querySpan = From(start);
                var derivedAlias = ParseTableAlias(context)
                    ?? throw Fail(SqlProblemKind.Syntax, "A subquery in FROM needs an alias: (SELECT ...) AS name", querySpan);
                if (At(SqlTokenKind.OpenParen))
                {
                    var columnsStart = Current.Span.Start;
                    SkipGroup();
                    ReportUnsupported("Column alias lists (AS x(a, b)) are not supported: alias the columns in the subquery's select list", columnsStart);
                }

                return new TableRef(From(start), null, derivedAlias, derivedAlias, querySpan, query);
            }

            if (At(SqlTokenKind.OpenParen))
            {
                var subquery = AtQueryStart(1);
                SkipGroup();
                ReportUnsupported(
                    subquery
                        ? "Subqueries in FROM are supported as (SELECT ...) AS name: WITH and VALUES are not supported there"
                        : "Parenthesized joins are not supported: remove the parentheses",
                    start);
                ParseTableAlias(context);
                return new TableRef(From(start), null, string.Empty, null, From(start));
            }

            if (!SqlKeywords.IsColumnName(Current))
            {
                throw FailExpected("a table name");
            }

            string? schema = null;
            var name = Advance().Value;
            if (At(SqlTokenKind.Dot))
            {
                Advance();
                if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)))
                {
                    throw FailExpected("a table name");
                }

                schema = name;
                name = Advance().Value;
                if (At(SqlTokenKind.Dot))
                {
                    Advance();
                    if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)))
                    {
                        throw FailExpected("a table name");
                    }

                    name = Advance().Value;
                    ReportUnsupported("Three-part table names (database.schema.table) are not supported: write schema.table", start);
                }
            }

            var nameSpan = From(start);
            if (context == TableContext.From && At(SqlTokenKind.OpenParen))
            {
                SkipGroup();
                ReportUnsupported("Functions in FROM are not supported: select from tables only", start);
            }

            var alias = ParseTableAlias(context);

            if (context == TableContext.From && alias is not null && At(SqlTokenKind.OpenParen))
            {
                var columnsStart = Current.Span.Start;
                SkipGroup();
                ReportUnsupported("Column alias lists (t AS a(x, y)) are not supported: alias the columns in the select list", columnsStart);
            }

            if (AtKeyword("tablesample"))
            {
                var sampleStart = Advance().Span.Start;
                SkipQualifiedName();
                SkipGroup();
                if (AcceptKeyword("repeatable"))
                {
                    SkipGroup();
                }

                ReportUnsupported("TABLESAMPLE is not supported", sampleStart);
            }

            return new TableRef(TextSpan.FromBounds(nameSpan.Start, PreviousEnd), schema, name, alias, nameSpan);
        }

        private string? ParseTableAlias(TableContext context)
        {
            if (AcceptKeyword("as"))
            {
                return SqlKeywords.IsColumnName(Current) ? Advance().Value : throw FailExpected("an alias");
            }

            // INSERT INTO t AS a needs the AS; in UPDATE t SET, SET is not an alias.
            if (context == TableContext.Insert || (context == TableContext.Update && AtKeyword("set")))
            {
                return null;
            }

            return SqlKeywords.IsColumnName(Current) ? Advance().Value : null;
        }

        private (SqlExpr? Where, TextSpan? Span) ParseWhere()
        {
            if (!AtKeyword("where"))
            {
                return (null, null);
            }

            var start = Advance().Span.Start;
            if (AtKeyword("current") && PeekKeyword(1, "of"))
            {
                var currentStart = Advance().Span.Start;
                Advance();
                SkipQualifiedName();
                ReportUnsupported("WHERE CURRENT OF is not supported: cursors do not span shards; filter by key", currentStart);
                return (new Literal(From(currentStart), LiteralKind.Boolean, "true"), From(start));
            }

            var where = ParseExpr();
            return (where, From(start));
        }

        private EquatableArray<SqlExpr> ParseGroupByItems()
        {
            if (AtKeyword("distinct"))
            {
                var distinct = Advance();
                Report(SqlProblemKind.Unsupported, "GROUP BY DISTINCT is not supported: list each grouping once", distinct.Span);
            }
            else
            {
                AcceptKeyword("all");
            }

            var items = new List<SqlExpr>();
            do
            {
                var start = Current.Span.Start;
                if ((AtKeyword("rollup") || AtKeyword("cube")) && Peek(1).Kind == SqlTokenKind.OpenParen)
                {
                    var name = Advance().Value.ToUpperInvariant();
                    SkipGroup();
                    ReportUnsupported($"GROUP BY {name} is not supported: group by the columns and add the subtotals in C#", start);
                }
                else if (AtKeyword("grouping") && PeekKeyword(1, "sets"))
                {
                    Advance();
                    Advance();
                    SkipGroup();
                    ReportUnsupported("GROUPING SETS is not supported: run one [Query] per grouping", start);
                }
                else if (At(SqlTokenKind.OpenParen) && Peek(1).Kind == SqlTokenKind.CloseParen)
                {
                    SkipGroup();
                    ReportUnsupported("The empty grouping set () is not supported: leave out GROUP BY to aggregate all rows", start);
                }
                else
                {
                    items.Add(ParseExpr());
                }
            }
            while (Accept(SqlTokenKind.Comma));

            return items.ToEquatableArray();
        }

        private EquatableArray<OrderItem> ParseOrderItems()
        {
            var items = new List<OrderItem>();
            do
            {
                var start = Current.Span.Start;
                var expr = ParseExpr();
                var descending = false;
                if (AtKeyword("desc") || AtKeyword("asc"))
                {
                    descending = Advance().Value == "desc";
                }
                else if (AtKeyword("using"))
                {
                    var usingStart = Advance().Span.Start;
                    if (At(SqlTokenKind.Operator))
                    {
                        Advance();
                    }

                    ReportUnsupported("ORDER BY ... USING is not supported: write ASC or DESC", usingStart);
                }

                bool? nullsFirst = null;
                if (AcceptKeyword("nulls"))
                {
                    nullsFirst = AtKeyword("first") ? true : AtKeyword("last") ? false : throw FailExpected("FIRST or LAST");
                    Advance();
                }

                items.Add(new OrderItem(From(start), expr, descending, nullsFirst));
            }
            while (Accept(SqlTokenKind.Comma));

            return items.ToEquatableArray();
        }

        private InsertStatement ParseInsert()
        {
            var start = Advance().Span.Start;
            ExpectKeyword("into");
            var table = ParseTableRef(TableContext.Insert);

            var columns = new List<string>();
            var columnSpans = new List<TextSpan>();
            if (At(SqlTokenKind.OpenParen))
            {
                var open = Advance();
                do
                {
                    if (!SqlKeywords.IsColumnName(Current))
                    {
                        throw FailExpected("a column name");
                    }

                    var column = Advance();
                    if (At(SqlTokenKind.Dot) || At(SqlTokenKind.OpenBracket))
                    {
                        SkipToCommaOrCloseParen();
                        ReportUnsupported("Inserting into a field or array element (col.field, col[i]) is not supported: insert the whole column", column.Span.Start);
                    }

                    columns.Add(column.Value);
                    columnSpans.Add(column.Span);
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(open);
            }

            if (AtKeyword("overriding"))
            {
                var overridingStart = Advance().Span.Start;
                _ = AcceptKeyword("system") || AcceptKeyword("user");
                ExpectKeyword("value");
                ReportUnsupported("OVERRIDING ... VALUE is not supported", overridingStart);
            }

            var rows = new List<EquatableArray<SqlExpr>>();
            SelectStatement? query = null;
            if (AtKeyword("select"))
            {
                query = ParseSelect();
            }
            else if (AtKeyword("values"))
            {
                Advance();
                do
                {
                    rows.Add(ParseValuesRow(columns.Count, rows.Count == 0 ? -1 : rows[0].Count));
                }
                while (Accept(SqlTokenKind.Comma));
            }
            else if (AtKeyword("default") && PeekKeyword(1, "values"))
            {
                var defaultStart = Advance().Span.Start;
                Advance();
                ReportUnsupported("DEFAULT VALUES is not supported: list the columns and their values", defaultStart);
            }
            else if (AtKeyword("with") || At(SqlTokenKind.OpenParen))
            {
                var queryStart = Current.Span.Start;
                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                }
                else
                {
                    Advance();
                    SkipRestOfWithClause();
                    if (AtKeyword("select"))
                    {
                        ParseSelect();
                    }
                }

                ReportUnsupported("INSERT ... WITH and a parenthesized INSERT ... (SELECT) are not supported: write INSERT ... SELECT", queryStart);
            }
            else
            {
                throw FailExpected("VALUES");
            }

            OnConflict? onConflict = null;
            if (AtKeyword("on") && PeekKeyword(1, "conflict"))
            {
                onConflict = ParseOnConflict();
            }

            var (returning, returningSpan) = ParseReturning();
            return new InsertStatement(
                From(start), table, columns.ToEquatableArray(), columnSpans.ToEquatableArray(), rows.ToEquatableArray(),
                onConflict, returning, returningSpan, query);
        }

        private EquatableArray<SqlExpr> ParseValuesRow(int columnCount, int firstRowCount)
        {
            if (!At(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var open = Advance();
            var values = new List<SqlExpr>();
            do
            {
                if (AtKeyword("default") && Peek(1).Kind is SqlTokenKind.Comma or SqlTokenKind.CloseParen)
                {
                    var token = Advance();
                    Report(SqlProblemKind.Unsupported, "DEFAULT in VALUES is not supported: leave the column out of the column list to get its default", token.Span);
                    values.Add(new Literal(token.Span, LiteralKind.Null, "null"));
                }
                else
                {
                    values.Add(ParseExpr());
                }
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);

            var rowSpan = From(open.Span.Start);
            if (firstRowCount >= 0 && values.Count != firstRowCount)
            {
                Report(SqlProblemKind.Syntax, "VALUES lists must all be the same length", rowSpan);
            }
            else if (columnCount > 0 && values.Count > columnCount)
            {
                Report(SqlProblemKind.Syntax, $"INSERT has more expressions ({values.Count}) than target columns ({columnCount})", rowSpan);
            }
            else if (columnCount > 0 && values.Count < columnCount)
            {
                Report(SqlProblemKind.Syntax, $"INSERT has more target columns ({columnCount}) than expressions ({values.Count})", rowSpan);
            }

            return values.ToEquatableArray();
        }

        private OnConflict ParseOnConflict()
        {
            var start = Advance().Span.Start;
            Advance();
            var columns = new List<string>();
            var hasTarget = false;
            if (At(SqlTokenKind.OpenParen))
            {
                hasTarget = true;
                var open = Advance();
                do
                {
                    if (SqlKeywords.IsColumnName(Current) && Peek(1).Kind is SqlTokenKind.Comma or SqlTokenKind.CloseParen)
                    {
                        columns.Add(Advance().Value);
                    }
                    else
                    {
                        var itemStart = Current.Span.Start;
                        if (At(SqlTokenKind.Comma) || At(SqlTokenKind.CloseParen))
                        {
                            throw FailExpected("a column name");
                        }

                        SkipToCommaOrCloseParen();
                        ReportUnsupported("Expressions in the ON CONFLICT target are not supported: name the columns of the unique index", itemStart);
                    }
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(open);

                if (AtKeyword("where"))
                {
                    var whereStart = Advance().Span.Start;
                    ParseExpr();
                    ReportUnsupported("ON CONFLICT (...) WHERE (a partial unique index) is not supported", whereStart);
                }
            }
            else if (AtKeyword("on") && PeekKeyword(1, "constraint"))
            {
                hasTarget = true;
                var constraintStart = Advance().Span.Start;
                Advance();
                SkipQualifiedName();
                ReportUnsupported("ON CONFLICT ON CONSTRAINT is not supported: list the columns of the unique index, ON CONFLICT (a, b)", constraintStart);
            }

            ExpectKeyword("do");
            var doNothing = false;
            var updates = EquatableArray<SetClause>.Empty;
            SqlExpr? where = null;
            if (AcceptKeyword("nothing"))
            {
                doNothing = true;
            }
            else if (AtKeyword("update"))
            {
                Advance();
                ExpectKeyword("set");
                updates = ParseSetClauses();
                if (AcceptKeyword("where"))
                {
                    where = ParseExpr();
                }

                if (!hasTarget)
                {
                    Report(SqlProblemKind.Syntax, "ON CONFLICT DO UPDATE needs the conflict columns: ON CONFLICT (a, b) DO UPDATE ...", From(start));
                }
            }
            else
            {
                throw FailExpected("NOTHING or UPDATE");
            }

            return new OnConflict(From(start), columns.ToEquatableArray(), doNothing, updates, where);
        }

        private EquatableArray<SetClause> ParseSetClauses()
        {
            var sets = new List<SetClause>();
            do
            {
                var start = Current.Span.Start;
                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                    if (!Current.IsOperator("="))
                    {
                        throw FailExpected("'='");
                    }

                    Advance();
                    if (At(SqlTokenKind.OpenParen))
                    {
                        SkipGroup();
                    }
                    else
                    {
                        ParseExpr();
                    }

                    ReportUnsupported("Assigning several columns at once ((a, b) = ...) is not supported: assign each column, a = ..., b = ...", start);
                    continue;
                }

                if (!SqlKeywords.IsColumnName(Current))
                {
                    throw FailExpected("a column name");
                }

                var column = Advance();
                if (At(SqlTokenKind.Dot) || At(SqlTokenKind.OpenBracket))
                {
                    while (!AtEnd && !Current.IsOperator("="))
                    {
                        if (At(SqlTokenKind.OpenBracket))
                        {
                            SkipGroup();
                        }
                        else
                        {
                            Advance();
                        }
                    }

                    ReportUnsupported("Assigning to a field or array element (col.field, col[i]) is not supported: assign the whole column", start);
                }

                if (!Current.IsOperator("="))
                {
                    throw FailExpected("'='");
                }

                Advance();
                SqlExpr value;
                if (AtKeyword("default"))
                {
                    var token = Advance();
                    Report(SqlProblemKind.Unsupported, "SET column = DEFAULT is not supported: assign the value", token.Span);
                    value = new Literal(token.Span, LiteralKind.Null, "null");
                }
                else
                {
                    value = ParseExpr();
                }

                sets.Add(new SetClause(From(start), column.Value, column.Span, value));
            }
            while (Accept(SqlTokenKind.Comma));

            return sets.ToEquatableArray();
        }

        private (EquatableArray<SelectItem> Items, TextSpan? Span) ParseReturning()
        {
            if (!AtKeyword("returning"))
            {
                return (EquatableArray<SelectItem>.Empty, null);
            }

            var start = Advance().Span.Start;
            var items = ParseSelectItems();
            return (items, From(start));
        }

        private UpdateStatement ParseUpdate()
        {
            var start = Advance().Span.Start;
            var table = ParseTableRef(TableContext.Update);
            ExpectKeyword("set");
            var sets = ParseSetClauses();
            if (AtKeyword("from"))
            {
                var (_, _, fromSpan) = ParseFromList();
                Report(SqlProblemKind.Unsupported, "UPDATE ... FROM is not supported: update by key, reading the other table with its own [Query]", fromSpan);
            }

            var (where, whereSpan) = ParseWhere();
            var (returning, returningSpan) = ParseReturning();
            return new UpdateStatement(From(start), table, sets, where, returning, whereSpan, returningSpan);
        }

        private DeleteStatement ParseDelete()
        {
            var start = Advance().Span.Start;
            ExpectKeyword("from");
            var table = ParseTableRef(TableContext.Delete);
            if (AtKeyword("using"))
            {
                var (_, _, usingSpan) = ParseFromList();
                Report(SqlProblemKind.Unsupported, "DELETE ... USING is not supported: delete by key, reading the other table with its own [Query]", usingSpan);
            }

            var (where, whereSpan) = ParseWhere();
            var (returning, returningSpan) = ParseReturning();
            return new DeleteStatement(From(start), table, where, returning, whereSpan, returningSpan);
        }

        // ---- expressions

        private SqlExpr ParseExpr(int minLevel = Level.Or)
        {
            if (_nesting >= MaxNestingDepth)
            {
                throw Fail(
                    SqlProblemKind.Unsupported,
                    $"The expression nests more than {MaxNestingDepth} levels deep: simplify it",
                    AtEnd ? new TextSpan(PreviousEnd, 0) : Current.Span);
            }

            var savedTreeDepth = _treeDepth;
            _nesting++;
            _treeDepth++;
            try
            {
                var left = ParsePrefix();
                return ParseInfix(left, minLevel);
            }
            finally
            {
                _nesting--;
                _treeDepth = savedTreeDepth;
            }
        }

        private SqlExpr ParsePrefix()
        {
            var token = Current;
            if (token.IsKeyword("not"))
            {
                Advance();
                var operand = ParseExpr(Level.Not);
                return new UnaryExpr(From(token.Span.Start), "NOT", operand);
            }

            if (token.Kind == SqlTokenKind.Operator)
            {
                if (token.Value is "-" or "+")
                {
                    Advance();
                    var operand = ParseExpr(Level.Unary);
                    return new UnaryExpr(From(token.Span.Start), token.Value, operand);
                }

                if (!IsInfixOnlyOperator(token.Value))
                {
                    Advance();
                    var operand = ParseExpr(Level.Unary);
                    var message = token.Value == "@"
                        ? "The operator '@' is not supported: parameters are written @name, with no space after '@'"
                        : $"The prefix operator '{token.Value}' is not supported";
                    Report(SqlProblemKind.Unsupported, message, token.Span);
                    return operand;
                }
            }

            return ParsePrimary();
        }

        private static bool IsInfixOnlyOperator(string op)
            => op is "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" or "*" or "/" or "%" or "^" or "||" or "=>";

        private (InfixKind Kind, int Level) PeekInfix()
        {
            var token = Current;
            switch (token.Kind)
            {
                case SqlTokenKind.Operator:
                    return token.Value switch
                    {
                        "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" => (InfixKind.Comparison, Level.Comparison),
                        "+" or "-" => (InfixKind.Binary, Level.Additive),
                        "*" or "/" or "%" => (InfixKind.Binary, Level.Multiplicative),
                        "||" => (InfixKind.Binary, Level.OtherOperator),
                        "^" => (InfixKind.UnsupportedOperator, Level.Exponent),
                        _ => (InfixKind.UnsupportedOperator, Level.OtherOperator),
                    };
                case SqlTokenKind.DoubleColon:
                    return (InfixKind.Cast, Level.Postfix);
                case SqlTokenKind.OpenBracket:
                    return (InfixKind.Subscript, Level.Postfix);
                case SqlTokenKind.Identifier:
                    break;
                default:
                    return (InfixKind.None, 0);
            }

            var next = Peek(1);
            return token.Value switch
            {
                "or" => (InfixKind.Binary, Level.Or),
                "and" => (InfixKind.Binary, Level.And),
                "is" => (InfixKind.Is, Level.Is),
                "isnull" or "notnull" => (InfixKind.IsNullPostfix, Level.Is),
                "like" or "ilike" => (InfixKind.Like, Level.Like),
                "in" => (InfixKind.In, Level.Like),
                "between" => (InfixKind.Between, Level.Like),
                "similar" => (InfixKind.Similar, Level.Like),
                "not" when next.IsKeyword("like") || next.IsKeyword("ilike") => (InfixKind.Like, Level.Like),
                "not" when next.IsKeyword("in") => (InfixKind.In, Level.Like),
                "not" when next.IsKeyword("between") => (InfixKind.Between, Level.Like),
                "not" when next.IsKeyword("similar") => (InfixKind.Similar, Level.Like),
                "at" when next.IsKeyword("time") || next.IsKeyword("local") => (InfixKind.AtTimeZone, Level.AtTimeZone),
                "collate" => (InfixKind.Collate, Level.Collate),
                _ => (InfixKind.None, 0),
            };
        }

        private SqlExpr ParseInfix(SqlExpr left, int minLevel)
        {
            // PostgreSQL's comparison and LIKE/IN/BETWEEN levels are non-associative: a = b = c is a syntax error.
            var nonAssociativeLevel = 0;
            while (true)
            {
                var (kind, level) = PeekInfix();
                if (kind == InfixKind.None || level < minLevel)
                {
                    return left;
                }

                if (level == nonAssociativeLevel)
                {
                    throw Fail(
                        SqlProblemKind.Syntax,
                        $"Unexpected {Describe(Current)}: comparisons, LIKE, IN and BETWEEN cannot be chained; add parentheses",
                        Current.Span);
                }

                if (++_treeDepth > MaxTreeDepth)
                {
                    throw Fail(
                        SqlProblemKind.Unsupported,
                        $"The expression chains more than {MaxTreeDepth} operators: split it up",
                        Current.Span);
                }

                left = ParseOperation(left, kind, level);
                nonAssociativeLevel = level is Level.Comparison or Level.Like ? level : 0;
            }
        }

        private SqlExpr ParseOperation(SqlExpr left, InfixKind kind, int level)
        {
            var start = left.Span.Start;
            switch (kind)
            {
                case InfixKind.Binary:
                {
                    var op = Advance();
                    var right = ParseExpr(level + 1);
                    var name = op.Kind == SqlTokenKind.Operator ? op.Value : op.Value.ToUpperInvariant();
                    return new BinaryExpr(From(start), name, left, right);
                }

                case InfixKind.Comparison:
                {
                    var op = Advance().Value;
                    op = op == "!=" ? "<>" : op;
                    if ((AtKeyword("any") || AtKeyword("some") || AtKeyword("all")) && Peek(1).Kind == SqlTokenKind.OpenParen)
                    {
                        return ParseQuantifiedComparison(left, op);
                    }

                    var right = ParseExpr(level + 1);
                    return new BinaryExpr(From(start), op, left, right);
                }

                case InfixKind.Is:
                    return ParseIs(left);

                case InfixKind.IsNullPostfix:
                {
                    var negated = Advance().Value == "notnull";
                    return new IsNullExpr(From(start), left, negated);
                }

                case InfixKind.Like:
                    return ParseLike(left);

                case InfixKind.In:
                    return ParseIn(left);

                case InfixKind.Between:
                {
                    var negated = AcceptKeyword("not");
                    Advance();
                    if (AtKeyword("symmetric"))
                    {
                        var symmetric = Advance();
                        Report(SqlProblemKind.Unsupported, "BETWEEN SYMMETRIC is not supported: order the bounds and use BETWEEN", symmetric.Span);
                    }
                    else
                    {
                        AcceptKeyword("asymmetric");
                    }

                    var low = ParseExpr(Level.OtherOperator);
                    ExpectKeyword("and");
                    var high = ParseExpr(Level.OtherOperator);
                    return new BetweenExpr(From(start), left, low, high, negated);
                }

                case InfixKind.Similar:
                {
                    var similarStart = Current.Span.Start;
                    AcceptKeyword("not");
                    Advance();
                    ExpectKeyword("to");
                    ParseExpr(Level.OtherOperator);
                    if (AcceptKeyword("escape"))
                    {
                        ParseExpr(Level.OtherOperator);
                    }

                    ReportUnsupported("SIMILAR TO is not supported: use LIKE", similarStart);
                    return left;
                }

                case InfixKind.Cast:
                {
                    Advance();
                    var type = ParseTypeName();
                    return new CastExpr(From(start), left, type, ColonSyntax: true);
                }

                case InfixKind.Subscript:
                {
                    var subscriptStart = Current.Span.Start;
                    SkipGroup();
                    ReportUnsupported("Array subscripts (a[1]) are not supported: read the whole array and index it in C#", subscriptStart);
                    return left;
                }

                case InfixKind.AtTimeZone:
                {
                    var atStart = Advance().Span.Start;
                    if (AcceptKeyword("local"))
                    {
                        ReportUnsupported("AT LOCAL is not supported: write AT TIME ZONE with the zone", atStart);
                        return left;
                    }

                    Advance();
                    ExpectKeyword("zone");
                    var zone = ParseExpr(Level.AtTimeZone + 1);

                    // PostgreSQL runs x AT TIME ZONE z as timezone(z, x).
                    return new FunctionCall(From(start), "timezone", new[] { zone, left }.ToEquatableArray(), false, false);
                }

                case InfixKind.Collate:
                {
                    var collateStart = Advance().Span.Start;
                    SkipQualifiedName();
                    ReportUnsupported("COLLATE is not supported: rely on the column's collation", collateStart);
                    return left;
                }

                default:
                {
                    var op = Advance();
                    var right = ParseExpr(level + 1);
                    var message = op.Value switch
                    {
                        "=>" => "Named arguments (name => value) are not supported: pass the arguments by position",
                        "^" => "The operator '^' is not supported: use power(a, b)",
                        "@" => "The operator '@' is not supported: parameters are written @name, with no space after '@'",
                        _ => $"The operator '{op.Value}' is not supported",
                    };
                    Report(SqlProblemKind.Unsupported, message, op.Span);
                    return new BinaryExpr(From(start), op.Value, left, right);
                }
            }
        }

        // x op ANY (array) — and SOME / ALL, which ShardGen does not plan.
        private SqlExpr ParseQuantifiedComparison(SqlExpr left, string op)
        {
            var quantifier = Advance();
            if (AtQueryStart(1))
            {
                var subqueryStart = Current.Span.Start;
                SkipGroup();
                ReportUnsupported(
                    quantifier.Value == "any" && op == "=" ? "'= ANY (SELECT ...)' is not supported: write 'x IN (SELECT ...)'" : $"'{op} {quantifier.Value.ToUpperInvariant()} (SELECT ...)' is not supported: compare with a scalar subquery (e.g. min or max) or an IN (SELECT ...)",
                    subqueryStart);
                return left;
            }

            if (quantifier.Value == "any")
            {
                var open = Advance();
                var array = ParseExpr();
                ExpectCloseParen(open);
                return new AnyExpr(From(left.Span.Start), left, op, array);
            }

            SkipGroup();
            var message = quantifier.Value == "some"
                ? "SOME is not supported: write ANY, which means the same"
                : $"'{op} ALL (...)' is not supported: write NOT (x {Negate(op)} ANY(...))";
            ReportUnsupported(message, quantifier.Span.Start);
            return left;
        }

        private static string Negate(string op) => op switch
        {
            "=" => "<>",
            "<>" => "=",
            "<" => ">=",
            ">=" => "<",
            ">" => "<=",
            _ => ">",
        };

        private SqlExpr ParseIs(SqlExpr left)
        {
            var isStart = Advance().Span.Start;
            var negated = AcceptKeyword("not");
            if (AcceptKeyword("null"))
            {
                return new IsNullExpr(From(left.Span.Start), left, negated);
            }

            if (AcceptKeyword("distinct"))
            {
                ExpectKeyword("from");
                var right = ParseExpr(Level.Is + 1);
                return new BinaryExpr(From(left.Span.Start), negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", left, right);
            }

            if (AtKeyword("true") || AtKeyword("false") || AtKeyword("unknown"))
            {
                var value = Advance().Value;
                var replacement = value == "unknown" ? "IS NULL" : $"IS {(negated ? string.Empty : "NOT ")}DISTINCT FROM {value}";
                ReportUnsupported($"IS {(negated ? "NOT " : string.Empty)}{value.ToUpperInvariant()} is not supported: write {replacement}", isStart);
                return left;
            }

            if (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current))
            {
                var word = Advance().Value.ToUpperInvariant();
                throw Fail(SqlProblemKind.Unsupported, $"IS {(negated ? "NOT " : string.Empty)}{word} is not supported", From(isStart));
            }

            throw FailExpected("NULL, NOT NULL or DISTINCT FROM");
        }

        private SqlExpr ParseLike(SqlExpr left)
        {
            var negated = AcceptKeyword("not");
            var op = (negated ? "NOT " : string.Empty) + Advance().Value.ToUpperInvariant();
            if ((AtKeyword("any") || AtKeyword("some") || AtKeyword("all")) && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                var quantifier = Advance();
                SkipGroup();
                ReportUnsupported($"{op} {quantifier.Value.ToUpperInvariant()} (...) is not supported: combine single {op} tests with OR or AND", quantifier.Span.Start);
                return left;
            }

            var right = ParseExpr(Level.OtherOperator);
            if (AtKeyword("escape"))
            {
                var escapeStart = Advance().Span.Start;
                ParseExpr(Level.OtherOperator);
                ReportUnsupported("LIKE ... ESCAPE is not supported: escape with the default '\\'", escapeStart);
            }

            return new BinaryExpr(From(left.Span.Start), op, left, right);
        }

        private SqlExpr ParseIn(SqlExpr left)
        {
            var negated = AcceptKeyword("not");
            Advance();
            if (!At(SqlTokenKind.OpenParen))
            {
                if (At(SqlTokenKind.Parameter))
                {
                    var match = $"{Shorten(Text(left.Span))} = ANY({Text(Current.Span)})";
                    throw Fail(
                        SqlProblemKind.Syntax,
                        $"Expected '(' after IN: to match a list parameter write {(negated ? $"NOT ({match})" : match)}",
                        Current.Span);
                }

                throw FailExpected("'('");
            }

            if (AtQueryStart(1))
            {
                return ParseSubquery() is { } query
                    ? new InSubqueryExpr(From(left.Span.Start), left, query, negated)
                    : new InExpr(From(left.Span.Start), left, EquatableArray<SqlExpr>.Empty, negated);
            }

            var open = Advance();
            var items = new List<SqlExpr>();
            do
            {
                items.Add(ParseExpr());
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            return new InExpr(From(left.Span.Start), left, items.ToEquatableArray(), negated);
        }

        private SqlExpr ParsePrimary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case SqlTokenKind.Integer:
                    Advance();
                    var fits = long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _);
                    return new Literal(token.Span, fits ? LiteralKind.Integer : LiteralKind.Numeric, token.Value);
                case SqlTokenKind.Numeric:
                    Advance();
                    return new Literal(token.Span, LiteralKind.Numeric, token.Value);
                case SqlTokenKind.String:
                    Advance();
                    return new Literal(token.Span, LiteralKind.String, token.Value);
                case SqlTokenKind.Parameter:
                case SqlTokenKind.PositionalParameter: // reported by the lexer
                    Advance();
                    return new ParameterRef(token.Span, token.Value);
                case SqlTokenKind.OpenParen:
                    return ParseParenthesized();
                case SqlTokenKind.Colon when Peek(1).Kind == SqlTokenKind.Identifier && Peek(1).Span.Start == token.Span.End:
                {
                    Advance();
                    var name = Advance();
                    var written = Text(name.Span);
                    ReportUnsupported($"':{written}' parameters are not supported: write @{written}", token.Span.Start);
                    return new ParameterRef(From(token.Span.Start), written);
                }

                case SqlTokenKind.Identifier:
                    return ParseWord();
                case SqlTokenKind.QuotedIdentifier:
                    return TryParseTypedLiteral() ?? ParseName();
                default:
                    throw FailExpected("an expression");
            }
        }

        private SqlExpr ParseParenthesized()
        {
            var open = Current;
            if (AtQueryStart(1))
            {
                return ParseSubquery() is { } query
                    ? new SubqueryExpr(From(open.Span.Start), query)
                    : new Literal(From(open.Span.Start), LiteralKind.Null, "null");
            }

            Advance();
            var inner = ParseExpr();
            if (At(SqlTokenKind.Comma))
            {
                while (Accept(SqlTokenKind.Comma))
                {
                    ParseExpr();
                }

                ExpectCloseParen(open);
                ReportUnsupported(RowComparisonAdvice("Row values ((a, b))"), open.Span.Start);
                return inner with { Span = From(open.Span.Start) };
            }

            ExpectCloseParen(open);
            return inner with { Span = From(open.Span.Start) };
        }

        // An unquoted word in expression position: a keyword construct, a typed literal, a column or a call.
        private SqlExpr ParseWord()
        {
            var token = Current;
            var next = Peek(1);
            var call = next.Kind == SqlTokenKind.OpenParen;
            switch (token.Value)
            {
                case "true":
                case "false":
                    Advance();
                    return new Literal(token.Span, LiteralKind.Boolean, token.Value);
                case "null":
                    Advance();
                    return new Literal(token.Span, LiteralKind.Null, "null");
                case "case":
                    return ParseCase();
                case "cast" when call:
                    return ParseCast();
                case "extract" when call:
                    return ParseExtract();
                case "exists" when call:
                    Advance();
                    if (!AtQueryStart(1))
                    {
                        throw Fail(SqlProblemKind.Syntax, "EXISTS takes a subquery: EXISTS (SELECT ...)", From(token.Span.Start));
                    }

                    return ParseSubquery() is { } exists
                        ? new ExistsExpr(From(token.Span.Start), exists)
                        : new Literal(From(token.Span.Start), LiteralKind.Boolean, "true");
                case "array" when call || next.Kind == SqlTokenKind.OpenBracket:
                    Advance();
                    SkipGroup();
                    ReportUnsupported("Array constructors (ARRAY[...]) are not supported: pass the array as a @parameter", token.Span.Start);
                    return new Literal(From(token.Span.Start), LiteralKind.Null, "null");
                case "row" when call:
                    Advance();
                    SkipGroup();
                    ReportUnsupported(RowComparisonAdvice("Row constructors (ROW(...))"), token.Span.Start);
                    return new Literal(From(token.Span.Start), LiteralKind.Null, "null");
            }

            if (SqlKeywords.ValueFunctions.Contains(token.Value))
            {
                return ParseValueFunction();
            }

            if (TryParseTypedLiteral() is { } typed)
            {
                return typed;
            }

            if (SqlKeywords.Reserved.Contains(token.Value) || (SqlKeywords.TypeOrFunctionName.Contains(token.Value) && !call))
            {
                throw FailExpected("an expression");
            }

            return ParseName();
        }

        // A column (a, t.a), t.*, or a call (f(...), s.f(...)).
        private SqlExpr ParseName()
        {
            var first = Advance();
            if (At(SqlTokenKind.OpenParen))
            {
                return ParseFunctionCall(first.Span.Start, first.Value, keywordForms: first.Kind == SqlTokenKind.Identifier);
            }

            if (!At(SqlTokenKind.Dot))
            {
                return new ColumnRef(first.Span, null, first.Value);
            }

            Advance();
            if (Current.IsOperator("*"))
            {
                Advance();
                return new StarExpr(From(first.Span.Start), first.Value);
            }

            if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)))
            {
                throw FailExpected("a column name");
            }

            var second = Advance();
            if (At(SqlTokenKind.OpenParen))
            {
                return ParseFunctionCall(first.Span.Start, first.Value + "." + second.Value, keywordForms: false);
            }

            if (At(SqlTokenKind.Dot))
            {
                Advance();
                if (Current.IsOperator("*") || At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier))
                {
                    Advance();
                }
                else
                {
                    throw FailExpected("a column name");
                }

                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                }

                ReportUnsupported("Three-part names (schema.table.column) are not supported: qualify the column with its table name or alias", first.Span.Start);
            }

            return new ColumnRef(From(first.Span.Start), first.Value, second.Value);
        }

        private SqlExpr ParseFunctionCall(int start, string name, bool keywordForms)
        {
            var open = Current;
            if (keywordForms && SqlKeywords.KeywordArgumentFunctions.Contains(name) && HasKeywordArguments())
            {
                SkipGroup();
                var instead = name switch
                {
                    "substring" => "substring(s, start, count)",
                    "position" => "strpos(s, part)",
                    "trim" => "btrim(s, characters), ltrim(...) or rtrim(...)",
                    _ => "the ordinary call with commas",
                };
                ReportUnsupported($"The keyword form of {name}(...) is not supported: write {instead}", start);
                return new Literal(From(start), LiteralKind.Null, "null");
            }

            Advance();
            var arguments = new List<SqlExpr>();
            var distinct = false;
            var star = false;
            if (Current.IsOperator("*") && Peek(1).Kind == SqlTokenKind.CloseParen)
            {
                Advance();
                star = true;
            }
            else if (!At(SqlTokenKind.CloseParen))
            {
                if (AcceptKeyword("distinct"))
                {
                    distinct = true;
                }
                else
                {
                    AcceptKeyword("all");
                }

                do
                {
                    if (AtKeyword("variadic"))
                    {
                        var variadic = Advance();
                        Report(SqlProblemKind.Unsupported, "VARIADIC arguments are not supported: pass the values as separate arguments", variadic.Span);
                    }

                    arguments.Add(ParseExpr());
                }
                while (Accept(SqlTokenKind.Comma));

                if (AtKeyword("order") && PeekKeyword(1, "by"))
                {
                    var orderStart = Current.Span.Start;
                    while (!AtEnd && !At(SqlTokenKind.CloseParen))
                    {
                        if (At(SqlTokenKind.OpenParen) || At(SqlTokenKind.OpenBracket))
                        {
                            SkipGroup();
                        }
                        else
                        {
                            Advance();
                        }
                    }

                    ReportUnsupported("ORDER BY inside an aggregate call is not supported: sort the aggregated values in C#", orderStart);
                }
            }

            ExpectCloseParen(open);
            var call = new FunctionCall(From(start), name, arguments.ToEquatableArray(), distinct, star);

            if (AtKeyword("within") && PeekKeyword(1, "group"))
            {
                var withinStart = Advance().Span.Start;
                Advance();
                SkipGroup();
                ReportUnsupported("WITHIN GROUP (ordered-set aggregates) is not supported", withinStart);
            }

            if (AtKeyword("filter") && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                Advance();
                var filterOpen = Advance();
                ExpectKeyword("where");
                var filter = ParseExpr();
                ExpectCloseParen(filterOpen);
                call = call with { Span = From(start), Filter = filter };
            }

            if (AtKeyword("over") && (Peek(1).Kind == SqlTokenKind.OpenParen || SqlKeywords.IsColumnName(Peek(1))))
            {
                return ParseWindow(call);
            }

            return call;
        }

        // f(...) OVER ([PARTITION BY a, b] [ORDER BY c DESC] [ROWS|RANGE|GROUPS frame]); OVER name is not supported.
        private SqlExpr ParseWindow(FunctionCall call)
        {
            var overStart = Advance().Span.Start;
            if (!At(SqlTokenKind.OpenParen))
            {
                Advance();
                ReportUnsupported("Named windows (OVER name, WINDOW name AS ...) are not supported: write the window in OVER (...)", overStart);
                return call;
            }

            var open = Advance();
            if (SqlKeywords.IsColumnName(Current) && !AtKeyword("partition") && !AtKeyword("order") && !AtKeyword("rows") && !AtKeyword("range") && !AtKeyword("groups"))
            {
                var nameStart = Current.Span.Start;
                Advance();
                ReportUnsupported("Named windows (OVER (name ...)) are not supported: write the whole window in OVER (...)", nameStart);
            }

            var partitionBy = EquatableArray<SqlExpr>.Empty;
            if (AtKeyword("partition"))
            {
                Advance();
                ExpectKeyword("by");
                var items = new List<SqlExpr>();
                do
                {
                    items.Add(ParseExpr());
                }
                while (Accept(SqlTokenKind.Comma));
                partitionBy = items.ToEquatableArray();
            }

            var orderBy = EquatableArray<OrderItem>.Empty;
            if (AtKeyword("order"))
            {
                Advance();
                ExpectKeyword("by");
                orderBy = ParseOrderItems();
            }

            if (AtKeyword("rows") || AtKeyword("range") || AtKeyword("groups"))
            {
                // The frame is kept as written; only keywords and constants may appear in it.
                while (!AtEnd && !At(SqlTokenKind.CloseParen))
                {
                    if (At(SqlTokenKind.Parameter) || At(SqlTokenKind.PositionalParameter) || At(SqlTokenKind.OpenParen))
                    {
                        var frameStart = Current.Span.Start;
                        SkipToCommaOrCloseParen();
                        ReportUnsupported("Window frames are supported with constant offsets only (ROWS BETWEEN 2 PRECEDING AND CURRENT ROW): write the offset as a literal", frameStart);
                        break;
                    }

                    Advance();
                }
            }

            ExpectCloseParen(open);
            return new WindowCall(From(call.Span.Start), call, partitionBy, orderBy);
        }

        // substring(s FROM 1 FOR 2), trim(BOTH 'x' FROM s), position('a' IN s), overlay(s PLACING 'x' FROM 1)
        private bool HasKeywordArguments()
        {
            var depth = 0;
            for (var i = _pos; i < _tokens.Length; i++)
            {
                var token = _tokens[i];
                if (token.Kind is SqlTokenKind.OpenParen or SqlTokenKind.OpenBracket)
                {
                    depth++;
                }
                else if (token.Kind is SqlTokenKind.CloseParen or SqlTokenKind.CloseBracket)
                {
                    if (--depth == 0)
                    {
                        return false;
                    }
                }
                else if (depth == 1 && token.Kind == SqlTokenKind.Identifier && SqlKeywords.KeywordArguments.Contains(token.Value))
                {
                    return true;
                }
            }

            return false;
        }

        // CURRENT_DATE, CURRENT_TIMESTAMP(3), LOCALTIMESTAMP, CURRENT_USER, ...
        private SqlExpr ParseValueFunction()
        {
            var token = Advance();
            var arguments = EquatableArray<SqlExpr>.Empty;
            if (SqlKeywords.WithPrecision.Contains(token.Value) && At(SqlTokenKind.OpenParen))
            {
                var open = Advance();
                if (!At(SqlTokenKind.Integer))
                {
                    throw FailExpected("a precision");
                }

                var precision = Advance();
                arguments = new[] { (SqlExpr)new Literal(precision.Span, LiteralKind.Integer, precision.Value) }.ToEquatableArray();
                ExpectCloseParen(open);
            }
            else if (token.Value == "current_schema" && At(SqlTokenKind.OpenParen) && Peek(1).Kind == SqlTokenKind.CloseParen)
            {
                Advance();
                Advance();
            }

            return new FunctionCall(From(token.Span.Start), token.Value, arguments, false, false);
        }

        private SqlExpr ParseCase()
        {
            var start = Advance().Span.Start;
            var operand = AtKeyword("when") || AtKeyword("end") ? null : ParseExpr();
            var whens = new List<WhenClause>();
            while (AtKeyword("when"))
            {
                var whenStart = Advance().Span.Start;
                var condition = ParseExpr();
                ExpectKeyword("then");
                var result = ParseExpr();
                whens.Add(new WhenClause(From(whenStart), condition, result));
            }

            if (whens.Count == 0)
            {
                throw FailExpected("WHEN");
            }

            var otherwise = AcceptKeyword("else") ? ParseExpr() : null;
            if (!AtKeyword("end"))
            {
                throw FailExpected("END to close the CASE");
            }

            Advance();
            return new CaseExpr(From(start), operand, whens.ToEquatableArray(), otherwise);
        }

        private SqlExpr ParseCast()
        {
            var start = Advance().Span.Start;
            var open = Advance();
            var operand = ParseExpr();
            ExpectKeyword("as");
            var type = ParseTypeName();
            ExpectCloseParen(open);
            return new CastExpr(From(start), operand, type, ColonSyntax: false);
        }

        // EXTRACT(field FROM x) is PostgreSQL's extract('field', x): a call with the field as a string.
        private SqlExpr ParseExtract()
        {
            var start = Advance().Span.Start;
            var open = Advance();
            if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier) || At(SqlTokenKind.String)))
            {
                throw FailExpected("a field such as YEAR");
            }

            var fieldToken = Advance();
            var field = new Literal(fieldToken.Span, LiteralKind.String, fieldToken.Value);
            ExpectKeyword("from");
            var source = ParseExpr();
            ExpectCloseParen(open);
            return new FunctionCall(From(start), "extract", new SqlExpr[] { field, source }.ToEquatableArray(), false, false);
        }

        // date '2020-01-01', timestamp with time zone '...', interval '1 day', "MyType" '...'
        private SqlExpr? TryParseTypedLiteral()
        {
            if (!TryReadTypeName(_pos, allowArray: false, out var type, out var next) || TokenAt(next).Kind != SqlTokenKind.String)
            {
                return null;
            }

            var start = Current.Span.Start;
            MoveTo(next);
            var text = Advance();
            var literal = new Literal(text.Span, LiteralKind.String, text.Value);
            if (type == "interval" && At(SqlTokenKind.Identifier) && SqlKeywords.IntervalFields.Contains(Current.Value))
            {
                var fieldStart = Current.Span.Start;
                while (At(SqlTokenKind.Identifier) && (SqlKeywords.IntervalFields.Contains(Current.Value) || AtKeyword("to")))
                {
                    Advance();
                }

                if (At(SqlTokenKind.OpenParen))
                {
                    SkipGroup();
                }

                ReportUnsupported("Interval field qualifiers (INTERVAL '1' DAY) are not supported: write the unit in the string, INTERVAL '1 day'", fieldStart);
            }

            return new CastExpr(From(start), literal, type, ColonSyntax: false);
        }

        private string ParseTypeName()
        {
            if (!TryReadTypeName(_pos, allowArray: true, out var type, out var next))
            {
                throw FailExpected("a type name");
            }

            MoveTo(next);
            return type;
        }

        /// <summary>
        /// Reads a type name starting at token <paramref name="index"/> without consuming or reporting anything, normalized:
        /// lower case, single spaces, no space around modifiers (<c>numeric(10,2)</c>, <c>timestamp(3) with time zone</c>, <c>int[]</c>).
        /// </summary>
        private bool TryReadTypeName(int index, bool allowArray, out string name, out int next)
        {
            name = string.Empty;
            next = index;
            var first = TokenAt(index);
            var builder = new StringBuilder();
            var i = index + 1;
            if (first.Kind == SqlTokenKind.QuotedIdentifier)
            {
                builder.Append(QuoteIdentifier(first.Value));
                i = ReadQualifier(i, builder);
            }
            else if (first.Kind == SqlTokenKind.Identifier && !SqlKeywords.Reserved.Contains(first.Value))
            {
                builder.Append(first.Value);
                switch (first.Value)
                {
                    case "double" when TokenAt(i).IsKeyword("precision"):
                        builder.Append(" precision");
                        i++;
                        break;
                    case "character" or "char" or "bit" or "varchar" when TokenAt(i).IsKeyword("varying"):
                        builder.Append(" varying");
                        i++;
                        break;
                    case "time" or "timestamp":
                        i = ReadModifiers(i, builder);
                        if (i < 0)
                        {
                            return false;
                        }

                        if ((TokenAt(i).IsKeyword("with") || TokenAt(i).IsKeyword("without")) && TokenAt(i + 1).IsKeyword("time") && TokenAt(i + 2).IsKeyword("zone"))
                        {
                            builder.Append(' ').Append(TokenAt(i).Value).Append(" time zone");
                            i += 3;
                        }

                        return FinishTypeName(i, allowArray, builder, out name, out next);
                    default:
                        i = ReadQualifier(i, builder);
                        break;
                }
            }
            else
            {
                return false;
            }

            i = ReadModifiers(i, builder);
            if (i < 0)
            {
                return false;
            }

            return FinishTypeName(i, allowArray, builder, out name, out next);
        }

        private bool FinishTypeName(int i, bool allowArray, StringBuilder builder, out string name, out int next)
        {
            while (allowArray && TokenAt(i).Kind == SqlTokenKind.OpenBracket)
            {
                if (TokenAt(i + 1).Kind == SqlTokenKind.CloseBracket)
                {
                    builder.Append("[]");
                    i += 2;
                }
                else if (TokenAt(i + 1).Kind == SqlTokenKind.Integer && TokenAt(i + 2).Kind == SqlTokenKind.CloseBracket)
                {
                    builder.Append('[').Append(TokenAt(i + 1).Value).Append(']');
                    i += 3;
                }
                else
                {
                    break;
                }
            }

            name = builder.ToString();
            next = i;
            return true;
        }

        private int ReadQualifier(int i, StringBuilder builder)
        {
            if (TokenAt(i).Kind == SqlTokenKind.Dot && TokenAt(i + 1).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
            {
                var part = TokenAt(i + 1);
                builder.Append('.').Append(part.Kind == SqlTokenKind.QuotedIdentifier ? QuoteIdentifier(part.Value) : part.Value);
                return i + 2;
            }

            return i;
        }

        private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

        // (10,2) after a type name; -1 when the parentheses hold something else.
        private int ReadModifiers(int i, StringBuilder builder)
        {
            if (TokenAt(i).Kind != SqlTokenKind.OpenParen)
            {
                return i;
            }

            builder.Append('(');
            i++;
            while (true)
            {
                var item = TokenAt(i);
                if (item.Kind is not (SqlTokenKind.Integer or SqlTokenKind.Identifier))
                {
                    return -1;
                }

                builder.Append(item.Value);
                i++;
                if (TokenAt(i).Kind == SqlTokenKind.Comma)
                {
                    builder.Append(',');
                    i++;
                }
                else if (TokenAt(i).Kind == SqlTokenKind.CloseParen)
                {
                    builder.Append(')');
                    return i + 1;
                }
                else
                {
                    return -1;
                }
            }
        }
    }
}
