using ShardGen.Tests.Infrastructure;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

[Collection("sharded")]
public sealed class SchemaTests(ShardedDatabaseFixture fixture)
{
    private const string MetadataSnapshot = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT format('node %s %s %s %s', node_id, name, role, port) AS line FROM shardgen.nodes
            UNION ALL SELECT format('group %s %s %s %s', group_id, name, key_type, shard_count) FROM shardgen.colocation_groups
            UNION ALL SELECT format('table %s %s %s %s', table_name, kind, group_id, fingerprint) FROM shardgen.tables
            UNION ALL SELECT format('shard %s %s %s %s %s', shard_id, table_name, shard_index, min_hash, max_hash) FROM shardgen.shards
            UNION ALL SELECT format('placement %s %s', shard_id, node_id) FROM shardgen.placements
            UNION ALL SELECT format('version %s', version) FROM shardgen.metadata) lines
        """;

    private const string Relations = "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'";

    [Fact]
    public async Task Applying_the_schema_again_changes_nothing_on_any_node()
    {
        var metadataBefore = await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, MetadataSnapshot);
        var relationsBefore = await RelationsOnEveryNodeAsync();

        await fixture.Db.ApplySchemaAsync();
        await using (var other = ShardedDatabaseFixture.CreateSource(fixture.Cluster))
        {
            await new ShardDatabase(other).ApplySchemaAsync();
        }

        Assert.Equal(metadataBefore, await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, MetadataSnapshot));
        Assert.Equal(relationsBefore, await RelationsOnEveryNodeAsync());

        // 10 distributed tables x 32 shards, spread over the workers; reference table on all; local on the coordinator.
        Assert.Equal(10 * 32, await Sql.ScalarAsync<long>(fixture.Cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.shards"));
        Assert.Contains("currencies", relationsBefore[0]);
        Assert.Contains("settings", relationsBefore[0]);
        Assert.All(relationsBefore.Skip(1), r => Assert.Contains("currencies", r));
    }

    [Fact]
    public async Task A_model_that_differs_from_the_cluster_is_reported_with_the_table_and_column()
    {
        var currencies = CurrencyRepository.Definition;
        // A NOT NULL column: an apply cannot add it (docs/schema.md, "Changing the model"; SchemaChanges/ tests the rest).
        var changed = new TableDefinition(
            currencies.Name, currencies.Kind,
            [.. currencies.Columns, new ColumnDefinition("symbol", "text", IsNullable: false)],
            currencies.PrimaryKey, currencies.Statements);
        var schema = new SchemaDefinition([.. ShardDatabase.Schema.Tables.Where(t => t != currencies), changed]);
        var metadataBefore = await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, MetadataSnapshot);

        await using var source = ShardedDatabaseFixture.CreateSource(fixture.Cluster, schema);
        var applyError = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.ApplySchemaAsync());
        var difference = Assert.Single(applyError.Differences);
        Assert.Contains("table 'currencies'", difference);
        Assert.Contains("column \"symbol\" (text NOT NULL), which ApplySchemaAsync cannot add", difference);

        // Routing with such a model is refused too, before any statement runs.
        var loadError = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.GetShardMapAsync().AsTask());
        Assert.Contains("table 'currencies': the model has column \"symbol\" (text NOT NULL), the cluster's table does not", loadError.Message);

        Assert.Equal(metadataBefore, await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, MetadataSnapshot));
    }

    [Fact]
    public async Task A_cluster_without_metadata_asks_for_apply_and_the_shard_count_is_set_per_cluster()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        await using var source = ShardedDatabaseFixture.CreateSource(cluster, shardCount: 4);
        var db = new ShardDatabase(source);
        var error = await Assert.ThrowsAsync<ShardGenException>(() => db.Accounts.GetAsync(1, 1));
        Assert.Contains("ApplySchemaAsync", error.Message);

        await db.ApplySchemaAsync();
        var shards = await ShardMetadata.ShardsAsync(cluster.CoordinatorConnectionString, "accounts");
        Assert.Equal([0, 1, 2, 3], shards.Select(s => s.Index));
        Assert.Equal([int.MinValue, -1073741824, 0, 1073741824], shards.Select(s => s.Min));
        Assert.Equal(int.MaxValue, shards[3].Max);
        Assert.All(shards, s => Assert.Equal(cluster.Workers[0].Port, s.Port));
        await db.Accounts.InsertAsync(new Account(99, 1, "four shards", 1m));
        Assert.Equal(1, await db.Accounts.CountAllAsync());
    }

    private async Task<List<string>> RelationsOnEveryNodeAsync()
    {
        var result = new List<string>();
        foreach (var node in fixture.Cluster.Nodes)
        {
            result.Add(await Sql.ScalarAsync<string>(node.ConnectionString, Relations));
        }

        return result;
    }
}
