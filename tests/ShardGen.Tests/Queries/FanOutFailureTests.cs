using Npgsql;
using ShardGen.Testing;
using ShardGen.Tests.Integration;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Queries;

public sealed class FanOutFailureTests
{
    [Fact]
    public async Task A_worker_that_is_down_fails_a_fan_out_by_name_unless_partial_results_are_allowed()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var source = ShardedDatabaseFixture.CreateSource(cluster, TestQueries.Schema);
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var accounts = await QueryFixture.SeedAsync(db);

        var map = await source.GetShardMapAsync();
        var down = map.Workers[1];
        var downShards = map.Shards(AccountRepository.Definition).Where(s => ReferenceEquals(s.Node, down)).ToList();
        var onUp = accounts.Where(a => !ReferenceEquals(map.Route(AccountRepository.Definition, a.TenantId).Node, down)).ToList();
        Assert.Equal(16, downShards.Count);
        Assert.NotEmpty(onUp);

        await cluster.Workers[1].StopAsync();

        // Without partial results: the worker is named, in the message and as a property.
        var query = source.Query(TestQueries.AllBalances);
        var error = await Assert.ThrowsAsync<ShardOperationException>(() => FanOutQueryTests.ToListAsync(
            query.FanOutAsync<int, Balance>(null, 0, QueryFixture.BindNothing, Balance.Read, null, null, default)));
        Assert.True(error.IsNodeUnavailable);
        Assert.Equal(down.Name, error.Node);
        Assert.Equal(TestQueries.AllBalances.Name, error.Query);
        Assert.Equal("accounts", error.Table);
        Assert.Contains($"worker '{down.Name}'", error.Message);
        Assert.Contains(TestQueries.AllBalances.Name, error.Message);
        Assert.Contains(string.Join(", ", downShards.Select(s => s.ShardId)), error.Message);

        // Sorted and combined per worker: the same.
        var sorted = await Assert.ThrowsAsync<ShardOperationException>(() => FanOutQueryTests.ToListAsync(
            source.Query(TestQueries.BalancesDescending).FanOutAsync<int, Balance>(null, 0, QueryFixture.BindNothing, Balance.Read, Balance.Descending, null, default)));
        Assert.Equal(down.Name, sorted.Node);

        // With partial results: the healthy worker's rows, and every shard of the failed worker listed.
        foreach (var partialQuery in new[] { TestQueries.AllBalances, TestQueries.BalancesDescending })
        {
            var options = new QueryOptions { AllowPartialResults = true };
            var rows = await FanOutQueryTests.ToListAsync(source.Query(partialQuery).FanOutAsync<int, Balance>(
                null, 0, QueryFixture.BindNothing, Balance.Read, partialQuery.WorkerPrefix is null ? null : Balance.Descending, options, default));

            Assert.Equal(onUp.Select(a => (a.TenantId, a.Id)).Order(), rows.Select(r => (r.TenantId, r.Id)).Order());
            Assert.Equal(16, options.FailedShards.Count);
            Assert.Equal(downShards.Select(s => s.ShardId).Order(), options.FailedShards.Select(f => f.ShardId).Order());
            Assert.All(options.FailedShards, f =>
            {
                Assert.Equal(down.Name, f.Node);
                Assert.Equal("accounts", f.Table);
                Assert.Equal(downShards.Single(s => s.ShardId == f.ShardId).ShardTable, f.ShardTable);
                Assert.IsType<ShardOperationException>(f.Error);
            });
        }

        // A write over every shard names the worker too; a router query for a key on the healthy
        // worker and a reference query (failing over to a live copy) go on.
        var write = await Assert.ThrowsAsync<ShardOperationException>(() =>
            source.Query(TestQueries.RenameOwners).ExecuteFanOutAsync(null, (0L, "x"), static (p, a) =>
            {
                p.Add(new NpgsqlParameter<long> { TypedValue = a.Item1 });
                p.Add(new NpgsqlParameter<string> { TypedValue = a.Item2 });
            }, default));
        Assert.Equal(down.Name, write.Node);

        var upTenant = onUp[0].TenantId;
        var upRows = await source.Query(TestQueries.AccountsOfTenant).ListAsync(
            upTenant, upTenant, static (p, t) => p.Add(new NpgsqlParameter<long> { TypedValue = t }), AccountRowMapper.Read, default);
        Assert.Equal(onUp.Where(a => a.TenantId == upTenant).OrderBy(a => a.Id), upRows);
        for (var i = 0; i < 4; i++)
        {
            var codes = await source.Query(TestQueries.CurrencyNames).ListAsync(ShardKey.None, 0, QueryFixture.BindNothing, static r => r.GetString(0), default);
            Assert.Equal(["CHF", "EUR", "JPY"], codes);
        }
    }
}
