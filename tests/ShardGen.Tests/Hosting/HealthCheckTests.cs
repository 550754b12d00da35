using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Hosting;

/// <summary>ShardGen's health check through ASP.NET Core's <see cref="HealthCheckService"/>, against a cluster whose worker stops.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Healthy_then_degraded_by_a_prepared_transaction_then_unhealthy_when_a_worker_stops()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddShardGen(ShardDatabase.Schema, o =>
            {
                o.Coordinator = cluster.CoordinatorConnectionString;
                o.Workers["worker1"] = cluster.WorkerConnectionStrings[0];
                o.Workers["worker2"] = cluster.WorkerConnectionStrings[1];
                o.ShardCount = 4;
                o.RecoveryInterval = TimeSpan.Zero;
                o.RecoverOnLoad = false;
                o.MapRefreshInterval = TimeSpan.Zero;
                o.CommandTimeout = TimeSpan.FromSeconds(5);
                o.ConnectTimeout = TimeSpan.FromSeconds(2);
            })
            .AddDatabase<ShardDatabase>()
            .AddHealthChecks(preparedLongerThan: TimeSpan.Zero);
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        var source = provider.GetRequiredService<ShardedDataSource>();
        var db = provider.GetRequiredService<ShardDatabase>();
        await db.ApplySchemaAsync();

        var report = await health.CheckHealthAsync();
        var entry = report.Entries["shardgen"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(source.CurrentShardMap!.Version, entry.Data["map_version"]);

        // Another process moves the metadata on: the map in use is behind.
        await Sql.ExecuteAsync(cluster.CoordinatorConnectionString, "UPDATE shardgen.metadata SET version = version + 1");
        entry = (await health.CheckHealthAsync()).Entries["shardgen"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("the cluster's is", entry.Description);
        await source.RefreshAsync();

        // A commit that died after preparing leaves prepared transactions for recovery.
        var map = await source.GetShardMapAsync();
        var (a, b) = (TenantOn(map, "worker1"), TenantOn(map, "worker2"));
        source.FaultHook = (step, _) => step == TransactionStep.RecordDecision ? throw new InvalidOperationException("crash") : Task.CompletedTask;
        await using (var tx = await source.BeginTransactionAsync())
        {
            await db.Accounts.InsertAsync(new Account(a, 1, "x", 1m));
            await db.Accounts.InsertAsync(new Account(b, 1, "y", 1m));
            await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync());
        }

        source.FaultHook = null;
        entry = (await health.CheckHealthAsync()).Entries["shardgen"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal(2, entry.Data["prepared_transactions_waiting"]);
        Assert.Contains("waiting for recovery", entry.Description);
        await source.RecoverAsync();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Entries["shardgen"].Status);

        await cluster.Workers[1].StopAsync();
        entry = (await health.CheckHealthAsync()).Entries["shardgen"];
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("node 'worker2'", entry.Description);
        Assert.Equal(["worker2"], (IReadOnlyList<string>)entry.Data["unreachable_nodes"]);
    }

    [Fact]
    public async Task A_worker_without_its_reference_copies_is_degraded()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var source = Integration.ShardedDatabaseFixture.CreateSource(cluster, shardCount: 4);
        await new ShardDatabase(source).ApplySchemaAsync();
        await Sql.ExecuteAsync(cluster.CoordinatorConnectionString, "UPDATE shardgen.nodes SET reference_copies = 'filling' WHERE name = 'worker2'");
        await source.RefreshAsync();

        var health = await source.CheckHealthAsync();
        Assert.False(health.IsHealthy);
        Assert.False(health.IsUnavailable);
        Assert.Equal(["worker2"], health.WorkersWithoutReferenceCopies);
        Assert.Contains(health.Problems, p => p.Contains("worker 'worker2' has no complete copy of the reference tables"));
    }

    private static long TenantOn(ShardMap map, string worker)
    {
        for (long tenant = 1; ; tenant++)
        {
            if (map.Route(AccountRepository.Definition, tenant).Node.Name == worker)
            {
                return tenant;
            }
        }
    }
}
