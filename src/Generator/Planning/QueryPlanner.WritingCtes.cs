using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Data-modifying common table expressions (WITH d AS (DELETE ... RETURNING ...) ...): an UPDATE or DELETE bound in a scope of its
// own, its RETURNING rows read as a table. It runs only in a statement that runs whole on one node: a write to a distributed
// table pinned to the key the statement is routed by (checked in CheckSubqueries), as Citus's router planner runs it; a write to
// a local table on the coordinator. (Citus: multi_router_planner.c, modifying CTEs of router queries.)
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private void PlanWritingCte(CommonTableExpression cte)
        {
            var verb = cte.Query switch { InsertStatement => "INSERT", UpdateStatement => "UPDATE", _ => "DELETE" };
            var (table, where, returning, sets, from, with) = cte.Query switch
            {
                UpdateStatement update => (update.Table, update.Where, update.Returning, update.Sets, update.From, update.With),
                DeleteStatement delete => (delete.Table, delete.Where, delete.Returning, EquatableArray<SetClause>.Empty, delete.Using, delete.With),
                _ => default,
            };
            if (table is null)
            {
                Fail(RuleIds.UnsupportedSql, cte.Span, $"Common table expression '{cte.Name}' is a data-modifying INSERT, which ShardGen does not plan: run the INSERT as a [Query] of its own (with RETURNING), in the same ShardedTransaction as the statement that reads its rows.");
                return;
            }

            if (with.Count > 0)
            {
                Fail(RuleIds.UnsupportedSql, cte.Query.Span, $"A WITH clause inside data-modifying common table expression '{cte.Name}' is not supported: move its common table expressions to the statement's WITH clause.");
                return;
            }

            // The write's WHERE stands as the conditions of its rows, where the key it is pinned to is found.
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

                foreach (var set in sets)
                {
                    BindSet(set, target.Table.Table);
                }

                foreach (var expr in (where is null ? Enumerable.Empty<SqlExpr>() : new[] { where }).Concat(returning.Select(r => r.Expr)))
                {
                    BindExpression(expr, null);
                }

                if (Problems.Count > 0)
                {
                    return;
                }

                if (target.Table.Table.Kind == TableKind.Distributed)
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
    }
}
