using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>A cluster of its own for bulk inserts: the tests count every row of a table, so nothing else writes there.</summary>
public sealed class BulkInsertFixture : IAsyncLifetime
{
    public LocalPostgresCluster Cluster { get; private set; } = null!;

    public ShardedDataSource Source { get; private set; } = null!;

    public ShardDatabase Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        Source = ShardedDatabaseFixture.CreateSource(Cluster);
        Db = new ShardDatabase(Source);
        await Db.ApplySchemaAsync();
    }

    public async Task DisposeAsync()
    {
        if (Source is not null)
        {
            await Source.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>
/// Bulk inserts (binary COPY per shard, workers in parallel, one transaction), checked on the workers
/// themselves: every row in the shard table its key hashes to, nothing anywhere else.
/// </summary>
public sealed class BulkInsertTests(BulkInsertFixture fixture) : IClassFixture<BulkInsertFixture>
{
    private readonly ShardDatabase _db = fixture.Db;

    [Fact]
    public async Task Every_row_lands_in_its_keys_shard_table_and_progress_adds_up_to_the_total()
    {
        const int tenants = 500;
        var rows = Enumerable.Range(1, 20_000)
            .Select(i => new Entry(1_000 + (i % tenants), i, i % 7, i / 100m, i % 3 == 0 ? null : $"memo {i}"))
            .ToList();
        var progress = new Recorder();

        var inserted = await _db.Entries.BulkInsertAsync(rows, progress, new BulkInsertOptions { BatchRows = 700 });

        Assert.Equal(rows.Count, inserted);
        Assert.Equal(rows.Count, progress.Reports.Sum(r => r.Rows));
        Assert.Equal(rows.Count, progress.Reports.Max(r => r.RowsWritten));
        Assert.All(progress.Reports, r => Assert.Equal("entries", r.Table));

        var map = await fixture.Source.GetShardMapAsync();
        var expectedPerShard = rows.GroupBy(r => map.Route(EntryRepository.Definition, r.TenantId).ShardTable).ToDictionary(g => g.Key, g => (long)g.Count());
        foreach (var shard in map.Shards(EntryRepository.Definition))
        {
            var worker = WorkerOf(shard.Node);
            var count = await Sql.ScalarAsync<long>(worker, $"SELECT count(*) FROM {Identifiers.Quote(shard.ShardTable)}");
            Assert.Equal(expectedPerShard.GetValueOrDefault(shard.ShardTable), count);

            // Every key the shard table holds routes to this very shard.
            var keys = await Sql.ColumnAsync<long>(worker, $"SELECT DISTINCT tenant_id FROM {Identifiers.Quote(shard.ShardTable)}");
            Assert.All(keys, key => Assert.Equal(shard.ShardIndex, map.Route(EntryRepository.Definition, key).ShardIndex));
            Assert.Equal(
                expectedPerShard.GetValueOrDefault(shard.ShardTable),
                progress.Reports.Where(r => r.ShardTable == shard.ShardTable).Sum(r => (long)r.Rows));
            Assert.All(progress.Reports.Where(r => r.ShardTable == shard.ShardTable), r => Assert.Equal(shard.Node.Name, r.Worker));
        }

        // The values are the ones given, nulls included.
        foreach (var row in rows.Where(r => r.Id % 997 == 0))
        {
            Assert.Equal(row, await _db.Entries.GetAsync(row.TenantId, row.Id));
        }
    }

    [Fact]
    public async Task Rows_read_as_they_come_are_loaded_for_string_and_uuid_keys_and_every_column_type()
    {
        var vouchers = Enumerable.Range(1, 3_000).Select(i => new Voucher($"code-{i % 211}", i, $"holder {i}")).ToList();
        var readings = Enumerable.Range(1, 3_000).Select(i => new Reading(Guid.NewGuid(), i, i / 7.0, DateTimeOffset.UnixEpoch.AddMinutes(i))).ToList();

        Assert.Equal(vouchers.Count, await _db.Vouchers.BulkInsertAsync(ToAsync(vouchers)));
        Assert.Equal(readings.Count, await _db.Readings.BulkInsertAsync(ToAsync(readings)));
        var sample = new TypeSample
        {
            TenantId = 77, Id = 1, Flag = true, FlagN = null, Small = -3, SmallN = 4, Int = int.MinValue, IntN = null, Long = long.MaxValue, LongN = 5,
            Byte = 255, UInt = uint.MaxValue, Dec = 1.5m, DecN = null, Float = 2.5f, FloatN = null, Double = Math.E, DoubleN = 0, Text = "t", TextN = null,
            Uuid = Guid.NewGuid(), UuidN = null, Stamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), StampN = null,
            Moment = new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.FromHours(2)), MomentN = null, Day = new DateOnly(2026, 3, 4), DayN = null,
            Time = new TimeOnly(1, 2, 3), TimeN = null, Span = TimeSpan.FromMinutes(-90), SpanN = null, Bytes = [1, 2, 3], BytesN = null,
            Color = Color.Blue, ColorN = null, Note = "n",
        };
        Assert.Equal(1, await _db.TypeSamples.BulkInsertAsync([sample]));

        var map = await fixture.Source.GetShardMapAsync();
        Assert.Equal(vouchers.Count, await CountOnWorkersAsync(map, VoucherRepository.Definition));
        Assert.Equal(readings.Count, await CountOnWorkersAsync(map, ReadingRepository.Definition));
        foreach (var voucher in vouchers.Where(v => v.Id % 101 == 0))
        {
            Assert.Equal(voucher, await _db.Vouchers.GetAsync(voucher.Code, voucher.Id));
        }

        foreach (var reading in readings.Where(r => r.Id % 101 == 0))
        {
            var read = await _db.Readings.GetAsync(reading.DeviceId, reading.Id);
            Assert.Equal(reading.Value, read!.Value);
            Assert.Equal(reading.TakenAt, read.TakenAt);
        }

        var back = await _db.TypeSamples.GetAsync(77, 1);
        Assert.NotNull(back);
        Assert.Equal(sample.Moment, back.Moment);
        Assert.Equal(sample.Bytes, back.Bytes);
        Assert.Equal(sample.UInt, back.UInt);
        Assert.Equal(sample.Color, back.Color);
        Assert.Null(back.ColorN);
        Assert.Null(back.TextN);
        Assert.Equal(sample.Span, back.Span);
    }

    [Fact]
    public async Task A_cancelled_bulk_insert_leaves_no_row_of_the_call_on_any_worker()
    {
        using var cancel = new CancellationTokenSource();
        var rows = Enumerable.Range(1, 50_000).Select(i => new Counter(10_000 + (i % 300), i, i)).ToList();
        var progress = new Recorder(onReport: _ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _db.Counters.BulkInsertAsync(rows, progress, new BulkInsertOptions { BatchRows = 100 }, cancel.Token));

        // Batches were written (and reported) before the token was cancelled, but the call's transaction
        // rolled back on every worker: nothing of it is left, and nothing is left prepared.
        Assert.NotEmpty(progress.Reports);
        var map = await fixture.Source.GetShardMapAsync();
        Assert.Equal(0, await CountOnWorkersAsync(map, CounterRepository.Definition, "region >= 10000"));
        foreach (var worker in fixture.Cluster.Workers)
        {
            Assert.Equal(0, await Sql.ScalarAsync<long>(worker.ConnectionString, "SELECT count(*) FROM pg_prepared_xacts"));
        }
    }

    [Fact]
    public async Task A_duplicate_key_fails_the_call_naming_table_shard_and_worker_and_leaves_nothing()
    {
        var rows = Enumerable.Range(1, 5_000).Select(i => new Account(20_000 + (i % 50), i, $"owner {i}", i)).ToList();
        rows.Add(rows[1234] with { Owner = "duplicate" });

        var error = await Assert.ThrowsAsync<ShardOperationException>(() => _db.Accounts.BulkInsertAsync(rows));

        var map = await fixture.Source.GetShardMapAsync();
        var route = map.Route(AccountRepository.Definition, rows[1234].TenantId);
        Assert.Equal("23505", error.SqlState);
        Assert.Equal("accounts", error.Table);
        Assert.Equal(route.ShardId, error.ShardId);
        Assert.Contains(route.ShardTable, error.Message, StringComparison.Ordinal);
        Assert.Contains(route.Node.Name, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountOnWorkersAsync(map, AccountRepository.Definition, "tenant_id >= 20000 AND tenant_id < 20050"));
    }

    [Fact]
    public async Task A_worker_that_fails_early_stops_the_reader_instead_of_leaving_it_waiting_on_a_full_queue()
    {
        // The first row is already there: the first batch to its shard fails while hundreds of batches are still to come
        // (two may wait per worker), so the reader must be stopped, not left waiting for a worker that no longer reads.
        var existing = new Account(21_000, 1, "already there", 1);
        await _db.Accounts.InsertAsync(existing);
        var rows = Enumerable.Range(2, 5_000).Select(i => new Account(21_000 + (i % 50), i, $"owner {i}", i)).Prepend(existing with { Owner = "duplicate" });

        var error = await Assert.ThrowsAsync<ShardOperationException>(
            () => _db.Accounts.BulkInsertAsync(rows, null, new BulkInsertOptions { BatchRows = 5 }).WaitAsync(TimeSpan.FromMinutes(2)));

        Assert.Equal("23505", error.SqlState);
        var map = await fixture.Source.GetShardMapAsync();
        Assert.Equal(1, await CountOnWorkersAsync(map, AccountRepository.Definition, "tenant_id >= 21000 AND tenant_id < 21050"));
    }

    [Fact]
    public async Task In_an_ambient_transaction_the_rows_commit_or_roll_back_with_it()
    {
        var rolledBack = Enumerable.Range(1, 2_000).Select(i => new Account(30_000 + (i % 40), i, "rolled back", i)).ToList();
        var committed = Enumerable.Range(1, 2_000).Select(i => new Account(31_000 + (i % 40), i, "committed", i)).ToList();
        var map = await fixture.Source.GetShardMapAsync();

        await using (var tx = await fixture.Source.BeginTransactionAsync())
        {
            await _db.Accounts.BulkInsertAsync(rolledBack);
            await tx.RollbackAsync();
        }

        await using (var tx = await fixture.Source.BeginTransactionAsync())
        {
            await _db.Accounts.BulkInsertAsync(committed);
            await _db.Accounts.InsertAsync(new Account(31_000, 999_999, "same transaction", 1));
            await tx.CommitAsync();
            Assert.True(tx.UsedTwoPhaseCommit);
        }

        Assert.Equal(0, await CountOnWorkersAsync(map, AccountRepository.Definition, "tenant_id >= 30000 AND tenant_id < 30040"));
        Assert.Equal(committed.Count + 1, await CountOnWorkersAsync(map, AccountRepository.Definition, "tenant_id >= 31000 AND tenant_id < 31040"));
    }

    private string WorkerOf(Node node) => fixture.Cluster.Workers.Single(w => w.Port == node.Port).ConnectionString;

    private async Task<long> CountOnWorkersAsync(ShardMap map, TableDefinition table, string where = "true")
    {
        long total = 0;
        foreach (var shard in map.Shards(table))
        {
            total += await Sql.ScalarAsync<long>(WorkerOf(shard.Node), $"SELECT count(*) FROM {Identifiers.Quote(shard.ShardTable)} WHERE {where}");
        }

        return total;
    }

    private static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> rows)
    {
        foreach (var row in rows)
        {
            await Task.Yield();
            yield return row;
        }
    }

    /// <summary>Records reports as they are made (Progress&lt;T&gt; would post them later, on the thread pool).</summary>
    private sealed class Recorder(Action<BulkInsertProgress>? onReport = null) : IProgress<BulkInsertProgress>
    {
        private readonly List<BulkInsertProgress> _reports = [];

        public IReadOnlyList<BulkInsertProgress> Reports
        {
            get
            {
                lock (_reports)
                {
                    return [.. _reports];
                }
            }
        }

        public void Report(BulkInsertProgress value)
        {
            lock (_reports)
            {
                _reports.Add(value);
            }

            onReport?.Invoke(value);
        }
    }
}
