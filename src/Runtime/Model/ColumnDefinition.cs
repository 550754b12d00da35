namespace ShardGen.Model;

/// <summary>A column of a table, as the generator compiled it.</summary>
/// <param name="Name">The column name (unquoted).</param>
/// <param name="SqlType">The PostgreSQL type, e.g. <c>bigint</c>, <c>numeric</c>, <c>timestamp with time zone</c>.</param>
/// <param name="IsNullable">Whether the column admits NULL.</param>
public sealed record ColumnDefinition(string Name, string SqlType, bool IsNullable)
{
    /// <summary>The column's default as a PostgreSQL expression (<c>0</c>, <c>'new'</c>, <c>now()</c>); null for none.</summary>
    public string? DefaultSql { get; init; }
}
