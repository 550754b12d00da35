using System.Globalization;
using ShardGen.Model;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Citus;

/// <summary>
/// ShardGen's routing agrees with a real Citus cluster: for the shard ranges Citus records in
/// <c>pg_dist_shard</c> — uniform when a table is distributed, no longer uniform once a tenant is isolated
/// to a shard of its own — every key goes to the shard Citus itself names
/// (<c>get_shard_id_for_distribution_column</c>). Runs against the Citus coordinator given in
/// <c>SHARDGEN_CITUS_COORDINATOR</c> (an Npgsql connection string); reports itself skipped without one.
/// </summary>
public sealed class CitusPlacementTests
{
    private const string NoCitus = CitusFixture.NoCitus;

    private static string? Coordinator => CitusFixture.Coordinator;

    [SkippableTheory]
    [InlineData("bigint")]
    [InlineData("integer")]
    [InlineData("text")]
    [InlineData("uuid")]
    public async Task Keys_go_to_the_shard_Citus_names_before_and_after_a_tenant_is_isolated(string keyType)
    {
        Skip.If(Coordinator is null, NoCitus);
        var coordinator = Coordinator!;
        var table = $"shardgen_placement_{keyType}_{Environment.ProcessId}";
        await Sql.ExecuteAsync(coordinator, $"DROP TABLE IF EXISTS {table}");
        await Sql.ExecuteAsync(coordinator, $"CREATE TABLE {table} (k {keyType} NOT NULL, v int)");
        try
        {
            await Sql.ExecuteAsync(coordinator, $"SELECT create_distributed_table('{table}', 'k', shard_count => 32, colocate_with => 'none')");
            var random = new Random(20261203);
            var keys = Enumerable.Range(0, 2000).Select(_ => Key(keyType, random)).ToList();
            Assert.Equal(32, await AgreeingKeysAsync(coordinator, table, keyType, keys, expectUniform: true));

            // One tenant gets a shard of its own: the shard that held it is split in three.
            await Sql.ExecuteAsync(coordinator, $"SELECT isolate_tenant_to_new_shard('{table}', $1::{keyType}, cascade_option => 'CASCADE', shard_transfer_mode => 'block_writes')", keys[0].ToString()!);
            Assert.Equal(34, await AgreeingKeysAsync(coordinator, table, keyType, keys, expectUniform: false));
        }
        finally
        {
            await Sql.ExecuteAsync(coordinator, $"DROP TABLE IF EXISTS {table}");
        }
    }

    // Builds a colocation group from the ranges Citus records, routes every key with it and asks Citus for
    // each key's shard; returns the number of shards.
    private static async Task<int> AgreeingKeysAsync(string coordinator, string table, string keyType, IReadOnlyList<object> keys, bool expectUniform)
    {
        var shards = await Sql.QueryAsync(coordinator,
            $"SELECT shardid, shardminvalue::int, shardmaxvalue::int FROM pg_dist_shard WHERE logicalrelid = '{table}'::regclass ORDER BY shardminvalue::int");
        var type = keyType switch
        {
            "bigint" => DistributionKeyType.Int64,
            "integer" => DistributionKeyType.Int32,
            "text" => DistributionKeyType.Text,
            _ => DistributionKeyType.Uuid,
        };
        var minHashes = shards.Select(s => (int)s[1]!).ToArray();
        var nodes = Enumerable.Repeat<Node>(null!, shards.Count).ToArray();
        var group = new ColocationGroup(1, table, type, nodes, minHashes);
        var uniform = Enumerable.Range(0, shards.Count).All(i => minHashes[i] == HashRanges.MinHash(i, shards.Count));
        Assert.Equal(expectUniform, uniform);
        for (var i = 0; i < shards.Count; i++)
        {
            Assert.Equal((int)shards[i][2]!, group.MaxHash(i));
        }

        var citusShards = await Sql.QueryAsync(coordinator,
            $"SELECT k, get_shard_id_for_distribution_column('{table}', k) FROM unnest($1::text[]::{keyType}[]) AS k",
            (object)keys.Select(k => k.ToString()!).ToArray());
        Assert.Equal(keys.Count, citusShards.Count);
        foreach (var row in citusShards)
        {
            ShardKey key = row[0] switch
            {
                long l => l,
                int i => i,
                Guid g => g,
                _ => (string)row[0]!,
            };
            var index = group.ShardIndexOf(key);
            Assert.True((long)shards[index][0]! == (long)row[1]!, $"key {row[0]}: ShardGen routes to shard {shards[index][0]}, Citus to {row[1]}");
        }

        return shards.Count;
    }

    private static object Key(string keyType, Random random) => keyType switch
    {
        "bigint" => random.NextInt64(),
        "integer" => random.Next(int.MinValue, int.MaxValue),
        "text" => string.Create(CultureInfo.InvariantCulture, $"tenant-{random.Next():x8}@example.com"),
        _ => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()),
    };
}
