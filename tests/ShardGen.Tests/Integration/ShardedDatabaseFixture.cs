using ShardGen.Tests.Infrastructure;
using ShardGen.Testing;

namespace ShardGen.Tests.Integration;

/// <summary>A real cluster (coordinator + 2 workers) with the test model applied, shared by a collection.</summary>
public sealed class ShardedDatabaseFixture : IAsyncLifetime
{
    public LocalPostgresCluster Cluster { get; private set; } = null!;

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        Source = CreateSource(Cluster);
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();
    }

    public static ShardedDataSource CreateSource(IPostgresCluster cluster, ShardGen.Model.SchemaDefinition? schema = null, int shardCount = ShardedDataSourceBuilder.DefaultShardCount)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(schema ?? ShardDatabase.Schema).UseShardCount(shardCount);
        for (var i = 0; i < cluster.WorkerConnectionStrings.Count; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    public async Task DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition("sharded")]
public sealed class ShardedDatabaseCollection : ICollectionFixture<ShardedDatabaseFixture>
{
}
