using System.Collections.Concurrent;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Operations;

/// <summary>
/// Growing a real cluster from two workers to three and shrinking it again while clients write and read: a worker
/// added under load (its reference copies never read before they are whole), a rebalance and a drain under 16
/// clients, a rebalance cancelled half-way, and verification of what the servers hold.
/// </summary>
public sealed class ClusterGrowthTests(ITestOutputHelper output)
{
    private const int Currencies = 300;

    [Fact]
    public async Task A_worker_added_under_load_serves_reference_reads_only_once_its_copies_are_whole_and_processes_never_told_learn_it()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var first = Source(cluster, workers: 2);
        var db = new ShardDatabase(first);
        await db.ApplySchemaAsync();
        for (var i = 0; i < Currencies; i++)
        {
            await db.Currencies.InsertAsync(new Currency($"C{i:000}", $"currency {i}", 2));
        }

        // Another process, given two workers, that learns the third from the metadata on its map refresh.
        await using var other = Source(cluster, workers: 2, refresh: TimeSpan.FromMilliseconds(50));
        var otherDb = new ShardDatabase(other);
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var added = new ConcurrentBag<string>();
        var reads = 0;
        async Task ReadReferencesAsync(ShardDatabase reader)
        {
            while (!stop.IsCancellationRequested)
            {
                var before = added.Count;
                var count = (await reader.Currencies.ListAllAsync()).Count;
                if (count < Currencies + before)
                {
                    failures.Enqueue($"a reference read returned {count} rows; {Currencies + before} were committed before it began");
                }

                Interlocked.Increment(ref reads);
            }
        }

