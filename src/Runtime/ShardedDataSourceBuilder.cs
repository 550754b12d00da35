using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// Builds a <see cref="ShardedDataSource"/>: one coordinator, the workers, and the compiled model,
/// in the shape of <see cref="NpgsqlDataSourceBuilder"/>.
/// </summary>
/// <example>
/// <code>
/// await using var source = new ShardedDataSourceBuilder(coordinatorConnectionString)
///     .AddWorker(worker1ConnectionString)
///     .AddWorker(worker2ConnectionString)
///     .UseSchema(ShardDatabase.Schema)
///     .Build();
/// </code>
/// </example>
public sealed class ShardedDataSourceBuilder
{
    /// <summary>The shard count Citus uses by default, and ShardGen too.</summary>
    public const int DefaultShardCount = 32;

    private readonly string _coordinator;
    private readonly List<(string Name, string ConnectionString)> _workers = [];
    private SchemaDefinition? _schema;
    private int _shardCount = DefaultShardCount;
    private bool _shardCountGiven;
    private Action<NpgsqlDataSourceBuilder>? _configure;
    private TimeSpan _recoveryInterval = DefaultRecoveryInterval;
    private bool _recoverOnLoad = true;
    private TimeSpan _mapRefreshInterval = DefaultMapRefreshInterval;
    private int _autoPrepare = DefaultMaxAutoPrepare;
    private int? _maxConnectionsPerNode;
    private int? _commandTimeout;
    private int? _connectTimeout;
    private ShardEngine _engine = ShardEngine.Native;
    private bool _mapRefreshSet;
    private readonly List<MigrationStep> _migrationSteps = [];

    /// <summary>
    /// How many statements each node's connections prepare automatically by default (Npgsql's
    /// <c>Max Auto Prepare</c>): the routed statements of a table are few and run again and again, so
    /// preparing them spares the server parsing and planning each call (<c>docs/benchmarks.md</c>).
    /// </summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>How often a data source looks for a newer shard map by default (<see cref="UseMapRefresh"/>).</summary>
    public static readonly TimeSpan DefaultMapRefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often recovery of distributed transactions runs by default: every minute, as Citus's <c>citus.recover_2pc_interval</c>.</summary>
    public static readonly TimeSpan DefaultRecoveryInterval = TimeSpan.FromMinutes(1);

    public ShardedDataSourceBuilder(string coordinatorConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(coordinatorConnectionString);
        _coordinator = coordinatorConnectionString;
    }

    /// <summary>
    /// Adds a worker. Its name, by default <c>host:port/database</c>, is how the metadata knows it;
    /// give the same name in every process that shares the cluster.
    /// </summary>
    public ShardedDataSourceBuilder AddWorker(string connectionString, string? name = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        name ??= NodeNames.Default(connectionString);
        if (_workers.Any(w => w.Name == name))
        {
            throw new ArgumentException($"A worker named '{name}' was already added.", nameof(name));
        }

        _workers.Add((name, connectionString));
        return this;
    }

    /// <summary>
    /// Runs on a Citus cluster whose coordinator is the connection string given to the builder (<c>docs/citus.md</c>):
    /// the topology comes from Citus's catalogs (<c>pg_dist_node</c>, <c>pg_dist_partition</c>, <c>pg_dist_shard</c>,
    /// <c>pg_dist_placement</c>), and the model is checked against them. Routed calls go straight to the node that holds
    /// the shard, written against the distributed table, so that Citus runs them there; multi-shard queries, reference
    /// and local tables go to Citus as written, and Citus commits distributed transactions. Workers need not be given:
    /// the nodes Citus lists are reached with the coordinator's credentials, unless a worker added with
    /// <see cref="AddWorker"/> is named <c>host:port/database</c> as Citus lists it.
    /// </summary>
    public ShardedDataSourceBuilder UseCitus()
    {
        _engine = ShardEngine.Citus;
        if (!_mapRefreshSet)
        {
            _mapRefreshInterval = DefaultCitusMapRefreshInterval;
        }

        return this;
    }

    /// <summary>
    /// How often a data source on Citus looks for a newer topology by default (<see cref="UseMapRefresh"/>): Citus moves
    /// shards on its own (the rebalancer, tenant isolation), and a call routed with a stale map takes an extra hop until then.
    /// </summary>
    public static readonly TimeSpan DefaultCitusMapRefreshInterval = TimeSpan.FromSeconds(5);

