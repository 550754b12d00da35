using Npgsql;
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
    public const string NoCitus = "No Citus cluster given: set SHARDGEN_CITUS_COORDINATOR to the connection string of a Citus coordinator (docs/citus.md).";

    /// <summary>The coordinator's connection string, or null when no Citus cluster was given.</summary>
    public static string? Coordinator => Environment.GetEnvironmentVariable("SHARDGEN_CITUS_COORDINATOR") is { Length: > 0 } value ? value : null;

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
        var builder = new ShardedDataSourceBuilder(CoordinatorConnectionString).UseCitus().UseSchema(ShardDatabase.Schema);
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
    public string NodeConnectionString(string host, int port) =>
        new NpgsqlConnectionStringBuilder(CoordinatorConnectionString) { Host = host, Port = port }.ConnectionString;

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
