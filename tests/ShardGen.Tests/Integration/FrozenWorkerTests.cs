using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Transactions;

namespace ShardGen.Tests.Integration;

/// <summary>
/// A worker that stops answering (SIGSTOP: its connections stay open, nothing comes back): with
/// <see cref="ShardedDataSourceBuilder.UseNodeTimeouts"/>, its calls, fan-outs over it and transactions
/// that reach it fail instead of waiting, while calls to the other worker go on.
/// </summary>
public sealed class FrozenWorkerTests
{
    [Fact]
    public async Task A_frozen_worker_fails_its_calls_within_the_timeouts_and_the_other_worker_goes_on()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
            .UseSchema(TransactionCluster.Schema)
            .UseShardCount(TransactionCluster.ShardCount)
            .UseNodeTimeouts(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2))
            .UseTransactionRecovery(Timeout.InfiniteTimeSpan, onLoad: false);
        builder.AddWorker(cluster.WorkerConnectionStrings[0], "worker1").AddWorker(cluster.WorkerConnectionStrings[1], "worker2");
        await using var source = builder.Build();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        var map = await source.GetShardMapAsync();
        long onWorker1 = 0, onWorker2 = 0;
        for (long key = 1; onWorker1 == 0 || onWorker2 == 0; key++)
        {
            var node = map.Route(AccountRepository.Definition, key).Node.Name;
            if (node == "worker1")
            {
                onWorker1 = onWorker1 == 0 ? key : onWorker1;
            }
            else
            {
                onWorker2 = onWorker2 == 0 ? key : onWorker2;
            }
        }

        await db.Accounts.InsertAsync(new Account(onWorker1, 1, "alive", 100m));
        await db.Accounts.InsertAsync(new Account(onWorker2, 1, "frozen", 100m));

        // A guard against a hang, not a measurement: without time-outs these calls would never end.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        cluster.Workers[1].Freeze();
        try
        {
            // A call on the frozen worker's pooled connection, one on a new connection, and the other worker's calls meanwhile.
            var frozenRead = Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.GetAsync(onWorker2, 1, hang.Token));
            var frozenWrite = Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.InsertAsync(new Account(onWorker2, 2, "never", 1m), hang.Token));
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal("alive", (await db.Accounts.GetAsync(onWorker1, 1, hang.Token))?.Owner);
            }

            await db.Accounts.InsertAsync(new Account(onWorker1, 2, "still alive", 1m), hang.Token);
            Assert.Equal("worker2", (await frozenRead).Node);
            Assert.Equal("worker2", (await frozenWrite).Node);

            // A fan-out over both workers fails naming the frozen one.
            var fanOut = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.CountAllAsync(hang.Token));
            Assert.Equal("worker2", fanOut.Node);

            // A transaction that reaches it rolls back on every node.
            var transfer = await Record.ExceptionAsync(async () =>
            {
                await using var tx = await source.BeginTransactionAsync(cancellationToken: hang.Token);
                await TransactionQueries.AddAsync(source, onWorker1, 1, -10m, hang.Token);
                await TransactionQueries.AddAsync(source, onWorker2, 1, 10m, hang.Token);
                await tx.CommitAsync(hang.Token);
            });
            Assert.IsType<ShardOperationException>(transfer);
            Assert.False(hang.IsCancellationRequested, "a call waited for the frozen worker until the guard fired");
        }
        finally
        {
            cluster.Workers[1].Thaw();
        }

        source.CurrentShardMap!.Workers.Single(w => w.Name == "worker2").DataSource.Clear();
        await source.RecoverAsync();
        Assert.Equal(100m, await Sql.ScalarAsync<decimal>(cluster.WorkerConnectionStrings[0], $"SELECT balance FROM \"{map.Route(AccountRepository.Definition, onWorker1).ShardTable}\" WHERE tenant_id = $1 AND id = 1", onWorker1));
        Assert.Equal(100m, await Sql.ScalarAsync<decimal>(cluster.WorkerConnectionStrings[1], $"SELECT balance FROM \"{map.Route(AccountRepository.Definition, onWorker2).ShardTable}\" WHERE tenant_id = $1 AND id = 1", onWorker2));
        Assert.Equal(3, await db.Accounts.CountAllAsync());
    }
}
