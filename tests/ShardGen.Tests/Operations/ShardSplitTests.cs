using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Operations;

/// <summary>
/// Splitting shard groups on a real cluster: a tenant isolated and a group split from 32 shards to 64 while 16 clients
/// write and read, a splitter killed at each step and run again, and a split of colocated tables that reference each
/// other and a reference table.
/// </summary>
public sealed class ShardSplitTests(ITestOutputHelper output)
{
    private const string Group = "int8";

    [Fact]
    public async Task A_tenant_isolated_under_16_clients_gets_a_shard_group_of_its_own_on_the_worker_given_and_every_acknowledged_write_stays_once()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var live = Source(cluster, shards: 4);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        List<(long, long)> seeded = [.. Enumerable.Range(0, 600).Select(id => ((long)(id % 60), (long)id))];
        await db.Accounts.BulkInsertAsync(seeded.Select(p => new Account(p.Item1, p.Item2, "seed", 0)).ToList());
        const long tenant = 7;
        var before = await live.GetShardMapAsync();
        var hash = ((ShardKey)tenant).Hash();
        var old = before.Route(AccountRepository.Definition, tenant);
        var target = before.Workers.First(w => w.Name != old.Node.Name).Name;

        var load = RoutedLoad.Start(db, seeded, tenants: 60);
        await Task.Delay(200);
        var isolation = await live.IsolateTenantAsync(Group, tenant, target);
        await Task.Delay(200);
        await load.StopAsync();
        output.WriteLine($"{isolation.Steps.Count} steps (write blocks {string.Join(", ", isolation.Steps.Select(s => $"{s.WriteBlock.TotalMilliseconds:0} ms"))}); {load.Acknowledged.Count - seeded.Count} writes and {load.Reads} reads meanwhile");
        Assert.Empty(load.Failures);
        Assert.True(load.Reads > 0);

        // The tenant's shard group holds its hash alone, on the worker given; the rest of the old range went back.
        var map = await live.RefreshAsync();
        var group = map.ColocationGroups.Single(g => g.Name == Group);
        var oldGroup = before.ColocationGroups.Single(g => g.Name == Group);
        var pieces = 1 + (hash > oldGroup.MinHash(old.ShardIndex) ? 1 : 0) + (hash < oldGroup.MaxHash(old.ShardIndex) ? 1 : 0);
        Assert.Equal(4 + pieces - 1, group.ShardCount);
        Assert.Equal((hash, hash, target), (group.MinHash(isolation.ShardIndex), group.MaxHash(isolation.ShardIndex), group.NodeOfShard(isolation.ShardIndex).Name));
        Assert.Equal(target, isolation.Worker);
        Assert.All(
            Enumerable.Range(old.ShardIndex, pieces).Where(i => i != isolation.ShardIndex),
            i => Assert.Equal(old.Node.Name, group.NodeOfShard(i).Name));
        Assert.Equal(pieces, isolation.Steps.Count);
        var route = map.Route(AccountRepository.Definition, tenant);
        var onPiece = await Sql.QueryAsync(RoutedLoad.ConnectionStringOf(cluster, route.Node), $"SELECT DISTINCT tenant_id FROM {Identifiers.Quote(route.ShardTable)}");
        Assert.Equal([tenant], onPiece.Select(r => (long)r[0]!));

        // Every acknowledged write is on a worker exactly once; the other groups did not change.
        Assert.Equal(load.Acknowledged.Keys.Order().ToArray(), (await RoutedLoad.AccountsOnWorkersAsync(live, cluster)).Order().ToArray());
        Assert.All(map.ColocationGroups.Where(g => g.Name != Group), g => Assert.Equal(4, g.ShardCount));
        await live.CleanUpShardMovesAsync();
        await AssertNothingLeftAsync(live, cluster);

