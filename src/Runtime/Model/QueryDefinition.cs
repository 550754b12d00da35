namespace ShardGen.Model;

/// <summary>Where a planned query runs.</summary>
public enum QueryTarget
{
    /// <summary>On the one shard that holds the distribution key the call gives (Citus's router query).</summary>
    Router,

    /// <summary>On several shards of the routing table's colocation group (all, or those of the keys given), rows merged.</summary>
    FanOut,

    /// <summary>On one copy of reference tables (reads), or on every copy (writes).</summary>
    Reference,

    /// <summary>On the coordinator (local tables, possibly joined with reference tables).</summary>
    Local,
}

/// <summary>
/// A <c>[Query]</c> method as the generator planned it: where it runs and the text it runs there.
/// Nothing of it is parsed at run time: the shard map writes <see cref="ShardSql"/> out once per
/// shard, and a call only picks the finished strings.
/// </summary>
public sealed class QueryDefinition
{
    private readonly string[] _tableNames;

    /// <param name="name">The method, as <c>Namespace.Type.Method</c>: what error messages name.</param>
    /// <param name="target">Where the query runs.</param>
    /// <param name="shardSql">The statement for one shard (router and fan-out queries) or the whole statement (reference and local queries).</param>
    /// <param name="routingTable">For router and fan-out queries: the distributed table whose colocation group routes the keys and lists the shards.</param>
    /// <param name="workerPrefix">For fan-out reads: when set, each worker runs one statement, this prefix + its shards' statements joined with <c>UNION ALL</c> + <paramref name="workerSuffix"/>.</param>
    /// <param name="workerSuffix">The end of each worker's statement (e.g. <c>) AS w ORDER BY 1</c>); needs <paramref name="workerPrefix"/>.</param>
    /// <param name="asWritten">
    /// The whole statement as the method wrote it (parameters numbered, each table's name in a place), for a query that
    /// ShardGen runs as several statements (a fan-out, reads joined on the coordinator, an INSERT split by key): on the
    /// Citus engine the query is sent as it is and Citus plans it (<c>docs/citus.md</c>). Null when <paramref name="shardSql"/> is already the whole statement.
    /// </param>
    public QueryDefinition(
        string name,
        QueryTarget target,
        SqlTemplate shardSql,
        string? routingTable = null,
        string? workerPrefix = null,
        string? workerSuffix = null,
        SqlTemplate? asWritten = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shardSql);
        if (!Enum.IsDefined(target))
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, $"Query '{name}' has an unknown target.");
        }

        var routed = target is QueryTarget.Router or QueryTarget.FanOut;
        if (routed && string.IsNullOrEmpty(routingTable))
        {
            throw new ArgumentException($"Query '{name}' runs on shards ({target}): it needs the routing table whose shards it runs on.", nameof(routingTable));
        }

        if (!routed && routingTable is not null)
        {
            throw new ArgumentException($"Query '{name}' runs on {(target == QueryTarget.Local ? "the coordinator" : "reference copies")}: it has no routing table, yet '{routingTable}' was given.", nameof(routingTable));
        }

        if (workerPrefix is null && workerSuffix is not null)
        {
            throw new ArgumentException($"Query '{name}' has a worker suffix but no worker prefix: give \"\" as the prefix to combine the shards' statements without one.", nameof(workerSuffix));
        }

        if (!routed && workerPrefix is not null)
        {
            throw new ArgumentException($"Query '{name}' runs as one statement ({target}): it has no shards' statements to combine per worker.", nameof(workerPrefix));
        }

        if (!routed && shardSql.Tables is null && shardSql.Parts.Count > 1)
        {
            throw new ArgumentException($"Query '{name}' ({target}) has places for table names but does not say which tables go there: build its SqlTemplate with the tables.", nameof(shardSql));
        }

        if (asWritten is { Tables: null, Parts.Count: > 1 })
        {
            throw new ArgumentException($"Query '{name}' has places for table names in its statement as written but does not say which tables go there: build its SqlTemplate with the tables.", nameof(asWritten));
        }

        Name = name;
        Target = target;
        ShardSql = shardSql;
        RoutingTable = routingTable;
        WorkerPrefix = workerPrefix;
        WorkerSuffix = workerPrefix is null ? null : workerSuffix ?? "";
        AsWritten = asWritten;

        var names = new List<string>();
        if (routingTable is not null)
        {
            names.Add(routingTable);
        }

        foreach (var table in shardSql.Tables ?? [])
        {
            if (!names.Contains(table, StringComparer.Ordinal))
            {
                names.Add(table);
            }
        }

        _tableNames = names.ToArray();
    }

    /// <summary>The method, as <c>Namespace.Type.Method</c>; error messages name it.</summary>
    public string Name { get; }

    public QueryTarget Target { get; }

    /// <summary>
    /// The statement for one shard (router and fan-out queries) or the whole statement (reference and
    /// local queries). A template without tables (<see cref="SqlTemplate(string[])"/>) puts the routing
    /// table in every place.
    /// </summary>
    public SqlTemplate ShardSql { get; }

    /// <summary>Router and fan-out queries: the distributed table whose colocation group routes the keys and lists the shards.</summary>
    public string? RoutingTable { get; }

    /// <summary>
    /// Fan-out reads: when set, each worker gets one statement, <c>WorkerPrefix</c> + its shards'
    /// statements joined with <c>"\nUNION ALL\n"</c> + <see cref="WorkerSuffix"/>; when null, each worker
    /// gets its shards' statements as one <c>NpgsqlBatch</c>.
    /// </summary>
    public string? WorkerPrefix { get; }

    /// <summary>The end of each worker's combined statement (e.g. <c>") AS w ORDER BY 1 DESC"</c>); "" when only a prefix was given.</summary>
    public string? WorkerSuffix { get; }

    /// <summary>
    /// The whole statement as written, for a query ShardGen runs as several statements; null when <see cref="ShardSql"/>
    /// is the whole statement. The Citus engine sends it to Citus as it is.
    /// </summary>
    public SqlTemplate? AsWritten { get; }

    /// <summary>Every table the query names: the routing table first, then the template's tables, each once.</summary>
    internal IReadOnlyList<string> TableNames => _tableNames;

    /// <summary>The table that goes in place <paramref name="slot"/> of <see cref="ShardSql"/>.</summary>
    internal string TableAt(int slot) => ShardSql.Tables is { } tables ? tables[slot] : RoutingTable!;

    public override string ToString() => Name;
}
