using ShardGen.Testing;
using Xunit;

namespace ShardGen.Tests.Infrastructure;

public sealed class TestcontainersClusterTests
{
    private const string NoDocker =
        "No Docker engine answered (DOCKER_HOST, /var/run/docker.sock); the Testcontainers launcher cannot be exercised here. " +
        "LocalPostgresCluster covers the same ground with installed PostgreSQL binaries.";

    [SkippableFact]
    public async Task Every_node_answers_and_allows_prepared_transactions()
    {
        Skip.IfNot(TestcontainersCluster.DockerAvailable(), NoDocker);

        await using var cluster = await TestcontainersCluster.StartAsync(workers: 2);

        Assert.Equal(2, cluster.WorkerConnectionStrings.Count);
        foreach (string node in cluster.WorkerConnectionStrings.Prepend(cluster.CoordinatorConnectionString))
        {
            Assert.Equal(1, await Sql.ScalarAsync<int>(node, "SELECT 1"));
            Assert.Equal("100", await Sql.ScalarAsync<string>(node, "SHOW max_prepared_transactions"));
        }
    }

    [SkippableFact]
    public async Task Nodes_are_separate_servers()
    {
        Skip.IfNot(TestcontainersCluster.DockerAvailable(), NoDocker);

        await using var cluster = await TestcontainersCluster.StartAsync(workers: 2);

        // A table created on one node must not be visible on another: each is its own server.
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[0], "CREATE TABLE only_on_worker1 (id int)");
        foreach (string node in new[] { cluster.CoordinatorConnectionString, cluster.WorkerConnectionStrings[1] })
        {
            Assert.Null(await Sql.ScalarAsync<string?>(node, "SELECT to_regclass('only_on_worker1')::text"));
        }
    }
}
