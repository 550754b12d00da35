using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShardGen;
using ShardGen.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary><c>services.AddHealthChecks().AddShardGen()</c>.</summary>
public static class ShardGenHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds ShardGen's health check of the registered <see cref="ShardedDataSource"/> (<c>docs/hosting.md</c>), or of the
    /// cluster registered as <paramref name="cluster"/> (<c>AddKeyedShardGen("eu", ...)</c>): <paramref name="failureStatus"/>
    /// (Unhealthy by default) when a node is out of reach or no shard map loads, Degraded when the map is behind, prepared
    /// transactions have waited longer than <paramref name="preparedLongerThan"/> (a minute by default) or reference copies
    /// are incomplete. Named <paramref name="name"/>, by default <c>shardgen</c>, or <c>shardgen-{cluster}</c> for a named cluster.
    /// </summary>
    public static IHealthChecksBuilder AddShardGen(
        this IHealthChecksBuilder builder, string? name = null, HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null, TimeSpan? timeout = null, TimeSpan? preparedLongerThan = null, string? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? (cluster is null ? ShardGenHealthCheck.DefaultName : $"{ShardGenHealthCheck.DefaultName}-{cluster}"),
            provider => new ShardGenHealthCheck(
                cluster is null ? provider.GetRequiredService<ShardedDataSource>() : provider.GetRequiredKeyedService<ShardedDataSource>(cluster),
                preparedLongerThan,
                cluster),
            failureStatus,
            tags,
            timeout));
    }
}
