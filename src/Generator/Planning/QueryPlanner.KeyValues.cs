using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// Key values written as expressions, as Citus's shard pruning reads them after PostgreSQL has folded the constants:
    /// <c>tenant_id = 40 + 2</c>, <c>tenant_id = '42'::bigint</c>, <c>tenant_id = bigint '42'</c>, <c>tenant_id = @a + 1</c>,
    /// <c>tenant_id = @a::bigint</c>. Integer arithmetic (<c>+ - * / %</c>, unary minus) and casts between the integer types are
    /// folded at build time when every operand is a literal, with PostgreSQL's types (an integer literal is int4 when it fits,
    /// int2 op int2 is int2, ...) and range checks; with a parameter among them, the generated code computes the key before
    /// the call. Whatever PostgreSQL would raise an error for (an overflow, division by zero, a cast out of range) is not
    /// folded: the statement then runs where it would have without the condition, and PostgreSQL raises the error there.
    /// A value computed at run time wraps where PostgreSQL would raise an error: the statement is then routed to some shard,
    /// whose PostgreSQL raises the error as it would on one server.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>PostgreSQL's integer types, by width.</summary>
        private enum IntegerType
        {
            Int2 = 2,
            Int4 = 4,
            Int8 = 8,
        }

        /// <summary>An integer expression: its PostgreSQL type and its value, known at build time or a C# <c>long</c> expression computed at run time.</summary>
        private sealed record IntegerTerm(IntegerType Type, long? Constant, string? Computed);

        /// <summary>A distribution key value written as an expression of literals and parameters (see above); null when it is not one.</summary>
        private RouteKey? ComputedKeyValue(SqlExpr value, TableSpec table)
        {
            switch (table.KeyType)
            {
                case DistributionKeyType.Int32 or DistributionKeyType.Int64:
                    if (IntegerValue(value) is not { } term)
                    {
                        return null;
                    }

                    var isLong = table.KeyType == DistributionKeyType.Int64;
                    if (term.Constant is { } constant)
                    {
                        // A constant out of the key's range equals no key: the statement finds no row wherever it runs.
                        return isLong ? new RouteKey(null, constant.ToString(CultureInfo.InvariantCulture) + "L")
                            : constant is >= int.MinValue and <= int.MaxValue ? new RouteKey(null, constant.ToString(CultureInfo.InvariantCulture)) : null;
                    }

                    return new RouteKey(null, isLong ? $"unchecked({term.Computed})" : $"unchecked((int)({term.Computed}))");
                case DistributionKeyType.Text:
                    return value switch
                    {
                        CastExpr { Operand: Literal { Kind: LiteralKind.String } text } cast when IsTextType(cast.TypeName) => new RouteKey(null, CSharpString(text.Value)),
                        CastExpr { Operand: ParameterRef parameter } cast when IsTextType(cast.TypeName) => ParameterKey(parameter, ColumnType.String),
                        _ => null,
                    };
                case DistributionKeyType.Uuid:
                    return value switch
                    {
                        CastExpr { TypeName: "uuid", Operand: Literal { Kind: LiteralKind.String } text } when Guid.TryParse(text.Value, out var guid) => new RouteKey(null, $"new global::System.Guid(\"{guid:D}\")"),
                        CastExpr { TypeName: "uuid", Operand: ParameterRef parameter } => ParameterKey(parameter, ColumnType.Guid),
                        _ => null,
                    };
                default:
                    return null;
            }
        }

        /// <summary>A parameter of exactly <paramref name="type"/>, not nullable, as a key.</summary>
        private RouteKey? ParameterKey(ParameterRef reference, ColumnType type) =>
            ParameterNamed(reference.Name) is { Kind: QueryParameterKind.Value, Value: { } spec } parameter && spec.Type == type && !spec.IsNullable && spec.EnumTypeName is null
                ? new RouteKey(Naming.EscapeIdentifier(parameter.Name), null)
                : null;

        // text, varchar and character varying without a length: a length would cut the value (char(n) pads and compares blank-padded).
        private static bool IsTextType(string typeName) => typeName is "text" or "varchar" or "character varying" or "pg_catalog.text";

        private static IntegerType? IntegerTypeNamed(string typeName) => typeName switch
        {
            "smallint" or "int2" or "pg_catalog.int2" => IntegerType.Int2,
            "integer" or "int" or "int4" or "pg_catalog.int4" => IntegerType.Int4,
            "bigint" or "int8" or "pg_catalog.int8" => IntegerType.Int8,
            _ => null,
        };

        private static bool Fits(long value, IntegerType type) => type switch
        {
            IntegerType.Int2 => value is >= short.MinValue and <= short.MaxValue,
            IntegerType.Int4 => value is >= int.MinValue and <= int.MaxValue,
            _ => true,
        };

        /// <summary>The integer value of <paramref name="expr"/> as PostgreSQL computes it; null when it is not integer arithmetic of literals and parameters, or PostgreSQL would raise an error computing it.</summary>
        private IntegerTerm? IntegerValue(SqlExpr expr)
        {
            switch (expr)
            {
                case Literal { Kind: LiteralKind.Integer } literal:
                    // An integer literal is int4 when it fits, else int8 (else numeric: not a key value here).
                    return long.TryParse(literal.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                        ? new IntegerTerm(Fits(number, IntegerType.Int4) ? IntegerType.Int4 : IntegerType.Int8, number, null)
                        : null;
                case ParameterRef reference:
                    if (ParameterNamed(reference.Name) is not { Kind: QueryParameterKind.Value, Value: { } spec } parameter || spec.IsNullable || spec.EnumTypeName is not null)
                    {
                        return null;
                    }

                    IntegerType? type = spec.Type switch
                    {
                        ColumnType.Int16 => IntegerType.Int2,
                        ColumnType.Int32 => IntegerType.Int4,
                        ColumnType.Int64 => IntegerType.Int8,
                        _ => null,
                    };
                    return type is { } t ? new IntegerTerm(t, null, "(long)" + Naming.EscapeIdentifier(parameter.Name)) : null;
                case UnaryExpr { Operator: "+" } plus:
                    return IntegerValue(plus.Operand);
                case UnaryExpr { Operator: "-" } minus when IntegerValue(minus.Operand) is { } operand:
                    if (operand.Constant is { } value)
                    {
                        // -9223372036854775808 is written as the negation of a literal that is numeric: not folded (PostgreSQL folds it; nobody routes by it).
                        return value != long.MinValue && Fits(-value, operand.Type) ? operand with { Constant = -value } : null;
                    }

                    return operand with { Computed = $"-({operand.Computed})" };
                case BinaryExpr { Operator: "+" or "-" or "*" or "/" or "%" } binary when IntegerValue(binary.Left) is { } left && IntegerValue(binary.Right) is { } right:
                    // int2 op int4 is int4, anything with int8 is int8 (PostgreSQL's cross-type integer operators).
                    var result = (IntegerType)Math.Max((int)left.Type, (int)right.Type);
                    if (left.Constant is { } a && right.Constant is { } b)
                    {
                        long? folded;
                        try
                        {
                            folded = binary.Operator switch
                            {
                                "+" => checked(a + b),
                                "-" => checked(a - b),
                                "*" => checked(a * b),
                                "/" => b == 0 ? null : checked(a / b),
                                _ => b == 0 ? null : b == -1 ? 0 : a % b,
                            };
                        }
                        catch (OverflowException)
                        {
                            folded = null;
                        }

                        return folded is { } f && Fits(f, result) ? new IntegerTerm(result, f, null) : null;
                    }

                    // At run time: division and remainder only by a constant that cannot fail (neither 0 nor -1, whose quotient of the smallest value overflows).
                    if (binary.Operator is "/" or "%" && !(right.Constant is { } divisor && divisor != 0 && divisor != -1))
                    {
                        return null;
                    }

                    return new IntegerTerm(result, null, $"{Operand(left)} {binary.Operator} {Operand(right)}");
                case CastExpr cast when IntegerTypeNamed(cast.TypeName) is { } target:
                    switch (cast.Operand)
                    {
                        case Literal { Kind: LiteralKind.String } text:
                            // PostgreSQL's integer input: surrounding white space and a sign allowed.
                            return long.TryParse(text.Value, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && Fits(parsed, target)
                                ? new IntegerTerm(target, parsed, null)
                                : null;
                        case Literal { Kind: LiteralKind.Numeric } numeric:
                            // numeric to an integer type rounds half away from zero.
                            if (!decimal.TryParse(numeric.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
                            {
                                return null;
                            }

                            var rounded = Math.Round(exact, MidpointRounding.AwayFromZero);
                            return rounded is >= long.MinValue and <= long.MaxValue && Fits((long)rounded, target) ? new IntegerTerm(target, (long)rounded, null) : null;
                        default:
                            if (IntegerValue(cast.Operand) is not { } inner)
                            {
                                return null;
                            }

                            return inner.Constant is { } c ? (Fits(c, target) ? new IntegerTerm(target, c, null) : null) : inner with { Type = target };
                    }

                default:
                    return null;
            }
        }

        /// <summary>The keys of a one-dimensional <c>ARRAY[...]</c> of key values (each as <see cref="KeyValue"/> reads it); null when any element is not one.</summary>
        private List<RouteKey>? ArrayKeys(ArrayExpr array, TableSpec table)
        {
            var keys = new List<RouteKey>();
            foreach (var element in array.Elements)
            {
                if (element is ArrayExpr || KeyValue(element, table) is not { } key)
                {
                    return null;
                }

                keys.Add(key);
            }

            return keys.Count > 0 ? keys : null;
        }

        /// <summary>
        /// A top-level condition that restricts a distribution key to values (<c>key = x</c>, <c>key IN (...)</c>, <c>key = ANY(...)</c>,
        /// <c>key IN (SELECT ...)</c>, <c>key = ANY (SELECT ...)</c>) that ShardGen cannot compute before the statement runs (<c>key = abs(@a)</c>, <c>key = (SELECT ...)</c>);
        /// null when there is none.
        /// </summary>
        private SqlExpr? UnroutedKeyCondition(IEnumerable<SqlExpr> conditions) => conditions.FirstOrDefault(condition => condition switch
        {
            BinaryExpr { Operator: "=", Left: var left, Right: var right } => (IsDistributionKey(left) && right is not ColumnRef) || (IsDistributionKey(right) && left is not ColumnRef),
            InExpr { Negated: false } @in => IsDistributionKey(@in.Operand),
            InSubqueryExpr { Negated: false, Operator: "=", All: false } @in => IsDistributionKey(@in.Operand),
            AnyExpr { Operator: "=" } any => IsDistributionKey(any.Operand),
            _ => false,
        });

        /// <summary>The SQL text of <paramref name="expr"/> as written, cut short when long.</summary>
        private string SqlTextOf(SqlExpr expr)
        {
            var text = _sql.Substring(expr.Span.Start, expr.Span.Length);
            return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
        }

        // A computed operand is parenthesized when it is itself an operation (a parameter, "(long)t", needs none).
        private static string Operand(IntegerTerm term) => term.Constant is { } value
            ? value.ToString(CultureInfo.InvariantCulture) + "L"
            : term.Computed!.IndexOf(' ') < 0 ? term.Computed : "(" + term.Computed + ")";
    }
}
