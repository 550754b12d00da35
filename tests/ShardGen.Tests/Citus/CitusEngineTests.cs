using ShardGen.Model;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Citus;

/// <summary>
/// The same generated repositories on a real Citus cluster (<see cref="CitusFixture"/>): the topology read from
/// Citus's catalogs, routed calls sent to the node that holds the placement and written against the distributed
/// table, reference and local tables, transactions committed by Citus, bulk COPY through Citus. What the cluster holds
/// is checked with SQL sent straight to the coordinator and to the nodes.
/// </summary>
[Collection("citus")]
public sealed class CitusEngineTests(CitusFixture fixture)
{
    [SkippableFact]
    public async Task The_map_is_Citus_s_own_shards_and_placements()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var map = await fixture.Source.RefreshAsync();
        var shards = await Sql.QueryAsync(fixture.CoordinatorConnectionString, """
            SELECT s.shardid, s.shardminvalue::int, s.shardmaxvalue::int, n.nodename, n.nodeport
              FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n ON n.groupid = p.groupid
             WHERE s.logicalrelid = 'accounts'::regclass ORDER BY s.shardminvalue::int
            """);
        var routes = map.Shards(AccountRepository.Definition);
        Assert.Equal(shards.Count, routes.Count);
        var group = map.GroupOf(AccountRepository.Definition)!;
        for (var i = 0; i < routes.Count; i++)
        {
            Assert.Equal((long)shards[i][0]!, routes[i].ShardId);
            Assert.Equal((int)shards[i][1]!, group.MinHash(i));
            Assert.Equal((int)shards[i][2]!, group.MaxHash(i));
            Assert.Equal(((string)shards[i][3]!, (int)shards[i][4]!), (routes[i].Node.Host, routes[i].Node.Port));
        }

