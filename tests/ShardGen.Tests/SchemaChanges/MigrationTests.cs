using System.Text.RegularExpressions;
using Npgsql;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using static ShardGen.Tests.SchemaChanges.ModelVersions;

namespace ShardGen.Tests.SchemaChanges;

/// <summary>
/// Migrations of a native cluster that holds rows (docs/schema.md, "Changing the model"): defaults, indexes and
/// constraints added online while an older process serves; index builds that let writes through and are finished by the
/// next apply after a kill; violations named; destructive changes only with the opt-in; hand-written steps run once;
/// the dry run. Structures are compared across every shard table with SQL sent straight to the workers.
/// </summary>
public sealed partial class MigrationTests
{
    private const int ShardCount = 8;

    private static readonly TableDefinition KindsV1 = Reference("mg_kinds", 1, Column("code", "text"), Column("label", "text"));
    private static readonly TableDefinition NotesV1 = Distributed("mg_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"));

    // Week two: a NOT NULL column with a default, a nullable one, a check, a unique constraint, an index, a full-text
    // index and a foreign key to the reference table.
    private static readonly TableDefinition NotesV2 = Distributed("mg_notes", 2,
            Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"),
            Column("priority", "integer") with { DefaultSql = "0" }, Column("kind", "text", nullable: true))
        .With(
            indexes: [new IndexDefinition("mg_notes_kind_idx", ["tenant_id", "kind"]) { Where = "kind IS NOT NULL" },
                new IndexDefinition("mg_notes_body_search", []) { Method = IndexMethod.Gin, Expression = "to_tsvector('simple', body)" }],
            uniques: [new UniqueConstraintDefinition("mg_notes_tenant_body_key", ["tenant_id", "body"])],
            checks: [new CheckConstraintDefinition("mg_notes_priority_check", "priority >= 0")],
            foreignKeys: [new ForeignKeyDefinition("mg_notes_kind_fkey", ["kind"], "mg_kinds", ["code"])]);

    private static readonly SchemaDefinition V1 = new([KindsV1, NotesV1]);
    private static readonly SchemaDefinition V2 = new([KindsV1, NotesV2]);

    // Every table named {table} or {table}_{shardid} on a node: its columns (with defaults), constraints and indexes, shard ids replaced by {id}.
    private const string Structure = """
        SELECT c.relname,
               (SELECT string_agg(format('%s %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                                         coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')), ', ' ORDER BY a.attnum)
                  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
               || E'\n' || coalesce((SELECT string_agg(format('constraint %s %s%s', con.conname, pg_get_constraintdef(con.oid), CASE WHEN con.convalidated THEN '' ELSE ' (not valid)' END), E'\n' ORDER BY con.conname)
                  FROM pg_constraint con WHERE con.conrelid = c.oid AND con.contype <> 'c' OR (con.conrelid = c.oid AND con.contype = 'c' AND con.conname NOT LIKE '%hash_range')), '')
               || E'\n' || coalesce((SELECT string_agg(format('index %s%s', pg_get_indexdef(x.indexrelid), CASE WHEN x.indisvalid THEN '' ELSE ' (invalid)' END), E'\n' ORDER BY i.relname)
                  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), '')
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND (c.relname = $1 OR c.relname ~ ('^' || $1 || '_[0-9]+$'))
        """;

    [Fact]
    public async Task A_week_two_model_is_applied_online_while_the_week_one_process_reads_and_writes_and_every_shard_ends_identical()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var older = Build(cluster, V1);
        await older.ApplySchemaAsync();
        await older.InsertAsync(KindsV1, "idea", "Idea");
        for (var id = 1L; id <= 200; id++)
        {
            await older.InsertAsync(NotesV1, id % 11, id, $"note {id}");
        }

        using var stop = new CancellationTokenSource();
        var served = 0;
        var serving = Task.Run(async () =>
        {
            for (var id = 1000L; !stop.IsCancellationRequested; id++)
            {
                await older.InsertAsync(NotesV1, id % 11, id, $"during {id}");
                Assert.Equal($"during {id}", (await older.GetAsync(NotesV1, id % 11, id))![2]);
                Interlocked.Increment(ref served);
            }
        });

        await using var newer = Build(cluster, V2);
        await WaitForAsync(() => Volatile.Read(ref served) >= 5);
        await newer.ApplySchemaAsync();
        var afterApply = Volatile.Read(ref served);
        await WaitForAsync(() => Volatile.Read(ref served) >= afterApply + 5);
        await stop.CancelAsync();
        await serving;

        // The older process, before and after it loads the new map: its INSERTs leave priority out and get the default.
        await older.RefreshAsync();
        await older.InsertAsync(NotesV1, 3L, 5000L, "older after");
        Assert.Equal(new object?[] { 3L, 5000L, "older after", 0, null }, await newer.GetAsync(NotesV2, 3L, 5000L));
        Assert.Equal(new object?[] { 1L, 1L, "note 1", 0, null }, await newer.GetAsync(NotesV2, 1L, 1L));
        await newer.InsertAsync(NotesV2, 3L, 5001L, "newer", 2, "idea");
        Assert.Equal(new object?[] { 3L, 5001L, "newer" }, await older.GetAsync(NotesV1, 3L, 5001L));
        Assert.Equal(201L + Volatile.Read(ref served) + 1, await newer.CountAllAsync(NotesV2));

        // Every shard table has the same columns, constraints and indexes, all valid; nothing is left prepared.
        var shards = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_notes");
        Assert.Equal(ShardCount, shards.Count);
        var structure = Assert.Single(shards.Values.Distinct());
        foreach (var part in new[]
        {
            "priority integer not null default 0, kind text",
            "constraint mg_notes_kind_fkey_{id} FOREIGN KEY (kind) REFERENCES mg_kinds(code)",
            "constraint mg_notes_priority_check_{id} CHECK ((priority >= 0))",
            "constraint mg_notes_tenant_body_key_{id} UNIQUE (tenant_id, body)",
            "index CREATE INDEX mg_notes_body_search_{id} ON public.mg_notes_{id} USING gin (to_tsvector('simple'::regconfig, body))",
            "index CREATE INDEX mg_notes_kind_idx_{id} ON public.mg_notes_{id} USING btree (tenant_id, kind) WHERE (kind IS NOT NULL)",
        })
        {
            Assert.Contains(part, structure, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("not valid", structure, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid", structure, StringComparison.Ordinal);
        Assert.Equal(new[] { 0L, 0L }, await CountOnEachAsync(cluster.WorkerConnectionStrings, "SELECT count(*) FROM pg_prepared_xacts"));

        // The cluster records the model; a second apply has nothing to do.
        Assert.Equal(NotesV2.Fingerprint, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT fingerprint FROM shardgen.tables WHERE table_name = 'mg_notes'"));
        Assert.True((await newer.PlanSchemaAsync()).IsEmpty);
    }

    [Fact]
    public async Task An_index_build_lets_writes_through_and_a_build_killed_midway_is_cleaned_up_and_finished_by_the_next_apply()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var source = Build(cluster, V1);
        await source.ApplySchemaAsync();
        await source.InsertAsync(KindsV1, "idea", "Idea");
        for (var id = 1L; id <= 100; id++)
        {
            await source.InsertAsync(NotesV1, id, id, $"note {id}");
        }

        var indexed = new SchemaDefinition([KindsV1, NotesV1.With(indexes: [new IndexDefinition("mg_notes_body_idx", ["body"])])]);
        var worker1 = cluster.WorkerConnectionStrings[0];

        // A snapshot held on worker 1: CREATE INDEX CONCURRENTLY there waits for it, as for any older transaction.
        await using var holder = new NpgsqlConnection(worker1);
        await holder.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1", holder))
        {
            await begin.ExecuteNonQueryAsync();
        }

        await using var migrating = Build(cluster, indexed);
        var apply = Task.Run(() => migrating.ApplySchemaAsync());
        var buildPid = await WaitForBuildAsync(worker1);

        // While the build on worker 1 waits, writes to every shard there (and elsewhere) go through.
        var keysOnWorker1 = new List<long>();
        for (var key = 1000L; keysOnWorker1.Count < 20; key++)
        {
            var route = await source.RouteAsync(NotesV1, (ShardKey)key);
            if (route.Node.Name == "worker1")
            {
                keysOnWorker1.Add(key);
            }
        }

        foreach (var key in keysOnWorker1)
        {
            await source.InsertAsync(NotesV1, key, key, "written during the build");
        }

        Assert.False(apply.IsCompleted);

        // The apply's process dies mid-build: its backend is killed. The build it left on that shard is invalid.
        await Sql.ExecuteAsync(worker1, "SELECT pg_terminate_backend($1)", buildPid);
        var failure = await Assert.ThrowsAsync<ShardGenException>(() => apply);
        Assert.Contains("mg_notes_body_idx_", failure.Message, StringComparison.Ordinal);
        Assert.Contains("worker1", failure.Message, StringComparison.Ordinal);
        await holder.CloseAsync();
        var before = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_notes");
        Assert.Contains(before.Values, s => s.Contains("(invalid)", StringComparison.Ordinal));

        // Re-run: the leftover is dropped and made again; every shard ends with the same valid index; no write was lost.
        await using (var again = Build(cluster, indexed))
        {
            await again.ApplySchemaAsync();
        }

        var after = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_notes");
        Assert.Equal(ShardCount, after.Count);
        var structure = Assert.Single(after.Values.Distinct());
        Assert.Contains("index CREATE INDEX mg_notes_body_idx_{id} ON public.mg_notes_{id} USING btree (body)", structure, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid", structure, StringComparison.Ordinal);
        Assert.Equal(120L, await source.CountAllAsync(NotesV1));
    }

    [Fact]
    public async Task Violations_of_unique_and_foreign_key_constraints_name_table_constraint_and_shard_and_keep_key_values_out()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        await using var source = Build(cluster, V2);
        await source.ApplySchemaAsync();
        await source.InsertAsync(KindsV1, "idea", "Idea");
        await source.InsertAsync(NotesV2, 7L, 1L, "secret body", 1, "idea");

        var duplicate = await Assert.ThrowsAsync<ShardOperationException>(() => source.InsertAsync(NotesV2, 7L, 2L, "secret body", 1, "idea"));
        Assert.Contains("constraint \"mg_notes_tenant_body_key\" of table 'mg_notes'", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("23505", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("shard", duplicate.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret body", duplicate.Message, StringComparison.Ordinal);

        var orphan = await Assert.ThrowsAsync<ShardOperationException>(() => source.InsertAsync(NotesV2, 7L, 3L, "other", 1, "no such kind"));
        Assert.Contains("constraint \"mg_notes_kind_fkey\" of table 'mg_notes'", orphan.Message, StringComparison.Ordinal);
        Assert.Contains("23503", orphan.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("no such kind", orphan.Message, StringComparison.Ordinal);

        var negative = await Assert.ThrowsAsync<ShardOperationException>(() => source.InsertAsync(NotesV2, 7L, 4L, "third", -1, null));
        Assert.Contains("constraint \"mg_notes_priority_check\"", negative.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await source.CountAllAsync(NotesV2));
    }

    [Fact]
    public async Task Constraints_the_rows_violate_fail_the_apply_by_name_and_the_next_apply_finishes_once_the_rows_are_fixed()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var amounts = Distributed("mg_amounts", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "integer"));
        await using (var first = Build(cluster, new SchemaDefinition([amounts])))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(amounts, 1L, 1L, 5);
            await first.InsertAsync(amounts, 1L, 2L, -5);
            await first.InsertAsync(amounts, 2L, 3L, 5);
            await first.InsertAsync(amounts, 2L, 4L, 5);
        }

        var constrained = amounts.With(
            checks: [new CheckConstraintDefinition("mg_amounts_positive", "amount > 0")],
            uniques: [new UniqueConstraintDefinition("mg_amounts_tenant_amount_key", ["tenant_id", "amount"])]);
        await using var source = Build(cluster, new SchemaDefinition([constrained]));

        // The duplicate (2, 5) fails the unique index's build on its shard, before any constraint is recorded.
        var unique = await Assert.ThrowsAsync<ShardGenException>(() => source.ApplySchemaAsync());
        Assert.Contains("mg_amounts_tenant_amount_key_", unique.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate", unique.Message, StringComparison.Ordinal);
        await Sql.ExecuteAsync(await WorkerOfAsync(cluster, source, constrained, 2L), $"UPDATE {await ShardTableAsync(source, constrained, 2L)} SET amount = 6 WHERE id = 4");

        // The check was added NOT VALID (new rows are checked); validating it finds the old row that breaks it.
        var check = await Assert.ThrowsAsync<ShardGenException>(() => source.ApplySchemaAsync());
        Assert.Contains("mg_amounts_positive_", check.Message, StringComparison.Ordinal);
        Assert.Contains("NOT VALID", check.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ShardOperationException>(() => source.InsertAsync(constrained, 3L, 5L, -1));
        await Sql.ExecuteAsync(await WorkerOfAsync(cluster, source, constrained, 1L), $"UPDATE {await ShardTableAsync(source, constrained, 1L)} SET amount = 1 WHERE id = 2");

        await source.ApplySchemaAsync();
        var structure = Assert.Single((await StructuresAsync(cluster.WorkerConnectionStrings, "mg_amounts")).Values.Distinct());
        Assert.Contains("constraint mg_amounts_positive_{id} CHECK ((amount > 0))", structure, StringComparison.Ordinal);
        Assert.Contains("constraint mg_amounts_tenant_amount_key_{id} UNIQUE (tenant_id, amount)", structure, StringComparison.Ordinal);
        Assert.DoesNotContain("not valid", structure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destructive_changes_are_refused_without_the_opt_in_shown_by_the_dry_run_and_made_with_it()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var before = Distributed("mg_items", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "integer"), Column("legacy", "text", nullable: true));
        await using (var first = Build(cluster, new SchemaDefinition([before])))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(before, 1L, 1L, 41, "old");
            await first.InsertAsync(before, 2L, 2L, 42, null);
        }

        var after = Distributed("mg_items", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "bigint"));
        await using var source = Build(cluster, new SchemaDefinition([after]));
        var structuresBefore = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_items");
        var metadata = await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT canonical FROM shardgen.tables WHERE table_name = 'mg_items'");

        var refused = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.ApplySchemaAsync());
        var difference = Assert.Single(refused.Differences);
        Assert.Contains("column \"amount\" is bigint in the model, integer in the cluster", difference, StringComparison.Ordinal);
        Assert.Contains("AllowDestructiveChanges", difference, StringComparison.Ordinal);

        var options = new SchemaApplyOptions { AllowDestructiveChanges = true };
        var plan = await source.PlanSchemaAsync(options);
        Assert.Empty(plan.Refused);
        var destructive = plan.Statements.Where(s => s.Phase == "destructive").ToArray();
        Assert.Equal(ShardCount, destructive.Length);
        Assert.All(destructive, s => Assert.Matches("""^ALTER TABLE "mg_items_\d+" ALTER COLUMN "amount" TYPE bigint USING "amount"::bigint, DROP COLUMN IF EXISTS "legacy"$""", s.Sql));
        Assert.Equal(["worker1", "worker2"], destructive.Select(s => s.Node).Distinct().Order());
        Assert.Contains("-- phase: destructive", plan.ToString(), StringComparison.Ordinal);
        Assert.Equal(structuresBefore, await StructuresAsync(cluster.WorkerConnectionStrings, "mg_items"));
        Assert.Equal(metadata, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT canonical FROM shardgen.tables WHERE table_name = 'mg_items'"));

        await source.ApplySchemaAsync(options);
        Assert.All((await StructuresAsync(cluster.WorkerConnectionStrings, "mg_items")).Values,
            s => Assert.StartsWith("tenant_id bigint not null, id bigint not null, amount bigint not null\n", s, StringComparison.Ordinal));
        Assert.Equal(new object?[] { 1L, 1L, 41L }, await source.GetAsync(after, 1L, 1L));
        Assert.Equal(after.Fingerprint, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT fingerprint FROM shardgen.tables WHERE table_name = 'mg_items'"));
    }

    [Fact]
    public async Task Hand_written_steps_run_once_on_every_copy_even_when_two_processes_apply_at_once()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var counters = Reference("mg_counters", 1, Column("name", "text"), Column("runs", "integer"));
        await using (var first = Build(cluster, new SchemaDefinition([counters, NotesV1])))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(counters, "backfill", 0);
            for (var id = 1L; id <= 50; id++)
            {
                await first.InsertAsync(NotesV1, id, id, $"note {id}");
            }
        }

        var tagged = Distributed("mg_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"), Column("tag", "text", nullable: true));
        var schema = new SchemaDefinition([counters, tagged]);
        ShardedDataSource Migrating() => Builder(cluster, schema)
            .AddMigrationStep("2026-12-03-tag-old-notes", tagged, "UPDATE {table} SET tag = 'legacy' WHERE tag IS NULL")
            .AddMigrationStep("2026-12-03-count-runs", counters, "UPDATE {table} SET runs = runs + 1")
            .Build();

        var sources = new[] { Migrating(), Migrating() };
        try
        {
            var plan = await sources[0].PlanSchemaAsync();
            Assert.Equal(ShardCount, plan.Statements.Count(s => s.Phase == "steps" && s.Sql.StartsWith("UPDATE \"mg_notes_", StringComparison.Ordinal)));
            Assert.Equal(3, plan.Statements.Count(s => s.Phase == "steps" && s.Sql == "UPDATE \"mg_counters\" SET runs = runs + 1"));

            using var start = new Barrier(sources.Length);
            await Task.WhenAll(sources.Select(s => Task.Run(async () =>
            {
                start.SignalAndWait();
                await s.ApplySchemaAsync();
            })));
            await sources[0].ApplySchemaAsync();
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }

        Assert.Equal(new[] { 1, 1, 1 }, await Task.WhenAll(cluster.Nodes.Select(n => Sql.ScalarAsync<int>(n.ConnectionString, "SELECT runs FROM mg_counters WHERE name = 'backfill'"))));
        await using var reader = Build(cluster, schema);
        Assert.Equal(50L, await reader.CountAllAsync(tagged));
        Assert.Equal(new object?[] { 9L, 9L, "note 9", "legacy" }, await reader.GetAsync(tagged, 9L, 9L));
        Assert.Equal(
            ["2026-12-03-count-runs", "2026-12-03-tag-old-notes"],
            await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT step_id FROM shardgen.migration_steps ORDER BY step_id"));
    }

    [Fact]
    public async Task New_tables_get_their_constraints_and_indexes_on_every_shard_and_foreign_keys_between_colocated_shards_hold()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var accounts = DistributedIn("mg_tenants", "mg_accounts", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("email", "text"))
            .With(uniques: [new UniqueConstraintDefinition("mg_accounts_email_key", ["tenant_id", "email"])]);
        var orders = DistributedIn("mg_tenants", "mg_orders", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("account_id", "bigint"), Column("kind", "text"))
            .With(
                indexes: [new IndexDefinition("mg_orders_account_idx", ["tenant_id", "account_id"]) { Include = ["kind"] }],
                foreignKeys: [new ForeignKeyDefinition("mg_orders_account_fkey", ["tenant_id", "account_id"], "mg_accounts", ["tenant_id", "id"]) { OnDelete = ReferentialAction.Cascade },
                    new ForeignKeyDefinition("mg_orders_kind_fkey", ["kind"], "mg_kinds", ["code"])]);
        await using var source = Build(cluster, new SchemaDefinition([KindsV1, accounts, orders]));
        await source.ApplySchemaAsync();

        var shards = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_orders");
        Assert.Equal(ShardCount, shards.Count);
        foreach (var (table, structure) in shards)
        {
            var id = table["mg_orders_".Length..];
            Assert.Contains($"constraint mg_orders_account_fkey_{{id}} FOREIGN KEY (tenant_id, account_id) REFERENCES mg_accounts_{{id}}(tenant_id, id) ON DELETE CASCADE", structure, StringComparison.Ordinal);
            Assert.Contains("index CREATE INDEX mg_orders_account_idx_{id} ON public.mg_orders_{id} USING btree (tenant_id, account_id) INCLUDE (kind)", structure, StringComparison.Ordinal);
            Assert.DoesNotContain("not valid", structure, StringComparison.Ordinal);

            // The referenced shard is the one of the same index in the colocated table: the same hash range, on the same worker.
            var referenced = await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString,
                "SELECT r.shard_id::text FROM shardgen.shards o JOIN shardgen.shards r ON r.shard_index = o.shard_index AND r.table_name = 'mg_accounts' WHERE o.table_name = 'mg_orders' AND o.shard_id = $1::bigint", id);
            Assert.Contains($"REFERENCES mg_accounts_{referenced}(", (await Sql.QueryAsync(await NodeOfShardAsync(cluster, id), "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1", $"mg_orders_account_fkey_{id}"))[0][0] as string, StringComparison.Ordinal);
        }

        await source.InsertAsync(KindsV1, "web", "Web");
        await source.InsertAsync(accounts, 4L, 1L, "a@example.com");
        await source.InsertAsync(orders, 4L, 10L, 1L, "web");
        var missingAccount = await Assert.ThrowsAsync<ShardOperationException>(() => source.InsertAsync(orders, 4L, 11L, 2L, "web"));
        Assert.Contains("mg_orders_account_fkey", missingAccount.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await source.CountAllAsync(orders));
    }

    private static async Task<string> NodeOfShardAsync(LocalPostgresCluster cluster, string shardId)
    {
        var port = await Sql.ScalarAsync<int>(cluster.CoordinatorConnectionString,
            "SELECT n.port FROM shardgen.placements p JOIN shardgen.nodes n USING (node_id) WHERE p.shard_id = $1::bigint", shardId);
        return cluster.Workers.Single(w => new NpgsqlConnectionStringBuilder(w.ConnectionString).Port == port).ConnectionString;
    }

    private static async Task<string> WorkerOfAsync(LocalPostgresCluster cluster, ShardedDataSource source, TableDefinition table, long key)
    {
        var route = await source.RouteAsync(table, (ShardKey)key);
        return cluster.WorkerConnectionStrings[route.Node.Name == "worker1" ? 0 : 1];
    }

    private static async Task<string> ShardTableAsync(ShardedDataSource source, TableDefinition table, long key) =>
        Identifiers.Quote((await source.RouteAsync(table, (ShardKey)key)).ShardTable);

    // The backend of a CREATE INDEX CONCURRENTLY on the node, once it waits (for the snapshot the test holds).
    private static async Task<int> WaitForBuildAsync(string node)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var pids = await Sql.ColumnAsync<int>(node,
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'");
            if (pids.Count > 0)
            {
                return pids[0];
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No index build started waiting on the node within 30 s.");
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var attempt = 0; !condition(); attempt++)
        {
            if (attempt > 3000)
            {
                throw new TimeoutException("The condition did not hold within 30 s.");
            }

            await Task.Delay(10);
        }
    }

    private static ShardedDataSourceBuilder Builder(LocalPostgresCluster cluster, SchemaDefinition schema)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(schema).UseShardCount(ShardCount).UseMapRefresh(TimeSpan.Zero);
        for (var i = 0; i < cluster.Workers.Count; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder;
    }

    private static ShardedDataSource Build(LocalPostgresCluster cluster, SchemaDefinition schema) => Builder(cluster, schema).Build();

    private static async Task<Dictionary<string, string>> StructuresAsync(IEnumerable<string> nodes, string table)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var row in await Sql.QueryAsync(node, Structure, table))
            {
                var name = (string)row[0]!;
                result.Add(result.ContainsKey(name) ? $"{name}@{node}" : name, ShardIds().Replace((string)row[1]!, "_{id}"));
            }
        }

        return result;
    }

    private static async Task<long[]> CountOnEachAsync(IEnumerable<string> nodes, string sql) =>
        await Task.WhenAll(nodes.Select(n => Sql.ScalarAsync<long>(n, sql)));

    [GeneratedRegex(@"_\d{6,}")]
    private static partial Regex ShardIds();
}
