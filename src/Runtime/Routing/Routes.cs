using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// What one table or one planned query runs against in a <see cref="ShardMap"/> snapshot: the shards of
/// a colocation group (or a reference copy, or the coordinator) and its statements written out for each.
/// The execution core reads only this, so tables and queries share one way to route, fan out and fail.
/// </summary>
internal abstract class Routes
{
    protected Routes(TableKind placement, ColocationGroup? group, long[] shardIds, string[] shardTables, string table, string subject, string? query, bool includeErrorDetail)
    {
        Placement = placement;
        IncludeErrorDetail = includeErrorDetail;
        Subject = subject;
        Group = group;
        ShardIds = shardIds;
        ShardTables = shardTables;
        Table = table;
        Query = query;
    }

    /// <summary>Distributed: on the shards of <see cref="Group"/>; Reference: on a copy; Local: on the coordinator.</summary>
    public TableKind Placement { get; }

    /// <summary>The colocation group whose shards the statements run on; null for reference and local placement.</summary>
    public ColocationGroup? Group { get; }

    /// <summary>Shard ids by shard index (of the routing table, for a query); one entry (0) without shards.</summary>
    public long[] ShardIds { get; }

    /// <summary>Physical table names by shard index; <see cref="Table"/> itself without shards.</summary>
    public string[] ShardTables { get; }

    /// <summary>The table errors name: the table, the query's routing table, or the tables a reference or local query reads.</summary>
    public string Table { get; }

    /// <summary>How errors name <see cref="Table"/>: <c>table 'accounts'</c>, or <c>tables 'settings', 'currencies'</c>.</summary>
    public string Subject { get; }

    /// <summary>The query errors name (<c>Namespace.Type.Method</c>); null for a table's own statements.</summary>
    public string? Query { get; }

    /// <summary>
    /// Whether errors show data (key values and the server's detail, both cut short) instead of only key
    /// types: the data source's choice (<see cref="ShardedDataSourceBuilder.IncludeErrorDetail"/>), carried
    /// here to where errors are written.
    /// </summary>
    public bool IncludeErrorDetail { get; }

    /// <summary>Why calls of these routes are refused before anything is sent, if they are (a definition the engine cannot run).</summary>
    public string? Refusal { get; init; }

    /// <summary>A statement's text by shard index (one entry without shards).</summary>
    public abstract string[] Texts(int statement);

    /// <summary>The start and end of a worker's combined statement; null when each shard's statement runs on its own.</summary>
    public virtual (string Prefix, string Suffix)? WorkerCombination => null;

    /// <summary>A statement's combined text for all of a worker's shards, by worker in <see cref="ColocationGroup.ShardsByWorker"/>.</summary>
    public virtual string[]? WorkerTexts(int statement) => null;
}

/// <summary>One table: its group, its shards, and its statements written out per shard.</summary>
internal sealed class TableRoutes : Routes
{
    public TableRoutes(TableDefinition table, ColocationGroup? group, long[] shardIds, string[] shardTables, string[][] statements, bool includeErrorDetail)
        : base(table.Kind, group, shardIds, shardTables, table.Name, $"table '{table.Name}'", query: null, includeErrorDetail)
    {
        Definition = table;
        Statements = statements;
    }

    public TableDefinition Definition { get; }

    /// <summary>Statement text by statement index, then shard index.</summary>
    public string[][] Statements { get; }

    public override string[] Texts(int statement) => Statements[statement];
}

/// <summary>One planned query: the routing table's shards and the query's text for each of them.</summary>
internal sealed class QueryRoutes : Routes
{
    private const string UnionAll = "\nUNION ALL\n";

    private readonly string[] _statements;
    private readonly string[]? _workerStatements;

    private QueryRoutes(
        QueryDefinition query, TableKind placement, ColocationGroup? group, long[] shardIds, string[] shardTables, string table, string[] statements, string[]? workerStatements,
        bool includeErrorDetail)
        : base(placement, group, shardIds, shardTables, table, SubjectOf(query, group is null), query.Name, includeErrorDetail)
    {
        Definition = query;
        _statements = statements;
        _workerStatements = workerStatements;
    }

    public QueryDefinition Definition { get; }

    public override string[] Texts(int statement) => _statements;

    public override (string Prefix, string Suffix)? WorkerCombination =>
        Definition.WorkerPrefix is { } prefix ? (prefix, Definition.WorkerSuffix!) : null;

    public override string[]? WorkerTexts(int statement) => _workerStatements;