        // Colocated in the model, colocated in Citus: the same placement for every shard of the group.
        var entries = map.Shards(EntryRepository.Definition);
        Assert.Equal(routes.Select(r => r.Node), entries.Select(r => r.Node));
    }

    [SkippableFact]
    public async Task A_routed_write_lands_in_the_shard_Citus_names_on_the_node_ShardGen_sent_it_to()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var db = fixture.Db;
        for (long tenant = 1; tenant <= 40; tenant++)
        {
            await db.Accounts.InsertAsync(new Account(tenant, 1, $"owner {tenant}", 10.5m * tenant));
        }

        for (long tenant = 1; tenant <= 40; tenant++)
        {
            var route = await fixture.Source.RouteAsync(AccountRepository.Definition, tenant);
            var shardId = await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT get_shard_id_for_distribution_column('accounts', $1::bigint)", tenant);
            Assert.Equal(shardId, route.ShardId);

            // Straight to the node: the row is in that node's shard table.
            var node = fixture.NodeConnectionString(route.Node.Host, route.Node.Port);
            var owner = await Sql.ScalarAsync<string>(node, $"SELECT owner FROM {Identifiers.Quote($"accounts_{shardId}")} WHERE tenant_id = $1 AND id = 1", tenant);
            Assert.Equal($"owner {tenant}", owner);
            Assert.Equal(new Account(tenant, 1, $"owner {tenant}", 10.5m * tenant), await db.Accounts.GetAsync(tenant, 1));
        }

        Assert.True(await db.Accounts.UpdateAsync(new Account(3, 1, "renamed", 1m)));
        Assert.Equal("renamed", await Sql.ScalarAsync<string>(fixture.CoordinatorConnectionString, "SELECT owner FROM accounts WHERE tenant_id = 3 AND id = 1"));
        Assert.True(await db.Accounts.DeleteAsync(4, 1));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM accounts WHERE tenant_id = 4"));

        // Every shard at once: one statement that Citus runs, not one per shard.
        var all = await db.Accounts.ListAllAsync();
        var expected = await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM accounts");
        Assert.Equal(expected, all.Count);
        Assert.Equal(expected, await db.Accounts.CountAllAsync());
    }

    [SkippableFact]
    public async Task Every_column_type_round_trips_through_Citus_with_values_and_with_nulls()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var full = Integration.RepositoryTests.FullSample();
        var empty = Integration.RepositoryTests.EmptySample();
        await fixture.Db.TypeSamples.InsertAsync(full);
        await fixture.Db.TypeSamples.InsertAsync(empty);
        Integration.RepositoryTests.AssertSame(full, await fixture.Db.TypeSamples.GetAsync(full.TenantId, full.Id));
        Integration.RepositoryTests.AssertSame(empty, await fixture.Db.TypeSamples.GetAsync(empty.TenantId, empty.Id));

        // The table Citus distributed has the model's column types; the null row is null where it should be.
        var types = await Sql.QueryAsync(fixture.CoordinatorConnectionString,
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'all_types'", CitusFixture.Schema);
        var typeOf = types.ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal("numeric", typeOf["dec"]);
        Assert.Equal("timestamp with time zone", typeOf["moment"]);
        Assert.Equal("bytea", typeOf["bytes_n"]);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString,
            "SELECT count(*) FROM all_types WHERE tenant_id = $1 AND id = 2 AND flag_n IS NULL AND dec_n IS NULL AND moment_n IS NULL AND bytes_n IS NULL", empty.TenantId));
    }

    [SkippableFact]
    public async Task Reference_rows_reach_every_node_and_local_rows_stay_on_the_coordinator()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var db = fixture.Db;
        await db.Currencies.InsertAsync(new Currency("NOK", "Norwegian krone", 2));
        await db.Settings.InsertAsync(new Setting("citus-engine", "on"));
        Assert.Equal("Norwegian krone", (await db.Currencies.GetAsync("NOK"))!.Name);
        Assert.Equal("on", (await db.Settings.GetAsync("citus-engine"))!.Value);

        var nodes = await Sql.QueryAsync(fixture.CoordinatorConnectionString, "SELECT nodename, nodeport, groupid FROM pg_dist_node WHERE isactive AND noderole = 'primary'");
        var referenceShard = await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT shardid FROM pg_dist_shard WHERE logicalrelid = 'currencies'::regclass");
        foreach (var node in nodes.Where(n => (int)n[2]! != 0))
        {
            var connection = fixture.NodeConnectionString((string)node[0]!, (int)node[1]!);
            Assert.Equal(1L, await Sql.ScalarAsync<long>(connection, $"SELECT count(*) FROM currencies_{referenceShard} WHERE code = 'NOK'"));
            Assert.Equal(0L, await Sql.ScalarAsync<long>(connection, "SELECT count(*) FROM pg_class WHERE relname = 'settings'"));
        }

        Assert.Equal(1L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM settings WHERE key = 'citus-engine'"));
    }

    [SkippableFact]
    public async Task A_transaction_over_two_nodes_commits_everywhere_or_nowhere_through_Citus()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var map = await fixture.Source.RefreshAsync();
        var (a, b) = TenantsOnTwoNodes(map);
        var source = fixture.Source;
        var db = fixture.Db;

        await using (var transaction = await source.BeginTransactionAsync())
        {
            await db.Entries.InsertAsync(new Entry(a, 900, 1, 5m, "a"));
            await db.Entries.InsertAsync(new Entry(b, 900, 1, -5m, "b"));
            await db.Currencies.UpsertAsync(new Currency("TX1", "in a transaction", 0));
            Assert.Single(transaction.Participants);
            await transaction.CommitAsync();
            Assert.False(transaction.UsedTwoPhaseCommit);
        }

        Assert.Equal(2L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM entries WHERE id = 900 AND tenant_id = ANY($1)", (object)new[] { a, b }));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM currencies WHERE code = 'TX1'"));

        await using (var transaction = await source.BeginTransactionAsync())
        {
            await db.Entries.InsertAsync(new Entry(a, 901, 1, 5m, "a"));
            await db.Entries.InsertAsync(new Entry(b, 901, 1, -5m, "b"));
            Assert.NotNull(await db.Entries.GetAsync(b, 901));
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM entries WHERE id = 901"));
    }

    [SkippableFact]
    public async Task A_transaction_whose_session_is_on_a_worker_refuses_a_local_table_before_sending_anything()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var map = await fixture.Source.RefreshAsync();
        var (a, _) = TenantsOnTwoNodes(map);
        await using var transaction = await fixture.Source.BeginTransactionAsync();
        await fixture.Db.Entries.InsertAsync(new Entry(a, 950, 1, 1m, null));
        var error = await Assert.ThrowsAsync<ShardTransactionException>(() => fixture.Db.Settings.InsertAsync(new Setting("from-a-worker", "x")));
        Assert.Contains("local table lives only on the coordinator", error.Message, StringComparison.Ordinal);
        await transaction.RollbackAsync();
        Assert.Equal(0L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM settings WHERE key = 'from-a-worker'"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM entries WHERE id = 950"));
    }

    [SkippableFact]
    public async Task Bulk_insert_copies_through_Citus_into_every_shard()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var rows = Enumerable.Range(0, 5000).Select(i => new Counter(i % 97, 10_000 + i, i)).ToList();
        Assert.Equal(5000, await fixture.Db.Counters.BulkInsertAsync(rows));
        Assert.Equal(5000L, await Sql.ScalarAsync<long>(fixture.CoordinatorConnectionString, "SELECT count(*) FROM counters WHERE id >= 10000"));
        Assert.Equal((decimal)rows.Sum(r => r.Value), await Sql.ScalarAsync<decimal>(fixture.CoordinatorConnectionString, "SELECT sum(value) FROM counters WHERE id >= 10000"));
        foreach (var region in new[] { 0, 13, 96 })
        {
            Assert.Equal(rows.Count(r => r.Region == region), (await fixture.Db.Counters.ListAsync(region)).Count(c => c.Id >= 10_000));
        }
    }

    private static (long A, long B) TenantsOnTwoNodes(ShardMap map)
    {
        var a = 1L;
        var nodeA = map.Route(EntryRepository.Definition, a).Node;
        var b = Enumerable.Range(2, 1000).Select(i => (long)i).First(t => !ReferenceEquals(map.Route(EntryRepository.Definition, t).Node, nodeA));
        return (a, b);
    }
}