    /// <summary>The compiled model: the generated <c>ShardDatabase.Schema</c>.</summary>
    public ShardedDataSourceBuilder UseSchema(SchemaDefinition schema)
    {
        _schema = schema ?? throw new ArgumentNullException(nameof(schema));
        return this;
    }

    /// <summary>
    /// Adds a hand-written migration step (<see cref="MigrationStep"/>): <paramref name="sql"/> runs on every physical copy
    /// of <paramref name="table"/> with <c>{table}</c> replaced by the copy's name, once in the cluster's life, during
    /// <see cref="ShardedDataSource.ApplySchemaAsync(SchemaApplyOptions, CancellationToken)"/>. Steps run in the order they
    /// are added, after the additive changes of the model and before the destructive ones.
    /// </summary>
    /// <param name="id">A unique, stable name of the step; the cluster records it when the step has run.</param>
    public ShardedDataSourceBuilder AddMigrationStep(string id, TableDefinition table, string sql)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (!sql.Contains(MigrationStep.TablePlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Migration step '{id}' does not name its table as {MigrationStep.TablePlaceholder}: ShardGen runs it on every copy of table '{table.Name}' under that copy's name.", nameof(sql));
        }

        if (_migrationSteps.Exists(s => s.Id == id))
        {
            throw new ArgumentException($"A migration step named '{id}' was already added: each step needs its own name.", nameof(id));
        }

        _migrationSteps.Add(new MigrationStep(id, table.Name, sql));
        return this;
    }

    /// <summary>The number of shards of a colocation group created by this data source (default 32).
    /// Groups that already exist in the cluster keep the count they were created with; on the native engine,
    /// <see cref="ShardedDataSource.ApplySchemaAsync(CancellationToken)"/> refuses a count given here that differs from an existing
    /// group's of the model (rather than ignore it).</summary>
    public ShardedDataSourceBuilder UseShardCount(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        _shardCount = shardCount;
        _shardCountGiven = true;
        return this;
    }

    /// <summary>Configures the <see cref="NpgsqlDataSourceBuilder"/> of every node (logging, type mappings, ...).</summary>
    public ShardedDataSourceBuilder ConfigureNodes(Action<NpgsqlDataSourceBuilder> configure)
    {
        _configure += configure ?? throw new ArgumentNullException(nameof(configure));
        return this;
    }

    /// <summary>
    /// When recovery of distributed transactions runs in the background: every <paramref name="interval"/>
    /// (<see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/>: never), and once when the
    /// data source first loads its shard map if <paramref name="onLoad"/>. On demand it is
    /// <see cref="ShardedDataSource.RecoverAsync"/>.
    /// </summary>
    public ShardedDataSourceBuilder UseTransactionRecovery(TimeSpan interval, bool onLoad = true)
    {
        if (interval < TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "Give a positive interval, or TimeSpan.Zero for no timer.");
        }

