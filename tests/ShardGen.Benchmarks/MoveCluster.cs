using ShardGen.Testing;

namespace ShardGen.Benchmarks;

/// <summary>
/// The move suites' cluster: three throwaway servers with <c>wal_level = logical</c>, the first two the workers of a data
/// source on the benchmarks' model with its schema applied; the third joins when a suite says so.
/// </summary>
internal sealed class MoveCluster : IAsyncDisposable
{
    private readonly LocalPostgresCluster _cluster;

    private MoveCluster(LocalPostgresCluster cluster, ShardedDataSource source)
    {
        _cluster = cluster;
        Source = source;
        Db = new ShardDatabase(source);
    }

    public ShardedDataSource Source { get; }

    public ShardDatabase Db { get; }

    /// <param name="shardCount">Shards per colocation group; null for the product's default.</param>
    public static async Task<MoveCluster> StartAsync(int? shardCount)
    {
        var cluster = await LocalPostgresCluster.StartAsync(
            workers: 3, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        MoveCluster? started = null;
        try
        {
            var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
                .UseSchema(ShardDatabase.Schema)
                .UseTransactionRecovery(TimeSpan.Zero, onLoad: false);
            if (shardCount is { } count)
            {
                builder.UseShardCount(count);
            }

            for (var i = 0; i < 2; i++)
            {
                builder.AddWorker(cluster.Workers[i].ConnectionString, $"worker{i + 1}");
            }

            started = new MoveCluster(cluster, builder.Build());
            await started.Db.ApplySchemaAsync();
            return started;
        }
        catch
        {
            if (started is not null)
            {
                await started.Source.DisposeAsync();
            }

            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The third server joins as worker3 (<see cref="ShardedDataSource.AddWorkerAsync"/>).</summary>
    public Task AddThirdWorkerAsync() => Source.AddWorkerAsync(_cluster.Workers[2].ConnectionString, "worker3");

    public async ValueTask DisposeAsync()
    {
        await Source.DisposeAsync();
        await _cluster.DisposeAsync();
    }
}
