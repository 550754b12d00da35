using System;
using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Which tables one statement may read together (Citus: relation_restriction_equivalence.c and the colocation checks of
// its planners): distributed tables colocated and joined on their keys, local tables only without distributed ones, and
// no reference table on the preserved side of an outer join with a distributed one.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>The local table among <paramref name="bindings"/>, if any; SG0109 when <paramref name="distributed"/> tables are read in the same statement.</summary>
        private Binding? LocalReadWithDistributed(List<Binding> bindings, List<Binding> distributed)
        {
            var local = bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local && b.Derived is null);
            if (local is not null && distributed.Count > 0)
            {
                Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"Local table '{local.Table.Table.TableName}' cannot be read in a statement with distributed table '{distributed[0].Table.Table.TableName}': local tables live only on the coordinator. Make it a [Reference] table.");
            }

            return local;
        }

        /// <summary>SG0106 on every distributed table outside the first one's colocation group.</summary>
        private void CheckColocated(List<Binding> distributed, string why)
        {
            var first = distributed[0];
            foreach (var other in distributed.Skip(1).Where(b => b.Table.ColocationGroup != first.Table.ColocationGroup))
            {
                // Only tables whose keys have one type can share shards: ColocateWith is advice (and a code fix) for those alone;
                // the types travel either way, for the fix that makes one a reference table.
                var sameKeyType = other.Table.Table.KeyType == first.Table.Table.KeyType;
                var advice = sameKeyType
                    ? "Colocate them (ColocateWith = typeof(...)) or make one a [Reference] table."
                    : "Their distribution keys have different types, so no ColocateWith can put them in one group: make one a [Reference] table, or distribute one of them by a column of the other's key type.";
                Problems.Add(new QueryProblem(
                    RuleIds.NotColocated,
                    $"Tables '{first.Table.Table.TableName}' (colocation group {first.Table.ColocationGroup}) and '{other.Table.Table.TableName}' (colocation group {other.Table.ColocationGroup}) are not colocated: {why}. {advice}",
                    other.Reference.Span.Start, other.Reference.Span.Length,
                    FixType: other.Table.Table.FullTypeName,
                    FixOtherType: first.Table.Table.FullTypeName));
            }
        }

        /// <summary>
        /// Distributed tables must be joined on their distribution keys (and an outer join must say so in
        /// its own ON); a reference table cannot be the preserved side of an outer join with a distributed one.
        /// </summary>
        private void CheckJoins(SqlExpr? where, EquatableArray<JoinClause> joins)
        {
            var distributed = _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            if (distributed.Count > 1)
            {
                var parent = distributed.ToDictionary(b => b, b => b);
                Binding Find(Binding b) => parent[b] == b ? b : parent[b] = Find(parent[b]);
                var conditions = JoinConditions(where, joins);
                foreach (var (left, right) in KeyEqualities(conditions).Where(e => parent.ContainsKey(e.Left) && parent.ContainsKey(e.Right)))
                {
                    parent[Find(left)] = Find(right);
                }

                // Keys pinned to one same value (parameter or literal) in WHERE or an inner join's ON: every row of those
                // tables that the query keeps lives in that value's shard group, so they join there on any column (as
                // Citus' router planner finds when each colocated table has a filter on its distribution column).
                var topLevel = Conjuncts(where).Concat(joins.Where(j => j.Kind is JoinKind.Inner or JoinKind.Cross && j.On is not null).SelectMany(j => Conjuncts(j.On)));
                foreach (var group in KeyPins(topLevel).Where(p => parent.ContainsKey(p.Binding)).GroupBy(p => p.Value, StringComparer.Ordinal))
                {
                    var first = group.First().Binding;
                    foreach (var (binding, _) in group)
                    {
                        parent[Find(binding)] = Find(first);
                    }
                }

                var root = Find(distributed[0]);
                foreach (var binding in distributed.Skip(1))
                {
                    if (Find(binding) != root)
                    {
                        var span = joins.FirstOrDefault(j => j.Table == binding.Reference)?.Span ?? binding.Reference.Span;
                        var (advice, fixText, fixAt) = JoinKeyAdvice(binding, distributed[0], where, joins);
                        Problems.Add(new QueryProblem(
                            RuleIds.JoinNotOnDistributionKey,
                            $"Table '{binding.Table.Table.TableName}' is not joined with '{distributed[0].Table.Table.TableName}' on their distribution keys, so the join would need rows from other shards{advice}",
                            span.Start, span.Length, FixText: fixText, FixAt: fixAt));
                    }
                }
            }

            var seen = new List<Binding> { _bindings[0] };
            foreach (var join in joins)
            {
                var binding = _bindings.FirstOrDefault(b => b.Reference == join.Table);
                if (binding is null)
                {
                    continue;
                }

                var isDistributed = binding.Table.Table.Kind == TableKind.Distributed;
                // One problem per join: a join the key check above already reported is not reported again as an outer join.
                if (join.Kind is JoinKind.Left or JoinKind.Right or JoinKind.Full && isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed)
                    && !KeyEqualities(Conjuncts(join.On)).Any(e => e.Left == binding || e.Right == binding)
                    && !Problems.Any(p => p.Rule == RuleIds.JoinNotOnDistributionKey && p.Start == join.Span.Start && p.Length == join.Span.Length))
                {
                    var partner = seen.First(s => s.Table.Table.Kind == TableKind.Distributed);
                    Fail(RuleIds.JoinNotOnDistributionKey, join.Span, $"An outer join of distributed table '{binding.Table.Table.TableName}' must join on the distribution key in its own ON clause"
                        + (OnPurpose(binding, partner) ? "." : ": " + UnrelatedKeysAdvice(binding, partner, Conjuncts(join.On))));
                }

                var preservedReference = join.Kind switch
                {
                    // The preserved side recurs on every shard only when it holds no distributed table.
                    JoinKind.Left => isDistributed && seen.All(s => s.Table.Table.Kind == TableKind.Reference),
                    JoinKind.Right => !isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed),
                    JoinKind.Full => (isDistributed && seen.All(s => s.Table.Table.Kind == TableKind.Reference)) || (!isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed)),
                    _ => false,
                };
                if (preservedReference && (isDistributed ? seen.Where(b => b.Table.Table.Kind == TableKind.Reference) : new[] { binding }).All(CanPull))
                {
                    // The distributed side's rows are brought to the coordinator, which holds a copy of the reference tables.
                    _pull = true;
                }
                else if (preservedReference)
                {
                    var references = string.Join(", ", (isDistributed ? seen.Where(b => b.Table.Table.Kind == TableKind.Reference) : new[] { binding }).Select(b => "'" + b.Table.Table.TableName + "'"));
                    var distributedSide = string.Join(", ", (isDistributed ? new[] { binding } : seen.Where(b => b.Table.Table.Kind == TableKind.Distributed)).Select(b => "'" + b.Table.Table.TableName + "'"));
                    Fail(RuleIds.ReferenceOnOuterSide, join.Span, $"Reference table {references} cannot be the preserved side of an outer join with distributed table {distributedSide}: every shard would add the reference rows that match nothing. Reorder the join so the distributed table is preserved (ShardGen runs such a join on the coordinator, but not in a statement with subqueries or common table expressions).");
                }

                seen.Add(binding);
            }
        }

        private IEnumerable<(Binding Left, Binding Right)> KeyEqualities(IEnumerable<SqlExpr> conditions)
        {
            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=", Left: ColumnRef left, Right: ColumnRef right }
                    && Resolve(left) is { } a && Resolve(right) is { } b
                    && IsKeyColumn(a.Binding, a.Column) && IsKeyColumn(b.Binding, b.Column) && a.Binding != b.Binding)
                {
                    yield return (a.Binding, b.Binding);
                }
            }
        }
    }
}
