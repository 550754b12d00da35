using System.Collections.Concurrent;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// A cap of 1 or 2 connections per node under 16 clients making cross-worker transfers (their two updates
/// in either order) and reference writes at once, with recovery running on a short timer: every call
/// completes or fails with "pool exhausted", nothing deadlocks — not even with the connection string's
/// <c>Timeout=0</c>, where a wait has no limit of its own — and the money adds up on the servers.
/// </summary>
public sealed class PoolCapTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 110_000;

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 15)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    public async Task Capped_pools_never_deadlock_cross_worker_transactions_reference_writes_or_recovery(int cap, int timeoutSeconds)
    {
        const int Clients = 16, CallsPerClient = 8;
        var (onWorker1, onWorker2) = await fixture.TenantsOnEachWorkerAsync(Interlocked.Add(ref _nextTenant, 1000), 4);

        long[] accounts = [.. onWorker1, .. onWorker2];
        foreach (var tenant in accounts)
        {
            await fixture.Db.Accounts.InsertAsync(new Account(tenant, 1, "capped", 1000m));
        }

        var suffix = $";Timeout={timeoutSeconds}";
        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString + suffix)
            .UseSchema(TransactionCluster.Schema)
            .UseMaxConnectionsPerNode(cap)
            .UseTransactionRecovery(TimeSpan.FromMilliseconds(100), onLoad: true);
        builder.AddWorker(fixture.Cluster.WorkerConnectionStrings[0] + suffix, "worker1").AddWorker(fixture.Cluster.WorkerConnectionStrings[1] + suffix, "worker2");
        await using var source = builder.Build();
        var db = new ShardDatabase(source);
        await source.GetShardMapAsync();

        // A guard against a hang, not a measurement: a deadlock would never end, the calls below take seconds.
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var exhausted = 0;
        var retried = 0;
        var unexpected = new ConcurrentBag<string>();
        var options = new ShardedTransactionOptions { LockTimeout = TimeSpan.FromMilliseconds(500) };
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (var i = 0; i < CallsPerClient; i++)
            {
                var reference = random.Next(4) == 0;
                var forward = random.Next(2) == 0;
                var from = (forward ? onWorker1 : onWorker2)[random.Next(4)];
                var to = (forward ? onWorker2 : onWorker1)[random.Next(4)];
                var steps = random.Next(2) == 0 ? new[] { (from, -1m), (to, 1m) } : [(to, 1m), (from, -1m)];
                while (true)
                {
                    hang.Token.ThrowIfCancellationRequested();
                    try
                    {
                        if (reference)
                        {
                            await db.Currencies.UpsertAsync(new Currency($"P{client % 10}{cap}", $"client {client} call {i}", 2), hang.Token);
                        }
                        else
                        {
                            await using var tx = await source.BeginTransactionAsync(options, hang.Token);
                            foreach (var (tenant, delta) in steps)
                            {
                                await TransactionQueries.AddAsync(source, tenant, 1, delta, hang.Token);
                            }

                            await tx.CommitAsync(hang.Token);
                        }

                        break;
                    }
                    catch (ShardPoolExhaustedException ex)
                    {
                        Assert.StartsWith("Pool exhausted", ex.Message, StringComparison.Ordinal);
                        Interlocked.Increment(ref exhausted);

                        // As a client should: a moment before trying again.
                        await Task.Delay(random.Next(1, 5), hang.Token);
                    }
                    catch (ShardOperationException ex) when (ex.IsRetryable)
                    {
                        Interlocked.Increment(ref retried);
                    }
                    catch (ShardTransactionException ex) when (ex.InnerException is ShardOperationException { IsRetryable: true } || ex.Message.Contains("retry", StringComparison.OrdinalIgnoreCase))
                    {
                        Interlocked.Increment(ref retried);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        unexpected.Add($"{ex.GetType().Name}: {ex.Message}");
                        break;
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(clients);
        output.WriteLine($"cap {cap}, Timeout={timeoutSeconds}: {Clients * CallsPerClient} calls done; {exhausted} 'pool exhausted' and {retried} lock-timeout retries");
        Assert.Empty(unexpected);

        // Recovery ran on its timer throughout; once more, then nothing is left anywhere and the total holds.
        await source.RecoverAsync();
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        var total = 0m;
        foreach (var tenant in accounts)
        {
            total += await fixture.BalanceOnServerAsync(tenant, 1) ?? 0m;
        }

        Assert.Equal(8000m, total);
        var copies = await fixture.CurrencyCopiesAsync();
        Assert.All(copies, copy => Assert.Equal(copies[0], copy));
    }

    [Fact]
    public async Task A_transaction_that_would_wait_out_of_order_says_pool_exhausted_at_once_and_keeps_its_work()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 1000));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));
        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString + ";Timeout=0")
            .UseSchema(TransactionCluster.Schema)
            .UseMaxConnectionsPerNode(1)
            .UseTransactionRecovery(Timeout.InfiniteTimeSpan, onLoad: false);
        builder.AddWorker(fixture.Cluster.WorkerConnectionStrings[0] + ";Timeout=0", "worker1").AddWorker(fixture.Cluster.WorkerConnectionStrings[1] + ";Timeout=0", "worker2");
        await using var source = builder.Build();
        await source.GetShardMapAsync();

        // Another caller holds worker 1's only connection; this transaction holds worker 2 and wants worker 1.
        await using var tx = await source.BeginTransactionAsync();
        await TransactionQueries.AddAsync(source, t2, 1, 5m);
        ShardPoolExhaustedException error;
        await using (var held = await source.CurrentShardMap!.Workers.Single(w => w.Name == "worker1").OpenConnectionAsync(null, null, CancellationToken.None))
        {
            error = await Assert.ThrowsAsync<ShardPoolExhaustedException>(() => TransactionQueries.AddAsync(source, t1, 1, -5m));
        }

        Assert.Equal("worker1", error.Node);
        Assert.True(error.IsRetryable);
        Assert.Contains("holds a connection to node 'worker2'", error.Message, StringComparison.Ordinal);

        // Nothing was sent to worker 1; the transaction goes on once the connection is back.
        await TransactionQueries.AddAsync(source, t1, 1, -5m);
        await tx.CommitAsync();
        Assert.Equal(95m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(105m, await fixture.BalanceOnServerAsync(t2, 1));
    }
}
