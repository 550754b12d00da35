using ShardGen.Model;
using ShardGen.Tests.Infrastructure;
using static ShardGen.Tests.SchemaChanges.ModelVersions;

namespace ShardGen.Tests.Citus;

/// <summary>
/// Migrations on Citus (docs/citus.md): defaults, constraints and indexes the model adds go through the coordinator,
/// which propagates them to every placement, while a process with the older model serves; hand-written steps run once;
/// destructive changes need the opt-in; the dry run lists what the coordinator would run.
/// </summary>
[Collection("citus-topology")]
public sealed class CitusMigrationTests(CitusTopologyFixture fixture)
{
    private static readonly TableDefinition KindsV1 = Reference("sgt_mg_kinds", 1, Column("code", "text"), Column("label", "text"));
    private static readonly TableDefinition NotesV1 = Distributed("sgt_mg_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"));
    private static readonly TableDefinition NotesV2 = Distributed("sgt_mg_notes", 2,
            Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"),
            Column("priority", "integer") with { DefaultSql = "0" }, Column("kind", "text", nullable: true))
        .With(
            indexes: [new IndexDefinition("sgt_mg_notes_kind_idx", ["tenant_id", "kind"]) { Where = "kind IS NOT NULL" },
                new IndexDefinition("sgt_mg_notes_body_search", []) { Method = IndexMethod.Gin, Expression = "to_tsvector('simple', body)" }],
            uniques: [new UniqueConstraintDefinition("sgt_mg_notes_tenant_body_key", ["tenant_id", "body"])],
            checks: [new CheckConstraintDefinition("sgt_mg_notes_priority_check", "priority >= 0")],
            foreignKeys: [new ForeignKeyDefinition("sgt_mg_notes_kind_fkey", ["kind"], "sgt_mg_kinds", ["code"])]);

    private static readonly SchemaDefinition V1 = new([KindsV1, NotesV1]);
    private static readonly SchemaDefinition V2 = new([KindsV1, NotesV2]);

    // Per placement of a table: its columns with defaults, its constraints and its indexes (shard ids left out).
    private const string PlacementShape = """
        SELECT DISTINCT regexp_replace(result, '_[0-9]{6,}', '_{id}', 'g') FROM run_command_on_placements($1, $$
            SELECT (SELECT string_agg(format('%%s%%s%%s', a.attname, CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')), ', ' ORDER BY a.attnum)
                      FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = '%1$s'::regclass AND a.attnum > 0 AND NOT a.attisdropped)
                || ' | ' || (SELECT string_agg(format('%%s %%s', conname, CASE WHEN convalidated THEN 'valid' ELSE 'not valid' END), ', ' ORDER BY conname) FROM pg_constraint WHERE conrelid = '%1$s'::regclass)
                || ' | ' || (SELECT string_agg(format('%%s %%s', i.relname, CASE WHEN x.indisvalid THEN 'valid' ELSE 'invalid' END), ', ' ORDER BY i.relname) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = '%1$s'::regclass)
        $$)
        """;

    private const string ForgetSteps = "DO $$BEGIN IF to_regclass('shardgen.migration_steps') IS NOT NULL THEN DELETE FROM shardgen.migration_steps WHERE step_id LIKE 'sgt-%'; END IF; END$$";

    [SkippableFact]
    public async Task A_week_two_model_is_applied_through_the_coordinator_while_the_week_one_process_serves()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        await fixture.DropTablesAsync(new SchemaDefinition([NotesV1, KindsV1]));
        try
        {
            await using var older = fixture.CreateSource(V1, b => b.UseShardCount(4).UseMapRefresh(TimeSpan.Zero));
            await older.ApplySchemaAsync();
            await older.InsertAsync(KindsV1, "idea", "Idea");
            for (var id = 1L; id <= 40; id++)
            {
                await older.InsertAsync(NotesV1, id, id, $"note {id}");
            }

            await using var newer = fixture.CreateSource(V2, b => b.UseShardCount(4));
            var plan = await newer.PlanSchemaAsync();
            Assert.Empty(plan.Refused);
            Assert.All(plan.Statements, s => Assert.Equal("coordinator", s.Node));
            Assert.Contains(plan.Statements, s => s.Phase == "indexes" && s.Sql.StartsWith("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"sgt_mg_notes_body_search\"", StringComparison.Ordinal));

            using var stop = new CancellationTokenSource();
            var served = 0;
            var serving = Task.Run(async () =>
            {
                for (var id = 1000L; !stop.IsCancellationRequested; id++)
                {
                    await older.InsertAsync(NotesV1, id, id, $"during {id}");
                    Interlocked.Increment(ref served);
                }
            });
            while (Volatile.Read(ref served) < 3)
            {
                await Task.Delay(10);
            }

            await newer.ApplySchemaAsync();
            await stop.CancelAsync();
            await serving;

            await older.RefreshAsync();
            await older.InsertAsync(NotesV1, 3L, 5000L, "older after");
            Assert.Equal(new object?[] { 3L, 5000L, "older after", 0, null }, await newer.GetAsync(NotesV2, 3L, 5000L));
            await newer.InsertAsync(NotesV2, 3L, 5001L, "newer", 2, "idea");
            var duplicate = await Assert.ThrowsAsync<ShardOperationException>(() => newer.InsertAsync(NotesV2, 3L, 5002L, "newer", 2, "idea"));
            Assert.Contains("sgt_mg_notes_tenant_body_key", duplicate.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<ShardOperationException>(() => newer.InsertAsync(NotesV2, 3L, 5003L, "orphan", 2, "no such kind"));

            var shape = Assert.Single(await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementShape, NotesV2.Name));
            Assert.Equal(
                "tenant_id not null, id not null, body not null, priority not null default 0, kind | "
                + "sgt_mg_notes_kind_fkey_{id} valid, sgt_mg_notes_pkey_{id} valid, sgt_mg_notes_priority_check_{id} valid, sgt_mg_notes_tenant_body_key_{id} valid | "
                + "sgt_mg_notes_body_search_{id} valid, sgt_mg_notes_kind_idx_{id} valid, sgt_mg_notes_pkey_{id} valid, sgt_mg_notes_tenant_body_key_{id} valid",
                shape);
            Assert.True((await newer.PlanSchemaAsync()).IsEmpty);
        }
        finally
        {
            await fixture.DropTablesAsync(new SchemaDefinition([NotesV1, KindsV1]));
        }
    }

    [SkippableFact]
    public async Task Steps_run_once_and_destructive_changes_need_the_opt_in()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var before = Distributed("sgt_mg_items", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "integer"), Column("legacy", "text", nullable: true));
        var after = Distributed("sgt_mg_items", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "bigint"), Column("tag", "text", nullable: true));
        await fixture.DropTablesAsync(new SchemaDefinition([before]));
        await Sql.ExecuteAsync(fixture.Coordinator, ForgetSteps);
        try
        {
            await using (var first = fixture.CreateSource(new SchemaDefinition([before]), b => b.UseShardCount(4)))
            {
                await first.ApplySchemaAsync();
                await first.InsertAsync(before, 1L, 1L, 41, "old");
                await first.InsertAsync(before, 2L, 2L, 42, null);
            }

            ShardedDataSource Migrating() => fixture.CreateSource(new SchemaDefinition([after]), b => b.AddMigrationStep("sgt-tag-items", after, "UPDATE {table} SET tag = coalesce(tag, '') || 'x'"));
            await using var source = Migrating();
            var refused = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.ApplySchemaAsync());
            Assert.Contains("column \"amount\" is bigint in the model, integer in the cluster", Assert.Single(refused.Differences), StringComparison.Ordinal);

            var options = new SchemaApplyOptions { AllowDestructiveChanges = true };
            var plan = await source.PlanSchemaAsync(options);
            Assert.Contains(plan.Statements, s => s.Phase == "destructive" && s.Sql.Contains("ALTER COLUMN \"amount\" TYPE bigint", StringComparison.Ordinal) && s.Sql.Contains("DROP COLUMN IF EXISTS \"legacy\"", StringComparison.Ordinal));
            Assert.Contains(plan.Statements, s => s.Phase == "steps" && s.Sql == "UPDATE \"sgt_mg_items\" SET tag = coalesce(tag, '') || 'x'");

            await using var second = Migrating();
            await Task.WhenAll(source.ApplySchemaAsync(options), second.ApplySchemaAsync(options));
            await source.ApplySchemaAsync(options);

            Assert.Equal(["x", "x"], await Sql.ColumnAsync<string>(fixture.Coordinator, "SELECT tag FROM sgt_mg_items ORDER BY id"));
            Assert.Equal(new object?[] { 1L, 1L, 41L, "x" }, await source.GetAsync(after, 1L, 1L));
            Assert.Equal(["tenant_id,id,amount,tag"], await Sql.ColumnAsync<string>(fixture.Coordinator,
                "SELECT DISTINCT result FROM run_command_on_placements('sgt_mg_items', $$SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0 AND NOT attisdropped$$)"));
        }
        finally
        {
            await fixture.DropTablesAsync(new SchemaDefinition([before]));
            await Sql.ExecuteAsync(fixture.Coordinator, ForgetSteps);
        }
    }
}
