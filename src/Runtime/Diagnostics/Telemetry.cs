using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ShardGen;

/// <summary>
/// ShardGen's activity source and instruments (<c>docs/observability.md</c>). Every caller asks
/// <see cref="ActivitySource.HasListeners"/> or <see cref="Instrument.Enabled"/> first, so that a process
/// nobody listens to pays for neither the spans nor their tags.
/// </summary>
internal static class Telemetry
{
    private static readonly string Version = typeof(Telemetry).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static readonly ActivitySource Source = new(ShardGenDiagnostics.ActivitySourceName, Version);

    public static readonly Meter Meter = new(ShardGenDiagnostics.MeterName, Version);

    /// <summary>Every call, by kind; its count is the number of calls.</summary>
    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram(
        "shardgen.call.duration", "s", "Duration of ShardGen calls (routed, multi-shard, reference, coordinator), from routing to the last row.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10] });

    public static readonly Histogram<int> FanOutWidth = Meter.CreateHistogram<int>(
        "shardgen.fanout.width", "{node}", "Number of nodes a multi-shard call ran on.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    public static readonly Counter<long> RowsMerged = Meter.CreateCounter<long>(
        "shardgen.fanout.rows", "{row}", "Rows that multi-shard reads brought together from their nodes.");

    public static readonly Counter<long> Transactions = Meter.CreateCounter<long>(
        "shardgen.transaction.count", "{transaction}", "Distributed transactions ended, by outcome and by whether they used two-phase commit.");

    public static readonly Counter<long> RecoveryActions = Meter.CreateCounter<long>(
        "shardgen.recovery.actions", "{action}", "Prepared transactions settled (or not) by recovery, by action.");

    public static readonly Histogram<double> PoolWaitTime = Meter.CreateHistogram(
        "shardgen.pool.wait_time", "s", "Time a call waited for a connection to a node whose connections were all in use (UseMaxConnectionsPerNode), by node and whether it got one.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30] });

    public static readonly Counter<long> MapLoads = Meter.CreateCounter<long>(
        "shardgen.map.loads", "{load}", "Shard maps loaded from the coordinator (first use, refresh, apply).");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "shardgen.call.retries", "{retry}", "Calls that met a shard move's fence: run again on the new placement, or (in a transaction) failed as retryable with the map reloaded.");

    // Tag names: OpenTelemetry's database conventions where they apply, shardgen.* for the rest.
    public const string DbSystem = "db.system.name";
    public const string DbOperation = "db.operation.name";
    public const string DbCollection = "db.collection.name";
    public const string DbNamespace = "db.namespace";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";
    public const string CallKind = "shardgen.call.kind";
    public const string QueryName = "shardgen.query";
    public const string Node = "shardgen.node";
    public const string ShardId = "shardgen.shard.id";
    public const string ShardCount = "shardgen.shard.count";
    public const string Key = "shardgen.key";
    public const string Rows = "shardgen.rows";
    public const string Nodes = "shardgen.nodes";
    public const string Parts = "shardgen.parts";
    public const string Outcome = "shardgen.transaction.outcome";
    public const string TwoPhase = "shardgen.transaction.two_phase";
    public const string Participants = "shardgen.transaction.participants";
    public const string RecoveryAction = "shardgen.recovery.action";
    public const string MapVersion = "shardgen.map.version";
    public const string PoolOutcome = "shardgen.pool.outcome";
    public const string RetryReason = "shardgen.retry.reason";
    public const string RetryNode = "shardgen.retry.node";
    public const string RetryInTransaction = "shardgen.retry.in_transaction";

    public const string PostgreSql = "postgresql";

    /// <summary>The call kinds, as <c>shardgen.call.kind</c> says them.</summary>
    public static class Kinds
    {
        public const string Router = "router";
        public const string MultiShard = "multi-shard";
        public const string Reference = "reference";
        public const string Coordinator = "coordinator";
    }

    /// <summary>Where a server failure is reported: what kind of error it was, as <c>error.type</c> says it.</summary>
    public static string ErrorTypeOf(Exception ex) => ex switch
    {
        ShardOperationException { IsNodeUnavailable: true } => "node_unavailable",
        ShardOperationException { SqlState: { } state } => state,
        OperationCanceledException => "cancelled",
        _ => ex.GetType().FullName ?? ex.GetType().Name,
    };

    /// <summary>
    /// A worker's span under the multi-shard call's span, which is <see cref="Activity.Current"/> while the
    /// call starts its workers; null when that call has no span (nobody listens). <see cref="Activity.Current"/> stays the
    /// call's span: the next worker's span is a sibling, not a child.
    /// </summary>
    public static Activity? StartWorker(WorkerStatement statement)
    {
        var span = StartNode(statement.Node, current: false);
        span?.SetTag(ShardCount, statement.Shards.Length);
        return span;
    }

    /// <summary>
    /// A node's span under the current call's span (<see cref="Activity.Current"/>, a ShardGen span), named and tagged as
    /// the call is, with the node's attributes; null when the call has no span. With <paramref name="current"/> it becomes
    /// <see cref="Activity.Current"/> (so that Npgsql's span of the statement goes under it) until it is disposed.
    /// </summary>
    public static Activity? StartNode(Node node, bool current = true)
    {
        if (Activity.Current is not { IsAllDataRequested: true } parent || !ReferenceEquals(parent.Source, Source))
        {
            return null;
        }

        var span = Source.StartActivity(parent.DisplayName, ActivityKind.Client, parent.Context);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(DbSystem, PostgreSql);
            span.SetTag(DbOperation, parent.GetTagItem(DbOperation));
            span.SetTag(DbCollection, parent.GetTagItem(DbCollection));
            if (parent.GetTagItem(QueryName) is { } query)
            {
                span.SetTag(QueryName, query);
            }

            SetNode(span, node);
        }

        if (!current)
        {
            Activity.Current = parent;
        }

        return span;
    }

