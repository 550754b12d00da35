using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// Operators and their precedence (gram.y: a_expr, and the %left/%right table at its top). Any operator token is an
// operator: those PostgreSQL's grammar names bind at their own level, every other one (->>, @>, ~*, a user-defined ###,
// OPERATOR(schema.op)) at the level of generic operators, as in PostgreSQL.
internal static partial class SqlParser
{
    // Binding levels, loosest first: PostgreSQL's operator precedence table (gram.y).
    private static class Level
    {
        public const int Or = 1;
        public const int And = 2;
        public const int Not = 3;
        public const int Is = 4; // IS, ISNULL, NOTNULL
        public const int Comparison = 5; // < > = <= >= <>
        public const int Like = 6; // also IN, BETWEEN, SIMILAR
        public const int OtherOperator = 7; // any other operator (Op, OPERATOR(...)), prefix ones included
        public const int Additive = 8;
        public const int Multiplicative = 9;
        public const int Exponent = 10;
        public const int AtTimeZone = 11;
        public const int Collate = 12;
        public const int Unary = 13; // unary minus and plus
        public const int Postfix = 14; // :: and [ ]
    }

    private enum InfixKind
    {
        None,
        Binary,
        Is,
        IsNullPostfix,
        Like,
        In,
        Between,
        Cast,
        Subscript,
        AtTimeZone,
        Collate,
        Overlaps,
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
            if (token.IsKeyword("not") && _bExpr)
            {
                throw Fail(SqlProblemKind.Syntax, "Unexpected NOT in the lower bound of BETWEEN: put the bound in parentheses", token.Span);
            }

            if (token.IsKeyword("not"))
            {
                Advance();
                var operand = ParseExpr(Level.Not);
                return new UnaryExpr(From(token.Span.Start), "NOT", operand);
            }

            if (token.Kind == SqlTokenKind.Operator && !IsInfixOnlyOperator(token.Value))
            {
                Advance();
                if (token.Value == "@" && Current.Span.Start > token.Span.End && Current.Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier && !SqlKeywords.IsReserved(Current))
                {
                    // PostgreSQL's absolute value, @ x; far more often a parameter written with a space.
                    Report(SqlProblemKind.Unsupported, "'@ name' reads as PostgreSQL's absolute-value operator: parameters are written @name, with no space after '@' (for the absolute value write abs(x))", token.Span);
                }


                // Unary minus and plus bind tighter than any infix operator; any other prefix operator binds as generic operators do.
                var operand = ParseExpr(token.Value is "-" or "+" ? Level.Unary : Level.OtherOperator + 1);
                return new UnaryExpr(From(token.Span.Start), token.Value, operand);
            }

            if (AtOperatorKeyword())
            {
                var op = ParseOperatorKeyword();
                var operand = ParseExpr(Level.OtherOperator + 1);
                return new UnaryExpr(From(token.Span.Start), op, operand);
            }

            return ParsePrimary();
        }

        // Operators PostgreSQL's grammar has only between two operands (a prefix '=' or '<' is a syntax error).
        private static bool IsInfixOnlyOperator(string op)
            => op is "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" or "*" or "/" or "%" or "^" or "=>";

        // OPERATOR(schema.op): an operator named explicitly, infix or prefix.
        private bool AtOperatorKeyword()
        {
            if (!AtKeyword("operator") || Peek(1).Kind != SqlTokenKind.OpenParen)
            {
                return false;
            }

            var i = 2;
            while (Peek(i).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier && Peek(i + 1).Kind == SqlTokenKind.Dot)
            {
                i += 2;
            }

            return Peek(i).Kind == SqlTokenKind.Operator && Peek(i + 1).Kind == SqlTokenKind.CloseParen;
        }

        // The operator as written, spacing dropped: OPERATOR(pg_catalog.+).
        private string ParseOperatorKeyword()
        {
            Advance();
            var name = new StringBuilder("OPERATOR(");
            Advance();
            while (!At(SqlTokenKind.CloseParen))
            {
                name.Append(Text(Advance().Span));
            }

            Advance();
            return name.Append(')').ToString();
        }

        private (InfixKind Kind, int Level) PeekInfix()
        {
            var (kind, level) = PeekAnyInfix();
            return _bExpr && !IsBExprOperator(kind) ? (InfixKind.None, 0) : (kind, level);
        }

