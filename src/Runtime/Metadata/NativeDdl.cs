using System.Globalization;
using System.Text;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The DDL of the native cluster: one table per shard on the worker that holds it, each with a
/// CHECK that its rows' key hash lies in the shard's range (so a misrouted row is refused by the
/// server); reference tables on every node; local tables on the coordinator. Each copy has the
/// table's indexes and constraints; a shard's are named after the shard (<c>orders_email_key_102008</c>).
/// </summary>
public static class NativeDdl
{
    /// <summary><c>CREATE TABLE</c> of one shard table, with its hash-range check.</summary>
    public static string CreateShardTable(TableDefinition table, long shardId, int minHash, int maxHash)
    {
        ArgumentNullException.ThrowIfNull(table);
        return CreateShardTable(TableShape.Of(table), table.KeyType, Identifiers.ShardTable(table.Name, shardId), shardId, minHash, maxHash);
    }

    /// <summary><c>CREATE TABLE</c> of a reference or local table (or of a table Citus then distributes).</summary>
    public static string CreateTable(TableDefinition table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return TableDdl.CreateTable(TableShape.Of(table), table.Name, null);
    }

    /// <summary>The statements each node runs for the model under <paramref name="map"/>, coordinator first.</summary>
    public static IReadOnlyList<(Node Node, IReadOnlyList<string> Statements)> ByNode(SchemaDefinition schema, ShardMap map) =>
        ByNode(schema, map, TableShape.Of, foreignKeys: true);

    /// <summary>
    /// As <see cref="ByNode(SchemaDefinition, ShardMap)"/>, each table in the shape <paramref name="shapeOf"/> gives: an apply
    /// creates a new copy of a table the cluster has (a new worker's reference copy) in the cluster's shape. Tables, then
    /// their indexes (<c>IF NOT EXISTS</c>: a copy that has them is left as it is); foreign keys, which are not
    /// idempotent statements, only when <paramref name="foreignKeys"/> (an apply adds them with the migration's checks).
    /// </summary>
    internal static IReadOnlyList<(Node Node, IReadOnlyList<string> Statements)> ByNode(SchemaDefinition schema, ShardMap map, Func<TableDefinition, TableShape> shapeOf, bool foreignKeys)
    {
        var result = new List<(Node, IReadOnlyList<string>)>();
        foreach (var node in map.Workers.Prepend(map.Coordinator))
        {
            var tables = new List<string>();
            var after = new List<string>();
            foreach (var table in schema.Tables)
            {
                var shape = shapeOf(table);
                foreach (var copy in Copies(table, map, node))
                {
                    tables.Add(copy.ShardId is { } shardId
                        ? CreateShardTable(shape, table.KeyType, copy.Physical, shardId, copy.Group!.MinHash(copy.ShardIndex), copy.Group.MaxHash(copy.ShardIndex))
                        : TableDdl.CreateTable(shape, copy.Physical, null));
                    after.AddRange(shape.Indexes.Select(index => TableDdl.CreateIndex(index, copy.Physical, copy.ShardId, concurrently: false)));
                    if (foreignKeys)
                    {
                        after.AddRange(shape.ForeignKeys.Select(key =>
                            TableDdl.AddForeignKey(key, copy.Physical, copy.ShardId, ReferencedCopy(schema, map, key, copy.ShardIndex), notValid: false)));
                    }
                }
            }

            result.Add((node, [.. tables, .. after]));
        }

        return result;
    }

    /// <summary>A physical copy of a table on one node: a shard table (with its id and index) or the table itself.</summary>
    internal readonly record struct Copy(string Physical, long? ShardId, int ShardIndex, ColocationGroup? Group);

    /// <summary>The copies of <paramref name="table"/> that <paramref name="node"/> holds under <paramref name="map"/>.</summary>
    internal static IEnumerable<Copy> Copies(TableDefinition table, ShardMap map, Node node)
    {
        var isCoordinator = ReferenceEquals(node, map.Coordinator);
        switch (table.Kind)
        {
            case TableKind.Distributed when !isCoordinator:
                var routes = map.RoutesOf(table);
                var group = routes.Group!;
                for (var shard = 0; shard < group.ShardCount; shard++)
                {
                    if (ReferenceEquals(group.NodeOfShard(shard), node))
                    {
                        yield return new Copy(routes.ShardTables[shard], routes.ShardIds[shard], shard, group);
                    }
                }

                break;
            case TableKind.Reference:
            case TableKind.Local when isCoordinator:
                yield return new Copy(table.Name, null, -1, null);
                break;
        }
    }

    /// <summary>The copy a foreign key of a copy references on the same node: the same shard of a colocated table, or the table itself.</summary>
    internal static string ReferencedCopy(SchemaDefinition schema, ShardMap map, ForeignKeyDefinition key, int shardIndex) =>
        schema.TryGetTable(key.ReferencedTable, out var referenced) && referenced.Kind == TableKind.Distributed
            ? map.RoutesOf(referenced).ShardTables[shardIndex]
            : key.ReferencedTable;

    internal static string CreateShardTable(TableShape shape, DistributionKeyType keyType, string shardTable, long shardId, int minHash, int maxHash) =>
        TableDdl.CreateTable(shape, shardTable, shardId, string.Create(CultureInfo.InvariantCulture,
            $"CONSTRAINT {Identifiers.Quote(shardTable + "_hash_range")} CHECK ({keyType.HashFunction()}({Identifiers.Quote(shape.DistributionColumn!)}) BETWEEN {minHash} AND {maxHash})"));

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
