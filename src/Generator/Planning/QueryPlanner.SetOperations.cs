using System.Collections.Generic;
using System.Linq;
using SortKey = ShardGen.Generator.Model.SortKey;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// UNION, INTERSECT and EXCEPT: as written on one node when every branch is pinned to one key or reads no distributed
// table (Citus's router planner); UNION ALL over several shards, each shard running the whole set operation.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// <c>SELECT ... UNION [ALL] SELECT ...</c> (and INTERSECT, EXCEPT): each branch is bound in a scope of its own; the whole
        /// statement runs as written on one node — a reference copy or the coordinator when it reads no distributed table, or the
        /// one shard every distributed table of every branch is pinned to (Citus's router planner). Over several shards it is refused.
        /// </summary>
        private QueryPlan? PlanSetOperation(SetOperationStatement set)
        {
            if (_method.Shape is ResultShape.AffectedRows or ResultShape.None || (_method.Shape == ResultShape.Scalar && _method.Row is null))
            {
                return Fail(RuleIds.MethodNotGenerated, set.Span, $"A SELECT returns rows: '{_method.MethodName}' should return Task<List<T>>, Task<T?>, a scalar Task<T> or IAsyncEnumerable<T>.");
            }

            _allowSubqueries = true;
            var branches = set.Branches.Select(branch => PlanSubquery(branch, null, null, isolated: true)).ToList();
            if (Problems.Count > 0)
            {
                return null;
            }

            var outputs = branches[0].Outputs;
            if (branches.Skip(1).FirstOrDefault(b => b.Outputs.Count != outputs.Count) is { } mismatched)
            {
                return Fail(RuleIds.SyntaxError, mismatched.Query.SelectListSpan, $"Each branch of a set operation must return the same number of columns: the first returns {outputs.Count}, this one {mismatched.Outputs.Count}.");
            }

            foreach (var item in set.OrderBy)
            {
                if (OrdinalOf(item.Expr, outputs) < 0 || item.Expr is not (ColumnRef { Qualifier: null } or Literal { Kind: LiteralKind.Integer }))
                {
                    return Fail(RuleIds.UnknownColumn, item.Span, "ORDER BY of a set operation names one of its result columns, by name or position.");
                }
            }

            foreach (var value in new[] { set.Limit, set.Offset })
            {
                if (value is not null)
                {
                    BindExpression(value, null);
                }
            }

            var members = MapOutputs(outputs.Select(o => o with { Expr = null }).ToList(), branches[0].Query.SelectListSpan);
            if (members is null || Problems.Count > 0)
            {
                return null;
            }

            // The branches and the common table expressions of a WITH before them: every table read must be pinned to the one key.
            var scopes = _root.Children.SelectMany(b => AllScopes(b.Scope)).ToList();
            var bindings = scopes.SelectMany(scope => scope.Bindings).ToList();
            var distributed = bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            var local = LocalReadWithDistributed(bindings, distributed);
            if (Problems.Count > 0)
            {
                return null;
            }

            var target = local is not null ? QueryTarget.Local : QueryTarget.Reference;
            string? routing = null;
            RouteKey? key = null;
            if (distributed.Count > 0)
            {
                CheckColocated(distributed, "the branches of one statement must run on one shard");
                string? routedBy = null;
                foreach (var scope in scopes.Where(scope => scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed)))
                {
                    var query = QueryOf(scope, _root.Children);
                    _scope = scope;
                    var pins = query is null ? new List<string>() : KeyPins(TopLevelConditions(query)).Where(p => scope.Bindings.Contains(p.Binding)).Select(p => p.Value).ToList();
                    if (pins.Count == 0 || (routedBy is not null && pins[0] != routedBy))
                    {
                        _scope = _root;
                        return PlanUnionAllOverShards(set, branches, outputs, members, distributed);
                    }

                    if (routedBy is null)
                    {
                        routedBy = pins[0];
                        key = FindPin(TopLevelConditions(query!))?.Single;
                        routing = RoutingTableOf(scope.Bindings.First(b => b.Table.Table.Kind == TableKind.Distributed));
                    }

                    _scope = _root;
                }

                if (Problems.Count > 0 || key is null)
                {
                    return Problems.Count > 0 ? null : Fail(RuleIds.InternalError, set.Span, "The key this statement is pinned to could not be read.");
                }

                target = QueryTarget.Router;
            }

            var (parts, tables) = new SqlBuilder(_sql, _edits).Span(set.Span).Build();
            var outputColumns = members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray();
            return new QueryPlan(
                target, false, routing, key, EquatableArray<RouteKey>.Empty, null, parts.ToEquatableArray(), tables.ToEquatableArray(), null, null,
                _parameters.ToEquatableArray(), outputColumns, null, Preview(parts, tables));
        }

        /// <summary>
        /// <c>SELECT ... UNION ALL SELECT ...</c> over several shards: each shard runs the whole set operation over its own shard
        /// tables, and the shards' rows are concatenated (or merged in the statement's ORDER BY, with LIMIT/OFFSET after the
        /// merge). Exact when every branch reads a distributed table of the one colocation group and its rows are final on each
        /// shard: no DISTINCT, no aggregate or GROUP BY unless grouped by a distribution key, windows partitioned by one, no
        /// subquery. UNION (which removes duplicates across shards), INTERSECT and EXCEPT need one shard.
        /// </summary>
        private QueryPlan? PlanUnionAllOverShards(SetOperationStatement set, List<SubqueryScope> branches, List<Output> outputs, List<int> members, List<Binding> distributed)
        {
            const string OneShard = "runs on one shard only: pin every branch (and every subquery in it) to the same distribution key, or run each branch as its own [Query] and combine the rows in C#.";
            var distinctOp = set.Operators.Select((op, i) => (op, i)).FirstOrDefault(o => o.op != "UNION ALL");
            if (distinctOp.op is not null)
            {
                return Fail(RuleIds.UnsupportedSql, set.OperatorSpans[distinctOp.i], $"{distinctOp.op} {OneShard} Over several shards, UNION ALL of branches partitioned by the key is supported.");
            }

            var (keys, pinned) = BranchKeys(branches);
            if (Problems.Count > 0)
            {
                return null;
            }

            foreach (var branch in branches)
            {
                _scope = branch.Scope;
                var query = branch.Query;
                var groupedOnKey = query.GroupBy.Select(g => ResolvePosition(g, branch.Outputs)).Any(IsDistributionKey);
                var aggregates = query.GroupBy.Count > 0 || query.Having is not null || StatementExpressions(query).Any(ContainsAggregate);

                // A branch pinned to one key has all its rows on that key's shard (and none elsewhere): duplicates, groups and
                // windows are whole there. Only an aggregate without GROUP BY returns a row from every shard it runs on.
                var why =
                    branch.Branches is not null ? "is a set operation of its own, in parentheses"
                    : !branch.Scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed) ? "reads no distributed table, so every shard would return its rows"
                    : branch.Scope.Children.Count > 0 ? "has a subquery"
                    : pinned.Contains(branch) ? (aggregates && query.GroupBy.Count == 0 ? "aggregates without GROUP BY, so every shard the statement runs on would return a row" : null)
                    : query.Distinct || query.DistinctOn.Count > 0 ? "removes duplicates, which may be on other shards"
                    : aggregates && !groupedOnKey ? "aggregates groups that span shards"
                    : WindowsSpanningShards(query).Any() ? "has a window not partitioned by the distribution key"
                    : null;
                _scope = _root;
                if (why is not null)
                {
                    return Fail(RuleIds.UnsupportedSql, query.Span, $"Over several shards, this branch of the UNION ALL {why}: pin every branch to the same distribution key, or run each branch as its own [Query].");
                }
            }

            // A branch TABLE t runs as written on each shard, TABLE <its shard's table>: the branches combine by position, not by name.
            _tableFormPerShard.UnionWith(set.Branches.Where(b => b.TableForm).Select(b => b.Span));

            var sortKeys = set.OrderBy.Select(item => new SortKey(OrdinalOf(item.Expr, outputs), item.Descending, item.NullsFirst ?? item.Descending)).ToList();
            var limit = set.Limit is null ? null : LimitSql(set.Limit, set.Offset);
            var shard = new SqlBuilder(_sql, _edits).Text("(").Span(TextSpan.FromBounds(set.Span.Start, branches[branches.Count - 1].Query.Span.End));
            if (limit is not null)
            {
                if (sortKeys.Count > 0)
                {
                    shard.Text(" ORDER BY ").Text(PositionalOrder(sortKeys));
                }

                shard.Text(" LIMIT ").Text(limit);
            }

            var (parts, tables) = shard.Text(")").Build();
            var merge = new MergePlan(sortKeys.ToEquatableArray(), LimitValue(set.Limit), LimitValue(set.Offset), false, -1, EquatableArray<AggregateSpec>.Empty, null, outputs.Count);
            if (Problems.Count > 0)
            {
                return null;
            }

            var routing = distributed[0];
            if (keys is null)
            {
                Note(RuleIds.RunsOnAllShards, routing.Reference.NameSpan,
                    $"This UNION ALL has no condition on the distribution key of '{routing.Table.Table.TableName}' in every branch, so it runs on every shard (32 by default): pin every branch with '{routing.Alias}.{routing.Table.Table.Columns[routing.Table.Table.DistributionKey].ColumnName} = @...' if it is meant for one key.");
            }

            var pin = keys is null ? null : new Pin(null, keys.Distinct().ToEquatableArray(), null);
            return FanOutPlan(RoutingTableOf(routing), pin, parts, tables, "SELECT * FROM (", WorkerSuffix(sortKeys, limit), members, merge);
        }

        /// <summary>The SELECT bound in <paramref name="scope"/>: a branch's, or a subquery's inside one.</summary>
        private static SelectStatement? QueryOf(Scope scope, List<SubqueryScope> branches) =>
            branches.Concat(branches.SelectMany(AllSubqueries)).FirstOrDefault(b => b.Scope == scope)?.Query;
    }
}
