using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// Statements and their clauses (gram.y: SelectStmt, simple_select, InsertStmt, UpdateStmt, DeleteStmt, with_clause,
// group_clause, sort_clause, select_limit, for_locking_clause, opt_on_conflict, set_clause_list, returning_clause).
internal static partial class SqlParser
{
    private sealed partial class Parser
    {

        private SqlStatement ParseQuery()
        {
            if (AtEnd)
            {
                throw Fail(SqlProblemKind.Syntax, "The query is empty: write one SELECT, INSERT, UPDATE or DELETE statement", new TextSpan(0, _sql.Length));
            }

            _setOperations = true;
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

            if (token.IsKeyword("values"))
            {
                return ParseValues();
            }

            if (token.IsKeyword("table"))
            {
                return ParseTableQuery();
            }

            if (AtParenthesizedQuery())
            {
                // (SELECT ...) [UNION (SELECT ...)]: a parenthesized query, a branch of a set operation when one follows; alone, the
                // statement is the query inside (its clauses, a WITH clause first, are spans of the text inside the parentheses).
                var open = token.Span.Start;
                var query = ParseParenthesizedQuery();
                return AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except") ? query with { Span = From(open) } : query;
            }

            if (token.Kind == SqlTokenKind.Identifier && SqlKeywords.OtherStatements.Contains(token.Value))
            {
                throw Fail(
                    SqlProblemKind.Unsupported,
                    $"{token.Value.ToUpperInvariant()} statements are not supported: a [Query] holds one SELECT, INSERT, UPDATE, DELETE or VALUES statement",
                    token.Span);
            }

            throw Fail(
                SqlProblemKind.Syntax,
                $"Expected SELECT, INSERT, UPDATE or DELETE{(_pos > 0 ? $" after {Quote(_previous.Span)}" : string.Empty)}, found {Describe(token)}",
                AtEnd ? new TextSpan(PreviousEnd, 0) : token.Span);
        }

