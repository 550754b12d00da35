using Npgsql;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;

namespace ShardGen.Tests.Integration;

/// <summary>
/// A worker added with AddWorker + ApplySchemaAsync: its reference copies are written from the moment it is
/// registered, read only once they are complete, and a process that does not know the worker yet can
/// neither read from it nor commit a reference write that misses it.
/// </summary>
public sealed class GrowingTests
{
    private const string ReadyOf = "SELECT reference_copies FROM shardgen.nodes WHERE name = $1";

    [Fact]
    public async Task A_worker_being_filled_is_never_read_and_a_writer_that_does_not_know_it_still_reaches_it()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3);
        var coordinator = cluster.CoordinatorConnectionString;
        await using var first = Source(cluster, workers: 2);
        await new ShardDatabase(first).ApplySchemaAsync();
        var seeded = await SeedAsync(new ShardDatabase(first), 12);

        // Another process, built without the new worker, that reads; and one that writes with the map it loaded now.
        await using var readers = Source(cluster, workers: 2);
        var readDb = new ShardDatabase(readers);
        await using var staleWriter = Source(cluster, workers: 2);
        Assert.Equal(2, (await staleWriter.GetShardMapAsync()).Workers.Count);

        // A transaction that holds the lock a reference write holds on the coordinator's copy: the fill waits for it.
        await using var blocker = new NpgsqlConnection(coordinator);
        await blocker.OpenAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await using (var lockCopy = new NpgsqlCommand("LOCK TABLE currencies IN ROW EXCLUSIVE MODE", blocker, blocking))
        {
            await lockCopy.ExecuteNonQueryAsync();
        }

        await using var grown = Source(cluster, workers: 3);
        var growing = new ShardDatabase(grown).ApplySchemaAsync();
        await UntilAsync(growing, "SELECT count(*) > 0 FROM pg_locks WHERE relation = 'currencies'::regclass AND mode = 'ShareLock' AND NOT granted", coordinator);
        Assert.Equal("filling", await Sql.ScalarAsync<string>(coordinator, ReadyOf, "worker3"));

        // The readers' map now knows worker3, whose copy is empty: no read goes there.
        var map = await readers.RefreshAsync();
        Assert.Equal(["worker1", "worker2", "worker3"], map.Workers.Select(w => w.Name));
        Assert.Equal(["worker1", "worker2"], map.ReadableCopies.Select(w => w.Name));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[2].ConnectionString, "SELECT count(*) FROM currencies"));
        for (var read = 0; read < 3 * map.Workers.Count; read++)
        {
            Assert.Equal(seeded, (await readDb.Currencies.ListAllAsync()).Select(c => c.Code).Order(StringComparer.Ordinal));
        }

        // A write with the old map queues behind the fill, and commits after it: on worker3 too.
        var write = new ShardDatabase(staleWriter).Currencies.InsertAsync(new Currency("NEW", "Written during the fill", 2));
        await UntilAsync(write, "SELECT count(*) > 1 FROM pg_locks WHERE relation = 'currencies'::regclass AND NOT granted", coordinator);
        await blocking.RollbackAsync();
        await growing;
        await write;

        Assert.Equal("ready", await Sql.ScalarAsync<string>(coordinator, ReadyOf, "worker3"));
        string[] all = [.. seeded, "NEW"];
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(all.Order(StringComparer.Ordinal), await Sql.ColumnAsync<string>(node.ConnectionString, "SELECT code FROM currencies ORDER BY code COLLATE \"C\""));
        }

        Assert.Equal(3, staleWriter.CurrentShardMap!.Workers.Count);

        map = await readers.RefreshAsync();
        Assert.Equal(["worker1", "worker2", "worker3"], map.ReadableCopies.Select(w => w.Name));
        for (var read = 0; read < 3 * map.Workers.Count; read++)
        {
            Assert.Equal(all.Order(StringComparer.Ordinal), (await readDb.Currencies.ListAllAsync()).Select(c => c.Code).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Adding_a_worker_while_readers_and_writers_of_other_processes_loop_never_reads_a_missing_row()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 3);
        await using var first = Source(cluster, workers: 2);
        await new ShardDatabase(first).ApplySchemaAsync();
        var seeded = await SeedAsync(new ShardDatabase(first), 20);

        await using var readers = Source(cluster, workers: 2);
        var readDb = new ShardDatabase(readers);
        await readers.GetShardMapAsync();
        await using var writers = Source(cluster, workers: 2);
        var writeDb = new ShardDatabase(writers);
        await writers.GetShardMapAsync();

        // Two processes add worker3 at once; the writer never refreshes its map itself.
        await using var grownA = Source(cluster, workers: 3);
        await using var grownB = Source(cluster, workers: 3);
        var growing = Task.WhenAll(new ShardDatabase(grownA).ApplySchemaAsync(), new ShardDatabase(grownB).ApplySchemaAsync());

        // Writes go on until ten after worker3 is in, reads until the writes end and ten after worker3 is in.
        var written = 0;
        var writing = Task.Run(async () =>
        {
            for (var after = 0; after < 10; after += growing.IsCompleted ? 1 : 0)
            {
                await writeDb.Currencies.InsertAsync(new Currency(Written(written), "written while growing", 2));
                Interlocked.Increment(ref written);
            }
        });

        // Readers refresh their map between reads, as a process started meanwhile or a timer would.
        var reads = 0;
        for (var after = 0; after < 10 || !writing.IsCompleted; after += growing.IsCompleted ? 1 : 0, reads++)
        {
            if (reads % 3 == 0)
            {
                await readers.RefreshAsync();
            }

            var committed = Volatile.Read(ref written);
            var codes = (await readDb.Currencies.ListAllAsync()).Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
            var missing = seeded.Concat(Enumerable.Range(0, committed).Select(Written)).Where(code => !codes.Contains(code)).ToArray();
            Assert.True(missing.Length == 0, $"read {reads} misses {string.Join(", ", missing)} on map version {readers.CurrentShardMap!.Version}");
        }

        await growing;
        await writing;
        Assert.Equal(3, (await readers.RefreshAsync()).ReadableCopies.Count);
        Assert.Equal(3, writers.CurrentShardMap!.Workers.Count);
        var expected = seeded.Concat(Enumerable.Range(0, written).Select(Written)).Order(StringComparer.Ordinal).ToArray();
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(expected, await Sql.ColumnAsync<string>(node.ConnectionString, "SELECT code FROM currencies ORDER BY code COLLATE \"C\""));
        }

        Assert.Equal(["ready", "ready", "ready", "ready"], await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT reference_copies FROM shardgen.nodes ORDER BY node_id"));
    }

    [Fact]
    public async Task A_fill_left_unfinished_is_written_not_read_and_finished_by_the_next_apply_of_any_process()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var coordinator = cluster.CoordinatorConnectionString;
        var worker2 = cluster.Workers[1].ConnectionString;
        await using var full = Source(cluster, workers: 2);
        await new ShardDatabase(full).ApplySchemaAsync();
        var seeded = await SeedAsync(new ShardDatabase(full), 6);

        // As an apply that registered worker2 and stopped before its fill committed: part of a copy, and a stray row.
        await Sql.ScalarAsync<object>(coordinator, "UPDATE shardgen.nodes SET reference_copies = 'filling' WHERE name = 'worker2'; UPDATE shardgen.metadata SET version = version + 1");
        await Sql.ScalarAsync<object>(worker2, "DELETE FROM currencies WHERE code > 'C02'; INSERT INTO currencies VALUES ('STRAY', 'not on the coordinator', 0)");

        await using var other = Source(cluster, workers: 1);
        var db = new ShardDatabase(other);
        var map = await other.GetShardMapAsync();
        Assert.Equal(["worker1"], map.ReadableCopies.Select(w => w.Name));
        for (var read = 0; read < 6; read++)
        {
            Assert.Equal(seeded, (await db.Currencies.ListAllAsync()).Select(c => c.Code).Order(StringComparer.Ordinal));
        }

        await db.Currencies.InsertAsync(new Currency("ZZZ", "reaches the filling copy", 2));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(worker2, "SELECT count(*) FROM currencies WHERE code = 'ZZZ'"));

        // A process that was not given worker2 finishes its fill.
        await db.ApplySchemaAsync();
        Assert.Equal("ready", await Sql.ScalarAsync<string>(coordinator, ReadyOf, "worker2"));
        Assert.Equal(2, other.CurrentShardMap!.ReadableCopies.Count);
        string[] all = [.. seeded, "ZZZ"];
        Assert.Equal(all.Order(StringComparer.Ordinal), await Sql.ColumnAsync<string>(worker2, "SELECT code FROM currencies ORDER BY code COLLATE \"C\""));
    }

    [Fact]
    public async Task Metadata_from_before_copy_states_reads_every_copy_as_ready_and_apply_upgrades_it_in_place()
    {
        await using var cluster = await LocalPostgresCluster.StartAsync(workers: 2);
        var coordinator = cluster.CoordinatorConnectionString;
        await using var source = Source(cluster, workers: 2);
        await new ShardDatabase(source).ApplySchemaAsync();
        var seeded = await SeedAsync(new ShardDatabase(source), 3);
        await Sql.ScalarAsync<object>(coordinator, "ALTER TABLE shardgen.nodes DROP COLUMN reference_copies");

        await using var upgraded = Source(cluster, workers: 2);
        var db = new ShardDatabase(upgraded);
        Assert.Equal(2, (await upgraded.GetShardMapAsync()).ReadableCopies.Count);
        Assert.Equal(seeded, (await db.Currencies.ListAllAsync()).Select(c => c.Code).Order(StringComparer.Ordinal));

        await db.ApplySchemaAsync();
        Assert.Equal(["ready", "ready", "ready"], await Sql.ColumnAsync<string>(coordinator, "SELECT reference_copies FROM shardgen.nodes ORDER BY node_id"));
        Assert.StartsWith("'filling'", await Sql.ScalarAsync<string>(coordinator, "SELECT column_default FROM information_schema.columns WHERE table_schema = 'shardgen' AND table_name = 'nodes' AND column_name = 'reference_copies'"));
    }

    private static ShardedDataSource Source(LocalPostgresCluster cluster, int workers)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema);
        for (var i = 0; i < workers; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    private static async Task<string[]> SeedAsync(ShardDatabase db, int count)
    {
        var codes = Enumerable.Range(0, count).Select(i => $"C{i:00}").ToArray();
        foreach (var code in codes)
        {
            await db.Currencies.InsertAsync(new Currency(code, "seeded", 2));
        }

        return codes;
    }

    private static string Written(int i) => $"W{i:0000}";

    // Waits until a condition read on a server holds, or the operation it waits for has ended (its failure is the error then).
    private static async Task UntilAsync(Task operation, string condition, string connectionString)
    {
        while (!await Sql.ScalarAsync<bool>(connectionString, condition))
        {
            if (operation.IsCompleted)
            {
                await operation;
                Assert.Fail($"Finished before: {condition}");
            }

            await Task.Delay(10);
        }
    }
}
