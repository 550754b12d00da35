using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShardGen.Hosting;

/// <summary>
/// Runs when the host starts, before it takes requests: applies one cluster's schema (the unnamed one, or the one registered
/// as <paramref name="cluster"/>) if <see cref="ShardGenOptions.ApplySchemaOnStart"/>, and says in one log line what it did
/// either way, naming the cluster's configuration section. A failed apply stops the host's start with the error.
/// </summary>
/// <remarks>The options are read when the host starts, not when the service is built: another hosted service may provide them.</remarks>
internal sealed partial class ShardGenStartup(
    IServiceProvider services, string? cluster, string section, IOptionsMonitor<ShardGenOptions> options, ILogger<ShardGenStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Get(cluster ?? Options.DefaultName).ApplySchemaOnStart)
        {
            SchemaNotApplied(logger, section);
            return;
        }

        var source = cluster is null ? services.GetRequiredService<ShardedDataSource>() : services.GetRequiredKeyedService<ShardedDataSource>(cluster);
        SchemaApplying(logger, section, source.Schema.Tables.Count, source.Coordinator.ToString());
        await source.ApplySchemaAsync(cancellationToken).ConfigureAwait(false);
        var map = await source.GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        SchemaApplied(logger, section, map.Version, map.Workers.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(5001, LogLevel.Information, "ShardGen schema not applied at start-up ({Section}:ApplySchemaOnStart is false): the cluster must already hold it (ApplySchemaAsync, or the shardgen tool)")]
    private static partial void SchemaNotApplied(ILogger logger, string section);

    [LoggerMessage(5002, LogLevel.Information, "Applying the ShardGen schema of {Section} ({Tables} tables) at start-up on the coordinator {Coordinator}")]
    private static partial void SchemaApplying(ILogger logger, string section, int tables, string coordinator);

    [LoggerMessage(5003, LogLevel.Information, "ShardGen schema of {Section} applied at start-up: shard map version {Version}, {Workers} workers")]
    private static partial void SchemaApplied(ILogger logger, string section, long version, int workers);
}
