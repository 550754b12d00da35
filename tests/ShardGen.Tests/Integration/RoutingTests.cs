using ShardGen.Tests.Infrastructure;
using Dapper;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

[Collection("sharded")]
public sealed class RoutingTests(ShardedDatabaseFixture fixture)
{
    [Fact]
    public async Task Routing_a_key_of_every_type_allocates_nothing()
    {
        var map = await fixture.Source.GetShardMapAsync();
        var longs = map.GroupOf(AccountRepository.Definition)!;
        var ints = map.GroupOf(CounterRepository.Definition)!;
        var texts = map.GroupOf(VoucherRepository.Definition)!;
        var uuids = map.GroupOf(ReadingRepository.Definition)!;
        var text = "tenant-ü-" + new string('x', 80);
        var uuid = Guid.NewGuid();

        var sum = 0;
        var allocated = Allocations.Fewest(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                sum += longs.ShardIndexOf((long)i) + ints.ShardIndexOf(i) + texts.ShardIndexOf(text) + uuids.ShardIndexOf(uuid);
            }
        });

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public async Task A_key_routes_to_the_shard_whose_range_holds_its_PostgreSQL_hash()
    {
        var map = await fixture.Source.GetShardMapAsync();
        foreach (var key in new long[] { 0, 1, -1, long.MinValue, long.MaxValue, 42, 1_000_000_007 })
        {
            var route = map.Route(AccountRepository.Definition, key);
            var hash = await Sql.ScalarAsync<int>(fixture.Cluster.CoordinatorConnectionString, "SELECT hashint8($1)", key);
            Assert.InRange(hash, HashRanges.MinHash(route.ShardIndex, 32), HashRanges.MaxHash(route.ShardIndex, 32));
            Assert.Equal($"accounts_{route.ShardId}", route.ShardTable);
        }

        Assert.Throws<ArgumentException>(() => map.Route(AccountRepository.Definition, "a text key for a bigint table"));
        Assert.Throws<InvalidOperationException>(() => map.Route(CurrencyRepository.Definition, 1L));
    }

    [Fact]
    public async Task OpenConnectionForKeyAsync_gives_raw_SQL_and_Dapper_the_worker_that_holds_the_key()
    {
        const long tenant = 88_000_000_001;
        await fixture.Db.Entries.InsertAsync(new Entry(tenant, 1, 5, 12.5m, "dapper"));
        var route = await fixture.Source.RouteAsync(EntryRepository.Definition, tenant);

        await using var connection = await fixture.Source.OpenConnectionForKeyAsync(tenant);
        Assert.Equal(route.Node.Port, new Npgsql.NpgsqlConnectionStringBuilder(connection.ConnectionString).Port);
        var memo = await connection.QuerySingleAsync<string>(
            $"SELECT memo FROM {Identifiers.Quote(route.ShardTable)} WHERE tenant_id = @tenant AND id = 1", new { tenant });
        Assert.Equal("dapper", memo);
    }
}
