using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShardGen.Hosting;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Transactions;

namespace ShardGen.Tests.Hosting;

/// <summary><c>services.AddShardGen(...)</c>: configuration, lifetimes, the start-up apply, disposal — on a real cluster.</summary>
[Collection("cluster")]
public sealed class AddShardGenTests(ClusterFixture fixture)
{
    private LocalPostgresCluster Cluster => fixture.Cluster;

    private Dictionary<string, string?> Settings(string database, bool apply, int shards = 4) => new()
    {
        ["ShardGen:Coordinator"] = WithDatabase(Cluster.CoordinatorConnectionString, database),
        ["ShardGen:Workers:worker1"] = WithDatabase(Cluster.WorkerConnectionStrings[0], database),
        ["ShardGen:Workers:worker2"] = WithDatabase(Cluster.WorkerConnectionStrings[1], database),
        ["ShardGen:ShardCount"] = shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ShardGen:MaxConnectionsPerNode"] = "7",
        ["ShardGen:RecoveryInterval"] = "00:00:00",
        ["ShardGen:MapRefreshInterval"] = "00:00:00",
        ["ShardGen:ApplySchemaOnStart"] = apply ? "true" : "false",
    };

    [Fact]
    public async Task Options_come_from_the_ShardGen_section_and_the_host_applies_the_schema_at_start_when_asked()
    {
        var database = await CreateDatabasesAsync("sg_host_apply");
        var logs = new CollectingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings(database, apply: true, shards: 4));
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddShardGen(ShardDatabase.Schema).AddDatabase<ShardDatabase>().AddQueries<AccountQueries>();

        using (var host = builder.Build())
        {
            await host.StartAsync();
            var source = host.Services.GetRequiredService<ShardedDataSource>();
            var db = host.Services.GetRequiredService<ShardDatabase>();

            // Singletons: one data source, one database and one query class for the application.
            Assert.Same(source, host.Services.GetRequiredService<ShardedDataSource>());
            Assert.Same(db, host.Services.GetRequiredService<ShardDatabase>());
            Assert.Same(db.DataSource, source);
            using (var scope = host.Services.CreateScope())
            {
                Assert.Same(db, scope.ServiceProvider.GetRequiredService<ShardDatabase>());
                Assert.Same(source, scope.ServiceProvider.GetRequiredService<AccountQueries>().Source);
            }

            // The configured shard count and worker names are what the cluster recorded; the pool cap reached Npgsql.
            var coordinator = WithDatabase(Cluster.CoordinatorConnectionString, database);
            Assert.Equal(
                ["worker1", "worker2"],
                await Sql.ColumnAsync<string>(coordinator, "SELECT name FROM shardgen.nodes WHERE role = 'worker' ORDER BY name"));
            Assert.Equal(4, await Sql.ScalarAsync<int>(coordinator, "SELECT DISTINCT shard_count FROM shardgen.colocation_groups"));
            Assert.All(source.CurrentShardMap!.Workers, w => Assert.Equal(7, new Npgsql.NpgsqlConnectionStringBuilder(w.DataSource.ConnectionString).MaxPoolSize));

            await db.Accounts.InsertAsync(new Account(42, 1, "hosted", 5m));
            var route = source.CurrentShardMap.Route(AccountRepository.Definition, 42L);
            Assert.Equal("hosted", await Sql.ScalarAsync<string>(
                WithDatabase(Cluster.WorkerConnectionStrings[route.Node.Name == "worker1" ? 0 : 1], database),
                $"SELECT owner FROM {route.ShardTable} WHERE tenant_id = 42 AND id = 1"));
            await host.StopAsync();
        }

