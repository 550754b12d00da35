using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Transactions;

/// <summary>Many clients at once: cross-worker transfers, and writers of the same reference rows.</summary>
public sealed class ConcurrencyTests(TransactionCluster fixture, ITestOutputHelper output) : IClassFixture<TransactionCluster>
{
    [Fact]
    public async Task Concurrent_cross_worker_transfers_keep_the_total_and_retry_lock_timeouts()
    {
        const int Clients = 16, TransfersPerClient = 15;
        var (onWorker1, onWorker2) = await fixture.TenantsOnEachWorkerAsync(70_000, 4);

        long[] accounts = [.. onWorker1, .. onWorker2];
        foreach (var tenant in accounts)
        {
            await fixture.Db.Accounts.InsertAsync(new Account(tenant, 1, "busy", 1000m));
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var retries = 0;
        var messages = new System.Collections.Concurrent.ConcurrentBag<string>();
        var options = new ShardedTransactionOptions { LockTimeout = TimeSpan.FromMilliseconds(500) };
        var clients = Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (var i = 0; i < TransfersPerClient; i++)
            {
                var forward = random.Next(2) == 0;
                var from = (forward ? onWorker1 : onWorker2)[random.Next(4)];
                var to = (forward ? onWorker2 : onWorker1)[random.Next(4)];
                var amount = 1 + random.Next(20);

                // Either order of the two updates: transfers cross each other, and some deadlock across workers.
                var steps = random.Next(2) == 0 ? new[] { (from, -amount), (to, amount) } : [(to, amount), (from, -amount)];
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await using var tx = await fixture.Source.BeginTransactionAsync(options, deadline.Token);
                        foreach (var (tenant, delta) in steps)
                        {
                            await TransactionQueries.AddAsync(fixture.Source, tenant, 1, delta, deadline.Token);
                        }

                        await tx.CommitAsync(deadline.Token);
                        break;
                    }
                    catch (ShardOperationException ex) when (ex.IsRetryable && attempt < 100)
                    {
                        messages.Add(ex.Message);
                        Interlocked.Increment(ref retries);
                        await Task.Delay(random.Next(5, 50), deadline.Token);
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(clients);

        output.WriteLine($"{Clients * TransfersPerClient} transfers by {Clients} clients, {retries} retries after lock timeouts or deadlocks");
        foreach (var message in messages.Take(3))
        {
            output.WriteLine(message);
        }

        Assert.All(messages, m => Assert.Contains("retry the transaction", m));
        var total = 0m;
        foreach (var tenant in accounts)
        {
            total += (await fixture.BalanceOnServerAsync(tenant, 1))!.Value;
        }

        Assert.Equal(1000m * accounts.Length, total);
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
        Assert.Equal(0, await fixture.DecisionRecordsAsync());
    }

    [Fact]
    public async Task Concurrent_reference_writers_leave_every_copy_identical()
    {
        const int Writers = 8, WritesPerWriter = 10;
        string[] codes = ["CA", "CB", "CC"];
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            for (var i = 0; i < WritesPerWriter; i++)
            {
                var code = codes[random.Next(codes.Length)];
                await fixture.Db.Currencies.UpsertAsync(new Currency(code, $"writer {writer} write {i}", random.Next(4)));
            }
        })));

        var copies = await fixture.CurrencyCopiesAsync();
        output.WriteLine(copies[0]);
        Assert.Equal(3, copies.Count);
        Assert.All(copies, copy => Assert.Equal(copies[0], copy));
        Assert.All(codes, code => Assert.Contains($"{code}:writer", copies[0]));
        Assert.Equal(0, await fixture.PreparedEverywhereAsync());
    }
}
