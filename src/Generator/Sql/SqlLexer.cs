using System;
using System.Collections.Generic;
using System.Text;

namespace ShardGen.Generator.Sql;

/// <summary>
/// Splits SQL into tokens the way PostgreSQL's scanner does (scan.l), for the subset ShardGen plans.
/// Never throws: whatever it cannot read becomes a <see cref="SqlProblem"/> and lexing goes on.
/// </summary>
internal static class SqlLexer
{
    // Characters PostgreSQL lets an operator be built from.
    private const string OperatorChars = "~!@#^&|`?+-*/%<>=";

    // An operator holding one of these may end in '+' or '-' (otherwise "*-1" would lex as "*-" "1").
    private const string OperatorTrailingSignChars = "~!@#^&|`?%";

    public static SqlLexResult Lex(string sql)
    {
        var lexer = new Lexer(sql ?? string.Empty);
        lexer.Run();
        return new SqlLexResult(lexer.Tokens.ToEquatableArray(), lexer.Problems.ToEquatableArray());
    }

    /// <summary>PostgreSQL's <c>ident_start</c>: an ASCII letter, <c>_</c>, or any non-ASCII character.</summary>
    internal static bool IsIdentifierStart(char c)
        => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= '\u0080';

    /// <summary>PostgreSQL's <c>ident_cont</c>: an identifier start, a digit or <c>$</c>.</summary>
    internal static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || IsDigit(c) || c == '$';

