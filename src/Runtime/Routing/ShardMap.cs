using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// An immutable snapshot of the cluster's topology as the metadata held it at <see cref="Version"/>:
/// colocation groups, their shards and workers, and every statement of every table and every planned
/// query already written out for every shard (and, for fan-out queries that combine their shards per
/// worker, for every worker). A call reads the current snapshot once; a topology change swaps in a new one.
/// Routing a key allocates nothing.
/// </summary>
public sealed class ShardMap
{
    private readonly TableRoutes[] _tables;
    private readonly QueryRoutes[] _queries;

    internal ShardMap(
        ShardEngine engine, long version, Node coordinator, IReadOnlyList<Node> workers, IReadOnlyList<Node> readableCopies, IReadOnlyList<ColocationGroup> groups,
        TableRoutes[] tables, QueryRoutes[] queries)
    {
        Engine = engine;
        Version = version;
        Coordinator = coordinator;
        Workers = workers;
        ReadableCopies = readableCopies;
        ColocationGroups = groups;
        _tables = tables;
        _queries = queries;
    }

    /// <summary>What distributes the tables this snapshot routes to.</summary>
    internal ShardEngine Engine { get; }

    /// <summary>The metadata version this snapshot was read at (on Citus, a digest of its catalogs).</summary>
    public long Version { get; }

    public Node Coordinator { get; }

    /// <summary>The workers the metadata knows, in the order they were added.</summary>
    public IReadOnlyList<Node> Workers { get; }

    /// <summary>
    /// The workers whose reference copies are complete (<c>ready</c> in the metadata), in the order of
    /// <see cref="Workers"/>: reference reads rotate over them, and the coordinator's copy. A worker whose
    /// copies are still being filled is not here, but reference writes reach it as every worker.
    /// </summary>
    public IReadOnlyList<Node> ReadableCopies { get; }

    public IReadOnlyList<ColocationGroup> ColocationGroups { get; }

    /// <summary>The shard placement of a distributed table (or null for other kinds).</summary>
    public ColocationGroup? GroupOf(TableDefinition table) => RoutesOf(table).Group;

    /// <summary>Where <paramref name="key"/> lives for a distributed table: shard and worker.</summary>
    public ShardRoute Route(TableDefinition table, ShardKey key)
    {
        var routes = RoutesOf(table);
        if (routes.Group is null)
        {
            throw new InvalidOperationException($"Table '{table.Name}' is a {table.Kind.ToString().ToLowerInvariant()} table: it has no shards to route to.");
        }

        var shard = routes.Group.ShardIndexOf(key);
        return new ShardRoute(table.Name, routes.ShardIds[shard], routes.ShardTables[shard], shard, routes.Group.NodeOfShard(shard));
    }

    /// <summary>Every shard of a distributed table, by shard index, with the worker holding it.</summary>
    public IReadOnlyList<ShardRoute> Shards(TableDefinition table)
    {
        var routes = RoutesOf(table);
        if (routes.Group is null)
        {
            return [];
        }

        var shards = new ShardRoute[routes.Group.ShardCount];
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i] = new ShardRoute(table.Name, routes.ShardIds[i], routes.ShardTables[i], i, routes.Group.NodeOfShard(i));
        }

        return shards;
    }

    internal TableRoutes RoutesOf(TableDefinition table)
    {
        foreach (var routes in _tables)
        {
            if (ReferenceEquals(routes.Definition, table))
            {
                return routes;
            }
        }

        throw new ArgumentException($"Table '{table.Name}' is not part of this data source's model.", nameof(table));
    }

    internal TableRoutes RoutesAt(int tableIndex) => _tables[tableIndex];

    internal QueryRoutes QueryRoutesAt(int queryIndex) => _queries[queryIndex];
}

/// <summary>Where one key of one distributed table lives.</summary>
/// <param name="Table">The logical table, e.g. <c>orders</c>.</param>
/// <param name="ShardId">The shard id, from the coordinator's sequence.</param>
/// <param name="ShardTable">The physical table on the worker, e.g. <c>orders_102008</c>.</param>
/// <param name="ShardIndex">The shard's position in its colocation group (0 to n - 1).</param>
/// <param name="Node">The worker holding the shard.</param>
public readonly record struct ShardRoute(string Table, long ShardId, string ShardTable, int ShardIndex, Node Node)
{
    /// <summary>Opens a connection to the worker that holds this shard, for raw SQL or Dapper.</summary>
    public ValueTask<Npgsql.NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        Node.DataSource.OpenConnectionAsync(cancellationToken);
}