        // Isolating it again changes nothing.
        var again = await live.IsolateTenantAsync(Group, tenant, target);
        Assert.Empty(again.Steps);
        Assert.Equal(isolation.ShardIndex, again.ShardIndex);
    }

    [Fact]
    public async Task A_group_split_from_32_shards_to_64_under_16_clients_has_the_ranges_of_64_and_every_acknowledged_write_once()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync(workers: 2);
        await using var live = Source(cluster, shards: 32, workers: 2);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        List<(long, long)> seeded = [.. Enumerable.Range(0, 2000).Select(id => ((long)(id % 200), (long)id))];
        await db.Accounts.BulkInsertAsync(seeded.Select(p => new Account(p.Item1, p.Item2, "seed", 0)).ToList());

        var load = RoutedLoad.Start(db, seeded, tenants: 200);
        await Task.Delay(200);
        var reports = new List<RebalanceProgress>();
        var splits = await live.SplitColocationGroupAsync(Group, 64, progress: new Reported<RebalanceProgress>(reports.Add));
        await Task.Delay(200);
        await load.StopAsync();
        output.WriteLine($"{splits.Count} splits (longest write block {splits.Max(s => s.WriteBlock.TotalMilliseconds):0} ms); {load.Acknowledged.Count - seeded.Count} writes and {load.Reads} reads meanwhile");
        Assert.Empty(load.Failures);
        Assert.True(load.Reads > 0);

        Assert.Equal(32, splits.Count);
        Assert.Equal(Enumerable.Range(0, 32).Reverse(), splits.Select(s => s.ShardIndex));
        Assert.Contains(reports, r => r.Move == 32 && r.Moves == 32 && r.Step == ShardMoveStep.Switched);
        var group = (await live.RefreshAsync()).ColocationGroups.Single(g => g.Name == Group);
        Assert.Equal(64, group.ShardCount);
        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal((HashRanges.MinHash(i, 64), HashRanges.MaxHash(i, 64)), (group.MinHash(i), group.MaxHash(i))));
        Assert.Equal(64, await Sql.ScalarAsync<int>(cluster.CoordinatorConnectionString, "SELECT shard_count FROM shardgen.colocation_groups WHERE name = $1", Group));
        Assert.Equal([32, 32], new[] { "worker1", "worker2" }.Select(w => Enumerable.Range(0, 64).Count(i => group.NodeOfShard(i).Name == w)));
        Assert.Equal(load.Acknowledged.Keys.Order().ToArray(), (await RoutedLoad.AccountsOnWorkersAsync(live, cluster)).Order().ToArray());
        await live.CleanUpShardMovesAsync();
        await AssertNothingLeftAsync(live, cluster);

        // Run again: nothing left to split. A count that does not contain the present ranges is refused.
        Assert.Empty(await live.SplitColocationGroupAsync(Group, 64));
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => live.SplitColocationGroupAsync(Group, 96));
        Assert.Contains("no boundary of 96 uniform shards", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_group_split_on_three_workers_puts_each_split_on_the_least_loaded_other_worker_and_ends_even()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync();
        await using var live = Source(cluster, shards: 6);
        await new ShardDatabase(live).ApplySchemaAsync();

        var splits = await live.SplitColocationGroupAsync(Group, 12);

        Assert.Equal(6, splits.Count);
        Assert.All(splits, s => Assert.NotEqual(s.Source, s.Target));
        var group = (await live.RefreshAsync()).ColocationGroups.Single(g => g.Name == Group);
        Assert.Equal([4, 4, 4], new[] { "worker1", "worker2", "worker3" }.Select(w => Enumerable.Range(0, 12).Count(i => group.NodeOfShard(i).Name == w)));
    }

    [Theory]
    [InlineData(ShardMoveStep.Copying)]
    [InlineData(ShardMoveStep.CatchingUp)]
    [InlineData(ShardMoveStep.Proving)]
    [InlineData(ShardMoveStep.WriteBlock)]
    [InlineData(ShardMoveStep.Fenced)]
    [InlineData(ShardMoveStep.Switched)]
    public async Task A_splitter_that_dies_at_any_step_leaves_one_writable_copy_and_the_next_run_ends_with_the_shard_split_once(ShardMoveStep step)
    {
        await using var cluster = await RoutedLoad.StartClusterAsync(workers: 2);
        await using var live = Source(cluster, shards: 4, workers: 2);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var rows = Enumerable.Range(0, 400).Select(id => new Account(id % 40, id, "seed", id)).ToList();
        await db.Accounts.BulkInsertAsync(rows);
        var map = await live.GetShardMapAsync();
        var group = map.ColocationGroups.Single(g => g.Name == Group);
        var middle = (int)(((long)group.MinHash(1) + group.MaxHash(1) + 1) / 2);
        var target = group.NodeOfShard(1).Name == "worker1" ? "worker2" : "worker1";

        await Assert.ThrowsAsync<SplitterDiedException>(() => live.SplitShardGroupAsync(Group, 1, [middle], target, progress: new Reported<ShardMoveProgress>(p =>
        {
            if (p.Step == step)
            {
                throw new SplitterDiedException();
            }
        })));

        // Before the fence the source takes writes; once fenced (metadata not switched yet) no copy does; after, a piece does.
        var tenant = Enumerable.Range(0, 40).First(t => group.ShardIndexOf((long)t) == 1);
        var after = new Account(tenant, 1000, "after the crash", 1);
        if (step == ShardMoveStep.Fenced)
        {
            var refused = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.InsertAsync(after));
            Assert.True(refused.IsRetryable, refused.Message);
        }
        else
        {
            await db.Accounts.InsertAsync(after);
        }

        await live.CleanUpShardMovesAsync();
        var split = (await live.RefreshAsync()).ColocationGroups.Single(g => g.Name == Group);
        if (split.ShardCount == 4)
        {
            // Undone: split again from the start.
            Assert.True(step < ShardMoveStep.Fenced, $"{step}: a fenced split was undone");
            await live.SplitShardGroupAsync(Group, 1, [middle], target);
        }

        if (step == ShardMoveStep.Fenced)
        {
            await db.Accounts.InsertAsync(after);
        }

        await live.CleanUpShardMovesAsync();
        split = (await live.RefreshAsync()).ColocationGroups.Single(g => g.Name == Group);
        Assert.Equal(5, split.ShardCount);
        Assert.Equal((group.MinHash(1), middle - 1, middle, group.MaxHash(1)), (split.MinHash(1), split.MaxHash(1), split.MinHash(2), split.MaxHash(2)));
        Assert.Equal((target, target), (split.NodeOfShard(1).Name, split.NodeOfShard(2).Name));
        Assert.Equal(rows.Select(r => (r.TenantId, r.Id)).Append((tenant, 1000L)).Order().ToArray(), (await RoutedLoad.AccountsOnWorkersAsync(live, cluster)).Order().ToArray());
        await AssertNothingLeftAsync(live, cluster);
    }

    [Fact]
    public async Task A_split_of_tables_with_foreign_keys_gives_each_piece_its_keys_validated_and_enforced()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync(workers: 2);
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(KeyedSchema).UseShardCount(2).UseMapRefresh(TimeSpan.Zero);
        builder.AddWorker(cluster.WorkerConnectionStrings[0], "worker1").AddWorker(cluster.WorkerConnectionStrings[1], "worker2");
        await using var live = builder.Build();
        await live.ApplySchemaAsync();
        await Sql.ExecuteAsync(cluster.CoordinatorConnectionString, "INSERT INTO regions VALUES ('eu'), ('us')");
        foreach (var worker in cluster.WorkerConnectionStrings)
        {
            await Sql.ExecuteAsync(worker, "INSERT INTO regions VALUES ('eu'), ('us')");
        }

        var map = await live.GetShardMapAsync();
        var customers = map.Shards(KeyedSchema["customers"])[0];
        var orders = map.Shards(KeyedSchema["orders"])[0];
        var source = RoutedLoad.ConnectionStringOf(cluster, customers.Node);
        var tenants = Enumerable.Range(1, 1000).Select(t => (long)t).Where(t => map.Route(KeyedSchema["customers"], t).ShardIndex == 0).Take(20).ToArray();
        await Sql.ExecuteAsync(source, $"INSERT INTO {Identifiers.Quote(customers.ShardTable)} SELECT t, 1, CASE WHEN t % 2 = 0 THEN 'eu' ELSE 'us' END FROM unnest($1::bigint[]) t", tenants);
        await Sql.ExecuteAsync(source, $"INSERT INTO {Identifiers.Quote(orders.ShardTable)} SELECT t, o, 1 FROM unnest($1::bigint[]) t, generate_series(1, 3) o", tenants);
        var group = map.ColocationGroups.Single();
        var middle = (int)(((long)group.MinHash(0) + group.MaxHash(0) + 1) / 2);

        var result = await live.SplitShardGroupAsync(group.Name, 0, [middle], "worker2");

        Assert.Equal(4, result.Tables.Count);
        Assert.Equal(80L, result.Tables.Sum(t => t.Rows));
        var pieces = await live.RefreshAsync();
        foreach (var shard in pieces.Shards(KeyedSchema["orders"]).Take(2))
        {
            // Each piece's orders reference its own customers piece; every key is validated.
            var keys = await Sql.QueryAsync(
                cluster.WorkerConnectionStrings[1],
                "SELECT confrelid::regclass::text, convalidated FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'f'", Identifiers.Quote(shard.ShardTable));
            var customersPiece = pieces.Shards(KeyedSchema["customers"])[shard.ShardIndex].ShardTable;
            Assert.Equal([(customersPiece, true)], keys.Select(k => ((string)k[0]!, (bool)k[1]!)));
        }

        var customerKeys = await Sql.QueryAsync(
            cluster.WorkerConnectionStrings[1],
            "SELECT confrelid::regclass::text, convalidated FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'f'", Identifiers.Quote(pieces.Shards(KeyedSchema["customers"])[1].ShardTable));
        Assert.Equal([("regions", true)], customerKeys.Select(k => ((string)k[0]!, (bool)k[1]!)));

        // Enforced: an order of a customer that is not there is refused; deleting a customer deletes its orders.
        var first = pieces.Route(KeyedSchema["orders"], tenants[0]);
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Sql.ExecuteAsync(cluster.WorkerConnectionStrings[1], $"INSERT INTO {Identifiers.Quote(first.ShardTable)} VALUES ($1, 9, 2)", tenants[0]));
        await Sql.ExecuteAsync(cluster.WorkerConnectionStrings[1], $"DELETE FROM {Identifiers.Quote(pieces.Route(KeyedSchema["customers"], tenants[0]).ShardTable)} WHERE tenant_id = $1", tenants[0]);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.WorkerConnectionStrings[1], $"SELECT count(*) FROM {Identifiers.Quote(first.ShardTable)} WHERE tenant_id = $1", tenants[0]));
        await live.CleanUpShardMovesAsync();
        await AssertNothingLeftAsync(live, cluster);
    }

    [Fact]
    public async Task A_split_point_outside_the_shard_and_a_split_onto_its_own_worker_are_refused_before_anything_changes()
    {
        await using var cluster = await RoutedLoad.StartClusterAsync(workers: 2);
        await using var live = Source(cluster, shards: 4, workers: 2);
        await new ShardDatabase(live).ApplySchemaAsync();
        var group = (await live.GetShardMapAsync()).ColocationGroups.Single(g => g.Name == Group);
        var own = group.NodeOfShard(1).Name;

        var outside = await Assert.ThrowsAsync<ArgumentException>(() => live.SplitShardGroupAsync(Group, 1, [group.MinHash(1)], own == "worker1" ? "worker2" : "worker1"));
        Assert.Contains($"holds hashes {group.MinHash(1)} to {group.MaxHash(1)}", outside.Message, StringComparison.Ordinal);
        var onItself = await Assert.ThrowsAsync<ArgumentException>(() => live.SplitShardGroupAsync(Group, 1, [group.MinHash(1) + 1], own));
        Assert.Contains("another worker", onItself.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.moves"));

        // An apply asking for another count names the split that gets there.
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema).UseShardCount(8);
        builder.AddWorker(cluster.WorkerConnectionStrings[0], "worker1").AddWorker(cluster.WorkerConnectionStrings[1], "worker2");
        await using var eight = builder.Build();
        var refused = await Assert.ThrowsAsync<ShardGenException>(() => eight.ApplySchemaAsync());
        Assert.Contains("shardgen split", refused.Message, StringComparison.Ordinal);
    }

    // customers (tenant_id, id) referencing the reference table regions; orders referencing customers, colocated, ON DELETE CASCADE.
    private static readonly SchemaDefinition KeyedSchema = new([
        new TableDefinition("regions", TableKind.Reference, [new("code", "text", IsNullable: false)], ["code"], []),
        new TableDefinition(
            "customers", TableKind.Distributed,
            [new("tenant_id", "bigint", IsNullable: false), new("id", "bigint", IsNullable: false), new("region", "text", IsNullable: false)],
            ["tenant_id", "id"], [], "tenant_id", DistributionKeyType.Int64, "keyed")
        {
            ForeignKeys = [new ForeignKeyDefinition("customers_region_fkey", ["region"], "regions", ["code"])],
        },
        new TableDefinition(
            "orders", TableKind.Distributed,
            [new("tenant_id", "bigint", IsNullable: false), new("id", "bigint", IsNullable: false), new("customer_id", "bigint", IsNullable: false)],
            ["tenant_id", "id"], [], "tenant_id", DistributionKeyType.Int64, "keyed")
        {
            ForeignKeys = [new ForeignKeyDefinition("orders_customer_fkey", ["tenant_id", "customer_id"], "customers", ["tenant_id", "id"]) { OnDelete = ReferentialAction.Cascade }],
        },
    ]);

    private static ShardedDataSource Source(LocalPostgresCluster cluster, int shards, int workers = 3)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema).UseShardCount(shards).UseMapRefresh(TimeSpan.Zero);
        for (var i = 0; i < workers; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    // No subscription, publication, slot, partitioned table or unfinished move anywhere, and verify finds nothing.
    private static async Task AssertNothingLeftAsync(ShardedDataSource live, LocalPostgresCluster cluster)
    {
        foreach (var worker in cluster.WorkerConnectionStrings)
        {
            Assert.Equal(0L, await Sql.ScalarAsync<long>(worker, "SELECT (SELECT count(*) FROM pg_subscription) + (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_replication_slots) + (SELECT count(*) FROM pg_class WHERE relkind = 'p')"));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(worker, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'shardgen_move_%'"));
        }

        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.moves WHERE state IN ('copying', 'switched')"));
        var verification = await live.VerifyAsync();
        Assert.True(verification.IsSound, string.Join("\n", verification.Problems.Select(p => p.Message)));
    }

    private sealed class SplitterDiedException : Exception;
}
