namespace ShardGen;

// Shard group moves on the native engine (docs/operations.md).
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// Moves shard <paramref name="shardIndex"/> of every table of colocation group <paramref name="colocationGroup"/>
    /// to worker <paramref name="targetWorker"/>, online, as Citus's <c>citus_move_shard_placement</c> with logical
    /// replication: the target's tables are created in the cluster's recorded shape and filled by a subscription to a
    /// publication on the source; once the target has caught up, writes to the source's shard tables wait (reads go on)
    /// while the target applies the last of them, both copies' XxHash128 checksums are compared, and the source's
    /// tables are fenced (moved out of every routed statement's reach); then the metadata names the target. A call
    /// routed with an older map fails on the fence and, outside a transaction, runs again on the new placement.
    /// Workers need <c>wal_level = logical</c>. Progress is recorded in <c>shardgen.moves</c>: after a crash, any run
    /// of this method (or <see cref="CleanUpShardMovesAsync"/>) finishes a move that had fenced its source and undoes one
    /// that had not; the shards are never writable in two places. One move at a time per cluster.
    /// </summary>
    /// <returns>What moved, the checksums both copies had, and how long writes waited; nothing moved when the group was already there.</returns>
    /// <exception cref="NotSupportedException">On Citus: use <c>citus_move_shard_placement</c>; ShardGen follows Citus's catalogs.</exception>
    /// <exception cref="ShardGenException">A step failed or ran past its bound (<see cref="ShardMoveOptions"/>); the shards
    /// stay where the metadata says, and the next run cleans up.</exception>
    public async Task<ShardMoveResult> MoveShardGroupAsync(
        string colocationGroup, int shardIndex, string targetWorker, ShardMoveOptions? options = null, IProgress<ShardMoveProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(colocationGroup);
        ArgumentNullException.ThrowIfNull(targetWorker);
        RefuseOnCitus("SELECT citus_move_shard_placement(shard_id, source_host, source_port, target_host, target_port)");
        var result = await ShardMove.WithLockAsync(
            this, options ?? ShardMoveOptions.Default, progress, rows => BuildMap(rows, verify: false),
            async move =>
            {
                var (finished, _) = await move.SettleAsync(cancellationToken).ConfigureAwait(false);
                return await move.MoveOrSettleAsync(colocationGroup, shardIndex, targetWorker, finished, null, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Settles what shard moves left behind: finishes or undoes a move whose process died, and drops the fenced copies
    /// of moves finished before this call (which the next move drops too) with what is left of their subscriptions
    /// and publications.
    /// </summary>
    /// <returns>How many fenced copies (one per finished move) were dropped.</returns>
    public async Task<int> CleanUpShardMovesAsync(CancellationToken cancellationToken = default)
    {
        RefuseOnCitus("SELECT citus_cleanup_orphaned_resources()");
        var dropped = await ShardMove.WithLockAsync(
            this, ShardMoveOptions.Default, null, rows => BuildMap(rows, verify: false),
            async move => (await move.SettleAsync(cancellationToken).ConfigureAwait(false)).Dropped,
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return dropped;
    }

    private void RefuseOnCitus(string instead)
    {
        if (Engine == ShardEngine.Citus)
        {
            throw new NotSupportedException($"On Citus, Citus moves shards and ShardGen follows its catalogs: run {instead} on the coordinator.");
        }
    }
}
