using System.Globalization;
using System.Text;

namespace ShardGen;

/// <summary>How a rebalance evens the shard groups out, as Citus's rebalance strategies.</summary>
public enum RebalanceStrategy
{
    /// <summary>Each colocation group's shard groups spread evenly by count over the workers (Citus's <c>by_shard_count</c>).</summary>
    ByShardCount,

    /// <summary>Each colocation group's shard groups spread by their size on disk, tables and indexes (Citus's <c>by_disk_size</c>).</summary>
    ByDiskSize,
}

/// <summary>What a rebalance (<see cref="ShardedDataSource.PlanRebalanceAsync"/>, <see cref="ShardedDataSource.RebalanceAsync"/>) aims at.</summary>
public sealed record RebalanceOptions
{
    /// <summary>The options a rebalance uses when none are given: by shard count, every worker.</summary>
    public static RebalanceOptions Default { get; } = new();

    /// <summary>By count (the default) or by size on disk.</summary>
    public RebalanceStrategy Strategy { get; init; } = RebalanceStrategy.ByShardCount;

    /// <summary>Workers that are to hold no shards: every shard group on them moves to the others (a drain).</summary>
    public IReadOnlyList<string> ExcludedWorkers { get; init; } = [];

    /// <summary>
    /// By size, a move is planned only when it narrows the gap between the most and the least loaded worker of a group by
    /// at least this fraction of the gap (Citus's <c>improvement_threshold</c>), so that small shard groups do not move
    /// back and forth. 0.1 by default.
    /// </summary>
    public double ImprovementThreshold { get; init; } = 0.1;
}

/// <summary>One planned shard group move: every table of <paramref name="ColocationGroup"/> at <paramref name="ShardIndex"/>.</summary>
/// <param name="ColocationGroup">The colocation group.</param>
/// <param name="ShardIndex">The shard index.</param>
/// <param name="Source">The worker that holds it.</param>
/// <param name="Target">The worker it moves to.</param>
/// <param name="Bytes">Its size on the source, tables and indexes (<c>pg_total_relation_size</c>).</param>
public sealed record PlannedShardMove(string ColocationGroup, int ShardIndex, string Source, string Target, long Bytes);

/// <summary>One worker's shard groups and their size before and after a rebalance.</summary>
public sealed record WorkerLoad(string Worker, int ShardGroupsBefore, int ShardGroupsAfter, long BytesBefore, long BytesAfter);

/// <summary>A rebalance's plan: the moves, in the order they run, and what each worker holds before and after.</summary>
public sealed record RebalancePlan(RebalanceStrategy Strategy, IReadOnlyList<PlannedShardMove> Moves, IReadOnlyList<WorkerLoad> Workers)
{
    /// <summary>Whether the cluster is balanced already.</summary>
    public bool IsEmpty => Moves.Count == 0;

    /// <summary>The plan as lines a reviewer reads: each move, then each worker's load before and after.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Rebalance {(Strategy == RebalanceStrategy.ByDiskSize ? "by disk size" : "by shard count")}: {Moves.Count} shard group moves\n");
        foreach (var move in Moves)
        {
            text.Append(CultureInfo.InvariantCulture, $"  move {move.ColocationGroup} shard {move.ShardIndex} ({move.Bytes / 1024} kB): {move.Source} -> {move.Target}\n");
        }

        foreach (var worker in Workers)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {worker.Worker}: {worker.ShardGroupsBefore} -> {worker.ShardGroupsAfter} shard groups, {worker.BytesBefore / 1024} -> {worker.BytesAfter / 1024} kB\n");
        }

        return text.ToString();
    }
}

/// <summary>Where a rebalance is: the move under way (1-based, of <paramref name="Moves"/>) and where that move is.</summary>
public sealed record RebalanceProgress(int Move, int Moves, PlannedShardMove Current, ShardMoveProgress Progress)
{
    /// <summary>The step of the move under way.</summary>
    public ShardMoveStep Step => Progress.Step;
}

