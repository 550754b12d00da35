namespace ShardGen;

/// <summary>Quoting of PostgreSQL identifiers: every identifier ShardGen writes is quoted.</summary>
public static class Identifiers
{
    /// <summary>PostgreSQL's limit on identifier length (NAMEDATALEN - 1), in bytes.</summary>
    public const int MaxLength = 63;

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A SQL string literal of <paramref name="text"/>, for the few places a value cannot be a parameter (DDL).</summary>
    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>The physical name of a shard of a table, as Citus names it.</summary>
    public static string ShardTable(string table, long shardId) =>
        table + "_" + shardId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
