using Microsoft.Extensions.Diagnostics.HealthChecks;
using ShardGen;
using ShardGen.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary><c>services.AddHealthChecks().AddShardGen()</c>.</summary>
public static class ShardGenHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds ShardGen's health check of the registered <see cref="ShardedDataSource"/> (<c>docs/hosting.md</c>):
    /// <paramref name="failureStatus"/> (Unhealthy by default) when a node is out of reach or no shard map loads, Degraded
    /// when the map is behind, prepared transactions have waited longer than <paramref name="preparedLongerThan"/>
    /// (a minute by default) or reference copies are incomplete.
    /// </summary>
    public static IHealthChecksBuilder AddShardGen(
        this IHealthChecksBuilder builder, string name = ShardGenHealthCheck.DefaultName, HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null, TimeSpan? timeout = null, TimeSpan? preparedLongerThan = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new ShardGenHealthCheck(provider.GetRequiredService<ShardedDataSource>(), preparedLongerThan),
            failureStatus,
            tags,
            timeout));
    }
}
