using System.Data;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace ShardGen;

/// <summary>A PostgreSQL server of the cluster (the coordinator or a worker) and its data source.</summary>
public sealed class Node
{
    // ShardGen's own count of this data source's connections to the node, as many as its pool may hold:
    // a caller that holds connections to other nodes takes one here in a fixed node order, or not at all.
    private readonly SemaphoreSlim? _slots;
    private readonly int _maxConnections;
    private readonly TimeSpan _connectionWait;

    /// <param name="settings">The settings the data source was built with (the cap among them); by default those of <paramref name="connectionString"/>.</param>
    internal Node(
        string name, string host, int port, string database, NpgsqlDataSource dataSource, string connectionString,
        bool isCoordinator = false, NpgsqlConnectionStringBuilder? settings = null, NpgsqlDataSource? routedDataSource = null)
    {
        settings ??= new NpgsqlConnectionStringBuilder(connectionString);
        ConnectionString = connectionString;
        Name = name;
        Host = host;
        Port = port;
        Database = database;
        DataSource = dataSource;
        RoutedDataSource = routedDataSource ?? dataSource;
        IsCoordinator = isCoordinator;
        _maxConnections = settings.MaxPoolSize;
        _slots = settings.Pooling ? new SemaphoreSlim(settings.MaxPoolSize, settings.MaxPoolSize) : null;
        _connectionWait = settings.Timeout == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(settings.Timeout);
    }

    /// <summary>The name the metadata knows this node by.</summary>
    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    /// <summary>The Npgsql data source of this node: pooling and prepared statements are Npgsql's.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// On Citus, the data source of the routed calls that probe the map (one in <see cref="Executor.ProbeEvery"/>): its
    /// sessions ask Citus to report every command it sends on to another node (<c>citus.log_remote_commands</c>), so that
    /// a call routed with a stale map (the shard moved) is noticed by its own answer. <see cref="DataSource"/> itself on
    /// the native engine.
    /// </summary>
    internal NpgsqlDataSource RoutedDataSource { get; }

    /// <summary>The connection string given for this node, password included; never printed.</summary>
    internal string ConnectionString { get; }

    internal bool IsCoordinator { get; }

    /// <summary>
    /// The one order in which a caller that holds several connections at once takes them: the workers by
    /// name, then the coordinator. A caller only ever waits for a node that comes after every node it holds,
    /// so no two callers can wait for each other's connections.
    /// </summary>
    internal static int SlotOrder(Node a, Node b) =>
        a.IsCoordinator != b.IsCoordinator ? (a.IsCoordinator ? 1 : -1) : string.CompareOrdinal(a.Name, b.Name);

    /// <summary>
    /// Opens a connection from the node's pool for a caller that already holds connections to
    /// <paramref name="held"/>. In node order (<see cref="SlotOrder"/>) it waits for a free connection up to
    /// the connection string's <c>Timeout</c>; out of order it takes one only if one is free at once, since
    /// waiting there could wait for a caller that waits for this one.
    /// </summary>
    /// <exception cref="ShardPoolExhaustedException">No connection could be had.</exception>
    internal async Task<NpgsqlConnection> OpenConnectionAsync(IEnumerable<Node>? held, Func<string>? where, CancellationToken cancellationToken)
    {
        if (_slots is not { } slots)
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        Node? after = null;
        foreach (var node in held ?? [])
        {
            if (SlotOrder(node, this) >= 0)
            {
                after = node;
                break;
            }
        }

        var acquired = slots.Wait(0, CancellationToken.None);
        if (!acquired && after is null)
        {
            // At the cap: how long callers wait for a connection to be returned is measured (shardgen.pool.wait_time).
            var waiting = Stopwatch.GetTimestamp();
            acquired = await slots.WaitAsync(_connectionWait, cancellationToken).ConfigureAwait(false);
            Telemetry.RecordPoolWait(this, waiting, acquired);
        }

        if (!acquired)
        {
            throw new ShardPoolExhaustedException(this, PoolExhausted(after, where?.Invoke()));
        }

        NpgsqlConnection connection;
        try
        {
            connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            slots.Release();
            throw;
        }

        // The slot is given back when the connection closes: disposed, or broken by its server.
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                slots.Release();
            }
        }

        connection.StateChange += (_, change) =>
        {
            if ((change.CurrentState & ConnectionState.Open) == 0)
            {
                Release();
            }
        };
        if ((connection.State & ConnectionState.Open) == 0)
        {
            Release();
        }

        return connection;
    }

    private string PoolExhausted(Node? after, string? where)
    {
        var wait = _connectionWait == Timeout.InfiniteTimeSpan ? "" : string.Create(CultureInfo.InvariantCulture, $" within {_connectionWait.TotalSeconds:0.###} s (the connection string's Timeout)");
        var what = $"Pool exhausted: all {_maxConnections} connections of this data source to node '{Name}' ({Host}:{Port}) are in use";
        var context = where is null ? "" : $" ({where})";
        return after is null
            ? $"{what} and none was returned{wait}{context}. Raise UseMaxConnectionsPerNode (Max Pool Size), or lower the concurrency."
            : $"{what}{context}, and this caller holds a connection to node '{after.Name}', which comes later in the order every caller takes connections in: "
              + "it does not wait, since the holder of the connection it needs may be waiting for its own. Nothing was sent to the node. Retry the transaction, or raise UseMaxConnectionsPerNode (Max Pool Size).";
    }

    /// <summary>The database's default collation, once a merge has read it: what its text sorts by.</summary>
    internal DatabaseCollation? Collation { get; set; }

    // The data source that built the node owns it and disposes it.
    internal ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public override string ToString() => $"{Name} ({Host}:{Port})";
}
