using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// The SQL of a [Query] method, from text to tree. The folder follows PostgreSQL's own split (src/backend/parser):
//
//   SqlLexer.cs                 tokens, as scan.l reads them (strings of every kind, operators, @name parameters)
//   SqlParser.cs                this file: the entry point, the token cursor, problems and nesting limits
//   SqlParser.Statements.cs     SELECT, set operations, VALUES, INSERT, UPDATE, DELETE, WITH and every clause of them
//   SqlParser.FromItems.cs      FROM items: tables, subqueries, VALUES, functions, LATERAL, joins (USING, NATURAL, nested)
//   SqlParser.Operators.cs      operators and PostgreSQL's precedence table (a_expr): any operator is an operator
//   SqlParser.Expressions.cs    operands (c_expr): constants, columns, calls and their keyword forms, windows, types
//   SqlAst.cs                   the tree: equatable records with exact spans, named after gram.y and libpg_query
//   SqlWalker.cs                walks a tree's expressions without recursion
//
// A statement is read whole or not at all: any problem leaves the tree null. PostgreSQL's own parser (libpg-query) is the
// oracle of the tests (tests/ShardGen.Generator.Tests/Sql/PostgresOracleTests.cs).

/// <summary>
/// Parses the SQL of one [Query] method into a <see cref="SqlStatement"/>: a hand-written recursive-descent parser with
/// precedence climbing for expressions, following PostgreSQL's grammar (gram.y) for DML.
/// </summary>
/// <remarks>
/// Never throws. Valid PostgreSQL that ShardGen cannot plan is reported as <see cref="SqlProblemKind.Unsupported"/> with the
/// span of the construct; parsing then goes on where it can, so one pass reports several constructs. Invalid SQL is reported
/// as <see cref="SqlProblemKind.Syntax"/> at the offending token and stops the parse. The statement is returned only when
/// there is no problem at all: a tree with holes where unsupported constructs were would invite planning the wrong query.
/// </remarks>
internal static partial class SqlParser
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

    private sealed partial class Parser
    {
        private readonly string _sql;
        private readonly SqlToken[] _tokens;
        private readonly EquatableArray<SqlProblem> _lexerProblems;
        private readonly List<SqlProblem> _problems = new();
        private int _pos;
        private int _nesting;
        private int _treeDepth;

        // Whether DEFAULT is a value here (INSERT's VALUES, UPDATE's SET); a subquery inside turns it off.
        private bool _defaultAllowed;

        // Parsing the lower bound of BETWEEN, a b_expr in gram.y: no AND, OR, NOT, LIKE, IN, BETWEEN, IS [NOT] NULL, IS TRUE,
        // COLLATE, AT TIME ZONE or ANY/ALL there, except inside parentheses, brackets or a call (ParsePrimary, ParseSubscript).
        private bool _bExpr;

        // Whether a SELECT here may be a branch of a set operation (not in INSERT ... SELECT or inside a parenthesized branch).
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

        private bool AtQueryStart(int offset) => PeekKeyword(offset, "select") || PeekKeyword(offset, "with") || PeekKeyword(offset, "values") || PeekKeyword(offset, "table");

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

        /// <summary>Runs <paramref name="parse"/> one nesting level deeper: parenthesized FROM items, queries, arrays and grouping sets nest as expressions do.</summary>
        private T Nested<T>(Func<T> parse)
        {
            if (_nesting >= MaxNestingDepth)
            {
                throw Fail(SqlProblemKind.Unsupported, $"The query nests more than {MaxNestingDepth} levels deep: simplify it", AtEnd ? new TextSpan(PreviousEnd, 0) : Current.Span);
            }

            _nesting++;
            try
            {
                return parse();
            }
            finally
            {
                _nesting--;
            }
        }

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
    }
}
