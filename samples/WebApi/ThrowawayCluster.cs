using Microsoft.Extensions.Options;
using ShardGen.Hosting;
using ShardGen.Testing;

using Saas;

namespace WebApi;

/// <summary>
/// The sample's own cluster when no <c>ShardGen:Coordinator</c> is configured: a coordinator and two workers started from the
/// local PostgreSQL binaries when the host starts (before ShardGen's start-up service, which then applies the schema),
/// and stopped when the host's container is disposed. It fills in <see cref="ShardGenOptions"/> with their connection strings.
/// </summary>
internal sealed partial class ThrowawayCluster(ILogger<ThrowawayCluster> logger) : IHostedService, IConfigureOptions<ShardGenOptions>, IAsyncDisposable
{
    private LocalPostgresCluster? _cluster;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _cluster = await LocalPostgresCluster.StartAsync(workers: 2, cancellationToken: cancellationToken);
        Started(logger, _cluster.Coordinator.Port, string.Join(", ", _cluster.Workers.Select(w => w.Port)));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Configure(ShardGenOptions options)
    {
        var cluster = _cluster ?? throw new InvalidOperationException("The throwaway cluster starts with the host: resolve ShardGen's services after the host started.");
        options.Coordinator = cluster.CoordinatorConnectionString;
        for (var i = 0; i < cluster.WorkerConnectionStrings.Count; i++)
        {
            options.Workers[$"worker{i + 1}"] = cluster.WorkerConnectionStrings[i];
        }

        options.ApplySchemaOnStart = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [LoggerMessage(1, LogLevel.Information, "No ShardGen:Coordinator configured: started a throwaway cluster, coordinator on port {Coordinator}, workers on {Workers}")]
    private static partial void Started(ILogger logger, int coordinator, string workers);
}

/// <summary>
/// The reference rows the sample's queries join with (plans, countries), written once the schema is applied. The database
/// is resolved when the service starts, not when the host builds its hosted services: the cluster is not up then.
/// </summary>
internal sealed class SampleReferenceData(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<ShardDatabase>();
        foreach (var plan in new Plan[] { new("free", "Free", 0m, 3), new("team", "Team", 49m, 25), new("enterprise", "Enterprise", 499m, 1000) })
        {
            await db.Plans.UpsertAsync(plan, cancellationToken);
        }

        foreach (var country in new Country[] { new("DE", "Germany"), new("FR", "France"), new("JP", "Japan"), new("US", "United States") })
        {
            await db.Countries.UpsertAsync(country, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
