using System.Linq;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// A window function whose partitions span shards (no distribution key in its PARTITION BY, written or the named window's) over several shards: as Citus
    /// computes it on its coordinator, the rows of each distributed table that the statement reads (its used columns, filtered
    /// by the conditions on that table alone, from its keys' shards when they are listed) are brought to the coordinator, and
    /// the whole statement runs there over them (<see cref="PlanPulled"/>): windows, joins, GROUP BY, ORDER BY and LIMIT are
    /// then exact. Only a SELECT without subqueries, common table expressions or subqueries in FROM is planned this way.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>Set when the statement is pulled to the coordinator for its windows, not for a local or reference table.</summary>
        private bool _pullForWindows;

        private bool WindowsNeedRowsTogether(SelectStatement select) =>
            _scope == _root && _root.Children.Count == 0 && select.With.Count == 0 && _bindings.All(b => b.Derived is null)
            && WindowsSpanningShards(select).Any();
    }
}
