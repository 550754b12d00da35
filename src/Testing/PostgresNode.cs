using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace ShardGen.Testing;

/// <summary>One PostgreSQL server of a <see cref="LocalPostgresCluster"/>: its own data directory, port and log.</summary>
public sealed class PostgresNode
{
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ServerCommandTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private const int PortAttempts = 5;

    private readonly PostgresServerTools _tools;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _settings;
    private readonly IReadOnlyList<string> _localeArguments;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile bool _running;

    internal PostgresNode(
        string name, string nodeDirectory, PostgresServerTools tools, IReadOnlyList<KeyValuePair<string, string>> settings, IReadOnlyList<string> localeArguments)
    {
        Name = name;
        NodeDirectory = nodeDirectory;
        DataDirectory = Path.Combine(nodeDirectory, "data");
        LogFile = Path.Combine(nodeDirectory, "postgres.log");
        ConnectionString = string.Empty;
        _tools = tools;
        _settings = settings;
        _localeArguments = localeArguments;
    }

    /// <summary><c>coordinator</c>, <c>worker1</c>, <c>worker2</c>, ...</summary>
    public string Name { get; }

    /// <summary>The loopback TCP port; it stays the same across <see cref="StopAsync"/> and <see cref="StartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>An Npgsql connection string for the <c>postgres</c> superuser and database.</summary>
    public string ConnectionString { get; private set; }

    public string DataDirectory { get; }

    /// <summary>The server log (what <c>pg_ctl -l</c> writes); error messages quote its tail.</summary>
    public string LogFile { get; }

    /// <summary>Whether this launcher started the server and has not stopped or killed it since.</summary>
    public bool IsRunning => _running;

    /// <summary>The directory of this node: data directory, log file and Unix socket.</summary>
    internal string NodeDirectory { get; }

    public override string ToString() => $"{Name} (127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>
    /// Starts the server again after <see cref="StopAsync"/> or <see cref="Kill"/>, on the same port and data
    /// directory, and returns once it accepts connections. After a kill, this is crash recovery.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running)
            {
                return;
            }

