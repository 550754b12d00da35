using System.Globalization;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// Rounds of transfers between accounts on different workers, each with a random fault at a random step
/// (or none), each followed by recovery: the transfer is whole or absent, the total never changes, and
/// nothing is left prepared. 30 rounds by default; <c>SHARDGEN_TX_ROUNDS=200</c> for the long run
/// (<c>SHARDGEN_TX_SEED</c> replays a run, <c>SHARDGEN_TX_REPORT</c> names a file for the summary).
/// </summary>
public sealed class RandomizedRoundsTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    private const decimal Opening = 1000m;

    [Fact]
    public async Task Transfers_with_random_faults_are_whole_or_absent_and_keep_the_total()
    {
        var rounds = EnvironmentInt("SHARDGEN_TX_ROUNDS") ?? 30;
        var seed = EnvironmentInt("SHARDGEN_TX_SEED") ?? Environment.TickCount;
        var random = new Random(seed);

        // Three accounts on each worker.
        var (onWorker1, onWorker2) = await fixture.TenantsOnEachWorkerAsync(50_000, 3);

        foreach (var tenant in onWorker1.Concat(onWorker2))
        {
            await fixture.Db.Accounts.InsertAsync(new Account(tenant, 1, "round", Opening));
        }

        var total = Opening * 6;
        var tally = new SortedDictionary<string, (int Rounds, int Committed, int RolledBack, int Settled)>(StringComparer.Ordinal);
        for (var round = 1; round <= rounds; round++)
        {
            var forward = random.Next(2) == 0;
            var from = (forward ? onWorker1 : onWorker2)[random.Next(3)];
            var to = (forward ? onWorker2 : onWorker1)[random.Next(3)];
            var amount = 1 + random.Next(50);
            Fault? fault = null;
            var name = "none";
            if (random.Next(5) > 0)
            {
                var kind = (FaultKind)random.Next(3);
                var point = (FaultPoint)random.Next(4);
                var victim = kind == FaultKind.WorkerKilled && random.Next(2) == 0 ? "worker1" : "worker2";
                fault = new Fault(fixture, kind, point, victim);
                name = $"{kind} at {point}" + (kind == FaultKind.WorkerKilled ? $" ({victim})" : "");
            }

            var before = (From: await fixture.BalanceOnServerAsync(from, 1), To: await fixture.BalanceOnServerAsync(to, 1));
            if (fault is not null)
            {
                await fault.ArmAsync();
                fixture.Source.FaultHook = fault.Hook;
            }

            try
            {
                await using var tx = await fixture.Source.BeginTransactionAsync();
                await TransactionQueries.AddAsync(fixture.Source, from, 1, -amount);
                await TransactionQueries.AddAsync(fixture.Source, to, 1, amount);
                await tx.CommitAsync();
            }
            catch (Exception ex) when (fault is not null && ex is SimulatedCrash or ShardTransactionException)
            {
                // The fault's doing; recovery settles it.
            }
            finally
            {
                fixture.Source.FaultHook = null;
                if (fault is not null)
                {
                    await fault.RestoreAsync();
                }
            }

            var recovered = await fixture.Source.RecoverAsync();
            var after = (From: await fixture.BalanceOnServerAsync(from, 1), To: await fixture.BalanceOnServerAsync(to, 1));
            var committed = after.From == before.From - amount && after.To == before.To + amount;
            var rolledBack = after.From == before.From && after.To == before.To;
            Assert.True(committed || rolledBack, $"round {round} (seed {seed}, {name}): {before} -> {after} for {amount}");
            Assert.Equal(fault?.ExpectCommitted ?? true, committed);
            Assert.Equal(0, await fixture.PreparedEverywhereAsync());
            Assert.Equal(0, await fixture.DecisionRecordsAsync());
            Assert.Equal(total, await TotalOnServersAsync(onWorker1.Concat(onWorker2)));

            var entry = tally.GetValueOrDefault(name);
            tally[name] = (entry.Rounds + 1, entry.Committed + (committed ? 1 : 0), entry.RolledBack + (committed ? 0 : 1), entry.Settled + recovered.Committed + recovered.RolledBack);
        }

        var summary = new List<string> { $"{rounds} rounds, seed {seed}: every transfer whole or absent, total {total} kept, 0 prepared left after each recovery" };
        summary.AddRange(tally.Select(t => $"  {t.Key}: {t.Value.Rounds} rounds, {t.Value.Committed} committed, {t.Value.RolledBack} rolled back, {t.Value.Settled} prepared parts settled by recovery"));
        foreach (var line in summary)
        {
            output.WriteLine(line);
        }

        if (Environment.GetEnvironmentVariable("SHARDGEN_TX_REPORT") is { Length: > 0 } report)
        {
            await File.WriteAllLinesAsync(report, summary);
        }
    }

    private async Task<decimal> TotalOnServersAsync(IEnumerable<long> tenants)
    {
        var sum = 0m;
        foreach (var tenant in tenants)
        {
            sum += await fixture.BalanceOnServerAsync(tenant, 1) ?? 0m;
        }

        return sum;
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
