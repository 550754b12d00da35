using System.Globalization;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>
/// The coordinator server killed with SIGKILL while a transaction that also writes the coordinator (a local
/// table and the coordinator's reference copy) commits: what the caller is told matches what every node
/// holds after recovery, even after the restarted coordinator hands out again the transaction ids it had
/// handed out before the crash (PostgreSQL does not make an xid durable when it assigns it).
/// </summary>
public sealed class CoordinatorCrashTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    private static long _nextTenant = 70_000;

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task A_coordinator_crash_while_deciding_leaves_every_node_as_the_caller_was_told(bool afterDecision, bool processDiesToo)
    {
        // Killed with the decision row written but not committed, or once it committed (before COMMIT PREPARED).
        var step = afterDecision ? TransactionStep.CommitPrepared : TransactionStep.CommitDecision;
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 100m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 100m));
        var round = new Round(fixture, t1, t2, $"crash-{t1}", $"K{t1 % 100:D2}");
        await round.CaptureAsync();

        var struck = false;
        fixture.Source.FaultHook = async (at, _) =>
        {
            if (at != step || struck)
            {
                return;
            }

            struck = true;
            await RestartCoordinatorAsync(fixture);
            if (processDiesToo)
            {
                throw new SimulatedCrash();
            }
        };

        Exception? error = null;
        try
        {
            await round.RunAsync(30m);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            fixture.Source.FaultHook = null;
        }

        Assert.True(struck);
        await ReuseTransactionIdsAsync(fixture, 200);
        var recovered = await fixture.Source.RecoverAsync();
        output.WriteLine($"coordinator killed at {step}{(processDiesToo ? " and the process died" : "")}: commit threw {error?.GetType().Name ?? "nothing"} ({error?.Message}); recovery: {recovered}");

        // Before the decision's COMMIT the coordinator's crash aborts it: rolled back everywhere. After, committed everywhere.
        var committed = afterDecision;
        Assert.Equal(committed ? Outcome.Whole : Outcome.None, await round.OutcomeAsync(30m));
        if (processDiesToo)
        {
            Assert.IsType<SimulatedCrash>(error);
        }
        else if (committed)
        {
            Assert.Null(error);
        }
        else
        {
            var rolledBack = Assert.IsType<ShardTransactionException>(error);
            Assert.False(rolledBack.OutcomeUnknown);
            Assert.Contains("rolled back on every node", rolledBack.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task Random_coordinator_kills_never_leave_a_transaction_half_applied_or_reported_wrongly()
    {
        var rounds = EnvironmentInt("SHARDGEN_COORDINATOR_ROUNDS") ?? 8;
        var seed = EnvironmentInt("SHARDGEN_TX_SEED") ?? Environment.TickCount;
        var random = new Random(seed);
        var (t1, t2) = await fixture.TenantsOnBothWorkersAsync(Interlocked.Add(ref _nextTenant, 50));
        await fixture.Db.Accounts.InsertAsync(new Account(t1, 1, "from", 10_000m));
        await fixture.Db.Accounts.InsertAsync(new Account(t2, 1, "to", 10_000m));
        var steps = new[] { TransactionStep.Prepare, TransactionStep.RecordDecision, TransactionStep.CommitDecision, TransactionStep.CommitPrepared, TransactionStep.Forget };
        var tally = new SortedDictionary<string, int>(StringComparer.Ordinal);

        for (var i = 1; i <= rounds; i++)
        {
            var round = new Round(fixture, t1, t2, $"random-{t1}", $"Z{t1 % 100:D2}");
            await round.CaptureAsync();
            var amount = 1 + random.Next(50);
            var byTimer = random.Next(2) == 0;
            var processDies = random.Next(3) == 0;
            var step = steps[random.Next(steps.Length)];
            var delay = random.Next(20);
            var name = byTimer ? "kill after a random delay" : $"kill at {step}" + (processDies ? ", process dies" : "");

            // A kill at a step of the protocol, or at a random moment of the transaction.
            var killed = 0;
            Task? timerKill = null;
            if (byTimer)
            {
                timerKill = Task.Run(async () =>
                {
                    await Task.Delay(delay);
                    Interlocked.Exchange(ref killed, 1);
                    await RestartCoordinatorAsync(fixture);
                });
            }
            else
            {
                fixture.Source.FaultHook = async (at, _) =>
                {
                    if (at != step || Interlocked.Exchange(ref killed, 1) == 1)
                    {
                        return;
                    }

                    await RestartCoordinatorAsync(fixture);
                    if (processDies)
                    {
                        throw new SimulatedCrash();
                    }
                };
            }

            Exception? error = null;
            try
            {
                await round.RunAsync(amount);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                fixture.Source.FaultHook = null;
                if (timerKill is not null)
                {
                    await timerKill;
                }
            }

            fixture.ClearPools();
            await ReuseTransactionIdsAsync(fixture, random.Next(1, 100));
            var recovered = await fixture.Source.RecoverAsync();
            var outcome = await round.OutcomeAsync(amount);
            var told = error switch
            {
                null => Outcome.Whole,
                SimulatedCrash => (Outcome?)null,
                ShardTransactionException { OutcomeUnknown: true } => null,
                _ => Outcome.None,
            };
            var where = $"round {i} (seed {seed}, {name}): told {told?.ToString() ?? "unknown"} ({error?.GetType().Name}: {error?.Message}), found {outcome}";
            Assert.True(outcome != Outcome.Half, where);
            Assert.True(told is null || told == outcome, where);
            Assert.Equal(0, await fixture.PreparedEverywhereAsync());
            Assert.Equal(0, await fixture.DecisionRecordsAsync());
            Assert.Equal(0, recovered.Failed);

            var key = $"{name}: told {told?.ToString() ?? "unknown"}, found {outcome}";
            tally[key] = tally.GetValueOrDefault(key) + 1;
        }

        var summary = new List<string> { $"{rounds} rounds with the coordinator killed, seed {seed}: 0 half-applied, every outcome as told" };
        summary.AddRange(tally.Select(t => $"  {t.Key}: {t.Value}"));
        foreach (var line in summary)
        {
            output.WriteLine(line);
        }

        if (Environment.GetEnvironmentVariable("SHARDGEN_TX_REPORT") is { Length: > 0 } report)
        {
            await File.AppendAllLinesAsync(report, summary);
        }
    }

    internal enum Outcome
    {
        None,
        Whole,
        Half,
    }

    /// <summary>
    /// One transfer between two workers that also writes a local table and a reference table, so that the
    /// coordinator holds a part of it; and what every node shows of it afterwards.
    /// </summary>
    private sealed class Round(TransactionCluster fixture, long from, long to, string settingKey, string currencyCode)
    {
        private (decimal From, decimal To, string? Setting, List<string> Copies) _before;
        private string _value = "";

        /// <summary>Notes what the nodes hold before the transaction (before any fault is armed).</summary>
        public async Task CaptureAsync() => _before = await StateAsync();

        public async Task RunAsync(decimal amount)
        {
            _value = Guid.NewGuid().ToString("N");
            await using var tx = await fixture.Source.BeginTransactionAsync();
            await fixture.Db.Settings.UpsertAsync(new Setting(settingKey, _value));
            await fixture.Db.Currencies.UpsertAsync(new Currency(currencyCode, _value, 2));
            await TransactionQueries.AddAsync(fixture.Source, from, 1, -amount);
            await TransactionQueries.AddAsync(fixture.Source, to, 1, amount);
            await tx.CommitAsync();
        }

        public async Task<Outcome> OutcomeAsync(decimal amount)
        {
            var after = await StateAsync();
            var parts = new List<bool>
            {
                after.From == _before.From - amount,
                after.To == _before.To + amount,
                after.Setting == _value,
            };
            parts.AddRange(after.Copies.Select(copy => copy == _value));
            var unchanged = after.From == _before.From && after.To == _before.To && after.Setting == _before.Setting
                && after.Copies.SequenceEqual(_before.Copies);
            return parts.All(p => p) ? Outcome.Whole : unchanged ? Outcome.None : Outcome.Half;
        }

        private async Task<(decimal From, decimal To, string? Setting, List<string> Copies)> StateAsync()
        {
            var setting = await Sql.QueryAsync(fixture.Cluster.CoordinatorConnectionString, "SELECT value FROM settings WHERE key = $1", settingKey);
            var copies = new List<string>();
            foreach (var node in fixture.Cluster.Nodes)
            {
                var rows = await Sql.QueryAsync(node.ConnectionString, "SELECT name FROM currencies WHERE code = $1", currencyCode);
                copies.Add(rows.Count == 0 ? "" : (string)rows[0][0]!);
            }

            return (
                await fixture.BalanceOnServerAsync(from, 1) ?? 0m,
                await fixture.BalanceOnServerAsync(to, 1) ?? 0m,
                setting.Count == 0 ? null : (string)setting[0][0]!,
                copies);
        }
    }

    // The pooled connections the kill broke are dropped, as a pool that has seen its server go would be:
    // without that, the committer's next coordinator connection may be a dead one and it can only say
    // "outcome unknown" (true, but not the case under test).
    private static async Task RestartCoordinatorAsync(TransactionCluster fixture)
    {
        await Task.Run(fixture.Cluster.Coordinator.Kill);
        await fixture.Cluster.Coordinator.StartAsync();
        fixture.Source.Coordinator.DataSource.Clear();
    }

    /// <summary>Hands out transaction ids on the restarted coordinator: those it had handed out before the crash come again.</summary>
    private static async Task ReuseTransactionIdsAsync(TransactionCluster fixture, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Sql.ExecuteAsync(fixture.Cluster.CoordinatorConnectionString, "SELECT pg_current_xact_id()");
        }
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
