using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    internal static partial class Parser
    {
        public const string PrecisionAttribute = "ShardGen.PrecisionAttribute";
        public const string EfCorePrecisionAttribute = "Microsoft.EntityFrameworkCore.PrecisionAttribute";
        public const string MaxLengthAttribute = "System.ComponentModel.DataAnnotations.MaxLengthAttribute";

        // PostgreSQL's limits: numeric's precision (NUMERIC_MAX_PRECISION), fractional digits of seconds
        // (MAX_TIMESTAMP_PRECISION, MAX_TIME_PRECISION, MAX_INTERVAL_PRECISION), a varchar's or char's length (MaxAttrSize).
        private const int MaxNumericPrecision = 1000;
        private const int MaxSecondsPrecision = 6;
        private const int MaxLength = 10485760;

        // A type name as PostgreSQL spells one: words, one or two integer modifiers, then "with/without time zone" (which
        // follows the modifier: timestamp(3) with time zone).
        private static readonly Regex TypeNamePattern = new(
            @"^(?<name>[a-z][a-z0-9]*(?: [a-z][a-z0-9]*)*?)(?:\((?<first>-?[0-9]+)(?:,(?<second>-?[0-9]+))?\))?(?<zone> with time zone| without time zone)?$",
            RegexOptions.CultureInvariant);

        /// <summary>
        /// Reads the type modifiers of the columns: <c>[Precision(p[, s])]</c> (ShardGen's, or EF Core's of the same shape),
        /// <c>[MaxLength(n)]</c> (DataAnnotations, as EF Core reads it) and <c>[Column(TypeName = "...")]</c>. A column
        /// gets the type with its modifier as <c>format_type</c> writes it, so that the cluster's catalog and the model
        /// compare as text. A modifier that does not fit is reported on its argument and left out: the column keeps its
        /// type's plain form and the table keeps its code.
        /// </summary>
        private static void ReadTypeModifiers(INamedTypeSymbol type, string fullName, List<IPropertySymbol> properties, List<ColumnSpec> columns, int distributionKey, List<TableProblem> problems)
        {
            for (var i = 0; i < properties.Count; i++)
            {
                var property = properties[i];
                var reader = new ModifierReader(type, fullName, property, columns[i], i == distributionKey, problems);
                if (reader.Read() is { } stored)
                {
                    columns[i] = columns[i] with { StoredType = stored };
                }
            }
        }

        private sealed class ModifierReader
        {
            private readonly INamedTypeSymbol _type;
            private readonly string _fullName;
            private readonly IPropertySymbol _property;
            private readonly ColumnSpec _column;
            private readonly bool _isDistributionKey;
            private readonly List<TableProblem> _problems;

            public ModifierReader(INamedTypeSymbol type, string fullName, IPropertySymbol property, ColumnSpec column, bool isDistributionKey, List<TableProblem> problems)
            {
                _type = type;
                _fullName = fullName;
                _property = property;
                _column = column;
                _isDistributionKey = isDistributionKey;
                _problems = problems;
            }

            private string What => $"property '{_property.Name}' of '{_type.Name}'";

            private string ClrType => _property.Type.ToDisplayString();

            /// <summary>The stored type with its modifier; null for the type's plain form (none given, or reported).</summary>
            public string? Read()
            {
                var given = new List<(AttributeData Attribute, string Name)>();
                foreach (var attribute in _property.GetAttributes())
                {
                    if (attribute.AttributeConstructor is null)
                    {
                        continue;
                    }

                    if (IsAttribute(attribute, PrecisionAttribute) || IsAttribute(attribute, EfCorePrecisionAttribute))
                    {
                        given.Add((attribute, attribute.AttributeClass!.ToDisplayString()));
                    }
                    else if (IsAttribute(attribute, MaxLengthAttribute) && attribute.ConstructorArguments.Length == 1)
                    {
                        // [MaxLength] without a length means "as long as the store allows": text, no modifier.
                        given.Add((attribute, MaxLengthAttribute));
                    }
                    else if (IsAttribute(attribute, ColumnAttribute) && Named(attribute, "TypeName").Value is string)
                    {
                        given.Add((attribute, ColumnAttribute));
                    }
                }

                if (given.Count == 0)
                {
                    return null;
                }

                if (given.Count > 1)
                {
                    var secondName = given[1].Name;
                    Report($"{Capitalized(What)} gives its column's type twice ({string.Join(" and ", given.Select(g => Describe(g.Name)))}): give it in one place.",
                        At(secondName, secondName == ColumnAttribute ? "TypeName" : null));
                    return null;
                }

                var (attribute0, name) = given[0];
                var stored = name == ColumnAttribute ? FromTypeName(attribute0) : name == MaxLengthAttribute ? FromMaxLength(attribute0) : FromPrecision(attribute0, name);
                if (stored is not null && _isDistributionKey)
                {
                    Report($"{Capitalized(What)} is the distribution key, whose type is its key type's own ({SqlTypes.SqlType(_column.Type)}): colocated tables hash and join the same key type, and Citus colocates only tables whose distribution columns have the same type. Remove the modifier (check the length with a [Check] constraint if needed).",
                        At(name, name == ColumnAttribute ? "TypeName" : name == MaxLengthAttribute ? "length" : "precision"));
                    return null;
                }

                return stored;
            }

            private string? FromPrecision(AttributeData attribute, string name)
            {
                var precision = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is int p ? p : (int?)null;
                var scale = attribute.ConstructorArguments.Length > 1 && attribute.ConstructorArguments[1].Value is int s ? s : (int?)null;
                if (precision is not { } digits)
                {
                    return null;
                }

                var precisionAt = At(name, "precision");
                var scaleAt = At(name, "scale");
                switch (_column.Type)
                {
                    case ColumnType.Decimal:
                        return Numeric(digits, scale, precisionAt, scaleAt, "[Precision]");
                    case ColumnType.DateTime or ColumnType.DateTimeOffset or ColumnType.TimeOnly or ColumnType.TimeSpan:
                        if (scale is not null)
                        {
                            Report($"[Precision] of {What} gives a scale, which {SqlTypes.SqlType(_column.Type)} does not take: its one modifier is the number of fractional digits of the seconds. Give [Precision({digits.ToString(CultureInfo.InvariantCulture)})].", scaleAt);
                            return null;
                        }

                        return Seconds(digits, precisionAt, "[Precision]");
                    case ColumnType.String:
                        Report($"[Precision] of {What} does not apply to a string column: give its length with [MaxLength(n)] (character varying(n)), or [Column(TypeName = \"char(n)\")].", precisionAt);
                        return null;
                    default:
                        Report(TakesNone("[Precision]"), precisionAt);
                        return null;
                }
            }

            private string? FromMaxLength(AttributeData attribute)
            {
                var at = At(MaxLengthAttribute, "length");
                if (attribute.ConstructorArguments[0].Value is not int length)
                {
                    return null;
                }

                if (_column.Type != ColumnType.String)
                {
                    Report(TakesNone("[MaxLength]"), at);
                    return null;
                }

                return Length("character varying", length, at, "[MaxLength]");
            }

            private string? FromTypeName(AttributeData attribute)
            {
                var at = At(ColumnAttribute, "TypeName");
                var text = (string)Named(attribute, "TypeName").Value!;
                var normalized = Regex.Replace(text.Trim().ToLowerInvariant(), @"\s+", " ");
                normalized = Regex.Replace(Regex.Replace(normalized, @" ?([(,]) ?", "$1"), @" \)", ")");
                var match = TypeNamePattern.Match(normalized);
                if (!match.Success)
                {
                    Report($"[Column(TypeName = \"{text}\")] of {What} is not a type name ShardGen reads: {Expected()}.", at);
                    return null;
                }

                var typeName = match.Groups["name"].Value;
                var zone = match.Groups["zone"].Value.Trim();
                var first = Integer(match.Groups["first"]);
                var second = Integer(match.Groups["second"]);
                var family = Family(typeName, zone);
                var what = $"[Column(TypeName = \"{text}\")]";
                if (family is null || !Fits(family))
                {
                    Report(family == "timestamp" && _column.Type is ColumnType.DateTime or ColumnType.DateTimeOffset
                        ? $"{what} of {What} is timestamp without time zone, but ShardGen stores DateTime and DateTimeOffset as timestamp with time zone (Npgsql writes them as UTC instants): give \"timestamptz({first?.ToString(CultureInfo.InvariantCulture) ?? "p"})\"."
                        : $"{what} of {What} is not a type ShardGen stores a {ClrType} in: {Expected()}.", at);
                    return null;
                }

                if (second is not null && family != "numeric")
                {
                    Report($"{what} of {What} gives two modifiers; {family} takes one.", at);
                    return null;
                }

                switch (family)
                {
                    case "numeric":
                        return first is { } digits ? Numeric(digits, second, at, at, what) : null;
                    case "varchar":
                        return first is { } length ? Length("character varying", length, at, what) : "character varying";
                    case "char":
                        return Length("character", first ?? 1, at, what);
                    case "timestamptz" or "time" or "interval":
                        return first is { } precision ? Seconds(precision, at, what) : null;
                    default:
                        // The type's own name without a modifier: nothing changes.
                        if (first is not null)
                        {
                            Report(TakesNone(what), at);
                        }

                        return null;
                }
            }

            /// <summary>Which stored type a name (with its time zone words) is; null for one ShardGen does not store.</summary>
            private static string? Family(string name, string zone) => (name, zone) switch
            {
                ("numeric" or "decimal", "") => "numeric",
                ("varchar" or "character varying" or "char varying", "") => "varchar",
                ("char" or "character" or "bpchar", "") => "char",
                ("text", "") => "text",
                ("timestamptz", "") or ("timestamp", "with time zone") => "timestamptz",
                ("timestamp", "" or "without time zone") => "timestamp",
                ("time", "" or "without time zone") => "time",
                ("interval", "") => "interval",
                ("boolean" or "bool", "") => "boolean",
                ("smallint" or "int2", "") => "smallint",
                ("integer" or "int" or "int4", "") => "integer",
                ("bigint" or "int8", "") => "bigint",
                ("real" or "float4", "") => "real",
                ("double precision" or "float8", "") => "double precision",
                ("uuid", "") => "uuid",
                ("date", "") => "date",
                ("bytea", "") => "bytea",
                _ => null,
            };

            private bool Fits(string family) => family switch
            {
                "numeric" => _column.Type == ColumnType.Decimal,
                "varchar" or "char" or "text" => _column.Type == ColumnType.String,
                "timestamptz" => _column.Type is ColumnType.DateTime or ColumnType.DateTimeOffset,
                "time" => _column.Type == ColumnType.TimeOnly,
                "interval" => _column.Type == ColumnType.TimeSpan,
                _ => family == SqlTypes.SqlType(_column.Type),
            };

            private string Expected() => _column.Type switch
            {
                ColumnType.Decimal => "a decimal is stored as numeric or numeric(p,s)",
                ColumnType.String => "a string is stored as text, varchar(n) or char(n)",
                ColumnType.DateTime or ColumnType.DateTimeOffset => $"a {ClrType} is stored as timestamptz or timestamptz(p), p from 0 to 6",
                ColumnType.TimeOnly => "a TimeOnly is stored as time or time(p), p from 0 to 6",
                ColumnType.TimeSpan => "a TimeSpan is stored as interval or interval(p), p from 0 to 6",
                _ => $"a {ClrType} is stored as {SqlTypes.SqlType(_column.Type)}, which takes no modifier",
            };

            private string? Numeric(int precision, int? scale, AttributeRef precisionAt, AttributeRef scaleAt, string what)
            {
                if (precision < 1 || precision > MaxNumericPrecision)
                {
                    Report($"{Capitalized(what)} of {What} gives numeric precision {precision.ToString(CultureInfo.InvariantCulture)}: PostgreSQL's numeric precision is 1 to {MaxNumericPrecision.ToString(CultureInfo.InvariantCulture)}.", precisionAt);
                    return null;
                }

                var digits = scale ?? 0;
                if (digits < 0 || digits > precision)
                {
                    Report($"{Capitalized(what)} of {What} gives scale {digits.ToString(CultureInfo.InvariantCulture)} with precision {precision.ToString(CultureInfo.InvariantCulture)}: the scale is the number of the precision's digits after the decimal point, from 0 to the precision. Give numeric(p,s) with 0 <= s <= p.", scaleAt);
                    return null;
                }

                return "numeric(" + precision.ToString(CultureInfo.InvariantCulture) + "," + digits.ToString(CultureInfo.InvariantCulture) + ")";
            }

            private string? Seconds(int precision, AttributeRef at, string what)
            {
                if (precision < 0 || precision > MaxSecondsPrecision)
                {
                    Report($"{Capitalized(what)} of {What} gives precision {precision.ToString(CultureInfo.InvariantCulture)}: {SqlTypes.SqlType(_column.Type)} keeps 0 to {MaxSecondsPrecision.ToString(CultureInfo.InvariantCulture)} fractional digits of the seconds (6 is microseconds, its default).", at);
                    return null;
                }

                var p = precision.ToString(CultureInfo.InvariantCulture);
                return _column.Type switch
                {
                    ColumnType.TimeOnly => $"time({p}) without time zone",
                    ColumnType.TimeSpan => $"interval({p})",
                    _ => $"timestamp({p}) with time zone",
                };
            }

            private string? Length(string typeName, int length, AttributeRef at, string what)
            {
                if (length < 1 || length > MaxLength)
                {
                    Report($"{Capitalized(what)} of {What} gives length {length.ToString(CultureInfo.InvariantCulture)}: a {typeName} column's length is 1 to {MaxLength.ToString(CultureInfo.InvariantCulture)} characters (for no limit, store it as text: leave the length out).", at);
                    return null;
                }

                return $"{typeName}({length.ToString(CultureInfo.InvariantCulture)})";
            }

            private string TakesNone(string what) =>
                $"{Capitalized(what)} of {What} gives a type modifier, but its column is {SqlTypes.SqlType(_column.Type)} ({ClrType}), which takes none: remove it. Modifiers: precision and scale of a decimal, [MaxLength] of a string, fractional digits of the seconds of DateTime, DateTimeOffset, TimeOnly and TimeSpan.";

            private static string Capitalized(string what) => what.Length > 0 && char.IsLower(what[0]) ? char.ToUpperInvariant(what[0]) + what.Substring(1) : what;

            // A modifier too large for an int is out of every range: int.MaxValue says so.
            private static int? Integer(Group group)
            {
                if (!group.Success)
                {
                    return null;
                }

                return int.TryParse(group.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
            }

            private static string Describe(string attribute) => attribute switch
            {
                ColumnAttribute => "[Column(TypeName = ...)]",
                MaxLengthAttribute => "[MaxLength]",
                _ => "[Precision]",
            };

            // The attributes' metadata names are their display names (none is nested or generic).
            private static AttributeRef At(string attribute, string? argument) => new(attribute, 0, argument);

            private void Report(string message, AttributeRef at) =>
                _problems.Add(new TableProblem(_fullName, RuleIds.TypeModifierNotValid, message, ProblemTarget.SchemaAttribute, _property.Name, Skipped: false, At: at));
        }
    }
}
