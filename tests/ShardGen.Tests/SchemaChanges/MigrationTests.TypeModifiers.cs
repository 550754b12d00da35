using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using static ShardGen.Tests.SchemaChanges.ModelVersions;

namespace ShardGen.Tests.SchemaChanges;

/// <summary>A changed type modifier (docs/schema.md, "Type modifiers"): a destructive type change that processes with either model live with.</summary>
public sealed partial class MigrationTests
{
    [Fact]
    public async Task A_changed_type_modifier_is_made_on_every_shard_only_with_the_opt_in_and_processes_with_either_model_keep_running()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var before = Distributed("mg_prices", 2,
            Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "numeric"), Column("code", "character varying(4)"),
            Column("at", "timestamp with time zone"));
        var at = new DateTime(2026, 3, 1, 10, 11, 12, DateTimeKind.Utc).AddTicks(6_000_000 - 1);
        await using (var first = Build(cluster, new SchemaDefinition([before])))
        {
            await first.ApplySchemaAsync();
            await first.InsertAsync(before, 1L, 1L, 41.555m, "ab", at);
        }

        var after = Distributed("mg_prices", 2,
            Column("tenant_id", "bigint"), Column("id", "bigint"), Column("amount", "numeric(12,2)"), Column("code", "character varying(8)"),
            Column("at", "timestamp(0) with time zone"));
        await using var source = Build(cluster, new SchemaDefinition([after]));

        // Before the apply, the newer model reads and writes: the values have the same types.
        Assert.Equal(41.555m, (await source.GetAsync(after, 1L, 1L))![2]);
        await source.InsertAsync(after, 2L, 2L, 7.5m, "cd", at);

        var structuresBefore = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_prices");
        var refused = await Assert.ThrowsAsync<SchemaMismatchException>(() => source.ApplySchemaAsync());
        Assert.Equal(3, refused.Differences.Count);
        Assert.Contains(refused.Differences, d => d.Contains("column \"amount\" is numeric(12,2) in the model, numeric in the cluster", StringComparison.Ordinal));
        Assert.Contains(refused.Differences, d => d.Contains("column \"code\" is character varying(8) in the model, character varying(4) in the cluster", StringComparison.Ordinal));
        Assert.Contains(refused.Differences, d => d.Contains("column \"at\" is timestamp(0) with time zone in the model, timestamp with time zone in the cluster", StringComparison.Ordinal));
        Assert.All(refused.Differences, d => Assert.Contains("AllowDestructiveChanges", d, StringComparison.Ordinal));
        Assert.Equal(structuresBefore, await StructuresAsync(cluster.WorkerConnectionStrings, "mg_prices"));

        var options = new SchemaApplyOptions { AllowDestructiveChanges = true };
        var destructive = (await source.PlanSchemaAsync(options)).Statements.Where(s => s.Phase == "destructive").ToArray();
        Assert.Equal(ShardCount, destructive.Length);
        Assert.All(destructive, s => Assert.Matches(
            """^ALTER TABLE "mg_prices_\d+" ALTER COLUMN "amount" TYPE numeric\(12,2\) USING "amount"::numeric\(12,2\), ALTER COLUMN "code" TYPE character varying\(8\) USING "code"::character varying\(8\), ALTER COLUMN "at" TYPE timestamp\(0\) with time zone USING "at"::timestamp\(0\) with time zone$""",
            s.Sql));

        await source.ApplySchemaAsync(options);
        var shards = await StructuresAsync(cluster.WorkerConnectionStrings, "mg_prices");
        Assert.Equal(ShardCount, shards.Count);
        Assert.All(shards.Values, s => Assert.StartsWith(
            "tenant_id bigint not null, id bigint not null, amount numeric(12,2) not null, code character varying(8) not null, at timestamp(0) with time zone not null\n",
            s, StringComparison.Ordinal));
        Assert.Equal(after.Fingerprint, await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT fingerprint FROM shardgen.tables WHERE table_name = 'mg_prices'"));

        // The servers cast the rows: rounded to the scale and to whole seconds.
        var row = (await source.GetAsync(after, 1L, 1L))!;
        Assert.Equal(41.56m, row[2]);
        Assert.Equal(new DateTime(2026, 3, 1, 10, 11, 13, DateTimeKind.Utc), row[4]);

        // A process with the older model (no modifiers) still runs against the cluster.
        await using var older = Build(cluster, new SchemaDefinition([before]));
        Assert.Equal(7.5m, (await older.GetAsync(before, 2L, 2L))![2]);
    }
}
