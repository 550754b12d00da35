using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// A sharded database: the coordinator, the workers (one <see cref="NpgsqlDataSource"/> each, so
/// pooling and prepared statements are Npgsql's), the compiled model, and the current
/// <see cref="ShardMap"/> snapshot. Build one with <see cref="ShardedDataSourceBuilder"/>.
/// </summary>
public sealed partial class ShardedDataSource : IAsyncDisposable
{
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<Node> _configuredWorkers;
    private readonly ShardedTable[] _tables;
    private readonly Dictionary<QueryDefinition, ShardedQuery> _queries;
    private readonly int _shardCount;
    private readonly bool _shardCountGiven;
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private readonly AsyncLocal<ShardedTransaction?> _ambient = new();
    private readonly TimeSpan _recoveryInterval;
    private readonly bool _recoverOnLoad;
    private readonly TimeSpan _mapRefreshInterval;
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;
    private Task _refresh = Task.CompletedTask;
    private int _backgroundStarted;
    private int _staleReload;
    private readonly Func<string, string, Node> _buildNode;
    private volatile ShardMap? _map;

    internal ShardedDataSource(
        ShardEngine engine, Node coordinator, IReadOnlyList<Node> workers, SchemaDefinition schema, int shardCount, bool shardCountGiven, TimeSpan recoveryInterval, bool recoverOnLoad,
        TimeSpan mapRefreshInterval, Func<string, string, Node> buildNode)
    {
        _buildNode = buildNode;
        Engine = engine;
        _recoveryInterval = recoveryInterval;
        _recoverOnLoad = recoverOnLoad;
        _mapRefreshInterval = mapRefreshInterval;
        Coordinator = coordinator;
        _configuredWorkers = workers;
        Schema = schema;
        _shardCount = shardCount;
        _shardCountGiven = shardCountGiven;
        IncludeErrorDetail = new NpgsqlConnectionStringBuilder(coordinator.DataSource.ConnectionString).IncludeErrorDetail;
        _nodes[coordinator.Name] = coordinator;
        foreach (var worker in workers)
        {
            _nodes[worker.Name] = worker;
        }

        _tables = new ShardedTable[schema.Tables.Count];
        for (var i = 0; i < _tables.Length; i++)
        {
            _tables[i] = new ShardedTable(this, schema.Tables[i], i);
        }

        _queries = new Dictionary<QueryDefinition, ShardedQuery>(schema.Queries.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < schema.Queries.Count; i++)
        {
            _queries[schema.Queries[i]] = new ShardedQuery(this, schema.Queries[i], i);
        }
    }

    /// <summary>
    /// Whether errors show key values: what the coordinator's data source says about Npgsql's
    /// <c>Include Error Detail</c> (its connection string, or <see cref="ShardedDataSourceBuilder.IncludeErrorDetail"/>).
    /// </summary>
    internal bool IncludeErrorDetail { get; }

    /// <summary>What distributes the tables: ShardGen itself on plain PostgreSQL servers, or Citus (<see cref="ShardedDataSourceBuilder.UseCitus"/>).</summary>
    public ShardEngine Engine { get; }

    /// <summary>The compiled model this data source serves.</summary>
    public SchemaDefinition Schema { get; }

    public Node Coordinator { get; }

    /// <summary>The snapshot calls currently route with; null until the first call or <see cref="RefreshAsync"/>.</summary>
    public ShardMap? CurrentShardMap => _map;

    /// <summary>The run-time handle of one table of the model; generated repositories are built on it.</summary>
    public ShardedTable Table(TableDefinition definition)
    {
        foreach (var table in _tables)
        {
            if (ReferenceEquals(table.Definition, definition))
            {
                return table;
            }
        }

        throw new ArgumentException(
            $"Table '{definition.Name}' is not part of this data source's model: build the data source with UseSchema(ShardDatabase.Schema) of the assembly that declares it.",
            nameof(definition));
    }

