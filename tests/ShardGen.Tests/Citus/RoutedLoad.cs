using System.Collections.Concurrent;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Citus;

/// <summary>
/// Concurrent loops of routed calls through a generated repository while the cluster changes under them: each loop
/// inserts rows of its own (unique ids) for keys drawn from a pool, reads each row back by its key, reads one of its
/// earlier rows again, and now and then lists a key's rows. It records every insert that returned (acknowledged),
/// every read that returned something else than the row of its key, and every failure.
/// </summary>
public sealed class RoutedLoad : IAsyncDisposable
{
    private readonly AccountRepository _accounts;
    private readonly IReadOnlyList<long> _tenants;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private int _acknowledgedCount;

    public RoutedLoad(AccountRepository accounts, IReadOnlyList<long> tenants, int loops)
    {
        _accounts = accounts;
        _tenants = tenants;
        _loops = Enumerable.Range(0, loops).Select(loop => Task.Run(() => RunAsync(loop))).ToArray();
    }

    /// <summary>Rows whose insert returned: they must all be in the table.</summary>
    public ConcurrentBag<Account> Acknowledged { get; } = [];

    /// <summary>Inserts that were sent, whether or not they returned: the table can hold no other row of the load.</summary>
    public ConcurrentBag<(long TenantId, long Id)> Attempted { get; } = [];

    /// <summary>What a read returned when it was not the row of the key it asked for.</summary>
    public ConcurrentBag<string> WrongRows { get; } = [];

    public ConcurrentBag<string> Failures { get; } = [];

    public int AcknowledgedCount => Volatile.Read(ref _acknowledgedCount);

    /// <summary>Waits until <paramref name="more"/> further inserts were acknowledged; false if that did not happen within <paramref name="timeout"/>.</summary>
    public async Task<bool> AdvanceAsync(int more, TimeSpan timeout)
    {
        var target = AcknowledgedCount + more;
        return await Eventually.TrueAsync(() => AcknowledgedCount >= target || _loops.All(l => l.IsCompleted), timeout) && AcknowledgedCount >= target;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(int loop)
    {
        var random = new Random(loop);
        var own = new List<Account>();
        for (var n = 1; !_stop.IsCancellationRequested; n++)
        {
            var row = new Account(_tenants[random.Next(_tenants.Count)], (loop + 1) * 10_000_000L + n, $"loop {loop} row {n}", n);
            Attempted.Add((row.TenantId, row.Id));
            try
            {
                await _accounts.InsertAsync(row);
            }
            catch (Exception ex)
            {
                Failures.Add($"insert ({row.TenantId}, {row.Id}): {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            Acknowledged.Add(row);
            own.Add(row);
            Interlocked.Increment(ref _acknowledgedCount);
            try
            {
                await ExpectAsync(row);
                await ExpectAsync(own[random.Next(own.Count)]);
                if (n % 10 == 0)
                {
                    var listed = await _accounts.ListAsync(row.TenantId);
                    foreach (var other in listed.Where(r => r.TenantId != row.TenantId))
                    {
                        WrongRows.Add($"listing tenant {row.TenantId} returned {other}");
                    }

                    if (!listed.Contains(row))
                    {
                        WrongRows.Add($"listing tenant {row.TenantId} lacks {row}");
                    }
                }
            }
            catch (Exception ex)
            {
                Failures.Add($"read of tenant {row.TenantId}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private async Task ExpectAsync(Account row)
    {
        var read = await _accounts.GetAsync(row.TenantId, row.Id);
        if (read != row)
        {
            WrongRows.Add($"reading ({row.TenantId}, {row.Id}) returned {(read is null ? "nothing" : read.ToString())}, not {row}");
        }
    }
}

/// <summary>A bounded wait for what the cluster does eventually (a map that follows a move): polls until true or the deadline.</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }
}