            await StartCoreAsync(mayChangePort: false, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the server: <paramref name="immediate"/> aborts every session without a checkpoint (the server runs
    /// crash recovery at the next start); otherwise a fast shutdown rolls back open transactions and checkpoints.
    /// Pooled Npgsql connections to this node are cleared.
    /// </summary>
    public async Task StopAsync(bool immediate = true, CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running)
            {
                await StopCoreAsync(immediate, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Crashes the server: SIGKILL to the postmaster and every backend, as a power cut would. Nothing is
    /// flushed or cleaned up; <see cref="StartAsync"/> then goes through PostgreSQL's crash recovery.
    /// </summary>
    public void Kill()
    {
        _lifecycle.Wait();
        try
        {
            int? pid = ReadPostmasterPid();
            if (pid is int postmaster)
            {
                try
                {
                    using Process process = Process.GetProcessById(postmaster);

                    // The whole tree: a backend that outlived its postmaster would keep the old shared
                    // memory attached, and the next start would refuse to run beside it.
                    process.Kill(entireProcessTree: true);
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
                catch (InvalidOperationException)
                {
                    // Exited between the lookup and the kill.
                }

                WaitUntilDead(postmaster);
            }

            _running = false;
            ClearPool();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Freezes the server without ending it: SIGSTOP to the postmaster and every backend, as a hung machine
    /// or a stalled network would look to a client (connections stay open, nothing answers). <see cref="Thaw"/>
    /// lets it go on.
    /// </summary>
    public void Freeze() => SignalServer("STOP");

    /// <summary>Lets a server frozen by <see cref="Freeze"/> go on (SIGCONT to the postmaster and every backend).</summary>
    public void Thaw() => SignalServer("CONT");

    private void SignalServer(string signal)
    {
        if (ReadPostmasterPid() is not int postmaster)
        {
            throw new InvalidOperationException($"PostgreSQL node '{Name}' is not running.");
        }

        // The postmaster first when stopping (no new backend forks meanwhile), last when continuing.
        string pid = postmaster.ToString(CultureInfo.InvariantCulture);
        string[][] steps = signal == "STOP"
            ? [["kill", $"-{signal}", pid], ["pkill", $"-{signal}", "-P", pid]]
            : [["pkill", $"-{signal}", "-P", pid], ["kill", $"-{signal}", pid]];
        foreach (string[] step in steps)
        {
            var start = new ProcessStartInfo(step[0]) { UseShellExecute = false };
            foreach (string argument in step.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            process.WaitForExit();
        }
    }

    internal void AssignPort(int port)
    {
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            Pooling = true,
        }.ConnectionString;
    }

    internal async Task InitializeAndStartAsync(CancellationToken cancellationToken)
    {
        ProcessResult initdb = await _tools.RunAsync(
                "initdb",
                ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", .. _localeArguments],
                NodeDirectory,
                InitDbTimeout,
                cancellationToken)
            .ConfigureAwait(false);
        if (initdb.ExitCode != 0)
        {
            throw Failure($"could not be created: `{initdb.CommandLine}` exited with code {initdb.ExitCode}", initdb.Output);
        }

        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StartCoreAsync(mayChangePort: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops whatever server runs in the data directory, even one this object does not know about (a start
    /// that timed out may have left it running); a server that is already down is not an error.
    /// </summary>
    internal async Task StopForDisposalAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_running || PostmasterAlive())
            {
                await StopCoreAsync(immediate: true, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Best effort, synchronous: for the process-exit handler, so that no server outlives the process.</summary>
    internal void StopForProcessExit()
    {
        if (!_running)
        {
            return;
        }

        try
        {
            _tools.Run("pg_ctl", ["stop", "-w", "-t", "10", "-D", DataDirectory, "-m", "immediate"], NodeDirectory, TimeSpan.FromSeconds(15));
            _running = false;
        }
        catch (Exception)
        {
            // The process is exiting; there is no one left to tell.
        }
    }

    internal static int[] AllocatePorts(int count)
    {
        // Holding every listener until all ports are known keeps two nodes from being handed the same port.
        var listeners = new TcpListener[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
            }

            return listeners.Select(listener => ((IPEndPoint)listener.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            foreach (TcpListener? listener in listeners)
            {
                listener?.Stop();
            }
        }
    }

    internal string ReadLogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            string[] all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines))).TrimEnd();
        }
        catch (IOException exception)
        {
            return $"(log {LogFile} could not be read: {exception.Message})";
        }
        catch (UnauthorizedAccessException exception)
        {
            return $"(log {LogFile} could not be read: {exception.Message})";
        }
    }

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    private async Task StopCoreAsync(bool immediate, CancellationToken cancellationToken)
    {
        ProcessResult result = await _tools.RunAsync(
                "pg_ctl",
                ["stop", "-w", "-t", "60", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast"],
                NodeDirectory,
                ServerCommandTimeout,
                cancellationToken)
            .ConfigureAwait(false);

        // pg_ctl also fails when no server was running (or only a crashed one's lock file is left).
        if (result.ExitCode != 0 && PostmasterAlive())
        {
            throw Failure($"could not be stopped: `{result.CommandLine}` exited with code {result.ExitCode}", result.Output);
        }

        _running = false;
        ClearPool();
    }

    private async Task StartCoreAsync(bool mayChangePort, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            long logOffset = LogLength();
            ProcessResult result = await _tools.RunAsync(
                    "pg_ctl",
                    ["start", "-w", "-t", "60", "-D", DataDirectory, "-l", LogFile, "-o", ServerOptions()],
                    NodeDirectory,
                    ServerCommandTimeout,
                    cancellationToken)
                .ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                break;
            }

            string newLog = ReadLogSince(logOffset);
            bool portTaken = newLog.Contains("Address already in use", StringComparison.Ordinal)
                || newLog.Contains("could not create lock file \"" + NodeDirectory, StringComparison.Ordinal);

            // A killed server's backends may take a moment to release the old shared memory segment.
            bool oldMemoryInUse = newLog.Contains("pre-existing shared memory block", StringComparison.Ordinal);

            if (attempt < PortAttempts && portTaken && mayChangePort)
            {
                AssignPort(AllocatePorts(1)[0]);
                continue;
            }

            if (attempt < PortAttempts && oldMemoryInUse)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
                continue;
            }

            string hint = portTaken && !mayChangePort
                ? $"; port {Port} was taken by another process while the node was down, and a restarted node keeps its port so that connection strings stay valid"
                : string.Empty;
            throw Failure(
                $"could not be started: `{result.CommandLine}` exited with code {result.ExitCode}{hint}",
                result.Output);
        }

        _running = true;
        await WaitUntilAcceptingConnectionsAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitUntilAcceptingConnectionsAsync(CancellationToken cancellationToken)
    {
        var probe = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(probe);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or SocketException && stopwatch.Elapsed < ReadyTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or SocketException)
            {
                throw Failure($"started but did not accept connections within {ReadyTimeout.TotalSeconds:0} s ({exception.Message})", null);
            }
        }
    }

    private string ServerOptions()
    {
        // pg_ctl hands this string to /bin/sh, so every value is single-quoted for the shell.
        var options = new StringBuilder();
        options.Append("-p ").Append(Port.ToString(CultureInfo.InvariantCulture));
        options.Append(" -k ").Append(ShellQuote(NodeDirectory));
        options.Append(" -c ").Append(ShellQuote("listen_addresses=127.0.0.1"));
        foreach ((string name, string value) in _settings)
        {
            options.Append(" -c ").Append(ShellQuote(name + "=" + value));
        }

        return options.ToString();
    }

    private int? ReadPostmasterPid()
    {
        try
        {
            using var reader = new StreamReader(new FileStream(PidFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return int.TryParse(reader.ReadLine(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private bool PostmasterAlive() =>
        ReadPostmasterPid() is int pid && ProcessState(pid) is char state && state is not ('Z' or 'X');

    private void WaitUntilDead(int pid)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(10))
        {
            char? state = ProcessState(pid);
            if (state is null)
            {
                return;
            }

            if (state is 'Z' or 'X')
            {
                // Dead, but not reaped: this process is not its parent, and a container's init may never
                // reap it. PostgreSQL would take the zombie for a live postmaster and refuse to start, so
                // remove the lock files it would check; every process that used them is dead.
                File.Delete(PidFile);
                File.Delete(Path.Combine(NodeDirectory, $".s.PGSQL.{Port.ToString(CultureInfo.InvariantCulture)}.lock"));
                return;
            }

            Thread.Sleep(20);
        }

        throw Failure($"was sent SIGKILL but its postmaster (PID {pid}) was still running 10 s later", null);
    }

    /// <summary>The state letter from <c>/proc/PID/stat</c> (R, S, Z...), or null when the process is gone.</summary>
    private static char? ProcessState(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            try
            {
                using Process process = Process.GetProcessById(pid);
                return process.HasExited ? null : 'R';
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        try
        {
            string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            int afterName = stat.LastIndexOf(')');
            return afterName >= 0 && afterName + 2 < stat.Length ? stat[afterName + 2] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private long LogLength()
    {
        var info = new FileInfo(LogFile);
        return info.Exists ? info.Length : 0;
    }

    private string ReadLogSince(long offset)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    internal void ClearPool()
    {
        if (ConnectionString.Length == 0)
        {
            return;
        }

        using var connection = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(connection);
    }

    private PostgresClusterException Failure(string what, string? commandOutput)
    {
        var message = new StringBuilder();
        message.Append(CultureInfo.InvariantCulture, $"PostgreSQL node '{Name}' (port {Port}, data {DataDirectory}) {what}.");
        if (!string.IsNullOrWhiteSpace(commandOutput))
        {
            message.AppendLine().Append("Output: ").Append(commandOutput.Trim());
        }

        message.AppendLine().Append(CultureInfo.InvariantCulture, $"Last lines of {LogFile}:").AppendLine().Append(ReadLogTail());
        return new PostgresClusterException(message.ToString());
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
