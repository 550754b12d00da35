using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// A <c>UNION ALL</c> over several shards whose branches each restrict the distribution key to values known before it
    /// runs (<c>key = @a</c> in one, <c>key IN (1, 2)</c> in another): every row of a branch lives on the shard of one of its
    /// keys, so the whole set operation needs to run on those keys' shards only (each once), as Citus prunes it.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>
        /// The keys of every branch, and the branches pinned to one key; the keys are null when some branch is not restricted
        /// to listed keys (no key condition, or a list parameter), and the statement then runs on every shard.
        /// </summary>
        private (List<RouteKey>? Keys, HashSet<SubqueryScope> Pinned) BranchKeys(List<SubqueryScope> branches)
        {
            var keys = new List<RouteKey>();
            var pinned = new HashSet<SubqueryScope>();
            var everyBranch = true;
            foreach (var branch in branches)
            {
                _scope = branch.Scope;
                var pin = branch.Scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed) ? FindPin(TopLevelConditions(branch.Query)) : null;
                _scope = _root;
                if (pin?.Single is { } single)
                {
                    keys.Add(single);
                    pinned.Add(branch);
                }
                else if (pin is { List: null, Multiple.Count: > 0 })
                {
                    keys.AddRange(pin.Multiple);
                }
                else
                {
                    everyBranch = false;
                }
            }

            return (everyBranch ? keys : null, pinned);
        }
    }
}
