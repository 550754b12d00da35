using Npgsql;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// Type modifiers of the model ([Precision], [MaxLength], [Column(TypeName = ...)]) on the native engine: every shard
/// table on every worker has them as <c>format_type</c> reads them, and the servers enforce them on the rows written.
/// </summary>
[Collection("sharded")]
public sealed class TypeModifierTests(ShardedDatabaseFixture fixture)
{
    private static readonly string[] Expected =
    [
        "tenant_id bigint", "id bigint", "total numeric(12,2)", "units numeric(5,0)", "title character varying(12)", "currency character(3)",
        "issued_at timestamp(3) with time zone", "cutoff time(0) without time zone", "grace interval(2)", "plain numeric",
    ];

    private const string ShardColumns = """
        SELECT c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname ~ '^invoices_[0-9]+$'
         GROUP BY c.relname
        """;

    [Fact]
    public async Task Every_shard_table_on_every_worker_has_the_modifiers()
    {
        var shards = new List<string>();
        foreach (var worker in fixture.Cluster.WorkerConnectionStrings)
        {
            foreach (var row in await Sql.QueryAsync(worker, ShardColumns))
            {
                shards.Add((string)row[0]!);
                Assert.Equal(string.Join(", ", Expected), (string)row[1]!);
            }
        }

        Assert.Equal(ShardedDataSourceBuilder.DefaultShardCount, shards.Distinct().Count());
        Assert.Equal(
            Expected.Select(c => c.Split(' ', 2)[1]),
            ShardDatabase.Schema["invoices"].Columns.Select(c => c.SqlType));
    }

    [Fact]
    public async Task The_servers_round_to_the_scale_and_precision_and_refuse_a_value_longer_than_the_length()
    {
        var issuedAt = new DateTimeOffset(2026, 3, 1, 10, 11, 12, TimeSpan.Zero).AddTicks(1_234_567);
        await fixture.Db.Invoices.InsertAsync(new Invoice
        {
            TenantId = 41, Id = 1, Total = 12.345m, Units = 7.6m, Title = "twelve chars", Currency = "EU",
            IssuedAt = issuedAt, Cutoff = new TimeOnly(10, 11, 12, 700), Grace = TimeSpan.FromMilliseconds(1234.5), Plain = 1.23456m,
        });

        var stored = await fixture.Db.Invoices.GetAsync(41, 1);
        Assert.NotNull(stored);
        Assert.Equal(12.35m, stored.Total);
        Assert.Equal(8m, stored.Units);
        Assert.Equal("EU ", stored.Currency);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 11, 12, 123, TimeSpan.Zero), stored.IssuedAt);
        Assert.Equal(new TimeOnly(10, 11, 13), stored.Cutoff);
        Assert.Equal(TimeSpan.FromMilliseconds(1230), stored.Grace);
        Assert.Equal(1.23456m, stored.Plain);

        var error = await Assert.ThrowsAsync<ShardOperationException>(() => fixture.Db.Invoices.InsertAsync(new Invoice
        {
            TenantId = 41, Id = 2, Title = "thirteen char", Currency = "CHF",
        }));
        Assert.Equal("22001", error.SqlState);
        Assert.Contains("character varying(12)", error.InnerException!.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.Db.Invoices.GetAsync(41, 2));
    }
}
