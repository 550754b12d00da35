using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SortKey = ShardGen.Generator.Model.SortKey;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// A SELECT over several shards whose rows are final on each shard (Citus: query_pushdown_planning.c): each shard runs the
// query, each worker combines its shards in SQL, and windows must be partitioned by the distribution key.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private QueryPlan? PlanFanOutSelect(SelectStatement select, List<Output> outputs, List<int> members, string routing, Pin? pin)
        {
            if (select.DistinctOn.Count > 0 && !select.DistinctOn.Select(d => ResolvePosition(ResolveAlias(d, outputs), outputs)).Any(IsDistributionKey))
            {
                return Fail(RuleIds.NotCombinable, select.DistinctOnSpan!.Value, "DISTINCT ON over several shards must include the distribution key (DISTINCT ON (<table>.<key>, ...)), so that each group lies on one shard: add it, or pin the query to one key.");
            }

            var groupBy = select.GroupBy.Select(g => ResolvePosition(g, outputs)).ToList();
            var hasAggregates = outputs.Any(o => o.Expr is not null && ContainsAggregate(o.Expr))
                || (select.Having is not null && ContainsAggregate(select.Having))
                || select.OrderBy.Any(o => ContainsAggregate(o.Expr));
            var groupedOnKey = groupBy.Any(IsDistributionKey);
            if ((hasAggregates || groupBy.Count > 0) && !groupedOnKey)
            {
                return PlanMergedAggregation(select, outputs, members, routing, pin, groupBy);
            }

            // Rows are final on each shard (no aggregation, or GROUP BY the distribution key, whose
            // groups never span shards): each shard runs the query, the worker merges its shards in
            // SQL, the run time merges the workers, and LIMIT/OFFSET apply after the merge.
            var sortOrdinals = new List<SortKey>();
            var hidden = new List<SqlExpr>();
            foreach (var item in select.OrderBy)
            {
                var ordinal = OrdinalOf(item.Expr, outputs);
                if (ordinal < 0)
                {
                    if (select.Distinct)
                    {
                        return Fail(RuleIds.NotCombinable, item.Span, "With SELECT DISTINCT, ORDER BY expressions must appear in the select list.");
                    }

                    ordinal = outputs.Count + hidden.Count;
                    hidden.Add(item.Expr);
                }

                sortOrdinals.Add(new SortKey(ordinal, item.Descending, item.NullsFirst ?? item.Descending));
            }

            var limit = LimitText(select);
            var shard = ShardSelect(select);
            if (select.Distinct)
            {
                shard.Text("DISTINCT ");
            }
            else if (select.DistinctOnSpan is { } distinctOn)
            {
                // Each group lies on one shard (it holds a key), so the shard keeps the right row of it: its ORDER BY decides which.
                shard.Span(distinctOn).Text(" ");
            }

            // TABLE t over several shards: each shard runs SELECT * FROM t, t its shard's table named t.
            if (select.TableForm)
            {
                shard.Text("*");
            }
            else
            {
                shard.Span(select.SelectListSpan);
            }

            for (var i = 0; i < hidden.Count; i++)
            {
                shard.Text(", ").Span(hidden[i].Span).Text(" AS \"sg_sort" + i.ToString(CultureInfo.InvariantCulture) + "\"");
            }

            if (select.TableForm)
            {
                shard.Text(" FROM ").Span(select.FromSpan!.Value).Text(" AS " + SqlText.Identifier(select.From!.Alias!));
            }
            else
            {
                shard.Text(" ").Span(select.FromSpan!.Value);
            }

            AppendClause(shard, select.WhereSpan);
            AppendClause(shard, select.GroupBySpan);
            AppendClause(shard, select.HavingSpan);
            AppendClause(shard, select.WindowSpan);
            if ((limit is not null || select.DistinctOn.Count > 0) && select.OrderBy.Count > 0)
            {
                shard.Text(" ORDER BY ").Text(PositionalOrder(sortOrdinals));
            }

            if (limit is not null)
            {
                shard.Text(" LIMIT ");
                AppendLimit(shard, select);
            }

            shard.Text(")");
            var (parts, tables) = shard.Build();

            var merge = new MergePlan(
                sortOrdinals.ToEquatableArray(), LimitValue(select.Limit), LimitValue(select.Offset), select.Distinct,
                -1, EquatableArray<AggregateSpec>.Empty, null, outputs.Count + hidden.Count);
            return FanOutPlan(routing, pin, parts, tables, select.Distinct ? "SELECT DISTINCT * FROM (" : "SELECT * FROM (", WorkerSuffix(sortOrdinals, limit), members, merge);
        }

        private QueryPlan FanOutPlan(string routing, Pin? pin, List<string> parts, List<string> tables, string prefix, string suffix, List<int> members, MergePlan merge) =>
            new(QueryTarget.FanOut, false, routing, null,
                pin?.Multiple ?? EquatableArray<RouteKey>.Empty, pin?.List,
                parts.ToEquatableArray(), tables.ToEquatableArray(), prefix, suffix,
                _parameters.ToEquatableArray(),
                members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray(),
                merge, Preview(parts, tables));

        private void AppendClause(SqlBuilder builder, TextSpan? span)
        {
            if (span is { } s)
            {
                builder.Text(" ").Span(s);
            }
        }

        /// <summary>
        /// Over several shards a window function is exact only when every partition lives on one shard: PARTITION BY (its own,
        /// or the named window's it uses) must name a distribution key (Citus pushes down exactly those).
        /// </summary>
        private void CheckWindows(SelectStatement select)
        {
            foreach (var window in WindowsSpanningShards(select))
            {
                // A window built on a named one cannot write its own PARTITION BY: the key goes into the named window that holds it.
                var where = PartitionSource(window, select).Window is { } named ? $"to the PARTITION BY of window '{named}' (WINDOW {named} AS (PARTITION BY <table>.<key>, ...))" : "to PARTITION BY";
                Fail(RuleIds.NotCombinable, window.Span, $"ShardGen runs a window function over several shards on the shards when it is partitioned by the distribution key (PARTITION BY <table>.<key>, ..., written or in the named window it uses), so that each partition lies on one shard; it brings the rows to the coordinator to compute any other window (as Citus does) only in a SELECT without subqueries or common table expressions. Pin the query to one key, add the key {where}, or move the subquery into a [Query] of its own.");
            }
        }

        /// <summary>The start of one shard's statement: <c>(</c>, the statement's WITH clause if it has one, <c>SELECT </c>.</summary>
        private SqlBuilder ShardSelect(SelectStatement select)
        {
            var builder = new SqlBuilder(_sql, _edits).Text("(");
            if (select.With.Count > 0)
            {
                builder.Span(TextSpan.FromBounds(select.Span.Start, select.With[select.With.Count - 1].Span.End)).Text(" ");
            }

            return builder.Text("SELECT ");
        }
    }
}
