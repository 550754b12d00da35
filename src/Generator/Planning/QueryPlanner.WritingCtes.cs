using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Data-modifying common table expressions (WITH d AS (DELETE ... RETURNING ...) ...): an UPDATE, DELETE or INSERT ... VALUES bound
// in a scope of its own, its RETURNING rows read as a table. It runs only in a statement that runs whole on one node: a write to a distributed
// table pinned to the key the statement is routed by (checked in CheckSubqueries), as Citus's router planner runs it; a write to
// a local table on the coordinator. (Citus: multi_router_planner.c, modifying CTEs of router queries.)
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private void PlanWritingCte(CommonTableExpression cte)
        {
            var verb = cte.Query switch { InsertStatement => "INSERT", UpdateStatement => "UPDATE", _ => "DELETE" };
            var insert = cte.Query as InsertStatement;
            var (table, where, returning, sets, from, with) = cte.Query switch
            {
                UpdateStatement update => (update.Table, update.Where, update.Returning, update.Sets, update.From, update.With),
                DeleteStatement delete => (delete.Table, delete.Where, delete.Returning, EquatableArray<SetClause>.Empty, delete.Using, delete.With),
                _ => (insert!.Table, null, insert.Returning, insert.OnConflict?.Updates ?? EquatableArray<SetClause>.Empty, null, insert.With),
            };
            if (insert is not null && insert.Rows.Count == 0)
            {
                Fail(RuleIds.UnsupportedSql, cte.Span, $"Common table expression '{cte.Name}' is an INSERT without VALUES rows, which ShardGen does not plan there: run the INSERT as a [Query] of its own (with RETURNING), in the same ShardedTransaction as the statement that reads its rows.");
                return;
            }

            if (with.Count > 0)
            {
                Fail(RuleIds.UnsupportedSql, cte.Query.Span, $"A WITH clause inside data-modifying common table expression '{cte.Name}' is not supported: move its common table expressions to the statement's WITH clause.");
                return;
            }

            // The write's WHERE stands as the conditions of its rows, where the key it is pinned to is found (for an INSERT, see below).
            var conditions = new SelectStatement(
                cte.Query.Span, false, EquatableArray<SelectItem>.Empty, null, EquatableArray<JoinClause>.Empty, where, EquatableArray<SqlExpr>.Empty, null,
                EquatableArray<OrderItem>.Empty, null, null, new TextSpan(cte.Query.Span.Start, 0), null, null, null, null, null, null, null);
            var planned = new SubqueryScope(conditions, new Scope(null), null, cte, null) { Writes = true };
            var enclosing = _scope;
            enclosing.Children.Add(planned);
            _scope = planned.Scope;
            try
            {
                Bind(table, JoinKind.Inner);
                if (Problems.Count > 0)
                {
                    return;
                }

                var target = _bindings[0];
                if (target.Table.Table.Kind == TableKind.Reference)
                {
                    Fail(RuleIds.UnsupportedSql, cte.Span, $"Common table expression '{cte.Name}' writes reference table '{target.Table.Table.TableName}', whose every copy must take the write, while the statement runs on one node: run the {verb} as a [Query] of its own.");
                    return;
                }

                if (from is not null)
                {
                    BindFromList(from.First, from.Joins, JoinKind.Inner);
                    foreach (var expr in SqlWalker.FromExpressions(from.First, from.Joins))
                    {
                        BindExpression(expr, null);
                    }
                }

                if (insert is not null)
                {
                    var routed = BindInsertedRows(insert, target, cte);
                    if (routed is null)
                    {
                        return;
                    }

                    planned.Query = conditions with { Where = routed };
                }

                _inConflict = insert is not null;
                foreach (var set in sets)
                {
                    BindSet(set, target.Table.Table);
                }

                if (insert?.OnConflict is { } conflict)
                {
                    foreach (var expr in conflict.Expressions.Concat(new[] { conflict.TargetWhere, conflict.Where }.OfType<SqlExpr>()))
                    {
                        BindExpression(expr, null);
                    }

                    foreach (var set in conflict.Updates)
                    {
                        RefuseConflictKeyUpdate(set, target.Table.Table);
                    }
                }

                _inConflict = false;

                foreach (var expr in (where is null ? Enumerable.Empty<SqlExpr>() : new[] { where }).Concat(returning.Select(r => r.Expr)))
                {
                    BindExpression(expr, null);
                }

                if (Problems.Count > 0)
                {
                    return;
                }

                if (target.Table.Table.Kind == TableKind.Distributed && insert is null)
                {
                    RefuseKeyChanges(sets, target.Table.Table, FindPin(Conjuncts(where)));
                }

                Classify();
                if (Problems.Count == 0)
                {
                    CheckJoins(where, from?.Joins ?? EquatableArray<JoinClause>.Empty);
                }

                planned.Outputs = returning.SelectMany(item => item.Expr is StarExpr
                        ? target.Table.Table.Columns.Select(c => new Output(new ColumnRef(item.Span, target.Alias, c.ColumnName), null, c.ColumnName, IsStar: true))
                        : new[] { new Output(item.Expr, item.Alias, OutputName(item), ItemSpan: item.Span) })
                    .ToList();
            }
            finally
            {
                _scope = enclosing;
            }

            _ctes[cte.Name] = planned;
        }

        /// <summary>
        /// Binds the VALUES rows of an INSERT in a CTE, each value checked against its column. For a distributed table, the one key
        /// every row gives, as the condition <c>key = value</c> the routing reads (null after a problem; rows for several keys are refused).
        /// </summary>
        private SqlExpr? BindInsertedRows(InsertStatement insert, Binding target, CommonTableExpression cte)
        {
            var table = target.Table.Table;
            var columns = insert.Columns.Count > 0 ? insert.Columns.ToList() : table.Columns.Select(c => c.ColumnName).ToList();
            for (var i = 0; i < insert.Columns.Count; i++)
            {
                if (!table.Columns.Any(c => c.ColumnName == insert.Columns[i]))
                {
                    return Fail<SqlExpr>(RuleIds.UnknownColumn, insert.ColumnSpans[i], $"Table '{table.TableName}' has no column '{insert.Columns[i]}'.");
                }
            }

            foreach (var row in insert.Rows)
            {
                if (row.Count != columns.Count)
                {
                    return Fail<SqlExpr>(RuleIds.SyntaxError, row.Count > 0 ? Cover(row[0].Span, row[row.Count - 1].Span) : insert.Span, $"This row has {row.Count} values for {columns.Count} columns.");
                }

                for (var i = 0; i < row.Count; i++)
                {
                    BindExpression(row[i], null);
                    CheckValue(row[i], table.Columns.FirstOrDefault(c => c.ColumnName == columns[i]));
                }
            }

            if (table.Kind != TableKind.Distributed)
            {
                return Problems.Count > 0 ? null : new Literal(insert.Span, LiteralKind.Boolean, "true");
            }

            var keyColumn = table.Columns[table.DistributionKey].ColumnName;
            var index = columns.IndexOf(keyColumn);
            if (index < 0)
            {
                return Fail<SqlExpr>(RuleIds.WriteNotRoutable, insert.Table.Span, $"An INSERT into distributed table '{table.TableName}' must give its distribution key '{keyColumn}'.");
            }

            var keys = insert.Rows.Select(row => KeyValue(row[index], table)).ToList();
            if (keys.Any(k => k is null) || keys.Distinct().Skip(1).Any())
            {
                return Problems.Count > 0 ? null : Fail<SqlExpr>(RuleIds.UnsupportedSql, cte.Span, $"Common table expression '{cte.Name}' inserts rows whose distribution key '{keyColumn}' is not one value known before it runs: ShardGen runs a data-modifying common table expression only on the shard of one key. Give every row the same key, as a parameter or a literal.");
            }

            var value = insert.Rows[0][index];
            return new BinaryExpr(value.Span, "=", new ColumnRef(value.Span, target.Alias, keyColumn), value);
        }
    }
}
