using System.Globalization;
using Npgsql;
using ShardGen.Model;

namespace ShardGen;

/// <summary>
/// The proof that the target holds exactly the source's rows (<see cref="ShardChecksum"/>), made in two parts so that
/// the write block does not read the whole shard: both copies checksummed in full in snapshots, while the clients write
/// on (and rolled forward once to newer snapshots); then, in the write block, each checksum brought up to date from the rows
/// written since — those a transaction the snapshot did not see deleted, updated, locked or created, found by their
/// <c>xmax</c> and <c>xmin</c> — taken out as the snapshot saw them and put back as they are. See docs/operations.md.
/// </summary>
internal sealed partial class ShardMove
{
    /// <summary>One comparison of the proof: a shard table of the source (in a split, its range of one piece) and its copy on the target.</summary>
    private sealed record ProofPair(MovedShard Shard, string Physical, string? Range, long ShardId);

    private List<ProofPair> PairsOf(MoveRow move, List<MovedShard> shards)
    {
        var pairs = new List<ProofPair>();
        var pieces = move.TargetTables;
        for (var piece = 0; piece < pieces.Length / shards.Count; piece++)
        {
            foreach (var (shard, t) in shards.Select((shard, t) => (shard, t)))
            {
                string? range = null;
                if (move.SplitStarts is not null)
                {
                    var (min, max) = PieceRange(move, piece, shard.Shard.MaxHash);
                    range = string.Create(CultureInfo.InvariantCulture, $"{_rows.Groups.First(g => g.Id == move.GroupId).KeyType.HashFunction()}({Identifiers.Quote(shard.Shape.DistributionColumn!)}) BETWEEN {min} AND {max}");
                }

                var index = (piece * shards.Count) + t;
                pairs.Add(new ProofPair(shard, pieces[index], range, move.NewShardIds?[index] ?? shard.Shard.ShardId));
            }
        }

        return pairs;
    }

    /// <summary>
    /// Both copies' rows and checksums read in full, at once, in the transactions the connections are in; refuses a
    /// difference. Used when the source is fenced already (nothing writes either copy), when settling a crashed move.
    /// </summary>
    private async Task<List<MovedShardTable>> ProveAsync(
        MoveRow move, List<MovedShard> shards, NpgsqlConnection source, string? sourceSchema, NpgsqlConnection target, CancellationToken cancellationToken)
    {
        await using var targetTransaction = await target.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var tables = new List<MovedShardTable>();
        foreach (var pair in PairsOf(move, shards))
        {
            var onSource = ShardChecksum.ComputeAsync(source, pair.Shard.Shape, sourceSchema, pair.Shard.ShardTable, pair.Range, cancellationToken);
            var onTarget = ShardChecksum.ComputeAsync(target, pair.Shard.Shape, null, pair.Physical, null, cancellationToken);
            tables.Add(Compare(pair, await onSource.ConfigureAwait(false), await onTarget.ConfigureAwait(false), "the move stopped before the switch"));
        }

        await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tables;
    }

    private static MovedShardTable Compare(ProofPair pair, (long Rows, UInt128 Checksum) source, (long Rows, UInt128 Checksum) target, string when)
    {
        if (source != target)
        {
            throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                $"Shard table \"{pair.Physical}\" on the target differs from {(pair.Range is null ? "the source's copy" : $"its range of \"{pair.Shard.ShardTable}\" on the source")} ({target.Rows} rows, checksum {target.Checksum:x32}; the source {source.Rows} rows, checksum {source.Checksum:x32}) {when}; the shards stay on the source. Run the move again."));
        }

        return new MovedShardTable(pair.Shard.Table.Name, pair.ShardId, pair.Physical, source.Rows, source.Checksum);
    }

    /// <summary>
    /// The first part of the proof, while the clients write on: a <c>REPEATABLE READ</c> transaction on each copy takes
    /// its snapshot, each on its own (each copy's checksums are brought up to date from its own snapshot: the two need
    /// not hold the same rows, and nothing is blocked), and every pair is checksummed in full in them. Then the checksums
    /// are rolled forward once to new snapshots from the rows written meanwhile, as the write block will bring them up to
    /// date, so that the write block has only the rows written since that (a few seconds' worth) to read, not those of
    /// the whole full read. The returned snapshots' transactions stay open (they also keep the row versions they see from
    /// vacuum) until the write block has brought the checksums up to date.
    /// </summary>
    private async Task<Baseline> BaselineAsync(MoveRow move, Node source, Node target, List<ProofPair> pairs, CancellationToken cancellationToken)
    {
        // Reading both copies again takes about as long as copying them did: bounded, and yielding, as the copy is.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reading.CancelAfter(_options.CopyTimeout);
        try
        {
            await using var first = await SnapshotsAsync(source, target, reading.Token).ConfigureAwait(false);
            foreach (var pair in pairs)
            {
                var onSource = ShardChecksum.ComputeAsync(first.Source, pair.Shard.Shape, null, pair.Shard.ShardTable, pair.Range, reading.Token, _options.CopyNiceRatio);
                var onTarget = ShardChecksum.ComputeAsync(first.Target, pair.Shard.Shape, null, pair.Physical, null, reading.Token, _options.CopyNiceRatio);
                first.Sums.Add((await onSource.ConfigureAwait(false), await onTarget.ConfigureAwait(false)));
            }

            var next = await SnapshotsAsync(source, target, reading.Token).ConfigureAwait(false);
            try
            {
                next.Sums.AddRange(await SumsSinceAsync(first, pairs, next.Source, next.Target, "forward", reading.Token).ConfigureAwait(false));
                return next;
            }
            catch
            {
                await next.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (OperationCanceledException) when (reading.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                $"Move {move.Id}: the checksums of both copies before the write block ran past {_options.CopyTimeout.TotalSeconds} s (ShardMoveOptions.CopyTimeout); the shards stay on '{source.Name}'. Run the move again."));
        }
    }

