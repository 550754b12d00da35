using System.Collections.Concurrent;
using Npgsql;
using ShardGen.Model;
using ShardGen.Testing;
using ShardGen.Tests.Infrastructure;
using ShardGen.Tests.Model;
using Xunit.Abstractions;

namespace ShardGen.Tests.Operations;

/// <summary>
/// Moving a shard group between workers of a real three-worker cluster (workers with wal_level = logical) while data
/// sources write and read: what each server holds afterwards is read with SQL sent straight to it.
/// </summary>
public sealed class ShardMoveTests(ITestOutputHelper output)
{
    private const string Group = "int8";

    [Fact]
    public async Task A_group_moves_under_writes_and_reads_and_every_acknowledged_write_is_on_the_target_once()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        await db.Currencies.InsertAsync(new Currency("EUR", "Euro", 2));
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 4);
        var seeded = new List<(long, long)>();
        foreach (var tenant in tenants)
        {
            for (var id = 0; id < 200; id++)
            {
                await db.Accounts.InsertAsync(new Account(tenant, id, "seed", id));
                await db.Entries.InsertAsync(new Entry(tenant, id, id, 1m, null));
                seeded.Add((tenant, id));
            }
        }

        // A process that loaded its map before the move and never refreshes it on a timer.
        await using var stale = Source(cluster);
        var staleDb = new ShardDatabase(stale);
        var oldMap = await stale.GetShardMapAsync();
        Assert.Equal("worker1", oldMap.Route(AccountRepository.Definition, tenants[0]).Node.Name);

        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentBag<(long Tenant, long Id)>(seeded);
        var failures = new ConcurrentQueue<string>();
        var next = 1000L;
        var moved = false;
        var staleAfterMove = 0;
        async Task WriteAsync(ShardDatabase writer)
        {
            while (!stop.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref next);
                var tenant = tenants[(int)(id % tenants.Length)];
                try
                {
                    await writer.Accounts.InsertAsync(new Account(tenant, id, "written during the move", id));
                    acknowledged.Add((tenant, id));
                    if (writer == staleDb && Volatile.Read(ref moved))
                    {
                        Interlocked.Increment(ref staleAfterMove);
                    }
                }
                catch (ShardGenException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }

        var reads = 0;
        async Task ReadAsync()
        {
            var random = new Random(7);
            while (!stop.IsCancellationRequested)
            {
                var written = acknowledged.ToArray();
                var (tenant, id) = written[random.Next(written.Length)];
                try
                {
                    if (await db.Accounts.GetAsync(tenant, id) is null)
                    {
                        failures.Enqueue($"read of ({tenant}, {id}) returned nothing");
                    }

                    if ((await db.Currencies.ListAllAsync()).Count != 1)
                    {
                        failures.Enqueue("a reference read missed its row");
                    }

                    Interlocked.Increment(ref reads);
                }
                catch (ShardGenException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        }

        var clients = new List<Task>();
        for (var i = 0; i < 4; i++)
        {
            clients.Add(Task.Run(() => WriteAsync(db)));
            clients.Add(Task.Run(ReadAsync));
        }

        clients.Add(Task.Run(() => WriteAsync(staleDb)));
        await Task.Delay(300);
        var result = await live.MoveShardGroupAsync(Group, shard, "worker3");
        Volatile.Write(ref moved, true);

        // Writes go on until the stale process has written a few times after the move (it meets the fence first).
        using (var enough = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (Volatile.Read(ref staleAfterMove) < 20)
            {
                await Task.Delay(20, enough.Token);
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);

        output.WriteLine($"moved {result.Tables.Sum(t => t.Rows)} rows in {result.Elapsed.TotalMilliseconds:0} ms, writes blocked {result.WriteBlock.TotalMilliseconds:0} ms; {acknowledged.Count - seeded.Count} writes and {reads} reads meanwhile");
        Assert.Empty(failures);
        Assert.True(reads > 0);
        Assert.Equal(("worker1", "worker3"), (result.Source, result.Target));
        Assert.True(result.WriteBlock > TimeSpan.Zero && result.WriteBlock <= result.Elapsed);

        // The target holds every acknowledged write exactly once, and nothing else.
        var map = await live.GetShardMapAsync();
        var accounts = map.Shards(AccountRepository.Definition)[shard];
        Assert.Equal("worker3", accounts.Node.Name);
        var onTarget = await PairsAsync(cluster.Workers[2].ConnectionString, Identifiers.Quote(accounts.ShardTable));
        Assert.Equal(onTarget.Count, onTarget.Distinct().Count());
        Assert.Equal(acknowledged.OrderBy(p => p).ToArray(), onTarget.OrderBy(p => p).ToArray());

        // The stale process met the fence, reloaded its map and wrote on; its writes are among the above.
        Assert.True(stale.CurrentShardMap!.Version > oldMap.Version);

        // The source's copy is fenced: no table by that name where routed statements look, and the fenced copy is
        // exactly what both copies held at the switch (its checksum is the proof's), nothing written since.
        var worker1 = cluster.Workers[0].ConnectionString;
        var fence = MoveCatalog.Name(result.MoveId);
        Assert.Null(await Sql.ScalarAsync<string>(worker1, "SELECT to_regclass($1)::text", Identifiers.Quote(accounts.ShardTable)));
        foreach (var table in result.Tables)
        {
            Assert.Equal(table.Checksum, await ChecksumAsync(worker1, table.Table, fence, table.ShardTable));
        }

        Assert.Equal(ShardDatabase.Schema.Tables.Where(t => t.ColocationGroup == Group).Select(t => t.Name).Order(StringComparer.Ordinal), result.Tables.Select(t => t.Table));
        Assert.Equal(seeded.Count, result.Tables.Single(t => t.Table == "entries").Rows);

        var fenced = await PairsAsync(worker1, $"{Identifiers.Quote(fence)}.{Identifiers.Quote(accounts.ShardTable)}");
        Assert.Equal(result.Tables.Single(t => t.Table == "accounts").Rows, fenced.Count);
        Assert.Subset(onTarget.ToHashSet(), fenced.ToHashSet());

        // Replication is gone from both workers; the move is recorded as switched.
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[2].ConnectionString, "SELECT count(*) FROM pg_subscription"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker1, "SELECT count(*) FROM pg_publication"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker1, "SELECT count(*) FROM pg_replication_slots"));
        Assert.Equal("switched", await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT state FROM shardgen.moves WHERE move_id = $1", result.MoveId));

        // Cleaning up drops the fenced copy.
        Assert.Equal(1, await live.CleanUpShardMovesAsync());
        Assert.False(await Sql.ScalarAsync<bool>(worker1, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", fence));
    }

    [Fact]
    public async Task Writes_of_every_kind_between_the_proofs_snapshots_and_the_write_block_are_proven_and_a_copy_changed_there_by_hand_is_caught()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker2", count: 2);
        await SeedAsync(db, tenants);

        var table = Identifiers.Quote((await live.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard].ShardTable);
        var (worker2, worker3) = (cluster.Workers[1].ConnectionString, cluster.Workers[2].ConnectionString);
        var (a, b) = (tenants[0], tenants[1]);

        // Once both copies are checksummed in their snapshots, before the write block: every kind of change a row can
        // have since, and rows locked or changed by a transaction that rolled back, which change nothing.
        var progress = new Steps(step =>
        {
            if (step == ShardMoveStep.WriteBlock)
            {
                ChangeAsync().GetAwaiter().GetResult();
            }
        });
        async Task ChangeAsync()
        {
            await Sql.ExecuteAsync(worker2, $"INSERT INTO {table} (tenant_id, id, owner, balance) SELECT $1, i, 'new', i FROM generate_series(100, 104) i", a);
            await Sql.ExecuteAsync(worker2, $"UPDATE {table} SET balance = balance + 1000 WHERE tenant_id = $1 AND id = 1", a);
            await Sql.ExecuteAsync(worker2, $"DELETE FROM {table} WHERE tenant_id = $1 AND id = 2", a);
            await Sql.ExecuteAsync(worker2, $"UPDATE {table} SET id = 203 WHERE tenant_id = $1 AND id = 3", a);
            await Sql.ExecuteAsync(worker2, $"DELETE FROM {table} WHERE tenant_id = $1 AND id = 4", a);
            await Sql.ExecuteAsync(worker2, $"INSERT INTO {table} (tenant_id, id, owner, balance) VALUES ($1, 4, 'seed', 4)", a);
            await Sql.ExecuteAsync(worker2, $"INSERT INTO {table} (tenant_id, id, owner, balance) VALUES ($1, 300, 'brief', 0)", a);
            await Sql.ExecuteAsync(worker2, $"DELETE FROM {table} WHERE tenant_id = $1 AND id = 300", a);
            await Sql.ExecuteAsync(worker2, $"UPDATE {table} SET owner = 'once' WHERE tenant_id = $1 AND id = 7", b);
            await Sql.ExecuteAsync(worker2, $"UPDATE {table} SET owner = 'twice' WHERE tenant_id = $1 AND id = 7", b);
            await using var connection = new NpgsqlConnection(worker2);
            await connection.OpenAsync();
            await using (var locking = await connection.BeginTransactionAsync())
            {
                await using var command = new NpgsqlCommand($"SELECT * FROM {table} WHERE tenant_id = $1 AND id IN (5, 8) FOR UPDATE", connection, locking) { Parameters = { new() { Value = a } } };
                await command.ExecuteNonQueryAsync();
                await locking.CommitAsync();
            }

            await using (var undone = await connection.BeginTransactionAsync())
            {
                await using var command = new NpgsqlCommand($"UPDATE {table} SET balance = -1 WHERE tenant_id = $1 AND id = 6", connection, undone) { Parameters = { new() { Value = a } } };
                await command.ExecuteNonQueryAsync();
                await undone.RollbackAsync();
            }
        }

        var moved = await live.MoveShardGroupAsync(Group, shard, "worker3", progress: progress);
        var accounts = moved.Tables.Single(t => t.Table == "accounts");
        Assert.Equal(100L + 5 - 1, accounts.Rows);
        var fenced = $"{Identifiers.Quote(MoveCatalog.Name(moved.MoveId))}.{table}";
        const string Rows = "SELECT tenant_id, id, owner, balance FROM {0} ORDER BY tenant_id, id";
        var expected = await Sql.QueryAsync(worker2, string.Format(System.Globalization.CultureInfo.InvariantCulture, Rows, fenced));
        Assert.Equal(expected, await Sql.QueryAsync(worker3, string.Format(System.Globalization.CultureInfo.InvariantCulture, Rows, table)));
        Assert.Equal(await ChecksumAsync(worker3, "accounts", "public", accounts.ShardTable), accounts.Checksum);
        Assert.Contains(expected, row => (long)row[0]! == a && (long)row[1]! == 203 && (decimal)row[3]! == 3);
        Assert.Contains(expected, row => (long)row[0]! == b && (long)row[1]! == 7 && (string)row[2]! == "twice");

        // Back to worker2; this time a row of the target's copy is changed by hand in the same place (as replication
        // writes, past the trigger that refuses other writes): the write block finds the difference and fences nothing.
        var tampered = new Steps(step =>
        {
            if (step == ShardMoveStep.WriteBlock)
            {
                TamperAsync().GetAwaiter().GetResult();
            }
        });
        async Task TamperAsync()
        {
            await using var connection = new NpgsqlConnection(worker2);
            await connection.OpenAsync();
            await using var replica = new NpgsqlCommand("SET session_replication_role = replica", connection);
            await replica.ExecuteNonQueryAsync();
            await using var update = new NpgsqlCommand($"UPDATE {table} SET balance = balance + 1 WHERE tenant_id = $1 AND id = 10", connection) { Parameters = { new() { Value = b } } };
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var error = await Assert.ThrowsAsync<ShardGenException>(() => live.MoveShardGroupAsync(Group, shard, "worker2", progress: tampered));
        Assert.Contains($"Shard table {table} on the target differs from the source's copy", error.Message, StringComparison.Ordinal);
        Assert.Equal("worker3", (await live.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard].Node.Name);
        Assert.Equal(104L, await Sql.ScalarAsync<long>(worker3, $"SELECT count(*) FROM {table}"));

        // The next run cleans up what the failed one left and moves the group with the copy made again.
        var again = await live.MoveShardGroupAsync(Group, shard, "worker2");
        Assert.Equal(104L, again.Tables.Single(t => t.Table == "accounts").Rows);
        Assert.Equal(expected, await Sql.QueryAsync(worker2, string.Format(System.Globalization.CultureInfo.InvariantCulture, Rows, table)));
    }

    [Fact]
    public async Task A_write_that_waited_on_the_write_block_fails_on_the_fence_and_is_written_on_the_new_placement_only()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 1);
        await db.Accounts.InsertAsync(new Account(tenants[0], 1, "before", 1));
        await using var stale = Source(cluster);
        var staleDb = new ShardDatabase(stale);
        var table = (await stale.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard].ShardTable;
        var worker1 = cluster.Workers[0].ConnectionString;

        // A reader in a transaction on the source keeps the fence (which needs the table to itself) waiting inside the write block.
        await using var reader = new NpgsqlConnection(worker1);
        await reader.OpenAsync();
        await using var reading = await reader.BeginTransactionAsync();
        await using (var read = new NpgsqlCommand($"SELECT count(*) FROM {Identifiers.Quote(table)}", reader, reading))
        {
            await read.ExecuteScalarAsync();
        }

        var move = live.MoveShardGroupAsync(Group, shard, "worker2", new ShardMoveOptions { LockTimeout = TimeSpan.FromSeconds(30) });
        await UntilAsync(move, worker1, "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = to_regclass($1) AND mode = 'AccessExclusiveLock' AND NOT granted)", Identifiers.Quote(table));

        // The stale write queues behind the write block, then finds the name gone once the fence commits.
        var write = staleDb.Accounts.InsertAsync(new Account(tenants[0], 2, "blocked, then fenced", 2));
        await UntilAsync(write, worker1, "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = to_regclass($1) AND mode = 'RowExclusiveLock' AND NOT granted)", Identifiers.Quote(table));
        await reading.CommitAsync();
        var result = await move;
        await write;

        var fence = MoveCatalog.Name(result.MoveId);
        Assert.Equal([(tenants[0], 1L)], await PairsAsync(worker1, $"{Identifiers.Quote(fence)}.{Identifiers.Quote(table)}"));
        Assert.Equal([(tenants[0], 1L), (tenants[0], 2L)], (await PairsAsync(cluster.Workers[1].ConnectionString, Identifiers.Quote(table))).Order());
        Assert.Equal("worker2", stale.CurrentShardMap!.Route(AccountRepository.Definition, tenants[0]).Node.Name);
    }

    [Fact]
    public async Task A_mover_stopped_during_catch_up_leaves_one_writable_copy_and_the_next_run_cleans_up_and_finishes()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 2);
        await SeedAsync(db, tenants);

        await using var stale = Source(cluster);
        var staleDb = new ShardDatabase(stale);
        var table = (await stale.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard].ShardTable;
        var (worker1, worker3) = (cluster.Workers[0].ConnectionString, cluster.Workers[2].ConnectionString);

        // The mover dies as the target catches up: nothing of it runs after that point.
        // (A cancelled move is settled before the call returns; an exception from the progress callback is not.)
        var progress = new Steps(step =>
        {
            if (step == ShardMoveStep.CatchingUp)
            {
                throw new MoverDiedException();
            }
        });
        await Assert.ThrowsAsync<MoverDiedException>(() => live.MoveShardGroupAsync(Group, shard, "worker3", progress: progress));
        Assert.Equal("copying", await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT state FROM shardgen.moves"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(worker3, "SELECT count(*) FROM pg_subscription"));
        Assert.True(await Sql.ScalarAsync<bool>(worker3, "SELECT subbinary FROM pg_subscription"), "between servers of one major version the writes travel in binary");

        // The source is still the one writable copy: writes go there; the half-made target refuses writes that are not replication's.
        await db.Accounts.InsertAsync(new Account(tenants[0], 100, "after the crash", 1));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql.ScalarAsync<object>(worker3, $"INSERT INTO {Identifiers.Quote(table)} (tenant_id, id, owner, balance) VALUES ($1, 999, 'stray', 0)", tenants[0]));
        Assert.Equal(PostgresErrorCodes.UndefinedTable, refused.SqlState);
        Assert.Equal("worker1", (await live.RouteAsync(AccountRepository.Definition, tenants[0])).Node.Name);

        // The next run abandons the half-made move (subscription, publication, slot, target tables) and moves from scratch.
        var result = await live.MoveShardGroupAsync(Group, shard, "worker3");
        Assert.Equal(["abandoned", "switched"], await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT state FROM shardgen.moves ORDER BY move_id"));
        Assert.Equal(101, (await PairsAsync(worker3, Identifiers.Quote(table))).Count);
        Assert.Equal(101L, result.Tables.Single(t => t.Table == "accounts").Rows);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker1, "SELECT count(*) FROM pg_replication_slots"));
        Assert.False(await Sql.ScalarAsync<bool>(worker3, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'shardgen_move_1')"));

        // A stale process in an explicit transaction cannot be retried behind its back: its call fails as retryable, with the
        // map reloaded, and the transaction run again goes to the new placement.
        await using (var transaction = await stale.BeginTransactionAsync())
        {
            var error = await Assert.ThrowsAsync<ShardOperationException>(() => staleDb.Accounts.InsertAsync(new Account(tenants[1], 200, "in a transaction", 1)));
            Assert.True(error.IsRetryable, error.Message);
            Assert.Contains("moved", error.Message, StringComparison.Ordinal);
        }

        await using (var transaction = await stale.BeginTransactionAsync())
        {
            await staleDb.Accounts.InsertAsync(new Account(tenants[1], 200, "in a transaction", 1));
            await transaction.CommitAsync();
        }

        Assert.Equal(1L, await Sql.ScalarAsync<long>(worker3, $"SELECT count(*) FROM {Identifiers.Quote(table)} WHERE tenant_id = $1 AND id = 200", tenants[1]));
    }

    [Fact]
    public async Task A_mover_stopped_after_the_fence_is_finished_by_the_next_run_with_the_checksums_proven_again()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker2", count: 2);
        await SeedAsync(db, tenants);

        var table = (await live.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard].ShardTable;
        var (worker2, worker3) = (cluster.Workers[1].ConnectionString, cluster.Workers[2].ConnectionString);

        // The mover dies right after the fence committed, before the metadata names the target.
        // (A cancelled move is settled before the call returns; an exception from the progress callback is not.)
        var progress = new Steps(step =>
        {
            if (step == ShardMoveStep.Fenced)
            {
                throw new MoverDiedException();
            }
        });
        await Assert.ThrowsAsync<MoverDiedException>(() => live.MoveShardGroupAsync(Group, shard, "worker3", progress: progress));
        Assert.Equal("copying", await Sql.ScalarAsync<string>(cluster.CoordinatorConnectionString, "SELECT state FROM shardgen.moves"));
        Assert.Null(await Sql.ScalarAsync<string>(worker2, "SELECT to_regclass($1)::text", Identifiers.Quote(table)));

        // No copy takes writes meanwhile: the source's is fenced, the target's refuses them; the call fails as retryable.
        var error = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.InsertAsync(new Account(tenants[0], 100, "while half-switched", 1)));
        Assert.True(error.IsRetryable, error.Message);
        await Assert.ThrowsAsync<PostgresException>(() => Sql.ScalarAsync<object>(worker3, $"INSERT INTO {Identifiers.Quote(table)} (tenant_id, id, owner, balance) VALUES ($1, 999, 'stray', 0)", tenants[0]));

        // The next run finds the fence, proves the copies equal again and switches: the same move, finished.
        var result = await live.MoveShardGroupAsync(Group, shard, "worker3");
        Assert.Equal(["switched"], await Sql.ColumnAsync<string>(cluster.CoordinatorConnectionString, "SELECT state FROM shardgen.moves"));
        Assert.Equal(1, result.MoveId);
        Assert.Equal(100L, result.Tables.Single(t => t.Table == "accounts").Rows);
        Assert.Equal(100, (await PairsAsync(worker3, Identifiers.Quote(table))).Count);
        await db.Accounts.InsertAsync(new Account(tenants[0], 100, "after the switch", 1));
        Assert.Equal(101, (await PairsAsync(worker3, Identifiers.Quote(table))).Count);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker3, "SELECT count(*) FROM pg_subscription"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(worker2, "SELECT count(*) FROM pg_replication_slots"));
    }

    [Theory]
    [InlineData(ShardMoveStep.Copying)]
    [InlineData(ShardMoveStep.CatchingUp)]
    [InlineData(ShardMoveStep.Proving)]
    [InlineData(ShardMoveStep.WriteBlock)]
    [InlineData(ShardMoveStep.Fenced)]
    [InlineData(ShardMoveStep.Switched)]
    public async Task A_mover_that_dies_at_any_step_leaves_one_writable_copy_and_the_next_run_ends_with_the_shard_moved_once(ShardMoveStep step)
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 2);
        var rows = tenants.SelectMany(tenant => Enumerable.Range(0, 100).Select(id => new Account(tenant, id, "seed", id))).ToList();
        await db.Accounts.BulkInsertAsync(rows);

        await Assert.ThrowsAsync<MoverDiedException>(() => live.MoveShardGroupAsync(Group, shard, "worker3", progress: new Steps(reached =>
        {
            if (reached == step)
            {
                throw new MoverDiedException();
            }
        })));

        // Never two writable copies: before the fence the source takes writes; once fenced (metadata not switched yet)
        // no copy does until the next run finishes the move; after the switch the target does.
        var after = new Account(tenants[0], 1000, "after the crash", 1);
        if (step == ShardMoveStep.Fenced)
        {
            var refused = await Assert.ThrowsAsync<ShardOperationException>(() => db.Accounts.InsertAsync(after));
            Assert.True(refused.IsRetryable, refused.Message);
        }
        else
        {
            await db.Accounts.InsertAsync(after);
        }

        var result = await live.MoveShardGroupAsync(Group, shard, "worker3");
        if (step == ShardMoveStep.Fenced)
        {
            await db.Accounts.InsertAsync(after);
        }

        await live.CleanUpShardMovesAsync();

        var map = await live.RefreshAsync();
        var accounts = map.Shards(AccountRepository.Definition)[shard];
        Assert.Equal("worker3", accounts.Node.Name);
        var onTarget = await PairsAsync(cluster.Workers[2].ConnectionString, Identifiers.Quote(accounts.ShardTable));
        Assert.Equal(rows.Select(r => (r.TenantId, r.Id)).Append((tenants[0], 1000L)).Order().ToArray(), onTarget.Order().ToArray());
        Assert.Null(await Sql.ScalarAsync<string>(cluster.Workers[0].ConnectionString, "SELECT to_regclass($1)::text", Identifiers.Quote(accounts.ShardTable)));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[2].ConnectionString, "SELECT count(*) FROM pg_subscription"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[0].ConnectionString, "SELECT count(*) FROM pg_replication_slots"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[0].ConnectionString, "SELECT count(*) FROM pg_publication"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.CoordinatorConnectionString, "SELECT count(*) FROM shardgen.moves WHERE state IN ('copying', 'switched')"));
        var verification = await live.VerifyAsync();
        Assert.True(verification.IsSound, string.Join("\n", verification.Problems.Select(p => p.Message)));

        // A move that had switched is not made again; one that had fenced is finished by the next run's settle, with
        // its checksums proven again; an earlier one is undone and made from the start.
        Assert.Equal(step == ShardMoveStep.Switched, result.Tables.Count == 0);
    }

    [Fact]
    public async Task Fan_outs_with_a_map_older_than_a_move_run_again_on_the_new_placement_once()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var accounts = Enumerable.Range(0, 200).Select(id => new Account(id % 40, id, "seed", 0)).ToList();
        await db.Accounts.BulkInsertAsync(accounts);

        // Another process, its map loaded now and never refreshed on a timer: only the fences tell it the shards moved.
        await using var stale = Source(cluster);
        var staleDb = new ShardDatabase(stale);
        var sweeps = new AccountSweeps(stale);
        var shards = (await live.GetShardMapAsync()).Shards(AccountRepository.Definition).Where(s => s.Node.Name == "worker1").Select(s => s.ShardIndex).Take(4).ToArray();
        var moves = 0;
        async Task MoveAsync() => await live.MoveShardGroupAsync(Group, shards[moves++], "worker3");
        var version = (await stale.GetShardMapAsync()).Version;

        await MoveAsync();
        Assert.Equal(200L, await staleDb.Accounts.CountAllAsync());
        await MoveAsync();
        Assert.Equal(accounts.Select(a => (a.TenantId, a.Id)).Order(), (await staleDb.Accounts.ListAllAsync()).Select(a => (a.TenantId, a.Id)).Order());
        await MoveAsync();
        Assert.Equal(200, await sweeps.RaiseFrom(0));
        await MoveAsync();
        Assert.Equal(200, await sweeps.StreamFrom(1).CountAsync());

        // Each ran once more on the reloaded map, and the write was applied once, on the new placements.
        Assert.Equal((await live.RefreshAsync()).Version, (await stale.GetShardMapAsync()).Version);
        Assert.True((await stale.GetShardMapAsync()).Version > version);
        Assert.Equal(200, (await db.Accounts.ListAllAsync()).Count(a => a.Balance == 1));
    }

    [Fact]
    public async Task A_move_reports_its_steps_in_order_with_the_rows_estimated_and_copied()
    {
        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 3);
        var accounts = tenants.SelectMany(tenant => Enumerable.Range(0, 500).Select(id => new Account(tenant, id, "seed", id))).ToList();
        await db.Accounts.BulkInsertAsync(accounts);
        await Sql.ExecuteAsync(cluster.Workers[0].ConnectionString, "ANALYZE");

        var reports = new List<ShardMoveProgress>();
        var result = await live.MoveShardGroupAsync(Group, shard, "worker2", progress: new Reported(reports.Add));

        var steps = reports.Select(r => r.Step).Distinct().ToArray();
        Assert.Equal([ShardMoveStep.Settling, ShardMoveStep.Copying, ShardMoveStep.CatchingUp, ShardMoveStep.Proving, ShardMoveStep.WriteBlock, ShardMoveStep.Fenced, ShardMoveStep.Switched], steps);
        Assert.Equal(1500L, result.Tables.Sum(t => t.Rows));
        var caughtUp = reports.First(r => r.Step == ShardMoveStep.CatchingUp);
        Assert.Equal((1500L, 1500L), (caughtUp.RowsCopied, caughtUp.RowsEstimated));
        Assert.All(reports.Where(r => r.Step == ShardMoveStep.Copying), r => Assert.InRange(r.RowsCopied, 0, 1500));
        Assert.True(reports.Select(r => r.Elapsed).SequenceEqual(reports.Select(r => r.Elapsed).Order()));

        // What a terminal shows: rows and time left while copying, the lag while catching up.
        var copying = new ShardMoveProgress(ShardMoveStep.Copying, 250, 1000, 0, TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(6), copying.Remaining);
        Assert.Equal("copying: 250 of ~1,000 rows (25%), ~6 s left", copying.ToString());
        Assert.Equal("catching up: 2 kB behind", new ShardMoveProgress(ShardMoveStep.CatchingUp, 1000, 1000, 2048, TimeSpan.FromSeconds(3)).ToString());
        Assert.Null(new ShardMoveProgress(ShardMoveStep.Copying, 0, 1000, 0, TimeSpan.FromSeconds(1)).Remaining);
    }

    [Fact]
    public async Task A_move_whose_copy_yields_pauses_between_chunks_and_still_copies_every_row_and_every_write_once()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardMoveOptions { CopyNiceRatio = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardMoveOptions { CopyNiceRatio = double.NaN });

        await using var cluster = await StartAsync();
        await using var live = Source(cluster);
        var db = new ShardDatabase(live);
        await db.ApplySchemaAsync();
        var (shard, tenants) = await TenantsOnAsync(live, "worker1", count: 2);

        // About 20 MB: the copy pauses after each 8 MB.
        var padding = new string('x', 200);
        await db.Accounts.BulkInsertAsync(tenants.SelectMany(tenant => Enumerable.Range(0, 50_000).Select(id => new Account(tenant, id, padding, id))));
        var acknowledged = new ConcurrentBag<(long Tenant, long Id)>(tenants.SelectMany(tenant => Enumerable.Range(0, 50_000).Select(id => (tenant, (long)id))));

        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentQueue<string>();
        var writer = Task.Run(async () =>
        {
            for (var id = 100_000L; !stop.IsCancellationRequested; id++)
            {
                try
                {
                    await db.Accounts.InsertAsync(new Account(tenants[id % 2], id, "written during the move", id));
                    acknowledged.Add((tenants[id % 2], id));
                }
                catch (ShardGenException ex)
                {
                    failures.Enqueue(ex.Message);
                }
            }
        });

        var result = await live.MoveShardGroupAsync(Group, shard, "worker2", new ShardMoveOptions { CopyNiceRatio = 1 });
        await stop.CancelAsync();
        await writer;

        Assert.Empty(failures);
        var accounts = (await live.GetShardMapAsync()).Shards(AccountRepository.Definition)[shard];
        Assert.Equal("worker2", accounts.Node.Name);
        var onTarget = await PairsAsync(cluster.Workers[1].ConnectionString, Identifiers.Quote(accounts.ShardTable));
        Assert.Equal(onTarget.Count, onTarget.Distinct().Count());
        Assert.Equal(acknowledged.Order().ToArray(), onTarget.Order().ToArray());
        Assert.True(result.Tables.Single(t => t.Table == "accounts").Rows >= 100_000);
        Assert.Equal(0L, await Sql.ScalarAsync<long>(cluster.Workers[0].ConnectionString, "SELECT count(*) FROM pg_replication_slots"));
    }

    private static Task<LocalPostgresCluster> StartAsync() =>
        LocalPostgresCluster.StartAsync(workers: 3, new LocalClusterOptions { ExtraSettings = new Dictionary<string, string> { ["wal_level"] = "logical" } });

    // Three workers; no map refresh on a timer, so that only the fence tells a process that a shard moved.
    private static ShardedDataSource Source(LocalPostgresCluster cluster)
    {
        var builder = new ShardedDataSourceBuilder(cluster.CoordinatorConnectionString).UseSchema(ShardDatabase.Schema).UseMapRefresh(TimeSpan.Zero);
        for (var i = 0; i < cluster.Workers.Count; i++)
        {
            builder.AddWorker(cluster.WorkerConnectionStrings[i], $"worker{i + 1}");
        }

        return builder.Build();
    }

    // A shard index on the worker, and tenants whose keys it holds.
    private static async Task<(int Shard, long[] Tenants)> TenantsOnAsync(ShardedDataSource source, string worker, int count)
    {
        var map = await source.GetShardMapAsync();
        var shard = map.Shards(AccountRepository.Definition).First(s => s.Node.Name == worker).ShardIndex;
        var tenants = Enumerable.Range(1, 100_000).Select(i => (long)i).Where(t => map.Route(AccountRepository.Definition, t).ShardIndex == shard).Take(count).ToArray();
        return (shard, tenants);
    }

    // Fifty accounts of each tenant, ids 0 to 49, balance the id.
    private static async Task SeedAsync(ShardDatabase db, long[] tenants)
    {
        foreach (var tenant in tenants)
        {
            for (var id = 0; id < 50; id++)
            {
                await db.Accounts.InsertAsync(new Account(tenant, id, "seed", id));
            }
        }
    }

    private static async Task<List<(long, long)>> PairsAsync(string connectionString, string qualifiedTable) =>
        [.. (await Sql.QueryAsync(connectionString, $"SELECT tenant_id, id FROM {qualifiedTable}")).Select(row => ((long)row[0]!, (long)row[1]!))];

    private static async Task<UInt128> ChecksumAsync(string connectionString, string tableName, string schema, string shardTable)
    {
        var table = ShardDatabase.Schema.Tables.Single(t => t.Name == tableName);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return (await ShardChecksum.ComputeAsync(connection, TableShape.Of(table), schema, shardTable, null, CancellationToken.None)).Checksum;
    }

    private static async Task UntilAsync(Task operation, string connectionString, string condition, params object[] parameters)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await Sql.ScalarAsync<bool>(connectionString, condition, parameters))
        {
            if (operation.IsCompleted)
            {
                await operation;
                Assert.Fail($"Finished before: {condition}");
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class MoverDiedException : Exception;

    private sealed class Reported(Action<ShardMoveProgress> onReport) : IProgress<ShardMoveProgress>
    {
        public void Report(ShardMoveProgress value) => onReport(value);
    }

    // Reports each step as it happens, on the mover's own flow (Progress<T> would post it later).
    private sealed class Steps(Action<ShardMoveStep> onStep) : IProgress<ShardMoveProgress>
    {
        public void Report(ShardMoveProgress value) => onStep(value.Step);
    }
}

/// <summary>Queries over every shard of the accounts, for the fan-outs that meet a move's fence.</summary>
public sealed partial class AccountSweeps(ShardedDataSource source)
{
    public ShardedDataSource Source { get; } = source;

    [Query("UPDATE accounts SET balance = balance + 1 WHERE balance >= @min")]
    public partial Task<int> RaiseFrom(decimal min);

    [Query("SELECT tenant_id, id, owner, balance FROM accounts WHERE balance >= @min ORDER BY tenant_id, id")]
    public partial IAsyncEnumerable<Account> StreamFrom(decimal min);
}
