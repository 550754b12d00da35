using ShardGen.Model;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Citus;

/// <summary>
/// The model against what a Citus cluster really holds: a table the cluster has in another shape is refused when the
/// map loads, with the table and both sides named; ApplySchemaAsync from several processes at once creates each table
/// once, distributed and colocated as the model says, and a second run changes nothing.
/// </summary>
[Collection("citus-topology")]
public sealed class CitusModelCheckTests(CitusTopologyFixture fixture)
{
    private const string ApplyPrefix = "sgt_apply_";

    [SkippableTheory]
    [InlineData("distribution column")]
    [InlineData("reference table distributed")]
    [InlineData("colocation")]
    [InlineData("column type")]
    public async Task A_table_the_cluster_has_in_another_shape_fails_the_map_load_naming_the_table_and_both_sides(string difference)
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var (schema, setup, expected) = Mismatch(difference);
        await fixture.DropTablesAsync(schema);
        try
        {
            foreach (var statement in setup)
            {
                await Sql.ExecuteAsync(fixture.Coordinator, statement);
            }

            await using var source = fixture.CreateSource(schema);
            var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.RefreshAsync());
            var found = Assert.Single(error.Differences);
            foreach (var part in expected)
            {
                Assert.Contains(await WithColocationIdsAsync(part), found, StringComparison.Ordinal);
            }

            Assert.Contains(found, error.Message, StringComparison.Ordinal);
            Assert.Null(source.CurrentShardMap);