        // WITH a AS (...), b AS (...) SELECT ... [UNION ...] — common table expressions of a statement.
        private SqlStatement ParseWithStatement()
        {
            var withStart = Current.Span.Start;
            var ctes = ParseWithClause();
            var statement = ParseStatement();
            if (statement is SelectStatement { Values.Count: 0 } first && (AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except")))
            {
                statement = ParseSetOperation(first);
            }

            return ctes is null ? statement : WithClause(statement, ctes.ToEquatableArray(), withStart);
        }

        // The statement with its leading WITH clause; its span then starts at WITH.
        private SqlStatement WithClause(SqlStatement statement, EquatableArray<CommonTableExpression> with, int withStart) => statement switch
        {
            SelectStatement { Values.Count: 0, SetOperation: null } select => select with { Span = From(withStart), With = with },
            SelectStatement { SetOperation: { } set } wrapped => wrapped with { Span = From(withStart), SetOperation = set with { Span = From(withStart), With = with } },
            SetOperationStatement set => set with { Span = From(withStart), With = with },
            InsertStatement insert => insert with { Span = From(withStart), With = with },
            UpdateStatement update => update with { Span = From(withStart), With = with },
            DeleteStatement delete => delete with { Span = From(withStart), With = with },
            _ => throw Fail(SqlProblemKind.Unsupported, "WITH before VALUES is not supported: select from the common table expressions", From(withStart)),
        };

        // Null (after reporting) when a body holds a construct ShardGen does not take.
        private List<CommonTableExpression>? ParseWithClause()
        {
            Advance();
            var recursive = AcceptKeyword("recursive");
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

                var columns = At(SqlTokenKind.OpenParen) ? ParseNameList() : EquatableArray<string>.Empty;

                ExpectKeyword("as");
                bool? materialized = null;
                if (AcceptKeyword("not"))
                {
                    ExpectKeyword("materialized");
                    materialized = false;
                }
                else if (AcceptKeyword("materialized"))
                {
                    materialized = true;
                }

                if (!At(SqlTokenKind.OpenParen))
                {
                    throw FailExpected("'('");
                }

                var open = Advance();
                var body = Nested(() => ParseNestedQuery(inFrom: true, writes: true));
                ExpectCloseParen(open);
                if (AtKeyword("search") || AtKeyword("cycle"))
                {
                    var clauseStart = Current.Span.Start;
                    SkipSearchAndCycle();
                    ReportUnsupported("SEARCH and CYCLE clauses of a recursive common table expression are not supported: order or stop the recursion in its query", clauseStart);
                    body = null;
                }

                if (body is null)
                {
                    supported = false;
                }
                else
                {
                    ctes.Add(new CommonTableExpression(From(name.Span.Start), name.Value, name.Span, body, columns, recursive, materialized));
                }
            }
            while (Accept(SqlTokenKind.Comma));

            return supported ? ctes : null;
        }

        // The query inside a subquery's or a CTE's parentheses (gram.y: select_no_parens, and PreparableStmt in a CTE):
        // [WITH ...] SELECT ... [UNION | INTERSECT | EXCEPT ...], a parenthesized query, VALUES (in FROM and in a CTE), and with
        // writes INSERT, UPDATE or DELETE (a data-modifying CTE). A set operation is wrapped in a SelectStatement. Null (after
        // reporting) when something inside is not taken.
        private SqlStatement? ParseNestedQuery(bool inFrom, bool writes)
        {
            var saved = _setOperations;
            _setOperations = true;
            try
            {
                var start = Current.Span.Start;
                var ctes = AtKeyword("with") ? ParseWithClause() ?? new List<CommonTableExpression>() : null;
                var supported = ctes is null || ctes.Count > 0;
                SqlStatement? statement;
                if (writes && (AtKeyword("insert") || AtKeyword("update") || AtKeyword("delete")))
                {
                    statement = ParseStatement();
                }
                else if (writes && AtKeyword("merge"))
                {
                    while (!AtEnd && !At(SqlTokenKind.CloseParen))
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

                    ReportUnsupported("MERGE in a common table expression is not supported: run the MERGE as a [Query] of its own", start);
                    return null;
                }
                else if (AtParenthesizedQuery())
                {
                    // ((SELECT ...) UNION ...): the parenthesized query, its span with the parentheses.
                    var open = Current.Span.Start;
                    statement = ParseSubquery(inFrom) is { } inner ? inner with { Span = From(open) } : null;
                }
                else if (AtKeyword("select"))
                {
                    statement = ParseSelect();
                }
                else if (AtKeyword("table"))
                {
                    statement = ParseTableQuery();
                }
                else if (AtKeyword("values") && (inFrom || ctes is not null))
                {
                    statement = ParseValues();
                }
                else
                {
                    throw FailExpected("SELECT");
                }

                if (statement is SelectStatement first && (AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except")))
                {
                    var set = ParseSetOperation(first);
                    statement = SetOperationQuery(set, set.Span);
                }

                if (statement is not null && ctes is { Count: > 0 })
                {
                    statement = WithClause(statement, ctes.ToEquatableArray(), start);
                }

                return supported ? statement : null;
            }
            finally
            {
                _setOperations = saved;
            }
        }

        // SEARCH {DEPTH | BREADTH} FIRST BY a, b SET seq, then CYCLE a, b SET is_cycle [TO x DEFAULT y] USING path (gram.y: opt_search_clause, opt_cycle_clause).
        private void SkipSearchAndCycle()
        {
            if (AcceptKeyword("search"))
            {
                _ = AcceptKeyword("depth") || AcceptKeyword("breadth") ? true : throw FailExpected("DEPTH or BREADTH");
                ExpectKeyword("first");
                ExpectKeyword("by");
                SkipNameList();
                ExpectKeyword("set");
                SkipNameList();
            }

            if (AcceptKeyword("cycle"))
            {
                SkipNameList();
                ExpectKeyword("set");
                SkipNameList();
                if (AcceptKeyword("to"))
                {
                    ParseExpr();
                    ExpectKeyword("default");
                    ParseExpr();
                }

                ExpectKeyword("using");
                SkipNameList();
            }
        }

        private void SkipNameList()
        {
            do
            {
                _ = SqlKeywords.IsColumnName(Current) ? Advance() : throw FailExpected("a column name");
            }
            while (Accept(SqlTokenKind.Comma));
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
        // In FROM (inFrom), a VALUES list is a subquery too: (VALUES (1, 'a')) AS v(x, y).
        private SelectStatement? ParseSubquery(bool inFrom = false)
        {
            var savedDefault = _defaultAllowed;
            _defaultAllowed = false;
            try
            {
                return Nested(() => ParseSubqueryBody(inFrom));
            }
            finally
            {
                _defaultAllowed = savedDefault;
            }
        }

        private SelectStatement? ParseSubqueryBody(bool inFrom)
        {
            var open = Current;
            var depth = 1;
            while (Peek(depth).Kind == SqlTokenKind.OpenParen)
            {
                depth++;
            }

            if (!AtQueryStart(depth) || (depth == 1 && PeekKeyword(1, "values") && !inFrom))
            {
                SkipGroup();
                ReportUnsupported("VALUES lists in a subquery are not supported here: pass the values as an array @parameter and write x = ANY(@values)", open.Span.Start);
                return null;
            }

            Advance();
            var query = ParseNestedQuery(inFrom, writes: false);
            ExpectCloseParen(open);
            return (SelectStatement?)query;
        }

        // VALUES (a, b), (c, d) as a statement; ORDER BY, LIMIT and OFFSET may follow (ParseSelectTail).
        private SelectStatement ParseValues()
        {
            var start = Advance().Span.Start;
            var rows = new List<EquatableArray<SqlExpr>>();
            do
            {
                rows.Add(ParseValuesRow(0, rows.Count == 0 ? -1 : rows[0].Count, allowDefault: false));
            }
            while (Accept(SqlTokenKind.Comma));

            var values = new SelectStatement(
                From(start), false, EquatableArray<SelectItem>.Empty, null, EquatableArray<JoinClause>.Empty, null, EquatableArray<SqlExpr>.Empty, null,
                EquatableArray<OrderItem>.Empty, null, null, new TextSpan(start, 0), null, null, null, null, null, null, null,
                Values: rows.ToEquatableArray());
            return ParseSelectTail(values);
        }

        // (SELECT ...) as a statement or a branch of a set operation: its own ORDER BY and LIMIT stay inside it, and so do a WITH
        // clause and a set operation inside the parentheses.
        private SelectStatement ParseParenthesizedBranch()
        {
            var open = Current.Span.Start;
            return ParseParenthesizedQuery() with { Span = From(open) };
        }

        // The query inside parentheses, its span the text inside them.
        private SelectStatement ParseParenthesizedQuery()
        {
            var open = Advance();
            var query = (SelectStatement?)Nested(() => ParseNestedQuery(inFrom: true, writes: false));
            ExpectCloseParen(open);

            // After a problem inside (already reported) the tree is not returned: an empty SELECT stands in for the query.
            return query ?? SetOperationQuery(null, From(open.Span.Start));
        }

        // A SELECT with no items holding a set operation where a query goes (or standing in for a query with a problem).
        private static SelectStatement SetOperationQuery(SetOperationStatement? set, TextSpan span) => new(
            span, false, EquatableArray<SelectItem>.Empty, null, EquatableArray<JoinClause>.Empty, null, EquatableArray<SqlExpr>.Empty, null,
            EquatableArray<OrderItem>.Empty, null, null, new TextSpan(span.Start, 0), null, null, null, null, null, null, null,
            SetOperation: set);

        // SELECT a UNION [ALL] SELECT b ... [ORDER BY ...] [LIMIT ...]: the last branch's ORDER BY, LIMIT and OFFSET are the whole's;
        // a parenthesized branch keeps its own, and the clauses after it are the whole's.
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
                if (AtParenthesizedQuery())
                {
                    branches.Add(ParseParenthesizedBranch());
                }
                else if (AtKeyword("select"))
                {
                    branches.Add(ParseSelect());
                }
                else if (AtKeyword("table"))
                {
                    branches.Add(ParseTableQuery());
                }
                else
                {
                    throw FailExpected("SELECT");
                }
            }

            for (var i = 0; i < branches.Count - 1; i++)
            {
                if (!IsParenthesized(branches[i]) && branches[i].OrderBySpan is { } misplaced)
                {
                    throw Fail(SqlProblemKind.Syntax, "ORDER BY, LIMIT and OFFSET of a set operation go after its last branch", misplaced);
                }
            }

            var last = branches[branches.Count - 1];
            EquatableArray<OrderItem> orderBy;
            SqlExpr? limit;
            SqlExpr? offset;
            if (IsParenthesized(last))
            {
                // (SELECT ...) UNION (SELECT ...) ORDER BY ...: the clauses after the last parenthesis are the whole's.
                var tail = ParseSelectTail(last with { OrderBy = EquatableArray<OrderItem>.Empty, Limit = null, Offset = null, OrderBySpan = null, LimitSpan = null, OffsetSpan = null, Locking = EquatableArray<LockingClause>.Empty, LockingSpan = null });
                if (tail.Locking.Count > 0 || tail.LimitWithTies)
                {
                    throw Fail(SqlProblemKind.Unsupported, "FOR UPDATE/SHARE and FETCH ... WITH TIES are not supported on a set operation", tail.LockingSpan ?? tail.LimitSpan!.Value);
                }

                (orderBy, limit, offset) = (tail.OrderBy, tail.Limit, tail.Offset);
            }
            else
            {
                (orderBy, limit, offset) = (last.OrderBy, last.Limit, last.Offset);
                if (last.Locking.Count > 0 || last.LimitWithTies)
                {
                    throw Fail(SqlProblemKind.Unsupported, "FOR UPDATE/SHARE and FETCH ... WITH TIES are not supported on a set operation", last.LockingSpan ?? last.LimitSpan!.Value);
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
            }

            return new SetOperationStatement(
                From(first.Span.Start), branches.ToEquatableArray(), operators.ToEquatableArray(), operatorSpans.ToEquatableArray(),
                orderBy, limit, offset);
        }

        private bool IsParenthesized(SelectStatement branch) => _sql[branch.Span.Start] == '(';

        // ( ... (SELECT | WITH | VALUES: a query in one or more parentheses.
        private bool AtParenthesizedQuery()
        {
            var i = 0;
            while (Peek(i).Kind == SqlTokenKind.OpenParen)
            {
                i++;
            }

            return i > 0 && AtQueryStart(i);
        }

        private SelectStatement ParseSelect()
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

            // SELECT FROM t, SELECT;: an empty select list (not after DISTINCT).
            var emptyList = !distinct && distinctOnSpan is null && AtEndOfSelectList();
            var items = emptyList ? EquatableArray<SelectItem>.Empty : ParseSelectItems();
            var selectListSpan = items.Count == 0 ? new TextSpan(PreviousEnd, 0) : TextSpan.FromBounds(items[0].Span.Start, items[items.Count - 1].Span.End);

            if (AtKeyword("into"))
            {
                var intoStart = Advance().Span.Start;
                _ = AcceptKeyword("temporary") || AcceptKeyword("temp") || AcceptKeyword("unlogged");
                AcceptKeyword("table");
                SkipQualifiedName();
                ReportUnsupported("SELECT INTO is not supported: it creates a table, which a [Query] does not; select the rows, or write INSERT INTO an existing table ... SELECT", intoStart);
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
            var groupByDistinct = false;
            if (AtKeyword("group"))
            {
                var groupStart = Advance().Span.Start;
                ExpectKeyword("by");
                groupByDistinct = AcceptKeyword("distinct");
                if (!groupByDistinct)
                {
                    AcceptKeyword("all");
                }

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

            var windows = new List<WindowDefinition>();
            TextSpan? windowSpan = null;
            if (AtKeyword("window"))
            {
                var windowStart = Advance().Span.Start;
                do
                {
                    var nameStart = Current.Span.Start;
                    var name = SqlKeywords.IsColumnName(Current) || (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current)) ? Advance().Value : throw FailExpected("a window name");
                    ExpectKeyword("as");
                    if (!At(SqlTokenKind.OpenParen))
                    {
                        throw FailExpected("'('");
                    }

                    var spec = ParseWindowSpecification();
                    windows.Add(spec with { Span = From(nameStart), Name = name });
                }
                while (Accept(SqlTokenKind.Comma));
                windowSpan = From(windowStart);
            }

            var select = new SelectStatement(
                From(start), distinct, items, from, joins, where, groupBy, having, EquatableArray<OrderItem>.Empty, null, null,
                selectListSpan, fromSpan, whereSpan, groupBySpan, havingSpan, null, null, null,
                DistinctOn: distinctOn, DistinctOnSpan: distinctOnSpan, Windows: windows.ToEquatableArray(), WindowSpan: windowSpan, GroupByDistinct: groupByDistinct);

            // A branch of the statement's set operation stops here: ORDER BY, LIMIT and OFFSET belong to the whole.
            var branch = AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except");
            if (branch && !_setOperations)
            {
                throw FailSetOperation();
            }

            return branch ? select : ParseSelectTail(select);
        }

        private bool AtEndOfSelectList() =>
            AtEnd || At(SqlTokenKind.Semicolon) || At(SqlTokenKind.CloseParen) || AtKeyword("from") || AtKeyword("where") || AtKeyword("group")
            || AtKeyword("having") || AtKeyword("window") || AtKeyword("order") || AtKeyword("limit") || AtKeyword("offset") || AtKeyword("fetch")
            || AtKeyword("for") || AtKeyword("union") || AtKeyword("intersect") || AtKeyword("except") || AtKeyword("into");

        // [ORDER BY ...] then LIMIT, OFFSET, FETCH and FOR UPDATE/SHARE clauses in any order, each once (locking clauses repeat).
        private SelectStatement ParseSelectTail(SelectStatement select)
        {
            var orderBy = EquatableArray<OrderItem>.Empty;
            TextSpan? orderBySpan = null;
            if (AtKeyword("order"))
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
            var withTies = false;
            var limitAll = false;
            var limitSeen = false;
            var offsetSeen = false;
            var locking = new List<LockingClause>();
            int? lockingStart = null;
            var lockingEnd = 0;
            while (true)
            {
                if (AtKeyword("limit") || AtKeyword("fetch"))
                {
                    var limitToken = Current;
                    if (limitSeen)
                    {
                        throw Fail(SqlProblemKind.Syntax, "LIMIT is written twice: keep one LIMIT (or FETCH) clause", limitToken.Span);
                    }

                    limitSeen = true;
                    if (AtKeyword("fetch"))
                    {
                        (limit, withTies) = ParseFetch();
                        limitSpan = From(limitToken.Span.Start);
                        continue;
                    }

                    Advance();
                    if (AcceptKeyword("all"))
                    {
                        // LIMIT ALL is no limit at all.
                        limitAll = true;
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
                else if (AtKeyword("for"))
                {
                    lockingStart ??= Current.Span.Start;
                    locking.Add(ParseLockingClause());
                    lockingEnd = PreviousEnd;
                }
                else
                {
                    break;
                }
            }

            if (withTies && orderBy.Count == 0)
            {
                throw Fail(SqlProblemKind.Syntax, "FETCH ... WITH TIES needs an ORDER BY", limitSpan!.Value);
            }

            if (withTies && locking.Any(l => l.Wait == "SKIP LOCKED"))
            {
                throw Fail(SqlProblemKind.Syntax, "SKIP LOCKED and WITH TIES options cannot be used together", limitSpan!.Value);
            }

            return select with
            {
                Span = From(select.Span.Start),
                OrderBy = orderBy,
                OrderBySpan = orderBySpan,
                Limit = limit,
                LimitSpan = limitSpan,
                LimitWithTies = withTies,
                LimitAll = limitAll,
                Offset = offset,
                OffsetSpan = offsetSpan,
                Locking = locking.ToEquatableArray(),
                LockingSpan = lockingStart is { } first ? TextSpan.FromBounds(first, lockingEnd) : null,
            };
        }

        // FETCH FIRST|NEXT [count] ROW|ROWS ONLY|WITH TIES; the count is 1 when left out (its span then empty, after FIRST or NEXT).
        private (SqlExpr Count, bool WithTies) ParseFetch()
        {
            Advance();
            if (!AcceptKeyword("first") && !AcceptKeyword("next"))
            {
                throw FailExpected("FIRST or NEXT");
            }

            SqlExpr count = AtKeyword("row") || AtKeyword("rows")
                ? new Literal(new TextSpan(PreviousEnd, 0), LiteralKind.Integer, "1")
                : ParseExpr(Level.Unary);
            if (!AcceptKeyword("row") && !AcceptKeyword("rows"))
            {
                throw FailExpected("ROW or ROWS");
            }

            if (AcceptKeyword("only"))
            {
                return (count, false);
            }

            ExpectKeyword("with");
            ExpectKeyword("ties");
            return (count, true);
        }

        private ParseAbort FailSetOperation()
        {
            var op = Advance();
            var all = AcceptKeyword("all");
            if (!all)
            {
                AcceptKeyword("distinct");
            }

            var name = op.Value.ToUpperInvariant() + (all ? " ALL" : string.Empty);
            return Fail(
                SqlProblemKind.Unsupported,
                $"{name} in INSERT is not supported by ShardGen's parser: insert the rows of each query with its own [Query]",
                From(op.Span.Start));
        }

        // FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE [OF t, ...] [NOWAIT | SKIP LOCKED].
        private LockingClause ParseLockingClause()
        {
            var start = Advance().Span.Start;
            string strength;
            if (AcceptKeyword("no"))
            {
                ExpectKeyword("key");
                ExpectKeyword("update");
                strength = "NO KEY UPDATE";
            }
            else if (AcceptKeyword("key"))
            {
                ExpectKeyword("share");
                strength = "KEY SHARE";
            }
            else if (AcceptKeyword("update"))
            {
                strength = "UPDATE";
            }
            else if (AcceptKeyword("share"))
            {
                strength = "SHARE";
            }
            else
            {
                throw FailExpected("UPDATE or SHARE");
            }

            var of = new List<string>();
            if (AcceptKeyword("of"))
            {
                do
                {
                    of.Add(ParseQualifiedNameText());
                }
                while (Accept(SqlTokenKind.Comma));
            }

            string? wait = null;
            if (AcceptKeyword("skip"))
            {
                ExpectKeyword("locked");
                wait = "SKIP LOCKED";
            }
            else if (AcceptKeyword("nowait"))
            {
                wait = "NOWAIT";
            }

            return new LockingClause(From(start), strength, of.ToEquatableArray(), wait);
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

        // GROUP BY items: expressions, ROLLUP (...), CUBE (...), GROUPING SETS (...) and the empty set ().
        private EquatableArray<SqlExpr> ParseGroupByItems()
        {
            var items = new List<SqlExpr>();
            do
            {
                items.Add(ParseGroupingItem());
            }
            while (Accept(SqlTokenKind.Comma));

            return items.ToEquatableArray();
        }

        private SqlExpr ParseGroupingItem()
        {
            var start = Current.Span.Start;
            string? kind = null;
            if ((AtKeyword("rollup") || AtKeyword("cube")) && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                kind = Advance().Value.ToUpperInvariant();
            }
            else if (AtKeyword("grouping") && PeekKeyword(1, "sets"))
            {
                Advance();
                Advance();
                kind = "SETS";
            }
            else if (At(SqlTokenKind.OpenParen) && Peek(1).Kind == SqlTokenKind.CloseParen)
            {
                Advance();
                Advance();
                return new GroupingSetExpr(From(start), "EMPTY", EquatableArray<SqlExpr>.Empty);
            }

            if (kind is null)
            {
                return ParseExpr();
            }

            if (!At(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var open = Advance();
            var items = new List<SqlExpr>();
            do
            {
                // Inside GROUPING SETS any grouping item; inside ROLLUP and CUBE expressions and (a, b) groups.
                items.Add(kind == "SETS" ? Nested(ParseGroupingItem) : ParseExpr());
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            return new GroupingSetExpr(From(start), kind, items.ToEquatableArray());
        }

        private EquatableArray<OrderItem> ParseOrderItems()
        {
            var items = new List<OrderItem>();
            do
            {
                var start = Current.Span.Start;
                var expr = ParseExpr();
                var descending = false;
                var ascending = false;
                string? usingOperator = null;
                if (AtKeyword("desc") || AtKeyword("asc"))
                {
                    descending = Advance().Value == "desc";
                    ascending = !descending;
                }
                else if (AcceptKeyword("using"))
                {
                    usingOperator = AtOperatorKeyword() ? ParseOperatorKeyword() : At(SqlTokenKind.Operator) ? Advance().Value : throw FailExpected("an operator");
                }

                bool? nullsFirst = null;
                if (AcceptKeyword("nulls"))
                {
                    nullsFirst = AtKeyword("first") ? true : AtKeyword("last") ? false : throw FailExpected("FIRST or LAST");
                    Advance();
                }

                items.Add(new OrderItem(From(start), expr, descending, nullsFirst, usingOperator, ascending));
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
            var targets = new List<SqlExpr>();
            if (At(SqlTokenKind.OpenParen) && !AtQueryStart(1))
            {
                var open = Advance();
                do
                {
                    if (!SqlKeywords.IsColumnName(Current))
                    {
                        throw FailExpected("a column name");
                    }

                    var column = Advance();
                    targets.Add(ParseAssignmentTarget(column) ?? new ColumnRef(column.Span, null, column.Value));
                    columns.Add(column.Value);
                    columnSpans.Add(column.Span);
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(open);
            }

            string? overriding = null;
            if (AcceptKeyword("overriding"))
            {
                overriding = AtKeyword("system") || AtKeyword("user") ? Advance().Value.ToUpperInvariant() : throw FailExpected("SYSTEM or USER");
                ExpectKeyword("value");
            }

            var rows = new List<EquatableArray<SqlExpr>>();
            SelectStatement? query = null;
            var defaultValues = false;
            var savedSetOperations = _setOperations;
            _setOperations = false;
            if (AtKeyword("select"))
            {
                query = ParseSelect();
            }
            else if (At(SqlTokenKind.OpenParen) && PeekKeyword(1, "select"))
            {
                // INSERT ... (SELECT ...): the query in parentheses.
                var open = Advance();
                query = ParseSelect();
                ExpectCloseParen(open);
            }
            else if (AtKeyword("values"))
            {
                Advance();
                do
                {
                    rows.Add(ParseValuesRow(columns.Count, rows.Count == 0 ? -1 : rows[0].Count, allowDefault: true));
                }
                while (Accept(SqlTokenKind.Comma));
            }
            else if (AtKeyword("default") && PeekKeyword(1, "values"))
            {
                Advance();
                Advance();
                defaultValues = true;
                if (columns.Count > 0)
                {
                    throw Fail(SqlProblemKind.Syntax, "DEFAULT VALUES takes no column list", From(table.Span.End));
                }
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

                ReportUnsupported("INSERT ... WITH ... SELECT is not supported: write the WITH clause before INSERT", queryStart);
            }
            else
            {
                throw FailExpected("VALUES");
            }

            _setOperations = savedSetOperations;
            OnConflict? onConflict = null;
            if (AtKeyword("on") && PeekKeyword(1, "conflict"))
            {
                onConflict = ParseOnConflict();
            }

            var (returning, returningSpan) = ParseReturning();
            return new InsertStatement(
                From(start), table, columns.ToEquatableArray(), columnSpans.ToEquatableArray(), rows.ToEquatableArray(),
                onConflict, returning, returningSpan, query, defaultValues, Overriding: overriding,
                Targets: targets.Any(t => t is not ColumnRef) ? targets.ToEquatableArray() : EquatableArray<SqlExpr>.Empty);
        }

        // (a, b, DEFAULT): one row of VALUES; DEFAULT only in INSERT's.
        private EquatableArray<SqlExpr> ParseValuesRow(int columnCount, int firstRowCount, bool allowDefault)
        {
            if (!At(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var open = Advance();
            var values = new List<SqlExpr>();
            do
            {
                values.Add(allowDefault ? ParseWithDefault() : ParseExpr());
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

        // An expression where DEFAULT may stand for a column's default: a value of INSERT's VALUES or of UPDATE's SET (a row of them included).
        private SqlExpr ParseWithDefault()
        {
            var saved = _defaultAllowed;
            _defaultAllowed = true;
            try
            {
                return ParseExpr();
            }
            finally
            {
                _defaultAllowed = saved;
            }
        }

        // ON CONFLICT [(a, lower(b)) [WHERE ...] | ON CONSTRAINT name] DO NOTHING | DO UPDATE SET ... [WHERE ...]
        private OnConflict ParseOnConflict()
        {
            var start = Advance().Span.Start;
            Advance();
            var columns = new List<string>();
            var expressions = new List<SqlExpr>();
            SqlExpr? targetWhere = null;
            string? constraint = null;
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
                        continue;
                    }

                    // An index element: an expression, with the COLLATE and operator class of the unique index it names.
                    var element = ParseExpr();
                    if (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current))
                    {
                        ParseQualifiedNameText();
                    }

                    _ = AcceptKeyword("asc") || AcceptKeyword("desc");
                    if (AcceptKeyword("nulls"))
                    {
                        _ = AcceptKeyword("first") || AcceptKeyword("last") ? true : throw FailExpected("FIRST or LAST");
                    }

                    expressions.Add(element);
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(open);

                if (AcceptKeyword("where"))
                {
                    targetWhere = ParseExpr();
                }
            }
            else if (AtKeyword("on") && PeekKeyword(1, "constraint"))
            {
                hasTarget = true;
                Advance();
                Advance();
                constraint = SqlKeywords.IsColumnName(Current) || At(SqlTokenKind.Identifier) ? Advance().Value : throw FailExpected("a constraint name");
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

            return new OnConflict(From(start), columns.ToEquatableArray(), doNothing, updates, where, expressions.ToEquatableArray(), targetWhere, constraint);
        }

        // col.field, col[i], col[lo:hi] and chains of them after a column of INSERT or UPDATE (gram.y's set_target, insert_column_item):
        // the field or element assigned, over the column; null when the column is assigned whole.
        private SqlExpr? ParseAssignmentTarget(SqlToken column)
        {
            SqlExpr target = new ColumnRef(column.Span, null, column.Value);
            while (true)
            {
                if (At(SqlTokenKind.OpenBracket))
                {
                    target = ParseSubscript(target);
                }
                else if (Accept(SqlTokenKind.Dot))
                {
                    var field = ExpectLabel();
                    target = new FieldExpr(From(column.Span.Start), target, field);
                }
                else
                {
                    return target is ColumnRef ? null : target;
                }
            }
        }

        // a = x, b = DEFAULT, tags[1] = y, (c, d) = (x, y) | ROW(x, y) | (SELECT x, y ...)
        private EquatableArray<SetClause> ParseSetClauses()
        {
            var sets = new List<SetClause>();
            do
            {
                var start = Current.Span.Start;
                if (At(SqlTokenKind.OpenParen))
                {
                    var open = Advance();
                    var targets = new List<(SqlToken Column, SqlExpr? Target)>();
                    do
                    {
                        var target = SqlKeywords.IsColumnName(Current) ? Advance() : throw FailExpected("a column name");
                        targets.Add((target, ParseAssignmentTarget(target)));
                    }
                    while (Accept(SqlTokenKind.Comma));
                    ExpectCloseParen(open);
                    if (!Current.IsOperator("="))
                    {
                        throw FailExpected("'='");
                    }

                    Advance();
                    var source = AtKeyword("default") ? new DefaultExpr(Advance().Span) : ParseWithDefault();
                    if (source is RowExpr row && row.Items.Count != targets.Count && !row.Items.Any(i => i is StarExpr or FieldExpr { Field: "*" }))
                    {
                        throw Fail(SqlProblemKind.Syntax, $"The source of this assignment has {row.Items.Count} values for {targets.Count} columns", source.Span);
                    }

                    var span = From(start);
                    for (var i = 0; i < targets.Count; i++)
                    {
                        sets.Add(new SetClause(span, targets[i].Column.Value, targets[i].Column.Span, source, i, targets[i].Target));
                    }

                    continue;
                }

                if (!SqlKeywords.IsColumnName(Current))
                {
                    throw FailExpected("a column name");
                }

                var column = Advance();
                var element = ParseAssignmentTarget(column);
                if (!Current.IsOperator("="))
                {
                    throw FailExpected("'='");
                }

                Advance();
                var value = ParseWithDefault();
                sets.Add(new SetClause(From(start), column.Value, column.Span, value, Target: element));
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
            JoinedTable? from = null;
            TextSpan? fromSpan = null;
            if (AtKeyword("from"))
            {
                var (first, joins, span) = ParseFromList();
                from = new JoinedTable(TextSpan.FromBounds(first.Span.Start, span.End), first, joins);
                fromSpan = span;
            }

            var (where, whereSpan) = ParseWhere();
            var (returning, returningSpan) = ParseReturning();
            return new UpdateStatement(From(start), table, sets, where, returning, whereSpan, returningSpan, from, fromSpan);
        }

        private DeleteStatement ParseDelete()
        {
            var start = Advance().Span.Start;
            ExpectKeyword("from");
            var table = ParseTableRef(TableContext.Delete);
            JoinedTable? usingList = null;
            TextSpan? usingSpan = null;
            if (AtKeyword("using"))
            {
                var (first, joins, span) = ParseFromList();
                usingList = new JoinedTable(TextSpan.FromBounds(first.Span.Start, span.End), first, joins);
                usingSpan = span;
            }

            var (where, whereSpan) = ParseWhere();
            var (returning, returningSpan) = ParseReturning();
            return new DeleteStatement(From(start), table, where, returning, whereSpan, returningSpan, usingList, usingSpan);
        }
    }
}

