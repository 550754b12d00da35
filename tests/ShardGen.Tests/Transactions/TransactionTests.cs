using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using ShardGen.Tests.Queries;

namespace ShardGen.Tests.Transactions;

/// <summary>The transaction API against a real cluster: what commits how, what rolls back, and where it may go.</summary>
public sealed class TransactionTests(TransactionCluster fixture) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 1000;

    private ShardedDataSource Source => fixture.Source;

    private ShardDatabase Db => fixture.Db;

    [Fact]
    public async Task A_transaction_on_one_worker_commits_without_two_phase_commit()
    {
        var tenant = NextTenant();
        await Db.Accounts.InsertAsync(new Account(tenant, 1, "a", 100m));
        await Db.Accounts.InsertAsync(new Account(tenant, 2, "b", 100m));

        await using (var tx = await Source.BeginTransactionAsync(new ShardedTransactionOptions { SingleWorkerOnly = true }))
        {
            Assert.Same(tx, Source.CurrentTransaction);
            await Db.Accounts.UpdateAsync(new Account(tenant, 1, "a", 60m));
            await TransactionQueries.AddAsync(Source, tenant, 2, 40m);
            Assert.Equal(60m, (await Db.Accounts.GetAsync(tenant, 1))!.Balance); // its own write, read in it
            await tx.CommitAsync();

            Assert.False(tx.UsedTwoPhaseCommit);
            Assert.Single(tx.Participants);
            Assert.Equal(ShardedTransactionStatus.Committed, tx.Status);
        }

        Assert.Null(Source.CurrentTransaction);
        Assert.Equal(60m, await fixture.BalanceOnServerAsync(tenant, 1));
        Assert.Equal(140m, await fixture.BalanceOnServerAsync(tenant, 2));
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task A_transaction_across_workers_commits_with_two_phase_commit_on_both()
    {
        var (t1, t2) = await TwoTenantsAsync(100m);

        await using (var tx = await Source.BeginTransactionAsync())
        {
            await TransactionQueries.AddAsync(Source, t1, 1, -25m);
            await TransactionQueries.AddAsync(Source, t2, 1, 25m);
            await tx.CommitAsync();

            Assert.True(tx.UsedTwoPhaseCommit);
            Assert.Equal(["worker1", "worker2"], tx.PreparedOn);
        }

        Assert.Equal(75m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(125m, await fixture.BalanceOnServerAsync(t2, 1));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task Disposing_without_commit_rolls_back_every_worker()
    {
        var (t1, t2) = await TwoTenantsAsync(100m);

        await using (var tx = await Source.BeginTransactionAsync())
        {
            await TransactionQueries.AddAsync(Source, t1, 1, -10m);
            await Db.Accounts.UpdateAsync(new Account(t2, 1, "renamed", 110m));
            Assert.Equal(110m, (await Db.Accounts.GetAsync(t2, 1))!.Balance);

            // Outside the transaction nothing is visible yet.
            Assert.Equal(100m, await fixture.BalanceOnServerAsync(t2, 1));
        }

        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t2, 1));
        Assert.Equal(100m, (await Db.Accounts.GetAsync(t2, 1))!.Balance);
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
    }

    [Fact]
    public async Task A_single_worker_transaction_refuses_a_second_worker_before_writing_there()
    {
        var (t1, t2) = await TwoTenantsAsync(100m);

        await using var tx = await Source.BeginTransactionAsync(new ShardedTransactionOptions { SingleWorkerOnly = true });
        await TransactionQueries.AddAsync(Source, t1, 1, -10m);
        var error = await Assert.ThrowsAsync<ShardTransactionException>(() => TransactionQueries.AddAsync(Source, t2, 1, 10m));

        Assert.Contains("SingleWorkerOnly", error.Message);
        Assert.Contains("'worker1'", error.Message);
        Assert.Contains("worker 'worker2'", error.Message);
        Assert.Contains("key redacted (bigint; IncludeErrorDetail() shows it)", error.Message);
        Assert.Contains("Nothing was sent there", error.Message);
        Assert.Equal(["worker1"], tx.Participants);

        var reference = await Assert.ThrowsAsync<ShardTransactionException>(() => Db.Currencies.UpsertAsync(new Currency("SWO", "refused", 0)));
        Assert.Contains("reference table 'currencies'", reference.Message);

        // The worker-1 part is still good to commit.
        await tx.CommitAsync();
        Assert.False(tx.UsedTwoPhaseCommit);
        Assert.Equal(90m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t2, 1));
        Assert.Empty(await Sql.QueryAsync(fixture.Cluster.CoordinatorConnectionString, "SELECT 1 FROM currencies WHERE code = 'SWO'"));
    }

    [Fact]
    public async Task Local_distributed_and_reference_writes_commit_together_the_coordinator_deciding_with_its_own_commit()
    {
        var (t1, t2) = await TwoTenantsAsync(100m);

        await using (var tx = await Source.BeginTransactionAsync())
        {
            await Db.Settings.UpsertAsync(new Setting($"tx-{t1}", "set"));
            await Db.Currencies.UpsertAsync(new Currency($"L{t1 % 100:D2}", "with local", 1));
            await TransactionQueries.AddAsync(Source, t1, 1, -1m);
            await TransactionQueries.AddAsync(Source, t2, 1, 1m);
            await tx.CommitAsync();
            // The coordinator's part is not prepared: its COMMIT, with the decision row in it, is the commit point.
            Assert.True(tx.UsedTwoPhaseCommit);
            Assert.Equal(["worker1", "worker2"], tx.PreparedOn.Order());
        }

        Assert.Equal("set", await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, "SELECT value FROM settings WHERE key = $1", $"tx-{t1}"));
        var copies = await fixture.CurrencyCopiesAsync();
        Assert.All(copies, copy => Assert.Equal(copies[0], copy));
        Assert.Contains($"L{t1 % 100:D2}:with local:1", copies[0]);
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
    }

    [Fact]
    public async Task A_reference_write_that_fails_on_one_copy_is_on_no_copy()
    {
        // Worker 2's copy already has the row (put there behind ShardGen's back): the insert fails there.
        await Sql.ExecuteAsync(fixture.Cluster.WorkerConnectionStrings[1], "INSERT INTO currencies (code, name, digits) VALUES ('DUP', 'planted', 0)");
        try
        {
            var error = await Assert.ThrowsAsync<ShardOperationException>(() => Db.Currencies.InsertAsync(new Currency("DUP", "new", 2)));
            Assert.Equal("23505", error.SqlState);
            Assert.Equal("worker2", error.Node);

            Assert.Empty(await Sql.QueryAsync(fixture.Cluster.CoordinatorConnectionString, "SELECT 1 FROM currencies WHERE code = 'DUP'"));
            Assert.Empty(await Sql.QueryAsync(fixture.Cluster.WorkerConnectionStrings[0], "SELECT 1 FROM currencies WHERE code = 'DUP'"));
            Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        }
        finally
        {
            await Sql.ExecuteAsync(fixture.Cluster.WorkerConnectionStrings[1], "DELETE FROM currencies WHERE code = 'DUP'");
        }

        await Db.Currencies.InsertAsync(new Currency("DUP", "new", 2));
        var copies = await fixture.CurrencyCopiesAsync();
        Assert.All(copies, copy => Assert.Contains("DUP:new:2", copy));
        await Source.Query(TestQueries.SetDigits).ExecuteAsync(
            ShardKey.None, ("DUP", 3), static (p, a) =>
            {
                p.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = a.Item1 });
                p.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = a.Item2 });
            },
            default);
        copies = await fixture.CurrencyCopiesAsync();
        Assert.All(copies, copy => Assert.Contains("DUP:new:3", copy));
    }

    [Fact]
    public async Task A_multi_shard_write_is_atomic_across_workers()
    {
        var map = await Source.GetShardMapAsync();
        var regions = Enumerable.Range(100, 40).ToArray();
        foreach (var region in regions)
        {
            await Db.Counters.UpsertAsync(new Counter(region, 1, 0));
        }

        var onWorker2 = regions.First(r => map.Route(CounterRepository.Definition, r).Node.Name == "worker2");
        var bump = Source.Query(TransactionQueries.BumpCountersFailingAt);
        var error = await Assert.ThrowsAsync<ShardOperationException>(() => bump.ExecuteFanOutAsync(
            null, (1L, onWorker2), static (p, a) =>
            {
                p.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = a.Item1 });
                p.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = a.Item2 });
            },
            default));
        Assert.Equal("22012", error.SqlState);
        Assert.Equal("worker2", error.Node);
        Assert.Equal(0L, await CounterSumAsync(regions));

        // Without a failing shard the write reaches both workers' shards, and commits with 2PC.
        var affected = await Source.Query(TestQueries.BumpCounters).ExecuteFanOutAsync(
            null, 1L, static (p, a) => p.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = a }), default);
        Assert.True(affected >= regions.Length);
        Assert.Equal(regions.Length, await CounterSumAsync(regions));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task Reads_in_a_transaction_see_its_writes_on_every_worker()
    {
        var (t1, t2) = await TwoTenantsAsync(100m);

        await using var tx = await Source.BeginTransactionAsync();
        await TransactionQueries.AddAsync(Source, t1, 1, 5m);
        await TransactionQueries.AddAsync(Source, t2, 1, 7m);
        var all = await Db.Accounts.ListAllAsync();
        Assert.Contains(all, a => a.TenantId == t1 && a.Balance == 105m);
        Assert.Contains(all, a => a.TenantId == t2 && a.Balance == 107m);

        var streamed = new List<Balance>();
        await foreach (var row in Source.Query(TestQueries.AllBalances).FanOutAsync(
            null, 0, QueryFixture.BindNothing, Balance.Read, null, null, default))
        {
            streamed.Add(row);
        }

        Assert.Contains(streamed, r => r.TenantId == t2 && r.Amount == 107m);
        await tx.RollbackAsync();
        Assert.Equal(100m, await fixture.BalanceOnServerAsync(t2, 1));
    }

    [Fact]
    public async Task A_lock_wait_ends_at_the_lock_timeout_with_a_retryable_error()
    {
        var tenant = NextTenant();
        await Db.Accounts.InsertAsync(new Account(tenant, 1, "held", 100m));

        await using var holder = await Source.BeginTransactionAsync();
        await TransactionQueries.AddAsync(Source, tenant, 1, 1m);

        ShardOperationException? error = null;
        await TransactionQueries.Detached(async () =>
        {
            await using var waiter = await Source.BeginTransactionAsync(new ShardedTransactionOptions { LockTimeout = TimeSpan.FromMilliseconds(300) });
            error = await Assert.ThrowsAsync<ShardOperationException>(() => TransactionQueries.AddAsync(Source, tenant, 1, 2m));
            Assert.Equal(ShardedTransactionStatus.Failed, waiter.Status);
            var commit = await Assert.ThrowsAsync<ShardTransactionException>(() => waiter.CommitAsync());
            Assert.Contains("rolled back", commit.Message);
        });

        Assert.NotNull(error);
        Assert.True(error!.IsRetryable);
        Assert.Equal("55P03", error.SqlState);
        Assert.Contains("lock timeout", error.Message);
        Assert.Contains("retry the transaction", error.Message);
        await holder.CommitAsync();
        Assert.Equal(101m, await fixture.BalanceOnServerAsync(tenant, 1));
    }

    [Fact]
    public async Task Transactions_do_not_nest_and_end_with_their_flow()
    {
        await using (var tx = await Source.BeginTransactionAsync())
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await Source.BeginTransactionAsync());
            await tx.CommitAsync();
            Assert.Null(Source.CurrentTransaction);
            await Assert.ThrowsAsync<InvalidOperationException>(() => tx.CommitAsync());
        }

        await using var next = await Source.BeginTransactionAsync();
        Assert.Same(next, Source.CurrentTransaction);
    }

    private async Task<(long T1, long T2)> TwoTenantsAsync(decimal balance)
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await Db.Accounts.InsertAsync(new Account(t1, 1, "one", balance));
        await Db.Accounts.InsertAsync(new Account(t2, 1, "two", balance));
        return (t1, t2);
    }

    private static long NextTenant() => Interlocked.Add(ref _nextTenant, 50);

    private async Task<long> CounterSumAsync(int[] regions)
    {
        long sum = 0;
        foreach (var region in regions)
        {
            sum += (await Db.Counters.GetAsync(region, 1))!.Value;
        }

        return sum;
    }
}
