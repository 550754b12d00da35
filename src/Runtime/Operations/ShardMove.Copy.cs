using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;

namespace ShardGen;

/// <summary>
/// The initial copy of a move, made as Citus makes it: a replication slot created on the source with an exported
/// snapshot; the rows read in that snapshot with <c>COPY</c> and written into the target's tables with <c>COPY</c>, as
/// replication writes them; then a subscription that applies, from that slot, exactly the writes after the snapshot.
/// Copying here rather than by the subscription's own table synchronization lets the copy yield to the clients
/// (<see cref="ShardMoveOptions.CopyNiceRatio"/>).
/// </summary>
internal sealed partial class ShardMove
{
    private async Task CopyRowsAsync(
        MoveRow move, Node source, Node target, List<MovedShard> shards, NpgsqlConnection targetConnection, Dictionary<string, long> estimates, Reporter progress, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_options.CopyTimeout);
        var copied = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var copying = CopyAsync(move, source, target, shards, copied, bounded.Token);
        try
        {
            while (!copying.IsCompleted)
            {
                await Task.WhenAny(copying, Task.Delay(Poll, bounded.Token)).ConfigureAwait(false);
                if (!copying.IsCompleted && progress.Due)
                {
                    progress.RowsCopied = await RowsCopiedAsync(targetConnection, move, estimates, copied, bounded.Token).ConfigureAwait(false);
                    progress.Report(ShardMoveStep.Copying);
                }
            }

            await copying.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ShardGenException(string.Create(CultureInfo.InvariantCulture,
                $"A shard move waited {_options.CopyTimeout.TotalSeconds} s for the initial copy of the rows (ShardMoveOptions.CopyTimeout); the shards stay on the source. Run the move again: it cleans up first."));
        }
        finally
        {
            // Whatever ended the wait, the copy has stopped (and given its connections back) before the move settles.
            await bounded.CancelAsync().ConfigureAwait(false);
            await copying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task CopyAsync(MoveRow move, Node source, Node target, List<MovedShard> shards, ConcurrentDictionary<string, bool> copied, CancellationToken cancellationToken)
    {
        await using var reading = await _source.OpenAsync(source, cancellationToken).ConfigureAwait(false);
        await using var snapshot = await reading.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using (var replication = new LogicalReplicationConnection(source.ConnectionString))
        {
            await replication.Open(cancellationToken).ConfigureAwait(false);
            var slot = await replication.CreatePgOutputReplicationSlot(move.Name, slotSnapshotInitMode: LogicalSlotSnapshotInitMode.Export, cancellationToken: cancellationToken).ConfigureAwait(false);

            // The snapshot can be imported while the connection that exported it does nothing else; then it is this transaction's.
            var name = slot.SnapshotName is { } exported && SnapshotName().IsMatch(exported)
                ? exported
                : throw new ShardGenException($"Worker '{source.Name}' exported a snapshot named '{slot.SnapshotName}' for move {move.Id}, which is no snapshot name PostgreSQL gives; nothing was copied.");
            await ExecuteOnAsync(reading, snapshot, cancellationToken, $"SET TRANSACTION SNAPSHOT '{name}'").ConfigureAwait(false);
        }

        await using var writing = await _source.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await using var filling = await writing.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // As replication writes: no trigger fires (neither the refusal of writes nor the foreign keys' checks).
        await ExecuteOnAsync(writing, filling, cancellationToken, "SET LOCAL session_replication_role = replica").ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            foreach (var shard in shards)
            {
                // A split's target table is partitioned by the key's hash: PostgreSQL routes each row to its piece.
                await PipeAsync(
                    reading, ShardChecksum.Copy(shard.Shape, null, shard.ShardTable),
                    writing, $"COPY {Identifiers.Quote(shard.ShardTable)} ({string.Join(", ", shard.Shape.Columns.Select(c => Identifiers.Quote(c.Name)))}) FROM STDIN (FORMAT binary)",
                    buffer, _options.CopyNiceRatio, cancellationToken).ConfigureAwait(false);
                copied[shard.ShardTable] = true;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await filling.CommitAsync(cancellationToken).ConfigureAwait(false);
        await snapshot.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // The rows one binary COPY TO STDOUT writes, into one binary COPY FROM STDIN (cancelled if the pipe fails); yielding,
    // after each chunk a pause of the chunk's time times the nice ratio.
    private static async Task PipeAsync(
        NpgsqlConnection reading, string copyOut, NpgsqlConnection writing, string copyIn, byte[] buffer, double niceRatio, CancellationToken cancellationToken)
    {
        await using var from = await reading.BeginRawBinaryCopyAsync(copyOut, cancellationToken).ConfigureAwait(false);
        await using var into = await writing.BeginRawBinaryCopyAsync(copyIn, cancellationToken).ConfigureAwait(false);
        try
        {
            var pacer = new Pacer(niceRatio);
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await into.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await pacer.AfterAsync(read, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await into.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    // The rows copied so far: a table whose copy is done counts as its estimate; the one being copied, as the rows its
    // COPY has processed (pg_stat_progress_copy on the target).
    private static async Task<long> RowsCopiedAsync(NpgsqlConnection target, MoveRow move, Dictionary<string, long> estimates, ConcurrentDictionary<string, bool> copied, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT t, coalesce(p.tuples_processed, 0) FROM unnest($1) t LEFT JOIN pg_stat_progress_copy p ON p.relid = to_regclass(quote_ident(t))", target);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = move.ShardTables });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = 0L;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = reader.GetString(0);
            rows += copied.ContainsKey(table) ? estimates.GetValueOrDefault(table) : reader.GetInt64(1);
        }

        return rows;
    }

    [GeneratedRegex("^[0-9A-F]+(-[0-9A-F]+)+$")]
    private static partial Regex SnapshotName();
}
