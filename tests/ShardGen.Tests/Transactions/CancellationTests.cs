using System.Globalization;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// <c>CommitAsync</c> cancelled at every step and at random moments, then <c>DisposeAsync</c>: the
/// transaction ends in a defined state that matches what every node holds, and no session is left idle in
/// a transaction or holding a lock on any node.
/// </summary>
public sealed class CancellationTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 90_000;

    [Fact]
    public async Task A_commit_cancelled_while_it_waits_for_a_coordinator_connection_rolls_back_and_releases_everything()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));

        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString)
            .UseSchema(TransactionCluster.Schema)
            .UseMaxConnectionsPerNode(1)
            .UseTransactionRecovery(Timeout.InfiniteTimeSpan, onLoad: false);
        builder.AddWorker(fixture.Cluster.WorkerConnectionStrings[0], "worker1").AddWorker(fixture.Cluster.WorkerConnectionStrings[1], "worker2");
        await using var source = builder.Build();
        await source.GetShardMapAsync();

        ShardedTransaction tx;
        Exception? error;
        await using (var held = await source.Coordinator.DataSource.OpenConnectionAsync())
        {
            // The only coordinator connection is taken: the commit waits for it to record its decision.
            tx = await source.BeginTransactionAsync();
            await TransactionQueries.AddAsync(source, t1, 1, -10m);
            await TransactionQueries.AddAsync(source, t2, 1, 10m);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            error = await Record.ExceptionAsync(() => tx.CommitAsync(cancel.Token));
        }

        var canceled = Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.Contains("rolled back on every node", canceled.Message, StringComparison.Ordinal);
        Assert.Equal(ShardedTransactionStatus.RolledBack, tx.Status);
        await tx.DisposeAsync();
        await AssertNothingHeldAsync();
        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t2, 1));

        // The rows are free: the next transaction on them commits at once.
        await using (var next = await source.BeginTransactionAsync(new ShardedTransactionOptions { LockTimeout = TimeSpan.FromSeconds(2) }))
        {
            await TransactionQueries.AddAsync(source, t1, 1, -10m);
            await TransactionQueries.AddAsync(source, t2, 1, 10m);
            await next.CommitAsync();
        }

        Assert.Equal(90m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(110m, await fixture.BalanceOnServerAsync(t2, 1));
    }

    [Fact]
    public async Task Commits_cancelled_at_random_steps_and_moments_end_as_told_and_hold_nothing()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("SHARDGEN_CANCEL_ROUNDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) ? r : 40;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 10_000m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 10_000m));
        var steps = new[] { TransactionStep.Prepare, TransactionStep.RecordDecision, TransactionStep.CommitDecision, TransactionStep.CommitPrepared, TransactionStep.Forget };
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var key = $"cancel-{t1}";

        for (var i = 1; i <= rounds; i++)
        {
            var before = (From: await fixture.BalanceOnServerAsync(t1, 1), To: await fixture.BalanceOnServerAsync(t2, 1));
            var value = i.ToString(CultureInfo.InvariantCulture);
            using var cancel = new CancellationTokenSource();
            var byStep = random.Next(2) == 0;
            var step = steps[random.Next(steps.Length)];
            var name = byStep ? $"cancelled at {step}" : "cancelled after a random delay";
            if (byStep)
            {
                fixture.Source.FaultHook = (at, _) =>
                {
                    if (at == step)
                    {
                        cancel.Cancel();
                    }

                    return Task.CompletedTask;
                };
            }

            var tx = await fixture.Source.BeginTransactionAsync();
            Exception? error;
            try
            {
                await fixture.Db.Settings.UpsertAsync(new Setting(key, value));
                await TransactionQueries.AddAsync(fixture.Source, t1, 1, -1m);
                await TransactionQueries.AddAsync(fixture.Source, t2, 1, 1m);
                if (!byStep)
                {
                    cancel.CancelAfter(random.Next(8));
                }

                error = await Record.ExceptionAsync(() => tx.CommitAsync(cancel.Token));
            }
            finally
            {
                await tx.DisposeAsync();
                fixture.Source.FaultHook = null;
            }

            // Nothing is held once the transaction is disposed, before any recovery.
            await AssertNothingHeldAsync(allowPrepared: true);
            await fixture.Source.RecoverAsync();
            await AssertNothingHeldAsync();

            var after = (From: await fixture.BalanceOnServerAsync(t1, 1), To: await fixture.BalanceOnServerAsync(t2, 1));
            var setting = await Sql.QueryAsync(fixture.Cluster.CoordinatorConnectionString, "SELECT value FROM settings WHERE key = $1", key);
            var whole = after.From == before.From - 1 && after.To == before.To + 1 && setting.Count == 1 && (string)setting[0][0]! == value;
            var none = after == before && (setting.Count == 0 || (string)setting[0][0]! != value);
            var where = $"round {i} (seed {seed}, {name}): {error?.GetType().Name}: {error?.Message}";
            Assert.True(whole || none, where + " — half applied");
            if (error is null)
            {
                Assert.True(whole, where);
                Assert.Equal(ShardedTransactionStatus.Committed, tx.Status);
            }
            else
            {
                Assert.IsAssignableFrom<OperationCanceledException>(error);
                Assert.True(none, where);
                Assert.Equal(ShardedTransactionStatus.RolledBack, tx.Status);
            }

            var entry = $"{name}: {(whole ? "committed" : "rolled back")}";
            tally[entry] = tally.GetValueOrDefault(entry) + 1;
        }

        output.WriteLine($"{rounds} rounds, seed {seed}");
        foreach (var (entry, count) in tally)
        {
            output.WriteLine($"  {entry}: {count}");
        }
    }

    /// <summary>On every node: no session idle in a transaction, no lock held by another session, and (after recovery) nothing prepared.</summary>
    private async Task AssertNothingHeldAsync(bool allowPrepared = false)
    {
        foreach (var node in fixture.Cluster.Nodes)
        {
            var idleInTransaction = await Sql.ScalarAsync<long>(
                node.ConnectionString,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'");
            Assert.True(idleInTransaction == 0, $"{node.Name}: {idleInTransaction} sessions idle in transaction");
            var locks = await Sql.ScalarAsync<long>(
                node.ConnectionString,
                "SELECT count(*) FROM pg_locks WHERE pid IS NOT NULL AND pid <> pg_backend_pid() AND locktype IN ('relation', 'tuple', 'transactionid', 'advisory')");
            Assert.True(locks == 0, $"{node.Name}: {locks} locks held by other sessions");
            if (!allowPrepared)
            {
                Assert.Equal(0, await Sql.ScalarAsync<long>(node.ConnectionString, "SELECT count(*) FROM pg_prepared_xacts"));
            }
        }
    }
}