    /// <summary>A worker's one statement over some of its shards: prefix, the shards' statements joined with UNION ALL, suffix.</summary>
    public static string Combine(string prefix, string[] statements, IReadOnlyList<int> shards, string suffix)
    {
        var length = prefix.Length + suffix.Length + (shards.Count - 1) * UnionAll.Length;
        foreach (var shard in shards)
        {
            length += statements[shard].Length;
        }

        var text = new System.Text.StringBuilder(length).Append(prefix);
        for (var i = 0; i < shards.Count; i++)
        {
            text.Append(i == 0 ? "" : UnionAll).Append(statements[shards[i]]);
        }

        return text.Append(suffix).ToString();
    }

    // A routed query is named by its routing table, a reference or local one by every table it reads.
    private static string SubjectOf(QueryDefinition query, bool unrouted) =>
        !unrouted ? $"table '{query.RoutingTable}'"
        : query.TableNames.Count == 0 ? "no table"
        : (query.TableNames.Count == 1 ? "table " : "tables ") + string.Join(", ", query.TableNames.Select(t => $"'{t}'"));

    /// <summary>Writes the query out for every shard of its routing table's group, or once for a reference or local query.</summary>
    public static QueryRoutes Build(QueryDefinition query, Func<string, TableRoutes> tableRoutes, ShardEngine engine, bool includeErrorDetail)
    {
        var template = query.ShardSql;
        var names = new string[template.Parts.Count - 1];
        if (engine == ShardEngine.Citus && query.AsWritten is { } asWritten)
        {
            // Citus plans it: sent once, as written, to a node with Citus's metadata (the coordinator when it reads a
            // local table, which lives only there); a write goes to the coordinator.
            var written = asWritten.Tables is { } places ? places.Select(Identifiers.Quote).ToArray() : [];
            var tables = string.Join(", ", query.TableNames);
            var local = query.TableNames.Any(name => tableRoutes(name).Placement == TableKind.Local);
            return new QueryRoutes(query, local ? TableKind.Local : TableKind.Reference, null, [0], [tables], tables, [asWritten.Render(written)], null, includeErrorDetail);
        }

        if (query.RoutingTable is null)
        {
            for (var slot = 0; slot < names.Length; slot++)
            {
                names[slot] = Identifiers.Quote(query.TableAt(slot));
            }

            var tables = query.TableNames.Count == 0 ? "(none)" : string.Join(", ", query.TableNames);
            var placement = query.Target == QueryTarget.Local ? TableKind.Local : TableKind.Reference;
            return new QueryRoutes(query, placement, null, [0], [tables], tables, [template.Render(names)], null, includeErrorDetail);
        }

        var routing = tableRoutes(query.RoutingTable);
        var group = routing.Group!;
        var slots = new TableRoutes[names.Length];
        for (var slot = 0; slot < slots.Length; slot++)
        {
            slots[slot] = tableRoutes(query.TableAt(slot));
        }

        // Colocated tables share shard indexes: shard i of the query reads shard i of each of them. On Citus every
        // shard's statement names the distributed tables: a router query runs on the shard's node, where Citus runs it.
        var citus = engine == ShardEngine.Citus;
        var statements = new string[group.ShardCount];
        for (var shard = 0; shard < statements.Length; shard++)
        {
            if (citus && shard > 0)
            {
                statements[shard] = statements[0];
                continue;
            }

            for (var slot = 0; slot < slots.Length; slot++)
            {
                names[slot] = Identifiers.Quote(slots[slot].Group is null || citus ? slots[slot].Table : slots[slot].ShardTables[shard]);
            }

            statements[shard] = template.Render(names);
        }

        if (citus && query.Target != QueryTarget.Router)
        {
            // Several shards' statements over the distributed tables would each read every shard: refused when called.
            return new QueryRoutes(query, TableKind.Distributed, group, routing.ShardIds, routing.ShardTables, routing.Table, statements, null, includeErrorDetail)
            {
                Refusal = $"Query '{query.Name}' runs on several shards, and on Citus such a query is sent to Citus as written, but its definition carries no statement as written "
                    + "(QueryDefinition.AsWritten): it was generated by an older ShardGen or built by hand. Rebuild the project with this version of ShardGen, or give the definition its statement as written.",
            };
        }

        string[]? workerStatements = null;
        if (query.WorkerPrefix is { } prefix)
        {
            workerStatements = group.ShardsByWorker
                .Select(worker => Combine(prefix, statements, worker.Shards, query.WorkerSuffix!))
                .ToArray();
        }

        return new QueryRoutes(query, TableKind.Distributed, group, routing.ShardIds, routing.ShardTables, routing.Table, statements, workerStatements, includeErrorDetail);
    }
}

/// <summary>A worker of a colocation group, its position among the group's workers, and its shards in shard order.</summary>
internal sealed record WorkerShards(Node Node, int Index, int[] Shards);
