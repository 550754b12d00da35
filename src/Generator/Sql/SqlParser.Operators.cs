using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// Operators and their precedence (gram.y: a_expr, the %left/%right table at its top).
internal static partial class SqlParser
{
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

    private sealed partial class Parser
    {

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
    }
}