            // The first call fails the same way, before anything is sent to a node.
            await using var first = fixture.CreateSource(schema);
            var firstError = await Assert.ThrowsAsync<SchemaMismatchException>(() => first.GetShardMapAsync().AsTask());
            Assert.Equal(error.Differences, firstError.Differences);
        }
        finally
        {
            await fixture.DropTablesAsync(schema);
        }
    }

    [SkippableFact]
    public async Task ApplySchemaAsync_from_four_processes_at_once_distributes_each_table_once_and_a_second_run_changes_nothing()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);

        // The whole test model under names of its own: four colocation groups, two reference tables, a local table.
        var schema = new SchemaDefinition(ShardDatabase.Schema.Tables.Select(t => CitusTopologyFixture.Renamed(t, ApplyPrefix + t.Name)).ToArray());
        await fixture.DropTablesAsync(schema);
        try
        {
            var sources = Enumerable.Range(0, 4).Select(_ => fixture.CreateSource(schema, b => b.UseShardCount(4))).ToArray();
            try
            {
                using var start = new Barrier(sources.Length);
                await Task.WhenAll(sources.Select(s => Task.Run(async () =>
                {
                    start.SignalAndWait();
                    await s.ApplySchemaAsync();
                })));
            }
            finally
            {
                foreach (var source in sources)
                {
                    await source.DisposeAsync();
                }
            }

            var partitions = (await Sql.QueryAsync(fixture.Coordinator, """
                SELECT p.logicalrelid::text, p.partmethod::text, p.repmodel::text, p.colocationid,
                       CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END,
                       (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid)
                  FROM pg_dist_partition p WHERE p.logicalrelid::text LIKE 'sgt\_apply\_%'
                """)).ToDictionary(r => (string)r[0]!);
            var colocationOfGroup = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var table in schema.Tables)
            {
                switch (table.Kind)
                {
                    case TableKind.Distributed:
                        var row = partitions[table.Name];
                        Assert.Equal(("h", "s", table.DistributionColumn, 4L), ((string)row[1]!, (string)row[2]!, (string)row[4]!, (long)row[5]!));
                        var colocation = (int)row[3]!;
                        Assert.Equal(colocationOfGroup.GetValueOrDefault(table.ColocationGroup!, colocation), colocation);
                        colocationOfGroup[table.ColocationGroup!] = colocation;
                        break;
                    case TableKind.Reference:
                        Assert.Equal(("n", "t", 1L), ((string)partitions[table.Name][1]!, (string)partitions[table.Name][2]!, (long)partitions[table.Name][5]!));
                        break;
                    default:
                        // A local table is a plain table of the coordinator's: Citus knows nothing of it.
                        Assert.False(partitions.ContainsKey(table.Name), $"local table {table.Name} was distributed");
                        Assert.Equal(1L, await Sql.ScalarAsync<long>(fixture.Coordinator, "SELECT count(*) FROM pg_class WHERE relname = $1", table.Name));
                        break;
                }
            }

            // One Citus colocation group per model group, and no table besides the model's.
            Assert.Equal(schema.ColocationGroups.Count, colocationOfGroup.Values.Distinct().Count());
            Assert.Equal(schema.Tables.Count(t => t.Kind != TableKind.Local), partitions.Count);

            var before = await CatalogAsync();
            await using (var again = fixture.CreateSource(schema, b => b.UseShardCount(4)))
            {
                await again.ApplySchemaAsync();
                var groups = again.CurrentShardMap!.ColocationGroups;
                Assert.Equal(schema.ColocationGroups.Select(g => g.Name).Order(StringComparer.Ordinal), groups.Select(g => g.Name).Order(StringComparer.Ordinal));
                Assert.All(groups, g => Assert.Equal(4, g.ShardCount));
            }

            Assert.Equal(before, await CatalogAsync());
        }
        finally
        {
            await fixture.DropTablesAsync(schema);
        }
    }

    // "{table}" in an expected part stands for the Citus colocation id of that table.
    private async Task<string> WithColocationIdsAsync(string part)
    {
        var open = part.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return part;
        }

        var close = part.IndexOf('}', open);
        var table = part[(open + 1)..close];
        var id = await Sql.ScalarAsync<int>(fixture.Coordinator, "SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = $1::regclass", table);
        return await WithColocationIdsAsync(part[..open] + id.ToString(System.Globalization.CultureInfo.InvariantCulture) + part[(close + 1)..]);
    }

    // Every catalog row of the tables: distribution, colocation groups, shards and placements.
    private async Task<List<string>> CatalogAsync() =>
        await Sql.ColumnAsync<string>(fixture.Coordinator, """
            SELECT format('partition %s %s %s %s %s', p.logicalrelid, p.partmethod, p.partkey, p.colocationid, p.repmodel)
              FROM pg_dist_partition p WHERE p.logicalrelid::text LIKE 'sgt\_apply\_%'
            UNION ALL
            SELECT format('colocation %s %s %s %s', c.colocationid, c.shardcount, c.replicationfactor, c.distributioncolumntype)
              FROM pg_dist_colocation c WHERE c.colocationid IN (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid::text LIKE 'sgt\_apply\_%')
            UNION ALL
            SELECT format('shard %s %s %s %s placement %s %s %s', s.logicalrelid, s.shardid, s.shardminvalue, s.shardmaxvalue, pl.placementid, pl.groupid, pl.shardstate)
              FROM pg_dist_shard s JOIN pg_dist_placement pl USING (shardid) WHERE s.logicalrelid::text LIKE 'sgt\_apply\_%'
            UNION ALL
            SELECT format('table %s %s', c.relname, c.oid) FROM pg_class c WHERE c.relname LIKE 'sgt\_apply\_%' AND c.relkind = 'r'
            ORDER BY 1
            """);

    // A model of one or two tables, the statements that give the cluster another shape of them, and what the
    // difference must name.
    private static (SchemaDefinition Schema, string[] Setup, string[] Expected) Mismatch(string difference)
    {
        const string Ddl = "\"k\" bigint NOT NULL, \"j\" bigint NOT NULL, \"v\" text, PRIMARY KEY (\"k\", \"j\")";
        ColumnDefinition[] columns = [new("k", "bigint", false), new("j", "bigint", false), new("v", "text", true)];
        TableDefinition Distributed(string name, string group, string column = "k", ColumnDefinition[]? cols = null) =>
            new(name, TableKind.Distributed, cols ?? columns, ["k", "j"], [], column, DistributionKeyType.Int64, group);
        static string Create(string name, string by, string colocateWith = "none") =>
            $"CREATE TABLE {name} ({Ddl}); SELECT create_distributed_table('{name}', '{by}', colocate_with => '{colocateWith}', shard_count => 4)";

        switch (difference)
        {
            case "distribution column":
                return (new SchemaDefinition([Distributed("sgt_mm_column", "sgt_mm_column")]),
                    [Create("sgt_mm_column", "j")],
                    ["table 'sgt_mm_column'", "the model distributes it by \"k\" (bigint)", "the cluster by \"j\" (bigint)"]);
            case "reference table distributed":
                var reference = new TableDefinition("sgt_mm_reference", TableKind.Reference, columns, ["k", "j"], []);
                return (new SchemaDefinition([reference]),
                    [Create("sgt_mm_reference", "k")],
                    ["table 'sgt_mm_reference'", "the model has a reference table", "the cluster has a table distributed by \"k\" (bigint) in Citus colocation group {sgt_mm_reference}"]);
            case "colocation":
                return (new SchemaDefinition([Distributed("sgt_mm_first", "sgt_mm_pair"), Distributed("sgt_mm_second", "sgt_mm_pair")]),
                    [Create("sgt_mm_first", "k"), Create("sgt_mm_second", "k")],
                    ["table 'sgt_mm_second'", "colocation group 'sgt_mm_pair'", "Citus colocation group {sgt_mm_second} and 'sgt_mm_first' in {sgt_mm_first}"]);
            default:
                ColumnDefinition[] intColumns = [columns[0], columns[1], new("v", "integer", true)];
                return (new SchemaDefinition([Distributed("sgt_mm_type", "sgt_mm_type", cols: intColumns)]),
                    [Create("sgt_mm_type", "k")],
                    ["table 'sgt_mm_type'", "column \"v\" is integer in the model, text in the cluster"]);
        }
    }
}