    /// <summary>The run-time handle of one planned <c>[Query]</c> of the model; generated query methods are built on it.</summary>
    public ShardedQuery Query(QueryDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return _queries.TryGetValue(definition, out var query)
            ? query
            : throw new ArgumentException(
                $"Query '{definition.Name}' is not part of this data source's model: build the data source with UseSchema(ShardDatabase.Schema) of the assembly that declares it.",
                nameof(definition));
    }

    /// <summary>
    /// The transaction of the current async flow: begun there with <see cref="BeginTransactionAsync"/> and
    /// not yet committed, rolled back or disposed; null when calls run on their own.
    /// </summary>
    public ShardedTransaction? CurrentTransaction => _ambient.Value is { HasEnded: false } transaction ? transaction : null;

    /// <summary>
    /// Begins a transaction and makes it the ambient transaction of the current async flow: repository
    /// calls and planned queries of this data source made in the flow run in it until it commits, rolls
    /// back or is disposed. Nothing is sent to any node until the first call.
    /// </summary>
    /// <exception cref="InvalidOperationException">The flow already has a transaction of this data source: transactions do not nest.</exception>
    public ValueTask<ShardedTransaction> BeginTransactionAsync(ShardedTransactionOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Not async: the ambient transaction is set in the caller's own execution context.
        cancellationToken.ThrowIfCancellationRequested();
        if (CurrentTransaction is not null)
        {
            throw new InvalidOperationException("A transaction of this data source is already active in this async flow: transactions do not nest. Commit or dispose it first.");
        }

        var transaction = new ShardedTransaction(this, options ?? ShardedTransactionOptions.Default);
        _ambient.Value = transaction;
        return new ValueTask<ShardedTransaction>(transaction);
    }

