using Npgsql;

namespace ShardGen;

// Rebalancing and draining on the native engine (docs/operations.md).
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// The plan <see cref="RebalanceAsync"/> would run now: which shard groups move where, and what each worker holds
    /// before and after. Changes nothing.
    /// </summary>
    public async Task<RebalancePlan> PlanRebalanceAsync(RebalanceOptions? options = null, CancellationToken cancellationToken = default)
    {
        RefuseOnCitus("SELECT get_rebalance_table_shards_plan()");
        await using var connection = await OpenCoordinatorAsync(cancellationToken).ConfigureAwait(false);
        var rows = await MetadataStore.ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        return RebalancePlanner.Plan(rows, options ?? RebalanceOptions.Default, await ShardGroupSizesAsync(rows, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Evens the shard groups out over the workers, as Citus's <c>citus_rebalance_start</c>: the plan of
    /// <see cref="PlanRebalanceAsync"/>, made again under the move lock from the cluster as it is then, run as online
    /// moves (<see cref="MoveShardGroupAsync"/>) one after the other. Resumable: a run after a crash or a cancellation
    /// settles the move that was under way and plans what is left. Cancelling stops after undoing the move under way
    /// (or finishing it, when its source was already fenced).
    /// </summary>
    /// <returns>The moves done (one per shard group moved).</returns>
    public async Task<IReadOnlyList<ShardMoveResult>> RebalanceAsync(
        RebalanceOptions? options = null, ShardMoveOptions? moveOptions = null, IProgress<RebalanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RefuseOnCitus("SELECT citus_rebalance_start()");
        var results = await ShardMove.WithLockAsync(
            this, moveOptions ?? ShardMoveOptions.Default, null, rows => BuildMap(rows, verify: false),
            async move =>
            {
                await move.SettleAsync(cancellationToken).ConfigureAwait(false);
                var plan = RebalancePlanner.Plan(move.Rows, options ?? RebalanceOptions.Default, await ShardGroupSizesAsync(move.Rows, cancellationToken).ConfigureAwait(false));
                var done = new List<ShardMoveResult>();
                foreach (var (planned, number) in plan.Moves.Select((m, i) => (m, i + 1)))
                {
                    var steps = progress is null ? null : new Forwarded(report => progress.Report(new RebalanceProgress(number, plan.Moves.Count, planned, report)));
                    done.Add(await move.MoveOrSettleAsync(planned.ColocationGroup, planned.ShardIndex, planned.Target, [], steps, cancellationToken).ConfigureAwait(false));
                }

                return done;
            },
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>
    /// Empties a worker and removes it, as Citus's <c>citus_drain_node</c> then <c>citus_remove_node</c>: every shard
    /// group on it moves online to the least loaded other worker (a rebalance that excludes it), the fenced copies of the
    /// moves are dropped, and the worker is unregistered (<see cref="RemoveWorkerAsync"/>). Resumable as a rebalance is.
    /// </summary>
    /// <returns>The moves done.</returns>
    public async Task<IReadOnlyList<ShardMoveResult>> DrainWorkerAsync(
        string name, ShardMoveOptions? moveOptions = null, IProgress<RebalanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var moves = await RebalanceAsync(new RebalanceOptions { ExcludedWorkers = [name] }, moveOptions, progress, cancellationToken).ConfigureAwait(false);
        await CleanUpShardMovesAsync(cancellationToken).ConfigureAwait(false);
        await RemoveWorkerAsync(name, cancellationToken).ConfigureAwait(false);
        return moves;
    }

    // The size of each shard group (group, index): its shard tables with their indexes, on the worker that holds them.
    private async Task<Dictionary<(int Group, int Index), long>> ShardGroupSizesAsync(MetadataRows rows, CancellationToken cancellationToken)
    {
        var groupOf = rows.Tables.Where(t => t.GroupId is not null).ToDictionary(t => t.Name, t => t.GroupId!.Value, StringComparer.Ordinal);
        var sizes = new Dictionary<(int Group, int Index), long>();
        foreach (var onNode in rows.Shards.GroupBy(s => s.NodeId))
        {
            var node = NodeFor(rows.Nodes.First(n => n.Id == onNode.Key));
            var shards = onNode.ToList();
            await using var connection = await OpenAsync(node, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT coalesce(pg_total_relation_size(to_regclass(quote_ident(t))), 0) FROM unnest($1) WITH ORDINALITY u(t, n) ORDER BY n", connection);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. shards.Select(s => Identifiers.ShardTable(s.Table, s.ShardId))] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            foreach (var shard in shards)
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var key = (groupOf[shard.Table], shard.ShardIndex);
                sizes[key] = sizes.GetValueOrDefault(key) + reader.GetInt64(0);
            }
        }

        return sizes;
    }

    // Forwards a move's reports as they happen, on the mover's own flow (Progress<T> would post them later, out of order).
    private sealed class Forwarded(Action<ShardMoveProgress> forward) : IProgress<ShardMoveProgress>
    {
        public void Report(ShardMoveProgress value) => forward(value);
    }
}
