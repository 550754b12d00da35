using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using static ShardGen.Tests.SchemaChanges.ModelVersions;

namespace ShardGen.Tests.SchemaChanges;

/// <summary>
/// Changing the model of a native cluster that holds rows (docs/schema.md, "Changing the model"): a process with the
/// older model keeps serving while a newer one adds nullable columns, on every shard table and copy at once; a change
/// an apply does not make is refused with nothing altered; applies from several processes add the columns once; and a
/// process whose model the cluster cannot serve fails, naming the table and the column.
/// </summary>
public sealed class SchemaChangeTests(SchemaChangeTests.RefusalCluster refusals) : IClassFixture<SchemaChangeTests.RefusalCluster>
{
    private const int ShardCount = 8;

    private static readonly TableDefinition NotesV1 = Distributed("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"));
    private static readonly TableDefinition NotesV2 = Distributed("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"), Column("tag", "text", nullable: true));
    private static readonly TableDefinition KindsV1 = Reference("sc_kinds", 1, Column("code", "text"), Column("label", "text"));
    private static readonly TableDefinition KindsV2 = Reference("sc_kinds", 1, Column("code", "text"), Column("label", "text"), Column("color", "text", nullable: true));
    private static readonly TableDefinition SettingsV1 = Local("sc_settings", 1, Column("name", "text"), Column("value", "text", nullable: true));
    private static readonly TableDefinition SettingsV2 = Local("sc_settings", 1, Column("name", "text"), Column("value", "text", nullable: true), Column("note", "text", nullable: true));

    private static readonly SchemaDefinition V1 = new([NotesV1, KindsV1, SettingsV1]);
    private static readonly SchemaDefinition V2 = new([NotesV2, KindsV2, SettingsV2]);

    private const string Metadata = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT format('table %s %s %s', table_name, fingerprint, canonical) AS line FROM shardgen.tables
            UNION ALL SELECT format('version %s', version) FROM shardgen.metadata) lines
        """;

    // Every table of the public schema named {table} or {table}_{shardid}, with its columns in order.
    private const string Structures = """
        SELECT c.relname, string_agg(format('%s %s%s', a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END), ', ' ORDER BY a.attnum)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND (c.relname = $1 OR c.relname ~ ('^' || $1 || '_[0-9]+$'))
         GROUP BY c.relname
        """;

    [Fact]
    public async Task A_process_with_the_older_model_keeps_reading_and_writing_while_a_newer_one_adds_nullable_columns_to_every_shard()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var older = Build(cluster, V1);
        await older.ApplySchemaAsync();
        for (var id = 1L; id <= 40; id++)
        {
            await older.InsertAsync(NotesV1, id % 7, id, $"note {id}");
        }

        await older.InsertAsync(KindsV1, "a", "first");
        await older.InsertAsync(SettingsV1, "mode", "on");
        var versionBefore = older.CurrentShardMap!.Version;

        // The older process serves calls all through the migration.
        using var stop = new CancellationTokenSource();
        var served = 0;
        var serving = Task.Run(async () =>
        {
            for (var id = 1000L; !stop.IsCancellationRequested; id++)
            {
                await older.InsertAsync(NotesV1, id % 7, id, "during");
                Assert.Equal("during", (await older.GetAsync(NotesV1, id % 7, id))![2]);
                await older.UpdateAsync(NotesV1, 3L, 3L, $"updated {id}");
                Interlocked.Increment(ref served);
            }
        });

        await using (var newer = Build(cluster, V2))
        {
            while (Volatile.Read(ref served) < 5)
            {
                await Task.Delay(10);
            }

            await newer.ApplySchemaAsync();
            var during = Volatile.Read(ref served);
            while (Volatile.Read(ref served) < during + 5)
            {
                await Task.Delay(10);
            }

            await stop.CancelAsync();
            await serving;

            // The newer model writes and reads its column; rows written before it read as NULL there.
            await newer.InsertAsync(NotesV2, 5L, 500L, "tagged", "red");
            Assert.Equal(new object?[] { 5L, 500L, "tagged", "red" }, await newer.GetAsync(NotesV2, 5L, 500L));
            Assert.Equal(new object?[] { 1L, 1L, "note 1", null }, await newer.GetAsync(NotesV2, 1L, 1L));
            Assert.Equal(1, await newer.UpdateAsync(NotesV2, 1L, 1L, "note 1", "blue"));
            await newer.InsertAsync(KindsV2, "b", "second", "green");
            await newer.InsertAsync(SettingsV2, "size", "10", "from the newer model");
            Assert.Equal(new object?[] { "a", "first", null }, await newer.GetAsync(KindsV2, "a"));
            Assert.Equal(new object?[] { "mode", "on", null }, await newer.GetAsync(SettingsV2, "mode"));

            // The older process, with the map it had, and again after it loaded the new one.
            foreach (var refreshed in new[] { false, true })
            {
                if (refreshed)
                {
                    Assert.True((await older.RefreshAsync()).Version > versionBefore);
                }
                else
                {
                    Assert.Equal(versionBefore, older.CurrentShardMap!.Version);
                }

                var id = refreshed ? 2001L : 2000L;
                await older.InsertAsync(NotesV1, 5L, id, "older");
                Assert.Equal(new object?[] { 5L, id, "older", null }, await newer.GetAsync(NotesV2, 5L, id));
                Assert.Equal(new object?[] { 5L, 500L, "tagged" }, await older.GetAsync(NotesV1, 5L, 500L));

                // An UPDATE of the older model names its own columns: the newer column keeps its value.
                Assert.Equal(1, await older.UpdateAsync(NotesV1, 1L, 1L, $"older update {refreshed}"));
                Assert.Equal(new object?[] { 1L, 1L, $"older update {refreshed}", "blue" }, await newer.GetAsync(NotesV2, 1L, 1L));

                await older.InsertAsync(KindsV1, $"k{id}", "older");
                Assert.Equal(new object?[] { $"k{id}", "older", null }, await newer.GetAsync(KindsV2, $"k{id}"));
                Assert.Equal(new object?[] { "b", "second" }, await older.GetAsync(KindsV1, "b"));
                await older.InsertAsync(SettingsV1, $"s{id}", "older");
                Assert.Equal(new object?[] { "size", "10" }, await older.GetAsync(SettingsV1, "size"));
            }

            Assert.Equal(await older.CountAllAsync(NotesV1), await newer.CountAllAsync(NotesV2));
        }

        // Every shard table, and every copy, has the same columns in the same order.
        const string Notes = "tenant_id bigint not null, id bigint not null, body text not null, tag text";
        var shardTables = await StructuresAsync(cluster.WorkerConnectionStrings, "sc_notes");
        Assert.Equal(ShardCount, shardTables.Count);
        Assert.All(shardTables.Values, s => Assert.Equal(Notes, s));
        Assert.Equal([0L, 0L], await CountOnEachAsync(cluster.WorkerConnectionStrings, "SELECT count(*) FROM pg_prepared_xacts"));
        var kinds = await StructuresAsync(cluster.Nodes.Select(n => n.ConnectionString), "sc_kinds");
        Assert.Equal(3, kinds.Count);
        Assert.All(kinds.Values, s => Assert.Equal("code text not null, label text not null, color text", s));
        Assert.Equal("name text not null, value text, note text", Assert.Single(await StructuresAsync([cluster.CoordinatorConnectionString], "sc_settings")).Value);

        // The cluster records the newer model, which is now identical to it.
        var recorded = await Sql.QueryAsync(cluster.CoordinatorConnectionString, "SELECT table_name, fingerprint FROM shardgen.tables ORDER BY table_name");
        Assert.Equal(V2.Tables.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (t.Name, t.Fingerprint)), recorded.Select(r => ((string)r[0]!, (string)r[1]!)));
    }

    [Theory]
    [InlineData("type")]
    [InlineData("key")]
    [InlineData("not null")]
    [InlineData("kind")]
    public async Task A_change_apply_does_not_make_is_refused_naming_the_table_and_column_and_nothing_is_altered(string change)
    {
        var cluster = refusals.Cluster;
        // With the change, a nullable column for another table that would be added if the apply went on.
        var (changed, expected) = change switch
        {
            "type" => (Distributed("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "integer")),
                new[] { "table 'sc_notes'", "column \"body\" is integer in the model, text in the cluster" }),
            "key" => (Distributed("sc_notes", 3, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text")),
                new[] { "table 'sc_notes'", "primary key is (tenant_id, id, body), the cluster's (tenant_id, id)" }),
            "not null" => (Distributed("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"), Column("tag", "text")),
                new[] { "table 'sc_notes'", "column \"tag\" (text NOT NULL)", "or make the property nullable" }),
            _ => (Reference("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text")),
                new[] { "table 'sc_notes'", "the model has a reference table, the cluster a distributed one" }),
        };
        var metadataBefore = await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, Metadata);
        var structuresBefore = await StructuresAsync(cluster.Nodes.Select(n => n.ConnectionString), "sc_kinds");

        await using var source = Build(cluster, new SchemaDefinition([changed, KindsV2, SettingsV1]));
        var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.ApplySchemaAsync());
        var difference = Assert.Single(error.Differences);
        Assert.All(expected, part => Assert.Contains(part, difference, StringComparison.Ordinal));
        Assert.Contains("ApplySchemaAsync", difference, StringComparison.Ordinal);

        Assert.Equal(metadataBefore, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, Metadata));
        Assert.Equal(structuresBefore, await StructuresAsync(cluster.Nodes.Select(n => n.ConnectionString), "sc_kinds"));
        var shardTables = await StructuresAsync(cluster.WorkerConnectionStrings, "sc_notes");
        Assert.All(shardTables.Values, s => Assert.Equal("tenant_id bigint not null, id bigint not null, body text not null", s));
        await using var older = Build(cluster, V1);
        Assert.Equal(new object?[] { 1L, 1L, "kept" }, await older.GetAsync(NotesV1, 1L, 1L));
    }

    [Fact]
    public async Task Four_processes_applying_the_newer_model_at_once_all_succeed_and_add_the_columns_once()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using (var first = Build(cluster, V1))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(NotesV1, 1L, 1L, "kept");
        }

        var versionBefore = await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT version FROM shardgen.metadata");
        var sources = Enumerable.Range(0, 4).Select(_ => Build(cluster, V2)).ToArray();
        try
        {
            using var start = new Barrier(sources.Length);
            await Task.WhenAll(sources.Select(s => Task.Run(async () =>
            {
                start.SignalAndWait();
                await s.ApplySchemaAsync();
            })));
            Assert.All(sources, s => Assert.Equal(versionBefore + 1, s.CurrentShardMap!.Version));
            Assert.Equal(new object?[] { 1L, 1L, "kept", null }, await sources[3].GetAsync(NotesV2, 1L, 1L));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }

        Assert.Equal(versionBefore + 1, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT version FROM shardgen.metadata"));
        Assert.All((await StructuresAsync(cluster.WorkerConnectionStrings, "sc_notes")).Values,
            s => Assert.Equal("tenant_id bigint not null, id bigint not null, body text not null, tag text", s));
        Assert.Equal([0L, 0L], await CountOnEachAsync(cluster.WorkerConnectionStrings, "SELECT count(*) FROM pg_prepared_xacts"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.commit_decisions"));
    }

    [Fact]
    public async Task A_process_whose_model_the_cluster_cannot_serve_fails_naming_the_table_and_the_column()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using (var first = Build(cluster, V1))
        {
            await first.ApplySchemaAsync();
        }

        // A newer model deployed before it was applied: the cluster lacks the column it reads.
        await using (var newer = Build(cluster, V2))
        {
            var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => newer.GetAsync(NotesV2, 1L, 1L));
            Assert.Equal(3, error.Differences.Count);
            var notes = Assert.Single(error.Differences, d => d.StartsWith("table 'sc_notes'", StringComparison.Ordinal));
            Assert.Contains("the model has column \"tag\" (text, nullable), the cluster's table does not", notes, StringComparison.Ordinal);
            Assert.Contains("apply it first with ApplySchemaAsync", notes, StringComparison.Ordinal);
            Assert.Null(newer.CurrentShardMap);
        }

        // A model that dropped a NOT NULL property: its INSERTs would leave the column out.
        var dropped = Distributed("sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"));
        await using (var dropping = Build(cluster, new SchemaDefinition([dropped, KindsV1, SettingsV1])))
        {
            var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => dropping.RefreshAsync());
            var difference = Assert.Single(error.Differences);
            Assert.Contains("table 'sc_notes': the cluster's table has column \"body\" (text NOT NULL), which the model does not", difference, StringComparison.Ordinal);
        }

        // A model without a nullable column the cluster has is served: its statements name their columns.
        await using (var newer = Build(cluster, V2))
        {
            await newer.ApplySchemaAsync();
        }

        await using var older = Build(cluster, V1);
        await older.InsertAsync(NotesV1, 1L, 1L, "still served");
        Assert.Equal(new object?[] { 1L, 1L, "still served" }, await older.GetAsync(NotesV1, 1L, 1L));
        await older.ApplySchemaAsync();
        Assert.Contains("column tag text null", await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT canonical FROM shardgen.tables WHERE table_name = 'sc_notes'"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_added_after_a_migration_gets_the_clusters_shape_of_every_reference_table_whichever_model_adds_it()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3);
        await using (var first = Build(cluster, V1, workers: 2))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(KindsV1, "a", "first");
        }

        await using (var newer = Build(cluster, V2, workers: 2))
        {
            await newer.ApplySchemaAsync();
            await newer.InsertAsync(KindsV2, "b", "second", "green");
        }

        // The older model adds the worker: its copy takes the cluster's columns, and the rows come over by column name.
        await using var older = Build(cluster, V1, workers: 3);
        await older.ApplySchemaAsync();
        Assert.Equal("code text not null, label text not null, color text", Assert.Single(await StructuresAsync([cluster.Workers[2].ConnectionString], "sc_kinds")).Value);
        Assert.Equal(
            ["a first ", "b second green"],
            await Sql.ColumnAsync<string>(cluster.Workers[2].ConnectionString, "SELECT concat_ws(' ', code, label, coalesce(color, '')) FROM sc_kinds ORDER BY code"));
    }

    [Fact]
    public async Task A_shard_count_that_differs_from_an_existing_groups_is_refused_not_ignored()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 1);
        await using (var first = Build(cluster, V1))
        {
            await first.ApplySchemaAsync();
        }

        var metadataBefore = await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, Metadata);
        await using var other = Build(cluster, V2, shardCount: 16);
        var error = await Assert.ThrowsAsync<ShardGenException>(() => other.ApplySchemaAsync());
        Assert.Contains("Colocation group 'sc_notes' has 8 shards in the cluster, but the data source was built with UseShardCount(16)", error.Message, StringComparison.Ordinal);
        Assert.Equal(metadataBefore, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, Metadata));

        // Without UseShardCount, existing groups keep their count.
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(V2).UseMapRefresh(TimeSpan.Zero).AddWorker(cluster.WorkerConnectionStrings[0], "worker1");
        await using var unset = builder.Build();
        await unset.ApplySchemaAsync();
        Assert.Equal(ShardCount, unset.CurrentShardMap!.ColocationGroups.Single().ShardCount);
    }

    /// <summary>A cluster with the older model applied and one row, shared by the refusals (which change nothing).</summary>
    public sealed class RefusalCluster : IAsyncLifetime
    {
        public LocalPostgresCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Cluster = await LocalPostgresCluster.StartAsync(workers: 2);
            await using var first = Build(Cluster, V1);
            await first.ApplySchemaAsync();
            await first.InsertAsync(NotesV1, 1L, 1L, "kept");
        }

        public async Task DisposeAsync()
        {
            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }
        }
    }

    private static ShardedDataSource Build(LocalPostgresCluster cluster, SchemaDefinition schema, int? workers = null, int shardCount = ShardCount)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(schema).UseShardCount(shardCount).UseMapRefresh(TimeSpan.Zero);
        for (var i = 0; i < (workers ?? cluster.Workers.Count); i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    private static async Task<Dictionary<string, string>> StructuresAsync(IEnumerable<string> nodes, string table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var row in await Sql.QueryAsync(node, Structures, table))
            {
                // A name twice (a reference copy on every node) is told apart by the node.
                result.Add(result.ContainsKey((string)row[0]!) ? $"{row[0]}@{node}" : (string)row[0]!, (string)row[1]!);
            }
        }

        return result;
    }

    private static async Task<List<long>> CountOnEachAsync(IEnumerable<string> nodes, string sql)
    {
        var counts = new List<long>();
        foreach (var node in nodes)
        {
            counts.Add(await Sql.ScalarAsync<long>(node, sql));
        }

        return counts;
    }
}
