using System.Collections.Concurrent;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Operations;

/// <summary>
/// Clients that write and read accounts while an operation reshapes the cluster: writers insert new accounts (each
/// acknowledged write recorded), readers read acknowledged ones back by key (a missing row is a failure), and every
/// error either meets is a failure.
/// </summary>
internal sealed class RoutedLoad
{
    private readonly ShardDatabase _db;
    private readonly int _tenants;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients;
    private long _next;
    private int _reads;

    private RoutedLoad(ShardDatabase db, IEnumerable<(long Tenant, long Id)> seeded, int tenants, int writers, int readers)
    {
        _db = db;
        _tenants = tenants;
        _next = seeded.Select(s => s.Id).DefaultIfEmpty().Max() + 1;
        foreach (var pair in seeded)
        {
            Acknowledged[pair] = true;
        }

        _clients = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteAsync)).Concat(Enumerable.Range(0, readers).Select(i => Task.Run(() => ReadAsync(i))))];
    }

    public ConcurrentDictionary<(long Tenant, long Id), bool> Acknowledged { get; } = new();

    public ConcurrentQueue<string> Failures { get; } = new();

    public int Reads => _reads;

    /// <summary>Starts <paramref name="writers"/> writers of accounts of tenants 0 to <paramref name="tenants"/> - 1 and <paramref name="readers"/> readers.</summary>
    public static RoutedLoad Start(ShardDatabase db, IEnumerable<(long Tenant, long Id)> seeded, int tenants, int writers = 8, int readers = 8) =>
        new(db, seeded, tenants, writers, readers);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    /// <summary>Every account row on the workers of the current map, by (tenant, id), duplicates kept.</summary>
    public static async Task<List<(long Tenant, long Id)>> AccountsOnWorkersAsync(ShardedDataSource source, LocalPostgresCluster cluster)
    {
        var rows = new List<(long, long)>();
        foreach (var shard in (await source.RefreshAsync()).Shards(AccountRepository.Definition))
        {
            rows.AddRange((await Sql.QueryAsync(ConnectionStringOf(cluster, shard.Node), $"SELECT tenant_id, id FROM {Identifiers.Quote(shard.ShardTable)}")).Select(r => ((long)r[0]!, (long)r[1]!)));
        }

        return rows;
    }

    /// <summary>The server of a worker named worker1, worker2, ...</summary>
    public static string ConnectionStringOf(LocalPostgresCluster cluster, Node node) =>
        cluster.WorkerConnectionStrings[int.Parse(node.Name["worker".Length..], System.Globalization.CultureInfo.InvariantCulture) - 1];

    /// <summary>A throwaway cluster whose workers can publish (wal_level = logical).</summary>
    public static Task<LocalPostgresCluster> StartClusterAsync(int workers = 3) =>
        LocalPostgresCluster.StartAsync(workers, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });

    private async Task WriteAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var id = Interlocked.Increment(ref _next);
            try
            {
                await _db.Accounts.InsertAsync(new Account(id % _tenants, id, "written under load", id));
                Acknowledged[(id % _tenants, id)] = true;
            }
            catch (ShardGenException ex)
            {
                Failures.Enqueue(ex.Message);
            }
        }
    }

    private async Task ReadAsync(int seed)
    {
        var random = new Random(seed);
        while (!_stop.IsCancellationRequested)
        {
            var written = Acknowledged.Keys.ToArray();
            var (tenant, id) = written[random.Next(written.Length)];
            try
            {
                if (await _db.Accounts.GetAsync(tenant, id) is null)
                {
                    Failures.Enqueue($"an acknowledged row was not found by a read of {tenant}/{id}");
                }

                Interlocked.Increment(ref _reads);
            }
            catch (ShardGenException ex)
            {
                Failures.Enqueue(ex.Message);
            }
        }
    }
}

/// <summary>Reports as they happen, on the reporter's own flow (Progress&lt;T&gt; would post them later).</summary>
internal sealed class Reported<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}
