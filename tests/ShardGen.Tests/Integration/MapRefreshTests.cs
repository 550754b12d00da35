using ShardGen.Testing;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// A data source follows the metadata on its own: when another process changes the cluster (here it adds a
/// worker), the map refresh timer (<see cref="ShardedDataSourceBuilder.UseMapRefresh"/>) loads the new
/// map without any call asking for it; with the timer off, the map stays as it was loaded.
/// </summary>
public sealed class MapRefreshTests
{
    [Fact]
    public async Task A_worker_added_by_another_process_shows_in_the_map_without_a_call()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3);
        await using var following = Build(cluster, workers: 2, refresh: TimeSpan.FromMilliseconds(200));
        await using var still = Build(cluster, workers: 2, refresh: TimeSpan.Zero);
        await new ShardDatabase(following).ApplySchemaAsync();
        await still.GetShardMapAsync();
        var before = following.CurrentShardMap!.Version;

        // Another process adds worker3.
        await using (var grower = Build(cluster, workers: 3, refresh: TimeSpan.Zero))
        {
            await new ShardDatabase(grower).ApplySchemaAsync();
        }

        // Not a measurement: the timer ticks every 200 ms; the loop gives up after 30 s.
        for (var i = 0; i < 150 && following.CurrentShardMap!.Workers.Count < 3; i++)
        {
            await Task.Delay(200);
        }

        Assert.Equal(["worker1", "worker2", "worker3"], following.CurrentShardMap!.Workers.Select(w => w.Name));
        Assert.True(following.CurrentShardMap.Version > before);
        Assert.Equal(["worker1", "worker2"], still.CurrentShardMap!.Workers.Select(w => w.Name));
    }

    private static ShardedDataSource Build(LocalPostgresCluster cluster, int workers, TimeSpan refresh)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
            .UseSchema(ShardDatabase.Schema)
            .UseShardCount(4)
            .UseMapRefresh(refresh);
        for (var i = 0; i < workers; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }
}