        // The operators of gram.y's b_expr: those of a_expr but LIKE, IN, BETWEEN, IS [NOT] NULL, IS TRUE and the like, COLLATE,
        // AT TIME ZONE, OVERLAPS, AND and OR (IS [NOT] DISTINCT FROM and IS [NOT] DOCUMENT stay).
        private bool IsBExprOperator(InfixKind kind)
        {
            var not = PeekKeyword(1, "not") ? 1 : 0;
            return kind switch
            {
                InfixKind.Binary => !(AtKeyword("and") || AtKeyword("or")),
                InfixKind.Is => PeekKeyword(1 + not, "distinct") || PeekKeyword(1 + not, "document"),
                InfixKind.Cast or InfixKind.Subscript => true,
                _ => false,
            };
        }

        private (InfixKind Kind, int Level) PeekAnyInfix()
        {
            var token = Current;
            switch (token.Kind)
            {
                case SqlTokenKind.Operator:
                    return token.Value switch
                    {
                        "=" or "<>" or "!=" or "<" or ">" or "<=" or ">=" => (InfixKind.Binary, Level.Comparison),
                        "+" or "-" => (InfixKind.Binary, Level.Additive),
                        "*" or "/" or "%" => (InfixKind.Binary, Level.Multiplicative),
                        "^" => (InfixKind.Binary, Level.Exponent),
                        "=>" => (InfixKind.None, 0), // only in a named argument
                        _ => (InfixKind.Binary, Level.OtherOperator),
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

            if (AtOperatorKeyword())
            {
                return (InfixKind.Binary, Level.OtherOperator);
            }

            var next = Peek(1);
            return token.Value switch
            {
                "or" => (InfixKind.Binary, Level.Or),
                "and" => (InfixKind.Binary, Level.And),
                "is" => (InfixKind.Is, Level.Is),
                "isnull" or "notnull" => (InfixKind.IsNullPostfix, Level.Is),
                "like" or "ilike" => (InfixKind.Like, Level.Like),
                "similar" when next.IsKeyword("to") => (InfixKind.Like, Level.Like),
                "overlaps" => (InfixKind.Overlaps, Level.Postfix),
                "in" => (InfixKind.In, Level.Like),
                "between" => (InfixKind.Between, Level.Like),
                "not" when next.IsKeyword("like") || next.IsKeyword("ilike") || (next.IsKeyword("similar") && Peek(2).IsKeyword("to")) => (InfixKind.Like, Level.Like),
                "not" when next.IsKeyword("in") => (InfixKind.In, Level.Like),
                "not" when next.IsKeyword("between") => (InfixKind.Between, Level.Like),
                "at" when next.IsKeyword("time") || next.IsKeyword("local") => (InfixKind.AtTimeZone, Level.AtTimeZone),
                "collate" => (InfixKind.Collate, Level.Collate),
                _ => (InfixKind.None, 0),
            };
        }

        private SqlExpr ParseInfix(SqlExpr left, int minLevel)
        {
            // PostgreSQL's IS, comparison and LIKE/IN/BETWEEN levels are non-associative: a = b = c is a syntax error. That only
            // matters where the right operand is an open expression that the next operator could extend (a = b, a LIKE b,
            // a IS DISTINCT FROM b, a BETWEEN b AND c); after a closed one (x IN (...), x = ANY (...), x IS NULL, x IS TRUE)
            // the grammar has nothing to choose, and x IN (1) IN (2) or x = ANY (a) = y are valid.
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
                nonAssociativeLevel = level is Level.Comparison or Level.Like or Level.Is && left is BinaryExpr or BetweenExpr ? level : 0;
            }
        }

        private SqlExpr ParseOperation(SqlExpr left, InfixKind kind, int level)
        {
            var start = left.Span.Start;
            switch (kind)
            {
                case InfixKind.Binary:
                {
                    string name;
                    if (AtOperatorKeyword())
                    {
                        name = ParseOperatorKeyword();
                    }
                    else
                    {
                        var op = Advance();
                        name = op.Kind == SqlTokenKind.Operator ? (op.Value == "!=" ? "<>" : op.Value) : op.Value.ToUpperInvariant();
                    }

                    if (name is not ("AND" or "OR") && AtQuantifier())
                    {
                        if (_bExpr)
                        {
                            throw Fail(SqlProblemKind.Syntax, $"Unexpected {Describe(Current)} in the lower bound of BETWEEN: put the bound in parentheses", Current.Span);
                        }

                        return ParseQuantified(left, name);
                    }

                    var right = ParseExpr(level + 1);
                    return new BinaryExpr(From(start), name, left, right);
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
                    var symmetric = AcceptKeyword("symmetric");
                    if (!symmetric)
                    {
                        AcceptKeyword("asymmetric");
                    }

                    // The lower bound is a b_expr: comparisons and IS DISTINCT FROM bind inside it, LIKE or IS NULL end it.
                    _bExpr = true;
                    SqlExpr low;
                    try
                    {
                        low = ParseExpr(Level.Is);
                    }
                    finally
                    {
                        _bExpr = false;
                    }

                    ExpectKeyword("and");
                    var high = ParseExpr(Level.Like + 1);
                    return new BetweenExpr(From(start), left, low, high, negated, symmetric);
                }

                case InfixKind.Cast:
                {
                    Advance();
                    var type = ParseTypeName();
                    return new CastExpr(From(start), left, type, ColonSyntax: true);
                }

                case InfixKind.Subscript:
                    return ParseSubscript(left);

                case InfixKind.AtTimeZone:
                {
                    var atStart = Advance().Span.Start;
                    if (AcceptKeyword("local"))
                    {
                        // PostgreSQL 17's AT LOCAL; ShardGen reads PostgreSQL 16's grammar.
                        ReportUnsupported("AT LOCAL is not supported: write AT TIME ZONE with the zone", atStart);
                        return left;
                    }

                    Advance();
                    ExpectKeyword("zone");
                    var zone = ParseExpr(Level.AtTimeZone + 1);

                    // PostgreSQL runs x AT TIME ZONE z as timezone(z, x).
                    return new FunctionCall(From(start), "timezone", new[] { zone, left }.ToEquatableArray(), false, false, SqlSyntax: "AT TIME ZONE");
                }

                case InfixKind.Overlaps:
                {
                    // row OVERLAPS row: gram.y's rows, two values each, not expressions (((a, b)) OVERLAPS ... is an error); the
                    // result is a whole that no operator splits (- (a, b) OVERLAPS (c, d) negates it).
                    var overlaps = Advance();
                    CheckOverlapsRow(left, overlaps.Span, "left");
                    var right = ParsePrimary();
                    CheckOverlapsRow(right, overlaps.Span, "right");
                    return new BinaryExpr(From(start), "OVERLAPS", left, right);
                }

                case InfixKind.Collate:
                {
                    Advance();
                    var collation = ParseQualifiedNameText();
                    return new CollateExpr(From(start), left, collation);
                }

                default:
                    throw FailExpected("an operator");
            }
        }

        // x[i], x[lo:hi], x[:hi], x[lo:], x[:]: on a column, a parameter, a parenthesized expression or another subscript or field.
        private SqlExpr ParseSubscript(SqlExpr left)
        {
            if (_bExpr)
            {
                _bExpr = false;
                try
                {
                    return ParseSubscript(left);
                }
                finally
                {
                    _bExpr = true;
                }
            }

            if (!(left is ColumnRef or ParameterRef or SubscriptExpr or FieldExpr || IsWrappedInParentheses(left)))
            {
                throw Fail(SqlProblemKind.Syntax, $"Unexpected '[' after {Quote(left.Span)}: put the expression in parentheses to subscript it, ({Shorten(Text(left.Span))})[1]", Current.Span);
            }

            Advance();
            SqlExpr? lower = null;
            SqlExpr? upper = null;
            var slice = false;
            if (!At(SqlTokenKind.Colon))
            {
                lower = ParseExpr();
            }

            if (Accept(SqlTokenKind.Colon))
            {
                slice = true;
                if (!At(SqlTokenKind.CloseBracket))
                {
                    upper = ParseExpr();
                }
            }

            if (!Accept(SqlTokenKind.CloseBracket))
            {
                throw FailExpected("']'");
            }

            // (a[1])[2] is not a[1][2]: the subscripts of a parenthesized subscript or field start an indirection of their own.
            var nested = left is SubscriptExpr or FieldExpr && IsWrappedInParentheses(left);
            var subscript = new SubscriptExpr(From(left.Span.Start), left, lower, upper, slice, nested);
            return At(SqlTokenKind.Dot) ? ParseIndirection(subscript) : subscript;
        }

        private void CheckOverlapsRow(SqlExpr row, TextSpan overlaps, string side)
        {
            if (row is not RowExpr rowExpr || IsWrappedInParentheses(row))
            {
                throw Fail(SqlProblemKind.Syntax, $"OVERLAPS compares two rows, (start, end) or ROW(start, end): the {side} side is not one", overlaps);
            }

            if (rowExpr.Items.Count != 2)
            {
                throw Fail(SqlProblemKind.Syntax, $"Wrong number of values on the {side} side of OVERLAPS: write (start, end)", row.Span);
            }
        }

        // Whether the expression just parsed is written in parentheses as a whole: ((a)::int) is, (a)::int is not. An implicit
        // row is its own parentheses, (a, b), and is in parentheses only when wrapped once more, ((a, b)).
        private bool IsWrappedInParentheses(SqlExpr expr)
        {
            var last = _pos - 1;
            while (last > 0 && _tokens[last].Span.End > expr.Span.End)
            {
                last--;
            }

            var first = last;
            while (first > 0 && _tokens[first].Span.Start > expr.Span.Start)
            {
                first--;
            }

            return Closes(first, last) && (expr is not RowExpr { Explicit: false } || Closes(first + 1, last - 1));
        }

        // Whether token open is a '(' whose ')' is token close.
        private bool Closes(int open, int close)
        {
            if (_tokens[open].Kind != SqlTokenKind.OpenParen)
            {
                return false;
            }

            var depth = 0;
            for (var i = open; i <= close; i++)
            {
                if (_tokens[i].Kind == SqlTokenKind.OpenParen)
                {
                    depth++;
                }
                else if (_tokens[i].Kind == SqlTokenKind.CloseParen && --depth == 0)
                {
                    return i == close;
                }
            }

            return false;
        }

        private bool AtQuantifier() => (AtKeyword("any") || AtKeyword("some") || AtKeyword("all")) && Peek(1).Kind == SqlTokenKind.OpenParen;

        // x op ANY|SOME|ALL (array), x LIKE ANY (array); x op ANY|SOME|ALL (SELECT ...), a subquery like IN (SELECT ...).
        private SqlExpr ParseQuantified(SqlExpr left, string op)
        {
            var quantifier = Advance();
            if (At(SqlTokenKind.OpenParen) && IsParenthesizedQuery())
            {
                return ParseSubquery() is { } query
                    ? new InSubqueryExpr(From(left.Span.Start), left, query, false, op, quantifier.Value == "all", Quantified: true)
                    : left;
            }

            var open = Advance();
            var array = ParseExpr();
            ExpectCloseParen(open);
            return quantifier.Value == "all"
                ? new AllExpr(From(left.Span.Start), left, op, array)
                : new AnyExpr(From(left.Span.Start), left, op, array);
        }

        private SqlExpr ParseIs(SqlExpr left)
        {
            Advance();
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

            if (AtKeyword("true") || AtKeyword("false") || AtKeyword("unknown") || AtKeyword("document") || AtKeyword("normalized"))
            {
                var test = Advance().Value.ToUpperInvariant();
                return new BooleanTestExpr(From(left.Span.Start), left, test, negated);
            }

            if ((AtKeyword("nfc") || AtKeyword("nfd") || AtKeyword("nfkc") || AtKeyword("nfkd")) && PeekKeyword(1, "normalized"))
            {
                var form = Advance().Value.ToUpperInvariant();
                Advance();
                return new BooleanTestExpr(From(left.Span.Start), left, form + " NORMALIZED", negated);
            }

            if (AcceptKeyword("json"))
            {
                // IS [NOT] JSON [VALUE | ARRAY | OBJECT | SCALAR] [{WITH | WITHOUT} UNIQUE [KEYS]] (PostgreSQL 16).
                var test = new StringBuilder("JSON");
                if (AtKeyword("value") || AtKeyword("array") || AtKeyword("object") || AtKeyword("scalar"))
                {
                    test.Append(' ').Append(Advance().Value.ToUpperInvariant());
                }

                if ((AtKeyword("with") || AtKeyword("without")) && PeekKeyword(1, "unique"))
                {
                    test.Append(' ').Append(Advance().Value.ToUpperInvariant()).Append(" UNIQUE");
                    Advance();
                    if (AcceptKeyword("keys"))
                    {
                        test.Append(" KEYS");
                    }
                }

                return new BooleanTestExpr(From(left.Span.Start), left, test.ToString(), negated);
            }

            throw FailExpected("NULL, NOT NULL, DISTINCT FROM, TRUE, FALSE or UNKNOWN");
        }

        // x [NOT] LIKE|ILIKE p [ESCAPE e], x [NOT] SIMILAR TO p [ESCAPE e], x [NOT] LIKE|ILIKE ANY|ALL (array).
        private SqlExpr ParseLike(SqlExpr left)
        {
            var negated = AcceptKeyword("not");
            var word = Advance().Value;
            var op = (negated ? "NOT " : string.Empty) + word.ToUpperInvariant();
            if (word == "similar")
            {
                ExpectKeyword("to");
                op += " TO";
            }
            else if (AtQuantifier())
            {
                return ParseQuantified(left, op);
            }

            var pattern = ParseExpr(Level.Like + 1);
            if (AcceptKeyword("escape"))
            {
                var escape = ParseExpr(Level.Like + 1);
                pattern = new FunctionCall(
                    TextSpan.FromBounds(pattern.Span.Start, escape.Span.End),
                    word == "similar" ? "similar_to_escape" : "like_escape",
                    new[] { pattern, escape }.ToEquatableArray(),
                    false,
                    false);
            }

            return new BinaryExpr(From(left.Span.Start), op, left, pattern);
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

            if (IsParenthesizedQuery())
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