    /// <summary>
    /// A step of a protocol on one node (two-phase commit, recovery) under the current ShardGen span; null when there is
    /// none (nobody listens). Disposing it makes its parent current again.
    /// </summary>
    public static Activity? StartStep(string name, string operation, Node node)
    {
        if (Activity.Current is not { } parent || !ReferenceEquals(parent.Source, Source))
        {
            return null;
        }

        var span = Source.StartActivity(name, ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(DbSystem, PostgreSql);
            span.SetTag(DbOperation, operation);
            SetNode(span, node);
        }

        return span;
    }

    /// <summary>Ends a node's span: its rows, and its error (<see cref="SetError"/>) if it failed.</summary>
    public static void EndNode(Activity? span, long? rows, Exception? error = null)
    {
        if (span is null)
        {
            return;
        }

        if (error is not null)
        {
            SetError(span, error);
        }

        if (rows is not null && span.IsAllDataRequested)
        {
            span.SetTag(Rows, rows);
        }

        span.Dispose();
    }

    /// <summary>A wait at a node's connection cap that started at <paramref name="started"/> has ended, with a connection or without.</summary>
    public static void RecordPoolWait(Node node, long started, bool acquired)
    {
        if (PoolWaitTime.Enabled)
        {
            PoolWaitTime.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(Node, node.Name),
                new KeyValuePair<string, object?>(PoolOutcome, acquired ? "acquired" : "exhausted"));
        }
    }

    public static void SetNode(Activity activity, Node node)
    {
        activity.SetTag(Node, node.Name);
        activity.SetTag(ServerAddress, node.Host);
        activity.SetTag(ServerPort, node.Port);
        activity.SetTag(DbNamespace, node.Database);
    }

    /// <summary>
    /// Marks a span failed as OpenTelemetry's conventions say: status Error with the exception's message, <c>error.type</c>,
    /// and an <c>exception</c> event (<c>exception.type</c>, <c>exception.message</c>, <c>exception.stacktrace</c>). The
    /// message of a ShardGen exception is redacted unless the data source opts in (<c>IncludeErrorDetail</c>).
    /// </summary>
    public static void SetError(Activity? activity, Exception ex)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, ex.Message);
        activity.SetTag(ErrorType, ErrorTypeOf(ex));
        if (activity.IsAllDataRequested)
        {
            activity.AddException(ex);
        }
    }
}
