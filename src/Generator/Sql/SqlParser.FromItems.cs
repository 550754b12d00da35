using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// FROM items (gram.y: from_list, table_ref, joined_table, relation_expr, func_table, alias_clause, func_alias_clause).
internal static partial class SqlParser
{
    private sealed partial class Parser
    {
        // FROM a, b JOIN c ON ...: the first item, then every other as a join (a comma is a CROSS join without ON).
        private (TableRef First, EquatableArray<JoinClause> Joins, TextSpan Span) ParseFromList()
        {
            var start = Advance().Span.Start;
            var (first, joins) = ParseJoinedItems();
            return (first, joins, From(start));
        }

        private (TableRef First, EquatableArray<JoinClause> Joins) ParseJoinedItems()
        {
            var first = ParseTableRef(TableContext.From);
            var joins = new List<JoinClause>();
            while (true)
            {
                if (Accept(SqlTokenKind.Comma))
                {
                    var table = ParseTableRef(TableContext.From);
                    joins.Add(new JoinClause(table.Span, JoinKind.Cross, table, null, Comma: true));
                }
                else if (!TryParseJoin(joins))
                {
                    break;
                }
            }

            return (first, joins.ToEquatableArray());
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
            else if (!natural && AcceptKeyword("cross"))
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
            var table = ParseTableRef(TableContext.From);
            if (kind != JoinKind.Cross && !natural && AtJoin())
            {
                // a JOIN b JOIN c ON x ON y: b JOIN c ON x is the right side of the first join (gram.y's joined_table nests there).
                var left = table;
                table = Nested(() =>
                {
                    var inner = new List<JoinClause>();
                    while (AtJoin() && TryParseJoin(inner))
                    {
                    }

                    var nested = new JoinedTable(From(left.Span.Start), left, inner.ToEquatableArray());
                    return new TableRef(nested.Span, null, string.Empty, null, nested.Span, Nested: nested);
                });
            }

            if (kind == JoinKind.Cross || natural)
            {
                joins.Add(new JoinClause(From(start), kind, table, null, Natural: natural));
                return true;
            }

            if (AcceptKeyword("on"))
            {
                var on = ParseExpr();
                joins.Add(new JoinClause(From(start), kind, table, on));
                return true;
            }

            if (AcceptKeyword("using"))
            {
                var columns = ParseNameList();
                string? alias = null;
                if (AcceptKeyword("as"))
                {
                    alias = SqlKeywords.IsColumnName(Current) ? Advance().Value : throw FailExpected("an alias");
                }

                joins.Add(new JoinClause(From(start), kind, table, null, columns, alias));
                return true;
            }

            throw FailExpected("ON and the join condition");
        }

        private bool AtJoin() =>
            AtKeyword("join") || AtKeyword("inner") || AtKeyword("left") || AtKeyword("right") || AtKeyword("full") || AtKeyword("cross") || AtKeyword("natural");

        // (a, b, c): names, as in a column alias list or USING.
        private EquatableArray<string> ParseNameList()
        {
            if (!At(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var open = Advance();
            var names = new List<string>();
            do
            {
                names.Add(SqlKeywords.IsColumnName(Current) || (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current)) ? Advance().Value : throw FailExpected("a name"));
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            return names.ToEquatableArray();
        }

        // TABLE [ONLY] t [*] (gram.y's simple_select): SELECT * FROM t, as a statement or a set operation's branch; ORDER BY,
        // LIMIT and the rest may follow, as after a SELECT.
        private SelectStatement ParseTableQuery()
        {
            var start = Advance().Span.Start;
            var table = ParseTableRef(TableContext.Insert);
            if (table.Alias is not null)
            {
                throw Fail(SqlProblemKind.Syntax, "TABLE t takes no alias: write SELECT * FROM t AS a", table.Span);
            }

            // No alias can be written after TABLE t, so no alias can be added where the table is renamed: its name is its alias.
            table = table with { Alias = table.Name };
            var star = new SelectItem(table.Span, new StarExpr(table.Span, null), null);
            var select = new SelectStatement(
                From(start), false, new[] { star }.ToEquatableArray(), table, EquatableArray<JoinClause>.Empty, null, EquatableArray<SqlExpr>.Empty, null,
                EquatableArray<OrderItem>.Empty, null, null, table.Span, table.Span, null, null, null, null, null, null, TableForm: true);
            return ParseSelectTail(select);
        }

        private TableRef ParseTableRef(TableContext context) => Nested(() => ParseTableRefBody(context));

        private TableRef ParseTableRefBody(TableContext context)
        {
            var start = Current.Span.Start;
            if (context == TableContext.From && AtKeyword("lateral"))
            {
                Advance();
                var inner = At(SqlTokenKind.OpenParen) && IsParenthesizedQuery() ? ParseDerivedTable(start)
                    : IsFunctionInFrom() ? ParseFunctionTable(start)
                    : throw FailExpected("a subquery or a function after LATERAL");
                return inner with { Lateral = true };
            }

            var only = false;
            if (AtKeyword("only"))
            {
                Advance();
                only = true;
            }

            if (context == TableContext.From && !only && At(SqlTokenKind.OpenParen))
            {
                return IsParenthesizedQuery() ? ParseDerivedTable(start) : ParseParenthesizedJoin(start);
            }

            if (context == TableContext.From && !only && IsFunctionInFrom())
            {
                return ParseFunctionTable(start);
            }

            // ONLY (t) is ONLY t.
            var parenthesized = only && At(SqlTokenKind.OpenParen) ? Advance() : default;
            var nameStart = Current.Span.Start;
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
                    ReportUnsupported("Three-part table names (database.schema.table) are not supported: write schema.table", nameStart);
                }
            }

            var nameSpan = From(nameStart);
            if (parenthesized.Kind == SqlTokenKind.OpenParen)
            {
                ExpectCloseParen(parenthesized);
            }

            // t * (with its inheritance children) is what t means anyway.
            if (!only && Current.IsOperator("*"))
            {
                Advance();
            }

            var alias = ParseTableAlias(context);
            var columns = EquatableArray<string>.Empty;
            if (context == TableContext.From && alias is not null && At(SqlTokenKind.OpenParen))
            {
                columns = ParseNameList();
            }

            var sample = context == TableContext.From && AtKeyword("tablesample") ? ParseTableSample() : null;
            return new TableRef(From(start), schema, name, alias, nameSpan, ColumnAliases: columns, Only: only, Sample: sample);
        }

