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
    private Action<NpgsqlDataSourceBuilder>? _configure;
    private TimeSpan _recoveryInterval = DefaultRecoveryInterval;
    private bool _recoverOnLoad = true;

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

    /// <summary>The compiled model: the generated <c>ShardDatabase.Schema</c>.</summary>
    public ShardedDataSourceBuilder UseSchema(SchemaDefinition schema)
    {
        _schema = schema ?? throw new ArgumentNullException(nameof(schema));
        return this;
    }

    /// <summary>The number of shards of a colocation group created by this data source (default 32).
    /// Groups that already exist in the cluster keep the count they were created with.</summary>
    public ShardedDataSourceBuilder UseShardCount(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        _shardCount = shardCount;
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

    public ShardedDataSource Build()
    {
        if (_schema is null)
        {
            throw new InvalidOperationException("No model was given: call UseSchema(ShardDatabase.Schema) with the generated schema.");
        }

        if (_workers.Count == 0)
        {
            throw new InvalidOperationException("No worker was given: call AddWorker(connectionString) at least once.");
        }

        var coordinator = BuildNode("coordinator", _coordinator);
        var workers = _workers.Select(w => BuildNode(w.Name, w.ConnectionString)).ToArray();
        return new ShardedDataSource(coordinator, workers, _schema, _shardCount, _recoveryInterval, _recoverOnLoad);
    }

    private Node BuildNode(string name, string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        _configure?.Invoke(builder);
        var dataSource = builder.Build();
        var csb = new NpgsqlConnectionStringBuilder(connectionString);
        return new Node(name, csb.Host ?? "", csb.Port, csb.Database ?? csb.Username ?? "", dataSource, connectionString);
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
