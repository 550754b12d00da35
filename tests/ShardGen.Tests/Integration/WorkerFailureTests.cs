using ShardGen.Tests.Infrastructure;
using ShardGen.Testing;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

public sealed class WorkerFailureTests
{
    [Fact]
    public async Task A_worker_that_is_down_fails_only_the_calls_for_its_shards_and_names_shard_and_worker()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var source = ShardedDatabaseFixture.CreateSource(cluster);
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();

        var map = await source.GetShardMapAsync();
        var down = map.Workers[1];
        long keyOnDown = 0, keyOnUp = 0;
        for (long key = 1; keyOnDown == 0 || keyOnUp == 0; key++)
        {
            var node = map.Route(AccountRepository.Definition, key).Node;
            if (ReferenceEquals(node, down))
            {
                keyOnDown = keyOnDown == 0 ? key : keyOnDown;
            }
            else
            {
                keyOnUp = keyOnUp == 0 ? key : keyOnUp;
            }
        }

        await db.Accounts.InsertAsync(new Account(keyOnDown, 1, "down", 1m));
        await db.Accounts.InsertAsync(new Account(keyOnUp, 1, "up", 1m));
        await db.Currencies.InsertAsync(new Currency("CHF", "Franc", 2));

        await cluster.Workers[1].StopAsync();

        var route = map.Route(AccountRepository.Definition, keyOnDown);
        var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.GetAsync(keyOnDown, 1));
        Assert.True(error.IsNodeUnavailable);
        Assert.Equal(down.Name, error.Node);
        Assert.Equal(route.ShardId, error.ShardId);
        Assert.Contains($"shard {route.ShardId}", error.Message);
        Assert.Contains(route.ShardTable, error.Message);
        Assert.Contains($"worker '{down.Name}'", error.Message);
        Assert.Contains("key redacted (bigint; IncludeErrorDetail() shows it)", error.Message);

        // Calls for shards on the other worker go on; reference reads fail over to a live copy.
        Assert.Equal("up", (await db.Accounts.GetAsync(keyOnUp, 1))?.Owner);
        await db.Accounts.InsertAsync(new Account(keyOnUp, 2, "still up", 2m));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("Franc", (await db.Currencies.GetAsync("CHF"))?.Name);
        }

        // A fan-out names the worker it could not reach.
        var fanOut = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.CountAllAsync());
        Assert.Equal(down.Name, fanOut.Node);

        // Connections pooled before the crash are dead; a restarted worker is reached on fresh ones.
        await cluster.Workers[1].StartAsync();
        down.DataSource.Clear();
        Assert.Equal("down", (await db.Accounts.GetAsync(keyOnDown, 1))?.Owner);
        Assert.Equal(3, await db.Accounts.CountAllAsync());
    }
}
