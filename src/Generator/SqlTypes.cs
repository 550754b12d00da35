using System;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

/// <summary>
/// The type map: which CLR types can be columns, the PostgreSQL type each becomes, and how the row
/// mappers move values between the two.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>bool → boolean; short, byte, sbyte → smallint; int, ushort → integer; long, uint → bigint;
/// decimal → numeric; float → real; double → double precision; string → text; Guid → uuid;
/// DateTime, DateTimeOffset → timestamp with time zone; DateOnly → date; TimeOnly → time without time zone;
/// TimeSpan → interval; byte[] → bytea.</item>
/// <item>An enum is stored as its underlying integral type, mapped as above.</item>
/// <item>Unsigned types (and byte) go to the smallest signed PostgreSQL type that holds every value,
/// widened on write and narrowed with a checked conversion on read, so a value that does not fit
/// fails loudly instead of wrapping.</item>
/// <item>ulong, char and every other type are not supported: a type with such a mapped property is skipped
/// (the analyzers report it).</item>
/// </list>
/// </remarks>
internal static class SqlTypes
{
    /// <summary>Classifies a property type; false when it cannot be a column.</summary>
    /// <param name="type">The property's type.</param>
    /// <param name="columnType">The stored type (an enum's underlying type for an enum).</param>
    /// <param name="enumTypeName">The <c>global::</c>-qualified enum type; null for other types.</param>
    /// <param name="isNullableValueType">Whether the type is <c>Nullable&lt;T&gt;</c>.</param>
    public static bool TryClassify(ITypeSymbol type, out ColumnType columnType, out string? enumTypeName, out bool isNullableValueType)
    {
        columnType = default;
        enumTypeName = null;
        isNullableValueType = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            isNullableValueType = true;
            type = nullable.TypeArguments[0];
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            enumTypeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            type = underlying;
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: columnType = ColumnType.Boolean; break;
            case SpecialType.System_Int16: columnType = ColumnType.Int16; break;
            case SpecialType.System_Byte: columnType = ColumnType.Byte; break;
            case SpecialType.System_SByte: columnType = ColumnType.SByte; break;
            case SpecialType.System_Int32: columnType = ColumnType.Int32; break;
            case SpecialType.System_UInt16: columnType = ColumnType.UInt16; break;
            case SpecialType.System_Int64: columnType = ColumnType.Int64; break;
            case SpecialType.System_UInt32: columnType = ColumnType.UInt32; break;
            case SpecialType.System_Decimal: columnType = ColumnType.Decimal; break;
            case SpecialType.System_Single: columnType = ColumnType.Single; break;
            case SpecialType.System_Double: columnType = ColumnType.Double; break;
            case SpecialType.System_String: columnType = ColumnType.String; break;
            case SpecialType.System_DateTime: columnType = ColumnType.DateTime; break;
            default:
                if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
                {
                    columnType = ColumnType.ByteArray;
                }
                else if (type is INamedTypeSymbol { ContainingType: null, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } named)
                {
                    switch (named.MetadataName)
                    {
                        case "Guid": columnType = ColumnType.Guid; break;
                        case "DateTimeOffset": columnType = ColumnType.DateTimeOffset; break;
                        case "DateOnly": columnType = ColumnType.DateOnly; break;
                        case "TimeOnly": columnType = ColumnType.TimeOnly; break;
                        case "TimeSpan": columnType = ColumnType.TimeSpan; break;
                        default: return false;
                    }
                }
                else
                {
                    return false;
                }

                break;
        }

