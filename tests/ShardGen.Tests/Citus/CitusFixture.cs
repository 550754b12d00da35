using Npgsql;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Citus;

/// <summary>
/// A Citus cluster given by connection string (<c>SHARDGEN_CITUS_COORDINATOR</c>: an Npgsql connection string of the
/// coordinator; the workers are read from <c>pg_dist_node</c> and reached with the same credentials). Citus is in no
/// registry this project reaches, so without that variable every test of this engine reports itself skipped. The test
/// model's tables are dropped and created again through <see cref="ShardedDataSource.ApplySchemaAsync"/> on Citus.
/// </summary>
public class CitusFixture : IAsyncLifetime
{
    public const string NoCitus =
        "No Citus cluster given (SHARDGEN_CITUS_COORDINATOR: the connection string of a Citus coordinator) and no Docker engine to start the citusdata/citus image in (docs/citus.md).";

    // The cluster given by connection string; otherwise, where a Docker engine answers, one started in containers once
    // for the whole run (Testcontainers removes them when the process ends); otherwise none.
    private static readonly Lazy<(string Coordinator, IReadOnlyList<(string Name, string ConnectionString)> Workers)?> Cluster = new(() =>
    {
        if (Environment.GetEnvironmentVariable("SHARDGEN_CITUS_COORDINATOR") is { Length: > 0 } given)
        {
            return (given, []);
        }

        if (!TestcontainersCluster.DockerAvailable())
        {
            return null;
        }

        var containers = CitusContainers.StartAsync().GetAwaiter().GetResult();
        return (containers.CoordinatorConnectionString, containers.Workers);
    });

    /// <summary>The coordinator's connection string, or null when there is no Citus cluster to test against.</summary>
    public static string? Coordinator => Cluster.Value?.Coordinator;

    /// <summary>
    /// A builder for a data source on the cluster through <paramref name="coordinator"/> (the coordinator's connection
    /// string, perhaps with a search path): on Citus, with the workers this machine reaches differently from the
    /// addresses Citus lists (containers' ports), named as ShardGen names the nodes Citus lists.
    /// </summary>
    public static ShardedDataSourceBuilder Builder(string coordinator)
    {
        var builder = new ShardedDataSourceBuilder(coordinator).UseCitus();
        foreach (var (name, connectionString) in Cluster.Value?.Workers ?? [])
        {
            builder.AddWorker(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = new NpgsqlConnectionStringBuilder(coordinator).SearchPath }.ConnectionString, name);
        }

        return builder;
    }

    /// <summary>The connection string of the node Citus lists at <paramref name="host"/>:<paramref name="port"/>, with the credentials and search path of <paramref name="coordinator"/>.</summary>
    public static string Node(string coordinator, string host, int port)
    {
        var settings = new NpgsqlConnectionStringBuilder(coordinator);
        var name = $"{host}:{port}/{settings.Database}";
        return Cluster.Value?.Workers.FirstOrDefault(w => w.Name == name) is { ConnectionString: { } reached }
            ? new NpgsqlConnectionStringBuilder(reached) { SearchPath = settings.SearchPath }.ConnectionString
            : new NpgsqlConnectionStringBuilder(coordinator) { Host = host, Port = port }.ConnectionString;
    }

    /// <summary>Why the tests of this fixture cannot run here; null when they can.</summary>
    public string? Unavailable { get; private set; } = Coordinator is null ? NoCitus : null;

    /// <summary>
    /// The schema the fixture's tables live in, first on the search path of every connection: fixtures that share one
    /// Citus cluster each have their own tables, and run side by side.
    /// </summary>
    public const string Schema = "sg_engine";

    public string CoordinatorConnectionString => InSchema(Coordinator!, Schema);

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        if (Unavailable is not null)
        {
            return;
        }

        await ResetSchemaAsync(Coordinator!, Schema);
        Source = CreateSource();
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();
    }

    /// <summary>A data source on the Citus cluster, with the test model.</summary>
    public ShardedDataSource CreateSource(Action<ShardedDataSourceBuilder>? configure = null)
    {
        var builder = Builder(CoordinatorConnectionString).UseSchema(ShardDatabase.Schema);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Drops <paramref name="schema"/> with every table in it (Citus drops their shards on every node), and creates it empty.</summary>
    public static async Task ResetSchemaAsync(string coordinator, string schema)
    {
        await Sql.ExecuteAsync(coordinator, $"DROP SCHEMA IF EXISTS {Identifiers.Quote(schema)} CASCADE");
        await Sql.ExecuteAsync(coordinator, $"CREATE SCHEMA {Identifiers.Quote(schema)}");
    }

    /// <summary><paramref name="connectionString"/> with <paramref name="schema"/> as its search path.</summary>
    public static string InSchema(string connectionString, string schema) =>
        new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;

    /// <summary>The connection string of a node Citus lists, with the coordinator's credentials and the fixture's schema.</summary>
    public string NodeConnectionString(string host, int port) => Node(CoordinatorConnectionString, host, port);

    public virtual async Task DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }
    }
}

[CollectionDefinition("citus")]
public sealed class CitusCollection : ICollectionFixture<CitusFixture>
{
}
