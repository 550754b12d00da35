using ShardGen.Tests.Infrastructure;
namespace ShardGen.Tests.Integration;

/// <summary>The coordinator's metadata read with plain SQL, not through ShardGen.</summary>
internal static class ShardMetadata
{
    /// <summary>Every shard of a table: id, index, hash range, and the name and port of its worker.</summary>
    public static async Task<List<(long ShardId, string Table, int Index, int Min, int Max, string Node, int Port)>> ShardsAsync(string coordinator, string table)
    {
        var rows = await Sql.QueryAsync(coordinator, """
            SELECT s.shard_id, s.table_name, s.shard_index, s.min_hash, s.max_hash, n.name, n.port
              FROM shardgen.shards s
              JOIN shardgen.placements p USING (shard_id)
              JOIN shardgen.nodes n USING (node_id)
             WHERE s.table_name = $1
             ORDER BY s.shard_index
            """, table);
        return rows.Select(r => ((long)r[0]!, (string)r[1]!, (int)r[2]!, (int)r[3]!, (int)r[4]!, (string)r[5]!, (int)r[6]!)).ToList();
    }
}
