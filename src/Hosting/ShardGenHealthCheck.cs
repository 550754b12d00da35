using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ShardGen.Hosting;

/// <summary>
/// ShardGen's health check (<see cref="ShardedDataSource.CheckHealthAsync"/>): the registration's failure status
/// (Unhealthy by default) when a node is out of reach or no shard map loads — calls fail; Degraded when the map in use
/// is behind the cluster's, prepared transactions wait for recovery, or a worker's reference copies are incomplete —
/// calls work, something needs a look. The data names each finding, and the cluster when it was registered by name.
/// </summary>
internal sealed class ShardGenHealthCheck(ShardedDataSource source, TimeSpan? preparedLongerThan, string? cluster = null) : IHealthCheck
{
    public const string DefaultName = "shardgen";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = await source.CheckHealthAsync(preparedLongerThan, cancellationToken).ConfigureAwait(false);
        var data = new Dictionary<string, object>
        {
            ["engine"] = source.Engine.ToString(),
            ["map_version"] = health.MapVersion ?? (object)"none",
            ["cluster_version"] = health.ClusterVersion ?? (object)"unknown",
            ["unreachable_nodes"] = health.UnreachableNodes,
            ["prepared_transactions_waiting"] = health.PreparedTransactionsWaiting,
            ["workers_without_reference_copies"] = health.WorkersWithoutReferenceCopies,
        };
        if (cluster is not null)
        {
            data["cluster"] = cluster;
        }

        var which = cluster is null ? $"{source.Engine} cluster" : $"{source.Engine} cluster '{cluster}'";
        if (health.IsHealthy)
        {
            return HealthCheckResult.Healthy($"{which}: every node answers, shard map version {health.MapVersion} is current.", data);
        }

        var description = (cluster is null ? "" : $"{which}: ") + string.Join("; ", health.Problems);
        return health.IsUnavailable
            ? new HealthCheckResult(context.Registration.FailureStatus, description, data: data)
            : HealthCheckResult.Degraded(description, data: data);
    }
}
