using System.Net;
using System.Net.Sockets;
using Npgsql;
using ShardGen.Testing;
using Xunit;

namespace ShardGen.Tests.Infrastructure;

/// <summary>
/// The launcher every integration test stands on: each test starts its own coordinator + 1 worker, since
/// these tests stop, kill and dispose servers.
/// </summary>
public sealed class LocalPostgresClusterTests
{
    [Fact]
    public async Task Starts_separate_servers_that_allow_prepared_transactions()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(
            workers: 1,
            new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["work_mem"] = "8MB" } });

        Assert.Equal("coordinator", cluster.Coordinator.Name);
        Assert.Equal("worker1", Assert.Single(cluster.Workers).Name);
        Assert.Equal(cluster.Coordinator.ConnectionString, cluster.CoordinatorConnectionString);
        Assert.Equal(cluster.Workers[0].ConnectionString, Assert.Single(cluster.WorkerConnectionStrings));
        Assert.NotEqual(cluster.Coordinator.Port, cluster.Workers[0].Port);

        foreach (PostgresNode node in cluster.Nodes)
        {
            Assert.True(node.IsRunning);
            Assert.Equal("100", await Sql.ScalarAsync<string>(node.ConnectionString, "SHOW max_prepared_transactions"));
            Assert.Equal("8MB", await Sql.ScalarAsync<string>(node.ConnectionString, "SHOW work_mem"));
            Assert.Equal("UTF8", await Sql.ScalarAsync<string>(node.ConnectionString, "SHOW server_encoding"));
            Assert.Equal(node.Port, await Sql.ScalarAsync<int>(node.ConnectionString, "SELECT inet_server_port()"));
        }

        // Two-phase commit really works, not just the setting.
        await using (var connection = new NpgsqlConnection(cluster.WorkerConnectionStrings[0]))
        {
            await connection.OpenAsync();
            foreach (string sql in new[] { "CREATE TABLE t2pc (id int)", "BEGIN", "INSERT INTO t2pc VALUES (1)", "PREPARE TRANSACTION 'launcher-test'" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        Assert.Equal(1L, await Sql.ScalarAsync<long>(cluster.WorkerConnectionStrings[0], "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'launcher-test'"));
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[0], "COMMIT PREPARED 'launcher-test'");
        Assert.Equal(1L, await Sql.ScalarAsync<long>(cluster.WorkerConnectionStrings[0], "SELECT count(*) FROM t2pc"));

        // A separate server: the coordinator does not see the worker's table.
        Assert.Null(await Sql.ScalarAsync<string?>(cluster.CoordinatorConnectionString, "SELECT to_regclass('t2pc')::text"));
    }

    [Fact]
    public async Task A_stopped_worker_restarts_on_the_same_port_with_its_data()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        PostgresNode worker = cluster.Workers[0];
        int port = worker.Port;
        await Sql.ExecuteAsync(worker.ConnectionString, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)");

        await worker.StopAsync(immediate: false);

        Assert.False(worker.IsRunning);
        Assert.False(AcceptsConnections(port));
        Assert.Equal(1, await Sql.ScalarAsync<int>(cluster.CoordinatorConnectionString, "SELECT 1"));

        await worker.StartAsync();

        Assert.True(worker.IsRunning);
        Assert.Equal(port, worker.Port);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(worker.ConnectionString, "SELECT count(*) FROM kept"));
    }

    [Fact]
    public async Task A_killed_worker_recovers_its_committed_data_on_start()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        PostgresNode worker = cluster.Workers[0];

        // An acknowledged commit survives a SIGKILL of the server.
        await Sql.ExecuteAsync(worker.ConnectionString, "CREATE TABLE survived (id int); INSERT INTO survived VALUES (7)");

        worker.Kill();

        Assert.False(worker.IsRunning);
        Assert.False(AcceptsConnections(worker.Port));

        await worker.StartAsync();

        Assert.Equal(7, await Sql.ScalarAsync<int>(worker.ConnectionString, "SELECT id FROM survived"));
        Assert.Contains("automatic recovery in progress", await File.ReadAllTextAsync(worker.LogFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_on_a_port_taken_meanwhile_fails_naming_the_node_port_and_log()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        PostgresNode worker = cluster.Workers[0];
        await worker.StopAsync();

        var squatter = new TcpListener(IPAddress.Loopback, worker.Port);
        squatter.Start();
        try
        {
            var error = await Assert.ThrowsAsync<PostgresClusterException>(() => worker.StartAsync());

            Assert.Contains("'worker1'", error.Message, StringComparison.Ordinal);
            Assert.Contains($"port {worker.Port} was taken", error.Message, StringComparison.Ordinal);
            Assert.Contains("Address already in use", error.Message, StringComparison.Ordinal);
            Assert.False(worker.IsRunning);
        }
        finally
        {
            squatter.Stop();
        }

        await worker.StartAsync();
        Assert.Equal(1, await Sql.ScalarAsync<int>(worker.ConnectionString, "SELECT 1"));
    }

    [Fact]
    public async Task Dispose_stops_every_server_and_removes_its_files()
    {
        var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        string root = cluster.RootDirectory;
        int[] ports = cluster.Nodes.Select(node => node.Port).ToArray();
        Assert.True(Directory.Exists(root));
        Assert.All(ports, port => Assert.True(AcceptsConnections(port)));

        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(root), $"{root} is still there after disposal.");
        Assert.All(ports, port => Assert.False(AcceptsConnections(port), $"Port {port} still accepts connections after disposal."));
    }

    [Fact]
    public async Task KeepDataDirectory_leaves_the_files_for_inspection()
    {
        var cluster = await LocalPostgresCluster.StartAsync(workers: 0, new LocalClusterOptions { KeepDataDirectory = true });
        string root = cluster.RootDirectory;
        try
        {
            Assert.Empty(cluster.Workers);

            await cluster.DisposeAsync();

            Assert.True(File.Exists(Path.Combine(cluster.Coordinator.DataDirectory, "PG_VERSION")));
            Assert.False(AcceptsConnections(cluster.Coordinator.Port));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Settings_the_launcher_owns_are_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => LocalPostgresCluster.StartAsync(
            workers: 0,
            new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["port"] = "5432" } }));

        Assert.Contains("'port'", error.Message, StringComparison.Ordinal);
    }

    private static bool AcceptsConnections(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