    private async Task<Baseline> SnapshotsAsync(Node source, Node target, CancellationToken cancellationToken)
    {
        var baseline = new Baseline(
            await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false),
            await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false));
        try
        {
            await baseline.TakeSnapshotsAsync(cancellationToken).ConfigureAwait(false);
            return baseline;
        }
        catch
        {
            await baseline.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// In the write block (the source locked, the target caught up): each copy's rows and checksum now, from the
    /// baseline's and the rows written since, compared pair by pair.
    /// </summary>
    private static async Task<List<MovedShardTable>> ProveSinceAsync(
        Baseline baseline, List<ProofPair> pairs, NpgsqlConnection source, NpgsqlConnection target, CancellationToken cancellationToken)
    {
        await using var targetTransaction = await target.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        var sums = await SumsSinceAsync(baseline, pairs, source, target, "block", cancellationToken).ConfigureAwait(false);
        var tables = pairs.Select((pair, i) => Compare(pair, sums[i].Source, sums[i].Target, "the move stopped before the switch")).ToList();
        await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return tables;
    }

    /// <summary>
    /// Every pair's rows and checksums in the snapshots of <paramref name="source"/> and <paramref name="target"/>, from
    /// the baseline's (<see cref="SinceAsync"/>). A split's pieces share their source table's changed keys, found once on
    /// each side: on the source in its shard table, on the target in the table of the same name partitioned into the
    /// pieces, so that each side is scanned once per snapshot as in a move.
    /// </summary>
    private static async Task<List<((long Rows, UInt128 Checksum) Source, (long Rows, UInt128 Checksum) Target)>> SumsSinceAsync(
        Baseline baseline, List<ProofPair> pairs, NpgsqlConnection source, NpgsqlConnection target, string round, CancellationToken cancellationToken)
    {
        var keysOf = new Dictionary<(string Side, string Table), string>();
        var sums = new List<((long Rows, UInt128 Checksum) Source, (long Rows, UInt128 Checksum) Target)>();
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            var onSource = SideAsync("source", baseline.Source, source, pair.Shard.ShardTable, pair.Range, baseline.SourceHorizon, baseline.Sums[i].Source, pair, i);
            var onTarget = SideAsync("target", baseline.Target, target, pair.Physical, null, baseline.TargetHorizon, baseline.Sums[i].Target, pair, i);
            sums.Add((await onSource.ConfigureAwait(false), await onTarget.ConfigureAwait(false)));
        }

        return sums;

        Task<(long Rows, UInt128 Checksum)> SideAsync(
            string side, NpgsqlConnection then, NpgsqlConnection now, string physical, string? range, long horizon, (long Rows, UInt128 Checksum) sum, ProofPair pair, int i)
        {
            var found = keysOf.TryGetValue((side, pair.Shard.ShardTable), out var keys);
            if (!found)
            {
                keysOf[(side, pair.Shard.ShardTable)] = keys = KeysTable(side, i);
            }

            return SinceAsync(then, now, pair.Shard.Shape, pair.Shard.ShardTable, physical, keys!, range, horizon, sum, findKeys: !found, cancellationToken);
        }

        // Temporary tables live until the transactions that made them end: the snapshots rolled forward to keep theirs.
        string KeysTable(string side, int pair) => Identifiers.Quote(string.Create(CultureInfo.InvariantCulture, $"shardgen_changed_{round}_{side}_{pair}"));
    }

    /// <summary>
    /// One copy's rows and checksum now (<paramref name="now"/>'s snapshot), from what its snapshot then held
    /// (<paramref name="then"/>, whose full sums are <paramref name="baseline"/>). The rows that may have changed between the
    /// two: those the snapshot saw with <c>xmax</c> set (deleted, updated or locked since, or by a transaction that rolled
    /// back), and those that are there now with an <c>xmin</c> from the snapshot's oldest running transaction on (written
    /// since, and a few older ones) — one scan of <paramref name="scanned"/> (the shard table; on a split's target, the
    /// table partitioned into the pieces) in each snapshot, at once (unless <paramref name="findKeys"/> is false: another
    /// piece of a split found them in the same table). Their primary keys, loaded into the temporary table
    /// <paramref name="keys"/> on both sides, select the same rows of <paramref name="physical"/> in both snapshots through
    /// the primary key's index: taken out as then, put back as now. A row that did not change is taken out and put back the same; every other row is the
    /// same version in both snapshots.
    /// </summary>
    private static async Task<(long Rows, UInt128 Checksum)> SinceAsync(
        NpgsqlConnection then, NpgsqlConnection now, TableShape shape, string scanned, string physical, string keys, string? range, long horizon,
        (long Rows, UInt128 Checksum) baseline, bool findKeys, CancellationToken cancellationToken)
    {
        if (shape.PrimaryKey.Count == 0)
        {
            throw new ShardGenException($"Shard table \"{physical}\" has no primary key: a move identifies rows by it (logical replication does too); nothing was switched.");
        }

        var key = string.Join(", ", shape.PrimaryKey.Select(Identifiers.Quote));
        var table = Identifiers.Quote(scanned);
        if (findKeys)
        {
            var touched = KeysAsync(then, $"COPY (SELECT {key} FROM {table} WHERE xmax <> 0) TO STDOUT (FORMAT binary)", cancellationToken);
            var written = KeysAsync(now, string.Create(CultureInfo.InvariantCulture, $"COPY (SELECT {key} FROM {table} WHERE age(xmin) <= age('{horizon}'::xid)) TO STDOUT (FORMAT binary)"), cancellationToken);
            byte[][] changed = [await touched.ConfigureAwait(false), await written.ConfigureAwait(false)];
            foreach (var connection in (IEnumerable<NpgsqlConnection>)[then, now])
            {
                await ExecuteOnAsync(connection, $"CREATE TEMPORARY TABLE {keys} ON COMMIT DROP AS SELECT {key} FROM {table} WITH NO DATA", cancellationToken).ConfigureAwait(false);
                foreach (var stream in changed)
                {
                    await using var into = await connection.BeginRawBinaryCopyAsync($"COPY {keys} FROM STDIN (FORMAT binary)", cancellationToken).ConfigureAwait(false);
                    await into.WriteAsync(stream, cancellationToken).ConfigureAwait(false);
                }

                // The changed rows are found by the primary key's index: counted or not, a few thousand keys are enough for
                // the planner to prefer a hash join over a scan of the whole copy (on 1.6 million rows, about 200 ms
                // against 40). The settings last until the transaction ends; nothing else it runs joins.
                await ExecuteOnAsync(
                    connection, null, cancellationToken,
                    $"ANALYZE {keys}", "SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off", "SET LOCAL jit = off").ConfigureAwait(false);
            }
        }

        var selected = $"({key}) IN (SELECT {key} FROM {keys}){(range is null ? "" : " AND " + range)}";
        var before = ShardChecksum.ComputeAsync(then, shape, null, physical, selected, cancellationToken);
        var after = ShardChecksum.ComputeAsync(now, shape, null, physical, selected, cancellationToken);
        var (rowsBefore, sumBefore) = await before.ConfigureAwait(false);
        var (rowsAfter, sumAfter) = await after.ConfigureAwait(false);
        return (baseline.Rows - rowsBefore + rowsAfter, unchecked(baseline.Checksum - sumBefore + sumAfter));
    }

    // The binary stream of the keys one COPY TO STDOUT selects (the rows changed since the snapshots: few).
    private static async Task<byte[]> KeysAsync(NpgsqlConnection connection, string copyOut, CancellationToken cancellationToken)
    {
        await using var from = await connection.BeginRawBinaryCopyAsync(copyOut, cancellationToken).ConfigureAwait(false);
        using var stream = new MemoryStream();
        await from.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        return stream.ToArray();
    }

    /// <summary>A snapshot of each copy, and the rows and checksums of every pair in them.</summary>
    private sealed class Baseline(NpgsqlConnection source, NpgsqlConnection target) : IAsyncDisposable
    {
        private NpgsqlTransaction? _sourceTransaction;
        private NpgsqlTransaction? _targetTransaction;

        public NpgsqlConnection Source => source;

        public NpgsqlConnection Target => target;

        /// <summary>The oldest transaction still running when the source's snapshot was taken (a 32-bit xid).</summary>
        public long SourceHorizon { get; private set; }

        /// <summary>The same on the target.</summary>
        public long TargetHorizon { get; private set; }

        public List<((long Rows, UInt128 Checksum) Source, (long Rows, UInt128 Checksum) Target)> Sums { get; } = [];

        public async Task TakeSnapshotsAsync(CancellationToken cancellationToken)
        {
            _sourceTransaction = await source.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            SourceHorizon = await HorizonAsync(source, _sourceTransaction, cancellationToken).ConfigureAwait(false);
            _targetTransaction = await target.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            TargetHorizon = await HorizonAsync(target, _targetTransaction, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var transaction in (IEnumerable<NpgsqlTransaction?>)[_sourceTransaction, _targetTransaction])
            {
                if (transaction is not null)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }
            }

            await source.DisposeAsync().ConfigureAwait(false);
            await target.DisposeAsync().ConfigureAwait(false);
        }

        // The first statement of a REPEATABLE READ transaction takes its snapshot.
        private static Task<long> HorizonAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
            ScalarOnAsync<long>(connection, transaction, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint % 4294967296", cancellationToken);
    }
}