        // TABLESAMPLE method (argument, ...) [REPEATABLE (seed)] after a table.
        private TableSample ParseTableSample()
        {
            var start = Advance().Span.Start;
            var method = ParseQualifiedNameText();
            var open = Current;
            if (!Accept(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var arguments = new List<SqlExpr>();
            do
            {
                arguments.Add(ParseExpr());
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            SqlExpr? seed = null;
            if (AcceptKeyword("repeatable"))
            {
                var seedOpen = Current;
                if (!Accept(SqlTokenKind.OpenParen))
                {
                    throw FailExpected("'('");
                }

                seed = ParseExpr();
                ExpectCloseParen(seedOpen);
            }

            return new TableSample(From(start), method, arguments.ToEquatableArray(), seed);
        }

        // Whether a '(' in FROM opens a query ((SELECT ...), ((VALUES ...)), (WITH ...)) rather than a parenthesized join
        // ((SELECT ...) AS s JOIN t ON ...): a query inside parentheses is followed by ')' or a set operation's keyword there.
        // In an expression (inExpression), ((SELECT ...)) alone is a parenthesized subquery, which PostgreSQL reads the same way,
        // and may be followed by a subscript or field: only a parenthesized query that a set operation, ORDER BY or LIMIT follows
        // inside the parentheses makes the outer ones a subquery's.
        private bool IsParenthesizedQuery(bool inExpression = false)
        {
            if (AtQueryStart(1) || PeekKeyword(1, "table"))
            {
                return true;
            }

            var j = 1;
            while (Peek(j).Kind == SqlTokenKind.OpenParen)
            {
                j++;
            }

            if (j == 1 || !(AtQueryStart(j) || PeekKeyword(j, "table")))
            {
                return false;
            }

            // Each parenthesis around the query holds the query alone: its close is followed by the next one's, or by what
            // continues a query there (a set operation, ORDER BY, LIMIT); ((SELECT 1) + 1) and ((SELECT 1), 2) are expressions.
            for (var level = j - 1; level >= 1; level--)
            {
                var after = Peek(CloseOf(level) + 1);
                var continues = after.IsKeyword("union") || after.IsKeyword("intersect") || after.IsKeyword("except")
                    || after.IsKeyword("order") || after.IsKeyword("limit") || after.IsKeyword("offset") || after.IsKeyword("fetch");
                if (!continues && !(after.Kind == SqlTokenKind.CloseParen && !(inExpression && level == 1)))
                {
                    return false;
                }
            }

            return true;
        }

        // The position of the ')' that closes the '(' at Peek(open); the end of input's when none does.
        private int CloseOf(int open)
        {
            var depth = 0;
            var i = open;
            for (; Peek(i).Kind != SqlTokenKind.EndOfInput; i++)
            {
                if (Peek(i).Kind == SqlTokenKind.OpenParen)
                {
                    depth++;
                }
                else if (Peek(i).Kind == SqlTokenKind.CloseParen && --depth == 0)
                {
                    return i;
                }
            }

            return i - 1;
        }

        // name(...) or schema.name(...), or ROWS FROM (...): a function in FROM.
        private bool IsFunctionInFrom()
        {
            if (AtKeyword("rows") && PeekKeyword(1, "from") && Peek(2).Kind == SqlTokenKind.OpenParen)
            {
                return true;
            }

            if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)) || (At(SqlTokenKind.Identifier) && SqlKeywords.IsReserved(Current)))
            {
                return false;
            }

            var i = 1;
            if (Peek(1).Kind == SqlTokenKind.Dot && Peek(2).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier)
            {
                i = 3;
            }

            return Peek(i).Kind == SqlTokenKind.OpenParen;
        }

