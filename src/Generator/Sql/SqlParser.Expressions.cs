using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ShardGen.Generator.Sql;

// Operands of the operators (gram.y: c_expr, func_expr, func_application, columnref, AexprConst, Typename).
internal static partial class SqlParser
{
    private sealed partial class Parser
    {
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
