using System.Globalization;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// Shard ranges come from the metadata, not from a formula: once a range boundary moves (as a shard split or
/// a tenant isolation moves it, on Citus or natively), every key is routed to the shard whose recorded range
/// holds its hash — which the shard tables' own CHECK constraints confirm — and metadata whose ranges leave a
/// gap is refused.
/// </summary>
public sealed class ShardRangeTests
{
    private const int Shards = 4;

    [Fact]
    public async Task Keys_are_routed_by_the_ranges_the_metadata_records_after_a_boundary_moved()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using (var setup = ShardedDatabaseFixture.CreateSource(cluster, shardCount: Shards))
        {
            await new ShardDatabase(setup).ApplySchemaAsync();
        }

        // Shard 0 of the int8 group gives up the upper quarter of its range to shard 1 (every table of the group).
        var tables = await Sql.ColumnAsync<string>(
            cluster.CoordinatorConnectionString,
            "SELECT t.table_name FROM shardgen.tables t JOIN shardgen.colocation_groups g USING (group_id) WHERE g.key_type = 'Int64' ORDER BY 1");
        Assert.Contains("accounts", tables);
        var boundary = HashRanges.MinHash(1, Shards) - (HashRanges.MinHash(1, Shards) - HashRanges.MinHash(0, Shards)) / 4;
        await MoveBoundaryAsync(cluster, tables, boundary);

        await using var source = ShardedDatabaseFixture.CreateSource(cluster, shardCount: Shards);
        var db = new ShardDatabase(source);
        var map = await source.GetShardMapAsync();
        foreach (var group in map.ColocationGroups.Where(g => g.KeyType == ShardGen.Model.DistributionKeyType.Int64))
        {
            Assert.Equal(boundary - 1, group.MaxHash(0));
            Assert.Equal(boundary, group.MinHash(1));
            Assert.Equal(HashRanges.MaxHash(1, Shards), group.MaxHash(1));
        }


        // Keys from all over the hash space, and many whose hash lies in the moved part.
        var keys = new List<long>();
        var random = new Random(20261203);
        while (keys.Count < 400)
        {
            keys.Add(random.NextInt64());
        }

        var moved = 0;
        for (long key = 1; moved < 100; key++)
        {
            var hash = PostgresHash.HashInt8(key);
            if (hash >= boundary && hash < HashRanges.MinHash(1, Shards))
            {
                keys.Add(key);
                moved++;
            }
        }

        // The CHECK constraints (moved with the ranges) refuse any row sent to the wrong shard.
        foreach (var key in keys)
        {
            await db.Accounts.InsertAsync(new Account(key, 1, "ranged", 1m));
        }

        var recorded = await Sql.QueryAsync(cluster.CoordinatorConnectionString,
            "SELECT shard_index, min_hash, max_hash FROM shardgen.shards WHERE table_name = 'accounts' ORDER BY shard_index");
        foreach (var key in keys)
        {
            var route = map.Route(AccountRepository.Definition, key);
            var hash = await Sql.ScalarAsync<int>(cluster.CoordinatorConnectionString, "SELECT hashint8($1)", key);
            var expected = recorded.Single(r => (int)r[1]! <= hash && hash <= (int)r[2]!);
            Assert.Equal((int)expected[0]!, route.ShardIndex);
            Assert.Equal("ranged", (await db.Accounts.GetAsync(key, 1))?.Owner);
        }

        Assert.Equal(keys.Count, await db.Accounts.CountAllAsync());
    }

    [Fact]
    public async Task Metadata_whose_ranges_leave_a_gap_is_refused_naming_the_table_and_shard()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        await using (var setup = ShardedDatabaseFixture.CreateSource(cluster, shardCount: Shards))
        {
            await new ShardDatabase(setup).ApplySchemaAsync();
        }

        await Sql.ExecuteAsync(cluster.CoordinatorConnectionString,
            "UPDATE shardgen.shards SET max_hash = max_hash - 10 WHERE table_name = 'accounts' AND shard_index = 2");
        var shardId = await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString,
            "SELECT shard_id FROM shardgen.shards WHERE table_name = 'accounts' AND shard_index = 3");

        await using var source = ShardedDatabaseFixture.CreateSource(cluster, shardCount: Shards);
        var error = await Assert.ThrowsAsync<ShardGenException>(() => source.RefreshAsync());
        Assert.Contains("table 'accounts'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"shard {shardId} (index 3)", error.Message, StringComparison.Ordinal);
        Assert.Contains("gap or an overlap", error.Message, StringComparison.Ordinal);
    }

    // What a split would record: the metadata's ranges, and each shard table's CHECK to match, in one step
    // per node while the tables are empty.
    private static async Task MoveBoundaryAsync(LocalPostgresCluster cluster, IReadOnlyList<string> tables, int boundary)
    {
        foreach (var table in tables)
        {
            var shards = await Sql.QueryAsync(cluster.CoordinatorConnectionString,
                "SELECT s.shard_id, s.shard_index, n.port FROM shardgen.shards s JOIN shardgen.placements p USING (shard_id) JOIN shardgen.nodes n USING (node_id) WHERE s.table_name = $1 AND s.shard_index IN (0, 1)",
                table);
            var column = await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT distribution_column FROM shardgen.tables WHERE table_name = $1", table);
            foreach (var shard in shards)
            {
                var index = (int)shard[1]!;
                var (min, max) = index == 0 ? (int.MinValue, boundary - 1) : (boundary, HashRanges.MaxHash(1, Shards));
                var shardTable = string.Create(CultureInfo.InvariantCulture, $"{table}_{(long)shard[0]!}");
                var worker = cluster.Workers.Single(w => w.Port == (int)shard[2]!).ConnectionString;
                await Sql.ExecuteAsync(worker, string.Create(CultureInfo.InvariantCulture,
                    $"ALTER TABLE \"{shardTable}\" DROP CONSTRAINT \"{shardTable}_hash_range\", ADD CONSTRAINT \"{shardTable}_hash_range\" CHECK (hashint8(\"{column}\") BETWEEN {min} AND {max})"));
                await Sql.ExecuteAsync(cluster.CoordinatorConnectionString,
                    "UPDATE shardgen.shards SET min_hash = $1, max_hash = $2 WHERE shard_id = $3", min, max, (long)shard[0]!);
            }
        }
    }
}
