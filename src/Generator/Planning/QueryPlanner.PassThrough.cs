using System;
using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// A statement that runs whole on one node — pinned to one key, or reading only reference or local tables — runs as written:
// ShardGen binds its tables, columns and parameters, and leaves every other construct to PostgreSQL. The constructs below
// are bound that way (functions, VALUES and parenthesized joins in FROM, JOIN ... USING) and listed by RouterOnly: over
// several shards, where ShardGen would split the statement or merge rows, they are refused with the reason.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private static ColumnSpec UntypedColumn(string name) => new(string.Empty, name, ColumnType.String, null, true);

        /// <summary>Binds a FROM list: each item (those of parenthesized joins too) in order, and the columns USING and NATURAL merge.</summary>
        private void BindFromList(TableRef first, EquatableArray<JoinClause> joins, JoinKind firstJoin)
        {
            Bind(first, firstJoin);
            foreach (var join in joins)
            {
                var before = _bindings.Count;
                Bind(join.Table, join.Kind);
                if (Problems.Count > 0)
                {
                    return;
                }

                foreach (var column in join.Using)
                {
                    _scope.Merged.Add(column);
                }

                if (join.Natural)
                {
                    // NATURAL joins on every column name both sides have.
                    var left = new HashSet<string>(_bindings.Take(before).SelectMany(b => b.Table.Table.Columns.Select(c => c.ColumnName)), StringComparer.Ordinal);
                    foreach (var column in _bindings.Skip(before).SelectMany(b => b.Table.Table.Columns).Where(c => left.Contains(c.ColumnName)))
                    {
                        _scope.Merged.Add(column.ColumnName);
                    }
                }
            }
        }

        /// <summary>
        /// A function in FROM (<c>unnest(@ids) AS u(id)</c>, <c>generate_series(1, @n) g</c>, <c>ROWS FROM (...)</c>): rows computed
        /// from its arguments, the same on every node, so it is planned as a reference table would be. Its columns are those of
        /// its alias list; without one, a single function's column is named by the alias (as PostgreSQL names a scalar function's)
        /// and any other column through the alias is the function's own (see <see cref="Binding.Open"/>).
        /// </summary>
        private void BindFunction(TableRef reference, JoinKind join)
        {
            var name = reference.Name.Substring(reference.Name.LastIndexOf('.') + 1);
            var alias = reference.Alias ?? name;
            if (_bindings.Any(b => b.Alias == alias))
            {
                Fail(RuleIds.UnknownTable, reference.Span, $"The name '{alias}' is used for two tables of this query: give one an alias.");
                return;
            }

            var open = reference.ColumnAliases.Count == 0;
            var columns = open
                ? new List<ColumnSpec> { UntypedColumn(alias) }
                : reference.ColumnAliases.Select(UntypedColumn).ToList();
            if (open && reference.Ordinality)
            {
                columns.Add(UntypedColumn("ordinality"));
            }

            var spec = new TableSpec(
                string.Empty, string.Empty, alias, false, false, TableKind.Reference, alias, columns.ToEquatableArray(), EquatableArray<int>.Empty, -1,
                default, default, null, EquatableArray<ConstructorParameterSpec>.Empty);
            _bindings.Add(new Binding(alias, new TableModel(spec, null, alias), reference, join, Open: open));
        }

        /// <summary>
        /// The constructs of <paramref name="statement"/> (its subqueries and CTEs included) that ShardGen runs only as written on one
        /// node: each with its span and what it is. Over several shards ShardGen splits or merges the statement, and it plans none of these there.
        /// </summary>
        /// <remarks><paramref name="nested"/>: the statement is a subquery or a common table expression's body.</remarks>
        private static IEnumerable<(TextSpan Span, string What)> RouterOnly(SqlStatement statement, bool nested = false)
        {
            switch (statement)
            {
                case SelectStatement select:
                    foreach (var found in RouterOnlySelect(select, nested))
                    {
                        yield return found;
                    }

                    break;
                case SetOperationStatement set:
                    foreach (var found in RouterOnlyWith(set.With, nested ? "a WITH clause inside a subquery" : "a WITH clause before a set operation"))
                    {
                        yield return found;
                    }

                    foreach (var order in set.OrderBy.Where(o => o.Using is not null || SqlWalker.Descendants(o.Expr).Any(e => e is CollateExpr)))
                    {
                        yield return (order.Span, "ORDER BY ... USING or COLLATE");
                    }

                    foreach (var branch in set.Branches)
                    {
                        if (branch.OrderBy.Count > 0 || branch.Limit is not null || branch.Offset is not null)
                        {
                            yield return (branch.Span, "a parenthesized branch with its own ORDER BY, LIMIT or OFFSET");
                        }

                        foreach (var found in RouterOnlySelect(branch, nested))
                        {
                            yield return found;
                        }
                    }

                    break;
                case InsertStatement insert:
                    if (insert.DefaultValues)
                    {
                        yield return (insert.Span, "INSERT ... DEFAULT VALUES");
                    }

                    if (insert.OnConflict is { } conflict && (conflict.Expressions.Count > 0 || conflict.TargetWhere is not null || conflict.Constraint is not null))
                    {
                        yield return (conflict.Span, "an ON CONFLICT target on an expression, a partial index or a named constraint");
                    }

                    if (insert.Overriding is not null)
                    {
                        yield return (insert.Span, "OVERRIDING " + insert.Overriding + " VALUE");
                    }

                    foreach (var found in RouterOnlyWith(insert.With, "a WITH clause before INSERT"))
                    {
                        yield return found;
                    }

                    if (insert.Query is { } query)
                    {
                        foreach (var found in RouterOnlySelect(query, nested: false))
                        {
                            yield return found;
                        }
                    }

                    break;
                case UpdateStatement update:
                    if (update.FromSpan is { } from)
                    {
                        yield return (from, "UPDATE ... FROM");
                    }

                    foreach (var set in update.Sets.Where(s => s.Position == 0))
                    {
                        yield return (set.Span, "a multi-column assignment (a, b) = ...");
                    }

                    foreach (var found in RouterOnlyWith(update.With, "a WITH clause before UPDATE"))
                    {
                        yield return found;
                    }

                    break;
                case DeleteStatement delete:
                    if (delete.UsingSpan is { } usingSpan)
                    {
                        yield return (usingSpan, "DELETE ... USING");
                    }

                    foreach (var found in RouterOnlyWith(delete.With, "a WITH clause before DELETE"))
                    {
                        yield return found;
                    }

                    break;
            }

            foreach (var found in SqlWalker.Descendants(statement).SelectMany(RouterOnlyExpression))
            {
                yield return found;
            }
        }

        /// <summary>
        /// The common table expressions of a WITH clause: <paramref name="clause"/> names the clause itself when it runs only on one
        /// node (null when it does not), WITH RECURSIVE always does; then what their bodies hold.
        /// </summary>
        private static IEnumerable<(TextSpan Span, string What)> RouterOnlyWith(EquatableArray<CommonTableExpression> with, string? clause)
        {
            foreach (var cte in with)
            {
                if (cte.Recursive)
                {
                    yield return (cte.Span, "WITH RECURSIVE");
                }
                else if (cte.Select is null)
                {
                    yield return (cte.Span, "a data-modifying common table expression");
                }
                else if (clause is not null)
                {
                    yield return (cte.Span, clause);
                }

                if (cte.Columns.Count > 0)
                {
                    yield return (cte.NameSpan, "a column list on a common table expression");
                }

                foreach (var found in RouterOnly(cte.Query, nested: true))
                {
                    yield return found;
                }
            }
        }

        private static IEnumerable<(TextSpan Span, string What)> RouterOnlySelect(SelectStatement select, bool nested)
        {
            foreach (var found in RouterOnlyWith(select.With, nested ? "a WITH clause inside a subquery" : null))
            {
                yield return found;
            }

            if (select.SetOperation is { } set)
            {
                // Pushed down over several shards only in FROM or WITH, partitioned by a key (RefuseOneNodeConstructs skips those).
                for (var i = 0; i < set.Operators.Count; i++)
                {
                    yield return (set.OperatorSpans[i], $"{set.Operators[i]} inside a subquery or common table expression");
                }

                foreach (var found in RouterOnly(set, nested: true))
                {
                    yield return found;
                }
            }

            if (select.Values.Count > 0)
            {
                yield return (select.Span, "a VALUES list");
            }

            if (select.TableForm)
            {
                // As the whole statement over several shards, each shard's SELECT is written as SELECT * FROM t (PlanFanOutSelect), and a
                // branch of a UNION ALL over several shards runs as written (RefuseOneNodeConstructs skips both); in a subquery, a set
                // operation inside one, or an INSERT's rows it is not planned there.
                yield return (select.Span, "TABLE t inside another statement (over several shards write SELECT * FROM t)");
            }

            foreach (var table in SqlWalker.FromItems(select.From, select.Joins))
            {
                if (table.Sample is { } sample)
                {
                    // Citus (11.0 on) samples each shard on its own. ShardGen does not: a percentage would hold, but a row count
                    // (tsm_system_rows) or a time (tsm_system_time) would hold per shard, and REPEATABLE would not repeat the
                    // sample once a shard moves or splits.
                    yield return (sample.Span, "TABLESAMPLE (over several shards each shard would sample its own rows: SYSTEM_ROWS (n) would return n rows a shard, and REPEATABLE would not repeat the sample once shards move or split)");
                }

                if (table.Functions.Count > 0)
                {
                    yield return (table.Span, "a function in FROM");
                }
                else if (table.Lateral)
                {
                    yield return (table.Span, "LATERAL");
                }
                else if (table.ColumnAliases.Count > 0)
                {
                    yield return (table.Span, "a column alias list");
                }

                if (table.Query is { } query)
                {
                    foreach (var found in RouterOnly(query, nested: true))
                    {
                        yield return found;
                    }
                }
            }

            foreach (var join in select.Joins.Where(j => j.Table.Nested is not null))
            {
                yield return (join.Table.Span, "a parenthesized join");
            }

            if (select.From?.Nested is not null)
            {
                yield return (select.From.Span, "a parenthesized join");
            }

            foreach (var join in AllJoins(select.From, select.Joins).Where(j => j.Using.Count > 0 || j.Natural))
            {
                yield return (join.Span, join.Natural ? "NATURAL JOIN" : "JOIN ... USING");
            }

            if (select.LockingSpan is { } locking)
            {
                yield return (locking, "FOR UPDATE/SHARE");
            }

            if (select.LimitWithTies)
            {
                yield return (select.LimitSpan!.Value, "FETCH ... WITH TIES");
            }

            if (select.GroupByDistinct)
            {
                yield return (select.GroupBySpan!.Value, "GROUP BY DISTINCT");
            }

            foreach (var order in select.OrderBy.Where(o => o.Using is not null))
            {
                yield return (order.Span, "ORDER BY ... USING");
            }

            // A merge over several shards orders text by the database's collation, not the one written.
            foreach (var order in select.OrderBy.Concat(select.DistinctOn.Select(e => new OrderItem(e.Span, e, false, null))).Where(o => SqlWalker.Descendants(o.Expr).Any(e => e is CollateExpr)))
            {
                yield return (order.Span, "COLLATE in ORDER BY or DISTINCT ON");
            }
        }

        private static IEnumerable<JoinClause> AllJoins(TableRef? first, EquatableArray<JoinClause> joins)
        {
            foreach (var (table, join) in new[] { (first, (JoinClause?)null) }.Concat(joins.Select(j => ((TableRef?)j.Table, (JoinClause?)j))))
            {
                if (join is not null)
                {
                    yield return join;
                }

                if (table?.Nested is { } nested)
                {
                    foreach (var inner in AllJoins(nested.First, nested.Joins))
                    {
                        yield return inner;
                    }
                }
            }
        }

        private static IEnumerable<(TextSpan Span, string What)> RouterOnlyExpression(SqlExpr expr)
        {
            switch (expr)
            {
                case GroupingSetExpr grouping:
                    yield return (grouping.Span, grouping.Kind switch { "SETS" => "GROUPING SETS", "EMPTY" => "the empty grouping set ()", _ => grouping.Kind });
                    break;
                case FunctionCall { WithinGroup: true } ordered:
                    yield return (ordered.Span, "WITHIN GROUP (an ordered-set aggregate)");
                    break;
                case FunctionCall { OrderBy.Count: > 0 } sorted:
                    yield return (sorted.Span, "ORDER BY inside an aggregate");
                    break;
            }

            if (SqlWalker.Subquery(expr) is { } query)
            {
                foreach (var found in RouterOnly(query, nested: true))
                {
                    yield return found;
                }
            }
        }

        /// <summary>
        /// Refuses <paramref name="plan"/> when it does not run the whole statement on one node and the statement holds a construct
        /// ShardGen runs only that way; the message says what would make it run.
        /// </summary>
        private QueryPlan? RequireOneNode(QueryPlan plan, SqlStatement statement)
        {
            var oneNode = plan.Target is QueryTarget.Router or QueryTarget.Local || (plan.Target == QueryTarget.Reference && !plan.IsWrite);
            if (oneNode && !plan.RunsAsSeveralStatements && plan.Rows.Count == 0)
            {
                return plan;
            }

            return RefuseOneNodeConstructs(statement, plan.Target == QueryTarget.Reference ? "on every copy of a reference table" : "over several shards") ? null : plan;
        }

        /// <summary>Reports each construct of <paramref name="statement"/> that runs only whole on one node; whether there was one.</summary>
        private bool RefuseOneNodeConstructs(SqlStatement statement, string where)
        {
            var found = false;
            foreach (var (span, what) in RouterOnly(statement).Distinct().Where(found => found.Span != _fromRunsPerShard && !(found.What.StartsWith("TABLE t", StringComparison.Ordinal) && _tableFormPerShard.Contains(found.Span)) && !_setOperationsPerShard.Contains(found.Span)))
            {
                found = true;
                Fail(RuleIds.UnsupportedSql, span, $"ShardGen runs {what} only in a statement that runs whole on one node: pin every distributed table to one key (tenant_id = @tenant), or read only reference or local tables. This statement runs {where}.");
            }

            return found;
        }
    }
}
