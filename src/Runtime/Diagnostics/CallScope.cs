using System.Diagnostics;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// What a call's span and measurements call it, worked out once per table or query handle: the
/// collection (the table, or a query's routing table), and per statement the SQL verb (<c>db.operation.name</c>)
/// and the span name (<c>"{verb} {collection}"</c>, as OpenTelemetry's database conventions name spans).
/// </summary>
internal sealed class CallNames
{
    public CallNames(SchemaDefinition schema, int index, bool isQuery)
    {
        IReadOnlyList<SqlTemplate> statements;
        if (isQuery)
        {
            var query = schema.Queries[index];
            Query = query.Name;
            Collection = query.RoutingTable ?? query.ShardSql.Tables?.FirstOrDefault() ?? query.Name;
            statements = [query.ShardSql];
        }
        else
        {
            var table = schema.Tables[index];
            Collection = table.Name;
            statements = table.Statements;
        }

        Operations = new string[statements.Count];
        SpanNames = new string[statements.Count];
        for (var i = 0; i < statements.Count; i++)
        {
            Operations[i] = Verb(string.Concat(statements[i].Parts));
            SpanNames[i] = $"{Operations[i]} {Collection}";
        }
    }

    /// <summary>A call that is none of the table's statements (a bulk insert's <c>COPY</c>): one operation on <paramref name="collection"/>.</summary>
    public CallNames(string collection, string operation)
    {
        Collection = collection;
        Operations = [operation];
        SpanNames = [$"{operation} {collection}"];
    }

    public string Collection { get; }

    /// <summary>The <c>[Query]</c> method (<c>Namespace.Type.Method</c>); null for a table's own statements.</summary>
    public string? Query { get; }

    public string[] Operations { get; }

    public string[] SpanNames { get; }

    private static string Verb(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        var end = 0;
        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        return end == 0 ? "SQL" : text[..end].ToString().ToUpperInvariant();
    }
}

/// <summary>
/// When one node's part of a call that ran on several nodes started and finished (<see cref="Stopwatch.GetTimestamp"/>;
/// <paramref name="Finished"/> 0 while it runs): what the slow-call log names the slowest node by.
/// </summary>
internal readonly record struct NodeTime(Node Node, long Started, long Finished);

/// <summary>
/// One call's span and duration measurement. Started only when something listens (an
/// <see cref="ActivityListener"/> on <see cref="Telemetry.Source"/>, or a listener of
/// <see cref="Telemetry.CallDuration"/>); otherwise it holds nothing and costs a check of each.
/// A mutable struct: keep it in one local, never copy it.
/// </summary>
internal struct CallScope
{
    private readonly CallNames? _names;
    private readonly int _statement;
    private readonly string? _kind;
    private readonly long _start;
    private string? _error;

    private CallScope(CallNames names, int statement, string kind, long start, Activity? activity)
    {
        _names = names;
        _statement = statement;
        _kind = kind;
        _start = start;
        Activity = activity;
    }

    /// <summary>The call's span; null when nobody listens to ShardGen's activity source (or its sampler dropped it).</summary>
    public Activity? Activity { get; }

    /// <param name="ambient">Whether the span becomes <see cref="Activity.Current"/> for the rest of the caller's async flow;
    /// false for async iterators, whose flow the caller's code shares between rows.</param>
    public static CallScope Start(CallNames names, int statement, string kind, ActivityKind activityKind = ActivityKind.Client, bool ambient = true)
    {
        Activity? activity = null;
        if (Telemetry.Source.HasListeners())
        {
            var previous = Activity.Current;
            activity = Telemetry.Source.StartActivity(names.SpanNames[statement], activityKind);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag(Telemetry.DbSystem, Telemetry.PostgreSql);
                activity.SetTag(Telemetry.DbOperation, names.Operations[statement]);
                activity.SetTag(Telemetry.DbCollection, names.Collection);
                activity.SetTag(Telemetry.CallKind, kind);
                if (names.Query is { } query)
                {
                    activity.SetTag(Telemetry.QueryName, query);
                }
            }

            if (!ambient && activity is not null)
            {
                Activity.Current = previous;
            }
        }

        if (activity is null && !Telemetry.CallDuration.Enabled)
        {
            return default;
        }

        return new CallScope(names, statement, kind, Stopwatch.GetTimestamp(), activity);
    }

    /// <summary>Where the call went: the node (<c>server.address</c>, <c>server.port</c>) and, routed to a key, the shard and (opted in) the key.</summary>
    public readonly void Target(Node node, Routes routes, int shard, ShardKey key)
    {
        if (Activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        Telemetry.SetNode(activity, node);
        if (routes.Group is not null && shard >= 0 && key.HasValue)
        {
            activity.SetTag(Telemetry.ShardId, routes.ShardIds[shard]);
            if (routes.IncludeErrorDetail)
            {
                activity.SetTag(Telemetry.Key, key.ToString());
            }
        }
    }

    /// <summary>Marks the call failed and returns <paramref name="ex"/>, for <c>throw scope.Failed(...)</c>.</summary>
    public Exception Failed(Exception ex)
    {
        Fail(ex);
        return ex;
    }

    public void Fail(Exception ex)
    {
        _error = Telemetry.ErrorTypeOf(ex);
        Telemetry.SetError(Activity, ex);
    }

    /// <summary>Ends the span and records the duration; a scope started with nothing listening does nothing.</summary>
    public readonly void End()
    {
        if (_names is null)
        {
            return;
        }

        Activity?.Dispose();
        if (Telemetry.CallDuration.Enabled)
        {
            var tags = new TagList
            {
                { Telemetry.CallKind, _kind },
                { Telemetry.DbSystem, Telemetry.PostgreSql },
                { Telemetry.DbCollection, _names.Collection },
                { Telemetry.DbOperation, _names.Operations[_statement] },
            };
            if (_error is not null)
            {
                tags.Add(Telemetry.ErrorType, _error);
            }

            Telemetry.CallDuration.Record(Stopwatch.GetElapsedTime(_start).TotalSeconds, tags);
        }
    }
}
