using Npgsql;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// Routed statements are prepared on the workers (Npgsql's automatic preparation, on by default for every
/// node), unless the connection string or the builder says otherwise.
/// </summary>
public sealed class PreparedStatementTests(BulkInsertFixture fixture) : IClassFixture<BulkInsertFixture>
{
    [Fact]
    public async Task A_routed_read_repeated_is_prepared_on_its_worker_by_default()
    {
        await fixture.Db.Accounts.InsertAsync(new Account(60_001, 1, "prepared", 1));

        // One connection per node, so the session that ran the reads is the one asked afterwards.
        await using var source = Build(b => b.UseMaxConnectionsPerNode(1));
        var db = new ShardDatabase(source);
        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await db.Accounts.GetAsync(60_001, 1));
        }

        var route = await source.RouteAsync(AccountRepository.Definition, 60_001L);
        Assert.Equal(1, await PreparedOnAsync(route, source));
    }

    [Fact]
    public async Task Preparation_is_off_when_the_builder_or_the_connection_string_says_so()
    {
        await fixture.Db.Accounts.InsertAsync(new Account(60_002, 1, "not prepared", 1));
        await using var off = Build(b => b.UseMaxConnectionsPerNode(1).UseAutoPrepare(0));
        await using var fromString = Build(b => b.UseMaxConnectionsPerNode(1), extra: ";Max Auto Prepare=0");
        foreach (var source in new[] { off, fromString })
        {
            var db = new ShardDatabase(source);
            for (var i = 0; i < 10; i++)
            {
                Assert.NotNull(await db.Accounts.GetAsync(60_002, 1));
            }

            var route = await source.RouteAsync(AccountRepository.Definition, 60_002L);
            Assert.Equal(0, await PreparedOnAsync(route, source));
        }
    }

    [Fact]
    public async Task The_builder_sets_pool_and_preparation_on_every_node_and_keeps_what_a_connection_string_sets()
    {
        await using var source = Build(b => b.UseMaxConnectionsPerNode(3), extra: ";Max Auto Prepare=7");
        var map = await source.GetShardMapAsync();
        foreach (var node in map.Workers.Append(source.Coordinator))
        {
            var settings = new NpgsqlConnectionStringBuilder(node.DataSource.ConnectionString);
            Assert.Equal(7, settings.MaxAutoPrepare);
            Assert.Equal(3, settings.MaxPoolSize);
        }

        await using var defaults = Build(_ => { });
        Assert.Equal(ShardedDataSourceBuilder.DefaultMaxAutoPrepare, new NpgsqlConnectionStringBuilder(defaults.Coordinator.DataSource.ConnectionString).MaxAutoPrepare);
    }

    // How many statements on the shard's table the worker session holds prepared.
    private static async Task<long> PreparedOnAsync(ShardRoute route, ShardedDataSource source)
    {
        await using var connection = await route.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_prepared_statements WHERE position($1 in statement) > 0", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Identifiers.Quote(route.ShardTable) });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private ShardedDataSource Build(Action<ShardedDataSourceBuilder> configure, string extra = "")
    {
        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString + extra)
            .UseSchema(ShardDatabase.Schema)
            .UseTransactionRecovery(TimeSpan.Zero, onLoad: false);
        for (var i = 0; i < fixture.Cluster.Workers.Count; i++)
        {
            builder.AddWorker(fixture.Cluster.Workers[i].ConnectionString + extra, $"worker{i + 1}");
        }

        configure(builder);
        return builder.Build();
    }
}