/// <summary>
/// The planning half of a rebalance, a pure function of the metadata and the shard groups' sizes: per colocation group,
/// first every shard group off the workers that are to hold none (excluded, or whose reference copies are not ready),
/// each to the least loaded worker, then from the most to the least loaded worker while that evens them out: by count
/// until they differ by one at most, by size while a move narrows the gap by the threshold.
/// </summary>
internal static class RebalancePlanner
{
    public static RebalancePlan Plan(MetadataRows rows, RebalanceOptions options, IReadOnlyDictionary<(int Group, int Index), long> sizes)
    {
        var workers = rows.Nodes.Where(n => n.Role == "worker").ToList();
        foreach (var excluded in options.ExcludedWorkers.Where(name => workers.All(w => w.Name != name)))
        {
            throw new ArgumentException($"The cluster has no worker named '{excluded}'.", nameof(options));
        }

        var eligible = workers.Where(w => w.ReferenceCopiesReady && !options.ExcludedWorkers.Contains(w.Name)).Select(w => w.Id).ToHashSet();
        if (eligible.Count == 0)
        {
            throw new ShardGenException("No worker can receive shards: every worker is excluded or still filling its reference copies. Nothing was planned.");
        }

        var byCount = options.Strategy == RebalanceStrategy.ByShardCount;
        var moves = new List<PlannedShardMove>();
        var before = workers.ToDictionary(w => w.Id, _ => (Groups: 0, Bytes: 0L));
        var after = workers.ToDictionary(w => w.Id, _ => (Groups: 0, Bytes: 0L));
        foreach (var group in rows.Groups)
        {
            var placement = rows.Shards
                .Where(s => rows.Tables.Any(t => t.GroupId == group.Id && t.Name == s.Table))
                .GroupBy(s => s.ShardIndex).ToDictionary(g => g.Key, g => g.First().NodeId);
            Count(before, group.Id, placement);
            long Weight(int index) => byCount ? 1 : Math.Max(1, sizes.GetValueOrDefault((group.Id, index)));
            var load = workers.ToDictionary(w => w.Id, w => placement.Where(p => p.Value == w.Id).Sum(p => Weight(p.Key)));

            void Move(int index, int target)
            {
                var source = placement[index];
                load[source] -= Weight(index);
                load[target] += Weight(index);
                placement[index] = target;
                moves.Add(new PlannedShardMove(group.Name, index, Name(source), Name(target), sizes.GetValueOrDefault((group.Id, index))));
            }

            int Lightest() => eligible.OrderBy(id => load[id]).ThenBy(id => id).First();

            foreach (var index in placement.Where(p => !eligible.Contains(p.Value)).Select(p => p.Key).Order().ToList())
            {
                Move(index, Lightest());
            }

            // Each move lowers the sum of the squared loads, so this ends; the bound is a second guarantee.
            for (var step = 0; step < placement.Count * workers.Count; step++)
            {
                var heaviest = eligible.OrderByDescending(id => load[id]).ThenBy(id => id).First();
                var lightest = Lightest();
                var gap = load[heaviest] - load[lightest];
                var candidates = placement.Where(p => p.Value == heaviest).Select(p => p.Key);
                int? chosen = byCount
                    ? (gap > 1 ? candidates.Order().First() : null)
                    : candidates.Where(index => Weight(index) < gap && gap - Math.Abs(gap - (2 * Weight(index))) >= options.ImprovementThreshold * gap)
                        .OrderBy(index => Math.Abs(gap - (2 * Weight(index)))).ThenBy(index => index).Select(index => (int?)index).FirstOrDefault();
                if (chosen is not { } index)
                {
                    break;
                }

                Move(index, lightest);
            }

            Count(after, group.Id, placement);
        }

        return new RebalancePlan(
            options.Strategy, moves,
            [.. workers.Select(w => new WorkerLoad(w.Name, before[w.Id].Groups, after[w.Id].Groups, before[w.Id].Bytes, after[w.Id].Bytes))]);

        string Name(int id) => workers.First(w => w.Id == id).Name;

        // Adds a group's shard groups (one per index) and their bytes to the workers that hold them.
        void Count(Dictionary<int, (int Groups, long Bytes)> loads, int groupId, Dictionary<int, int> placement)
        {
            foreach (var (index, node) in placement)
            {
                loads[node] = (loads[node].Groups + 1, loads[node].Bytes + sizes.GetValueOrDefault((groupId, index)));
            }
        }
    }
}
