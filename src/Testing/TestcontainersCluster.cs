using System.IO.Pipes;
using System.Net.Sockets;
using System.Text;
using Testcontainers.PostgreSql;

namespace ShardGen.Testing;

/// <summary>
/// The same cluster shape as <see cref="LocalPostgresCluster"/>, one <c>postgres:15</c> container per node (with
/// <c>max_prepared_transactions</c> set for two-phase commit), for machines that have a Docker engine but no PostgreSQL
/// binaries. Check <see cref="DockerAvailable"/> first, and skip rather than fail where it is false.
/// </summary>
public sealed class TestcontainersCluster : IPostgresCluster
{
    private const string Image = "postgres:15";
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<PostgreSqlContainer> _containers;

    private TestcontainersCluster(IReadOnlyList<PostgreSqlContainer> containers)
    {
        _containers = containers;
        CoordinatorConnectionString = containers[0].GetConnectionString();
        WorkerConnectionStrings = containers.Skip(1).Select(container => container.GetConnectionString()).ToArray();
    }

    public string CoordinatorConnectionString { get; }

    public IReadOnlyList<string> WorkerConnectionStrings { get; }

    /// <summary>Starts a coordinator and <paramref name="workers"/> workers, each in a container of its own, in parallel.</summary>
    public static async Task<TestcontainersCluster> StartAsync(int workers = 2, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        PostgreSqlContainer[] containers = Enumerable.Range(0, workers + 1)
            .Select(_ => new PostgreSqlBuilder(Image)
                .WithCommand("-c", "max_prepared_transactions=100")
                .WithCommand("-c", "max_connections=200")
                .Build())
            .ToArray();
        try
        {
            await Task.WhenAll(containers.Select(container => container.StartAsync(cancellationToken)));
            return new TestcontainersCluster(containers);
        }
        catch
        {
            await Task.WhenAll(containers.Select(container => container.DisposeAsync().AsTask()));
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_containers.Select(container => container.DisposeAsync().AsTask()));
        foreach (string connectionString in WorkerConnectionStrings.Prepend(CoordinatorConnectionString))
        {
            using var connection = new Npgsql.NpgsqlConnection(connectionString);
            Npgsql.NpgsqlConnection.ClearPool(connection);
        }
    }

    /// <summary>
    /// Whether a Docker engine answers a ping, within about two seconds and without throwing: tests that need
    /// one skip instead of hanging or failing where there is none.
    /// </summary>
    public static bool DockerAvailable()
    {
        try
        {
            return DockerEndpoints().Any(Ping);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static IEnumerable<string> DockerEndpoints()
    {
        string? dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            // An explicit DOCKER_HOST is the engine Testcontainers will use; the defaults do not matter then.
            yield return dockerHost;
            yield break;
        }

        if (OperatingSystem.IsWindows())
        {
            yield return "npipe://./pipe/docker_engine";
            yield break;
        }

        yield return "unix:///var/run/docker.sock";
        string? runtimeDirectory = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtimeDirectory))
        {
            yield return "unix://" + Path.Combine(runtimeDirectory, "docker.sock");
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        yield return "unix://" + Path.Combine(home, ".docker", "run", "docker.sock");
        yield return "unix://" + Path.Combine(home, ".docker", "desktop", "docker.sock");
    }

    private static bool Ping(string endpoint)
    {
        try
        {
            var uri = new Uri(endpoint);
            using Stream? stream = uri.Scheme switch
            {
                "unix" => ConnectUnix(uri.AbsolutePath),
                "tcp" or "http" => ConnectTcp(uri.Host, uri.Port),
                "npipe" => ConnectPipe(uri),
                _ => null,
            };
            if (stream is null)
            {
                return false;
            }

            if (stream.CanTimeout)
            {
                stream.ReadTimeout = (int)PingTimeout.TotalMilliseconds;
                stream.WriteTimeout = (int)PingTimeout.TotalMilliseconds;
            }

            stream.Write("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8);
            var buffer = new byte[256];
            int read = stream.Read(buffer);
            string response = Encoding.ASCII.GetString(buffer, 0, read);
            return response.StartsWith("HTTP/1.", StringComparison.Ordinal) && response.Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static NetworkStream? ConnectUnix(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        return ConnectWithTimeout(socket, new UnixDomainSocketEndPoint(path));
    }

    private static NetworkStream? ConnectTcp(string host, int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        return ConnectWithTimeout(socket, new System.Net.DnsEndPoint(host, port < 0 ? 2375 : port));
    }

    private static NetworkStream? ConnectWithTimeout(Socket socket, System.Net.EndPoint endPoint)
    {
        using var timeout = new CancellationTokenSource(PingTimeout);
        try
        {
            socket.ConnectAsync(endPoint, timeout.Token).AsTask().GetAwaiter().GetResult();
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch (Exception)
        {
            socket.Dispose();
            return null;
        }
    }

    private static NamedPipeClientStream? ConnectPipe(Uri uri)
    {
        var pipe = new NamedPipeClientStream(uri.Host, uri.AbsolutePath.TrimStart('/').Replace("pipe/", string.Empty, StringComparison.Ordinal), PipeDirection.InOut);
        try
        {
            pipe.Connect((int)PingTimeout.TotalMilliseconds);
            return pipe;
        }
        catch (Exception)
        {
            pipe.Dispose();
            return null;
        }
    }
}
