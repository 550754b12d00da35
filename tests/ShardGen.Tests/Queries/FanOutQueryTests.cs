using Npgsql;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

[Collection("queries")]
public sealed class FanOutQueryTests(QueryFixture fixture)
{
    private readonly ShardedDataSource _source = fixture.Source;

    [Fact]
    public async Task A_fan_out_over_every_shard_returns_exactly_the_rows_the_shards_hold()
    {
        var rows = await ToListAsync(_source.Query(TestQueries.AllBalances).FanOutAsync<int, Balance>(
            null, 0, QueryFixture.BindNothing, Balance.Read, null, null, default));

        long direct = 0;
        var map = await _source.GetShardMapAsync();
        foreach (var shard in map.Shards(AccountRepository.Definition))
        {
            await using var connection = await shard.OpenConnectionAsync();
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {Identifiers.Quote(shard.ShardTable)}", connection);
            direct += (long)(await count.ExecuteScalarAsync())!;
        }

        Assert.Equal(direct, rows.Count);
        Assert.Equal(fixture.Accounts.Count, rows.Count);
        Assert.Equal(
            fixture.Accounts.Select(a => (a.TenantId, a.Id)).Order(),
            rows.Select(r => (r.TenantId, r.Id)).Order());

        var counts = await ToListAsync(_source.Query(TestQueries.CountAccounts).FanOutAsync<int, long>(
            null, 0, QueryFixture.BindNothing, static r => r.GetInt64(0), null, null, default));
        Assert.Equal(32, counts.Count);
        Assert.Equal(direct, counts.Sum());
    }

    [Fact]
    public async Task A_sorted_fan_out_merges_the_workers_sorted_rows_into_one_global_order()
    {
        var merged = await ToListAsync(_source.Query(TestQueries.BalancesDescending).FanOutAsync<int, Balance>(
            null, 0, QueryFixture.BindNothing, Balance.Read, Balance.Descending, null, default));

        var expected = (await fixture.Db.Accounts.ListAllAsync())
            .Select(a => new Balance(a.Balance, a.TenantId, a.Id))
            .OrderByDescending(b => b.Amount)
            .ToList();
        Assert.Equal(expected, merged);
    }

