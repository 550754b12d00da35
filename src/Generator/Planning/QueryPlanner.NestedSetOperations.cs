using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// A set operation where a query goes — a subquery, a subquery in FROM, a common table expression's body (WITH RECURSIVE
// included): its branches bound in scopes of their own. On one node it runs as written; over several shards a UNION [ALL]
// in FROM or WITH runs inside each shard's statement when every branch is partitioned by a distribution key selected at the
// same position (Citus: query_pushdown_planning.c, the union pushdown rule of relation_restriction_equivalence.c).
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>The operators of set operations in FROM or WITH that run inside each shard's statement (partitioned by a key).</summary>
        private readonly HashSet<TextSpan> _setOperationsPerShard = new();

        /// <summary>
        /// Binds the branches of <paramref name="set"/>, the body of <paramref name="planned"/>, each as a subquery of its scope (a
        /// subquery's branches see the enclosing query's columns, as the subquery does). In a recursive common table expression the
        /// first branch is bound before the CTE's name: the other branches read the CTE itself, with the first branch's columns.
        /// </summary>
        private void PlanNestedSetOperation(SetOperationStatement set, SubqueryScope planned)
        {
            PlanWith(set.With, nested: true);
            var branches = new List<SubqueryScope>();
            planned.Branches = branches;
            foreach (var branch in set.Branches)
            {
                if (Problems.Count > 0)
                {
                    return;
                }

                var sub = PlanSubquery(branch, planned.Node, null);
                sub.SetOperation = planned;
                branches.Add(sub);
                if (branches.Count == 1)
                {
                    planned.Outputs = sub.Outputs;
                    if (planned.Cte is { Recursive: true } cte)
                    {
                        _ctes[cte.Name] = planned;
                    }
                }
            }

            if (Problems.Count > 0)
            {
                return;
            }

            var columns = ColumnCount(branches[0]);
            if (branches.Skip(1).FirstOrDefault(b => ColumnCount(b) != columns) is { } mismatched)
            {
                Fail(RuleIds.SyntaxError, mismatched.Query.Span, $"Each branch of a set operation must return the same number of columns: the first returns {columns}, this one {ColumnCount(mismatched)}.");
                return;
            }

            foreach (var item in set.OrderBy)
            {
                if (OrdinalOf(item.Expr, planned.Outputs) < 0 || item.Expr is not (ColumnRef { Qualifier: null } or Literal { Kind: LiteralKind.Integer }))
                {
                    Fail(RuleIds.UnknownColumn, item.Span, "ORDER BY of a set operation names one of its result columns, by name or position.");
                    return;
                }
            }

            foreach (var value in new[] { set.Limit, set.Offset })
            {
                if (value is not null)
                {
                    BindExpression(value, null);
                }
            }
        }

        private static int ColumnCount(SubqueryScope branch) => branch.Query.Values.Count > 0 ? branch.Query.Values[0].Count : branch.Outputs.Count;

        /// <summary>
        /// The output of a set operation in FROM or WITH that carries a distribution key when its rows are partitioned by it: a
        /// UNION or UNION ALL (no LIMIT or OFFSET on the whole) whose every branch is partitioned by a distribution key (see
        /// <see cref="KeyOutputs"/>) and selects one at the same position. Every row then has its key at that position, so each
        /// shard computes exactly the rows of its own keys — duplicates UNION removes are equal rows, of one key, on one shard.
        /// Otherwise null, with the reason in <see cref="SubqueryScope.NotPartitioned"/> when it reads distributed tables.
        /// </summary>
        private (int Output, Binding Source)? SetOperationPartitionKey(SubqueryScope derived, List<SubqueryScope> branches)
        {
            var set = derived.Query.SetOperation!;
            var readsDistributed = branches.Any(b => AllScopes(b.Scope).SelectMany(s => s.Bindings).Any(x => x.Table.Table.Kind == TableKind.Distributed));
            if (!readsDistributed || derived.Cte is { Recursive: true })
            {
                return null;
            }

            // Branches pinned to one key are planned as pinned subqueries: the statement is then routed to that key.
            var pinned = branches.Where(b => IsPinnedBranch(b)).ToList();
            if (pinned.Count == branches.Count)
            {
                return null;
            }

            var op = set.Operators.FirstOrDefault(o => o is not ("UNION" or "UNION ALL"));
            List<(int Output, Binding Source)>? common = null;
            var why = op is not null ? $"it is an {op}, which ShardGen runs only on one node (only UNION and UNION ALL are pushed down to the shards)"
                : set.Limit is not null || set.Offset is not null ? "its LIMIT/OFFSET would apply on each shard"
                : pinned.Count > 0 ? $"branch {branches.IndexOf(pinned[0]) + 1} is pinned to one key and another is not"
                : null;
            for (var i = 0; why is null && i < branches.Count; i++)
            {
                var keys = KeyOutputs(branches[i]);
                if (keys.Count == 0)
                {
                    why = $"branch {i + 1} is not partitioned by a distribution key, which a branch is when it reads distributed tables joined on their keys, selects a key as a plain column, groups by a key if it groups or aggregates, and has no LIMIT or OFFSET";
                }
                else
                {
                    common = common is null ? keys : common.Where(c => keys.Any(k => k.Output == c.Output)).ToList();
                    if (common.Count == 0)
                    {
                        why = $"branch {i + 1} selects the distribution key at another position than the branches before it";
                    }
                }
            }

            derived.NotPartitioned = why;
            if (why is not null)
            {
                return null;
            }

            _setOperationsPerShard.UnionWith(set.OperatorSpans);
            return common![0];
        }

        private bool IsPinnedBranch(SubqueryScope branch)
        {
            var saved = _scope;
            _scope = branch.Scope;
            var pinned = KeyPins(TopLevelConditions(branch.Query)).Any(p => branch.Scope.Bindings.Contains(p.Binding));
            _scope = saved;
            return pinned;
        }
    }
}
