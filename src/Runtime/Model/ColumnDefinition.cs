namespace ShardGen.Model;

/// <summary>A column of a table, as the generator compiled it.</summary>
/// <param name="Name">The column name (unquoted).</param>
/// <param name="SqlType">The PostgreSQL type, e.g. <c>bigint</c>, <c>numeric</c>, <c>timestamp with time zone</c>.</param>
/// <param name="IsNullable">Whether the column admits NULL.</param>
public sealed record ColumnDefinition(string Name, string SqlType, bool IsNullable);