    [Fact]
    public async Task A_sorted_fan_out_streams_so_taking_the_first_rows_reads_only_those_and_frees_the_workers()
    {
        const int perShard = 20_000;
        var read = 0;
        var first = new List<(int Value, string Shard)>();
        await foreach (var row in _source.Query(TestQueries.ManyRowsSorted).FanOutAsync<int, (int Value, string Shard)>(
            null, perShard, BindCount,
            r =>
            {
                Interlocked.Increment(ref read);
                return (r.GetInt32(0), r.GetString(1));
            },
            static (a, b) => b.Value.CompareTo(a.Value), null, default))
        {
            first.Add(row);
            if (first.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([perShard, perShard, perShard], first.Select(r => r.Value));

        // One head row per worker plus the two rows that replaced the ones taken: not 640,000 rows.
        Assert.InRange(read, 3, 3 + 2);
        Assert.Equal(0, await QueryFixture.ActiveStatementsAsync(fixture.Cluster, "many-rows"));
        Assert.Equal(QueryFixture.AccountsOf(5), (await fixture.Db.Accounts.ListAsync(5)).Count);
    }

    [Fact]
    public async Task A_fan_out_over_some_keys_runs_only_on_the_shards_holding_them()
    {
        long[] tenants = [3, 17, 42, 43];
        var keys = tenants.Select(t => (ShardKey)t).ToArray();
        var map = await _source.GetShardMapAsync();
        var shards = tenants.Select(t => map.Route(AccountRepository.Definition, t)).ToList();
        var expectedTables = shards.Select(s => Identifiers.Quote(s.ShardTable)).ToHashSet();
        var expectedTenants = fixture.Accounts
            .Where(a => shards.Any(s => s.ShardIndex == map.Route(AccountRepository.Definition, a.TenantId).ShardIndex))
            .Select(a => a.TenantId)
            .Order()
            .ToList();

        foreach (var query in new[] { TestQueries.ShardOfEachAccount, TestQueries.ShardOfEachAccountSorted })
        {
            var rows = await ToListAsync(_source.Query(query).FanOutAsync<int, (string Table, long Tenant)>(
                keys, 0, QueryFixture.BindNothing, static r => (r.GetString(0), r.GetInt64(1)), null, null, default));

            Assert.Equal(expectedTables, rows.Select(r => r.Table).ToHashSet());
            Assert.Equal(expectedTenants, rows.Select(r => r.Tenant).Order());
            Assert.All(tenants, t => Assert.Contains(t, rows.Select(r => r.Tenant)));
        }

        // The same key twice is one shard once; no key is no statement and no row.
        var twice = await ToListAsync(_source.Query(TestQueries.CountAccounts).FanOutAsync<int, long>(
            [(ShardKey)3L, 3L], 0, QueryFixture.BindNothing, static r => r.GetInt64(0), null, null, default));
        Assert.Single(twice);
        var none = await ToListAsync(_source.Query(TestQueries.CountAccounts).FanOutAsync<int, long>(
            [], 0, QueryFixture.BindNothing, static r => r.GetInt64(0), null, null, default));
        Assert.Empty(none);
    }

    [Fact]
    public async Task A_fan_out_write_runs_on_every_shard_or_the_keys_shards_and_sums_the_rows_affected()
    {
        var bump = _source.Query(TestQueries.BumpCounters);
        Assert.Equal(60, await bump.ExecuteFanOutAsync(null, 5L, BindLong, default));

        int[] regions = [1, 2, 30];
        var map = await _source.GetShardMapAsync();
        var shardsHit = regions.Select(r => map.Route(CounterRepository.Definition, r).ShardIndex).ToHashSet();
        var inThoseShards = Enumerable.Range(1, 30).Count(r => shardsHit.Contains(map.Route(CounterRepository.Definition, r).ShardIndex)) * 2;
        Assert.Equal(inThoseShards, await bump.ExecuteFanOutAsync(regions.Select(r => (ShardKey)r).ToArray(), 1L, BindLong, default));
        Assert.Equal(0, await bump.ExecuteFanOutAsync([], 1L, BindLong, default));

        var values = new Dictionary<int, long>();
        for (var region = 1; region <= 30; region++)
        {
            values[region] = (await fixture.Db.Counters.GetAsync(region, 1))!.Value;
        }

        Assert.All(values, v => Assert.Equal(shardsHit.Contains(map.Route(CounterRepository.Definition, v.Key).ShardIndex) ? 6 : 5, v.Value));
    }

    [Fact]
    public async Task A_cancelled_fan_out_throws_OperationCanceledException_and_leaves_the_pools_usable()
    {
        using var cancellation = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var row in _source.Query(TestQueries.ManyRows).FanOutAsync(
                null, 20_000, BindCount, static r => r.GetInt32(0), null, null, cancellation.Token))
            {
                if (++seen == 10)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.Equal(10, seen);
        Assert.Equal(0, await QueryFixture.ActiveStatementsAsync(fixture.Cluster, "many-rows"));

        // A token cancelled before the first row, on a sorted fan-out.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var row in _source.Query(TestQueries.ManyRowsSorted).FanOutAsync(
                null, 20_000, BindCount, static r => r.GetInt32(0), static (a, b) => b.CompareTo(a), null, cancellation.Token))
            {
            }
        });

        // Every worker answers again on the same pools.
        var counts = await ToListAsync(_source.Query(TestQueries.CountAccounts).FanOutAsync<int, long>(
            null, 0, QueryFixture.BindNothing, static r => r.GetInt64(0), null, null, default));
        Assert.Equal(fixture.Accounts.Count, counts.Sum());
    }

    [Fact]
    public async Task A_sorted_fan_out_needs_a_worker_statement_that_sorts_each_worker_s_shards_together()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ToListAsync(_source.Query(TestQueries.AllBalances).FanOutAsync<int, Balance>(
            null, 0, QueryFixture.BindNothing, Balance.Read, Balance.Descending, null, default)));
        Assert.Contains(TestQueries.AllBalances.Name, error.Message);
    }

    internal static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> rows)
    {
        var list = new List<T>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }

    private static void BindCount(NpgsqlParameterCollection parameters, int count) =>
        parameters.Add(new NpgsqlParameter<int> { TypedValue = count });

    private static void BindLong(NpgsqlParameterCollection parameters, long value) =>
        parameters.Add(new NpgsqlParameter<long> { TypedValue = value });
}
