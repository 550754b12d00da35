using Microsoft.Extensions.Logging;

namespace ShardGen;

/// <summary>
/// ShardGen's log events, source-generated (<see cref="LoggerMessageAttribute"/>): each one is a cached
/// template, and nothing is formatted for a level that is off. None is written per routed call above
/// <see cref="LogLevel.Debug"/>; key values never appear in them. The list, with ids, is in <c>docs/observability.md</c>.
/// </summary>
internal static partial class ShardGenLog
{
    [LoggerMessage(1001, LogLevel.Information, "Shard map version {Version} loaded from the coordinator {Coordinator} (previous version {PreviousVersion}): {Workers} workers, {Groups} colocation groups, engine {Engine}")]
    public static partial void MapLoaded(ILogger logger, long version, string coordinator, long? previousVersion, int workers, int groups, ShardEngine engine);

    [LoggerMessage(1002, LogLevel.Warning, "The shard map could not be refreshed from the coordinator {Coordinator}; version {Version} stays in use until the next try")]
    public static partial void MapRefreshFailed(ILogger logger, string coordinator, long? version, Exception exception);

    [LoggerMessage(1003, LogLevel.Information, "A routed call ran on another node than the map said (Citus forwarded it: the shard moved); reloading the shard map")]
    public static partial void StaleRoute(ILogger logger);

    [LoggerMessage(1004, LogLevel.Information, "A call {Operation} on '{Collection}' met a shard move's fence on node '{FencedNode}' (the map it used was older than the move); ran it again on node '{Node}' (shard {ShardId}, shard map version {Version})")]
    public static partial void FencedCallRetried(ILogger logger, string operation, string collection, string fencedNode, string node, long shardId, long version);

    [LoggerMessage(1005, LogLevel.Information, "A call {Operation} on '{Collection}' in a transaction met a shard move's fence on node '{FencedNode}'; it failed as retryable and the shard map was reloaded (version {Version}): the transaction must run again")]
    public static partial void FencedCallInTransaction(ILogger logger, string operation, string collection, string fencedNode, long? version);

    [LoggerMessage(1006, LogLevel.Information, "A call {Operation} on '{Collection}' over several shards met a shard move's fence on node '{FencedNode}' before it returned or changed a row; ran it again with shard map version {Version}")]
    public static partial void FencedFanOutRetried(ILogger logger, string operation, string collection, string fencedNode, long version);

    [LoggerMessage(2001, LogLevel.Information, "Recovery settled prepared transactions: {Committed} committed, {RolledBack} rolled back, {InFlight} in flight, {Failed} failed, {RecordsRemoved} decision records removed")]
    public static partial void RecoverySettled(ILogger logger, int committed, int rolledBack, int inFlight, int failed, int recordsRemoved);

    [LoggerMessage(2002, LogLevel.Debug, "Recovery found nothing to settle")]
    public static partial void RecoveryIdle(ILogger logger);

    [LoggerMessage(2003, LogLevel.Warning, "Recovery could not reach node(s) {Nodes}: their prepared transactions wait for the next run")]
    public static partial void RecoveryUnreachable(ILogger logger, string nodes);

    [LoggerMessage(2004, LogLevel.Warning, "Recovery of distributed transactions failed; the next run tries again")]
    public static partial void RecoveryFailed(ILogger logger, Exception exception);

    [LoggerMessage(3001, LogLevel.Debug, "Distributed transaction committed with two-phase commit on {Participants}")]
    public static partial void TwoPhaseCommitted(ILogger logger, string participants);

    [LoggerMessage(3002, LogLevel.Warning, "Distributed transaction on {Participants} rolled back during its commit: {Reason}")]
    public static partial void TwoPhaseRolledBack(ILogger logger, string participants, string reason);

    [LoggerMessage(3003, LogLevel.Error, "The outcome of a distributed transaction on {Participants} is not known: its prepared parts wait for recovery")]
    public static partial void TwoPhaseOutcomeUnknown(ILogger logger, string participants, Exception exception);

    [LoggerMessage(4001, LogLevel.Warning, "Slow {Kind} call {Operation} on '{Collection}': {ElapsedMs} ms over {Nodes} node(s); slowest node '{SlowestNode}' ({SlowestMs} ms)")]
    public static partial void SlowCall(ILogger logger, string kind, string operation, string collection, long elapsedMs, int nodes, string slowestNode, long slowestMs);

}
