using System.Reflection;
using ShardGen.Tests.Infrastructure;

namespace ShardGen.Tests.Differential;

/// <summary>A cluster and an oracle of their own: these tests change the data.</summary>
public sealed class WritesFixture : DifferentialFixture
{
}

[CollectionDefinition("differential-writes")]
public sealed class WritesCollection : ICollectionFixture<WritesFixture>
{
}

/// <summary>The writes through the Citus engine, in tables of their own (skipped without a Citus cluster).</summary>
public sealed class CitusWritesFixture : CitusDifferentialFixture
{
    protected override string Schema => "sg_writes";
}

[CollectionDefinition("differential-writes-citus")]
public sealed class CitusWritesCollection : ICollectionFixture<CitusWritesFixture>
{
}

[Collection("differential-writes")]
public sealed class DifferentialWriteTests(WritesFixture fixture) : DifferentialWrites(fixture);

/// <summary>On Citus every write is Citus's: routed ones on the shard's node, the others sent to Citus as written.</summary>
[Collection("differential-writes-citus")]
public sealed class CitusDifferentialWriteTests(CitusWritesFixture fixture) : DifferentialWrites(fixture);

/// <summary>
/// Writes planned at build time — routed, on the shards of several keys, on every shard, on every
/// copy of a reference table, on the coordinator — leave the sharded cluster holding exactly what
/// the same SQL leaves in the oracle, and report the same counts.
/// </summary>
public abstract class DifferentialWrites(DifferentialFixture fixture)
{
    [SkippableFact]
    public async Task Every_kind_of_write_leaves_what_PostgreSQL_leaves()
    {
        Skip.If(fixture.Unavailable is not null, fixture.Unavailable);
        var writes = new ShopWrites(fixture.Db);
        var joined = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
        await SameAsync(writes, nameof(ShopWrites.SetNote), 7L, 10L, "changed");
        await SameAsync(writes, nameof(ShopWrites.SetNote), 7L, 999_999L, "no such order");
        await SameAsync(writes, nameof(ShopWrites.ArchiveQuantity), 2, 300m);
        await SameAsync(writes, nameof(ShopWrites.DeleteBigLines), new long[] { 1, 7, 8, 20 });
        await SameAsync(writes, nameof(ShopWrites.UpsertCustomer), 3L, 500L, "Neue Kundin", "DE", joined);
        await SameAsync(writes, nameof(ShopWrites.UpsertCustomer), 3L, 500L, "Renamed", "DE", joined);
        await SameAsync(writes, nameof(ShopWrites.DeleteTier), 4L, 2);
        await SameAsync(writes, nameof(ShopWrites.NoteOfComputedKey), 8L);
        await SameAsync(writes, nameof(ShopWrites.InsertComputedKeys), 5L, joined);
        await SameAsync(writes, nameof(ShopWrites.DeleteLinesOfArray), 4L, 15L);
        await SameAsync(writes, nameof(ShopWrites.NoteKeepingTheKey), 7L);
        await SameAsync(writes, nameof(ShopWrites.NoteKeepingALiteralKey));

        // UPDATE ... FROM and DELETE ... USING over several shards: colocated tables joined on the key, reference tables.
        await SameAsync(writes, nameof(ShopWrites.NoteCustomerNamesEverywhere));
        await SameAsync(writes, nameof(ShopWrites.DeleteThirdLinesOfCancelledEverywhere));
        await SameAsync(writes, nameof(ShopWrites.NameCountriesOfBigBuyers), "EU", new long[] { 1, 3, 7, 8, 13 });
        await SameAsync(writes, nameof(ShopWrites.RenameCountry), "JP", "Nippon");
        await SameAsync(writes, nameof(ShopWrites.UpsertSetting), "theme", "light");

        // INSERT ... SELECT between colocated tables: on every shard (atomically across workers), or on one key's shard.
        await SameAsync(writes, nameof(ShopWrites.BonusLinesForBigOrders));
        await SameAsync(writes, nameof(ShopWrites.BonusLinesForBigOrders));
        await SameAsync(writes, nameof(ShopWrites.GiftLinesOfTenant), 7L);
        await SameAsync(writes, nameof(ShopWrites.SummaryCustomers));

        // UPDATE and DELETE with subqueries: pinned to the write's key, correlated on it over every shard or the listed keys' shards.
        await SameAsync(writes, nameof(ShopWrites.DeleteLinesOfCancelledOrders), 7L);
        await SameAsync(writes, nameof(ShopWrites.MarkTopTierOrders));
        await SameAsync(writes, nameof(ShopWrites.TierByOrderCount), new long[] { 2, 7, 11, 19 });

        // Pinned to one key, written as PostgreSQL takes them: UPDATE ... FROM, DELETE ... USING, a multi-column SET, WITH
        // before UPDATE, DEFAULT in VALUES and a partial-index ON CONFLICT target; and rows locked FOR UPDATE in a transaction.
        await SameAsync(writes, nameof(ShopWrites.NoteCustomerNames), 9L);
        await SameAsync(writes, nameof(ShopWrites.DeleteSecondLinesOfCancelled), 7L);
        await SameAsync(writes, nameof(ShopWrites.BulkFives), 12L);
        await SameAsync(writes, nameof(ShopWrites.MarkBigWithCte), 7L);

        // Data-modifying CTEs pinned to the statement's key: the whole statement runs on that key's shard.
        await SameAsync(writes, nameof(ShopWrites.DeleteThirdLinesReturningOrders), 12L);
        await SameAsync(writes, nameof(ShopWrites.MarkSixesReturningTotals), 5L);
        await SameAsync(writes, nameof(ShopWrites.AddTwoOrdersReturningTotals), 9L, 7000L, joined);
        await SameAsync(writes, nameof(ShopWrites.InsertWithDefaultNote), 6L, 5000L, joined);
        await SameAsync(writes, nameof(ShopWrites.InsertWithDefaultNote), 6L, 5000L, joined);
        await using (var transaction = await fixture.Source.BeginTransactionAsync())
        {
            await SameAsync(writes, nameof(ShopWrites.LockOrders), 7L, new long[] { 3, 5, 8 });
            await SameAsync(writes, nameof(ShopWrites.SetNote), 7L, 5L, "locked, then changed");
            await transaction.CommitAsync();
        }

        // A multi-row INSERT over two tenants (3 and 11 live on different workers): split by key, all or nothing.
        Assert.NotEqual(await WorkerOfAsync(3), await WorkerOfAsync(11));
        await SameAsync(writes, nameof(ShopWrites.InsertForTwoTenants), 3L, 11L, joined);
        await SameAsync(writes, nameof(ShopWrites.UpsertForTwoTenants), 3L, 11L, joined);
        var failure = await Assert.ThrowsAsync<ShardOperationException>(() => writes.InsertForTwoTenants(5L, 11L, joined));
        Assert.Contains("23505", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(await WorkerConnectionOfAsync(5), $"SELECT count(*) FROM {Identifiers.Quote(await ShardTableOfAsync(5))} WHERE tenant_id = 5 AND id IN (900, 902)"));

        foreach (var (table, key) in new[] { ("orders", "tenant_id, id"), ("order_lines", "tenant_id, order_id, line_no"), ("customers", "tenant_id, id"), ("countries", "code"), ("settings", "key") })
        {
            var expected = (await Sql.QueryAsync(fixture.Oracle, $"SELECT * FROM {table} ORDER BY {key}")).Select(Comparable.Row).ToList();
            var actual = await ShardedContentsAsync(table, key);
            Assert.True(expected.SequenceEqual(actual), $"{table}: the cluster holds {actual.Count} rows, the oracle {expected.Count}; first difference: {expected.Except(actual).Concat(actual.Except(expected)).FirstOrDefault()}");
        }

        // Every copy of the reference table took the write.
        foreach (var node in fixture.Nodes)
        {
            Assert.Equal("Nippon", await Sql.ScalarAsync<string>(node, "SELECT name FROM countries WHERE code = 'JP'"));
        }
    }

