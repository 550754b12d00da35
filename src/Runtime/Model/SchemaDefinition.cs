namespace ShardGen.Model;

/// <summary>Every table and planned query of one compiled model (one assembly), as the generated entry point exposes it.</summary>
public sealed class SchemaDefinition
{
    private readonly Dictionary<string, TableDefinition> _byName;

    public SchemaDefinition(IReadOnlyList<TableDefinition> tables)
        : this(tables, [])
    {
    }

    /// <summary>
    /// A model with <c>[Query]</c> methods. Every table a query names must be in <paramref name="tables"/>,
    /// and the tables must be where the query's target can reach them.
    /// </summary>
    public SchemaDefinition(IReadOnlyList<TableDefinition> tables, IReadOnlyList<QueryDefinition> queries)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(queries);
        Tables = tables;
        Queries = queries;
        _byName = new Dictionary<string, TableDefinition>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (!_byName.TryAdd(table.Name, table))
            {
                throw new ArgumentException($"Two tables are named '{table.Name}'.", nameof(tables));
            }
        }

        var groups = new SortedDictionary<string, DistributionKeyType>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (table.Kind != TableKind.Distributed)
            {
                continue;
            }

            if (groups.TryGetValue(table.ColocationGroup!, out var keyType) && keyType != table.KeyType)
            {
                throw new ArgumentException(
                    $"Table '{table.Name}' has a {table.KeyType.SqlType()} key but colocation group '{table.ColocationGroup}' holds {keyType.SqlType()} keys.",
                    nameof(tables));
            }

            groups[table.ColocationGroup!] = table.KeyType;
        }

        ColocationGroups = groups.Select(g => new ColocationGroupDefinition(g.Key, g.Value)).ToArray();

        var seen = new HashSet<QueryDefinition>(ReferenceEqualityComparer.Instance);
        foreach (var query in queries)
        {
            ArgumentNullException.ThrowIfNull(query, nameof(queries));
            if (!seen.Add(query))
            {
                throw new ArgumentException($"Query '{query.Name}' is listed twice.", nameof(queries));
            }

            Validate(query);
        }
    }

    public IReadOnlyList<TableDefinition> Tables { get; }

    /// <summary>The planned <c>[Query]</c> methods of the model.</summary>
    public IReadOnlyList<QueryDefinition> Queries { get; }

    /// <summary>The colocation groups the distributed tables name, in ordinal order of their names.</summary>
    public IReadOnlyList<ColocationGroupDefinition> ColocationGroups { get; }

    public TableDefinition this[string name] =>
        _byName.TryGetValue(name, out var table) ? table : throw new KeyNotFoundException($"The model has no table '{name}'.");

    public bool TryGetTable(string name, out TableDefinition table) => _byName.TryGetValue(name, out table!);

    // What a query names must exist and be reachable from where it runs: shards of one colocation
    // group (and reference copies, which every worker holds) for router and fan-out queries, reference
    // copies alone on a worker, and the coordinator's local tables and reference copies.
    private void Validate(QueryDefinition query)
    {
        TableDefinition? routing = null;
        if (query.RoutingTable is { } routingName)
        {
            routing = Find(query, routingName);
            if (routing.Kind != TableKind.Distributed)
            {
                throw new ArgumentException(
                    $"Query '{query.Name}' routes by table '{routing.Name}', a {Describe(routing.Kind)} table: the routing table must be distributed.",
                    "queries");
            }
        }

        foreach (var name in query.TableNames)
        {
            var table = Find(query, name);
            var reachable = (query.Target, table.Kind) switch
            {
                (QueryTarget.Router or QueryTarget.FanOut, TableKind.Distributed) => table.ColocationGroup == routing!.ColocationGroup,
                (QueryTarget.Router or QueryTarget.FanOut, TableKind.Reference) => true,
                (QueryTarget.Reference, TableKind.Reference) => true,
                (QueryTarget.Local, TableKind.Local or TableKind.Reference) => true,
                _ => false,
            };
            if (reachable)
            {
                continue;
            }

            var why = (query.Target, table.Kind) switch
            {
                (QueryTarget.Router or QueryTarget.FanOut, TableKind.Distributed) =>
                    $"it is in colocation group '{table.ColocationGroup}' but the routing table '{routing!.Name}' is in '{routing.ColocationGroup}': only colocated tables can be joined inside one shard",
                (_, TableKind.Local) => "local tables live only on the coordinator",
                (QueryTarget.Local, _) => "a local query runs on the coordinator, which holds no shards",
                _ => "a reference query runs on one copy of reference tables, which holds no shards",
            };
            throw new ArgumentException(
                $"Query '{query.Name}' ({query.Target}) cannot read {Describe(table.Kind)} table '{table.Name}': {why}.", "queries");
        }
    }

    private TableDefinition Find(QueryDefinition query, string name) =>
        _byName.TryGetValue(name, out var table)
            ? table
            : throw new ArgumentException($"Query '{query.Name}' names table '{name}', which is not in the model.", "queries");

    private static string Describe(TableKind kind) => kind.ToString().ToLowerInvariant();
}

/// <summary>A colocation group: tables whose shard i always sits on the same worker.</summary>
public sealed record ColocationGroupDefinition(string Name, DistributionKeyType KeyType);
