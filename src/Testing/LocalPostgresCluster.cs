using System.Globalization;
using System.Security.Cryptography;

namespace ShardGen.Testing;

/// <summary>
/// A throwaway cluster of real PostgreSQL servers started from the binaries installed on this machine:
/// one coordinator and N workers, each with its own data directory under <c>/tmp</c> and its own loopback port.
/// </summary>
/// <remarks>
/// Servers are tuned for tests (no fsync, no full-page writes) and allow two-phase commit. Disposing the
/// cluster stops every server and deletes its files; if the process exits first, a process-exit handler
/// stops the servers so that none outlives it.
/// </remarks>
public sealed class LocalPostgresCluster : IPostgresCluster
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> DefaultSettings =
    [
        // fsync=off spares the disk, yet a commit still reaches the OS before it is acknowledged
        // (synchronous_commit stays on), so a killed server loses nothing it acknowledged: crash
        // tests depend on that. Only a crash of the machine itself would lose data.
        new("fsync", "off"),
        new("full_page_writes", "off"),
        new("max_prepared_transactions", "100"),
        new("max_connections", "200"),
        new("shared_buffers", "128MB"),
    ];

    // The launcher sets these itself; a different value would break the connection strings it hands out.
    private static readonly HashSet<string> ReservedSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "port", "listen_addresses", "unix_socket_directories",
    };

    private readonly LocalClusterOptions _options;
    private readonly EventHandler _processExitHandler;
    private int _disposed;

    private LocalPostgresCluster(string rootDirectory, string binDirectory, LocalClusterOptions options, IReadOnlyList<PostgresNode> nodes)
    {
        RootDirectory = rootDirectory;
        BinDirectory = binDirectory;
        _options = options;
        Nodes = nodes;
        Coordinator = nodes[0];
        Workers = nodes.Skip(1).ToArray();
        _processExitHandler = (_, _) => StopOnProcessExit();
    }

    public PostgresNode Coordinator { get; }

    public IReadOnlyList<PostgresNode> Workers { get; }

    /// <summary>The coordinator, then the workers in order.</summary>
    public IReadOnlyList<PostgresNode> Nodes { get; }

    /// <summary>The temporary directory holding every node's data directory, log and socket.</summary>
    public string RootDirectory { get; }

    /// <summary>Where initdb and pg_ctl were found.</summary>
    public string BinDirectory { get; }

    public string CoordinatorConnectionString => Coordinator.ConnectionString;

    public IReadOnlyList<string> WorkerConnectionStrings => Workers.Select(worker => worker.ConnectionString).ToArray();

    /// <summary>
    /// Creates and starts a coordinator and <paramref name="workers"/> workers, in parallel, and returns once
    /// every server accepts connections. On failure nothing is left running and the files are removed.
    /// </summary>
    /// <exception cref="PostgresClusterException">The binaries are missing, or a server could not be created or
    /// started; the message names the node and quotes the end of its log.</exception>
    public static async Task<LocalPostgresCluster> StartAsync(
        int workers = 2,
        LocalClusterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        options ??= new LocalClusterOptions();
        IReadOnlyList<KeyValuePair<string, string>> settings = MergeSettings(options.ExtraSettings);

        PostgresServerTools tools = await PostgresServerTools.LocateAsync(options.BinDirectory, cancellationToken).ConfigureAwait(false);

        string root = CreateRootDirectory();
        IReadOnlyList<string> locale = options.InitDbLocaleArguments();
        var nodes = new List<PostgresNode> { new("coordinator", Path.Combine(root, "coordinator"), tools, settings, locale) };
        for (int i = 1; i <= workers; i++)
        {
            string name = "worker" + i.ToString(CultureInfo.InvariantCulture);
            nodes.Add(new PostgresNode(name, Path.Combine(root, name), tools, settings, locale));
        }

        var cluster = new LocalPostgresCluster(root, tools.BinDirectory, options, nodes);
        AppDomain.CurrentDomain.ProcessExit += cluster._processExitHandler;
        try
        {
            foreach (PostgresNode node in nodes)
            {
                Directory.CreateDirectory(node.NodeDirectory);
            }

            await tools.GiveToServerUserAsync(root, cancellationToken).ConfigureAwait(false);

            int[] ports = PostgresNode.AllocatePorts(nodes.Count);
            for (int i = 0; i < nodes.Count; i++)
            {
                nodes[i].AssignPort(ports[i]);
            }

            await Task.WhenAll(nodes.Select(node => node.InitializeAndStartAsync(cancellationToken))).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            try
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The start failure is the error worth reporting; cleaning up after it is best effort.
            }

            throw;
        }
    }

    /// <summary>
    /// Stops every server (immediate shutdown), clears Npgsql's connection pools, and deletes the cluster's
    /// files unless <see cref="LocalClusterOptions.KeepDataDirectory"/> is set.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;

        var failures = new List<Exception>();
        await Task.WhenAll(Nodes.Select(async node =>
        {
            try
            {
                await node.StopForDisposalAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                lock (failures)
                {
                    failures.Add(exception);
                }
            }
        })).ConfigureAwait(false);

        // Pooled connections to servers that no longer exist would fail whoever gets them next. Only this
        // cluster's pools: ClearAllPools would also drop the idle connections of clusters other tests still use.
        foreach (PostgresNode node in Nodes)
        {
            node.ClearPool();
        }

        if (failures.Count > 0)
        {
            throw new AggregateException(
                $"Some servers of the cluster in {RootDirectory} could not be stopped; its files were left in place.", failures);
        }

        if (!_options.KeepDataDirectory)
        {
            DeleteRootDirectory();
        }
    }

    /// <summary>
    /// Leaves the servers running and their files in place when this object is disposed and when the process ends: for
    /// a cluster to try things on from a terminal (the sample's <c>--keep</c>). Stop it with <see cref="StopKeptAsync"/>.
    /// </summary>
    public void KeepRunning()
    {
        AppDomain.CurrentDomain.ProcessExit -= _processExitHandler;
        Volatile.Write(ref _disposed, 1);
    }

    /// <summary>Stops the servers of a cluster left running with <see cref="KeepRunning"/> and deletes its files.</summary>
    /// <param name="rootDirectory">The cluster's <see cref="RootDirectory"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the servers.</param>
    /// <exception cref="PostgresClusterException">The directory holds no such cluster, or a server could not be stopped; its files are left.</exception>
    public static async Task StopKeptAsync(string rootDirectory, CancellationToken cancellationToken = default)
    {
        string[] dataDirectories = Directory.Exists(rootDirectory)
            ? [.. Directory.GetDirectories(rootDirectory).Select(node => Path.Combine(node, "data")).Where(data => File.Exists(Path.Combine(data, "PG_VERSION")))]
            : [];
        if (dataDirectories.Length == 0)
        {
            throw new PostgresClusterException($"{rootDirectory} holds no cluster started by LocalPostgresCluster.");
        }

        PostgresServerTools tools = await PostgresServerTools.LocateAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (string data in dataDirectories.Where(data => File.Exists(Path.Combine(data, "postmaster.pid"))))
        {
            ProcessResult result = await tools.RunAsync("pg_ctl", ["stop", "-w", "-t", "60", "-D", data, "-m", "fast"], rootDirectory, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0 && File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                throw new PostgresClusterException($"The server in {data} could not be stopped: `{result.CommandLine}` exited with code {result.ExitCode}: {result.Output}");
            }
        }

        Directory.Delete(rootDirectory, recursive: true);
    }

    public override string ToString() => $"{nameof(LocalPostgresCluster)}({string.Join(", ", Nodes)})";

    private static IReadOnlyList<KeyValuePair<string, string>> MergeSettings(IReadOnlyDictionary<string, string>? extra)
    {
        var merged = DefaultSettings.ToDictionary(setting => setting.Key, setting => setting.Value, StringComparer.OrdinalIgnoreCase);
        foreach ((string name, string value) in extra ?? new Dictionary<string, string>())
        {
            if (ReservedSettings.Contains(name))
            {
                throw new ArgumentException(
                    $"The setting '{name}' is chosen by {nameof(LocalPostgresCluster)} (each node gets a free loopback port and its own socket directory); remove it from {nameof(LocalClusterOptions.ExtraSettings)}.",
                    nameof(extra));
            }

            merged[name] = value;
        }

        return merged.OrderBy(setting => setting.Key, StringComparer.Ordinal).ToArray();
    }

    private static string CreateRootDirectory()
    {
        // /tmp rather than the user's TMPDIR: when we run as root, the servers run as postgres, who cannot
        // enter a temporary directory under /root. Unix socket paths are also limited to about 100 bytes.
        string parent = OperatingSystem.IsWindows() ? Path.GetTempPath() : "/tmp";
        string path = Path.Combine(parent, "shardgen-cluster-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(path);
        return path;
    }

    private void DeleteRootDirectory()
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(RootDirectory))
                {
                    Directory.Delete(RootDirectory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                // A server that just exited may still be removing its socket or pid file.
                Thread.Sleep(100);
            }
        }
    }

    private void StopOnProcessExit()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        Parallel.ForEach(Nodes, node => node.StopForProcessExit());
        if (!_options.KeepDataDirectory)
        {
            try
            {
                DeleteRootDirectory();
            }
            catch (Exception)
            {
                // Best effort: the process is exiting.
            }
        }
    }
}
