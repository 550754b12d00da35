using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ShardGen;

// What a data source reports of itself: its logger, the threshold past which a call on several nodes is logged as
// slow, the shard maps it loads and what recovery does.
public sealed partial class ShardedDataSource
{
    /// <summary>ShardGen's logger (category <see cref="ShardGenDiagnostics.LoggerCategory"/>), from <see cref="ShardedDataSourceBuilder.UseLoggerFactory"/>.</summary>
    internal ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>A call on several nodes (multi-shard, a reference write, a bulk insert) that takes this long or longer is logged (<see cref="ShardedDataSourceBuilder.UseSlowFanOutThreshold"/>); zero: never.</summary>
    internal TimeSpan SlowFanOutThreshold { get; init; } = ShardedDataSourceBuilder.DefaultSlowFanOutThreshold;

    /// <summary>
    /// Ends a call that ran on several nodes (a multi-shard read or write, a reference write on every copy, a bulk insert):
    /// the span's width (<c>shardgen.nodes</c>) and rows, the width measured for a multi-shard call, the rows of a read
    /// counted, and the call logged if it took <see cref="SlowFanOutThreshold"/> or longer, naming the node whose part
    /// took longest (a part still running when the call ended counts up to that moment).
    /// </summary>
    /// <param name="rows">Rows read, or rows written for a write; null when the call failed before it knew.</param>
    /// <param name="nodes">Each node's part; enumerated only when the call is logged.</param>
    internal void EndMultiNodeCall(
        CallScope scope, CallNames names, int statement, string kind, long started, int width, long? rows, bool read, IEnumerable<NodeTime>? nodes)
    {
        if (scope.Activity is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(Telemetry.Nodes, width);
            if (rows is not null)
            {
                activity.SetTag(Telemetry.Rows, rows);
            }
        }

        scope.End();
        var collection = new KeyValuePair<string, object?>(Telemetry.DbCollection, names.Collection);
        if (kind == Telemetry.Kinds.MultiShard && Telemetry.FanOutWidth.Enabled)
        {
            Telemetry.FanOutWidth.Record(width, collection);
        }

        if (read && rows is { } merged && Telemetry.RowsMerged.Enabled)
        {
            Telemetry.RowsMerged.Add(merged, collection);
        }

        var ended = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(started, ended);
        if (SlowFanOutThreshold <= TimeSpan.Zero || elapsed < SlowFanOutThreshold || nodes is null || !Logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        NodeTime? slowest = null;
        var slowestTime = TimeSpan.Zero;
        foreach (var node in nodes)
        {
            if (node.Node is null)
            {
                continue; // a part that never started
            }

            var time = Stopwatch.GetElapsedTime(node.Started, node.Finished == 0 ? ended : node.Finished);
            if (slowest is null || time > slowestTime)
            {
                (slowest, slowestTime) = (node, time);
            }
        }

        if (slowest is { } found)
        {
            ShardGenLog.SlowCall(
                Logger, kind, names.Operations[statement], names.Collection, (long)elapsed.TotalMilliseconds, width, found.Node.Name, (long)slowestTime.TotalMilliseconds);
        }
    }

    private void OnMapLoaded(ShardMap map, ShardMap? previous)
    {
        if (Telemetry.MapLoads.Enabled)
        {
            Telemetry.MapLoads.Add(1);
        }

        Activity.Current?.AddEvent(new ActivityEvent("shardgen.map.loaded", tags: new ActivityTagsCollection { [Telemetry.MapVersion] = map.Version }));
        ShardGenLog.MapLoaded(Logger, map.Version, Coordinator.ToString(), previous?.Version, map.Workers.Count, map.ColocationGroups.Count, Engine);
    }

    // The run starts inside the span, so that each prepared part it settles has a child span (TransactionRecovery.SettleAsync).
    private async Task<RecoveryResult> RecordRecoveryAsync(Func<Task<RecoveryResult>> run)
    {
        using var span = Telemetry.Source.HasListeners() ? Telemetry.Source.StartActivity("shardgen.recover", ActivityKind.Internal) : null;
        RecoveryResult result;
        try
        {
            result = await run().ConfigureAwait(false);
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