        Assert.Contains(logs.Entries, e => e.EventId.Id == 5002 && e.Level == LogLevel.Information && e.Message.Contains("Applying the ShardGen schema"));
        Assert.Contains(logs.Entries, e => e.EventId.Id == 5003 && e.Message.Contains("2 workers"));
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 5001);
    }

    [Fact]
    public async Task Without_ApplySchemaOnStart_nothing_is_created_and_a_log_line_says_so()
    {
        var database = await CreateDatabasesAsync("sg_host_noapply");
        var logs = new CollectingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings(database, apply: false));
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddShardGen(ShardDatabase.Schema).AddDatabase<ShardDatabase>();
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();

        Assert.Contains(logs.Entries, e => e.EventId.Id == 5001 && e.Level == LogLevel.Information && e.Message.Contains("ShardGen:ApplySchemaOnStart is false"));
        Assert.False(await Sql.ScalarAsync<bool>(WithDatabase(Cluster.CoordinatorConnectionString, database), "SELECT to_regclass('shardgen.metadata') IS NOT NULL"));
    }

    [Fact]
    public async Task Code_overrides_configuration_and_the_container_disposes_the_data_source()
    {
        var database = await CreateDatabasesAsync("sg_host_code");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings(database, apply: false, shards: 4)).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        var configuredBuilder = false;
        services.AddShardGen(
                ShardDatabase.Schema,
                options => options.ShardCount = 2,
                builder => configuredBuilder = builder is not null)
            .AddDatabase<ShardDatabase>();

        ShardedDataSource source;
        await using (var provider = services.BuildServiceProvider())
        {
            source = provider.GetRequiredService<ShardedDataSource>();
            Assert.True(configuredBuilder);
            await provider.GetRequiredService<ShardDatabase>().ApplySchemaAsync();
            Assert.Equal(2, await Sql.ScalarAsync<int>(WithDatabase(Cluster.CoordinatorConnectionString, database), "SELECT DISTINCT shard_count FROM shardgen.colocation_groups"));
        }

        // Disposed with the container: its nodes' Npgsql data sources no longer hand out connections.
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await source.Coordinator.DataSource.OpenConnectionAsync());
    }

    [Fact]
    public void A_missing_coordinator_or_worker_is_an_error_that_names_the_setting()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddShardGen(ShardDatabase.Schema);
        using var provider = services.BuildServiceProvider();
        var noCoordinator = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ShardedDataSource>());
        Assert.Contains("'ShardGen:Coordinator'", noCoordinator.Message);

        var workerless = new ServiceCollection();
        workerless.AddShardGen(ShardDatabase.Schema, o => o.Coordinator = Cluster.CoordinatorConnectionString);
        using var second = workerless.BuildServiceProvider();
        var noWorker = Assert.Throws<InvalidOperationException>(() => second.GetRequiredService<ShardedDataSource>());
        Assert.Contains("'ShardGen:Workers'", noWorker.Message);
        Assert.Contains("ShardGen__Workers__worker1", noWorker.Message);

        var twice = new ServiceCollection();
        twice.AddShardGen(ShardDatabase.Schema);
        Assert.Throws<InvalidOperationException>(() => twice.AddShardGen(ShardDatabase.Schema));
    }

    [Fact]
    public void Every_option_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ShardGen:Coordinator"] = "Host=c",
            ["ShardGen:Workers:w1"] = "Host=a",
            ["ShardGen:Engine"] = "Citus",
            ["ShardGen:ShardCount"] = "16",
            ["ShardGen:MaxConnectionsPerNode"] = "9",
            ["ShardGen:MaxAutoPrepare"] = "0",
            ["ShardGen:CommandTimeout"] = "00:00:05",
            ["ShardGen:ConnectTimeout"] = "00:00:03",
            ["ShardGen:RecoveryInterval"] = "00:02:00",
            ["ShardGen:RecoverOnLoad"] = "false",
            ["ShardGen:MapRefreshInterval"] = "00:00:10",
            ["ShardGen:IncludeErrorDetail"] = "true",
            ["ShardGen:SlowFanOutThreshold"] = "00:00:00.250",
            ["ShardGen:ApplySchemaOnStart"] = "true",
        }).Build();
        var services = new ServiceCollection();
        services.AddShardGen(ShardDatabase.Schema, configuration.GetSection("ShardGen"));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShardGenOptions>>().Value;

        Assert.Equal("Host=c", options.Coordinator);
        Assert.Equal("Host=a", Assert.Single(options.Workers, w => w.Key == "w1").Value);
        Assert.Equal(ShardEngine.Citus, options.Engine);
        Assert.Equal(16, options.ShardCount);
        Assert.Equal(9, options.MaxConnectionsPerNode);
        Assert.Equal(0, options.MaxAutoPrepare);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CommandTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.RecoveryInterval);
        Assert.False(options.RecoverOnLoad);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MapRefreshInterval);
        Assert.True(options.IncludeErrorDetail);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SlowFanOutThreshold);
        Assert.True(options.ApplySchemaOnStart);
    }

    [Fact]
    public async Task Two_keyed_clusters_each_bound_from_its_own_section_with_their_own_services_start_up_and_health_check()
    {
        var (eu, us) = (await CreateDatabasesAsync("sg_keyed_eu"), await CreateDatabasesAsync("sg_keyed_us"));
        var logs = new CollectingLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(ClusterSettings("eu", eu, shards: 4).Concat(ClusterSettings("us", us, shards: 2)));
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddKeyedShardGen("eu", ShardDatabase.Schema).AddDatabase<ShardDatabase>().AddQueries<AccountQueries>().AddQueries<ClusterReport>().AddHealthChecks();
        builder.Services.AddKeyedShardGen("us", ShardDatabase.Schema).AddDatabase<ShardDatabase>().AddQueries<AccountQueries>().AddQueries<ClusterReport>().AddHealthChecks();
        builder.Services.AddSingleton<TwoClusters>();

        using var host = builder.Build();
        await host.StartAsync();
        var services = host.Services;
        var (euSource, usSource) = (services.GetRequiredKeyedService<ShardedDataSource>("eu"), services.GetRequiredKeyedService<ShardedDataSource>("us"));
        Assert.NotSame(euSource, usSource);
        Assert.Null(services.GetService<ShardedDataSource>());

        // Each cluster's services are built on its own data source; a class takes both with [FromKeyedServices].
        var both = services.GetRequiredService<TwoClusters>();
        Assert.Same(euSource, both.Eu.DataSource);
        Assert.Same(usSource, both.Us.DataSource);
        Assert.Same(both.Eu, services.GetRequiredKeyedService<ShardDatabase>("eu"));
        Assert.Same(euSource, services.GetRequiredKeyedService<AccountQueries>("eu").Source);
        Assert.Same(usSource, services.GetRequiredKeyedService<AccountQueries>("us").Source);
        Assert.Same(both.Us, services.GetRequiredKeyedService<ClusterReport>("us").Db);

        // Each start-up service applied its cluster's schema with its own section's shard count, and said which.
        Assert.Equal(4, await Sql.ScalarAsync<int>(WithDatabase(Cluster.CoordinatorConnectionString, eu), "SELECT DISTINCT shard_count FROM shardgen.colocation_groups"));
        Assert.Equal(2, await Sql.ScalarAsync<int>(WithDatabase(Cluster.CoordinatorConnectionString, us), "SELECT DISTINCT shard_count FROM shardgen.colocation_groups"));
        Assert.Single(logs.Entries, e => e.EventId.Id == 5003 && e.Message.Contains("ShardGen:Clusters:eu"));
        Assert.Single(logs.Entries, e => e.EventId.Id == 5003 && e.Message.Contains("ShardGen:Clusters:us"));

        // A row written through one cluster is in its databases only.
        await both.Eu.Accounts.InsertAsync(new Account(42, 1, "eu only", 1m));
        Assert.Equal("eu only", (await both.Eu.Accounts.GetAsync(42, 1))?.Owner);
        Assert.Null(await both.Us.Accounts.GetAsync(42, 1));

        // One health check per cluster, named after it; the clusters' findings are their own.
        var health = services.GetRequiredService<HealthCheckService>();
        var report = await health.CheckHealthAsync();
        Assert.Equal(["shardgen-eu", "shardgen-us"], report.Entries.Keys.Order());
        Assert.All(report.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
        Assert.Equal("eu", report.Entries["shardgen-eu"].Data["cluster"]);
        await Sql.ExecuteAsync(WithDatabase(Cluster.CoordinatorConnectionString, us), "UPDATE shardgen.metadata SET version = version + 1");
        report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["shardgen-eu"].Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["shardgen-us"].Status);
        Assert.StartsWith("Native cluster 'us': ", report.Entries["shardgen-us"].Description);
        await host.StopAsync();
    }

    [Fact]
    public void A_keyed_cluster_names_its_own_settings_in_errors_and_each_name_is_registered_once()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddKeyedShardGen("eu", ShardDatabase.Schema);
        services.AddShardGen(ShardDatabase.Schema, o => o.Coordinator = Cluster.CoordinatorConnectionString);
        Assert.Throws<InvalidOperationException>(() => services.AddKeyedShardGen("eu", ShardDatabase.Schema));
        services.AddKeyedShardGen("us", ShardDatabase.Schema, configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharding:Us:Coordinator"] = "Host=us-coordinator",
        }).Build().GetSection("Sharding:Us"));

        using var provider = services.BuildServiceProvider();
        var missing = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<ShardedDataSource>("eu"));
        Assert.Contains("'ShardGen:Clusters:eu:Coordinator'", missing.Message);
        Assert.Contains("ShardGen__Clusters__eu__Coordinator", missing.Message);
        var noWorker = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<ShardedDataSource>("us"));
        Assert.Contains("'Sharding:Us:Workers'", noWorker.Message);
        var unnamed = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ShardedDataSource>());
        Assert.Contains("'ShardGen:Workers'", unnamed.Message);
        Assert.Equal("Host=us-coordinator", provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ShardGenOptions>>().Get("us").Coordinator);
    }

    private Dictionary<string, string?> ClusterSettings(string name, string database, int shards) =>
        Settings(database, apply: true, shards).ToDictionary(s => s.Key.Replace("ShardGen:", $"ShardGen:Clusters:{name}:", StringComparison.Ordinal), s => s.Value);

    /// <summary>A class that works with both clusters.</summary>
    public sealed class TwoClusters([FromKeyedServices("eu")] ShardDatabase eu, [FromKeyedServices("us")] ShardDatabase us)
    {
        public ShardDatabase Eu { get; } = eu;

        public ShardDatabase Us { get; } = us;
    }

    /// <summary>A class of queries over one cluster's generated database.</summary>
    public sealed class ClusterReport(ShardDatabase db)
    {
        public ShardDatabase Db { get; } = db;
    }

    private static string WithDatabase(string connectionString, string database) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    // A database of its own on every node of the shared cluster, so that this test's metadata is its own.
    private async Task<string> CreateDatabasesAsync(string prefix)
    {
        var database = $"{prefix}_{Guid.NewGuid():N}"[..40];
        foreach (var node in Cluster.WorkerConnectionStrings.Prepend(Cluster.CoordinatorConnectionString))
        {
            await Sql.ExecuteAsync(node, $"CREATE DATABASE {database}");
        }

        return database;
    }
}
