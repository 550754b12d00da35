using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// <c>UPDATE ... FROM</c> and <c>DELETE ... USING</c> over several shards, as Citus's multi-shard modify runs them: when the
    /// FROM/USING list reads distributed tables colocated with the target and joined to it on the key (checked by the
    /// binding, SG0106/SG0107) and reference tables, each shard's statement — every table replaced by that shard's table of
    /// the colocation group, reference tables read from the worker's copy — finds every row it joins on its own node. The
    /// list must be plain tables joined by inner joins (or commas): an outer join or a subquery, function or VALUES list in
    /// it still runs only pinned to one key.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>The span of a FROM/USING list of a write that runs per shard as written; null when there is none.</summary>
        private TextSpan? _fromRunsPerShard;

        private static bool FromRunsPerShard(JoinedTable from) =>
            new[] { from.First }.Concat(from.Joins.Select(j => j.Table)).All(PlainTable)
            && from.Joins.All(j => j.Kind is JoinKind.Inner or JoinKind.Cross && !j.Natural && j.Using.Count == 0);

        private static bool PlainTable(TableRef reference) =>
            reference.Query is null && reference.Functions.Count == 0 && reference.Nested is null && !reference.Lateral && reference.ColumnAliases.Count == 0;
    }
}