    /// <summary>Folds an unquoted identifier as PostgreSQL does with a UTF-8 database: ASCII letters only.</summary>
    internal static string FoldCase(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] >= 'A' && chars[i] <= 'Z')
            {
                chars[i] = (char)(chars[i] + ('a' - 'A'));
            }
        }

        return new string(chars);
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private static bool IsHexDigit(char c) => IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

    private static bool IsSpace(char c) => c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';

    private sealed class Lexer
    {
        private readonly string _sql;
        private int _pos;

        public Lexer(string sql) => _sql = sql;

        public List<SqlToken> Tokens { get; } = new();

        public List<SqlProblem> Problems { get; } = new();

        private char At(int index) => index < _sql.Length ? _sql[index] : '\0';

        public void Run()
        {
            while (true)
            {
                SkipTrivia();
                if (_pos >= _sql.Length)
                {
                    break;
                }

                LexToken();
            }

            Tokens.Add(new SqlToken(SqlTokenKind.EndOfInput, new TextSpan(_sql.Length, 0), string.Empty));
        }

        private void Add(SqlTokenKind kind, int start, string value)
            => Tokens.Add(new SqlToken(kind, TextSpan.FromBounds(start, _pos), value));

        private void Syntax(string message, int start, int end)
            => Problems.Add(new SqlProblem(SqlProblemKind.Syntax, message, TextSpan.FromBounds(start, end)));

        private void Unsupported(string message, int start, int end)
            => Problems.Add(new SqlProblem(SqlProblemKind.Unsupported, message, TextSpan.FromBounds(start, end)));

        private void SkipTrivia()
        {
            while (_pos < _sql.Length)
            {
                var c = _sql[_pos];
                if (IsSpace(c))
                {
                    _pos++;
                }
                else if (c == '-' && At(_pos + 1) == '-')
                {
                    while (_pos < _sql.Length && _sql[_pos] != '\n' && _sql[_pos] != '\r')
                    {
                        _pos++;
                    }
                }
                else if (c == '/' && At(_pos + 1) == '*')
                {
                    SkipBlockComment();
                }
                else
                {
                    return;
                }
            }
        }

        // Block comments nest in PostgreSQL: /* a /* b */ c */ is one comment.
        private void SkipBlockComment()
        {
            var start = _pos;
            var depth = 0;
            while (_pos < _sql.Length)
            {
                if (_sql[_pos] == '/' && At(_pos + 1) == '*')
                {
                    depth++;
                    _pos += 2;
                }
                else if (_sql[_pos] == '*' && At(_pos + 1) == '/')
                {
                    depth--;
                    _pos += 2;
                    if (depth == 0)
                    {
                        return;
                    }
                }
                else
                {
                    _pos++;
                }
            }

            Syntax("Unterminated /* comment: close it with */", start, _sql.Length);
        }

        private void LexToken()
        {
            var start = _pos;
            var c = _sql[_pos];
            var next = At(_pos + 1);

            if (IsIdentifierStart(c))
            {
                LexWordOrPrefixedString();
            }
            else if (IsDigit(c) || (c == '.' && IsDigit(next)))
            {
                LexNumber();
            }
            else if (c == '\'')
            {
                var value = ReadStandardString(start);
                Add(SqlTokenKind.String, start, value);
            }
            else if (c == '"')
            {
                LexQuotedIdentifier(start);
            }
            else if (c == '@' && IsIdentifierStart(next))
            {
                _pos++;
                while (_pos < _sql.Length && IsIdentifierPart(_sql[_pos]) && _sql[_pos] != '$')
                {
                    _pos++;
                }

                if (_pos < _sql.Length && _sql[_pos] == '.')
                {
                    // A parameter is never qualified: "@f.f1" is PostgreSQL's absolute value of the column f.f1.
                    _pos = start + 1;
                    Add(SqlTokenKind.Operator, start, "@");
                }
                else
                {
                    Add(SqlTokenKind.Parameter, start, _sql.Substring(start + 1, _pos - start - 1));
                }
            }
            else if (c == '$')
            {
                LexDollar(start);
            }
            else if (c == ':')
            {
                _pos += next == ':' ? 2 : 1;
                Add(next == ':' ? SqlTokenKind.DoubleColon : SqlTokenKind.Colon, start, _sql.Substring(start, _pos - start));
            }
            else if (PunctuationKind(c) is { } kind)
            {
                _pos++;
                Add(kind, start, c.ToString());
            }
            else if (OperatorChars.IndexOf(c) >= 0)
            {
                LexOperator(start);
            }
            else
            {
                _pos += char.IsHighSurrogate(c) && char.IsLowSurrogate(next) ? 2 : 1;
                Syntax($"Unexpected character '{_sql.Substring(start, _pos - start)}'", start, _pos);
            }
        }

        private static SqlTokenKind? PunctuationKind(char c) => c switch
        {
            '(' => SqlTokenKind.OpenParen,
            ')' => SqlTokenKind.CloseParen,
            '[' => SqlTokenKind.OpenBracket,
            ']' => SqlTokenKind.CloseBracket,
            ',' => SqlTokenKind.Comma,
            '.' => SqlTokenKind.Dot,
            ';' => SqlTokenKind.Semicolon,
            _ => null,
        };

        private void LexWordOrPrefixedString()
        {
            var start = _pos;
            var c = _sql[_pos];
            var next = At(_pos + 1);

            if ((c == 'e' || c == 'E') && next == '\'')
            {
                _pos++;
                Add(SqlTokenKind.String, start, ReadEscapeString(start));
                return;
            }

            if ((c == 'n' || c == 'N') && next == '\'')
            {
                // N'...' is a national character string: PostgreSQL's scanner reads it as the typed literal nchar '...'.
                _pos++;
                Add(SqlTokenKind.Identifier, start, "nchar");
                Add(SqlTokenKind.String, start + 1, ReadStandardString(start + 1));
                return;
            }

            if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && next == '\'')
            {
                // PostgreSQL's scanner gives B'1010' as "b1010" and X'1F' as "x1F".
                _pos++;
                var bits = ReadStandardString(start);
                Add(SqlTokenKind.BitString, start, char.ToLowerInvariant(c) + bits);
                return;
            }

            if ((c == 'u' || c == 'U') && next == '&' && (At(_pos + 2) == '\'' || At(_pos + 2) == '"'))
            {
                LexUnicodeEscaped(start);
                return;
            }

            while (_pos < _sql.Length && IsIdentifierPart(_sql[_pos]))
            {
                _pos++;
            }

            Add(SqlTokenKind.Identifier, start, FoldCase(_sql.Substring(start, _pos - start)));
        }

        // U&'d\0061t' or U&"d\0061t", optionally followed by UESCAPE '!' naming another escape character.
        private void LexUnicodeEscaped(int start)
        {
            _pos += 2;
            var identifier = _sql[_pos] == '"';
            string raw;
            if (identifier)
            {
                LexQuotedIdentifier(start);
                raw = Tokens[Tokens.Count - 1].Value;
                Tokens.RemoveAt(Tokens.Count - 1);
            }
            else
            {
                raw = ReadStandardString(start);
            }

            var escape = '\\';
            var i = _pos;
            while (IsSpace(At(i)))
            {
                i++;
            }

            if (i + 7 <= _sql.Length && string.Compare(_sql, i, "uescape", 0, 7, System.StringComparison.OrdinalIgnoreCase) == 0 && !IsIdentifierPart(At(i + 7)))
            {
                i += 7;
                while (IsSpace(At(i)))
                {
                    i++;
                }

                if (At(i) != '\'' || At(i + 2) != '\'' || At(i + 1) == '\0' || IsHexDigit(At(i + 1)) || IsSpace(At(i + 1)) || At(i + 1) is '+' or '\'' or '"')
                {
                    Syntax("UESCAPE takes one character in quotes, not a hex digit, +, a quote or a space: UESCAPE '!'", start, Math.Min(i + 3, _sql.Length));
                    _pos = Math.Min(i + 3, _sql.Length);
                    return;
                }

                escape = At(i + 1);
                _pos = i + 3;
            }

            var decoded = new StringBuilder();
            for (var j = 0; j < raw.Length; j++)
            {
                if (raw[j] != escape)
                {
                    decoded.Append(raw[j]);
                    continue;
                }

                if (j + 1 < raw.Length && raw[j + 1] == escape)
                {
                    decoded.Append(escape);
                    j++;
                    continue;
                }

                var digits = j + 1 < raw.Length && raw[j + 1] == '+' ? 6 : 4;
                var from = j + 1 + (digits == 6 ? 1 : 0);
                if (from + digits > raw.Length || !int.TryParse(raw.Substring(from, digits), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code)
                    || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) || code == 0)
                {
                    Syntax($"Invalid Unicode escape: write {escape}XXXX or {escape}+XXXXXX with a code point", start, _pos);
                    return;
                }

                decoded.Append(char.ConvertFromUtf32(code));
                j = from + digits - 1;
            }

            Add(identifier ? SqlTokenKind.QuotedIdentifier : SqlTokenKind.String, start, decoded.ToString());
        }

        private void LexNumber()
        {
            var start = _pos;
            var isInteger = true;

            if (_sql[_pos] == '0' && "xXoObB".IndexOf(At(_pos + 1)) >= 0 && IsHexDigit(At(_pos + 2)))
            {
                _pos += 2;
                while (_pos < _sql.Length && (IsHexDigit(_sql[_pos]) || _sql[_pos] == '_'))
                {
                    _pos++;
                }

                Unsupported("Hexadecimal, octal and binary integer constants are not supported: write the number in decimal", start, _pos);
                Add(SqlTokenKind.Integer, start, "0");
                return;
            }

            ReadDigits();
            if (At(_pos) == '.' && At(_pos + 1) != '.')
            {
                // "1..5" is 1 followed by "..", as PostgreSQL lexes it; anything else with a point is numeric.
                isInteger = false;
                _pos++;
                ReadDigits();
            }

            if ((At(_pos) == 'e' || At(_pos) == 'E') &&
                (IsDigit(At(_pos + 1)) || ((At(_pos + 1) == '+' || At(_pos + 1) == '-') && IsDigit(At(_pos + 2)))))
            {
                isInteger = false;
                _pos += IsDigit(At(_pos + 1)) ? 1 : 2;
                ReadDigits();
            }

            if (IsIdentifierPart(At(_pos)))
            {
                var junkStart = _pos;
                while (_pos < _sql.Length && IsIdentifierPart(_sql[_pos]))
                {
                    _pos++;
                }

                Syntax($"Trailing junk after the numeric constant '{_sql.Substring(start, junkStart - start)}': separate '{_sql.Substring(junkStart, _pos - junkStart)}' with a space", start, _pos);
            }

            var text = _sql.Substring(start, _pos - start).Replace("_", string.Empty);
            Add(isInteger ? SqlTokenKind.Integer : SqlTokenKind.Numeric, start, text);
        }

        // PostgreSQL 16 digits: "1_000" is 1000; an underscore must sit between two digits.
        private void ReadDigits()
        {
            while (_pos < _sql.Length && (IsDigit(_sql[_pos]) || (_sql[_pos] == '_' && IsDigit(At(_pos + 1)) && _pos > 0 && IsDigit(_sql[_pos - 1]))))
            {
                _pos++;
            }
        }

        private void LexQuotedIdentifier(int start)
        {
            var builder = new StringBuilder();
            _pos++;
            while (true)
            {
                if (_pos >= _sql.Length)
                {
                    Syntax("Unterminated quoted identifier: close it with \"", start, _sql.Length);
                    Add(SqlTokenKind.QuotedIdentifier, start, builder.ToString());
                    return;
                }

                var c = _sql[_pos++];
                if (c == '"')
                {
                    if (At(_pos) == '"')
                    {
                        builder.Append('"');
                        _pos++;
                        continue;
                    }

                    break;
                }

                builder.Append(c);
            }

            if (builder.Length == 0)
            {
                Syntax("Zero-length quoted identifier \"\"", start, _pos);
            }

            Add(SqlTokenKind.QuotedIdentifier, start, builder.ToString());
        }

        /// <summary>
        /// A '...' string with '' escapes, at the quote at <see cref="_pos"/>. Like PostgreSQL, a string followed by
        /// whitespace holding a newline and another '...' continues into it: 'ab'\n'cd' is 'abcd'.
        /// </summary>
        private string ReadStandardString(int tokenStart)
        {
            var builder = new StringBuilder();
            while (true)
            {
                _pos++;
                while (true)
                {
                    if (_pos >= _sql.Length)
                    {
                        Syntax("Unterminated string constant: close it with '", tokenStart, _sql.Length);
                        return builder.ToString();
                    }

                    var c = _sql[_pos++];
                    if (c == '\'')
                    {
                        if (At(_pos) == '\'')
                        {
                            builder.Append('\'');
                            _pos++;
                            continue;
                        }

                        break;
                    }

                    builder.Append(c);
                }

                if (!ContinuesOnNextLine())
                {
                    return builder.ToString();
                }
            }
        }

        // After a closing quote: is there whitespace with a newline (-- comments allowed) and then a quote? Moves there if so.
        private bool ContinuesOnNextLine()
        {
            var i = _pos;
            var newline = false;
            while (i < _sql.Length)
            {
                var c = _sql[i];
                if (c == '\n' || c == '\r')
                {
                    newline = true;
                    i++;
                }
                else if (IsSpace(c))
                {
                    i++;
                }
                else if (c == '-' && i + 1 < _sql.Length && _sql[i + 1] == '-')
                {
                    while (i < _sql.Length && _sql[i] != '\n' && _sql[i] != '\r')
                    {
                        i++;
                    }
                }
                else
                {
                    break;
                }
            }

            if (newline && i < _sql.Length && _sql[i] == '\'')
            {
                _pos = i;
                return true;
            }

            return false;
        }

        /// <summary>An E'...' string at the quote at <see cref="_pos"/>, with C-style backslash escapes.</summary>
        private string ReadEscapeString(int tokenStart)
        {
            var builder = new StringBuilder();
            _pos++;
            while (true)
            {
                if (_pos >= _sql.Length)
                {
                    Syntax("Unterminated string constant: close it with '", tokenStart, _sql.Length);
                    return builder.ToString();
                }

                var c = _sql[_pos];
                if (c == '\'')
                {
                    if (At(_pos + 1) == '\'')
                    {
                        builder.Append('\'');
                        _pos += 2;
                        continue;
                    }

                    _pos++;
                    if (!ContinuesOnNextLine())
                    {
                        return builder.ToString();
                    }

                    _pos++;
                    continue;
                }

                if (c != '\\')
                {
                    builder.Append(c);
                    _pos++;
                    continue;
                }

                ReadEscape(builder);
            }
        }

        // At a backslash inside E'...'.
        private void ReadEscape(StringBuilder builder)
        {
            var start = _pos;
            _pos++;
            if (_pos >= _sql.Length)
            {
                return;
            }

            var c = _sql[_pos++];
            switch (c)
            {
                case 'b': builder.Append('\b'); return;
                case 'f': builder.Append('\f'); return;
                case 'n': builder.Append('\n'); return;
                case 'r': builder.Append('\r'); return;
                case 't': builder.Append('\t'); return;
                case 'u':
                case 'U':
                    ReadUnicodeEscape(builder, start, c == 'u' ? 4 : 8);
                    return;
            }

            int value;
            if (c >= '0' && c <= '7')
            {
                value = c - '0';
                for (var n = 1; n < 3 && At(_pos) >= '0' && At(_pos) <= '7'; n++)
                {
                    value = (value * 8) + (_sql[_pos++] - '0');
                }
            }
            else if (c == 'x' && IsHexDigit(At(_pos)))
            {
                value = HexValue(_sql[_pos++]);
                if (IsHexDigit(At(_pos)))
                {
                    value = (value * 16) + HexValue(_sql[_pos++]);
                }
            }
            else
            {
                // Any other escaped character stands for itself (\\ \' \q ...).
                builder.Append(c);
                return;
            }

            if (value == 0)
            {
                Syntax("A string cannot hold a zero byte (\\0)", start, _pos);
            }
            else if (value >= 0x80)
            {
                Unsupported("Byte escapes above \\x7F are not supported in E'...' strings: use \\u escapes or write the character", start, _pos);
            }
            else
            {
                builder.Append((char)value);
            }
        }

        private void ReadUnicodeEscape(StringBuilder builder, int start, int digits)
        {
            if (!TryReadHex(digits, out var codePoint))
            {
                Syntax($"Invalid Unicode escape: \\{(digits == 4 ? 'u' : 'U')} takes {digits} hexadecimal digits", start, _pos);
                return;
            }

            if (codePoint >= 0xD800 && codePoint <= 0xDBFF)
            {
                // A UTF-16 pair written as two escapes: \uD83D\uDE00.
                if (At(_pos) == '\\' && At(_pos + 1) == 'u')
                {
                    var save = _pos;
                    _pos += 2;
                    if (TryReadHex(4, out var low) && low >= 0xDC00 && low <= 0xDFFF)
                    {
                        builder.Append((char)codePoint).Append((char)low);
                        return;
                    }

                    _pos = save;
                }

                Syntax("Invalid Unicode surrogate pair", start, _pos);
                return;
            }

            if (codePoint == 0 || codePoint > 0x10FFFF || (codePoint >= 0xDC00 && codePoint <= 0xDFFF))
            {
                Syntax("Invalid Unicode escape value", start, _pos);
                return;
            }

            builder.Append(char.ConvertFromUtf32(codePoint));
        }

        private bool TryReadHex(int digits, out int value)
        {
            value = 0;
            for (var i = 0; i < digits; i++)
            {
                if (!IsHexDigit(At(_pos)))
                {
                    return false;
                }

                value = (value * 16) + HexValue(_sql[_pos++]);
            }

            return true;
        }

        private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

        private void LexDollar(int start)
        {
            var next = At(_pos + 1);
            if (IsDigit(next))
            {
                _pos++;
                while (_pos < _sql.Length && IsDigit(_sql[_pos]))
                {
                    _pos++;
                }

                Unsupported($"Positional parameters ({_sql.Substring(start, _pos - start)}) are not supported: use @name parameters named like the method's parameters", start, _pos);
                Add(SqlTokenKind.PositionalParameter, start, _sql.Substring(start, _pos - start));
                return;
            }

            // $$...$$ or $tag$...$tag$, where a tag is an identifier without '$'.
            var tagEnd = _pos + 1;
            if (IsIdentifierStart(next))
            {
                while (tagEnd < _sql.Length && IsIdentifierPart(_sql[tagEnd]) && _sql[tagEnd] != '$')
                {
                    tagEnd++;
                }
            }

            if (At(tagEnd) != '$')
            {
                _pos++;
                Syntax("Unexpected character '$'", start, _pos);
                return;
            }

            var delimiter = _sql.Substring(start, tagEnd + 1 - start);
            var bodyStart = tagEnd + 1;
            var close = _sql.IndexOf(delimiter, bodyStart, System.StringComparison.Ordinal);
            if (close < 0)
            {
                _pos = _sql.Length;
                Syntax($"Unterminated dollar-quoted string: close it with {delimiter}", start, _pos);
                return;
            }

            _pos = close + delimiter.Length;
            Add(SqlTokenKind.String, start, _sql.Substring(bodyStart, close - bodyStart));
        }

        private void LexOperator(int start)
        {
            var end = _pos;
            while (end < _sql.Length && OperatorChars.IndexOf(_sql[end]) >= 0)
            {
                var c = _sql[end];
                var after = end + 1 < _sql.Length ? _sql[end + 1] : '\0';
                if (end > start && ((c == '-' && after == '-') || (c == '/' && after == '*')))
                {
                    break; // a comment starts inside the run
                }

                if (end > start && c == '@' && IsIdentifierStart(after))
                {
                    break; // "=@id" is '=' and a parameter, not the operator "=@"
                }

                end++;
            }

            var length = end - start;
            if (length > 1 && (_sql[end - 1] == '+' || _sql[end - 1] == '-'))
            {
                var special = false;
                for (var i = start; i < end; i++)
                {
                    special |= OperatorTrailingSignChars.IndexOf(_sql[i]) >= 0;
                }

                while (!special && length > 1 && (_sql[start + length - 1] == '+' || _sql[start + length - 1] == '-'))
                {
                    length--;
                }
            }

            _pos = start + length;
            Add(SqlTokenKind.Operator, start, _sql.Substring(start, length));
        }
    }
}
