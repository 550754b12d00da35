using ShardGen.Model;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Citus;

/// <summary>
/// Citus changes where shards are while ShardGen routes calls to them: a shard moved to the other worker, a rebalance
/// onto a node added for the test, a tenant isolated to a shard of its own. Routed reads and writes keep running
/// through it (Citus forwards what a stale map sent to the old node), lose no acknowledged write and return no other
/// key's row, and the map follows: on its timer, and, with the timer off, by Citus's report that it forwarded a call.
/// </summary>
[Collection("citus-topology")]
public sealed class CitusTopologyTests(CitusTopologyFixture fixture)
{
    private const int Loops = 6;
    private static readonly TimeSpan MapFollows = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LoadAdvances = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task A_shard_moved_under_routed_reads_and_writes_loses_no_write_and_the_map_follows_it()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var tables = await fixture.CreateTablesAsync("sgt_move_", shardCount: 8);
        try
        {
            await using var source = fixture.CreateSource(tables.Schema);
            await using var noTimer = fixture.CreateSource(tables.Schema, b => b.UseMapRefresh(TimeSpan.Zero));
            var map = await source.RefreshAsync();
            var stale = await noTimer.RefreshAsync();
            var moved = map.Shards(tables.Accounts)[0];
            var target = map.Workers.First(w => !SameNode(w, moved.Node));

            // Half the load's keys are in the shard that moves, half elsewhere; one row is kept for the map of the
            // source without a timer.
            var inMoved = Enumerable.Range(1, 5000).Select(i => (long)i).Where(t => map.Route(tables.Accounts, t).ShardIndex == moved.ShardIndex).Take(40).ToList();
            var elsewhere = Enumerable.Range(1, 5000).Select(i => (long)i).Where(t => map.Route(tables.Accounts, t).ShardIndex != moved.ShardIndex).Take(40).ToList();
            var probe = new Account(inMoved[0], 1, "probe", 1m);
            var accounts = new AccountRepository(source.Table(tables.Accounts));
            await accounts.InsertAsync(probe);

            RoutedLoad load;
            await using (load = new RoutedLoad(accounts, [.. inMoved, .. elsewhere], Loops))
            {
                Assert.True(await load.AdvanceAsync(300, LoadAdvances), "the load did not start");
                await Sql.ExecuteAsync(fixture.CoordinatorForLongWork,
                    "SELECT citus_move_shard_placement($1, $2, $3, $4, $5, shard_transfer_mode => 'force_logical')",
                    moved.ShardId, moved.Node.Host, moved.Node.Port, target.Host, target.Port);
                Assert.Equal((target.Host, target.Port), await fixture.PlacementAsync(moved.ShardId));

                // The map follows within a bound, and calls keep going through it afterwards.
                Assert.True(
                    await Eventually.TrueAsync(() => SameNode(source.CurrentShardMap!.Route(tables.Accounts, probe.TenantId).Node, target), MapFollows),
                    $"the map still routes shard {moved.ShardId} to {source.CurrentShardMap!.Route(tables.Accounts, probe.TenantId).Node} {MapFollows} after it moved to {target}");
                Assert.True(await load.AdvanceAsync(300, LoadAdvances), "the load stopped after the move");
            }

            Assert.Empty(load.Failures);
            Assert.Empty(load.WrongRows);
            await AssertAcknowledgedAsync(tables.Accounts, load, probe);

            // Both tables of the colocation group moved, and ShardGen routes both there.
            var after = source.CurrentShardMap!;
            Assert.True(SameNode(after.Shards(tables.Accounts)[moved.ShardIndex].Node, target));
            Assert.True(SameNode(after.Shards(tables.Entries)[moved.ShardIndex].Node, target));
            Assert.Equal(
                (target.Host, target.Port),
                await fixture.PlacementAsync(after.Shards(tables.Entries)[moved.ShardIndex].ShardId));

            // With no timer, only Citus's report that it forwarded a call can bring the map up to date: routed reads sent
            // to the old node still answer right, and one of them (one routed call in Executor.ProbeEvery listens for the
            // report) brings the map to the new node soon after.
            Assert.Same(stale, noTimer.CurrentShardMap);
            Assert.True(SameNode(noTimer.CurrentShardMap!.Route(tables.Accounts, probe.TenantId).Node, moved.Node));
            var staleAccounts = new AccountRepository(noTimer.Table(tables.Accounts));
            for (var i = 0; i < Executor.ProbeEvery; i++)
            {
                Assert.Equal(probe, await staleAccounts.GetAsync(probe.TenantId, probe.Id));
            }

            Assert.True(
                await Eventually.TrueAsync(() => SameNode(noTimer.CurrentShardMap!.Route(tables.Accounts, probe.TenantId).Node, target), MapFollows),
                $"a routed call answered by another node than the map named did not bring the map (timer off) up to date within {MapFollows}");
        }
        finally
        {
            await fixture.DropTablesAsync(tables.Schema);
        }
    }

    [SkippableFact]
    public async Task A_rebalance_onto_a_new_node_under_routed_reads_and_writes_loses_no_write_and_the_map_places_shards_there()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        Skip.If(fixture.SpareNode is null, CitusTopologyFixture.NoSpareNode);
        var (spareHost, sparePort) = fixture.SpareNode!.Value;
        var tables = await fixture.CreateTablesAsync("sgt_rebalance_", shardCount: 8);
        try
        {
            await using var source = fixture.CreateSource(tables.Schema);
            await source.RefreshAsync();
            var accounts = new AccountRepository(source.Table(tables.Accounts));
            var tenants = Enumerable.Range(1, 200).Select(i => (long)i).ToList();

            RoutedLoad load;
            await using (load = new RoutedLoad(accounts, tenants, Loops))
            {
                Assert.True(await load.AdvanceAsync(300, LoadAdvances), "the load did not start");
                await Sql.ExecuteAsync(fixture.Coordinator, "SELECT citus_add_node($1, $2)", spareHost, sparePort);

                // Block-writes moves: the rebalance also moves the shards of every other table in the cluster (those of
                // the other Citus tests among them), one background task after another.
                await Sql.ExecuteAsync(fixture.Coordinator, "SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')");
                await Sql.ExecuteAsync(fixture.CoordinatorForLongWork, "SELECT citus_rebalance_wait()");
                Assert.Equal("finished", await Sql.ScalarAsync<string>(fixture.Coordinator,
                    "SELECT state::text FROM pg_dist_background_job WHERE job_type = 'rebalance' ORDER BY job_id DESC LIMIT 1"));

                // The rebalance put some of these shards on the new node, and the map follows within a bound.
                var onSpare = await Sql.ScalarAsync<long>(fixture.Coordinator, """
                    SELECT count(*) FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
                     WHERE s.logicalrelid = $1::regclass AND n.nodename = $2 AND n.nodeport = $3
                    """, tables.Accounts.Name, spareHost, sparePort);
                Assert.True(onSpare > 0, $"the rebalance moved no shard of {tables.Accounts.Name} to {spareHost}:{sparePort}");
                Assert.True(
                    await Eventually.TrueAsync(async () => await MapAgreesWithPlacementsAsync(source.CurrentShardMap!, tables.Accounts), MapFollows),
                    $"the map did not follow the rebalance within {MapFollows}");
                Assert.True(await load.AdvanceAsync(300, LoadAdvances), "the load stopped after the rebalance");
            }

            Assert.Empty(load.Failures);
            Assert.Empty(load.WrongRows);
            await AssertAcknowledgedAsync(tables.Accounts, load, null);

            // Every key goes to the node pg_dist_placement names for the shard Citus names, the new node among them,
            // and a key there reads back through ShardGen.
            var map = source.CurrentShardMap!;
            Assert.Contains(map.Shards(tables.Accounts), r => (r.Node.Host, r.Node.Port) == (spareHost, sparePort));
            Assert.True(await MapAgreesWithPlacementsAsync(map, tables.Entries));
            var shardOf = await ShardsOfAsync(tables.Accounts.Name, tenants);
            foreach (var tenant in tenants)
            {
                var route = map.Route(tables.Accounts, tenant);
                Assert.Equal(shardOf[tenant], route.ShardId);
                Assert.Equal(await fixture.PlacementAsync(route.ShardId), (route.Node.Host, route.Node.Port));
            }

            var onNew = load.Acknowledged.First(r => (map.Route(tables.Accounts, r.TenantId).Node.Host, map.Route(tables.Accounts, r.TenantId).Node.Port) == (spareHost, sparePort));
            Assert.Equal(onNew, await accounts.GetAsync(onNew.TenantId, onNew.Id));
        }
        finally
        {
            await fixture.StopRebalanceAsync();
            await fixture.DropTablesAsync(tables.Schema);
            await fixture.RemoveNodeAsync(spareHost, sparePort);
        }
    }

    [SkippableFact]
    public async Task A_tenant_isolated_to_a_shard_of_its_own_is_routed_to_that_shard()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var tables = await fixture.CreateTablesAsync("sgt_isolate_", shardCount: 8);
        try
        {
            await using var source = fixture.CreateSource(tables.Schema);
            var accounts = new AccountRepository(source.Table(tables.Accounts));
            var entries = new EntryRepository(source.Table(tables.Entries));
            var tenants = Enumerable.Range(1, 100).Select(i => (long)i).ToList();
            foreach (var tenant in tenants)
            {
                await accounts.InsertAsync(new Account(tenant, 1, $"owner {tenant}", tenant));
                await entries.InsertAsync(new Entry(tenant, 1, 1, tenant, null));
            }

            const long Tenant = 42;
            var before = await source.RefreshAsync();
            var isolated = await Sql.ScalarAsync<long>(fixture.CoordinatorForLongWork,
                "SELECT isolate_tenant_to_new_shard($1::regclass, $2::bigint, cascade_option => 'CASCADE', shard_transfer_mode => 'block_writes')",
                tables.Accounts.Name, Tenant);
            var map = await source.RefreshAsync();
            Assert.NotEqual(before.Version, map.Version);

            // The tenant's shard is the one Citus made for it, and it covers that tenant's hash alone.
            var route = map.Route(tables.Accounts, Tenant);
            Assert.Equal(isolated, route.ShardId);
            Assert.Equal(isolated, await Sql.ScalarAsync<long>(fixture.Coordinator, "SELECT get_shard_id_for_distribution_column($1::regclass, $2::bigint)", tables.Accounts.Name, Tenant));
            var hash = await Sql.ScalarAsync<int>(fixture.Coordinator, "SELECT worker_hash($1::bigint)", Tenant);
            var group = map.GroupOf(tables.Accounts)!;
            Assert.Equal((hash, hash), (group.MinHash(route.ShardIndex), group.MaxHash(route.ShardIndex)));
            Assert.Equal(before.GroupOf(tables.Accounts)!.ShardCount + 2, group.ShardCount);

            // Its colocated entries were isolated with it (cascade) and route to their own new shard, on the same node.
            var entryRoute = map.Route(tables.Entries, Tenant);
            Assert.Equal(await Sql.ScalarAsync<long>(fixture.Coordinator, "SELECT get_shard_id_for_distribution_column($1::regclass, $2::bigint)", tables.Entries.Name, Tenant), entryRoute.ShardId);
            Assert.Equal(route.Node, entryRoute.Node);

            // Every row is still there through ShardGen, and every key goes where Citus says.
            var shardOf = await ShardsOfAsync(tables.Accounts.Name, tenants);
            foreach (var tenant in tenants)
            {
                Assert.Equal(new Account(tenant, 1, $"owner {tenant}", tenant), await accounts.GetAsync(tenant, 1));
                Assert.Equal((decimal)tenant, (await entries.GetAsync(tenant, 1))!.Amount);
                var keyRoute = map.Route(tables.Accounts, tenant);
                Assert.Equal(shardOf[tenant], keyRoute.ShardId);
                Assert.Equal(await fixture.PlacementAsync(keyRoute.ShardId), (keyRoute.Node.Host, keyRoute.Node.Port));
            }

            // A new row of the tenant lands in its shard, on the node ShardGen sent it to.
            await accounts.InsertAsync(new Account(Tenant, 2, "after isolation", 2m));
            var node = fixture.NodeConnectionString(route.Node.Host, route.Node.Port);
            Assert.Equal(2L, await Sql.ScalarAsync<long>(node, $"SELECT count(*) FROM {Identifiers.Quote($"{tables.Accounts.Name}_{isolated}")} WHERE tenant_id = $1", Tenant));
            Assert.Equal(1L, await Sql.ScalarAsync<long>(node, $"SELECT count(DISTINCT tenant_id) FROM {Identifiers.Quote($"{tables.Accounts.Name}_{isolated}")}"));
        }
        finally
        {
            await fixture.DropTablesAsync(tables.Schema);
        }
    }

    private static bool SameNode(Node a, Node b) => a.Host == b.Host && a.Port == b.Port;

    // Every row the load acknowledged is in the table, and it holds no row the load did not send.
    private async Task AssertAcknowledgedAsync(TableDefinition table, RoutedLoad load, Account? also)
    {
        var rows = await Sql.QueryAsync(fixture.Coordinator, $"SELECT tenant_id, id, owner, balance FROM {Identifiers.Quote(table.Name)}");
        var stored = rows.Select(r => new Account((long)r[0]!, (long)r[1]!, (string)r[2]!, (decimal)r[3]!)).ToDictionary(r => (r.TenantId, r.Id));
        var missing = load.Acknowledged.Where(r => !stored.TryGetValue((r.TenantId, r.Id), out var s) || s != r).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged inserts are not in {table.Name}, e.g. {string.Join(", ", missing.Take(5))}");
        var sent = load.Attempted.ToHashSet();
        if (also is not null)
        {
            sent.Add((also.TenantId, also.Id));
        }

        Assert.DoesNotContain(stored.Keys, k => !sent.Contains(k));
        Assert.True(load.Acknowledged.Count >= 600, $"only {load.Acknowledged.Count} inserts were acknowledged");
    }

    private async Task<Dictionary<long, long>> ShardsOfAsync(string table, IReadOnlyList<long> keys) =>
        (await Sql.QueryAsync(fixture.Coordinator, "SELECT k, get_shard_id_for_distribution_column($1::regclass, k) FROM unnest($2::bigint[]) AS k", table, keys.ToArray()))
        .ToDictionary(r => (long)r[0]!, r => (long)r[1]!);

    // The map puts each shard of the table where pg_dist_placement does.
    private async Task<bool> MapAgreesWithPlacementsAsync(ShardMap map, TableDefinition table)
    {
        var placements = (await Sql.QueryAsync(fixture.Coordinator, """
            SELECT s.shardid, n.nodename, n.nodeport FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
             WHERE s.logicalrelid = $1::regclass AND p.shardstate = 1
            """, table.Name)).ToDictionary(r => (long)r[0]!, r => ((string)r[1]!, (int)r[2]!));
        var routes = map.Shards(table);
        return routes.Count == placements.Count
            && routes.All(r => placements.TryGetValue(r.ShardId, out var node) && node == (r.Node.Host, r.Node.Port));
    }
}
