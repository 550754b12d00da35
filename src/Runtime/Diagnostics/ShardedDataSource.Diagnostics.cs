using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ShardGen;

// What a data source reports of itself: its logger, the threshold past which a multi-shard call is logged as
// slow, the shard maps it loads and what recovery does.
public sealed partial class ShardedDataSource
{
    /// <summary>ShardGen's logger (category <see cref="ShardGenDiagnostics.LoggerCategory"/>), from <see cref="ShardedDataSourceBuilder.UseLoggerFactory"/>.</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>A multi-shard call that takes this long or longer is logged (<see cref="ShardedDataSourceBuilder.UseSlowFanOutThreshold"/>); zero: never.</summary>
    internal TimeSpan SlowFanOutThreshold { get; init; } = ShardedDataSourceBuilder.DefaultSlowFanOutThreshold;

    private void OnMapLoaded(ShardMap map, ShardMap? previous)
    {
        if (Telemetry.MapLoads.Enabled)
        {
            Telemetry.MapLoads.Add(1);
        }

        Activity.Current?.AddEvent(new ActivityEvent("shardgen.map.loaded", tags: new ActivityTagsCollection { [Telemetry.MapVersion] = map.Version }));
        ShardGenLog.MapLoaded(Logger, map.Version, Coordinator.ToString(), previous?.Version, map.Workers.Count, map.ColocationGroups.Count, Engine);
    }

    private async Task<RecoveryResult> RecordRecoveryAsync(Task<RecoveryResult> run)
    {
        using var span = Telemetry.Source.HasListeners() ? Telemetry.Source.StartActivity("shardgen.recover", ActivityKind.Internal) : null;
        RecoveryResult result;
        try
        {
            result = await run.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Telemetry.SetError(span, ex);
            throw;
        }

        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("shardgen.recovery.committed", result.Committed);
            span.SetTag("shardgen.recovery.rolled_back", result.RolledBack);
            span.SetTag("shardgen.recovery.in_flight", result.InFlight);
            span.SetTag("shardgen.recovery.failed", result.Failed);
            span.SetTag("shardgen.recovery.records_removed", result.RecordsRemoved);
        }

        if (Telemetry.RecoveryActions.Enabled)
        {
            Count("commit", result.Committed);
            Count("rollback", result.RolledBack);
            Count("failed", result.Failed);
            Count("record_removed", result.RecordsRemoved);
        }

        if (result.Committed + result.RolledBack + result.Failed + result.RecordsRemoved > 0)
        {
            ShardGenLog.RecoverySettled(Logger, result.Committed, result.RolledBack, result.InFlight, result.Failed, result.RecordsRemoved);
        }
        else
        {
            ShardGenLog.RecoveryIdle(Logger);
        }

        if (result.UnreachableNodes.Count > 0)
        {
            ShardGenLog.RecoveryUnreachable(Logger, string.Join(", ", result.UnreachableNodes));
        }

        return result;

        static void Count(string action, int count)
        {
            if (count > 0)
            {
                Telemetry.RecoveryActions.Add(count, new KeyValuePair<string, object?>(Telemetry.RecoveryAction, action));
            }
        }
    }
}