        // Enums are integral; string, byte[] and the struct types above cannot be an enum's underlying type.
        return enumTypeName is null || IsIntegral(columnType);
    }

    /// <summary>Whether a column of this type holds a reference (string, byte[]) rather than a value type.</summary>
    public static bool IsReferenceType(ColumnType type) => type == ColumnType.String || type == ColumnType.ByteArray;

    /// <summary>The PostgreSQL type of a column as its DDL writes it: with the modifier the model gives it, if any.</summary>
    public static string SqlType(ColumnSpec column) => column.StoredType ?? SqlType(column.Type);

    /// <summary>The PostgreSQL type of a column type, without a modifier.</summary>
    public static string SqlType(ColumnType type) => type switch
    {
        ColumnType.Boolean => "boolean",
        ColumnType.Int16 or ColumnType.Byte or ColumnType.SByte => "smallint",
        ColumnType.Int32 or ColumnType.UInt16 => "integer",
        ColumnType.Int64 or ColumnType.UInt32 => "bigint",
        ColumnType.Decimal => "numeric",
        ColumnType.Single => "real",
        ColumnType.Double => "double precision",
        ColumnType.String => "text",
        ColumnType.Guid => "uuid",
        ColumnType.DateTime or ColumnType.DateTimeOffset => "timestamp with time zone",
        ColumnType.DateOnly => "date",
        ColumnType.TimeOnly => "time without time zone",
        ColumnType.TimeSpan => "interval",
        ColumnType.ByteArray => "bytea",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The member of <c>NpgsqlTypes.NpgsqlDbType</c> for the column's PostgreSQL type.</summary>
    public static string NpgsqlDbType(ColumnType type) => type switch
    {
        ColumnType.Boolean => "Boolean",
        ColumnType.Int16 or ColumnType.Byte or ColumnType.SByte => "Smallint",
        ColumnType.Int32 or ColumnType.UInt16 => "Integer",
        ColumnType.Int64 or ColumnType.UInt32 => "Bigint",
        ColumnType.Decimal => "Numeric",
        ColumnType.Single => "Real",
        ColumnType.Double => "Double",
        ColumnType.String => "Text",
        ColumnType.Guid => "Uuid",
        ColumnType.DateTime or ColumnType.DateTimeOffset => "TimestampTz",
        ColumnType.DateOnly => "Date",
        ColumnType.TimeOnly => "Time",
        ColumnType.TimeSpan => "Interval",
        ColumnType.ByteArray => "Bytea",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The C# type of a property of this column type (the enum's underlying type for an enum).</summary>
    public static string ClrTypeName(ColumnType type) => type switch
    {
        ColumnType.Boolean => "bool",
        ColumnType.Int16 => "short",
        ColumnType.Byte => "byte",
        ColumnType.SByte => "sbyte",
        ColumnType.Int32 => "int",
        ColumnType.UInt16 => "ushort",
        ColumnType.Int64 => "long",
        ColumnType.UInt32 => "uint",
        ColumnType.Decimal => "decimal",
        ColumnType.Single => "float",
        ColumnType.Double => "double",
        ColumnType.String => "string",
        ColumnType.Guid => "global::System.Guid",
        ColumnType.DateTime => "global::System.DateTime",
        ColumnType.DateTimeOffset => "global::System.DateTimeOffset",
        ColumnType.DateOnly => "global::System.DateOnly",
        ColumnType.TimeOnly => "global::System.TimeOnly",
        ColumnType.TimeSpan => "global::System.TimeSpan",
        ColumnType.ByteArray => "byte[]",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The C# type Npgsql writes and reads for the column: the CLR type, widened for unsigned types and byte.</summary>
    public static string StorageTypeName(ColumnType type) => type switch
    {
        ColumnType.Byte or ColumnType.SByte => "short",
        ColumnType.UInt16 => "int",
        ColumnType.UInt32 => "long",
        _ => ClrTypeName(type),
    };

    /// <summary>Whether the storage type differs from the CLR type (a widening on write, a checked narrowing on read).</summary>
    public static bool IsWidened(ColumnType type) =>
        type == ColumnType.Byte || type == ColumnType.SByte || type == ColumnType.UInt16 || type == ColumnType.UInt32;

    /// <summary>The <c>NpgsqlDataReader</c> call that reads the storage type at <paramref name="ordinal"/>.</summary>
    public static string ReaderCall(ColumnType type, string ordinal) => type switch
    {
        ColumnType.Boolean => $"reader.GetBoolean({ordinal})",
        ColumnType.Int16 or ColumnType.Byte or ColumnType.SByte => $"reader.GetInt16({ordinal})",
        ColumnType.Int32 or ColumnType.UInt16 => $"reader.GetInt32({ordinal})",
        ColumnType.Int64 or ColumnType.UInt32 => $"reader.GetInt64({ordinal})",
        ColumnType.Decimal => $"reader.GetDecimal({ordinal})",
        ColumnType.Single => $"reader.GetFloat({ordinal})",
        ColumnType.Double => $"reader.GetDouble({ordinal})",
        ColumnType.String => $"reader.GetString({ordinal})",
        ColumnType.Guid => $"reader.GetGuid({ordinal})",
        ColumnType.DateTime => $"reader.GetDateTime({ordinal})",
        _ => $"reader.GetFieldValue<{ClrTypeName(type)}>({ordinal})",
    };

    /// <summary>The distribution key type of a column type; null when the type cannot be a distribution key.</summary>
    public static DistributionKeyType? KeyTypeOf(ColumnType type) => type switch
    {
        ColumnType.Int32 => DistributionKeyType.Int32,
        ColumnType.Int64 => DistributionKeyType.Int64,
        ColumnType.String => DistributionKeyType.Text,
        ColumnType.Guid => DistributionKeyType.Uuid,
        _ => null,
    };

    /// <summary>The name of a key type's default colocation group: PostgreSQL's short name of the type.</summary>
    public static string DefaultColocationGroup(DistributionKeyType keyType) => keyType switch
    {
        DistributionKeyType.Int32 => "int4",
        DistributionKeyType.Int64 => "int8",
        DistributionKeyType.Text => "text",
        DistributionKeyType.Uuid => "uuid",
        _ => throw new ArgumentOutOfRangeException(nameof(keyType)),
    };

    /// <summary>The PostgreSQL hash function of a key type (the one Citus uses: the type's default hash opclass).</summary>
    public static string HashFunction(DistributionKeyType keyType) => keyType switch
    {
        DistributionKeyType.Int32 => "hashint4",
        DistributionKeyType.Int64 => "hashint8",
        DistributionKeyType.Text => "hashtext",
        DistributionKeyType.Uuid => "uuid_hash",
        _ => throw new ArgumentOutOfRangeException(nameof(keyType)),
    };

    private static bool IsIntegral(ColumnType type) =>
        type is ColumnType.Int16 or ColumnType.Byte or ColumnType.SByte or ColumnType.Int32
            or ColumnType.UInt16 or ColumnType.Int64 or ColumnType.UInt32;
}
