using System.Globalization;
using ShardGen.Model;

namespace ShardGen;

// Splitting shard groups and isolating tenants on the native engine (docs/operations.md).
public sealed partial class ShardedDataSource
{
    /// <summary>
    /// Splits shard <paramref name="shardIndex"/> of every table of colocation group <paramref name="colocationGroup"/>
    /// into pieces, online, as Citus's <c>citus_split_shard_by_split_points</c>: each split point is the smallest hash
    /// of a new piece. The pieces are copied to <paramref name="targetWorker"/> (another worker than the shard's: logical
    /// replication fills a table partitioned by the key's hash there, one partition per piece) and then replace the
    /// shard in the metadata, as shards <paramref name="shardIndex"/> to <paramref name="shardIndex"/> + the number of
    /// points; the shards after it shift. Everything else is as a move (<see cref="MoveShardGroupAsync"/>): the write
    /// block with a checksum proof per piece, the fence, the resumption after a crash, one operation at a time.
    /// </summary>
    /// <returns>The pieces, each with its rows and checksum, and how long writes waited.</returns>
    public async Task<ShardMoveResult> SplitShardGroupAsync(
        string colocationGroup, int shardIndex, IReadOnlyList<int> splitPoints, string targetWorker, ShardMoveOptions? options = null,
        IProgress<ShardMoveProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(colocationGroup);
        ArgumentNullException.ThrowIfNull(splitPoints);
        ArgumentNullException.ThrowIfNull(targetWorker);
        RefuseOnCitus("SELECT citus_split_shard_by_split_points(shard_id, split_points, node_ids)");
        var result = await ShardMove.WithLockAsync(
            this, options ?? ShardMoveOptions.Default, progress, rows => BuildMap(rows, verify: false),
            async move =>
            {
                await move.SettleAsync(cancellationToken).ConfigureAwait(false);
                return await move.SplitOrSettleAsync(colocationGroup, shardIndex, [.. splitPoints], targetWorker, null, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Gives one key a shard group of its own, as Citus's <c>isolate_tenant_to_new_shard</c>: the shard group holding the
    /// key is split so that one piece holds only the key's hash (every colocated table with it), that piece goes to
    /// <paramref name="targetWorker"/> (by default the worker holding the fewest shards of the group, other than the
    /// shard's), and the rest of the old range goes back to the worker it was on. Online and resumable as a split and a
    /// move are. A split writes its pieces on another worker, so a tenant kept on its own worker passes through the least
    /// loaded other one. A key that has a shard group of its own already is only moved, when a worker is given.
    /// </summary>
    /// <returns>Where the key's shard group is, and the split and moves done.</returns>
    public async Task<TenantIsolation> IsolateTenantAsync(
        string colocationGroup, ShardKey key, string? targetWorker = null, ShardMoveOptions? options = null, IProgress<RebalanceProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(colocationGroup);
        RefuseOnCitus("SELECT isolate_tenant_to_new_shard(table_name, tenant_id, cascade_option => 'CASCADE')");
        var result = await ShardMove.WithLockAsync(
            this, options ?? ShardMoveOptions.Default, null, rows => BuildMap(rows, verify: false),
            async move =>
            {
                await move.SettleAsync(cancellationToken).ConfigureAwait(false);
                var (group, shards) = GroupShards(move.Rows, colocationGroup);
                if (key.Type != group.KeyType || !key.HasValue)
                {
                    throw new ArgumentException($"Colocation group '{colocationGroup}' is distributed by {group.KeyType.SqlType()} keys; the key given is {(key.HasValue ? key.Type.SqlType() : "none")}.", nameof(key));
                }

                var hash = key.Hash();
                var shard = shards.Last(s => s.MinHash <= hash);
                var source = move.Rows.Nodes.First(n => n.Id == shard.NodeId).Name;
                var target = targetWorker ?? LeastLoadedWorker(move.Rows, group, shard.NodeId)
                    ?? throw new ShardGenException($"Colocation group '{colocationGroup}': a tenant's shard group goes to another worker than the one it is on, and the cluster has no other worker ready for shards. Add one first (AddWorkerAsync).");

                var steps = new List<ShardMoveResult>();

                // The pieces start at the key's hash and after it (hash + 1 wraps to int.MinValue at the top: never inside).
                int[] points = [.. new[] { hash, unchecked(hash + 1) }.Where(p => p > shard.MinHash && p <= shard.MaxHash)];
                var planned = new List<PlannedShardMove>();
                if (points.Length == 0)
                {
                    if (targetWorker is not null && targetWorker != source)
                    {
                        planned.Add(new PlannedShardMove(colocationGroup, shard.ShardIndex, source, target, 0));
                    }
                }
                else
                {
                    // A split writes its pieces on another worker than the shard's: kept on the shard's own worker, the
                    // tenant's piece goes there through the least loaded other one. Then each piece moves where it belongs.
                    var splitTo = target != source ? target
                        : LeastLoadedWorker(move.Rows, group, shard.NodeId) ?? throw new ShardGenException($"Colocation group '{colocationGroup}': a split copies its pieces through another worker than the shard's, and the cluster has no other worker ready for shards. Add one first (AddWorkerAsync).");
                    planned.Add(new PlannedShardMove(colocationGroup, shard.ShardIndex, source, splitTo, 0));
                    var tenantIndex = shard.ShardIndex + (hash > shard.MinHash ? 1 : 0);
                    planned.AddRange(Enumerable.Range(shard.ShardIndex, points.Length + 1)
                        .Select(i => (Index: i, Target: i == tenantIndex ? target : source))
                        .Where(piece => piece.Target != splitTo)
                        .Select(piece => new PlannedShardMove(colocationGroup, piece.Index, splitTo, piece.Target, 0)));
                }

                foreach (var (step, number) in planned.Select((p, i) => (p, i + 1)))
                {
                    var report = progress is null ? null : new Forwarded(p => progress.Report(new RebalanceProgress(number, planned.Count, step, p)));
                    steps.Add(number == 1 && points.Length > 0
                        ? await move.SplitOrSettleAsync(colocationGroup, step.ShardIndex, points, step.Target, report, cancellationToken).ConfigureAwait(false)
                        : await move.MoveOrSettleAsync(colocationGroup, step.ShardIndex, step.Target, [], report, cancellationToken).ConfigureAwait(false));
                }

                await move.ReloadAsync(cancellationToken).ConfigureAwait(false);
                var (_, after) = GroupShards(move.Rows, colocationGroup);
                var isolated = after.Last(s => s.MinHash <= hash);
                return new TenantIsolation(colocationGroup, isolated.ShardIndex, move.Rows.Nodes.First(n => n.Id == isolated.NodeId).Name, steps);
            },
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Splits every shard group of colocation group <paramref name="colocationGroup"/> so that it has
    /// <paramref name="shardCount"/> shards with the ranges a group created with that count has (32 to 64: each shard
    /// in two), for a cluster that outgrew its shard count. Online: one split at a time (<see cref="SplitShardGroupAsync"/>),
    /// each one's pieces to the worker holding the fewest of the group's shards (other than the source's); resumable:
    /// a run after a crash or a cancellation splits what is left. The group's present ranges must be ranges of the new
    /// count (each boundary one of the new boundaries): doubling always is.
    /// </summary>
    /// <returns>The splits done, last shard first.</returns>
    public async Task<IReadOnlyList<ShardMoveResult>> SplitColocationGroupAsync(
        string colocationGroup, int shardCount, ShardMoveOptions? options = null, IProgress<RebalanceProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(colocationGroup);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        RefuseOnCitus("SELECT citus_split_shard_by_split_points(...) for each shard");
        var results = await ShardMove.WithLockAsync(
            this, options ?? ShardMoveOptions.Default, null, rows => BuildMap(rows, verify: false),
            async move =>
            {
                await move.SettleAsync(cancellationToken).ConfigureAwait(false);
                var (group, shards) = GroupShards(move.Rows, colocationGroup);
                if (shardCount < shards.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"Colocation group '{colocationGroup}' has {shards.Count} shards: a split only adds shards.");
                }

                var boundaries = Enumerable.Range(0, shardCount).Select(i => HashRanges.MinHash(i, shardCount)).ToArray();
                if (shards.FirstOrDefault(s => Array.BinarySearch(boundaries, s.MinHash) < 0) is { } misaligned)
                {
                    var advice = shards.All(s => s.MinHash == HashRanges.MinHash(s.ShardIndex, shards.Count))
                        ? string.Create(CultureInfo.InvariantCulture, $"Give a count whose ranges contain the present ones, e.g. {shards.Count * 2}.")
                        : "Its ranges are not uniform (a tenant was isolated): split its shards one by one at the hashes wanted (SplitShardGroupAsync), or split a group before isolating tenants in it.";
                    throw new ArgumentException(
                        string.Create(CultureInfo.InvariantCulture, $"Colocation group '{colocationGroup}' has a shard starting at hash {misaligned.MinHash} (shard {misaligned.ShardIndex}), which is no boundary of {shardCount} uniform shards, so no split gives it their ranges. {advice} Nothing was changed."),
                        nameof(shardCount));
                }

                var todo = shards.Where(s => PointsInside(s, boundaries).Length > 0).Reverse().ToList();
                var done = new List<ShardMoveResult>();
                foreach (var (shard, number) in todo.Select((s, i) => (s, i + 1)))
                {
                    // Highest index first: a split shifts the shards after it, not those before.
                    await move.ReloadAsync(cancellationToken).ConfigureAwait(false);
                    var source = move.Rows.Nodes.First(n => n.Id == shard.NodeId).Name;
                    var target = LeastLoadedWorker(move.Rows, group, shard.NodeId)
                        ?? throw new ShardGenException($"Colocation group '{colocationGroup}': a split copies its pieces to another worker than the shard's, and the cluster has no other worker ready for shards. Add one first (AddWorkerAsync).");
                    var planned = new PlannedShardMove(colocationGroup, shard.ShardIndex, source, target, 0);
                    var report = progress is null ? null : new Forwarded(p => progress.Report(new RebalanceProgress(number, todo.Count, planned, p)));
                    done.Add(await move.SplitOrSettleAsync(colocationGroup, shard.ShardIndex, PointsInside(shard, boundaries), target, report, cancellationToken).ConfigureAwait(false));
                }

                return done;
            },
            cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        return results;

        static int[] PointsInside(ShardRow shard, int[] boundaries) => [.. boundaries.Where(b => b > shard.MinHash && b <= shard.MaxHash)];
    }

    // A group and the shards of one of its tables, by index (colocated tables' shards share index, range and worker).
    private static (GroupRow Group, List<ShardRow> Shards) GroupShards(MetadataRows rows, string colocationGroup)
    {
        var group = rows.Groups.FirstOrDefault(g => g.Name == colocationGroup)
            ?? throw new ArgumentException($"The cluster has no colocation group named '{colocationGroup}'.", nameof(colocationGroup));
        var table = rows.Tables.FirstOrDefault(t => t.GroupId == group.Id)
            ?? throw new ArgumentException($"Colocation group '{colocationGroup}' has no table yet.", nameof(colocationGroup));
        return (group, [.. rows.Shards.Where(s => s.Table == table.Name).OrderBy(s => s.ShardIndex)]);
    }

    // The worker ready for shards (reference copies complete) holding the fewest of the group's shards, other than
    // the one given; the first added among equals. Null when there is none.
    private static string? LeastLoadedWorker(MetadataRows rows, GroupRow group, int except)
    {
        var table = rows.Tables.First(t => t.GroupId == group.Id).Name;
        return rows.Nodes.Where(n => n.Role == "worker" && n.ReferenceCopiesReady && n.Id != except)
            .OrderBy(n => rows.Shards.Count(s => s.Table == table && s.NodeId == n.Id)).ThenBy(n => n.Id)
            .FirstOrDefault()?.Name;
    }
}

/// <summary>Where a tenant's shard group is after <see cref="ShardedDataSource.IsolateTenantAsync"/>.</summary>
/// <param name="ColocationGroup">The colocation group.</param>
/// <param name="ShardIndex">The index of the shard group that holds only the key's hash now.</param>
/// <param name="Worker">The worker holding it.</param>
/// <param name="Steps">The split, then the moves of the rest of the old range back to its worker; none when the key had a shard group of its own already.</param>
public sealed record TenantIsolation(string ColocationGroup, int ShardIndex, string Worker, IReadOnlyList<ShardMoveResult> Steps);
