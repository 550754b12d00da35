using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// FROM items (gram.y: from_list, table_ref, joined_table, func_table, alias_clause).
internal static partial class SqlParser
{
    private sealed partial class Parser
    {
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
    }
}
