using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    internal static partial class Parser
    {
        public const string IndexAttribute = "ShardGen.IndexAttribute";
        public const string UniqueAttribute = "ShardGen.UniqueAttribute";
        public const string CheckAttribute = "ShardGen.CheckAttribute";
        public const string ForeignKeyAttribute = "ShardGen.ForeignKeyAttribute";
        public const string DefaultAttribute = "ShardGen.DefaultAttribute";
        public const string DefaultSqlAttribute = "ShardGen.DefaultSqlAttribute";

        /// <summary>PostgreSQL's longest identifier, in bytes (NAMEDATALEN - 1): a longer name is truncated, so two names could become one.</summary>
        internal const int MaxIdentifierBytes = 63;

        /// <summary>
        /// Reads what a table type declares besides its columns and keys: <c>[Index]</c>, <c>[Unique]</c>, <c>[Check]</c>,
        /// <c>[ForeignKey]</c> on the type and <c>[Default]</c>, <c>[DefaultSql]</c> on its properties. Property names become
        /// column names; unnamed objects get PostgreSQL's default names. A bad one is reported and left out; the table keeps
        /// its code (so that the rest of the user's code still compiles while the error is shown).
        /// </summary>
        private sealed class TableObjectReader
        {
            private readonly INamedTypeSymbol _type;
            private readonly string _fullName;
            private readonly string _tableName;
            private readonly List<IPropertySymbol> _properties;
            private readonly List<ColumnSpec> _columns;
            private readonly int _distributionKey;
            private readonly List<TableProblem> _problems;

            // Every index and constraint name of the table, with the primary key's: PostgreSQL refuses a second.
            private readonly HashSet<string> _names = new(StringComparer.Ordinal);

            public TableObjectReader(INamedTypeSymbol type, string fullName, string tableName, List<IPropertySymbol> properties, List<ColumnSpec> columns, int distributionKey, List<TableProblem> problems)
            {
                _type = type;
                _fullName = fullName;
                _tableName = tableName;
                _properties = properties;
                _columns = columns;
                _distributionKey = distributionKey;
                _problems = problems;
                _names.Add(tableName + "_pkey");
            }

            public List<IndexSpec> Indexes { get; } = new();

            public List<UniqueSpec> UniqueConstraints { get; } = new();

            public List<CheckSpec> CheckConstraints { get; } = new();

            public List<ForeignKeySpec> ForeignKeys { get; } = new();

            public void Read()
            {
                ReadDefaults();

                // Names are taken in the order PostgreSQL creates the objects (CREATE TABLE's constraints, then indexes,
                // then foreign keys), so that the one PostgreSQL would refuse is the one reported.
                ReadAll(UniqueAttribute, ReadUnique);
                ReadAll(CheckAttribute, ReadCheck);
                ReadAll(IndexAttribute, ReadIndex);
                ReadAll(ForeignKeyAttribute, ReadForeignKey);
            }

            private void ReadAll(string attributeName, Action<AttributeData, int> read)
            {
                var ordinal = 0;
                foreach (var attribute in _type.GetAttributes())
                {
                    if (IsAttribute(attribute, attributeName))
                    {
                        // A constructor the compiler could not bind is its own compile error: nothing to add.
                        if (attribute.AttributeConstructor is not null)
                        {
                            read(attribute, ordinal);
                        }

                        ordinal++;
                    }
                }
            }

            private void ReadIndex(AttributeData attribute, int ordinal)
            {
                var at = new AttributeRef(IndexAttribute, ordinal);
                var expression = NamedString(attribute, "Expression");
                if (!TryColumns(attribute.ConstructorArguments[0], at with { Argument = "propertyNames" }, "[Index]", out var columns)
                    || !TryColumns(Named(attribute, "Include"), at with { Argument = "Include" }, "Include of [Index]", out var include))
                {
                    return;
                }

                if (columns.Count == 0 && string.IsNullOrWhiteSpace(expression))
                {
                    Report(RuleIds.TableObjectIsEmpty, $"[Index] of '{_type.Name}' has no key: name its properties (e.g. [Index(nameof(Email))]) or give an Expression.", at);
                    return;
                }

                var isUnique = Named(attribute, "IsUnique").Value is true;
                var method = Named(attribute, "Method").Value is int m ? (IndexMethod)m : IndexMethod.BTree;
                var name = NamedString(attribute, "Name") ?? DefaultName(columns, string.IsNullOrWhiteSpace(expression) ? null : "expr", isUnique ? "key" : "idx");
                if (!Enum.IsDefined(typeof(IndexMethod), method))
                {
                    Report(RuleIds.IndexMethodNotSupported, $"Method of index '{name}' of '{_type.Name}' is not an IndexMethod member: use IndexMethod.BTree, Hash, Gin, Gist, SpGist or Brin.", at with { Argument = "Method" });
                    return;
                }

                if (isUnique && method != IndexMethod.BTree)
                {
                    Report(RuleIds.IndexMethodNotSupported, $"Unique index '{name}' of '{_type.Name}' uses {MethodName(method)}, but only btree indexes can be unique in PostgreSQL: leave Method out, or drop IsUnique.", at with { Argument = "Method" });
                    return;
                }

                if (include.Count > 0 && method is not (IndexMethod.BTree or IndexMethod.Gist or IndexMethod.SpGist))
                {
                    Report(RuleIds.IndexMethodNotSupported, $"Index '{name}' of '{_type.Name}' has Include columns but uses {MethodName(method)}, which cannot carry them: INCLUDE is for btree, gist and spgist indexes. Drop Include, or use another method.", at with { Argument = "Include" });
                    return;
                }

                if (isUnique && !CheckUniqueHasDistributionKey("Unique index", name, columns, at))
                {
                    return;
                }

                if (TryName(name, "Index", at))
                {
                    Indexes.Add(new IndexSpec(name, columns.ToEquatableArray(), isUnique, method, string.IsNullOrWhiteSpace(expression) ? null : expression, include.ToEquatableArray(), NonEmpty(NamedString(attribute, "Where")), ordinal));
                }
            }

            private void ReadUnique(AttributeData attribute, int ordinal)
            {
                var at = new AttributeRef(UniqueAttribute, ordinal);
                if (!TryColumns(attribute.ConstructorArguments[0], at with { Argument = "propertyNames" }, "[Unique]", out var columns))
                {
                    return;
                }

                if (columns.Count == 0)
                {
                    Report(RuleIds.TableObjectIsEmpty, $"[Unique] of '{_type.Name}' names no property: name the properties that are unique together, e.g. [Unique(nameof(TenantId), nameof(Email))].", at);
                    return;
                }

                var name = NamedString(attribute, "Name") ?? DefaultName(columns, null, "key");
                if (CheckUniqueHasDistributionKey("Unique constraint", name, columns, at) && TryName(name, "Unique constraint", at))
                {
                    UniqueConstraints.Add(new UniqueSpec(name, columns.ToEquatableArray(), ordinal));
                }
            }

            private void ReadCheck(AttributeData attribute, int ordinal)
            {
                var at = new AttributeRef(CheckAttribute, ordinal);
                var name = attribute.ConstructorArguments[0].Value as string ?? string.Empty;
                if (attribute.ConstructorArguments[1].Value is not string sql || string.IsNullOrWhiteSpace(sql))
                {
                    Report(RuleIds.TableObjectIsEmpty, $"Check constraint '{name}' of '{_type.Name}' has no expression: give the condition every row meets, e.g. [Check(\"{_tableName}_total_not_negative\", \"total >= 0\")].", at with { Argument = "sql" });
                    return;
                }

                if (TryName(name, "Check constraint", at with { Argument = "name" }))
                {
                    CheckConstraints.Add(new CheckSpec(name, sql));
                }
            }

            private void ReadForeignKey(AttributeData attribute, int ordinal)
            {
                var at = new AttributeRef(ForeignKeyAttribute, ordinal);

                // typeof of a type that does not exist is the compiler's error.
                if (attribute.ConstructorArguments[0].Value is not INamedTypeSymbol principal || principal.TypeKind == TypeKind.Error
                    || !TryColumns(attribute.ConstructorArguments[1], at with { Argument = "propertyNames" }, "[ForeignKey]", out var columns))
                {
                    return;
                }

                if (columns.Count == 0)
                {
                    Report(RuleIds.TableObjectIsEmpty, $"[ForeignKey] of '{_type.Name}' to {principal.Name} names no property: name the properties that hold {principal.Name}'s primary key, in its order.", at);
                    return;
                }

                var onDelete = Named(attribute, "OnDelete").Value is int action ? (ReferentialAction)action : ReferentialAction.NoAction;
                var name = NamedString(attribute, "Name") ?? DefaultName(columns, null, "fkey");
                if (!Enum.IsDefined(typeof(ReferentialAction), onDelete))
                {
                    Report(RuleIds.ForeignKeyActionNotSupported, $"OnDelete of foreign key '{name}' of '{_type.Name}' is not a ReferentialAction member.", at with { Argument = "OnDelete" });
                    return;
                }

                if (onDelete is ReferentialAction.SetNull or ReferentialAction.SetDefault && _distributionKey >= 0 && columns.Contains(_distributionKey))
                {
                    Report(RuleIds.ForeignKeyActionNotSupported,
                        $"Foreign key '{name}' of distributed table '{_tableName}' includes its distribution key '{_columns[_distributionKey].PropertyName}', so ON DELETE {(onDelete == ReferentialAction.SetNull ? "SET NULL" : "SET DEFAULT")} would move rows between shards. Citus: \"SET NULL or SET DEFAULT is not supported in ON DELETE operation when distribution key is included in the foreign key constraint\". Use NoAction, Restrict or Cascade.",
                        at with { Argument = "OnDelete" });
                    return;
                }

                if (TryName(name, "Foreign key", at))
                {
                    ForeignKeys.Add(new ForeignKeySpec(name, columns.ToEquatableArray(), principal.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), onDelete, ordinal));
                }
            }

            private void ReadDefaults()
            {
                for (var i = 0; i < _properties.Count; i++)
                {
                    var property = _properties[i];
                    var value = property.GetAttributes().FirstOrDefault(a => IsAttribute(a, DefaultAttribute) && a.AttributeConstructor is not null);
                    var sql = property.GetAttributes().FirstOrDefault(a => IsAttribute(a, DefaultSqlAttribute) && a.AttributeConstructor is not null);
                    if (value is not null && sql is not null)
                    {
                        Report(RuleIds.DefaultNotValid, $"Property '{property.Name}' of '{_type.Name}' has both [Default] and [DefaultSql]: a column has one default. Keep one.", new AttributeRef(DefaultSqlAttribute, 0), property.Name);
                        continue;
                    }

                    if (value is not null)
                    {
                        var literal = DefaultLiteral(_columns[i], value.ConstructorArguments[0]);
                        if (literal is null)
                        {
                            Report(RuleIds.DefaultNotValid,
                                $"[Default] of property '{property.Name}' of '{_type.Name}' is {Describe(value.ConstructorArguments[0])}, which does not fit its {property.Type.ToDisplayString()} column '{_columns[i].ColumnName}': give a constant of the property's type (an enum member for an enum), or a server expression with [DefaultSql] (dates, times, Guid, byte[]).",
                                new AttributeRef(DefaultAttribute, 0, "value"), property.Name);
                            continue;
                        }

                        _columns[i] = _columns[i] with { DefaultSql = literal };
                    }
                    else if (sql is not null)
                    {
                        if (sql.ConstructorArguments[0].Value is not string text || string.IsNullOrWhiteSpace(text))
                        {
                            Report(RuleIds.DefaultNotValid, $"[DefaultSql] of property '{property.Name}' of '{_type.Name}' is empty: give a PostgreSQL expression such as now() or gen_random_uuid(), or remove it.", new AttributeRef(DefaultSqlAttribute, 0, "sql"), property.Name);
                            continue;
                        }

                        _columns[i] = _columns[i] with { DefaultSql = text };
                    }
                }
            }

            /// <summary>The columns of a list of property names; false (reported on the name) when one names no mapped property.</summary>
            private bool TryColumns(TypedConstant names, AttributeRef at, string what, out List<int> columns)
            {
                columns = new List<int>();
                if (names.Kind != TypedConstantKind.Array || names.IsNull)
                {
                    return true;
                }

                for (var i = 0; i < names.Values.Length; i++)
                {
                    var name = names.Values[i].Value as string;
                    var column = name is null ? -1 : _columns.FindIndex(c => c.PropertyName == name);
                    if (column < 0)
                    {
                        Report(RuleIds.TableObjectNamesNoProperty,
                            $"'{name}' in {what} of '{_type.Name}' names no stored property of it: name a property with nameof (a [NotMapped] property has no column; an index on an expression goes in Expression).",
                            at with { Element = i });
                        return false;
                    }

                    columns.Add(column);
                }

                return true;
            }

            /// <summary>
            /// Citus refuses a unique index or constraint of a distributed table without the distribution column: each shard
            /// enforces uniqueness among its own rows only, so two rows with other keys could hold the same values.
            /// </summary>
            private bool CheckUniqueHasDistributionKey(string what, string name, List<int> columns, AttributeRef at)
            {
                if (_distributionKey < 0 || columns.Contains(_distributionKey))
                {
                    return true;
                }

                var key = _columns[_distributionKey].PropertyName;
                Report(RuleIds.UniqueWithoutDistributionKey,
                    $"{what} '{name}' of distributed table '{_tableName}' does not include its distribution key '{key}'. Citus: \"Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column\": each shard enforces uniqueness among its own rows only. Add nameof({key}) to its properties (unique per {key}), or make the table a reference table.",
                    at);
                return false;
            }

            private bool TryName(string name, string what, AttributeRef at)
            {
                var nameAt = at.Argument is null ? at with { Argument = "Name" } : at;
                if (name.Length == 0)
                {
                    Report(RuleIds.TableObjectNameNotValid, $"{what} of '{_type.Name}' has an empty name: give it a name, or leave Name out for PostgreSQL's default.", nameAt);
                    return false;
                }

                var bytes = Encoding.UTF8.GetByteCount(name);
                if (bytes > MaxIdentifierBytes)
                {
                    Report(RuleIds.TableObjectNameNotValid,
                        $"{what} name '{name}' of '{_type.Name}' is {bytes.ToString(CultureInfo.InvariantCulture)} bytes; PostgreSQL cuts names at {MaxIdentifierBytes.ToString(CultureInfo.InvariantCulture)}. Give it a shorter Name.",
                        nameAt);
                    return false;
                }

                if (!_names.Add(name))
                {
                    Report(RuleIds.TableObjectNameTaken,
                        $"{what} name '{name}' is taken by another index or constraint of table '{_tableName}' (or by its primary key): give one of them another Name.",
                        nameAt);
                    return false;
                }

                return true;
            }

            /// <summary>PostgreSQL's default name: <c>{table}_{column}_..._{suffix}</c>, <c>expr</c> standing for an expression key.</summary>
            private string DefaultName(List<int> columns, string? expression, string suffix)
            {
                var parts = new List<string> { _tableName };
                parts.AddRange(columns.Select(c => _columns[c].ColumnName));
                if (expression is not null)
                {
                    parts.Add(expression);
                }

                parts.Add(suffix);
                return string.Join("_", parts);
            }

            private void Report(string rule, string message, AttributeRef at, string? member = null) =>
                _problems.Add(new TableProblem(_fullName, rule, message, ProblemTarget.SchemaAttribute, member, Skipped: false, At: at));
        }

        private static TypedConstant Named(AttributeData attribute, string name)
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == name)
                {
                    return named.Value;
                }
            }

            return default;
        }

        private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

        private static string MethodName(IndexMethod method) => method.ToString().ToLowerInvariant();

        private static string Describe(TypedConstant value) => value.IsNull
            ? "null"
            : value.Kind == TypedConstantKind.Array || value.Type is null
                ? "an array"
                : $"{value.Type.ToDisplayString()} {value.ToCSharpString()}";

        /// <summary>
        /// A <c>[Default]</c> value as a PostgreSQL literal of the column's type: numbers in invariant culture, booleans as
        /// <c>true</c>/<c>false</c>, strings quoted with <c>'</c> doubled, enums (of the property's own enum type) as their
        /// number. Null when the value does not fit the column.
        /// </summary>
        internal static string? DefaultLiteral(ColumnSpec column, TypedConstant value)
        {
            if (value.IsNull || value.Kind is TypedConstantKind.Array or TypedConstantKind.Type or TypedConstantKind.Error)
            {
                return null;
            }

            if (column.EnumTypeName is not null || value.Kind == TypedConstantKind.Enum)
            {
                return value.Kind == TypedConstantKind.Enum
                    && value.Type?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == column.EnumTypeName
                    && Integral(value.Value) is { } number
                        ? number.ToString(CultureInfo.InvariantCulture)
                        : null;
            }

            var integral = Integral(value.Value);
            switch (column.Type)
            {
                case ColumnType.Boolean:
                    return value.Value is bool flag ? (flag ? "true" : "false") : null;
                case ColumnType.String:
                    return value.Value is string text ? SqlText.Literal(text) : null;
                case ColumnType.Decimal:
                    if (integral is { } whole)
                    {
                        return whole.ToString(CultureInfo.InvariantCulture);
                    }

                    // Attribute arguments cannot be decimal: a double (or float) literal stands for it, and the decimal
                    // conversion rounds it to its shortest form (0.1 stays 0.1).
                    return value.Value switch
                    {
                        double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e28 => ((decimal)d).ToString(CultureInfo.InvariantCulture),
                        float f when !float.IsNaN(f) && !float.IsInfinity(f) && Math.Abs(f) < 7.9e28f => ((decimal)f).ToString(CultureInfo.InvariantCulture),
                        _ => null,
                    };
                case ColumnType.Single:
                    return integral is { } i32 ? i32.ToString(CultureInfo.InvariantCulture)
                        : value.Value is float single ? Floating(single, single.ToString("R", CultureInfo.InvariantCulture))
                        : value.Value is double narrowed ? Floating(narrowed, ((float)narrowed).ToString("R", CultureInfo.InvariantCulture))
                        : null;
                case ColumnType.Double:
                    return integral is { } i64 ? i64.ToString(CultureInfo.InvariantCulture)
                        : value.Value is double wide ? Floating(wide, wide.ToString("R", CultureInfo.InvariantCulture))
                        : value.Value is float widened ? Floating(widened, widened.ToString("R", CultureInfo.InvariantCulture))
                        : null;
                default:
                    return integral is { } n && IntegralRange(column.Type) is { } range && n >= range.Min && n <= range.Max
                        ? n.ToString(CultureInfo.InvariantCulture)
                        : null;
            }
        }

        /// <summary>A floating-point literal; PostgreSQL spells the special values as quoted strings.</summary>
        private static string Floating(double value, string text) =>
            double.IsNaN(value) ? "'NaN'"
            : double.IsPositiveInfinity(value) ? "'Infinity'"
            : double.IsNegativeInfinity(value) ? "'-Infinity'"
            : text;

        private static long? Integral(object? value) => value switch
        {
            int i => i,
            long l => l,
            short s => s,
            byte b => b,
            sbyte sb => sb,
            ushort us => us,
            uint ui => ui,
            ulong ul when ul <= long.MaxValue => (long)ul,
            _ => null,
        };

        private static (long Min, long Max)? IntegralRange(ColumnType type) => type switch
        {
            ColumnType.Int16 => (short.MinValue, short.MaxValue),
            ColumnType.Byte => (byte.MinValue, byte.MaxValue),
            ColumnType.SByte => (sbyte.MinValue, sbyte.MaxValue),
            ColumnType.Int32 => (int.MinValue, int.MaxValue),
            ColumnType.UInt16 => (ushort.MinValue, ushort.MaxValue),
            ColumnType.Int64 => (long.MinValue, long.MaxValue),
            ColumnType.UInt32 => (uint.MinValue, uint.MaxValue),
            _ => null,
        };
    }
}
