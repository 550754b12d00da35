using System.Diagnostics;

namespace ShardGen.Benchmarks;

/// <summary>
/// A shard group move and a rebalance (docs/operations.md) on a cluster of two workers (plus a spare server) with
/// wal_level = logical and two shards per group: shard 0 gets --rows rows, shard 1 half as many, bulk inserted. Shard 0
/// moves to the other worker at full speed, then back with the copy yielding (ShardMoveOptions.CopyNiceRatio,
/// --nice-ratio), while four clients insert routed rows into it; then the spare server is added as a third worker and a
/// rebalance evens the group out again (one of its two shards, now on one worker, moves) while the clients insert on;
/// last, the group is split from 2 shards to 4 online (each split copies its shard's rows into two pieces on another
/// worker). Reported for each: its time, how long writes were blocked, and the clients' routed inserts per second and
/// p99 latency during it against the same clients just before it.
/// </summary>
public static class Move
{
    private const int Clients = 4;

    public static async Task<List<Figure>> RunAsync(Options options)
    {
        await using var servers = await MoveCluster.StartAsync(shardCount: 2);
        var (source, db) = (servers.Source, servers.Db);
        var map = await source.GetShardMapAsync();
        var group = map.GroupOf(IngestItemRepository.Definition)!;
        var items = Rows.Items(4 * options.Rows).ToList();
        await db.IngestItems.BulkInsertAsync(items.Where(r => group.ShardIndexOf(r.TenantId) == 0).Take(options.Rows)
            .Concat(items.Where(r => group.ShardIndexOf(r.TenantId) == 1).Take(options.Rows / 2))
            .Select(r => new IngestItem(r.TenantId, r.Id, r.Category, r.Quantity, r.Price, r.Note)));
        var nice = new ShardMoveOptions { CopyNiceRatio = options.NiceRatio };
        var tenants = Enumerable.Range(0, Rows.Tenants).Select(t => (long)t).Where(t => group.ShardIndexOf(t) == 0).ToArray();

        // Routed inserts into shard 0 by a few clients until a phase ends.
        var next = 4L * options.Rows;
        Task<(double Rate, double P99)> InsertUntilAsync(Task phase) => LoadUntilAsync(Clients, phase, () =>
        {
            var id = Interlocked.Increment(ref next);
            return db.IngestItems.InsertAsync(new IngestItem(tenants[id % tenants.Length], id, "moving", 1, 1m, null));
        });

        var quiet = TimeSpan.FromSeconds(options.Quick ? 2 : 5);
        var before = await InsertUntilAsync(Task.Delay(quiet));
        var moving = source.MoveShardGroupAsync(group.Name, 0, map.Workers.First(w => !ReferenceEquals(w, group.NodeOfShard(0))).Name);
        var duringMove = await InsertUntilAsync(moving);
        var result = await moving;
        var rows = result.Tables.Sum(t => t.Rows);

        // Back where it was, yielding to the clients.
        var beforeBack = await InsertUntilAsync(Task.Delay(quiet));
        var movingBack = source.MoveShardGroupAsync(group.Name, 0, group.NodeOfShard(0).Name, nice);
        var duringBack = await InsertUntilAsync(movingBack);
        var back = await movingBack;
        await source.MoveShardGroupAsync(group.Name, 1, group.NodeOfShard(0).Name, nice);

        // Both shards are on one worker now: a third worker joins, and a rebalance spreads the group again.
        await servers.AddThirdWorkerAsync();
        var beforeRebalance = await InsertUntilAsync(Task.Delay(quiet));
        var rebalancing = source.RebalanceAsync(moveOptions: nice);
        var duringRebalance = await InsertUntilAsync(rebalancing);
        var rebalanced = await rebalancing;

        var beforeSplit = await InsertUntilAsync(Task.Delay(quiet));
        var splitting = source.SplitColocationGroupAsync(group.Name, 4, nice);
        var duringSplit = await InsertUntilAsync(splitting);
        var splits = await splitting;

        Figure[] ClientFigures(string during, ((double Rate, double P99) Before, (double Rate, double P99) During) load, bool goal) =>
            LoadFigures("move", $"routed inserts {during} vs before ({Clients} clients)", "rows/s", $"those inserts {during}", load, goal);

        return
        [
            new Figure("move", $"move of a shard group of {rows:N0} rows ({result.Tables.Count} tables) at full speed, under {Clients} writing clients", result.Elapsed.TotalSeconds, double.NaN, "s",
                HigherIsBetter: false, Figure.NoGoal, 0),
            new Figure("move", "write block of that move (final catch-up, checksums brought up to date, fence)", result.WriteBlock.TotalMilliseconds, double.NaN, "ms",
                HigherIsBetter: false, "≤ 1,000 ms", 1_000),
            .. ClientFigures("into the moving shard during that move", (before, duringMove), goal: false),
            new Figure("move", $"the same group moved back with the copy yielding (nice ratio {options.NiceRatio:0.##}): {back.Tables.Sum(t => t.Rows):N0} rows", back.Elapsed.TotalSeconds, double.NaN, "s",
                HigherIsBetter: false, Figure.NoGoal, 0),
            new Figure("move", "write block of that move", back.WriteBlock.TotalMilliseconds, double.NaN, "ms",
                HigherIsBetter: false, "≤ 1,000 ms", 1_000),
            .. ClientFigures("into the moving shard during that move", (beforeBack, duringBack), goal: true),
            new Figure("move", $"rebalance (nice ratio {options.NiceRatio:0.##}) after a third worker joined (the two shards of the group were on one worker): {rebalanced.Count} shard group moves ({rebalanced.Sum(m => m.Tables.Sum(t => t.Rows)):N0} rows), longest write block {(rebalanced.Count == 0 ? 0 : rebalanced.Max(m => m.WriteBlock.TotalMilliseconds)):N0} ms",
                rebalanced.Sum(m => m.Elapsed.TotalSeconds), double.NaN, "s", HigherIsBetter: false, Figure.NoGoal, 0),
            .. ClientFigures("during the rebalance", (beforeRebalance, duringRebalance), goal: true),
            new Figure("move", $"split of the group from 2 shards to 4 (nice ratio {options.NiceRatio:0.##}): {splits.Count} splits ({splits.Sum(m => m.Tables.Sum(t => t.Rows)):N0} rows into {splits.Sum(m => m.Tables.Count)} pieces), longest write block {splits.Max(m => m.WriteBlock.TotalMilliseconds):N0} ms",
                splits.Sum(m => m.Elapsed.TotalSeconds), double.NaN, "s", HigherIsBetter: false, Figure.NoGoal, 0),
            .. ClientFigures("during the split", (beforeSplit, duringSplit), goal: true),
        ];
    }

    /// <summary>Clients making one routed call after another until a phase ends: calls per second, and their p99 latency.</summary>
    internal static async Task<(double Rate, double P99)> LoadUntilAsync(int clients, Task phase, Func<Task> call)
    {
        var clock = Stopwatch.StartNew();
        var latencies = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (!phase.IsCompleted)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return mine;
        })));
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return (all.Length / clock.Elapsed.TotalSeconds, all.Length == 0 ? double.NaN : all[(int)Math.Min(all.Length - 1, Math.Ceiling(all.Length * 0.99) - 1)]);
    }

    /// <summary>The clients' calls per second and p99 latency during an operation against just before it.</summary>
    internal static Figure[] LoadFigures(string suite, string calls, string unit, string latencyOf, ((double Rate, double P99) Before, (double Rate, double P99) During) load, bool goal) =>
    [
        new Figure(suite, calls, load.During.Rate, load.Before.Rate, unit, HigherIsBetter: true, goal ? "≥ 0.8 of before" : Figure.NoGoal, goal ? 0.8 : 0),
        new Figure(suite, $"p99 latency of {latencyOf} vs before", load.During.P99, load.Before.P99, "ms", HigherIsBetter: false, Figure.NoGoal, 0),
    ];
}
