using ShardGen.Tests.Infrastructure;
using Npgsql;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

[Collection("sharded")]
public sealed class PlacementTests(ShardedDatabaseFixture fixture)
{
    private readonly ShardDatabase _db = fixture.Db;

    // The accounts table belongs to this test alone: it checks the exact set of keys the shards hold.
    [Fact]
    public async Task Ten_thousand_rows_sit_in_the_shard_whose_range_holds_their_hash_on_the_worker_the_metadata_names()
    {
        var random = new Random(20261125);
        var keys = new HashSet<long>();
        while (keys.Count < 10_000)
        {
            keys.Add(random.NextInt64(long.MinValue, long.MaxValue));
        }

        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, ct) =>
            await _db.Accounts.InsertAsync(new Account(key, 1, $"owner {key}", 10m), ct));

        var shards = await ShardMetadata.ShardsAsync(fixture.Cluster.CoordinatorConnectionString, "accounts");
        Assert.Equal(32, shards.Count);
        var workerByPort = fixture.Cluster.Workers.ToDictionary(w => w.Port, w => w.ConnectionString);
        var found = new HashSet<long>();
        foreach (var shard in shards)
        {
            var shardTable = $"accounts_{shard.ShardId}";
            Assert.Equal(HashRanges.MinHash(shard.Index, 32), shard.Min);
            Assert.Equal(HashRanges.MaxHash(shard.Index, 32), shard.Max);

            // The shard table exists on the worker the metadata names, and on no other.
            foreach (var (port, connectionString) in workerByPort)
            {
                var exists = await Sql.ScalarAsync<bool>(connectionString, "SELECT to_regclass($1) IS NOT NULL", shardTable);
                Assert.Equal(port == shard.Port, exists);
            }

            var worker = workerByPort[shard.Port];
            var misplaced = await Sql.ScalarAsync<long>(worker,
                $"SELECT count(*) FROM \"{shardTable}\" WHERE hashint8(tenant_id) NOT BETWEEN $1 AND $2", shard.Min, shard.Max);
            Assert.Equal(0, misplaced);
            foreach (var row in await Sql.QueryAsync(worker, $"SELECT tenant_id FROM \"{shardTable}\""))
            {
                Assert.True(found.Add((long)row[0]!), $"key {row[0]} is in more than one shard");
            }
        }

        Assert.True(keys.SetEquals(found), $"{keys.Except(found).Count()} keys are missing from the shards, {found.Except(keys).Count()} are unexpected");

        // Shards are spread round-robin over the two workers.
        Assert.Equal(16, shards.Count(s => s.Port == fixture.Cluster.Workers[0].Port));
        Assert.Equal(16, shards.Count(s => s.Port == fixture.Cluster.Workers[1].Port));
    }

    [Fact]
    public async Task Every_key_type_lands_in_the_range_PostgreSQL_computes_for_it()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            await _db.Counters.InsertAsync(new Counter(random.Next(int.MinValue, int.MaxValue), i, i));
            await _db.Vouchers.InsertAsync(new Voucher($"V-{random.Next()}-ü-{i}", i, "holder"));
            await _db.Readings.InsertAsync(new Reading(Guid.NewGuid(), i, i / 3.0, DateTimeOffset.UtcNow));
        }

        foreach (var (table, column, hash) in new[] { ("counters", "region", "hashint4"), ("vouchers", "code", "hashtext"), ("readings", "device_id", "uuid_hash") })
        {
            var total = 0L;
            foreach (var shard in await ShardMetadata.ShardsAsync(fixture.Cluster.CoordinatorConnectionString, table))
            {
                var worker = fixture.Cluster.Workers.Single(w => w.Port == shard.Port).ConnectionString;
                var counts = (await Sql.QueryAsync(worker,
                    $"SELECT count(*), count(*) FILTER (WHERE {hash}({column}) NOT BETWEEN $1 AND $2) FROM \"{table}_{shard.ShardId}\"", shard.Min, shard.Max))[0];
                Assert.Equal(0L, counts[1]);
                total += (long)counts[0]!;
            }

            Assert.True(total >= 500, $"{table}: {total} rows found in the shards");
        }
    }

    [Fact]
    public async Task Colocated_tables_share_a_worker_for_every_shard_and_other_groups_are_separate()
    {
        var coordinator = fixture.Cluster.CoordinatorConnectionString;
        var accounts = await ShardMetadata.ShardsAsync(coordinator, "accounts");
        var entries = await ShardMetadata.ShardsAsync(coordinator, "entries");
        Assert.Equal(accounts.Select(s => s.Port), entries.Select(s => s.Port));
        Assert.Equal(accounts.Select(s => (s.Min, s.Max)), entries.Select(s => (s.Min, s.Max)));

        var groups = await Sql.QueryAsync(coordinator,
            "SELECT t.table_name, g.name FROM shardgen.tables t JOIN shardgen.colocation_groups g USING (group_id) ORDER BY 1");
        var groupOf = groups.ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal(groupOf["accounts"], groupOf["entries"]);
        Assert.Equal(groupOf["accounts"], groupOf["all_types"]);
        Assert.NotEqual(groupOf["accounts"], groupOf["counters"]);
        Assert.Equal("readings", groupOf["readings"]);
    }

    [Fact]
    public async Task A_row_written_straight_into_the_wrong_shard_table_is_refused_by_its_check_constraint()
    {
        var map = await fixture.Source.GetShardMapAsync();
        const long key = 123456789;
        var right = map.Route(EntryRepository.Definition, key);
        var wrong = map.Shards(EntryRepository.Definition).First(s => s.ShardIndex != right.ShardIndex && s.Node == right.Node);

        await using var connection = await wrong.OpenConnectionAsync();
        await using var command = new NpgsqlCommand($"INSERT INTO {Identifiers.Quote(wrong.ShardTable)} (tenant_id, id, account_id, amount) VALUES ($1, 1, 7, 0)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);

        await using var rightConnection = await right.OpenConnectionAsync();
        await using var rightCommand = new NpgsqlCommand($"INSERT INTO {Identifiers.Quote(right.ShardTable)} (tenant_id, id, account_id, amount) VALUES ($1, 1, 7, 0)", rightConnection);
        rightCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
        Assert.Equal(1, await rightCommand.ExecuteNonQueryAsync());
        Assert.Equal(7, (await _db.Entries.GetAsync(key, 1))?.AccountId);
    }
}
