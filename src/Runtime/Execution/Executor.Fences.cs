using System.Diagnostics;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

// A call routed with a map older than a shard move meets the source's fence: its shard table is no longer where the map
// says (PostgreSQL resolves the name when the statement starts, and again after waiting for the move's write block), so
// the statement fails with undefined_table before it reads or writes a row. See "Stale maps" in docs/operations.md.
internal sealed partial class Executor
{
    /// <summary>The most a call that met a fence waits for the metadata to name the shard's new place.</summary>
    internal static readonly TimeSpan FenceWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FencePoll = TimeSpan.FromMilliseconds(25);

    /// <summary>Whether a routed statement failed because its shard table is not on the worker: fenced, or not yet in use.</summary>
    internal static bool IsFenced(Routes routes, Exception ex) =>
        routes.Placement == TableKind.Distributed && ex is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };

    /// <summary>
    /// After a call met a fence: the map reloaded until it places the key's shard elsewhere than <paramref name="routes"/>
    /// did (the move commits the metadata just after the fence), for at most <see cref="FenceWait"/>; null when it does not.
    /// </summary>
    private async Task<(ShardMap Map, Routes Routes)?> RoutesAfterFenceAsync(ShardMap map, Routes routes, ShardKey key, CancellationToken cancellationToken)
    {
        var stale = KeyTarget(routes, key);
        var waiting = Stopwatch.GetTimestamp();
        var current = map;
        while (true)
        {
            if (await _source.CurrentVersionAsync(cancellationToken).ConfigureAwait(false) != current.Version)
            {
                current = await _source.RefreshAsync(cancellationToken).ConfigureAwait(false);
                Routes fresh = _isQuery ? current.QueryRoutesAt(_index) : current.RoutesAt(_index);
                var target = KeyTarget(fresh, key);
                if (!ReferenceEquals(target.Node, stale.Node) || fresh.ShardTables[target.Shard] != routes.ShardTables[stale.Shard])
                {
                    return (current, fresh);
                }
            }

            if (Stopwatch.GetElapsedTime(waiting) > FenceWait)
            {
                return null;
            }

            await Task.Delay(FencePoll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs a call over several shards, and once more on a reloaded map when, outside a transaction, it met a fence on
    /// one of them. Safe because such a call that fails has returned no row and changed none: a read's rows are handed
    /// over only when all its shards answered, and a write's shards commit together or not at all (one worker's batch
    /// is one transaction; several workers', a two-phase one).
    /// </summary>
    private async Task<T> OnceMoreAfterFenceAsync<T>(int statement, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var (map, routes) = await RoutesAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (ShardOperationException ex) when (_source.CurrentTransaction is null && IsFenced(routes, ex.InnerException!))
        {
            if (await MapChangedAsync(map, cancellationToken).ConfigureAwait(false) is not { } reloaded)
            {
                throw;
            }

            CountRetry(inTransaction: false);
            ShardGenLog.FencedFanOutRetried(_source.Logger, _names.Operations[statement], _names.Collection, ex.Node, reloaded.Version);
        }

        return await call(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The map reloaded once the metadata moved past <paramref name="map"/>'s version, within <see cref="FenceWait"/>; null when it did not.</summary>
    private async Task<ShardMap?> MapChangedAsync(ShardMap map, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(waiting) <= FenceWait)
        {
            if (await _source.CurrentVersionAsync(cancellationToken).ConfigureAwait(false) != map.Version)
            {
                return await _source.RefreshAsync(cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(FencePoll, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>
    /// A call in a transaction that met a fence cannot run again by itself (the transaction's earlier statements ran on the
    /// old placement): the map is reloaded so that the caller's retry of the whole transaction goes to the new one, and
    /// the call fails as retryable (<see cref="ShardOperationException.IsRetryable"/>). Reported as a retry left to the caller.
    /// </summary>
    private async Task ReloadAfterFenceAsync(ShardMap map, Routes routes, ShardKey key, int statement, Node fenced, Activity? span)
    {
        using var bound = new CancellationTokenSource(FenceWait);
        (ShardMap Map, Routes Routes)? moved = null;
        try
        {
            moved = await RoutesAfterFenceAsync(map, routes, key, bound.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ShardGenException or OperationCanceledException || Failures.IsServerFailure(ex))
        {
            // The failure the caller gets is the fence's; the timer or the next fenced call reloads the map.
        }

        var version = moved?.Map.Version;
        if (span is { IsAllDataRequested: true })
        {
            var tags = new ActivityTagsCollection
            {
                [Telemetry.RetryReason] = "fenced",
                [Telemetry.Node] = fenced.Name,
                [Telemetry.RetryInTransaction] = true,
            };
            if (version is not null)
            {
                tags[Telemetry.MapVersion] = version;
            }

            span.AddEvent(new ActivityEvent("shardgen.retry", tags: tags));
        }

        CountRetry(inTransaction: true);
        ShardGenLog.FencedCallInTransaction(_source.Logger, _names.Operations[statement], _names.Collection, fenced.Name, version);
    }

    /// <summary>
    /// A call met a fence on <paramref name="fenced"/> and runs again on the placement of the reloaded map: an event
    /// <c>shardgen.retry</c> on its span, the retry counted, and a log line (without the key).
    /// </summary>
    private void OnFencedRetry(Activity? span, int statement, Node fenced, ShardMap map, Routes routes, ShardKey key)
    {
        var target = KeyTarget(routes, key);
        span?.AddEvent(new ActivityEvent("shardgen.retry", tags: new ActivityTagsCollection
        {
            [Telemetry.RetryReason] = "fenced",
            [Telemetry.Node] = fenced.Name,
            [Telemetry.RetryNode] = target.Node.Name,
            [Telemetry.MapVersion] = map.Version,
        }));
        CountRetry(inTransaction: false);
        ShardGenLog.FencedCallRetried(_source.Logger, _names.Operations[statement], _names.Collection, fenced.Name, target.Node.Name, routes.ShardIds[target.Shard], map.Version);
    }

    private void CountRetry(bool inTransaction)
    {
        if (Telemetry.Retries.Enabled)
        {
            Telemetry.Retries.Add(
                1,
                new KeyValuePair<string, object?>(Telemetry.RetryReason, "fenced"),
                new KeyValuePair<string, object?>(Telemetry.DbCollection, _names.Collection),
                new KeyValuePair<string, object?>(Telemetry.RetryInTransaction, inTransaction));
        }
    }
}
