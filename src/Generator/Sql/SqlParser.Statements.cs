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
    }
}
