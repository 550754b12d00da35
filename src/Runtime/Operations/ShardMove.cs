using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// Moves every shard of one index of a colocation group from its worker to another, online, as Citus's
/// <c>citus_move_shard_placement</c> does: logical replication copies the rows and follows the writes, a short write
/// block at the source ends with a checksum proof and a fence of the source's copy, then the metadata names the target.
/// Progress is recorded in <c>shardgen.moves</c> so that a run after a crash resumes or cleans up. See docs/operations.md.
/// </summary>
internal sealed partial class ShardMove
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private readonly ShardedDataSource _source;
    private readonly NpgsqlConnection _control;
    private readonly ShardMoveOptions _options;
    private IProgress<ShardMoveProgress>? _progress;
    private readonly Func<MetadataRows, ShardMap> _buildMap;
    private MetadataRows _rows = null!;
    private ShardMap _map = null!;

    private ShardMove(ShardedDataSource source, NpgsqlConnection control, ShardMoveOptions options, IProgress<ShardMoveProgress>? progress, Func<MetadataRows, ShardMap> buildMap)
    {
        _source = source;
        _control = control;
        _options = options;
        _progress = progress;
        _buildMap = buildMap;
    }

    /// <summary>
    /// Opens the mover's own coordinator session (unpooled: when the process dies, the session and its advisory lock go
    /// with it), takes the move lock, and runs <paramref name="work"/> after settling what earlier moves left.
    /// </summary>
    public static async Task<T> WithLockAsync<T>(
        ShardedDataSource source, ShardMoveOptions options, IProgress<ShardMoveProgress>? progress, Func<MetadataRows, ShardMap> buildMap,
        Func<ShardMove, Task<T>> work, CancellationToken cancellationToken)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(source.Coordinator.ConnectionString) { Pooling = false }.ConnectionString;
        await using var control = new NpgsqlConnection(unpooled);
        await control.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!await MetadataStore.ExistsAsync(control, cancellationToken).ConfigureAwait(false))
        {
            throw new ShardGenException($"The coordinator {source.Coordinator} holds no ShardGen metadata: call ApplySchemaAsync first.");
        }

        await MoveCatalog.EnsureAsync(control, cancellationToken).ConfigureAwait(false);
        var move = new ShardMove(source, control, options, progress, buildMap);
        try
        {
            await move.ExecuteAsync(
                "SELECT set_config('lock_timeout', $1, false), pg_advisory_lock($2)", null,
                Milliseconds(options.LockTimeout), MoveCatalog.MoveLockKey).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                $"Another shard move (or cleanup) is running in this cluster: it held the move lock for {options.LockTimeout.TotalSeconds} s (ShardMoveOptions.LockTimeout). Moves run one at a time; nothing was changed."), ex);
        }

        try
        {
            progress?.Report(new ShardMoveProgress(ShardMoveStep.Settling, 0, 0, 0, TimeSpan.Zero));
            await move.ReloadAsync(cancellationToken).ConfigureAwait(false);
            return await work(move).ConfigureAwait(false);
        }
        finally
        {
            // Closing the unpooled session releases the lock too; this only says so sooner.
            if (control.State == System.Data.ConnectionState.Open)
            {
                await move.ExecuteAsync("SELECT pg_advisory_unlock($1)", null, MoveCatalog.MoveLockKey).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Finishes or abandons moves a dead process left in <c>copying</c>, then drops the fenced copies of moves finished before.</summary>
    /// <returns>The moves finished here (a move that had fenced its source), and how many fenced copies were dropped.</returns>
    public async Task<(List<ShardMoveResult> Finished, int Dropped)> SettleAsync(CancellationToken cancellationToken)
    {
        // Read first: a move finished here keeps its fenced copy until the next settle, as a move finished by its own run does.
        var switched = await MoveCatalog.ReadAsync(_control, ["switched"], cancellationToken).ConfigureAwait(false);
        var finished = new List<ShardMoveResult>();
        foreach (var move in await MoveCatalog.ReadAsync(_control, ["copying"], cancellationToken).ConfigureAwait(false))
        {
            if (await SettleUnfinishedAsync(move, cancellationToken).ConfigureAwait(false) is { } result)
            {
                finished.Add(result);
            }
        }

        var dropped = 0;
        foreach (var move in switched)
        {
            var source = NodeById(move.SourceNode);
            await DropReplicationAsync(move, cancellationToken).ConfigureAwait(false);
            await using (var connection = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false))
            {
                await ExecuteOnAsync(connection, $"DROP SCHEMA IF EXISTS {Identifiers.Quote(move.Name)} CASCADE", cancellationToken).ConfigureAwait(false);
            }

            await MoveCatalog.SetStateAsync(_control, null, move.Id, "cleaned", cancellationToken).ConfigureAwait(false);
            dropped++;
        }

        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        return (finished, dropped);
    }

    /// <summary>The metadata as the last settle or move left it.</summary>
    public MetadataRows Rows => _rows;

    /// <summary>
    /// <see cref="MoveAsync"/> from the metadata as it is now, reporting its steps to <paramref name="progress"/> when given;
    /// cancelled, it settles the move before it returns (undone, or finished when the source was fenced already).
    /// </summary>
    public Task<ShardMoveResult> MoveOrSettleAsync(
        string groupName, int shardIndex, string targetName, IReadOnlyList<ShardMoveResult> settled, IProgress<ShardMoveProgress>? progress, CancellationToken cancellationToken) =>
        MoveOrSettleAsync(groupName, shardIndex, targetName, null, settled, progress, cancellationToken);

    /// <summary>
    /// As <see cref="MoveOrSettleAsync(string, int, string, IReadOnlyList{ShardMoveResult}, IProgress{ShardMoveProgress}?, CancellationToken)"/>,
    /// the shard group split on the way into pieces starting at <paramref name="splitPoints"/> (hashes inside its range,
    /// ascending), which become shards <paramref name="shardIndex"/> to <paramref name="shardIndex"/> + the number of points.
    /// </summary>
    public Task<ShardMoveResult> SplitOrSettleAsync(
        string groupName, int shardIndex, int[] splitPoints, string targetName, IProgress<ShardMoveProgress>? progress, CancellationToken cancellationToken) =>
        MoveOrSettleAsync(groupName, shardIndex, targetName, splitPoints, [], progress, cancellationToken);

    private async Task<ShardMoveResult> MoveOrSettleAsync(
        string groupName, int shardIndex, string targetName, int[]? splitPoints, IReadOnlyList<ShardMoveResult> settled, IProgress<ShardMoveProgress>? progress, CancellationToken cancellationToken)
    {
        _progress = progress ?? _progress;
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await MoveAsync(groupName, shardIndex, targetName, splitPoints, settled, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await SettleAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Moves shard <paramref name="shardIndex"/> of <paramref name="groupName"/> to <paramref name="targetName"/>, split at <paramref name="splitPoints"/> when given.</summary>
    private async Task<ShardMoveResult> MoveAsync(string groupName, int shardIndex, string targetName, int[]? splitPoints, IReadOnlyList<ShardMoveResult> settled, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var group = _rows.Groups.FirstOrDefault(g => g.Name == groupName)
            ?? throw new ArgumentException($"The cluster has no colocation group named '{groupName}'.", nameof(groupName));
        if (shardIndex < 0 || shardIndex >= group.ShardCount)
        {
            throw new ArgumentOutOfRangeException(nameof(shardIndex), shardIndex, $"Colocation group '{groupName}' has shards 0 to {group.ShardCount - 1}.");
        }

        var targetRow = _rows.Nodes.FirstOrDefault(n => n.Name == targetName && n.Role == "worker")
            ?? throw new ArgumentException($"The cluster has no worker named '{targetName}'.", nameof(targetName));
        var shards = ShardsOf(group.Id, shardIndex);
        var sourceId = shards[0].Shard.NodeId;
        int[]? starts = null;
        long[]? newShardIds = null;
        if (splitPoints is not null)
        {
            starts = SplitStarts(groupName, shardIndex, shards[0].Shard, splitPoints);
            if (sourceId == targetRow.Id)
            {
                throw new ArgumentException(
                    $"Shard {shardIndex} of colocation group '{groupName}' is on '{targetName}' already: a split copies the pieces to another worker with logical replication, which cannot write into the database it reads. Give another worker; a later move or rebalance can bring the pieces back.",
                    nameof(targetName));
            }

            newShardIds = await NewShardIdsAsync(starts.Length * shards.Count, cancellationToken).ConfigureAwait(false);
        }
        else if (sourceId == targetRow.Id)
        {
            // Already there: the move a crashed run had begun was finished while settling, or there was nothing to do.
            return settled.FirstOrDefault(r => r.ColocationGroup == groupName && r.ShardIndex == shardIndex && r.Target == targetName)
                ?? new ShardMoveResult(0, groupName, shardIndex, targetName, targetName, [], TimeSpan.Zero, Stopwatch.GetElapsedTime(started));
        }

        long[] shardIds = [.. shards.Select(s => s.Shard.ShardId)];
        string[] shardTables = [.. shards.Select(s => s.ShardTable)];
        var moveId = await MoveCatalog.InsertAsync(_control, group.Id, shardIndex, sourceId, targetRow.Id, shardIds, shardTables, starts, newShardIds, cancellationToken).ConfigureAwait(false)
            ?? throw new ShardGenException($"A table was added to colocation group '{groupName}' while the move was being planned; nothing was changed. Run it again.");
        var move = new MoveRow(moveId, group.Id, shardIndex, sourceId, targetRow.Id, shardIds, shardTables, "copying", starts, newShardIds);
        var source = NodeById(sourceId);
        var target = NodeById(targetRow.Id);

        var progress = new Reporter(_progress);
        progress.Report(ShardMoveStep.Copying);
        await CreateTargetTablesAsync(move, target, group, shards, cancellationToken).ConfigureAwait(false);
        Dictionary<string, long> estimates;
        int sourceMajor;
        await using (var connection = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false))
        {
            sourceMajor = connection.PostgreSqlVersion.Major;
            await ExecuteOnAsync(connection, $"CREATE PUBLICATION {Identifiers.Quote(move.Name)} FOR TABLE {string.Join(", ", move.ShardTables.Select(Identifiers.Quote))}", cancellationToken).ConfigureAwait(false);
            estimates = await EstimatedRowsAsync(connection, move, cancellationToken).ConfigureAwait(false);
        }

        progress.RowsEstimated = estimates.Values.Sum();
        await using var targetConnection = await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await CopyRowsAsync(move, source, target, shards, targetConnection, estimates, progress, cancellationToken).ConfigureAwait(false);
        await CreateSubscriptionAsync(targetConnection, move, source, binary: sourceMajor == targetConnection.PostgreSqlVersion.Major, cancellationToken).ConfigureAwait(false);
        progress.RowsCopied = progress.RowsEstimated;
        progress.Report(ShardMoveStep.CatchingUp);
        await using (var connection = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false))
        {
            var position = await ScalarOnAsync<string>(connection, null, "SELECT pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false);
            await WaitAsync(
                "the catch-up before the write block", _options.CatchUpTimeout, cancellationToken,
                async ct =>
                {
                    if (await CaughtUpAsync(targetConnection, move, position, ct).ConfigureAwait(false))
                    {
                        return true;
                    }

                    if (progress.Due)
                    {
                        progress.LagBytes = await ScalarOnAsync<long>(
                            connection, null,
                            "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), 0)::bigint FROM pg_replication_slots WHERE slot_name = $1",
                            ct, move.Name).ConfigureAwait(false);
                        progress.Report(ShardMoveStep.CatchingUp);
                    }

                    return false;
                }).ConfigureAwait(false);
        }

        progress.LagBytes = 0;
        var (tables, writeBlock) = await BlockProveAndFenceAsync(move, source, target, targetConnection, shards, progress, cancellationToken).ConfigureAwait(false);
        progress.Report(ShardMoveStep.Fenced);
        await SwitchAsync(move, shards, progress, cancellationToken).ConfigureAwait(false);
        return new ShardMoveResult(moveId, groupName, shardIndex, source.Name, target.Name, tables, writeBlock, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Reads the metadata again (<see cref="Rows"/>).</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _rows = await MetadataStore.ReadAsync(_control, null, cancellationToken).ConfigureAwait(false);
        _map = _buildMap(_rows);
    }

    private Node NodeById(int id)
    {
        var name = _rows.Nodes.First(n => n.Id == id).Name;
        return _map.Workers.First(w => w.Name == name);
    }

    /// <summary>The shards at one index of a group, table by table, with each table's recorded shape.</summary>
    private List<MovedShard> ShardsOf(int groupId, int shardIndex) =>
        [.. _rows.Tables.Where(t => t.GroupId == groupId).OrderBy(t => t.Name, StringComparer.Ordinal).Select(table => new MovedShard(
            table,
            _source.RecordedShape(table),
            _rows.Shards.First(s => s.Table == table.Name && s.ShardIndex == shardIndex)))];

    /// <summary>The smallest hash of each piece of a split: the shard's own, then the points, checked to lie inside its range, ascending.</summary>
    private static int[] SplitStarts(string groupName, int shardIndex, ShardRow shard, int[] points)
    {
        if (points.Length == 0)
        {
            throw new ArgumentException("A split needs at least one split point.", nameof(points));
        }

        for (var i = 0; i < points.Length; i++)
        {
            if (points[i] <= shard.MinHash || points[i] > shard.MaxHash || (i > 0 && points[i] <= points[i - 1]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Shard {shardIndex} of colocation group '{groupName}' holds hashes {shard.MinHash} to {shard.MaxHash}: split points start pieces, so they lie in ({shard.MinHash}, {shard.MaxHash}], ascending; {points[i]} does not."),
                    nameof(points));
            }
        }

        return [shard.MinHash, .. points];
    }

    /// <summary>The smallest and largest hash of piece <paramref name="piece"/> of a split.</summary>
    private static (int Min, int Max) PieceRange(MoveRow move, int piece, int sourceMax) =>
        (move.SplitStarts![piece], piece == move.SplitStarts.Length - 1 ? sourceMax : move.SplitStarts[piece + 1] - 1);

    private async Task<long[]> NewShardIdsAsync(int count, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT array_agg(nextval('shardgen.shard_id_seq')) FROM generate_series(1, $1)", _control);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        var ids = (long[])(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        Array.Sort(ids);
        return ids;
    }

    // The target's tables in the cluster's recorded shape (hash-range check, indexes, foreign keys), in one transaction,
    // with a trigger that refuses every write but replication's (which runs as session_replication_role = replica, where
    // ordinary triggers do not fire): a process routing with a map older than an earlier move of the shard away from
    // this worker cannot write into the copy while it is filled. The trigger goes at the switch.
    // A split's target has the pieces, each a shard table of its own range, attached as the partitions of a table named
    // as the source's shard table and partitioned by the key's hash: the subscription fills that table by name, and
    // PostgreSQL routes each row to its piece. Foreign keys between the pieces of colocated tables wait for the switch
    // (a table referenced by one cannot be attached as a partition).
    private async Task CreateTargetTablesAsync(MoveRow move, Node target, GroupRow group, List<MovedShard> shards, CancellationToken cancellationToken)
    {
        var schema = Identifiers.Quote(move.Name);
        var statements = new List<string>
        {
            $"CREATE SCHEMA {schema}",
            $"""
            CREATE FUNCTION {schema}.refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                RAISE EXCEPTION USING ERRCODE = 'undefined_table', MESSAGE = format('shard table %I is being filled by a shard move and is not in use yet', TG_TABLE_NAME);
            END
            $fn$
            """,
        };
        var after = new List<string>();
        var partitioned = new List<string>();
        foreach (var (shard, t) in shards.Select((shard, t) => (shard, t)))
        {
            if (move.NewShardIds is null)
            {
                AddShardTable(shard, shard.ShardTable, shard.Shard.ShardId, shard.Shard.MinHash, shard.Shard.MaxHash);
                continue;
            }

            var pieces = move.TargetTables;
            var parent = Identifiers.Quote(shard.ShardTable);
            partitioned.Add(string.Create(CultureInfo.InvariantCulture,
                $"CREATE TABLE {parent} (LIKE {Identifiers.Quote(pieces[t])}) PARTITION BY RANGE (({group.KeyType.HashFunction()}({Identifiers.Quote(shard.Shape.DistributionColumn!)})))"));
            for (var piece = 0; piece < move.SplitStarts!.Length; piece++)
            {
                var (min, max) = PieceRange(move, piece, shard.Shard.MaxHash);
                var physical = pieces[(piece * shards.Count) + t];
                AddShardTable(shard, physical, move.NewShardIds[(piece * shards.Count) + t], min, max);
                partitioned.Add(string.Create(CultureInfo.InvariantCulture,
                    $"ALTER TABLE {parent} ATTACH PARTITION {Identifiers.Quote(physical)} FOR VALUES FROM ({min}) TO ({(max == int.MaxValue ? "MAXVALUE" : ((long)max + 1).ToString(CultureInfo.InvariantCulture))})"));
            }

            partitioned.Add(RefuseWrites(shard.ShardTable));
        }

        after.AddRange(partitioned);

        void AddShardTable(MovedShard shard, string physical, long shardId, int minHash, int maxHash)
        {
            statements.Add(NativeDdl.CreateShardTable(shard.Shape, group.KeyType, physical, shardId, minHash, maxHash));
            after.AddRange(shard.Shape.Indexes.Select(index => TableDdl.CreateIndex(index, physical, shardId, concurrently: false)));
            after.AddRange(shard.Shape.ForeignKeys
                .Where(key => move.NewShardIds is null || !shards.Any(s => s.Table.Name == key.ReferencedTable))
                .Select(key => TableDdl.AddForeignKey(key, physical, shardId, shards.FirstOrDefault(s => s.Table.Name == key.ReferencedTable)?.ShardTable ?? key.ReferencedTable, notValid: false)));
            after.Add(RefuseWrites(physical));
        }

        string RefuseWrites(string physical) =>
            $"CREATE TRIGGER \"shardgen_refuse_writes\" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {Identifiers.Quote(physical)} FOR EACH STATEMENT EXECUTE FUNCTION {schema}.refuse_writes()";

        await using var connection = await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockTimeoutAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        string[] names = [.. move.ShardTables.Union(move.TargetTables)];
        var existing = await ScalarOnAsync<long>(connection, transaction, "SELECT count(*) FROM pg_class WHERE relname = ANY($1) AND relnamespace = current_schema()::regnamespace", cancellationToken, (object)names).ConfigureAwait(false);
        if (existing > 0)
        {
            throw new ShardGenException($"Worker '{target.Name}' already has a table named as a shard of this move ({string.Join(", ", names)}) that the metadata does not place there; nothing was moved. Look at it and drop it first.");
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements.Concat(after))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // The subscription applies the source's writes from the slot the copy began at (it copies nothing itself). Between
    // servers of one major version the rows travel in binary (the copy's and the checksum's form), which spares the
    // walsender and the apply worker each value's text output and input; a type without binary send and receive
    // functions still travels as text. CREATE SUBSCRIPTION takes no parameters: the server writes the statement with
    // format(), which quotes the name as an identifier and the connection string as a literal, and the statement then
    // runs on its own (it cannot run in a transaction).
    private static async Task CreateSubscriptionAsync(NpgsqlConnection target, MoveRow move, Node source, bool binary, CancellationToken cancellationToken)
    {
        var given = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        var conninfo = string.Join(' ',
            Pair("host", source.Host), Pair("port", source.Port.ToString(CultureInfo.InvariantCulture)), Pair("dbname", source.Database),
            Pair("user", given.Username ?? Environment.UserName), Pair("connect_timeout", "10"))
            + (given.Password is { Length: > 0 } password ? " " + Pair("password", password) : "");
        var statement = await ScalarOnAsync<string>(
            target, null, "SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I WITH (create_slot = false, slot_name = %L, copy_data = false, binary = %s)', $1, $2, $1, $1, $3)", cancellationToken,
            move.Name, conninfo, binary ? "true" : "false").ConfigureAwait(false);
        await ExecuteOnAsync(target, statement, cancellationToken).ConfigureAwait(false);

        static string Pair(string key, string value) => key + "='" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
    }

    // The apply worker has applied everything up to the source's WAL position: it reports the end of the WAL the source
    // sent it (latest_end_lsn) only after the messages before it, which it applies in order (Citus waits the same way).
    private static async Task<bool> CaughtUpAsync(NpgsqlConnection target, MoveRow move, string position, CancellationToken cancellationToken) =>
        await ScalarOnAsync<bool>(
            target, null,
            "SELECT coalesce(bool_and(latest_end_lsn >= $2::pg_lsn), false) FROM pg_stat_subscription WHERE subname = $1 AND relid IS NULL",
            cancellationToken, move.Name, position).ConfigureAwait(false);

    /// <summary>
    /// The proof's first part, while the clients write on (<see cref="BaselineAsync"/>), then the write block: in one
    /// source transaction, the shard tables locked <c>IN EXCLUSIVE MODE</c> (reads go on, writes wait), the final
    /// catch-up, the checksums of both copies brought up to date from the rows written since (<see cref="ProveSinceAsync"/>),
    /// and the fence (the tables moved into the move's schema, out of every routed statement's reach), committed together,
    /// bounded by <see cref="ShardMoveOptions.WriteBlockTimeout"/>. Returns how long writes waited.
    /// </summary>
    private async Task<(List<MovedShardTable> Tables, TimeSpan WriteBlock)> BlockProveAndFenceAsync(
        MoveRow move, Node source, Node target, NpgsqlConnection targetConnection, List<MovedShard> shards, Reporter progress, CancellationToken cancellationToken)
    {
        var pairs = PairsOf(move, shards);
        progress.Report(ShardMoveStep.Proving);
        await using var baseline = await BaselineAsync(move, source, target, pairs, cancellationToken).ConfigureAwait(false);
        progress.Report(ShardMoveStep.WriteBlock);
        await using var connection = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockTimeoutAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        using var block = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        block.CancelAfter(_options.WriteBlockTimeout);
        var blocked = Stopwatch.GetTimestamp();
        try
        {
            await ExecuteOnAsync(connection, transaction, block.Token, $"LOCK TABLE {string.Join(", ", move.ShardTables.Select(Identifiers.Quote))} IN EXCLUSIVE MODE").ConfigureAwait(false);
            // The insert position: past the commit of every write the lock waited for, even one committed asynchronously.
            var position = await ScalarOnAsync<string>(connection, transaction, "SELECT pg_current_wal_insert_lsn()::text", block.Token).ConfigureAwait(false);
            await WaitAsync("the final catch-up", Timeout.InfiniteTimeSpan, block.Token, ct => CaughtUpAsync(targetConnection, move, position, ct)).ConfigureAwait(false);
            var tables = await ProveSinceAsync(baseline, pairs, connection, targetConnection, block.Token).ConfigureAwait(false);

            // The snapshots' transactions hold ACCESS SHARE locks on the shard tables, which the fence must wait for.
            await baseline.DisposeAsync().ConfigureAwait(false);
            var fence = Identifiers.Quote(move.Name);
            await ExecuteOnAsync(
                connection, transaction, block.Token,
                [$"CREATE SCHEMA {fence}", .. move.ShardTables.Select(t => $"ALTER TABLE {Identifiers.Quote(t)} SET SCHEMA {fence}")]).ConfigureAwait(false);
            await transaction.CommitAsync(block.Token).ConfigureAwait(false);
            return (tables, Stopwatch.GetElapsedTime(blocked));
        }
        catch (OperationCanceledException) when (block.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                $"Move {move.Id}: the write block on worker '{source.Name}' ran past {_options.WriteBlockTimeout.TotalSeconds} s (ShardMoveOptions.WriteBlockTimeout) and was lifted; the shards stay on '{source.Name}'. Run the move again."));
        }
    }

    /// <summary>
    /// After the fence committed: the target's write trigger goes, then the metadata names the target (version bumped,
    /// move <c>switched</c>) in one coordinator transaction, then the subscription and publication are dropped.
    /// A split drops its subscription first, makes its pieces plain shard tables (<see cref="PiecesOnTargetAsync"/>), then
    /// puts them in the metadata in place of the source's shards.
    /// </summary>
    private async Task SwitchAsync(MoveRow move, List<MovedShard> shards, Reporter progress, CancellationToken cancellationToken)
    {
        if (move.SplitStarts is not null)
        {
            await DropReplicationAsync(move, cancellationToken).ConfigureAwait(false);
            await PiecesOnTargetAsync(move, shards, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await using var connection = await _source.OpenAsync(NodeById(move.TargetNode), cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockTimeoutAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteOnAsync(
                connection, transaction, cancellationToken,
                [.. move.ShardTables.Select(t => $"DROP TRIGGER IF EXISTS \"shardgen_refuse_writes\" ON {Identifiers.Quote(t)}"), $"DROP SCHEMA IF EXISTS {Identifiers.Quote(move.Name)} CASCADE"]).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var transaction = await _control.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            var batch = new NpgsqlBatch(_control, transaction);
            await using (batch)
            {
                if (move.SplitStarts is null)
                {
                    Add("UPDATE shardgen.placements SET node_id = $2 WHERE shard_id = ANY($1) AND node_id = $3", move.ShardIds, move.TargetNode, move.SourceNode);
                }
                else
                {
                    // The source's shards leave; the shards after them shift by the pieces added (through negative indexes,
                    // as the unique (table, index) is checked row by row); the pieces take their place, on the target.
                    var pieces = move.SplitStarts.Length;
                    var ids = move.NewShardIds!;
                    Add("DELETE FROM shardgen.placements WHERE shard_id = ANY($1)", move.ShardIds);
                    Add("DELETE FROM shardgen.shards WHERE shard_id = ANY($1)", move.ShardIds);
                    Add("UPDATE shardgen.shards SET shard_index = -shard_index - 1 WHERE table_name = ANY($1) AND shard_index > $2", shards.Select(s => s.Table.Name).ToArray(), move.ShardIndex);
                    Add("UPDATE shardgen.shards SET shard_index = -shard_index - 1 + $2 WHERE table_name = ANY($1) AND shard_index < 0", shards.Select(s => s.Table.Name).ToArray(), pieces - 1);
                    Add(
                        "INSERT INTO shardgen.shards (shard_id, table_name, shard_index, min_hash, max_hash) SELECT * FROM unnest($1, $2, $3, $4, $5)",
                        ids,
                        ids.Select((_, i) => shards[i % shards.Count].Table.Name).ToArray(),
                        ids.Select((_, i) => move.ShardIndex + (i / shards.Count)).ToArray(),
                        ids.Select((_, i) => PieceRange(move, i / shards.Count, shards[0].Shard.MaxHash).Min).ToArray(),
                        ids.Select((_, i) => PieceRange(move, i / shards.Count, shards[0].Shard.MaxHash).Max).ToArray());
                    Add("INSERT INTO shardgen.placements (shard_id, node_id) SELECT unnest($1), $2", ids, move.TargetNode);
                    Add("UPDATE shardgen.colocation_groups SET shard_count = shard_count + $2 WHERE group_id = $1", move.GroupId, pieces - 1);
                }

                Add("UPDATE shardgen.metadata SET version = version + 1");
                Add("UPDATE shardgen.moves SET state = 'switched', updated_at = now() WHERE move_id = $1", move.Id);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

            void Add(string sql, params object[] values)
            {
                var command = new NpgsqlBatchCommand(sql);
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                batch.BatchCommands.Add(command);
            }
        }

        progress.Report(ShardMoveStep.Switched);
        await DropReplicationAsync(move, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A split's pieces become plain shard tables on the target, in one transaction: their write triggers dropped, detached
    /// from the tables partitioned by hash that the subscription filled, those dropped, and the foreign keys between the
    /// pieces of colocated tables added (<c>NOT VALID</c>, then validated after the commit, without blocking writes: the
    /// rows are the proven copy of rows that met them). A second run after a crash finds no partitioned table and only
    /// validates again.
    /// </summary>
    private async Task PiecesOnTargetAsync(MoveRow move, List<MovedShard> shards, CancellationToken cancellationToken)
    {
        var pieces = move.TargetTables;
        var statements = new List<string>();
        var validations = new List<string>();
        for (var i = 0; i < pieces.Length; i++)
        {
            var shard = shards[i % shards.Count];
            var piece = i / shards.Count;
            statements.Add($"DROP TRIGGER IF EXISTS \"shardgen_refuse_writes\" ON {Identifiers.Quote(pieces[i])}");
            statements.Add($"ALTER TABLE {Identifiers.Quote(shard.ShardTable)} DETACH PARTITION {Identifiers.Quote(pieces[i])}");
            foreach (var key in shard.Shape.ForeignKeys)
            {
                var referenced = shards.FindIndex(s => s.Table.Name == key.ReferencedTable);
                if (referenced >= 0)
                {
                    var shardId = move.NewShardIds![i];
                    statements.Add(TableDdl.AddForeignKey(key, pieces[i], shardId, pieces[(piece * shards.Count) + referenced], notValid: true));
                    validations.Add(TableDdl.ValidateConstraint(key.Name, pieces[i], shardId));
                }
            }
        }

        await using var connection = await _source.OpenAsync(NodeById(move.TargetNode), cancellationToken).ConfigureAwait(false);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await LockTimeoutAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var partitioned = await ScalarOnAsync<long>(
                connection, transaction, "SELECT count(*) FROM pg_class WHERE relname = ANY($1) AND relnamespace = current_schema()::regnamespace AND relkind = 'p'",
                cancellationToken, (object)move.ShardTables).ConfigureAwait(false);
            if (partitioned > 0)
            {
                await ExecuteOnAsync(
                    connection, transaction, cancellationToken,
                    [.. statements, $"DROP TABLE {string.Join(", ", move.ShardTables.Select(Identifiers.Quote))}", $"DROP SCHEMA IF EXISTS {Identifiers.Quote(move.Name)} CASCADE"]).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (validations.Count > 0)
        {
            await ExecuteOnAsync(connection, null, cancellationToken, validations).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A move left in <c>copying</c>: if the source's copy is fenced (the fence commits only after the checksums matched,
    /// and nothing writes either copy since), the move is finished; otherwise everything it made is dropped and the
    /// source, never fenced, stays the placement.
    /// </summary>
    private async Task<ShardMoveResult?> SettleUnfinishedAsync(MoveRow move, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var source = NodeById(move.SourceNode);
        var target = NodeById(move.TargetNode);
        await using var sourceConnection = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        var fenced = await ScalarOnAsync<long>(sourceConnection, null, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = ANY($2)", cancellationToken, move.Name, move.ShardTables).ConfigureAwait(false);
        if (fenced == move.ShardTables.Length)
        {
            var group = _rows.Groups.First(g => g.Id == move.GroupId);
            var shards = ShardsOf(move.GroupId, move.ShardIndex).Where(s => move.ShardIds.Contains(s.Shard.ShardId)).ToList();
            await using var targetConnection = await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false);
            await using var transaction = await sourceConnection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var tables = await ProveAsync(move, shards, sourceConnection, move.Name, targetConnection, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await SwitchAsync(move, shards, new Reporter(_progress), cancellationToken).ConfigureAwait(false);
            return new ShardMoveResult(move.Id, group.Name, move.ShardIndex, source.Name, target.Name, tables, TimeSpan.Zero, Stopwatch.GetElapsedTime(started));
        }

        if (fenced != 0)
        {
            throw new ShardGenException($"Move {move.Id}: worker '{source.Name}' has {fenced} of the {move.ShardTables.Length} shard tables in the fence schema \"{move.Name}\", which a move never leaves; nothing was changed. Look at the worker.");
        }

        await DropReplicationAsync(move, cancellationToken).ConfigureAwait(false);
        if (_rows.Shards.Any(s => move.NewShardIds is null ? move.ShardIds.Contains(s.ShardId) && s.NodeId == move.TargetNode : move.NewShardIds.Contains(s.ShardId)))
        {
            throw new ShardGenException($"Move {move.Id}: the metadata places its shards on '{target.Name}' but the source was never fenced; nothing was changed. Look at the cluster.");
        }

        await using (var targetConnection = await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await targetConnection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await LockTimeoutAsync(targetConnection, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteOnAsync(
                targetConnection, transaction, cancellationToken,
                $"DROP TABLE IF EXISTS {string.Join(", ", move.ShardTables.Union(move.TargetTables).Select(Identifiers.Quote))}", $"DROP SCHEMA IF EXISTS {Identifiers.Quote(move.Name)} CASCADE").ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await MoveCatalog.SetStateAsync(_control, null, move.Id, "abandoned", cancellationToken).ConfigureAwait(false);
        return null;
    }

    // The subscription (which drops its slot on the source), then the publication and a slot left by a subscription
    // whose creation did not finish. Each is there or not; dropping twice is harmless.
    private async Task DropReplicationAsync(MoveRow move, CancellationToken cancellationToken)
    {
        var name = Identifiers.Quote(move.Name);
        await using (var target = await _source.OpenAsync(NodeById(move.TargetNode), cancellationToken).ConfigureAwait(false))
        {
            await ExecuteOnAsync(target, $"DROP SUBSCRIPTION IF EXISTS {name}", cancellationToken).ConfigureAwait(false);
        }

        await using var source = await _source.OpenAsync(NodeById(move.SourceNode), cancellationToken).ConfigureAwait(false);
        await ExecuteOnAsync(source, $"DROP PUBLICATION IF EXISTS {name}", cancellationToken).ConfigureAwait(false);
        await ScalarOnAsync<object>(source, null, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", cancellationToken, move.Name).ConfigureAwait(false);
    }

    // Per shard table, the rows the source's statistics give (pg_class.reltuples; 0 for a table never analysed).
    private static async Task<Dictionary<string, long>> EstimatedRowsAsync(NpgsqlConnection source, MoveRow move, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT t, coalesce(greatest(c.reltuples, 0), 0)::bigint FROM unnest($1) t LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(t))", source);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = move.ShardTables });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var estimates = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            estimates[reader.GetString(0)] = reader.GetInt64(1);
        }

        return estimates;
    }

    // Polls a condition every few milliseconds until it holds, at most for the time given (or until the token ends it).
    private static async Task WaitAsync(string what, TimeSpan timeout, CancellationToken cancellationToken, Func<CancellationToken, Task<bool>> condition)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (!await condition(cancellationToken).ConfigureAwait(false))
        {
            if (timeout != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(deadline) > timeout)
            {
                throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                    $"A shard move waited {timeout.TotalSeconds} s for {what} (ShardMoveOptions); the shards stay on the source. Run the move again: it cleans up first."));
            }

            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private Task LockTimeoutAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ScalarOnAsync<string>(connection, transaction, "SELECT set_config('lock_timeout', $1, true)", cancellationToken, Milliseconds(_options.LockTimeout));

    private static string Milliseconds(TimeSpan time) => ((long)Math.Ceiling(time.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    private async Task ExecuteAsync(string sql, NpgsqlTransaction? transaction, params object[] values) =>
        await ScalarOnAsync<object>(_control, transaction, sql, CancellationToken.None, values).ConfigureAwait(false);

    private static Task ExecuteOnAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken) =>
        ExecuteOnAsync(connection, null, cancellationToken, sql);

    private static async Task ExecuteOnAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken, params IEnumerable<string> statements)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarOnAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>What the move reports: its step, rows copied of those estimated, the replication lag, the time since the copy began.</summary>
    private sealed class Reporter(IProgress<ShardMoveProgress>? progress)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _reported = Stopwatch.GetTimestamp();

        public long RowsCopied { get; set; }

        public long RowsEstimated { get; set; }

        public long LagBytes { get; set; }

        /// <summary>Whether it is time for another report of the same step.</summary>
        public bool Due => progress is not null && Stopwatch.GetElapsedTime(_reported) >= Interval;

        public void Report(ShardMoveStep step)
        {
            _reported = Stopwatch.GetTimestamp();
            progress?.Report(new ShardMoveProgress(step, RowsCopied, RowsEstimated, LagBytes, Stopwatch.GetElapsedTime(_started)));
        }
    }

    /// <summary>One table's shard at the moved index.</summary>
    private sealed record MovedShard(TableRow Table, TableShape Shape, ShardRow Shard)
    {
        public string ShardTable => Identifiers.ShardTable(Table.Name, Shard.ShardId);
    }
}
