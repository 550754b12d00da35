namespace ShardGen.Benchmarks;

/// <summary>
/// The move suite's second cluster, loaded as an application loads one: the product's default 32 shards per group, and
/// 16 clients whose routed calls (an insert into a tenant picked at random among all of them, then a read of that row by
/// its key) go wherever their tenants live, as in the tests' moves under load. One shard group holds --rows rows (every
/// other tenant holds a few); it moves to the other worker at full speed, back with the copy yielding (--nice-ratio),
/// then a third worker joins and a rebalance (the copies yielding) evens the groups out. Reported: the calls per second and their p99 latency during each against
/// the same clients just before it.
/// </summary>
public static class MoveSpread
{
    private const string Suite = "move-spread";

    private const int Clients = 16;

    private const int RowsPerOtherTenant = 20;

    public static async Task<List<Figure>> RunAsync(Options options)
    {
        await using var servers = await MoveCluster.StartAsync(shardCount: null);
        var (source, db) = (servers.Source, servers.Db);
        var map = await source.GetShardMapAsync();
        var group = map.GroupOf(IngestItemRepository.Definition)!;
        long[] tenants = [.. Enumerable.Range(1, Rows.Tenants).Select(t => (long)t)];
        long[] moving = [.. tenants.Where(t => group.ShardIndexOf(t) == 0)];
        var others = tenants.Where(t => group.ShardIndexOf(t) != 0).SelectMany(t => Enumerable.Range(1, RowsPerOtherTenant).Select(i => (Tenant: t, Id: (long)i)));
        await db.IngestItems.BulkInsertAsync(Enumerable.Range(1, options.Rows).Select(i => (Tenant: moving[i % moving.Length], Id: (long)i)).Concat(others)
            .Select(r => new IngestItem(r.Tenant, r.Id, "seed", 1, 1m, null)));

        var next = (long)options.Rows;
        Task<(double Rate, double P99)> CallUntilAsync(Task phase) => Move.LoadUntilAsync(Clients, phase, async () =>
        {
            var tenant = tenants[Random.Shared.Next(tenants.Length)];
            var id = Interlocked.Increment(ref next);
            await db.IngestItems.InsertAsync(new IngestItem(tenant, id, "spread", 1, 1m, null));
            _ = await db.IngestItems.GetAsync(tenant, id) ?? throw new InvalidOperationException($"a routed read missed the row {tenant}/{id} its client had just written");
        });

        var nice = new ShardMoveOptions { CopyNiceRatio = options.NiceRatio };
        var quiet = TimeSpan.FromSeconds(options.Quick ? 2 : 5);
        var home = group.NodeOfShard(0).Name;
        var beforeMove = await CallUntilAsync(Task.Delay(quiet));
        var moveTask = source.MoveShardGroupAsync(group.Name, 0, map.Workers.First(w => w.Name != home).Name);
        var duringMove = await CallUntilAsync(moveTask);
        var moved = await moveTask;

        var beforeBack = await CallUntilAsync(Task.Delay(quiet));
        var backTask = source.MoveShardGroupAsync(group.Name, 0, home, nice);
        var duringBack = await CallUntilAsync(backTask);
        var back = await backTask;

        await servers.AddThirdWorkerAsync();
        var beforeRebalance = await CallUntilAsync(Task.Delay(quiet));
        var rebalancing = source.RebalanceAsync(moveOptions: nice);
        var duringRebalance = await CallUntilAsync(rebalancing);
        var rebalanced = await rebalancing;

        const string calls = "routed calls (an insert, then a read of it by key) of 16 clients over all 10,000 tenants";
        return
        [
            new Figure(Suite, $"32 shards per group, {Clients} clients over every tenant: move of the shard group of {moved.Tables.Sum(t => t.Rows):N0} rows at full speed", moved.Elapsed.TotalSeconds, double.NaN, "s",
                HigherIsBetter: false, Figure.NoGoal, 0),
            new Figure(Suite, "write block of that move", moved.WriteBlock.TotalMilliseconds, double.NaN, "ms", HigherIsBetter: false, "≤ 1,000 ms", 1_000),
            .. Move.LoadFigures(Suite, $"{calls} during that move vs before", "calls/s", "those calls during that move", (beforeMove, duringMove), goal: false),
            new Figure(Suite, $"the same group moved back with the copy yielding (nice ratio {options.NiceRatio:0.##}): {back.Tables.Sum(t => t.Rows):N0} rows", back.Elapsed.TotalSeconds, double.NaN, "s",
                HigherIsBetter: false, Figure.NoGoal, 0),
            new Figure(Suite, "write block of that move", back.WriteBlock.TotalMilliseconds, double.NaN, "ms", HigherIsBetter: false, "≤ 1,000 ms", 1_000),
            .. Move.LoadFigures(Suite, $"{calls} during that move vs before", "calls/s", "those calls during the move back", (beforeBack, duringBack), goal: true),
            new Figure(Suite, $"rebalance (nice ratio {options.NiceRatio:0.##}) after a third worker joined: {rebalanced.Count} shard group moves, longest write block {(rebalanced.Count == 0 ? 0 : rebalanced.Max(m => m.WriteBlock.TotalMilliseconds)):N0} ms",
                rebalanced.Sum(m => m.Elapsed.TotalSeconds), double.NaN, "s", HigherIsBetter: false, Figure.NoGoal, 0),
            .. Move.LoadFigures(Suite, $"{calls} during the rebalance vs before", "calls/s", "those calls during the rebalance", (beforeRebalance, duringRebalance), goal: true),
        ];
    }
}
