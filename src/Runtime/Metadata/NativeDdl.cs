using System.Globalization;
using System.Text;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The DDL of the native cluster: one table per shard on the worker that holds it, each with a
/// CHECK that its rows' key hash lies in the shard's range (so a misrouted row is refused by the
/// server); reference tables on every node; local tables on the coordinator.
/// </summary>
public static class NativeDdl
{
    public static string CreateShardTable(TableDefinition table, string shardTable, int minHash, int maxHash) =>
        CreateShardTable(table, table.ColumnsDdl, shardTable, minHash, maxHash);

    public static string CreateTable(TableDefinition table) => CreateTable(table, table.ColumnsDdl);

    /// <summary>The statements each node runs for the model under <paramref name="map"/>, coordinator first.</summary>
    public static IReadOnlyList<(Node Node, IReadOnlyList<string> Statements)> ByNode(SchemaDefinition schema, ShardMap map) =>
        ByNode(schema, map, table => table.ColumnsDdl);

    /// <summary>
    /// As <see cref="ByNode(SchemaDefinition, ShardMap)"/>, with the inside of each <c>CREATE TABLE</c> given by
    /// <paramref name="columnsDdl"/>: an apply creates a new copy of a table the cluster has (a new worker's reference
    /// copy) in the cluster's shape, columns the model dropped and the order they were added in included.
    /// </summary>
    internal static IReadOnlyList<(Node Node, IReadOnlyList<string> Statements)> ByNode(SchemaDefinition schema, ShardMap map, Func<TableDefinition, string> columnsDdl)
    {
        var result = new List<(Node, IReadOnlyList<string>)>();
        var coordinator = new List<string>();
        foreach (var table in schema.Tables)
        {
            if (table.Kind is TableKind.Reference or TableKind.Local)
            {
                coordinator.Add(CreateTable(table, columnsDdl(table)));
            }
        }

        result.Add((map.Coordinator, coordinator));
        foreach (var worker in map.Workers)
        {
            var statements = new List<string>();
            foreach (var table in schema.Tables)
            {
                if (table.Kind == TableKind.Reference)
                {
                    statements.Add(CreateTable(table, columnsDdl(table)));
                }
                else if (table.Kind == TableKind.Distributed)
                {
                    var routes = map.RoutesOf(table);
                    var group = routes.Group!;
                    for (var shard = 0; shard < group.ShardCount; shard++)
                    {
                        if (ReferenceEquals(group.NodeOfShard(shard), worker))
                        {
                            statements.Add(CreateShardTable(table, columnsDdl(table), routes.ShardTables[shard],
                                group.MinHash(shard), group.MaxHash(shard)));
                        }
                    }
                }
            }

            result.Add((worker, statements));
        }

        return result;
    }

    private static string CreateShardTable(TableDefinition table, string columnsDdl, string shardTable, int minHash, int maxHash) =>
        string.Create(CultureInfo.InvariantCulture,
            $"CREATE TABLE IF NOT EXISTS {Identifiers.Quote(shardTable)} ({columnsDdl}, CONSTRAINT {Identifiers.Quote(shardTable + "_hash_range")} CHECK ({table.KeyType.HashFunction()}({Identifiers.Quote(table.DistributionColumn!)}) BETWEEN {minHash} AND {maxHash}))");

    private static string CreateTable(TableDefinition table, string columnsDdl) =>
        $"CREATE TABLE IF NOT EXISTS {Identifiers.Quote(table.Name)} ({columnsDdl})";

    /// <summary>The whole native script for a reviewer: every node's statements under a comment naming it.</summary>
    public static string Script(SchemaDefinition schema, ShardMap map)
    {
        var text = new StringBuilder();
        foreach (var (node, statements) in ByNode(schema, map))
        {
            text.Append("-- on ").Append(node.Name).Append(" (").Append(node.Host).Append(':')
                .Append(node.Port.ToString(CultureInfo.InvariantCulture)).Append(")\n");
            foreach (var statement in statements)
            {
                text.Append(statement).Append(";\n");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