        // (SELECT ...) [AS] alias [(a, b)], (VALUES ...) v(x, y): a subquery in FROM (its alias optional, as in PostgreSQL 16).
        private TableRef ParseDerivedTable(int start)
        {
            var queryStart = Current.Span.Start;
            var query = ParseSubquery(inFrom: true);
            var querySpan = From(queryStart);
            var alias = ParseTableAlias(TableContext.From);
            var columns = alias is not null && At(SqlTokenKind.OpenParen) ? ParseNameList() : EquatableArray<string>.Empty;
            if (query is null)
            {
                return new TableRef(From(start), null, alias ?? string.Empty, alias, querySpan);
            }

            // PostgreSQL names a subquery written without an alias "unnamed_subquery"; its columns are still visible unqualified.
            var name = alias ?? "unnamed_subquery";
            return new TableRef(From(start), null, name, alias, querySpan, query, columns);
        }

        // f(...) [WITH ORDINALITY] [AS] alias [(a, b) | (a int, b text)] | ROWS FROM (f(...) [AS (a int)], ...) [WITH ORDINALITY] ...
        private TableRef ParseFunctionTable(int start)
        {
            if (AtKeyword("xmltable") && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                return ParseXmlTable(start);
            }

            var callsStart = Current.Span.Start;
            var functions = new List<SqlExpr>();
            var rowsFrom = AtKeyword("rows");
            if (rowsFrom)
            {
                Advance();
                Advance();
                var open = Advance();
                do
                {
                    functions.Add(ParseFunctionInFrom());
                    if (AcceptKeyword("as"))
                    {
                        ParseColumnDefinitions();
                    }
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(open);
            }
            else
            {
                functions.Add(ParseFunctionInFrom());
            }

            var callsSpan = From(callsStart);
            var ordinality = false;
            if (AtKeyword("with") && PeekKeyword(1, "ordinality"))
            {
                Advance();
                Advance();
                ordinality = true;
            }

            string? alias = null;
            var (columns, types) = (EquatableArray<string>.Empty, EquatableArray<string>.Empty);
            if (AtKeyword("as") && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                // AS (a int, b text): a column definition list without an alias.
                Advance();
                (columns, types) = ParseColumnDefinitions();
            }
            else
            {
                alias = ParseTableAlias(TableContext.From);
                if (alias is not null && At(SqlTokenKind.OpenParen))
                {
                    (columns, types) = ParseColumnDefinitions();
                }
            }

            var name = functions[0] is FunctionCall call ? call.Name : string.Empty;
            return new TableRef(From(start), null, name, alias, callsSpan, ColumnAliases: columns, Functions: functions.ToEquatableArray(), Ordinality: ordinality, ColumnTypes: types, RowsFrom: rowsFrom);
        }

        // XMLTABLE([XMLNAMESPACES(uri AS name | DEFAULT uri, ...),] row PASSING [BY REF | VALUE] document [BY REF | VALUE]
        // COLUMNS name type [PATH p] [DEFAULT d] [NOT NULL | NULL] | name FOR ORDINALITY, ...) [[AS] alias [(a, b)]]: a function
        // in FROM whose operands are its arguments, and whose columns are those of COLUMNS (or of the alias's list).
        private TableRef ParseXmlTable(int start)
        {
            var callStart = Advance().Span.Start;
            var open = Advance();
            var arguments = new List<SqlExpr>();

            // Its keywords, names and types around "_" for each operand, as the other keyword forms keep theirs (SqlSyntax).
            var syntax = new StringBuilder("XMLTABLE(");
            void Argument(SqlExpr argument, string before)
            {
                arguments.Add(argument);
                syntax.Append(before).Append('_');
            }

            if (AtKeyword("xmlnamespaces") && Peek(1).Kind == SqlTokenKind.OpenParen)
            {
                Advance();
                var namespacesOpen = Advance();
                var separator = "XMLNAMESPACES(";
                do
                {
                    var isDefault = AcceptKeyword("default");
                    Argument(ParseExpr(Level.Comparison), separator + (isDefault ? "DEFAULT " : string.Empty));
                    if (!isDefault)
                    {
                        ExpectKeyword("as");
                        syntax.Append(" AS ").Append(QuotedLabel(ExpectLabel()));
                    }

                    separator = ", ";
                }
                while (Accept(SqlTokenKind.Comma));
                ExpectCloseParen(namespacesOpen);
                syntax.Append("), ");
                if (!Accept(SqlTokenKind.Comma))
                {
                    throw FailExpected("','");
                }
            }

            Argument(ParseValueExpression(), string.Empty);
            ParseXmlPassing(Argument);
            ExpectKeyword("columns");
            syntax.Append(" COLUMNS ");
            var columns = new List<string>();
            do
            {
                if (!(SqlKeywords.IsColumnName(Current) || (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current))))
                {
                    throw FailExpected("a column name");
                }

                var column = Advance().Value;
                syntax.Append(columns.Count > 0 ? ", " : string.Empty).Append(QuotedLabel(column));
                columns.Add(column);
                if (AcceptKeyword("for"))
                {
                    ExpectKeyword("ordinality");
                    syntax.Append(" FOR ORDINALITY");
                    continue;
                }

                syntax.Append(' ').Append(ParseTypeName());
                while (true)
                {
                    if (AtKeyword("path") || AtKeyword("default"))
                    {
                        var option = Advance().Value.ToUpperInvariant();
                        Argument(ParseExpr(Level.Comparison), " " + option + " ");
                    }
                    else if (AtKeyword("not") && PeekKeyword(1, "null"))
                    {
                        Advance();
                        Advance();
                        syntax.Append(" NOT NULL");
                    }
                    else if (AcceptKeyword("null"))
                    {
                        syntax.Append(" NULL");
                    }
                    else
                    {
                        break;
                    }
                }
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            var call = new FunctionCall(From(callStart), "xmltable", arguments.ToEquatableArray(), false, false, SqlSyntax: syntax.Append(')').ToString());
            var alias = ParseTableAlias(TableContext.From);
            var renamed = alias is not null && At(SqlTokenKind.OpenParen) ? ParseNameList() : EquatableArray<string>.Empty;
            var aliases = renamed.Concat(columns.Skip(renamed.Count)).ToEquatableArray();
            return new TableRef(
                From(start), null, call.Name, alias, call.Span, ColumnAliases: aliases, Functions: new SqlExpr[] { call }.ToEquatableArray(), AliasesWritten: renamed.Count);
        }

        // A call in FROM: f(...), schema.f(...), or a special form such as substring(...) — never a window function.
        private SqlExpr ParseFunctionInFrom()
        {
            var callStart = Current.Span.Start;
            var expr = ParsePrimary();
            if (expr is not FunctionCall)
            {
                throw Fail(SqlProblemKind.Syntax, $"Expected a function call in FROM, found {Quote(expr.Span)}", From(callStart));
            }

            return expr;
        }

        // (a, b) or (a int, b text[]): the names of an alias's column list, or those of a column definition list and their types
        // (none for an alias's column list).
        private (EquatableArray<string> Names, EquatableArray<string> Types) ParseColumnDefinitions()
        {
            var types = new List<string>();
            if (!At(SqlTokenKind.OpenParen))
            {
                throw FailExpected("'('");
            }

            var open = Advance();
            var names = new List<string>();
            do
            {
                if (!(SqlKeywords.IsColumnName(Current) || (At(SqlTokenKind.Identifier) && !SqlKeywords.IsReserved(Current))))
                {
                    throw FailExpected("a column name");
                }

                names.Add(Advance().Value);
                if (!At(SqlTokenKind.Comma) && !At(SqlTokenKind.CloseParen))
                {
                    types.Add(ParseTypeName());
                    if (AcceptKeyword("collate"))
                    {
                        ParseQualifiedNameText();
                    }
                }
            }
            while (Accept(SqlTokenKind.Comma));
            ExpectCloseParen(open);
            if (types.Count > 0 && types.Count < names.Count)
            {
                throw Fail(SqlProblemKind.Syntax, "A column definition list gives every column a type", From(open.Span.Start));
            }

            return (names.ToEquatableArray(), types.ToEquatableArray());
        }

        // (a JOIN b ON ...) [AS alias]: a parenthesized join, kept as its own tree.
        private TableRef ParseParenthesizedJoin(int start)
        {
            var open = Advance();
            var (first, joins) = ParseJoinedItems();
            ExpectCloseParen(open);
            if (joins.Count == 0 && first.Nested is null)
            {
                throw Fail(SqlProblemKind.Syntax, "A parenthesized FROM item must be a join or a subquery: remove the parentheses", From(open.Span.Start));
            }

            var nested = new JoinedTable(From(open.Span.Start), first, joins);
            var alias = ParseTableAlias(TableContext.From);
            var columns = alias is not null && At(SqlTokenKind.OpenParen) ? ParseNameList() : EquatableArray<string>.Empty;
            return new TableRef(From(start), null, alias ?? string.Empty, alias, nested.Span, ColumnAliases: columns, Nested: nested);
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
    }
}
