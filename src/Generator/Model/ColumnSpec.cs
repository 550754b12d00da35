namespace ShardGen.Generator.Model;

/// <summary>A mapped property of a table type and the column it becomes.</summary>
/// <param name="PropertyName">The property's name as declared (unescaped).</param>
/// <param name="ColumnName">The column name, unquoted: <c>[Column]</c> or the snake_case of the property.</param>
/// <param name="Type">The stored CLR type (an enum's underlying type for an enum).</param>
/// <param name="EnumTypeName">The <c>global::</c>-qualified enum type of an enum property; null otherwise.</param>
/// <param name="IsNullable">Whether the column admits NULL (<c>int?</c>, <c>string?</c>, or a reference type outside a nullable context).</param>
/// <param name="DefaultSql">The column's default as PostgreSQL text (<c>[Default]</c> rendered as a literal, or <c>[DefaultSql]</c> as written); null for none.</param>
/// <param name="StoredType">
/// The PostgreSQL type with a type modifier, as <c>format_type</c> writes it (<c>numeric(12,2)</c>, <c>character varying(80)</c>,
/// <c>timestamp(3) with time zone</c>), from <c>[Precision]</c>, <c>[MaxLength]</c> or <c>[Column(TypeName = ...)]</c>; null for
/// the type's own (<see cref="SqlTypes.SqlType(ColumnType)"/>).
/// </param>
internal sealed record ColumnSpec(
    string PropertyName,
    string ColumnName,
    ColumnType Type,
    string? EnumTypeName,
    bool IsNullable,
    string? DefaultSql = null,
    string? StoredType = null);