        _recoveryInterval = interval == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : interval;
        _recoverOnLoad = onLoad;
        return this;
    }

    /// <summary>
    /// How often the data source reads the metadata's version on the coordinator and, when it changed (a
    /// worker added, a schema applied, a shard moved), loads the new shard map in the background, so that a
    /// process learns a change made by another without calling <see cref="ShardedDataSource.RefreshAsync"/>.
    /// Every <see cref="DefaultMapRefreshInterval"/> (30 s) by default, on Citus every <see cref="DefaultCitusMapRefreshInterval"/>
    /// (5 s; there a call that Citus forwarded to the shard's new node also reloads it); <see cref="TimeSpan.Zero"/> or
    /// <see cref="Timeout.InfiniteTimeSpan"/>: never. A map that fails to load (the coordinator out of
    /// reach, or a model this process cannot serve) leaves the current one in use until the next tick.
    /// </summary>
    public ShardedDataSourceBuilder UseMapRefresh(TimeSpan interval)
    {
        if (interval < TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "Give a positive interval, or TimeSpan.Zero for no refresh.");
        }

        _mapRefreshInterval = interval == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : interval;
        _mapRefreshSet = true;
        return this;
    }

    /// <summary>
    /// How many statements each connection prepares automatically (Npgsql's <c>Max Auto Prepare</c>; 0 turns
    /// automatic preparation off). The default is <see cref="DefaultMaxAutoPrepare"/>. A node whose connection
    /// string sets <c>Max Auto Prepare</c> itself keeps its own value.
    /// </summary>
    public ShardedDataSourceBuilder UseAutoPrepare(int maxStatements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxStatements);
        _autoPrepare = maxStatements;
        return this;
    }

    /// <summary>
    /// The most connections this data source holds open to each node at once (Npgsql's <c>Max Pool Size</c>
    /// of every node's pool; without this call, what each connection string says, by default 100). A call
    /// that needs a connection to a node at its cap waits for one to be returned, up to the connection
    /// string's <c>Timeout</c> (15 s by default; 0 waits as long as it takes), and then fails with
    /// <see cref="ShardPoolExhaustedException"/>. A caller that already holds connections (a transaction on
    /// several workers, a fan-out, a reference write) waits only for a node that comes later in one order —
    /// the workers by name, then the coordinator — and otherwise takes a free connection or fails at once
    /// with <see cref="ShardPoolExhaustedException"/> (retryable), so that no two callers can ever wait for
    /// each other's connections (<c>docs/transactions.md</c>).
    /// </summary>
    public ShardedDataSourceBuilder UseMaxConnectionsPerNode(int maxConnections)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        _maxConnectionsPerNode = maxConnections;
        return this;
    }

    /// <summary>
    /// How long a call waits for a node that stops answering: every statement sent to any node fails after
    /// <paramref name="commandTimeout"/> (Npgsql's <c>Command Timeout</c>, 30 s by default; Npgsql then
    /// cancels it and, if the server does not answer that either, drops the connection after its
    /// <c>Cancellation Timeout</c>), and opening a connection fails after <paramref name="connectTimeout"/>
    /// (Npgsql's <c>Timeout</c>, 15 s by default; it also bounds the wait for a free connection at the cap).
    /// A frozen or unreachable worker then fails its calls within these times, while calls to the other
    /// nodes go on. Npgsql counts whole seconds; a node whose connection string sets either keeps its own.
    /// </summary>
    public ShardedDataSourceBuilder UseNodeTimeouts(TimeSpan commandTimeout, TimeSpan? connectTimeout = null)
    {
        _commandTimeout = Seconds(commandTimeout, nameof(commandTimeout));
        _connectTimeout = connectTimeout is { } connect ? Seconds(connect, nameof(connectTimeout)) : null;
        return this;

        static int Seconds(TimeSpan value, string name)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromSeconds(1), name);
            return (int)Math.Ceiling(value.TotalSeconds);
        }
    }

    private bool? _includeErrorDetail;

    /// <summary>
    /// Whether errors carry the data they are about: Npgsql's <c>Include Error Detail</c>, set on every node's
    /// connections, and ShardGen's messages follow it. Keys are often personal data (e-mail addresses), so
    /// by default a <see cref="ShardOperationException"/> names a routed call's key by its type only (and a
    /// text key's length), leaves out the server's detail (the duplicate key, the failing row), and Npgsql
    /// redacts <see cref="PostgresException.Detail"/>. With <paramref name="include"/> the message shows the
    /// key (a text key's first 64 characters) and the first 200 characters of the server's detail, and the
    /// inner exception carries the whole detail. Without this call the coordinator's connection string
    /// decides for ShardGen's messages (<c>Include Error Detail=true</c> opts in), and each node's connection
    /// string for its own server errors. Either way a message repeats at most 500 characters of the
    /// server's message text (which can quote a value); the inner exception has all of it.
    /// </summary>
    public ShardedDataSourceBuilder IncludeErrorDetail(bool include = true)
    {
        _includeErrorDetail = include;
        return this;
    }

    private ILoggerFactory? _loggerFactory;
    private TimeSpan _slowFanOutThreshold = DefaultSlowFanOutThreshold;

    /// <summary>How long a call on several nodes may take before it is logged as slow, by default (<see cref="UseSlowFanOutThreshold"/>).</summary>
    public static readonly TimeSpan DefaultSlowFanOutThreshold = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Where ShardGen logs (category <see cref="ShardGenDiagnostics.LoggerCategory"/>: shard map loads, recovery,
    /// two-phase commit outcomes, slow multi-shard calls; <c>docs/observability.md</c>), and Npgsql with it: the
    /// factory is also given to every node's <see cref="NpgsqlDataSourceBuilder"/>. Without this call neither logs.
    /// </summary>
    public ShardedDataSourceBuilder UseLoggerFactory(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        return this;
    }

    /// <summary>
    /// A call on several nodes that takes <paramref name="threshold"/> or longer is logged as a warning naming the node whose
    /// part took longest: a multi-shard read (from its start to its last row), a multi-shard write, a reference write on every
    /// copy, a bulk insert (by default <see cref="DefaultSlowFanOutThreshold"/>; <see cref="TimeSpan.Zero"/>: never).
    /// </summary>
    public ShardedDataSourceBuilder UseSlowFanOutThreshold(TimeSpan threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, TimeSpan.Zero);
        _slowFanOutThreshold = threshold;
        return this;
    }

    public ShardedDataSource Build()
    {
        if (_schema is null)
        {
            throw new InvalidOperationException("No model was given: call UseSchema(ShardDatabase.Schema) with the generated schema.");
        }

        // Without workers the data source uses the ones the metadata lists, reached with the coordinator's credentials
        // (an apply on a cluster that has none fails, asking for AddWorker).
        var coordinator = BuildNode("coordinator", _coordinator, isCoordinator: true);
        var workers = _workers.Select(w => BuildNode(w.Name, w.ConnectionString)).ToArray();
        foreach (var step in _migrationSteps.Where(s => !_schema.TryGetTable(s.Table, out _)))
        {
            throw new InvalidOperationException($"Migration step '{step.Id}' is for table '{step.Table}', which is not in the model given to UseSchema.");
        }

        return new ShardedDataSource(_engine, coordinator, workers, _schema, _shardCount, _shardCountGiven, _recoveryInterval, _recoverOnLoad, _mapRefreshInterval, (name, connectionString) => BuildNode(name, connectionString))
        {
            MigrationSteps = [.. _migrationSteps],
            Logger = (_loggerFactory ?? NullLoggerFactory.Instance).CreateLogger(ShardGenDiagnostics.LoggerCategory),
            SlowFanOutThreshold = _slowFanOutThreshold,
        };
    }

    // Also builds the nodes the metadata knows but this process was not given, with the same settings.
    private Node BuildNode(string name, string connectionString, bool isCoordinator = false)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!Sets(connectionString, "MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = _autoPrepare;
        }

        if (_commandTimeout is { } command && !Sets(connectionString, "CommandTimeout"))
        {
            builder.ConnectionStringBuilder.CommandTimeout = command;
        }

        if (_connectTimeout is { } connect && !Sets(connectionString, "Timeout"))
        {
            builder.ConnectionStringBuilder.Timeout = connect;
        }

        if (_maxConnectionsPerNode is { } max)
        {
            builder.ConnectionStringBuilder.MaxPoolSize = max;
            builder.ConnectionStringBuilder.MinPoolSize = Math.Min(builder.ConnectionStringBuilder.MinPoolSize, max);
        }

        if (_includeErrorDetail is { } include)
        {
            builder.ConnectionStringBuilder.IncludeErrorDetail = include;
        }

        if (_loggerFactory is not null)
        {
            builder.UseLoggerFactory(_loggerFactory);
        }

        _configure?.Invoke(builder);
        var dataSource = builder.Build();
        NpgsqlDataSource? routed = null;
        if (_engine == ShardEngine.Citus)
        {
            // Routed calls' sessions: Citus sends a NOTICE for each command it forwards to another node (see Node.RoutedDataSource).
            var settings = builder.ConnectionStringBuilder;
            var options = settings.Options;
            settings.Options = (string.IsNullOrWhiteSpace(options) ? "" : options + " ") + "-c citus.log_remote_commands=on";
            routed = builder.Build();
            settings.Options = options;
        }

        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        return new Node(name, csb.Host ?? "", csb.Port, csb.Database ?? csb.Username ?? "", dataSource, connectionString, isCoordinator, builder.ConnectionStringBuilder, routed);
    }

    private static bool Sets(string connectionString, string setting)
    {
        var keys = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys;
        foreach (string key in keys)
        {
            if (key.Replace(" ", "", StringComparison.Ordinal).Equals(setting, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

internal static class NodeNames
{
    public static string Default(string connectionString)
    {
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{csb.Host}:{csb.Port}/{csb.Database ?? csb.Username}";
    }
}
