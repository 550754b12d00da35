using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

[Collection("sharded")]
public sealed class RepositoryTests(ShardedDatabaseFixture fixture)
{
    private readonly ShardDatabase _db = fixture.Db;

    /// <summary>A row with a value in every column, the edges of each type among them.</summary>
    internal static TypeSample FullSample() => new()
    {
        TenantId = 5_000_000_001, Id = 1, Flag = true, FlagN = false, Small = -12345, SmallN = 321, Int = int.MinValue, IntN = int.MaxValue,
        Long = long.MinValue, LongN = long.MaxValue, Byte = 255, UInt = uint.MaxValue,
        Dec = 12345678901234567890.123456789m, DecN = -0.000000001m, Float = 1.5f, FloatN = float.MaxValue,
        Double = Math.PI, DoubleN = double.Epsilon, Text = "héllo, 世界 🙂 \"quoted\" 'single'", TextN = "",
        Uuid = Guid.NewGuid(), UuidN = Guid.Empty,
        Stamp = new DateTime(2026, 11, 25, 10, 11, 12, DateTimeKind.Utc).AddTicks(1230),
        StampN = new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc),
        Moment = new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.FromHours(5)), MomentN = DateTimeOffset.UnixEpoch,
        Day = new DateOnly(2026, 2, 28), DayN = DateOnly.MinValue, Time = new TimeOnly(23, 59, 58, 123), TimeN = TimeOnly.MinValue,
        Span = TimeSpan.FromHours(-36.5), SpanN = TimeSpan.FromMilliseconds(1),
        Bytes = [0, 1, 2, 255], BytesN = [], Color = Color.Blue, ColorN = Color.Green, Note = "renamed column",
        Ignored = "this is not stored",
    };

    /// <summary>A row with every nullable column null.</summary>
    internal static TypeSample EmptySample() => new() { TenantId = 5_000_000_001, Id = 2, Text = "", Bytes = [] };

    [Fact]
    public async Task Every_column_type_round_trips_with_values_and_with_nulls()
    {
        var full = FullSample();
        var empty = EmptySample();

        await _db.TypeSamples.InsertAsync(full);
        await _db.TypeSamples.InsertAsync(empty);

        AssertSame(full, await _db.TypeSamples.GetAsync(full.TenantId, full.Id));
        AssertSame(empty, await _db.TypeSamples.GetAsync(empty.TenantId, empty.Id));

        // The database holds what a careful person would pick, nulls included.
        var route = await fixture.Source.RouteAsync(TypeSampleRepository.Definition, full.TenantId);
        var worker = fixture.Cluster.Workers.Single(w => w.Port == route.Node.Port).ConnectionString;
        var types = await Sql.QueryAsync(worker,
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1", route.ShardTable);
        var typeOf = types.ToDictionary(r => (string)r[0]!, r => ((string)r[1]!, (string)r[2]!));
        Assert.Equal(("numeric", "NO"), typeOf["dec"]);
        Assert.Equal(("timestamp with time zone", "NO"), typeOf["moment"]);
        Assert.Equal(("timestamp with time zone", "YES"), typeOf["stamp_n"]);
        Assert.Equal(("date", "NO"), typeOf["day"]);
        Assert.Equal(("bytea", "YES"), typeOf["bytes_n"]);
        Assert.Equal(("uuid", "NO"), typeOf["uuid"]);
        Assert.Equal(("text", "YES"), typeOf["renamed_note"]);
        Assert.False(typeOf.ContainsKey("ignored"));
        var nulls = await Sql.ScalarAsync<long>(worker,
            $"SELECT count(*) FROM {Identifiers.Quote(route.ShardTable)} WHERE tenant_id = $1 AND id = 2 AND flag_n IS NULL AND dec_n IS NULL AND moment_n IS NULL AND bytes_n IS NULL AND color_n IS NULL AND text_n IS NULL",
            empty.TenantId);
        Assert.Equal(1, nulls);
    }

    [Fact]
    public async Task Distributed_repository_gets_inserts_upserts_updates_deletes_lists_and_counts()
    {
        const long tenant = 7_000_000_042;
        Assert.Null(await _db.Entries.GetAsync(tenant, 1));
        await _db.Entries.InsertAsync(new Entry(tenant, 1, 10, 5.5m, null));
        await _db.Entries.InsertAsync(new Entry(tenant, 2, 10, 7m, "second"));
        await _db.Entries.UpsertAsync(new Entry(tenant, 3, 11, 1m, "third"));
        await _db.Entries.UpsertAsync(new Entry(tenant, 3, 11, 2m, "third, upserted"));
        await _db.Entries.InsertAsync(new Entry(tenant + 1, 1, 12, 100m, "another tenant"));

        Assert.Equal(new Entry(tenant, 3, 11, 2m, "third, upserted"), await _db.Entries.GetAsync(tenant, 3));
        Assert.True(await _db.Entries.UpdateAsync(new Entry(tenant, 1, 10, 6m, "updated")));
        Assert.False(await _db.Entries.UpdateAsync(new Entry(tenant, 99, 10, 6m, "no such row")));
        Assert.Equal("updated", (await _db.Entries.GetAsync(tenant, 1))?.Memo);

        var list = await _db.Entries.ListAsync(tenant);
        Assert.Equal([1L, 2L, 3L], list.Select(e => e.Id));
        Assert.All(list, e => Assert.Equal(tenant, e.TenantId));
        Assert.Equal(3, await _db.Entries.CountAsync(tenant));

        Assert.True(await _db.Entries.DeleteAsync(tenant, 2));
        Assert.False(await _db.Entries.DeleteAsync(tenant, 2));
        Assert.Equal(2, await _db.Entries.CountAsync(tenant));
        Assert.Equal(1, await _db.Entries.CountAsync(tenant + 1));

        var everyShard = await _db.Entries.ListAllAsync();
        Assert.Contains(everyShard, e => e.TenantId == tenant + 1);
        Assert.Equal(everyShard.Count, await _db.Entries.CountAllAsync());

        var duplicate = await Assert.ThrowsAsync<ShardOperationException>(() => _db.Entries.InsertAsync(new Entry(tenant, 1, 10, 1m, null)));
        Assert.Equal("23505", duplicate.SqlState);
        Assert.Contains("entries", duplicate.Message);
        Assert.Contains("worker", duplicate.Message);
    }

    [Fact]
    public async Task Reference_rows_are_on_every_worker_and_the_coordinator()
    {
        await _db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
        await _db.Currencies.UpsertAsync(new Currency("JPY", "Yen", 0));
        await _db.Currencies.UpsertAsync(new Currency("JPY", "Japanese yen", 0));
        Assert.True(await _db.Currencies.UpdateAsync(new Currency("EUR", "Euro (EU)", 2)));

        foreach (var node in fixture.Cluster.Nodes)
        {
            var rows = await Sql.QueryAsync(node.ConnectionString, "SELECT code, name, digits FROM currencies WHERE code IN ('EUR', 'JPY') ORDER BY code");
            Assert.Equal(2, rows.Count);
            Assert.Equal(["EUR", "Euro (EU)", 2], rows[0]);
            Assert.Equal(["JPY", "Japanese yen", 0], rows[1]);
        }

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("Japanese yen", (await _db.Currencies.GetAsync("JPY"))?.Name);
        }

        Assert.True(await _db.Currencies.DeleteAsync("JPY"));
        foreach (var node in fixture.Cluster.Nodes)
        {
            Assert.Equal(0, await Sql.ScalarAsync<long>(node.ConnectionString, "SELECT count(*) FROM currencies WHERE code = 'JPY'"));
        }

        Assert.Contains(await _db.Currencies.ListAllAsync(), c => c.Code == "EUR");
    }

    [Fact]
    public async Task Local_rows_live_only_on_the_coordinator()
    {
        await _db.Settings.UpsertAsync(new Setting("theme", "dark"));
        Assert.Equal("dark", (await _db.Settings.GetAsync("theme"))?.Value);
        Assert.Equal("dark", await Sql.ScalarAsync<string>(fixture.Cluster.CoordinatorConnectionString, "SELECT value FROM settings WHERE key = 'theme'"));
        foreach (var worker in fixture.Cluster.Workers)
        {
            Assert.False(await Sql.ScalarAsync<bool>(worker.ConnectionString, "SELECT to_regclass('settings') IS NOT NULL"));
        }
    }

    internal static void AssertSame(TypeSample expected, TypeSample? actual)
    {
        Assert.NotNull(actual);
        foreach (var property in typeof(TypeSample).GetProperties().Where(p => p.Name != nameof(TypeSample.Ignored)))
        {
            var want = property.GetValue(expected);
            var got = property.GetValue(actual);
            if (want is byte[] bytes)
            {
                Assert.Equal(bytes, (byte[]?)got);
            }
            else
            {
                Assert.True(Equals(want, got), $"{property.Name}: expected {want} but read {got}");
            }
        }

        Assert.Equal("not stored", actual.Ignored);
    }
}