        var next = 0;
        async Task WriteAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                await db.Accounts.InsertAsync(new Account(n % 50, n, "routed", n));
                if (n % 10 == 0)
                {
                    await db.Currencies.InsertAsync(new Currency($"N{n:00000}", "added during the add", 0));
                    added.Add($"N{n:00000}");
                }
            }
        }

        var clients = new List<Task>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(Task.Run(() => ReadReferencesAsync(db)));
            clients.Add(Task.Run(() => ReadReferencesAsync(otherDb)));
        }

        clients.Add(Task.Run(WriteAsync));
        await Task.Delay(200);
        var map = await first.AddWorkerAsync(cluster.WorkerConnectionStrings[2], "worker3");
        using (var learnt = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while ((await other.GetShardMapAsync(learnt.Token)).ReadableCopies.All(w => w.Name != "worker3"))
            {
                await Task.Delay(20, learnt.Token);
            }
        }

        var readsAfter = reads;
        while (reads < readsAfter + 200)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);
        output.WriteLine($"{reads} reference reads, {added.Count} reference writes, {next} routed writes during the add");

        Assert.Empty(failures);
        Assert.Contains(map.ReadableCopies, w => w.Name == "worker3");
        Assert.Equal("ready", await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT reference_copies FROM shardgen.nodes WHERE name = 'worker3'"));
        var onWorker3 = await Sql.ColumnAsync<string>(cluster.WorkerConnectionStrings[2], "SELECT code FROM currencies ORDER BY code");
        var onCoordinator = await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT code FROM currencies ORDER BY code");
        Assert.Equal(Currencies + added.Count, onCoordinator.Count);
        Assert.Equal(onCoordinator, onWorker3);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.placements p JOIN shardgen.nodes n USING (node_id) WHERE n.name = 'worker3'"));
        Assert.True((await first.VerifyAsync()).IsSound);

        // Adding it again changes nothing.
        var version = (await first.GetShardMapAsync()).Version;
        await first.AddWorkerAsync(cluster.WorkerConnectionStrings[2], "worker3");
        Assert.Equal(version, (await first.RefreshAsync()).Version);
    }

    [Fact]
    public async Task A_rebalance_onto_a_new_worker_then_a_drain_under_16_clients_keep_every_acknowledged_write_once_and_every_read_answered()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var live = Source(cluster, workers: 2);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        await db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
        var seeded = new List<(long, long)>();
        for (var id = 0; id < 600; id++)
        {
            await db.Accounts.InsertAsync(new Account(id % 60, id, "seed", id));
            seeded.Add((id % 60, id));
        }

        await live.AddWorkerAsync(cluster.WorkerConnectionStrings[2], "worker3");
        var plan = await live.PlanRebalanceAsync();
        output.WriteLine(plan.ToString());
        Assert.NotEmpty(plan.Moves);
        Assert.All(plan.Moves, m => Assert.Equal("worker3", m.Target));

        var load = RoutedLoad.Start(db, seeded, tenants: 60);
        await Task.Delay(200);
        var steps = new ConcurrentQueue<RebalanceProgress>();
        var moves = await live.RebalanceAsync(progress: new Reported<RebalanceProgress>(steps.Enqueue));
        Assert.Equal(plan.Moves.Select(m => (m.ColocationGroup, m.ShardIndex, m.Target)), moves.Select(m => (m.ColocationGroup, m.ShardIndex, m.Target)));
        Assert.True((await live.PlanRebalanceAsync()).IsEmpty);

        // Every colocation group is spread evenly: its workers' shard counts differ by one at most, worker3's included.
        foreach (var group in (await live.GetShardMapAsync()).ColocationGroups)
        {
            var counts = new[] { "worker1", "worker2", "worker3" }.Select(w => Enumerable.Range(0, group.ShardCount).Count(i => group.NodeOfShard(i).Name == w)).ToArray();
            Assert.True(counts.Max() - counts.Min() <= 1, $"{group.Name}: {string.Join(", ", counts)}");
        }

        var drained = await live.DrainWorkerAsync("worker1");
        await Task.Delay(200);
        await load.StopAsync();
        output.WriteLine($"{moves.Count} moves in the rebalance (longest write block {moves.Max(m => m.WriteBlock.TotalMilliseconds):0} ms), {drained.Count} in the drain; {load.Acknowledged.Count - seeded.Count} writes and {load.Reads} reads meanwhile");

        Assert.Empty(load.Failures);
        Assert.True(load.Reads > 0);
        Assert.Contains(steps, s => s.Step == ShardMoveStep.Switched && s.Move == moves.Count && s.Moves == moves.Count);

        // worker1 is gone from the metadata and holds no placement; every acknowledged write is on a worker exactly once.
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.nodes WHERE name = 'worker1'"));
        var map = await live.GetShardMapAsync();
        Assert.Equal(new[] { "worker2", "worker3" }, map.Workers.Select(w => w.Name).Order().ToArray());
        Assert.Equal(load.Acknowledged.Keys.Order().ToArray(), (await RoutedLoad.AccountsOnWorkersAsync(live, cluster)).Order().ToArray());
        var verification = await live.VerifyAsync();
        Assert.True(verification.IsSound, string.Join("\n", verification.Problems.Select(p => p.Message)));
    }

    [Fact]
    public async Task A_rebalance_cancelled_during_a_copy_undoes_that_move_and_the_next_run_finishes_the_plan()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var live = Source(cluster, workers: 2);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        for (var id = 0; id < 200; id++)
        {
            await db.Accounts.InsertAsync(new Account(id % 20, id, "seed", id));
        }

        await live.AddWorkerAsync(cluster.WorkerConnectionStrings[2], "worker3");
        var plan = await live.PlanRebalanceAsync();
        using var cancel = new CancellationTokenSource();
        var cancelledAt = (RebalanceProgress?)null;
        var run = live.RebalanceAsync(progress: new Reported<RebalanceProgress>(p =>
        {
            if (p.Move == 2 && p.Step == ShardMoveStep.CatchingUp && cancelledAt is null)
            {
                cancelledAt = p;
                cancel.Cancel();
            }
        }), cancellationToken: cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // One move finished, the second was undone at once: no copy of it on worker3, no subscription, no unfinished move.
        Assert.NotNull(cancelledAt);
        var worker3 = cluster.WorkerConnectionStrings[2];
        var second = plan.Moves[1];
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.moves WHERE state = 'copying'"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.moves WHERE state = 'abandoned'"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker3, "SELECT count(*) FROM pg_subscription"));
        var secondTables = (await live.RefreshAsync()).ColocationGroups.Single(g => g.Name == second.ColocationGroup);
        Assert.NotEqual("worker3", secondTables.NodeOfShard(second.ShardIndex).Name);
        Assert.True((await live.VerifyAsync()).IsSound);

        var rest = await live.RebalanceAsync();
        Assert.Equal(plan.Moves.Count - 1, rest.Count);
        Assert.True((await live.PlanRebalanceAsync()).IsEmpty);
        Assert.Equal(200, (await RoutedLoad.AccountsOnWorkersAsync(live, cluster)).Count);
    }

    [Fact]
    public async Task Verify_finds_a_row_placed_on_the_wrong_shard_a_missing_range_check_and_a_reference_copy_that_differs()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var live = Source(cluster, workers: 3);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        await db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
        for (var id = 0; id < 100; id++)
        {
            await db.Accounts.InsertAsync(new Account(id, id, "seed", id));
        }

        var sound = await live.VerifyAsync();
        Assert.True(sound.IsSound);
        Assert.Equal(100L, sound.ShardRows);
        Assert.Equal(3 * ShardDatabase.Schema.Tables.Count(t => t.Kind == TableKind.Reference), sound.ReferenceCopies);

        // A row whose key belongs to shard B written by hand into shard A's table, once its range check is dropped.
        var map = await live.GetShardMapAsync();
        var shards = map.Shards(AccountRepository.Definition);
        var target = shards[0];
        var stranger = Enumerable.Range(1000, 10_000).Select(i => (long)i).First(k => map.Route(AccountRepository.Definition, k).ShardIndex != target.ShardIndex);
        var worker = RoutedLoad.ConnectionStringOf(cluster, target.Node);
        await Sql.ExecuteAsync(worker, $"ALTER TABLE {Identifiers.Quote(target.ShardTable)} DROP CONSTRAINT {Identifiers.Quote(target.ShardTable + "_hash_range")}");
        await Sql.ExecuteAsync(worker, $"INSERT INTO {Identifiers.Quote(target.ShardTable)} (tenant_id, id, owner, balance) VALUES ($1, 1, 'misplaced', 0)", stranger);
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[1], "UPDATE currencies SET digits = 3 WHERE code = 'EUR'");

        var found = await live.VerifyAsync();
        foreach (var problem in found.Problems)
        {
            output.WriteLine(problem.Message);
        }

        Assert.Equal(3, found.Problems.Count);
        Assert.Contains(found.Problems, p => p.ShardId == target.ShardId && p.Node == target.Node.Name && p.Message.StartsWith("1 rows of shard table", StringComparison.Ordinal));
        Assert.Contains(found.Problems, p => p.ShardId == target.ShardId && p.Message.Contains("lacks its hash-range check", StringComparison.Ordinal));
        Assert.Contains(found.Problems, p => p.Table == "currencies" && p.Node == "worker2");
        Assert.DoesNotContain(found.Problems, p => p.Message.Contains(stranger.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    [Fact]
    public void The_plan_by_size_moves_the_big_shard_groups_apart_and_by_count_evens_the_counts()
    {
        // Two ready workers, one group of 6 shards all on worker 1; shard 0 is as big as the five others together.
        var rows = new MetadataRows(
            1,
            [new NodeRow(1, "c", "coordinator", "h", 1, "d", true), new NodeRow(2, "w1", "worker", "h", 2, "d", true), new NodeRow(3, "w2", "worker", "h", 3, "d", true), new NodeRow(4, "w3", "worker", "h", 4, "d", false)],
            [new GroupRow(1, "int8", DistributionKeyType.Int64, 6)],
            [new TableRow("t", "distributed", 1, "k", "", "")],
            [.. Enumerable.Range(0, 6).Select(i => new ShardRow(100 + i, "t", i, 2, 0, 0))]);
        var sizes = Enumerable.Range(0, 6).ToDictionary(i => (1, i), i => i == 0 ? 500L : 100L);

        var byCount = RebalancePlanner.Plan(rows, RebalanceOptions.Default, sizes);
        Assert.Equal(3, byCount.Moves.Count);
        Assert.All(byCount.Moves, m => Assert.Equal(("w1", "w2"), (m.Source, m.Target)));

        var bySize = RebalancePlanner.Plan(rows, new RebalanceOptions { Strategy = RebalanceStrategy.ByDiskSize }, sizes);
        Assert.Equal([500L, 500L], bySize.Workers.Where(w => w.Worker != "w3").Select(w => w.BytesAfter));
        Assert.Equal(0, Assert.Single(bySize.Moves).ShardIndex);

        // Excluding a worker moves all of it; a worker still filling its reference copies receives nothing.
        var drain = RebalancePlanner.Plan(rows, new RebalanceOptions { ExcludedWorkers = ["w1"] }, sizes);
        Assert.Equal(6, drain.Moves.Count);
        Assert.All(drain.Moves, m => Assert.Equal("w2", m.Target));
        Assert.Throws<ShardGenException>(() => RebalancePlanner.Plan(rows, new RebalanceOptions { ExcludedWorkers = ["w1", "w2"] }, sizes));
    }

    // The first workers of the cluster, named worker1..; 4 shards per group so that a rebalance is a handful of moves.
    private static ShardedDataSource Source(LocalPostgresCluster cluster, int workers, TimeSpan? refresh = null)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema)
            .UseShardCount(4).UseMapRefresh(refresh ?? TimeSpan.Zero);
        for (var i = 0; i < workers; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }
}
