using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Networks;
using Npgsql;
using Testcontainers.PostgreSql;

namespace ShardGen.Tests.Infrastructure;

/// <summary>
/// A Citus cluster in containers of the <c>citusdata/citus</c> image, for machines with a Docker engine: a coordinator
/// and two workers on a network of their own, the workers added under their network names. Citus lists them as
/// <c>worker1:5432</c>, which this machine cannot reach, so <see cref="Workers"/> names each as ShardGen names the
/// nodes Citus lists (<c>worker1:5432/postgres</c>) with the connection string of its port on this machine: added with
/// <see cref="ShardedDataSourceBuilder.AddWorker"/>, they take the place of the addresses in <c>pg_dist_node</c>.
/// </summary>
public sealed class CitusContainers : IAsyncDisposable
{
    private const string Image = "citusdata/citus:13.2";

    private readonly INetwork _network;
    private readonly IReadOnlyList<PostgreSqlContainer> _containers;

    private CitusContainers(INetwork network, IReadOnlyList<PostgreSqlContainer> containers)
    {
        _network = network;
        _containers = containers;
        CoordinatorConnectionString = containers[0].GetConnectionString();
        Workers = containers.Skip(1).Select((container, i) => ($"worker{i + 1}:5432/postgres", container.GetConnectionString())).ToArray();
    }

    public string CoordinatorConnectionString { get; }

    /// <summary>Each worker as ShardGen names it from <c>pg_dist_node</c>, with the connection string that reaches it from here.</summary>
    public IReadOnlyList<(string Name, string ConnectionString)> Workers { get; }

    public static async Task<CitusContainers> StartAsync(CancellationToken cancellationToken = default)
    {
        var network = new NetworkBuilder().Build();
        await network.CreateAsync(cancellationToken);
        PostgreSqlContainer[] containers = new[] { "coordinator", "worker1", "worker2" }
            .Select(alias => new PostgreSqlBuilder(Image)
                .WithNetwork(network)
                .WithNetworkAliases(alias)
                .WithUsername("postgres")
                .WithPassword("postgres")
                .WithDatabase("postgres")
                .WithEnvironment("POSTGRES_HOST_AUTH_METHOD", "trust")
                .WithCommand("-c", "wal_level=logical")
                .WithCommand("-c", "max_prepared_transactions=100")
                .WithCommand("-c", "max_connections=200")
                .Build())
            .ToArray();
        try
        {
            await Task.WhenAll(containers.Select(container => container.StartAsync(cancellationToken)));
            await using var coordinator = new NpgsqlConnection(containers[0].GetConnectionString());
            await coordinator.OpenAsync(cancellationToken);
            foreach (var sql in new[]
            {
                "CREATE EXTENSION IF NOT EXISTS citus",
                "SELECT citus_set_coordinator_host('coordinator', 5432)",
                "SELECT citus_add_node('worker1', 5432)",
                "SELECT citus_add_node('worker2', 5432)",
            })
            {
                await using var command = new NpgsqlCommand(sql, coordinator);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return new CitusContainers(network, containers);
        }
        catch
        {
            await DisposeAsync(network, containers);
            throw;
        }
    }

    public ValueTask DisposeAsync() => DisposeAsync(_network, _containers);

    private static async ValueTask DisposeAsync(INetwork network, IReadOnlyList<PostgreSqlContainer> containers)
    {
        await Task.WhenAll(containers.Select(container => container.DisposeAsync().AsTask()));
        await network.DisposeAsync();
    }
}
