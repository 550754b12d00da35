using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// A fault at every step of the commit protocol — the process dying, the connections cut, a worker
/// server killed with SIGKILL and restarted — and then recovery: the data on every worker shows the
/// whole transaction or none of it, and no prepared transaction is left anywhere.
/// </summary>
public sealed class FaultInjectionTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 10_000;

    public static TheoryData<FaultKind, FaultPoint, string> Cases()
    {
        var cases = new TheoryData<FaultKind, FaultPoint, string>();
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            foreach (var point in Enum.GetValues<FaultPoint>())
            {
                cases.Add(kind, point, "worker2");
            }
        }

        // Worker 1 killed with its part prepared: the part survives the crash and recovery commits it.
        cases.Add(FaultKind.WorkerKilled, FaultPoint.AfterSomePrepared, "worker1");
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_cross_worker_transfer_is_whole_or_absent_after_recovery(FaultKind kind, FaultPoint point, string victim)
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));

        var fault = new Fault(fixture, kind, point, victim);
        var error = await RunWithFaultAsync(fault, async () =>
        {
            await using var tx = await fixture.Source.BeginTransactionAsync();
            await TransactionQueries.AddAsync(fixture.Source, t1, 1, -30m);
            await TransactionQueries.AddAsync(fixture.Source, t2, 1, 30m);
            await tx.CommitAsync();
        });

        Assert.True(fault.Struck);
        if (kind == FaultKind.ProcessDies)
        {
            Assert.IsType<SimulatedCrash>(error);
        }
        else if (!fault.ExpectCommitted)
        {
            Assert.IsType<ShardTransactionException>(error);
        }

        var leftBehind = await fixture.PreparedEverywhereAsync();
        var recovered = await fixture.Source.RecoverAsync();
        output.WriteLine($"{kind} at {point} ({victim}): commit threw {error?.GetType().Name ?? "nothing"}; {leftBehind} prepared left; recovery: {recovered}");

        var committed = fault.ExpectCommitted;
        Assert.Equal(committed ? 70m : 100m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(committed ? 130m : 100m, await fixture.BalanceOnServerAsync(t2, 1));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
        Assert.Equal(leftBehind, recovered.Committed + recovered.RolledBack);
        if (kind == FaultKind.ConnectionCut && committed)
        {
            Assert.True(leftBehind == 0, "a committed part whose connection was cut is committed at once on a fresh connection, not left for recovery");
        }

        if (kind == FaultKind.ProcessDies && point != FaultPoint.AllPreparedNoDecision)
        {
            Assert.True(leftBehind > 0, "the crash left prepared parts for recovery to settle");
        }
    }

    [Theory]
    [InlineData(FaultPoint.AfterSomePrepared)]
    [InlineData(FaultPoint.AllPreparedNoDecision)]
    [InlineData(FaultPoint.DecidedNoneCommitted)]
    [InlineData(FaultPoint.SomeCommitted)]
    public async Task A_reference_write_is_on_every_copy_or_none_after_a_crash_and_recovery(FaultPoint point)
    {
        var code = $"R{(int)point}";
        var fault = new Fault(fixture, FaultKind.ProcessDies, point);
        var error = await RunWithFaultAsync(fault, () => fixture.Db.Currencies.InsertAsync(new Currency(code, "crash", 2)));
        Assert.IsType<SimulatedCrash>(error);
        Assert.True(await fixture.PreparedEverywhereAsync() > 0);

        await fixture.Source.RecoverAsync();
        var copies = await fixture.CurrencyCopiesAsync();
        Assert.All(copies, copy => Assert.Equal(copies[0], copy));
        Assert.Equal(fault.ExpectCommitted, copies[0].Contains($"{code}:crash:2", StringComparison.Ordinal));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task Recovery_runs_when_a_data_source_first_loads_its_map_and_from_several_processes_at_once()
    {
        // Three transactions abandoned at different steps by a "dead" process.
        var expected = new List<(long T1, long T2, bool Committed)>();
        foreach (var point in new[] { FaultPoint.AfterSomePrepared, FaultPoint.DecidedNoneCommitted, FaultPoint.SomeCommitted })
        {
            var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
            await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
            await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));
            var fault = new Fault(fixture, FaultKind.ProcessDies, point);
            await RunWithFaultAsync(fault, async () =>
            {
                await using var tx = await fixture.Source.BeginTransactionAsync();
                await TransactionQueries.AddAsync(fixture.Source, t1, 1, -1m);
                await TransactionQueries.AddAsync(fixture.Source, t2, 1, 1m);
                await tx.CommitAsync();
            });
            expected.Add((t1, t2, fault.ExpectCommitted));
        }

        Assert.True(await fixture.PreparedEverywhereAsync() >= 3);

        // A new process recovers on load; three more recover at the same moment.
        await using var restarted = TransactionCluster.CreateSource(fixture.Cluster, recoverOnLoad: true);
        var others = Enumerable.Range(0, 3).Select(_ => TransactionCluster.CreateSource(fixture.Cluster)).ToArray();
        try
        {
            await restarted.GetShardMapAsync();
            var results = await Task.WhenAll(others.Select(o => o.RecoverAsync()).Append(restarted.BackgroundRecovery.ContinueWith(_ => (RecoveryResult?)null, TaskScheduler.Default)!));
            output.WriteLine(string.Join(Environment.NewLine, results.Where(r => r is not null)));
        }
        finally
        {
            foreach (var other in others)
            {
                await other.DisposeAsync();
            }
        }

        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
        foreach (var (t1, t2, committed) in expected)
        {
            Assert.Equal(committed ? 99m : 100m, await fixture.BalanceOnServerAsync(t1, 1));
            Assert.Equal(committed ? 101m : 100m, await fixture.BalanceOnServerAsync(t2, 1));
        }
    }

    [Fact]
    public async Task Recovery_on_its_timer_settles_what_a_crash_left()
    {
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));
        await RunWithFaultAsync(new Fault(fixture, FaultKind.ProcessDies, FaultPoint.DecidedNoneCommitted), async () =>
        {
            await using var tx = await fixture.Source.BeginTransactionAsync();
            await TransactionQueries.AddAsync(fixture.Source, t1, 1, -5m);
            await TransactionQueries.AddAsync(fixture.Source, t2, 1, 5m);
            await tx.CommitAsync();
        });
        Assert.True(await fixture.PreparedEverywhereAsync() > 0);

        var builder = new ShardedDataSourceBuilder(fixture.Cluster.CoordinatorConnectionString)
            .UseSchema(TransactionCluster.Schema)
            .UseTransactionRecovery(TimeSpan.FromMilliseconds(200), onLoad: false);
        builder.AddWorker(fixture.Cluster.WorkerConnectionStrings[0], "worker1").AddWorker(fixture.Cluster.WorkerConnectionStrings[1], "worker2");
        await using (var timed = builder.Build())
        {
            await timed.GetShardMapAsync();
            for (var i = 0; i < 100 && await fixture.PreparedEverywhereAsync() > 0; i++)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(95m, await fixture.BalanceOnServerAsync(t1, 1));
        Assert.Equal(105m, await fixture.BalanceOnServerAsync(t2, 1));
    }

    private async Task<Exception?> RunWithFaultAsync(Fault fault, Func<Task> transaction)
    {
        await fault.ArmAsync();
        fixture.Source.FaultHook = fault.Hook;
        try
        {
            await transaction();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            fixture.Source.FaultHook = null;
            await fault.RestoreAsync();
        }
    }
}