    private async Task SameAsync(ShopWrites writes, string method, params object?[] arguments)
    {
        var info = typeof(ShopWrites).GetMethod(method)!;
        var sql = info.GetCustomAttribute<QueryAttribute>()!.Sql;
        var sharded = (await DifferentialQueryTests.RunAsync(writes, info, arguments)).Select(Comparable.Row).ToList();

        await using var connection = new Npgsql.NpgsqlConnection(fixture.Oracle);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        var parameters = info.GetParameters();
        for (var i = 0; i < arguments.Length; i++)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter(parameters[i].Name, arguments[i] ?? DBNull.Value));
        }

        var expected = new List<string>();
        if (info.ReturnType == typeof(Task<int>))
        {
            expected.Add(Comparable.Row([await command.ExecuteNonQueryAsync()]));
        }
        else
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                expected.Add(Comparable.Row(row));
            }
        }

        if (info.ReturnType != typeof(Task))
        {
            Assert.True(expected.SequenceEqual(sharded), $"{method}: the oracle gave [{string.Join("; ", expected)}], ShardGen [{string.Join("; ", sharded)}]");
        }
    }

    private async Task<int> WorkerOfAsync(long tenant) => (await fixture.Source.GetShardMapAsync()).Route(fixture.Source.Schema["customers"], tenant).Node.Port;

    private async Task<string> WorkerConnectionOfAsync(long tenant)
    {
        return fixture.NodeAt(await WorkerOfAsync(tenant));
    }

    private async Task<string> ShardTableOfAsync(long tenant) => (await fixture.Source.GetShardMapAsync()).Route(fixture.Source.Schema["customers"], tenant).ShardTable;

    /// <summary>A table's rows as the cluster holds them: every shard (or the coordinator's copy), read straight from the servers.</summary>
    private async Task<List<string>> ShardedContentsAsync(string table, string key)
    {
        var definition = fixture.Source.Schema[table];
        if (definition.Kind != ShardGen.Model.TableKind.Distributed)
        {
            return (await Sql.QueryAsync(fixture.Coordinator, $"SELECT * FROM {table} ORDER BY {key}")).Select(Comparable.Row).ToList();
        }

        var map = await fixture.Source.GetShardMapAsync();
        var rows = new List<object?[]>();
        foreach (var shard in map.Shards(definition))
        {
            rows.AddRange(await Sql.QueryAsync(fixture.NodeAt(shard.Node.Port), $"SELECT * FROM {Identifiers.Quote(shard.ShardTable)}"));
        }

        var keyCount = key.Split(',').Length;
        return rows
            .OrderBy(r => r, Comparer<object?[]>.Create((a, b) =>
            {
                for (var i = 0; i < keyCount; i++)
                {
                    var c = SqlValues.Order(a[i], b[i], false, false);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return 0;
            }))
            .Select(Comparable.Row)
            .ToList();
    }
}