    /// <summary>
    /// Settles the prepared parts of distributed transactions left behind by a crash or a lost node: commits
    /// those whose commit decision the coordinator recorded, rolls back those whose deciding session
    /// ended without one, leaves alone those still committing, and removes decision records that are
    /// settled. Safe to run from several processes at once (they take turns on an advisory lock). It also
    /// runs when the data source first loads its shard map and on a timer
    /// (<see cref="ShardedDataSourceBuilder.UseTransactionRecovery"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">On Citus, which settles its own distributed transactions (its maintenance
    /// daemon, every <c>citus.recover_2pc_interval</c>; on demand <c>SELECT recover_prepared_transactions()</c>).</exception>
    public async Task<RecoveryResult> RecoverAsync(CancellationToken cancellationToken = default)
    {
        if (Engine == ShardEngine.Citus)
        {
            throw new NotSupportedException(
                "On Citus, Citus commits distributed transactions and settles what a crash left prepared (its maintenance daemon, every citus.recover_2pc_interval): "
                + "ShardGen has nothing of its own to recover. To run Citus's recovery now, run SELECT recover_prepared_transactions() on the coordinator.");
        }

        var map = await GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        return await RecordRecoveryAsync(() => TransactionRecovery.RunAsync(this, map, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The current shard map, read from the coordinator's metadata on first use.</summary>
    public ValueTask<ShardMap> GetShardMapAsync(CancellationToken cancellationToken = default)
    {
        var map = _map;
        return map is not null ? new ValueTask<ShardMap>(map) : new ValueTask<ShardMap>(LoadOnceAsync(cancellationToken));
    }

    /// <summary>Reads the metadata again and swaps in a new snapshot.</summary>
    public async Task<ShardMap> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        if (Engine == ShardEngine.Citus)
        {
            var topology = await CitusCatalog.ReadAsync(connection, null, Schema, Coordinator, cancellationToken).ConfigureAwait(false);
            if (topology.Missing.Count > 0 || topology.ForRunning().Any())
            {
                throw new SchemaMismatchException(
                    [.. topology.Missing.Select(t => $"table '{t.Name}' is not in the Citus cluster as the model has it: call ApplySchemaAsync to create it"), .. topology.ForRunning()]);
            }

            var citusMap = BuildMap(topology.Rows, verify: false);
            OnMapLoaded(citusMap, _map);
            _map = citusMap;
            return citusMap;
        }

        if (!await MetadataStore.ExistsAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            throw new ShardGenException($"The coordinator {Coordinator} holds no ShardGen metadata: call ApplySchemaAsync first.");
        }

        var rows = await MetadataStore.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        var map = BuildMap(rows, verify: true);
        OnMapLoaded(map, _map);
        _map = map;
        return map;
    }

    /// <summary>
    /// Creates what the model needs and the cluster lacks, and brings the tables the cluster has to the model with the
    /// additive changes it calls for; <see cref="ApplySchemaAsync(SchemaApplyOptions, CancellationToken)"/> with the default options.
    /// </summary>
#pragma warning disable RS0026 // Two overloads with an optional token, as Npgsql's: a token never converts to the options, so no call is ambiguous.
    public Task ApplySchemaAsync(CancellationToken cancellationToken = default) => ApplySchemaAsync(SchemaApplyOptions.Default, cancellationToken);

    /// <summary>
    /// Creates what the model needs and the cluster lacks: the metadata, the colocation groups and shards, the shard
    /// tables on the workers, reference tables everywhere, local tables on the coordinator; then migrates the tables the
    /// cluster has to the model. Online and by default: new columns (nullable, or with a default), defaults, check and
    /// foreign-key constraints (added, then validated without blocking writes), indexes and unique constraints (built
    /// with <c>CREATE INDEX CONCURRENTLY</c> copy by copy), then the hand-written steps
    /// (<see cref="ShardedDataSourceBuilder.AddMigrationStep"/>) not run yet. With
    /// <see cref="SchemaApplyOptions.AllowDestructiveChanges"/> also drops, type, nullability and key changes. Each
    /// transactional phase commits on every node or none (two-phase commit); the index builds are resumed by the next
    /// apply. A worker new to the cluster gets the coordinator's reference rows, and serves reference reads only once they
    /// are all there. Running it again changes nothing; a model older than the cluster's but compatible with it changes
    /// nothing either. Safe from several processes at once. See <see cref="PlanSchemaAsync"/> for a dry run, and
    /// "Changing the model" in docs/schema.md.
    /// </summary>
    /// <exception cref="SchemaMismatchException">The model differs from the cluster in a way the apply does not change
    /// (a kind or distribution change, a new NOT NULL column without a default, or a destructive change without the
    /// opt-in), before anything is changed.</exception>
    /// <exception cref="ShardGenException">The data source was built with <see cref="ShardedDataSourceBuilder.UseShardCount"/>
    /// and a colocation group of the model exists in the cluster with another count; or a node failed a phase.</exception>
    public async Task ApplySchemaAsync(SchemaApplyOptions options, CancellationToken cancellationToken = default)
#pragma warning restore RS0026
    {
        ArgumentNullException.ThrowIfNull(options);
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        if (Engine == ShardEngine.Citus)
        {
            await CitusCatalog.ApplyAsync(connection, Schema, Coordinator, _shardCount, options, MigrationSteps, cancellationToken).ConfigureAwait(false);
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            StartBackgroundWork();
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MetadataStore.EnsureCatalogAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var (_, differences) = await MetadataStore.ApplyAsync(
            connection, transaction, Schema, Coordinator, _configuredWorkers, _shardCount, _shardCountGiven, options.AllowDestructiveChanges, cancellationToken).ConfigureAwait(false);
        if (differences.Count > 0)
        {
            throw new SchemaMismatchException(differences);
        }

        // The model was compared with the metadata just now; what it changes in existing tables, the migration below changes.
        var rows = await MetadataStore.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var map = BuildMap(rows, verify: false);

        // Tables are created before the metadata commits: a failure leaves nothing recorded that is
        // not there, and CREATE TABLE IF NOT EXISTS makes the next attempt finish the job. Every copy, an
        // existing table's new copy (a new worker's reference copy) included, is created in the shape the
        // cluster recorded; the migration that follows brings every copy to the model's.
        var recordedShapes = new Dictionary<TableDefinition, TableShape>(ReferenceEqualityComparer.Instance);
        foreach (var row in rows.Tables)
        {
            if (Schema.TryGetTable(row.Name, out var table) && TableComparison.Of(table, row).Recorded is { } shape)
            {
                recordedShapes[table] = shape;
            }
        }

        foreach (var (node, statements) in NativeDdl.ByNode(Schema, map, table => recordedShapes.GetValueOrDefault(table) ?? TableShape.Of(table), foreignKeys: false))
        {
            if (statements.Count == 0)
            {
                continue;
            }

            if (ReferenceEquals(node, Coordinator))
            {
                await RunDdlAsync(node, statements, connection, transaction, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var nodeConnection = await OpenAsync(node, cancellationToken).ConfigureAwait(false);
                await RunDdlAsync(node, statements, nodeConnection, null, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // New copies are filled before the migration adds foreign keys to them (a referenced copy cannot be truncated).
        _map = map;
        if (map.ReadableCopies.Count < map.Workers.Count)
        {
            _map = await FillReferenceCopiesAsync(cancellationToken).ConfigureAwait(false);
        }

        await SchemaMigration.RunAsync(this, options, MigrationSteps, newRows => BuildMap(newRows, verify: false), cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);

        StartBackgroundWork();
    }

    /// <summary>
    /// The dry run of <see cref="ApplySchemaAsync(SchemaApplyOptions, CancellationToken)"/>: what it would run, phase by
    /// phase and node by node, from the cluster's metadata as it is now, and what it would refuse. Changes nothing.
    /// On Citus every statement runs on the coordinator, which propagates it.
    /// </summary>
    public async Task<SchemaPlan> PlanSchemaAsync(SchemaApplyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= SchemaApplyOptions.Default;
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        if (Engine == ShardEngine.Citus)
        {
            return await CitusCatalog.PlanAsync(connection, Schema, Coordinator, _shardCount, options, MigrationSteps, cancellationToken).ConfigureAwait(false);
        }

        if (!await MetadataStore.ExistsAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            return new SchemaPlan(
                [new SchemaPlanStatement("create", Coordinator.Name, MetadataStore.CatalogDdl.Trim()), .. Schema.Tables.SelectMany(t => SchemaMigration.CreatePlan(Schema, t, Coordinator, _configuredWorkers))],
                []);
        }

        var rows = await MetadataStore.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        return await SchemaMigration.PlanAsync(this, connection, rows, BuildMap(rows, verify: false), options, MigrationSteps, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The hand-written migration steps, in the order they were added (<see cref="ShardedDataSourceBuilder.AddMigrationStep"/>).</summary>
    internal IReadOnlyList<MigrationStep> MigrationSteps { get; init; } = [];

    /// <summary>The native DDL the current model and cluster call for, node by node, for a reviewer to read.</summary>
    public async Task<string> RenderNativeDdlAsync(CancellationToken cancellationToken = default) =>
        NativeDdl.Script(Schema, await GetShardMapAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Where <paramref name="key"/> of distributed table <paramref name="table"/> lives.</summary>
    public async ValueTask<ShardRoute> RouteAsync(TableDefinition table, ShardKey key, CancellationToken cancellationToken = default) =>
        (await GetShardMapAsync(cancellationToken).ConfigureAwait(false)).Route(table, key);

    /// <summary>
    /// Opens a connection to the worker that holds <paramref name="key"/> in a colocation group (by
    /// default the group of the key's type), for raw SQL or Dapper. Use <see cref="RouteAsync"/> for
    /// the names of the shard tables on that worker.
    /// </summary>
    public async ValueTask<NpgsqlConnection> OpenConnectionForKeyAsync(ShardKey key, string? colocationGroup = null, CancellationToken cancellationToken = default)
    {
        var map = await GetShardMapAsync(cancellationToken).ConfigureAwait(false);
        var group = colocationGroup is null
            ? map.ColocationGroups.FirstOrDefault(g => g.KeyType == key.Type && g.Name == key.Type.DefaultGroupName())
              ?? map.ColocationGroups.FirstOrDefault(g => g.KeyType == key.Type)
            : map.ColocationGroups.FirstOrDefault(g => g.Name == colocationGroup);
        if (group is null)
        {
            throw new ArgumentException(colocationGroup is null
                ? $"No colocation group holds {key.Type.SqlType()} keys."
                : $"No colocation group is named '{colocationGroup}'.");
        }

        var node = group.NodeOfShard(group.ShardIndexOf(key));
        return await OpenAsync(node, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var work in new[] { _background, _refresh })
        {
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped, as asked.
            }
        }

        _stopping.Dispose();
        foreach (var node in _nodes.Values.ToArray())
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        _loadLock.Dispose();
    }

    internal ShardedTable[] Tables => _tables;

    /// <summary>
    /// For tests: called before each step of a distributed commit of this data source (with the node, for
    /// per-node steps). A hook that throws simulates the process dying there; see <see cref="TransactionStep"/>.
    /// </summary>
    internal Func<TransactionStep, string?, Task>? FaultHook { get; set; }

    /// <summary>The background recovery started by the first map load and the timer; awaited by tests.</summary>
    internal Task BackgroundRecovery => _background;

    /// <summary>A transaction for one call that writes on several nodes without an ambient transaction.</summary>
    internal ShardedTransaction BeginImplicitTransaction() => new(this, ShardedTransactionOptions.Default);

    // Not async, like BeginTransactionAsync: the ambient transaction is cleared in the caller's context.
    internal void EndAmbient(ShardedTransaction transaction)
    {
        if (ReferenceEquals(_ambient.Value, transaction))
        {
            _ambient.Value = null;
        }
    }

    /// <summary>
    /// A connection to <paramref name="node"/> for a caller that holds connections to <paramref name="held"/>
    /// (see <see cref="Node.OpenConnectionAsync"/>); a node that cannot be reached is a <see cref="ShardGenException"/>.
    /// </summary>
    internal async Task<NpgsqlConnection> OpenAsync(Node node, CancellationToken cancellationToken, IEnumerable<Node>? held = null)
    {
        try
        {
            return await node.OpenConnectionAsync(held, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new ShardGenException($"Node '{node.Name}' ({node.Host}:{node.Port}) cannot be reached: {Failures.Underlying(ex, IncludeErrorDetail)}", ex);
        }
    }

    private Task<NpgsqlConnection> OpenCoordinatorAsync(CancellationToken cancellationToken) => OpenAsync(Coordinator, cancellationToken);

    // New workers (of this apply, or of one that stopped before filling them) get the coordinator's reference
    // rows in a transaction of their own, after the one that registered them committed: from then on every
    // reference write reaches them too. See "Reference copies of a new worker" in docs/schema.md.
    private async Task<ShardMap> FillReferenceCopiesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MetadataStore.LockApplyAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var map = BuildMap(await MetadataStore.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false), verify: true);
        if (map.ReadableCopies.Count < map.Workers.Count)
        {
            await ReferenceCopies.FillAsync(this, connection, transaction, map, cancellationToken).ConfigureAwait(false);
            map = BuildMap(await MetadataStore.ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false), verify: true);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return map;
    }

    private async Task RunDdlAsync(Node node, IReadOnlyList<string> statements, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        try
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var statement in statements)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw new ShardGenException($"Creating tables on node '{node.Name}' ({node.Host}:{node.Port}) failed: {Failures.Underlying(ex, IncludeErrorDetail)}", ex);
        }
    }

    private async Task<ShardMap> LoadOnceAsync(CancellationToken cancellationToken)
    {
        await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_map is { } loaded)
            {
                return loaded;
            }

            var map = await RefreshAsync(cancellationToken).ConfigureAwait(false);
            StartBackgroundWork();
            return map;
        }
        finally
        {
            _loadLock.Release();
        }
    }

    // Once a map is first in use (loaded, or applied): recovery and the map's refresh start in the background.
    private void StartBackgroundWork()
    {
        if (Interlocked.Exchange(ref _backgroundStarted, 1) == 0)
        {
            _background = StartBackgroundRecovery();
            _refresh = StartMapRefresh();
        }
    }

    // Recovery at first load and on the timer runs in the background: a node that is down must not hold up
    // the first call, and the next run settles what this one could not.
    private Task StartBackgroundRecovery()
    {
        if ((!_recoverOnLoad && _recoveryInterval <= TimeSpan.Zero) || Engine == ShardEngine.Citus)
        {
            return Task.CompletedTask;
        }

        var stopping = _stopping.Token;
        return Task.Run(
            async () =>
            {
                if (_recoverOnLoad)
                {
                    await RecoverQuietlyAsync(stopping).ConfigureAwait(false);
                }

                if (_recoveryInterval <= TimeSpan.Zero)
                {
                    return;
                }

                using var timer = new PeriodicTimer(_recoveryInterval);
                while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                {
                    await RecoverQuietlyAsync(stopping).ConfigureAwait(false);
                }
            },
            stopping);
    }

    // The map follows the metadata: a cheap look at its version on every tick, a reload when it moved.
    private Task StartMapRefresh()
    {
        if (_mapRefreshInterval <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var stopping = _stopping.Token;
        return Task.Run(
            async () =>
            {
                using var timer = new PeriodicTimer(_mapRefreshInterval);
                while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                {
                    try
                    {
                        if (await CurrentVersionAsync(stopping).ConfigureAwait(false) != _map?.Version)
                        {
                            await RefreshAsync(stopping).ConfigureAwait(false);
                        }
                    }
                    catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
                    {
                        // The current map stays in use; the next tick tries again.
                        ShardGenLog.MapRefreshFailed(Logger, Coordinator.ToString(), _map?.Version, ex);
                    }
                }
            },
            stopping);
    }

    // The metadata's version: a counter on the native engine, a digest of Citus's catalogs on Citus.
    internal async Task<long> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        if (Engine == ShardEngine.Citus)
        {
            return await CitusCatalog.VersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("SELECT version FROM shardgen.metadata", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// A routed call found that Citus ran it on another node than the one it was sent to (the shard moved): the map
    /// is reloaded in the background, at most one reload at a time, so that the next calls go straight there again.
    /// </summary>
    internal void OnStaleRoute()
    {
        if (Interlocked.CompareExchange(ref _staleReload, 1, 0) != 0)
        {
            return;
        }

        ShardGenLog.StaleRoute(Logger);

        var stopping = _stopping.Token;
        _ = Task.Run(
            async () =>
            {
                try
                {
                    if (await CurrentVersionAsync(stopping).ConfigureAwait(false) != _map?.Version)
                    {
                        await RefreshAsync(stopping).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is ShardGenException || ex is OperationCanceledException || Failures.IsServerFailure(ex))
                {
                    // The current map stays in use (Citus still answers right through it); the timer tries again.
                }
                finally
                {
                    Volatile.Write(ref _staleReload, 0);
                }
            },
            stopping);
    }

    private async Task RecoverQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RecoverAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ShardGenException || Failures.IsServerFailure(ex))
        {
            // The coordinator is out of reach: the next run tries again.
            ShardGenLog.RecoveryFailed(Logger, ex);
        }
    }

    private ShardMap BuildMap(MetadataRows rows, bool verify)
    {
        var nodesById = new Dictionary<int, Node>();
        var workers = new List<Node>();
        var readableCopies = new List<Node>();
        foreach (var row in rows.Nodes)
        {
            var node = NodeFor(row);
            nodesById[row.Id] = node;
            if (row.Role == "worker")
            {
                workers.Add(node);
                if (row.ReferenceCopiesReady)
                {
                    readableCopies.Add(node);
                }
            }
        }

        var tablesByName = rows.Tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
        if (verify)
        {
            var differences = new List<string>();
            foreach (var table in Schema.Tables)
            {
                if (!tablesByName.TryGetValue(table.Name, out var row))
                {
                    differences.Add($"table '{table.Name}' is not in the cluster: call ApplySchemaAsync to create it");
                }
                else
                {
                    differences.AddRange(TableComparison.Of(table, row).ForRunning());
                }
            }

            if (differences.Count > 0)
            {
                throw new SchemaMismatchException(differences);
            }
        }

        var shardsByTable = rows.Shards.GroupBy(s => s.Table, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        var groups = new Dictionary<int, ColocationGroup>();
        foreach (var groupRow in rows.Groups)
        {
            // A group's placement is read off any of its tables: colocated shards share a worker by construction.
            var anyTable = rows.Tables.FirstOrDefault(t => t.GroupId == groupRow.Id);
            if (anyTable is null || !shardsByTable.TryGetValue(anyTable.Name, out var shards))
            {
                continue;
            }

            var nodeOfShard = new Node[groupRow.ShardCount];
            var minHashes = new int[groupRow.ShardCount];
            foreach (var shard in shards)
            {
                nodeOfShard[shard.ShardIndex] = nodesById[shard.NodeId];
                minHashes[shard.ShardIndex] = shard.MinHash;
            }

            CheckRanges(groupRow, rows.Tables.Where(t => t.GroupId == groupRow.Id), shardsByTable);
            groups[groupRow.Id] = new ColocationGroup(groupRow.Id, groupRow.Name, groupRow.KeyType, nodeOfShard, minHashes);
        }

        var routes = new TableRoutes[Schema.Tables.Count];
        for (var i = 0; i < routes.Length; i++)
        {
            var table = Schema.Tables[i];
            var statements = new string[table.Statements.Count][];
            if (table.Kind == TableKind.Distributed)
            {
                var row = tablesByName[table.Name];
                var group = groups[row.GroupId!.Value];
                var shards = shardsByTable[table.Name];
                var shardIds = new long[group.ShardCount];
                var shardTables = new string[group.ShardCount];
                foreach (var shard in shards)
                {
                    shardIds[shard.ShardIndex] = shard.ShardId;
                    shardTables[shard.ShardIndex] = Identifiers.ShardTable(table.Name, shard.ShardId);
                }

                for (var s = 0; s < statements.Length; s++)
                {
                    statements[s] = new string[group.ShardCount];
                    var distributed = Engine == ShardEngine.Citus ? table.Statements[s].Render(Identifiers.Quote(table.Name)) : null;
                    for (var shard = 0; shard < group.ShardCount; shard++)
                    {
                        // On Citus a routed statement names the distributed table, never a shard: Citus runs it where the shard is.
                        statements[s][shard] = distributed ?? table.Statements[s].Render(Identifiers.Quote(shardTables[shard]));
                    }
                }

                routes[i] = new TableRoutes(table, group, shardIds, shardTables, statements, IncludeErrorDetail);
            }
            else
            {
                for (var s = 0; s < statements.Length; s++)
                {
                    statements[s] = [table.Statements[s].Render(Identifiers.Quote(table.Name))];
                }

                routes[i] = new TableRoutes(table, null, [0], [table.Name], statements, IncludeErrorDetail);
            }
        }

        var routesByName = routes.ToDictionary(r => r.Table, StringComparer.Ordinal);
        var queries = new QueryRoutes[Schema.Queries.Count];
        for (var i = 0; i < queries.Length; i++)
        {
            queries[i] = QueryRoutes.Build(Schema.Queries[i], name => routesByName[name], Engine, IncludeErrorDetail);
        }

        var coordinator = rows.Nodes.FirstOrDefault(n => n.Role == "coordinator") is { } c ? nodesById[c.Id] : Coordinator;
        return new ShardMap(Engine, rows.Version, coordinator, workers, readableCopies, groups.Values.OrderBy(g => g.Id).ToArray(), routes, queries);
    }

    // A node the metadata knows but this process was not given is reached with the coordinator's
    // credentials at the address the metadata records, as Citus reaches the nodes of pg_dist_node.
    /// <summary>
    /// The shard ranges of a group, as the metadata records them: they cover the whole 32-bit hash space in
    /// shard order, without gap or overlap, and every table of the group has the same ones (colocated shards
    /// hold the same keys). Metadata that says otherwise is refused before anything is routed by it.
    /// </summary>
    private void CheckRanges(GroupRow group, IEnumerable<TableRow> tables, Dictionary<string, ShardRow[]> shardsByTable)
    {
        ShardRow[]? first = null;
        foreach (var table in tables)
        {
            if (!shardsByTable.TryGetValue(table.Name, out var shards))
            {
                continue;
            }

            var ordered = shards.OrderBy(s => s.ShardIndex).ToArray();
            string? problem = null;
            if (ordered.Length != group.ShardCount || ordered.Select((s, i) => s.ShardIndex != i).Any(gap => gap))
            {
                problem = $"has {ordered.Length} shards, the group {group.ShardCount}";
            }
            else
            {
                for (var i = 0; i < ordered.Length && problem is null; i++)
                {
                    var expectedMin = i == 0 ? int.MinValue : (long)ordered[i - 1].MaxHash + 1;
                    if (ordered[i].MinHash != expectedMin || ordered[i].MaxHash < ordered[i].MinHash
                        || (i == ordered.Length - 1 && ordered[i].MaxHash != int.MaxValue))
                    {
                        problem = $"shard {ordered[i].ShardId} (index {i}) covers [{ordered[i].MinHash}, {ordered[i].MaxHash}], which leaves a gap or an overlap in the hash space";
                    }
                    else if (first is not null && (first[i].MinHash != ordered[i].MinHash || first[i].MaxHash != ordered[i].MaxHash))
                    {
                        problem = $"shard {ordered[i].ShardId} (index {i}) covers [{ordered[i].MinHash}, {ordered[i].MaxHash}] but table '{first[i].Table}' covers [{first[i].MinHash}, {first[i].MaxHash}] there";
                    }
                }
            }

            if (problem is not null)
            {
                throw new ShardGenException(
                    $"The metadata on the coordinator {Coordinator} is inconsistent: table '{table.Name}' of colocation group '{group.Name}' {problem}. "
                    + "Colocated tables must have the same shards, covering every hash once. Nothing was routed with it.");
            }

            first ??= ordered;
        }
    }

    // A node the metadata lists is reached with the coordinator's credentials at the address it records.
    private Node NodeFor(NodeRow row) =>
        NodeNamed(row.Name, () => new NpgsqlConnectionStringBuilder(Coordinator.ConnectionString) { Host = row.Host, Port = row.Port, Database = row.Database }.ConnectionString);

    // The node this data source uses under a name: the one it was given or met before, else a new one on the connection string.
    private Node NodeNamed(string name, Func<string> connectionString)
    {
        lock (_nodes)
        {
            if (!_nodes.TryGetValue(name, out var node))
            {
                node = _buildNode(name, connectionString());
                _nodes[name] = node;
            }

            return node;
        }
    }
}
