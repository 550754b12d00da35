using System.Diagnostics;
using ShardGen.Testing;

namespace ShardGen.Benchmarks;

/// <summary>
/// A shard group move (docs/operations.md) on its own cluster of two workers with wal_level = logical and two shards
/// per group: the rows are bulk inserted, then shard 0 of the group (about half of them) moves to the other worker while
/// four clients insert routed rows. Reported: the move's time, how long writes were blocked, and the clients' routed
/// inserts per second during the move against the same clients just before it.
/// </summary>
public static class Move
{
    private const int Clients = 4;

    public static async Task<List<Figure>> RunAsync(Options options)
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(
            workers: 2, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString)
            .UseSchema(ShardDatabase.Schema)
            .UseShardCount(2)
            .UseTransactionRecovery(TimeSpan.Zero, onLoad: false);
        for (var i = 0; i < cluster.Workers.Count; i++)
        {
            builder.AddWorker(cluster.Workers[i].ConnectionString, $"worker{i + 1}");
        }

        await using var source = builder.Build();
        var db = new ShardDatabase(source);
        await db.ApplySchemaAsync();
        await db.IngestItems.BulkInsertAsync(Rows.Items(options.Rows).Select(r => new IngestItem(r.TenantId, r.Id, r.Category, r.Quantity, r.Price, r.Note)));
        var map = await source.GetShardMapAsync();
        var group = map.GroupOf(IngestItemRepository.Definition)!;
        var tenants = Enumerable.Range(0, Rows.Tenants).Select(t => (long)t).Where(t => group.ShardIndexOf(t) == 0).ToArray();

        // Routed inserts into the moving shard by a few clients, counted per phase.
        var next = (long)options.Rows;
        async Task<long> InsertUntilAsync(Task phase)
        {
            var done = 0L;
            while (!phase.IsCompleted)
            {
                var id = Interlocked.Increment(ref next);
                await db.IngestItems.InsertAsync(new IngestItem(tenants[id % tenants.Length], id, "moving", 1, 1m, null));
                done++;
            }

            return done;
        }

        var before = Task.Delay(TimeSpan.FromSeconds(options.Quick ? 2 : 5));
        var clock = Stopwatch.StartNew();
        var inserted = (await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(() => InsertUntilAsync(before))))).Sum();
        var beforeRate = inserted / clock.Elapsed.TotalSeconds;

        var moving = source.MoveShardGroupAsync(group.Name, 0, map.Workers.First(w => !ReferenceEquals(w, group.NodeOfShard(0))).Name);
        clock.Restart();
        inserted = (await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(() => InsertUntilAsync(moving))))).Sum();
        var duringRate = inserted / clock.Elapsed.TotalSeconds;
        var result = await moving;
        var rows = result.Tables.Sum(t => t.Rows);

        return
        [
            new Figure("move", $"move of a shard group of {rows:N0} rows ({result.Tables.Count} tables), under {Clients} writing clients", result.Elapsed.TotalSeconds, double.NaN, "s",
                HigherIsBetter: false, Figure.NoGoal, 0),
            new Figure("move", "write block of that move (lock, final catch-up, checksums of both copies, fence)", result.WriteBlock.TotalMilliseconds, double.NaN, "ms",
                HigherIsBetter: false, "≤ 1,000 ms", 1_000),
            new Figure("move", $"routed inserts into the moving shard during the move vs before ({Clients} clients)", duringRate, beforeRate, "rows/s",
                HigherIsBetter: true, "≥ 0.8 of before", 0.8),
        ];
    }
}
