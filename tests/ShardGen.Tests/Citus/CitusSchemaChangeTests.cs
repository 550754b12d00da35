using ShardGen.Model;
using ShardGen.Tests.Infrastructure;
using static ShardGen.Tests.SchemaChanges.ModelVersions;

namespace ShardGen.Tests.Citus;

/// <summary>
/// Changing the model on Citus: ApplySchemaAsync adds the nullable columns of a newer model with one ALTER TABLE on
/// the coordinator, which Citus propagates to every shard and copy, while a process with the older model goes on;
/// a NOT NULL column is refused with nothing changed, and a newer model that was not applied fails naming the column.
/// </summary>
[Collection("citus-topology")]
public sealed class CitusSchemaChangeTests(CitusTopologyFixture fixture)
{
    private static readonly TableDefinition NotesV1 = Distributed("sgt_sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"));
    private static readonly TableDefinition NotesV2 = Distributed("sgt_sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"), Column("tag", "text", nullable: true));
    private static readonly TableDefinition KindsV1 = Reference("sgt_sc_kinds", 1, Column("code", "text"), Column("label", "text"));
    private static readonly TableDefinition KindsV2 = Reference("sgt_sc_kinds", 1, Column("code", "text"), Column("label", "text"), Column("color", "text", nullable: true));

    private static readonly SchemaDefinition V1 = new([NotesV1, KindsV1]);
    private static readonly SchemaDefinition V2 = new([NotesV2, KindsV2]);

    // The columns of every placement of a table, on whichever node holds it.
    private const string PlacementColumns = """
        SELECT DISTINCT result FROM run_command_on_placements($1,
            $$SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0 AND NOT attisdropped$$)
        """;

    [SkippableFact]
    public async Task A_newer_model_adds_its_nullable_columns_to_every_shard_while_the_older_one_keeps_serving()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        await fixture.DropTablesAsync(V1);
        try
        {
            await using var older = fixture.CreateSource(V1, b => b.UseShardCount(4).UseMapRefresh(TimeSpan.Zero));
            await older.ApplySchemaAsync();
            for (var id = 1L; id <= 12; id++)
            {
                await older.InsertAsync(NotesV1, id, id, $"note {id}");
            }

            await older.InsertAsync(KindsV1, "a", "first");

            await using (var newer = fixture.CreateSource(V2, b => b.UseShardCount(4)))
            {
                await newer.ApplySchemaAsync();
                await newer.InsertAsync(NotesV2, 5L, 500L, "tagged", "red");
                Assert.Equal(new object?[] { 5L, 500L, "tagged", "red" }, await newer.GetAsync(NotesV2, 5L, 500L));
                Assert.Equal(new object?[] { 1L, 1L, "note 1", null }, await newer.GetAsync(NotesV2, 1L, 1L));
                await newer.InsertAsync(KindsV2, "b", "second", "green");
                Assert.Equal(new object?[] { "a", "first", null }, await newer.GetAsync(KindsV2, "a"));
            }

            foreach (var refreshed in new[] { false, true })
            {
                if (refreshed)
                {
                    await older.RefreshAsync();
                }

                var id = refreshed ? 2001L : 2000L;
                await older.InsertAsync(NotesV1, 5L, id, "older");
                Assert.Equal(new object?[] { 5L, 500L, "tagged" }, await older.GetAsync(NotesV1, 5L, 500L));
                Assert.Equal(1, await older.UpdateAsync(NotesV1, 1L, 1L, $"older update {refreshed}"));
                Assert.Equal(new object?[] { "b", "second" }, await older.GetAsync(KindsV1, "b"));
            }

            Assert.Equal(["tenant_id,id,body,tag"], await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementColumns, NotesV2.Name));
            Assert.Equal(["code,label,color"], await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementColumns, KindsV2.Name));
            Assert.Equal("red", await Sql.ScalarAsync<string>(fixture.Coordinator, "SELECT tag FROM sgt_sc_notes WHERE tenant_id = 5 AND id = 500"));
            Assert.Equal(15L, await older.CountAllAsync(NotesV1));

            // Applying again, with either model, changes nothing.
            await using (var again = fixture.CreateSource(V2))
            {
                await again.ApplySchemaAsync();
            }

            await older.ApplySchemaAsync();
            Assert.Equal(["tenant_id,id,body,tag"], await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementColumns, NotesV2.Name));
        }
        finally
        {
            await fixture.DropTablesAsync(V1);
        }
    }

    [SkippableFact]
    public async Task A_not_null_column_is_refused_and_a_newer_model_not_yet_applied_fails_naming_the_column()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        await fixture.DropTablesAsync(V1);
        try
        {
            await using (var first = fixture.CreateSource(V1, b => b.UseShardCount(4)))
            {
                await first.ApplySchemaAsync();
            }

            await using (var newer = fixture.CreateSource(V2))
            {
                var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => newer.RefreshAsync());
                Assert.Equal(2, error.Differences.Count);
                Assert.Contains(error.Differences, d => d.StartsWith("table 'sgt_sc_notes': the model has column \"tag\" (text), the cluster's table has no such column", StringComparison.Ordinal)
                    && d.Contains("apply it first with ApplySchemaAsync", StringComparison.Ordinal));
            }

            var notNull = Distributed("sgt_sc_notes", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("body", "text"), Column("tag", "text"));
            await using (var refused = fixture.CreateSource(new SchemaDefinition([notNull, KindsV2])))
            {
                var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => refused.ApplySchemaAsync());
                var difference = Assert.Single(error.Differences);
                Assert.Contains("table 'sgt_sc_notes': the model adds column \"tag\" (text NOT NULL), which ApplySchemaAsync cannot add", difference, StringComparison.Ordinal);
            }

            // Nothing was added, not even the nullable column of the other table.
            Assert.Equal(["tenant_id,id,body"], await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementColumns, NotesV1.Name));
            Assert.Equal(["code,label"], await Sql.ColumnAsync<string>(fixture.Coordinator, PlacementColumns, KindsV1.Name));
        }
        finally
        {
            await fixture.DropTablesAsync(V1);
        }
    }

    [SkippableFact]
    public async Task A_changed_type_modifier_is_refused_without_the_opt_in_and_made_on_every_placement_with_it()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var before = Distributed("sgt_sc_prices", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "numeric(10,2)"), Column("code", "character varying(4)"));
        var after = Distributed("sgt_sc_prices", 2, Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "numeric(12,3)"), Column("code", "character varying(8)"));
        var schema = new SchemaDefinition([before]);
        await fixture.DropTablesAsync(schema);
        try
        {
            await using (var first = fixture.CreateSource(schema, b => b.UseShardCount(4)))
            {
                await first.ApplySchemaAsync();
                await first.InsertAsync(before, 1L, 1L, 41.55m, "ab");
            }

            const string types = """
                SELECT DISTINCT result FROM run_command_on_placements($1,
                    $$SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0 AND NOT attisdropped$$)
                """;
            Assert.Equal(["tenant_id bigint,id bigint,amount numeric(10,2),code character varying(4)"], await Sql.ColumnAsync<string>(fixture.Coordinator, types, before.Name));

            await using var newer = fixture.CreateSource(new SchemaDefinition([after]));

            // The model check compares the modifiers as format_type reads them; a process with either model runs.
            Assert.Equal(41.55m, (await newer.GetAsync(after, 1L, 1L))![2]);
            var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => newer.ApplySchemaAsync());
            Assert.Equal(2, error.Differences.Count);
            Assert.Contains(error.Differences, d => d.Contains("column \"amount\" is numeric(12,3) in the model, numeric(10,2) in the cluster", StringComparison.Ordinal)
                && d.Contains("AllowDestructiveChanges", StringComparison.Ordinal));

            await newer.ApplySchemaAsync(new SchemaApplyOptions { AllowDestructiveChanges = true });
            Assert.Equal(["tenant_id bigint,id bigint,amount numeric(12,3),code character varying(8)"], await Sql.ColumnAsync<string>(fixture.Coordinator, types, before.Name));
            Assert.Equal(41.55m, (await newer.GetAsync(after, 1L, 1L))![2]);
        }
        finally
        {
            await fixture.DropTablesAsync(schema);
        }
    }
}
