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
            if (_bExpr)
            {
                _bExpr = false;
                try
                {
                    return ParsePrimary();
                }
                finally
                {
                    _bExpr = true;
                }
            }

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
                case SqlTokenKind.BitString:
                    Advance();
                    return new Literal(token.Span, LiteralKind.BitString, token.Value);
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

        // (expr), (a, b) (a row), (SELECT ...) (a scalar subquery), each optionally followed by .field, .* or [subscript].
        private SqlExpr ParseParenthesized()
        {
            var open = Current;
            SqlExpr result;
            if (IsParenthesizedQuery(inExpression: true))
            {
                // (SELECT ...) and ((SELECT ...) UNION ...): a subquery, never ((SELECT 1) + 1); ((SELECT ...)) a parenthesized one.
                result = ParseSubquery() is { } query
                    ? new SubqueryExpr(From(open.Span.Start), query)
                    : new Literal(From(open.Span.Start), LiteralKind.Null, "null");
            }
            else
            {
                Advance();
                var inner = ParseExpr();
                if (At(SqlTokenKind.Comma))
                {
                    var items = new List<SqlExpr> { inner };
                    while (Accept(SqlTokenKind.Comma))
                    {
                        items.Add(ParseExpr());
                    }

                    ExpectCloseParen(open);
                    return new RowExpr(From(open.Span.Start), items.ToEquatableArray());
                }

                ExpectCloseParen(open);
                result = inner with { Span = From(open.Span.Start) };
            }

            return ParseIndirection(result, parenthesized: true);
        }

        // .field and .* after a parenthesized expression: (x).f, (f(y)).*, (x).a.b; subscripts are postfix operators.
        private SqlExpr ParseIndirection(SqlExpr operand, bool parenthesized = false)
        {
            while (At(SqlTokenKind.Dot))
            {
                Advance();
                var nested = parenthesized && operand is SubscriptExpr or FieldExpr;
                parenthesized = false;
                if (Current.IsOperator("*"))
                {
                    Advance();
                    operand = new FieldExpr(From(operand.Span.Start), operand, "*", nested);
                }
                else if (At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier))
                {
                    var field = Advance();
                    operand = new FieldExpr(From(operand.Span.Start), operand, field.Value, nested);
                }
                else
                {
                    throw FailExpected("a field name or *");
                }

                if (At(SqlTokenKind.OpenBracket))
                {
                    operand = ParseSubscript(operand);
                }
            }

            return operand;
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
                case "default" when _defaultAllowed:
                    Advance();
                    return new DefaultExpr(token.Span);
                case "collation" when next.IsKeyword("for") && Peek(2).Kind == SqlTokenKind.OpenParen:
                {
                    // COLLATION FOR (x) is PostgreSQL's pg_collation_for(x).
                    Advance();
                    Advance();
                    var open = Advance();
                    var operand = ParseExpr();
                    ExpectCloseParen(open);
                    return new FunctionCall(From(token.Span.Start), "pg_collation_for", new[] { operand }.ToEquatableArray(), false, false, SqlSyntax: "COLLATION FOR");
                }
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
                case "array" when call && AtQueryStart(2):
                    Advance();
                    return ParseSubquery() is { } arrayQuery
                        ? new ArraySubqueryExpr(From(token.Span.Start), arrayQuery)
                        : new Literal(From(token.Span.Start), LiteralKind.Null, "null");
                case "array" when next.Kind == SqlTokenKind.OpenBracket:
                {
                    Advance();
                    var array = ParseArrayBody();
                    return array with { Span = From(token.Span.Start) };
                }

                case "row" when call:
                {
                    Advance();
                    var open = Advance();
                    var items = new List<SqlExpr>();
                    if (!At(SqlTokenKind.CloseParen))
                    {
                        do
                        {
                            items.Add(ParseExpr());
                        }
                        while (Accept(SqlTokenKind.Comma));
                    }

                    ExpectCloseParen(open);
                    return new RowExpr(From(token.Span.Start), items.ToEquatableArray(), Explicit: true);
                }
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

        // [a, b], [[1, 2], [3, 4]] or [] after ARRAY.
        private ArrayExpr ParseArrayBody()
        {
            var open = Advance();
            var elements = new List<SqlExpr>();
            if (!At(SqlTokenKind.CloseBracket))
            {
                var nested = At(SqlTokenKind.OpenBracket);
                do
                {
                    elements.Add(nested ? Nested(ParseArrayBody) : ParseExpr());
                }
                while (Accept(SqlTokenKind.Comma));
            }

            if (!Accept(SqlTokenKind.CloseBracket))
            {
                throw FailExpected("']'");
            }

            return new ArrayExpr(From(open.Span.Start), elements.ToEquatableArray());
        }

        // A column (a, t.a, t.a.field), t.*, or a call (f(...), s.f(...)).
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

            // t.column.field (or schema.table.column): the column of t, then a field of its composite value.
            SqlExpr column = new ColumnRef(From(first.Span.Start), first.Value, second.Value);
            return At(SqlTokenKind.Dot) ? ParseIndirection(column) : column;
        }

        private SqlExpr ParseFunctionCall(int start, string name, bool keywordForms)
        {
            var open = Current;
            if (keywordForms && SqlKeywords.KeywordArgumentFunctions.Contains(name))
            {
                return ParseKeywordArgumentCall(start, name);
            }

            Advance();
            var arguments = new List<SqlExpr>();
            var distinct = false;
            var star = false;
            var variadic = false;
            var orderBy = EquatableArray<OrderItem>.Empty;
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
                    if (variadic)
                    {
                        throw Fail(SqlProblemKind.Syntax, "VARIADIC goes on the last argument only", Current.Span);
                    }

                    variadic = AcceptKeyword("variadic");
                    arguments.Add(ParseArgument());
                }
                while (Accept(SqlTokenKind.Comma));

                if (AtKeyword("order") && PeekKeyword(1, "by"))
                {
                    Advance();
                    Advance();
                    orderBy = ParseOrderItems();
                }
            }

            ExpectCloseParen(open);
            var call = new FunctionCall(From(start), name, arguments.ToEquatableArray(), distinct, star, OrderBy: orderBy, Variadic: variadic);

            if (AtKeyword("within") && PeekKeyword(1, "group"))
            {
                Advance();
                Advance();
                var withinOpen = Current;
                if (!Accept(SqlTokenKind.OpenParen))
                {
                    throw FailExpected("'('");
                }

                ExpectKeyword("order");
                ExpectKeyword("by");
                var within = ParseOrderItems();
                ExpectCloseParen(withinOpen);
                if (orderBy.Count > 0 || distinct || variadic || star)
                {
                    throw Fail(SqlProblemKind.Syntax, "WITHIN GROUP takes a call without DISTINCT, *, VARIADIC or ORDER BY inside its parentheses", From(start));
                }

                call = call with { Span = From(start), OrderBy = within, WithinGroup = true };
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

        // An argument of a call: a value, or name => value / name := value.
        private SqlExpr ParseArgument()
        {
            if ((At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier))
                && (Peek(1).IsOperator("=>") || (Peek(1).Kind == SqlTokenKind.Colon && Peek(2).IsOperator("=") && Peek(2).Span.Start == Peek(1).Span.End)))
            {
                var name = Advance();
                if (Advance().Kind == SqlTokenKind.Colon)
                {
                    Advance();
                }

                var value = ParseExpr();
                return new NamedArgument(From(name.Span.Start), name.Value, value);
            }

            return ParseExpr();
        }

        // The SQL-standard forms: substring(s FROM a FOR b | s SIMILAR p ESCAPE e), position(x IN s),
        // overlay(s PLACING x FROM a [FOR b]), trim([BOTH | LEADING | TRAILING] [x] FROM s); each also takes ordinary arguments
        // (position excepted); and the XML forms (ParseXmlArguments). The operands are the call's arguments in the order written.
        // The keywords are kept as the call's SqlSyntax, "_" for each operand: substring(_ FROM _ FOR _), trim(LEADING _ FROM _),
        // normalize(_, NFC) (whose form is an argument written as a keyword);
        // an ordinary call of substring or overlay has none (trim and position are keyword syntax whatever their arguments).
        private SqlExpr ParseKeywordArgumentCall(int start, string name)
        {
            var open = Advance();
            var arguments = new List<SqlExpr>();
            var syntax = new StringBuilder(name).Append('(');
            var keywordSyntax = name is "trim" or "position" or "normalize";
            void Argument(SqlExpr argument, string before)
            {
                arguments.Add(argument);
                syntax.Append(before).Append('_');
            }

            switch (name)
            {
                case "normalize":
                    // normalize(s [, NFC | NFD | NFKC | NFKD]): the form is a keyword, and PostgreSQL's argument the string 'NFC'.
                    Argument(ParseExpr(), string.Empty);
                    if (Accept(SqlTokenKind.Comma))
                    {
                        if (!(At(SqlTokenKind.Identifier) && Current.Value is "nfc" or "nfd" or "nfkc" or "nfkd"))
                        {
                            throw FailExpected("NFC, NFD, NFKC or NFKD");
                        }

                        var form = Advance();
                        arguments.Add(new Literal(form.Span, LiteralKind.String, form.Value.ToUpperInvariant()));
                        syntax.Append(", ").Append(form.Value.ToUpperInvariant());
                    }

                    break;
                case "position":
                    Argument(ParseExpr(Level.Like + 1), string.Empty);
                    ExpectKeyword("in");
                    Argument(ParseExpr(Level.Like + 1), " IN ");
                    break;
                case "trim":
                    if (AtKeyword("both") || AtKeyword("leading") || AtKeyword("trailing"))
                    {
                        syntax.Append(Advance().Value.ToUpperInvariant()).Append(' ');
                    }

                    var separator = string.Empty;
                    if (!AcceptKeyword("from"))
                    {
                        Argument(ParseExpr(), string.Empty);
                        if (!AcceptKeyword("from"))
                        {
                            while (Accept(SqlTokenKind.Comma))
                            {
                                Argument(ParseExpr(), ", ");
                            }

                            break;
                        }

                        separator = " FROM ";
                    }
                    else
                    {
                        separator = "FROM ";
                    }

                    do
                    {
                        Argument(ParseExpr(), separator);
                        separator = ", ";
                    }
                    while (Accept(SqlTokenKind.Comma));
                    break;
                case "xmlelement" or "xmlforest" or "xmlparse" or "xmlpi" or "xmlroot" or "xmlserialize" or "xmlexists":
                    keywordSyntax = true;
                    ParseXmlArguments(name, Argument, syntax);
                    break;
                default:
                    if (At(SqlTokenKind.CloseParen))
                    {
                        break;
                    }

                    Argument(ParseArgument(), string.Empty);
                    if (name == "substring" && (AtKeyword("from") || AtKeyword("for")))
                    {
                        keywordSyntax = true;
                        var first = Advance().Value;
                        Argument(ParseExpr(), " " + first.ToUpperInvariant() + " ");
                        var second = first == "from" ? "for" : "from";
                        if (AcceptKeyword(second))
                        {
                            Argument(ParseExpr(), " " + second.ToUpperInvariant() + " ");
                        }
                    }
                    else if (name == "substring" && AcceptKeyword("similar"))
                    {
                        keywordSyntax = true;
                        Argument(ParseExpr(), " SIMILAR ");
                        ExpectKeyword("escape");
                        Argument(ParseExpr(), " ESCAPE ");
                    }
                    else if (name == "overlay" && AcceptKeyword("placing"))
                    {
                        keywordSyntax = true;
                        Argument(ParseExpr(), " PLACING ");
                        ExpectKeyword("from");
                        Argument(ParseExpr(), " FROM ");
                        if (AcceptKeyword("for"))
                        {
                            Argument(ParseExpr(), " FOR ");
                        }
                    }
                    else
                    {
                        while (Accept(SqlTokenKind.Comma))
                        {
                            Argument(ParseArgument(), ", ");
                        }
                    }

                    break;
            }

            ExpectCloseParen(open);
            return new FunctionCall(From(start), name, arguments.ToEquatableArray(), false, false, SqlSyntax: keywordSyntax ? syntax.Append(')').ToString() : null);
        }

        // PostgreSQL's XML forms (gram.y: xml functions in func_expr_common_subexpr); the operands are the arguments, while
        // element and attribute names, DOCUMENT | CONTENT and the other options stay in the text, which runs as written:
        // xmlelement(NAME e [, xmlattributes(v [AS a], ...)] [, v, ...]), xmlforest(v [AS a], ...), xmlpi(NAME p [, v]),
        // xmlparse(DOCUMENT | CONTENT v [PRESERVE | STRIP WHITESPACE]), xmlserialize(DOCUMENT | CONTENT v AS type [[NO] INDENT]),
        // xmlroot(v, VERSION v | NO VALUE [, STANDALONE YES | NO [VALUE]]), xmlexists(path PASSING [BY REF | VALUE] v [BY REF | VALUE]).
        private void ParseXmlArguments(string name, Action<SqlExpr, string> argument, StringBuilder syntax)
        {
            switch (name)
            {
                case "xmlelement":
                    ExpectKeyword("name");
                    syntax.Append("NAME ").Append(QuotedLabel(ExpectLabel()));
                    var first = true;
                    while (Accept(SqlTokenKind.Comma))
                    {
                        if (first && AtKeyword("xmlattributes") && Peek(1).Kind == SqlTokenKind.OpenParen)
                        {
                            var start = Advance().Span.Start;
                            var open = Advance();
                            var attributes = new List<SqlExpr>();
                            var inner = new StringBuilder("xmlattributes(");
                            ParseXmlAttributes((value, before) => { attributes.Add(value); inner.Append(before).Append('_'); }, inner);
                            ExpectCloseParen(open);
                            argument(new FunctionCall(From(start), "xmlattributes", attributes.ToEquatableArray(), false, false, SqlSyntax: inner.Append(')').ToString()), ", ");
                        }
                        else
                        {
                            argument(ParseExpr(), ", ");
                        }

                        first = false;
                    }

                    break;
                case "xmlforest":
                    ParseXmlAttributes(argument, syntax);
                    break;
                case "xmlpi":
                    ExpectKeyword("name");
                    syntax.Append("NAME ").Append(QuotedLabel(ExpectLabel()));
                    if (Accept(SqlTokenKind.Comma))
                    {
                        argument(ParseExpr(), ", ");
                    }

                    break;
                case "xmlparse" or "xmlserialize":
                    var document = AcceptKeyword("document") ? "DOCUMENT " : null;
                    if (document is null)
                    {
                        ExpectKeyword("content");
                    }

                    argument(ParseExpr(), document ?? "CONTENT ");
                    if (name == "xmlserialize")
                    {
                        ExpectKeyword("as");
                        syntax.Append(" AS ").Append(ParseTypeName());
                        if (AcceptKeyword("indent"))
                        {
                            syntax.Append(" INDENT");
                        }
                        else if (AtKeyword("no") && PeekKeyword(1, "indent"))
                        {
                            Advance();
                            Advance();
                            syntax.Append(" NO INDENT");
                        }
                    }
                    else if (AtKeyword("preserve") || AtKeyword("strip"))
                    {
                        syntax.Append(' ').Append(Advance().Value.ToUpperInvariant()).Append(" WHITESPACE");
                        ExpectKeyword("whitespace");
                    }

                    break;
                case "xmlroot":
                    argument(ParseExpr(), string.Empty);
                    if (!Accept(SqlTokenKind.Comma))
                    {
                        throw FailExpected("', VERSION'");
                    }

                    ExpectKeyword("version");
                    if (AtKeyword("no") && PeekKeyword(1, "value"))
                    {
                        Advance();
                        Advance();
                        syntax.Append(", VERSION NO VALUE");
                    }
                    else
                    {
                        argument(ParseExpr(), ", VERSION ");
                    }

                    if (Accept(SqlTokenKind.Comma))
                    {
                        ExpectKeyword("standalone");
                        if (AcceptKeyword("yes"))
                        {
                            syntax.Append(", STANDALONE YES");
                        }
                        else
                        {
                            ExpectKeyword("no");
                            syntax.Append(AcceptKeyword("value") ? ", STANDALONE NO VALUE" : ", STANDALONE NO");
                        }
                    }

                    break;
                default:
                    argument(ParseValueExpression(), string.Empty);
                    ParseXmlPassing(argument);
                    break;
            }
        }

        // v [AS a], ...: the values of xmlattributes and xmlforest, their names left as written.
        private void ParseXmlAttributes(Action<SqlExpr, string> argument, StringBuilder syntax)
        {
            var before = string.Empty;
            do
            {
                argument(ParseExpr(), before);
                if (AcceptKeyword("as"))
                {
                    syntax.Append(" AS ").Append(QuotedLabel(ExpectLabel()));
                }

                before = ", ";
            }
            while (Accept(SqlTokenKind.Comma));
        }

        // PASSING [BY REF | BY VALUE] v [BY REF | BY VALUE] of xmlexists and XMLTABLE.
        private void ParseXmlPassing(Action<SqlExpr, string> argument)
        {
            ExpectKeyword("passing");
            var mechanism = PassingMechanism();
            argument(ParseValueExpression(), " PASSING " + mechanism);
            PassingMechanism();
        }

        private string PassingMechanism()
        {
            if (!AcceptKeyword("by"))
            {
                return string.Empty;
            }

            if (AcceptKeyword("ref"))
            {
                return "BY REF ";
            }

            ExpectKeyword("value");
            return "BY VALUE ";
        }

        // A name the XML forms write (an element's, an attribute's), quoted as a column label is.
        private static string QuotedLabel(string label) => "\"" + label.Replace("\"", "\"\"") + "\"";

        // PostgreSQL's c_expr: a constant, column, parameter, call or parenthesized expression with its subscripts, but no operator
        // (not even '::': XMLTABLE and xmlexists read PASSING '<a/>'::xml as a syntax error).
        private SqlExpr ParseValueExpression()
        {
            var value = ParsePrimary();
            while (At(SqlTokenKind.OpenBracket))
            {
                value = ParseSubscript(value);
            }

            return value;
        }

        // A column label (PostgreSQL's ColLabel): any word, reserved or not, or a quoted name.
        private string ExpectLabel() => At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier) ? Advance().Value : throw FailExpected("a name");

        // f(...) OVER name, or OVER ([name] [PARTITION BY a, b] [ORDER BY c DESC] [frame]).
        private SqlExpr ParseWindow(FunctionCall call)
        {
            Advance();
            if (!At(SqlTokenKind.OpenParen))
            {
                var name = Advance();
                return new WindowCall(From(call.Span.Start), call, EquatableArray<SqlExpr>.Empty, EquatableArray<OrderItem>.Empty, name.Value);
            }

            var window = ParseWindowSpecification();
            return new WindowCall(From(call.Span.Start), call, window.PartitionBy, window.OrderBy, window.BaseName, window.FrameOffsets, window.Frame, Copies: window.BaseName is not null);
        }

        // ([existing window] [PARTITION BY ...] [ORDER BY ...] [ROWS | RANGE | GROUPS frame [EXCLUDE ...]]), from its '('.
        private WindowDefinition ParseWindowSpecification()
        {
            var open = Advance();
            string? baseName = null;
            if (SqlKeywords.IsColumnName(Current) && !AtKeyword("partition") && !AtKeyword("order") && !AtKeyword("rows") && !AtKeyword("range") && !AtKeyword("groups"))
            {
                baseName = Advance().Value;
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

            var offsets = new List<SqlExpr>();
            WindowFrame? frame = null;
            if (AtKeyword("rows") || AtKeyword("range") || AtKeyword("groups"))
            {
                var frameStart = Current.Span.Start;
                var mode = Advance().Value.ToUpperInvariant();
                string startBound;
                string? endBound = null;
                if (AcceptKeyword("between"))
                {
                    startBound = ParseFrameBound(offsets);
                    ExpectKeyword("and");
                    endBound = ParseFrameBound(offsets);
                }
                else
                {
                    startBound = ParseFrameBound(offsets);
                }

                string? exclude = null;
                if (AcceptKeyword("exclude"))
                {
                    if (AcceptKeyword("current"))
                    {
                        ExpectKeyword("row");
                        exclude = "CURRENT ROW";
                    }
                    else if (AcceptKeyword("no"))
                    {
                        ExpectKeyword("others");
                        exclude = "NO OTHERS";
                    }
                    else if (AtKeyword("group") || AtKeyword("ties"))
                    {
                        exclude = Advance().Value.ToUpperInvariant();
                    }
                    else
                    {
                        throw FailExpected("CURRENT ROW, GROUP, TIES or NO OTHERS");
                    }
                }

                frame = new WindowFrame(From(frameStart), mode, startBound, endBound, exclude);
            }

            ExpectCloseParen(open);
            return new WindowDefinition(From(open.Span.Start), string.Empty, partitionBy, orderBy, baseName, offsets.ToEquatableArray(), frame);
        }

        // UNBOUNDED PRECEDING | UNBOUNDED FOLLOWING | CURRENT ROW | offset PRECEDING | offset FOLLOWING; the bound without its offset.
        private string ParseFrameBound(List<SqlExpr> offsets)
        {
            if (AtKeyword("unbounded") && (PeekKeyword(1, "preceding") || PeekKeyword(1, "following")))
            {
                Advance();
                return "UNBOUNDED " + Advance().Value.ToUpperInvariant();
            }

            if (AcceptKeyword("current"))
            {
                ExpectKeyword("row");
                return "CURRENT ROW";
            }

            offsets.Add(ParseExpr());
            if (!AtKeyword("preceding") && !AtKeyword("following"))
            {
                throw FailExpected("PRECEDING or FOLLOWING");
            }

            return Advance().Value.ToUpperInvariant();
        }

        // A possibly qualified name as written, for COLLATE and the like: "C", pg_catalog."default", en_us.
        private string ParseQualifiedNameText()
        {
            if (!(At(SqlTokenKind.Identifier) || At(SqlTokenKind.QuotedIdentifier)))
            {
                throw FailExpected("a name");
            }

            var text = new StringBuilder();
            do
            {
                var part = Advance();
                text.Append(part.Kind == SqlTokenKind.QuotedIdentifier ? QuoteIdentifier(part.Value) : part.Value);
                if (!(At(SqlTokenKind.Dot) && Peek(1).Kind is SqlTokenKind.Identifier or SqlTokenKind.QuotedIdentifier))
                {
                    break;
                }

                Advance();
                text.Append('.');
            }
            while (true);

            return text.ToString();
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
                // current_schema() is an ordinary call of the function the keyword CURRENT_SCHEMA calls.
                Advance();
                Advance();
                return new FunctionCall(From(token.Span.Start), token.Value, arguments, false, false);
            }

            return new FunctionCall(From(token.Span.Start), token.Value, arguments, false, false, SqlSyntax: "VALUE");
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
            return new FunctionCall(From(start), "extract", new SqlExpr[] { field, source }.ToEquatableArray(), false, false, SqlSyntax: "EXTRACT");
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
                // INTERVAL '1' DAY, INTERVAL '1:30' HOUR TO MINUTE, INTERVAL '1.5' SECOND(3): the fields are part of the type.
                var fields = new StringBuilder(type);
                fields.Append(' ').Append(Advance().Value);
                if (AcceptKeyword("to"))
                {
                    if (!(At(SqlTokenKind.Identifier) && SqlKeywords.IntervalFields.Contains(Current.Value)))
                    {
                        throw FailExpected("an interval field such as SECOND");
                    }

                    fields.Append(" to ").Append(Advance().Value);
                }

                if (_previous.Value == "second" && At(SqlTokenKind.OpenParen) && Peek(1).Kind == SqlTokenKind.Integer && Peek(2).Kind == SqlTokenKind.CloseParen)
                {
                    Advance();
                    fields.Append('(').Append(Advance().Value).Append(')');
                    Advance();
                }

                type = fields.ToString();
            }

            return new CastExpr(From(start), literal, type, ColonSyntax: false, TypedLiteral: true);
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
                    case "interval":
                        i = ReadModifiers(i, builder);
                        if (i < 0)
                        {
                            return false;
                        }

                        // interval day, interval hour to second(3): the fields are part of the type.
                        if (TokenAt(i).Kind == SqlTokenKind.Identifier && SqlKeywords.IntervalFields.Contains(TokenAt(i).Value) && TokenAt(i + 1).Kind != SqlTokenKind.String)
                        {
                            builder.Append(' ').Append(TokenAt(i).Value);
                            i++;
                            if (TokenAt(i).IsKeyword("to") && TokenAt(i + 1).Kind == SqlTokenKind.Identifier && SqlKeywords.IntervalFields.Contains(TokenAt(i + 1).Value))
                            {
                                builder.Append(" to ").Append(TokenAt(i + 1).Value);
                                i += 2;
                            }

                            i = ReadModifiers(i, builder);
                            if (i < 0)
                            {
                                return false;
                            }
                        }

                        return FinishTypeName(i, allowArray, builder, out name, out next);
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