/// <summary>
/// A colocation group: its shard count and, for shard i, the worker that holds shard i of every
/// table in the group.
/// </summary>
public sealed class ColocationGroup
{
    private readonly Node[] _nodeOfShard;
    private readonly int[] _workerOfShard;
    private readonly WorkerShards[] _shardsByWorker;
    private readonly uint _increment;

    // The smallest hash of each shard, ascending; null while the ranges are the uniform ones a group is
    // created with (routed by the formula). Ranges stop being uniform when a shard is split, as Citus splits
    // one to isolate a tenant; they then come from the metadata and are searched.
    private readonly int[]? _starts;

    /// <param name="minHashes">Each shard's smallest hash, from the metadata; null for the uniform ranges.</param>
    internal ColocationGroup(int id, string name, DistributionKeyType keyType, Node[] nodeOfShard, int[]? minHashes = null)
    {
        Id = id;
        Name = name;
        KeyType = keyType;
        _nodeOfShard = nodeOfShard;
        ShardCount = nodeOfShard.Length;
        _increment = HashRanges.Increment(ShardCount);
        if (minHashes is not null && !minHashes.Select((min, shard) => min == HashRanges.MinHash(shard, ShardCount)).All(uniform => uniform))
        {
            _starts = minHashes;
        }

        // The workers in the order of their first shard, each with its shards in shard order.
        var nodes = new List<Node>();
        var shards = new List<List<int>>();
        _workerOfShard = new int[ShardCount];
        for (var shard = 0; shard < ShardCount; shard++)
        {
            var worker = nodes.IndexOf(nodeOfShard[shard]);
            if (worker < 0)
            {
                worker = nodes.Count;
                nodes.Add(nodeOfShard[shard]);
                shards.Add([]);
            }

            shards[worker].Add(shard);
            _workerOfShard[shard] = worker;
        }

        _shardsByWorker = nodes.Select((node, i) => new WorkerShards(node, i, shards[i].ToArray())).ToArray();
    }

    public int Id { get; }

    public string Name { get; }

    public DistributionKeyType KeyType { get; }

    public int ShardCount { get; }

    public Node NodeOfShard(int shardIndex) => _nodeOfShard[shardIndex];

    /// <summary>The workers holding the group's shards, in the order of their first shard.</summary>
    internal IReadOnlyList<WorkerShards> ShardsByWorker => _shardsByWorker;

    /// <summary>The position in <see cref="ShardsByWorker"/> of the worker holding a shard.</summary>
    internal int WorkerOfShard(int shardIndex) => _workerOfShard[shardIndex];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int ShardIndexOf(ShardKey key)
    {
        if (key.Type != KeyType || !key.HasValue)
        {
            ThrowKeyType(key);
        }

        var hash = key.Hash();
        if (_starts is not { } starts)
        {
            return HashRanges.ShardIndex(hash, ShardCount, _increment);
        }

        // The last shard whose range starts at or below the hash.
        var index = Array.BinarySearch(starts, hash);
        return index >= 0 ? index : ~index - 1;
    }

    /// <summary>The smallest hash shard <paramref name="shardIndex"/> of the group holds.</summary>
    public int MinHash(int shardIndex) => _starts is { } starts ? starts[shardIndex] : HashRanges.MinHash(shardIndex, ShardCount);

    /// <summary>The largest hash shard <paramref name="shardIndex"/> of the group holds.</summary>
    public int MaxHash(int shardIndex) =>
        _starts is not { } starts ? HashRanges.MaxHash(shardIndex, ShardCount)
        : shardIndex == ShardCount - 1 ? int.MaxValue
        : starts[shardIndex + 1] - 1;

    private void ThrowKeyType(ShardKey key) =>
        throw new ArgumentException(
            key.HasValue
                ? $"Colocation group '{Name}' is distributed by {KeyType.SqlType()} keys; the key given is {key.Type.SqlType()}."
                : $"Colocation group '{Name}' needs a distribution key; none was given.",
            nameof(key));
}
