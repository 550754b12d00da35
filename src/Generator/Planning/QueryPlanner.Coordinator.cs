using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Rows brought to the coordinator (Citus: recursive_planning.c and local_distributed_join_planner.c): a SELECT joining
// distributed tables with local ones, or keeping reference rows on an outer join's preserved side, runs there.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// A SELECT that joins distributed tables with a local table, or keeps the rows of a reference table that match
        /// nothing in a distributed one (the reference table on the preserved side of an outer join): as Citus plans it
        /// recursively, each distributed table's rows — only the columns the statement reads, filtered by the conditions
        /// on that table alone, from the shards of a pinned key or from every shard — are read first, and the statement
        /// runs on the coordinator with the table replaced by those rows (sent as text arrays and cast back to the
        /// columns' types). The coordinator holds the local tables and a copy of every reference table.
        /// </summary>
        private QueryPlan? PlanPulled(SelectStatement select, List<Output> outputs, List<int> members)
        {
            var nullable = NullableSide(select);
            var pulls = new List<PullStatement>();
            var arrays = _parameters.Count;

            // The statement on the coordinator has the pulled tables replaced by their rows; the statement as written
            // (see WithStatementAsWritten) keeps them, so the replacement goes to a copy of the edits.
            var edits = new List<SqlBuilder.Edit>(_edits);
            foreach (var binding in _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList())
            {
                var table = binding.Table.Table;
                var used = UsedColumns(select, binding, outputs);
                var join = select.Joins.FirstOrDefault(j => j.Table == binding.Reference);
                var pushed = new List<SqlExpr>();
                if (!nullable.Contains(binding))
                {
                    pushed.AddRange(Conjuncts(select.Where).Where(c => OnlyOn(c, binding)));
                }

                if (join is { Kind: JoinKind.Inner or JoinKind.Left, On: { } on })
                {
                    pushed.AddRange(Conjuncts(on).Where(c => OnlyOn(c, binding)));
                }

                // FROM t RIGHT JOIN ...: t's rows that fail the join's conditions on t alone match nothing, so they need not come.
                if (binding == _bindings[0] && select.Joins.Count > 0 && select.Joins[0] is { Kind: JoinKind.Right, On: { } right })
                {
                    pushed.AddRange(Conjuncts(right).Where(c => OnlyOn(c, binding)));
                }

                var pin = FindPin(pushed);
                if (pin is null)
                {
                    Note(RuleIds.RunsOnAllShards, binding.Reference.NameSpan,
                        $"This query reads every shard of '{table.TableName}' (32 by default) and {(_pullForWindows ? "computes its window functions" : "joins the rows")} on the coordinator: pin it with '{binding.Alias}.{table.Columns[table.DistributionKey].ColumnName} = @...' if it is meant for one key.");
                }

                Note(RuleIds.RowsBroughtToCoordinator, binding.Reference.NameSpan, _pullForWindows
                    ? $"The rows of '{table.TableName}' that this query reads ({string.Join(", ", used.Select(c => c.ColumnName))}) are brought to the coordinator, where its window functions not partitioned by the distribution key are computed over all of them (as Citus computes them on its coordinator). Partition the windows by the key to compute them on the shards, or filter '{table.TableName}' by its own columns (or pin its key) to bring fewer rows."
                    : $"The rows of '{table.TableName}' that this query reads ({string.Join(", ", used.Select(c => c.ColumnName))}) are brought to the coordinator and joined there: it holds the local and reference tables, the workers the shards. Filter '{table.TableName}' by its own columns (or pin its key) to bring fewer rows.");
                var builder = new SqlBuilder(_sql, _edits).Text("SELECT ");
                builder.Text(string.Join(", ", used.Select(c => $"{SqlText.Identifier(binding.Alias)}.{SqlText.Identifier(c.ColumnName)}::text")));
                builder.Text(" FROM ").Slot(table.TableName).Text(" AS " + SqlText.Identifier(binding.Alias));
                for (var i = 0; i < pushed.Count; i++)
                {
                    builder.Text(i == 0 ? " WHERE (" : " AND (").Span(pushed[i].Span).Text(")");
                }

                var (parts, tables) = builder.Build();
                pulls.Add(new PullStatement(
                    table.TableName, pin?.Single, pin?.Multiple ?? EquatableArray<RouteKey>.Empty, pin?.List, parts.ToEquatableArray(), tables.ToEquatableArray(),
                    used.Count, Preview(parts, tables)));

                // In the statement, the table becomes its rows: unnest($k::text[], ...) cast back to the columns' types.
                var columns = string.Join(", ", used.Select((c, i) => $"\"sg_pull\".c{i.ToString(CultureInfo.InvariantCulture)}::{SqlTypes.SqlType(c.Type)} AS {SqlText.Identifier(c.ColumnName)}"));
                var sources = string.Join(", ", used.Select((_, i) => "$" + (arrays + i + 1).ToString(CultureInfo.InvariantCulture) + "::text[]"));
                var names = string.Join(", ", used.Select((_, i) => "c" + i.ToString(CultureInfo.InvariantCulture)));
                arrays += used.Count;
                edits.RemoveAll(e => e.Span == binding.Reference.NameSpan);
                edits.Add(new SqlBuilder.Edit(binding.Reference.Span, null, $"(SELECT {columns} FROM unnest({sources}) AS \"sg_pull\"({names})) AS {SqlText.Identifier(binding.Alias)}"));
            }

            var (finalParts, finalTables) = new SqlBuilder(_sql, edits).Span(select.Span).Build();
            var outputColumns = members.Select((member, ordinal) => new OutputColumn(ordinal, member, IsTypedRead(outputs[ordinal].Expr, member))).ToEquatableArray();
            var preview = string.Join("\n", pulls.Select(p => p.Sql).Concat(new[] { Preview(finalParts, finalTables) }));
            return new QueryPlan(
                QueryTarget.Local, false, null, null, EquatableArray<RouteKey>.Empty, null, finalParts.ToEquatableArray(), finalTables.ToEquatableArray(),
                null, null, _parameters.ToEquatableArray(), outputColumns, null, preview, Pulls: pulls.ToEquatableArray());
        }

        /// <summary>The tables whose rows an outer join may replace by NULLs: a LEFT join's table, everything before a RIGHT join, both sides of a FULL one.</summary>
        private HashSet<Binding> NullableSide(SelectStatement select)
        {
            var nullable = new HashSet<Binding>();
            var seen = new List<Binding> { _bindings[0] };
            foreach (var join in select.Joins)
            {
                var binding = _bindings.First(b => b.Reference == join.Table);
                if (join.Kind is JoinKind.Left or JoinKind.Full)
                {
                    nullable.Add(binding);
                }

                if (join.Kind is JoinKind.Right or JoinKind.Full)
                {
                    nullable.UnionWith(seen);
                }

                seen.Add(binding);
            }

            return nullable;
        }

        /// <summary>Whether a condition reads only <paramref name="binding"/>'s columns (and values), so that it can filter that table's rows on its shards.</summary>
        private bool OnlyOn(SqlExpr condition, Binding binding)
        {
            var columns = 0;
            foreach (var expr in SqlWalker.Descendants(condition))
            {
                switch (expr)
                {
                    case ColumnRef column when Resolve(column) is { } resolved && resolved.Binding == binding:
                        columns++;
                        break;
                    case ColumnRef or StarExpr or SubqueryExpr or ExistsExpr or InSubqueryExpr:
                        return false;
                    case FunctionCall call when IsAggregate(call) || VolatileFunctions.Contains(call.Name.Substring(call.Name.LastIndexOf('.') + 1)):
                        return false;
                }
            }

            return columns > 0;
        }

        /// <summary>The columns of <paramref name="binding"/> the statement reads, in table order; the key alone when it reads none (the rows still count).</summary>
        private List<ColumnSpec> UsedColumns(SelectStatement select, Binding binding, List<Output> outputs)
        {
            var table = binding.Table.Table;
            var used = new HashSet<ColumnSpec>();
            foreach (var expr in StatementExpressions(select).SelectMany(SqlWalker.Descendants))
            {
                if (expr is ColumnRef column && Resolve(column) is { } resolved && resolved.Binding == binding)
                {
                    used.Add(resolved.Column);
                }
                else if (expr is StarExpr star && (star.Qualifier is null || star.Qualifier == binding.Alias))
                {
                    used.UnionWith(table.Columns);
                }
            }

            if (used.Count == 0)
            {
                used.Add(table.Columns[table.DistributionKey]);
            }

            return table.Columns.Where(used.Contains).ToList();
        }

        /// <summary>
        /// Whether the statement can run on the coordinator with the distributed tables' rows brought there: a SELECT
        /// with no subquery, whose local table is not a common table expression.
        /// </summary>
        private bool CanPull(Binding recurring) =>
            _allowSubqueries && _scope == _root && _root.Children.Count == 0 && recurring.Derived is null;
    }
}
