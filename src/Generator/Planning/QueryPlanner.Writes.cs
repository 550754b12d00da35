using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// INSERT, UPDATE and DELETE (Citus: the modify planning of multi_router_planner.c): routed by the key they write, split per
// key for a multi-row INSERT, over every shard (or listed keys) for UPDATE and DELETE; ON CONFLICT and RETURNING.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private QueryPlan? PlanInsert(InsertStatement insert)
        {
            Bind(insert.Table, JoinKind.Inner);
            if (Problems.Count > 0)
            {
                return null;
            }

            var binding = _bindings[0];
            var table = binding.Table.Table;
            var columns = insert.Columns.Count > 0 ? insert.Columns.ToList() : table.Columns.Select(c => c.ColumnName).ToList();
            for (var i = 0; i < insert.Columns.Count; i++)
            {
                if (!table.Columns.Any(c => c.ColumnName == insert.Columns[i]))
                {
                    Fail(RuleIds.UnknownColumn, insert.ColumnSpans[i], $"Table '{table.TableName}' has no column '{insert.Columns[i]}'.");
                }
            }

            foreach (var subscript in insert.Targets.SelectMany(SqlWalker.TargetSubscripts))
            {
                BindExpression(subscript, null);
            }

            SubqueryScope? source = null;
            if (insert.Query is { } query)
            {
                _allowSubqueries = true;
                source = PlanSubquery(query, null, null, isolated: true);
                _allowSubqueries = false;
                if (Problems.Count == 0 && source.Outputs.Count != columns.Count)
                {
                    Fail(RuleIds.SyntaxError, query.SelectListSpan, $"The SELECT gives {source.Outputs.Count} columns for {columns.Count} columns of '{table.TableName}'.");
                }

                if (Problems.Count == 0 && source.Scope.Children.Count > 0)
                {
                    Fail(RuleIds.UnsupportedSql, source.Scope.Children[0].IsTable ? source.Scope.Children[0].Span : SubquerySpan(source.Scope.Children[0].Node!),
                        "Subqueries and CTEs inside INSERT ... SELECT are not supported: join the tables in the SELECT, or read the rows with a [Query] first.");
                }
            }

            foreach (var row in insert.Rows)
            {
                if (row.Count != columns.Count)
                {
                    Fail(RuleIds.SyntaxError, row.Count > 0 ? Cover(row[0].Span, row[row.Count - 1].Span) : insert.Span, $"This row has {row.Count} values for {columns.Count} columns.");
                    continue;
                }

                for (var i = 0; i < row.Count; i++)
                {
                    BindExpression(row[i], null);

                    // A value for a field or element has that field's or element's type, not the column's.
                    CheckValue(row[i], insert.Targets.Count > 0 && insert.Targets[i] is not ColumnRef ? null : table.Columns.FirstOrDefault(c => c.ColumnName == columns[i]));
                }
            }

            if (insert.OnConflict is { } conflict)
            {
                _inConflict = true;
                foreach (var set in conflict.Updates)
                {
                    BindSet(set, table);
                    RefuseConflictKeyUpdate(set, table);
                }

                foreach (var expr in conflict.Expressions.Concat(conflict.TargetWhere is null ? Enumerable.Empty<SqlExpr>() : new[] { conflict.TargetWhere }))
                {
                    BindExpression(expr, null);
                }

                if (conflict.Where is not null)
                {
                    BindExpression(conflict.Where, null);
                }

                _inConflict = false;
            }

            // Each copy of a reference table is written in its own transaction: a value computed by the
            // server (now(), random(), gen_random_uuid(), nextval()) would differ between copies.
            if (table.Kind == TableKind.Reference)
            {
                RefuseValuesPerCopy(table, insert.Rows.SelectMany(r => r).Concat(insert.OnConflict?.Updates.Select(u => u.Value) ?? Enumerable.Empty<SqlExpr>()));
            }

            foreach (var item in insert.Returning)
            {
                BindExpression(item.Expr, null);
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            var keyColumn = table.Kind == TableKind.Distributed ? table.Columns[table.DistributionKey].ColumnName : null;
            var index = keyColumn is null ? -1 : columns.IndexOf(keyColumn);
            if (keyColumn is not null && insert.DefaultValues)
            {
                return Fail(RuleIds.WriteNotRoutable, insert.Span, $"INSERT ... DEFAULT VALUES gives distributed table '{table.TableName}' no value for its distribution key '{keyColumn}': list the columns and their values.");
            }

            if (keyColumn is not null && insert.Targets.Where((t, i) => t is not ColumnRef && columns[i] == keyColumn).FirstOrDefault() is { } element)
            {
                return Fail(RuleIds.WriteNotRoutable, element.Span, $"An INSERT into distributed table '{table.TableName}' gives its distribution key '{keyColumn}' whole, to route the row: a field or element of it cannot.");
            }

            if (keyColumn is not null && index < 0)
            {
                return Fail(RuleIds.WriteNotRoutable, insert.Table.Span, $"An INSERT into distributed table '{table.TableName}' must give its distribution key '{keyColumn}'.");
            }

            if (source is not null)
            {
                return PlanInsertSelect(insert, source, binding, index);
            }

            RouteKey? key = null;
            if (keyColumn is not null)
            {
                var keys = new List<RouteKey>();
                foreach (var row in insert.Rows)
                {
                    var routeKey = KeyValue(row[index], table);
                    if (routeKey is null)
                    {
                        return Problems.Count > 0 ? null : Fail(RuleIds.WriteNotRoutable, row[index].Span, $"The distribution key '{keyColumn}' must be a parameter, a literal, or integer arithmetic and casts of them, so that the row can be routed.");
                    }

                    keys.Add(routeKey);
                }

                key = keys[0];
                if (keys.Distinct().Skip(1).Any())
                {
                    return PerKeyInsertPlan(insert, keys);
                }
            }

            return WritePlan(insert, key, null, insert.Returning);
        }

        /// <summary>
        /// Each copy of a reference table is written in its own transaction: a value the server computes (now(), random(),
        /// gen_random_uuid(), nextval()) in <paramref name="values"/> would differ between copies.
        /// </summary>
        private void RefuseValuesPerCopy(TableSpec table, IEnumerable<SqlExpr> values)
        {
            foreach (var call in values.SelectMany(SqlWalker.Descendants).OfType<FunctionCall>())
            {
                var name = call.Name.Substring(call.Name.LastIndexOf('.') + 1);
                if (VolatileFunctions.Contains(name) || PerTransactionFunctions.Contains(name))
                {
                    Fail(RuleIds.UnsupportedSql, call.Span, $"{name}() in a write to reference table '{table.TableName}' would give each copy its own value: compute it in C# and pass it as a parameter.");
                }
            }
        }

        /// <summary>
        /// A multi-row INSERT whose rows have different keys, split as Citus splits it: the rows of each key value become
        /// one INSERT (with the statement's ON CONFLICT and RETURNING) routed to that key's shard, in the order the keys
        /// first appear; the generated method writes them in one transaction (two-phase commit when they span workers).
        /// </summary>
        private QueryPlan? PerKeyInsertPlan(InsertStatement insert, List<RouteKey> keys)
        {
            var plan = WritePlan(insert, keys[0], null, insert.Returning);
            if (plan is null)
            {
                return null;
            }

            var firstValue = insert.Rows[0][0].Span.Start;
            var valuesEnd = _sql.IndexOf(')', insert.Rows[insert.Rows.Count - 1][insert.Rows[insert.Rows.Count - 1].Count - 1].Span.End) + 1;
            var prefix = TextSpan.FromBounds(insert.Span.Start, _sql.LastIndexOf('(', firstValue - 1));
            var suffix = TextSpan.FromBounds(valuesEnd, insert.Span.End);
            var statements = new List<RowStatement>();
            foreach (var group in keys.Select((key, row) => (Key: key, Row: insert.Rows[row])).GroupBy(r => r.Key))
            {
                var builder = new SqlBuilder(_sql, _edits).Span(prefix);
                var first = true;
                foreach (var (_, row) in group)
                {
                    builder.Text(first ? "(" : ", (").Span(Cover(row[0].Span, row[row.Count - 1].Span)).Text(")");
                    first = false;
                }

                var (parts, tables) = builder.Span(suffix).Build();
                statements.Add(new RowStatement(group.Key, parts.ToEquatableArray(), tables.ToEquatableArray(), Preview(parts, tables)));
            }

            return plan with
            {
                Parts = statements[0].Parts,
                Tables = statements[0].Tables,
                Sql = string.Join("\n", statements.Select(r => r.Sql)),
                Rows = statements.ToEquatableArray(),
            };
        }

        private QueryPlan? PlanUpdateOrDelete(SqlStatement statement, TableRef tableRef, SqlExpr? where, EquatableArray<SelectItem> returning, EquatableArray<SetClause> sets)
        {
            Bind(tableRef, JoinKind.Inner);
            if (Problems.Count > 0)
            {
                return null;
            }

            // Subqueries in SET and WHERE (not in RETURNING) are checked as in a SELECT: pinned to the write's key, or joined to it on the key.
            _allowSubqueries = true;

            var table = _bindings[0].Table.Table;

            // UPDATE ... FROM and DELETE ... USING read other tables: their distributed tables must be colocated with the target
            // and joined to it on the key. The whole statement then runs on the target's shard, or, over several shards, on each
            // shard with its own tables when the list holds tables joined by inner joins only (see FromRunsPerShard).
            var from = statement switch
            {
                UpdateStatement update => update.From,
                DeleteStatement delete => delete.Using,
                _ => null,
            };
            if (from is not null)
            {
                BindFromList(from.First, from.Joins, JoinKind.Inner);
                foreach (var expr in SqlWalker.FromExpressions(from.First, from.Joins))
                {
                    BindExpression(expr, null);
                }

                if (Problems.Count > 0)
                {
                    return null;
                }

                var distributed = _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
                if (distributed.Count > 0 && table.Kind != TableKind.Distributed)
                {
                    return Fail(RuleIds.UnsupportedSql, from.Span, $"A write to {table.Kind.ToString().ToLowerInvariant()} table '{table.TableName}' cannot read distributed table '{distributed[0].Table.Table.TableName}' in {(statement is UpdateStatement ? "FROM" : "USING")}: read those rows with their own [Query] and write by key.");
                }

                if (_bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local) is { } local && table.Kind != TableKind.Local)
                {
                    return Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"Local table '{local.Table.Table.TableName}' lives only on the coordinator: a write to '{table.TableName}' cannot read it.");
                }

                if (distributed.Count > 1)
                {
                    CheckColocated(distributed, "the write would need rows from other shards");
                    CheckJoins(where, from.Joins);
                }

                if (Problems.Count > 0)
                {
                    return null;
                }

                _fromRunsPerShard = table.Kind == TableKind.Distributed && FromRunsPerShard(from) ? (statement as UpdateStatement)?.FromSpan ?? (statement as DeleteStatement)?.UsingSpan : null;
            }
            foreach (var set in sets)
            {
                BindSet(set, table);
            }

            if (where is not null)
            {
                BindExpression(where, null);
            }

            _allowSubqueries = false;

            // As in Citus ("functions used in UPDATE queries on distributed tables must not be VOLATILE", and in the WHERE
            // clause of modification queries): each shard, and each copy of a reference table, would draw its own value.
            if (table.Kind != TableKind.Local)
            {
                foreach (var root in sets.Select(s => s.Value).Concat(where is null ? Enumerable.Empty<SqlExpr>() : new[] { where }))
                {
                    foreach (var call in SqlWalker.Descendants(root).OfType<FunctionCall>())
                    {
                        var name = call.Name.Substring(call.Name.LastIndexOf('.') + 1);
                        if (VolatileFunctions.Contains(name) || (table.Kind == TableKind.Reference && PerTransactionFunctions.Contains(name)))
                        {
                            Fail(RuleIds.UnsupportedSql, call.Span, $"The volatile function {name}() is not supported in the SET or WHERE of a write to {(table.Kind == TableKind.Reference ? "reference" : "distributed")} table '{table.TableName}' (Citus refuses it too): each shard or copy would compute its own value. Compute it in C# and pass it as a parameter.");
                        }
                    }
                }
            }

            foreach (var item in returning)
            {
                BindExpression(item.Expr, null);
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            var pin = table.Kind == TableKind.Distributed ? FindPin(Conjuncts(where)) : null;
            if (table.Kind == TableKind.Distributed)
            {
                RefuseKeyChanges(sets, table, pin);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            if (_root.Children.Count > 0)
            {
                CheckSubqueries(Conjuncts(where).ToList(), null, table.Kind == TableKind.Distributed ? QueryTarget.FanOut : QueryTarget.Reference, null, pin);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            if (table.Kind != TableKind.Distributed)
            {
                return WritePlan(statement, null, null, returning);
            }

            if (pin is null)
            {
                NoteAllShards(null, write: true, Conjuncts(where));
            }

            return Problems.Count > 0 ? null : WritePlan(statement, pin?.Single, pin, returning);
        }

        private QueryPlan? WritePlan(SqlStatement statement, RouteKey? key, Pin? pin, EquatableArray<SelectItem> returning)
        {
            var table = _bindings[0].Table;
            var kind = table.Table.Kind;
            var target = kind switch
            {
                TableKind.Reference => QueryTarget.Reference,
                TableKind.Local => QueryTarget.Local,
                _ => key is not null ? QueryTarget.Router : QueryTarget.FanOut,
            };

            var members = new List<int>();
            if (returning.Count > 0)
            {
                if (target is QueryTarget.FanOut or QueryTarget.Reference)
                {
                    return Fail(RuleIds.WriteNotRoutable, returning[0].Span.Start > 0 ? Cover(returning[0].Span, returning[returning.Count - 1].Span) : statement.Span,
                        target == QueryTarget.Reference
                            ? "RETURNING on a reference table is not supported: the write goes to every copy."
                            : "RETURNING on a write that spans shards is not supported: pin the write to one distribution key.");
                }

                if (_method.Shape is ResultShape.None || (_method.Shape == ResultShape.Scalar && _method.Row is null))
                {
                    return Fail(RuleIds.MethodNotGenerated, statement.Span, "A write with RETURNING returns rows: return Task<List<T>>, Task<T?>, a scalar Task<T> or IAsyncEnumerable<T>.");
                }

                var outputs = returning.SelectMany(item => item.Expr is StarExpr
                        ? _bindings[0].Table.Table.Columns.Select(c => new Output(new ColumnRef(item.Span, _bindings[0].Alias, c.ColumnName), null, c.ColumnName, IsStar: true))
                        : new[] { new Output(item.Expr, item.Alias, OutputName(item), ItemSpan: item.Span) })
                    .ToList();
                var mapped = MapOutputs(outputs, Cover(returning[0].Span, returning[returning.Count - 1].Span));
                if (mapped is null)
                {
                    return null;
                }

                members = mapped;
            }
            else if (_method.Shape is not (ResultShape.None or ResultShape.AffectedRows)
                     && !(_method.Shape == ResultShape.Scalar && _method.RowIsScalar && _method.Row!.Columns[0].Type == ColumnType.Int32 && !_method.Row.Columns[0].IsNullable))
            {
                return Fail(RuleIds.MethodNotGenerated, statement.Span, $"A write without RETURNING gives the number of rows it affected: '{_method.MethodName}' should return Task<int> or Task.");
            }

            var (parts, tables) = new SqlBuilder(_sql, _edits).Span(statement.Span).Build();
            return new QueryPlan(
                target, true, kind == TableKind.Distributed ? table.Table.TableName : null, key,
                target == QueryTarget.FanOut ? pin?.Multiple ?? EquatableArray<RouteKey>.Empty : EquatableArray<RouteKey>.Empty,
                target == QueryTarget.FanOut ? pin?.List : null,
                parts.ToEquatableArray(), tables.ToEquatableArray(), null, null, _parameters.ToEquatableArray(),
                members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray(), null,
                Preview(parts, tables));
        }

        /// <summary>As in Citus: ON CONFLICT ... DO UPDATE may set the key only to itself (key or EXCLUDED.key, equal on a conflict).</summary>
        private void RefuseConflictKeyUpdate(SetClause set, TableSpec table)
        {
            if (table.Kind == TableKind.Distributed && set.Column == table.Columns[table.DistributionKey].ColumnName
                && (set.Target is not null || !(set.Value is ColumnRef same && same.Name == set.Column)))
            {
                Fail(RuleIds.UpdatesDistributionKey, set.ColumnSpan, $"Modifying the distribution key '{set.Column}' of distributed table '{table.TableName}' is not allowed: ON CONFLICT ... DO UPDATE cannot move a row to another shard. Leave the key out of the SET list.");
            }
        }

        private void BindSet(SetClause set, TableSpec table)
        {
            var column = table.Columns.FirstOrDefault(c => c.ColumnName == set.Column);
            if (column is null)
            {
                Fail(RuleIds.UnknownColumn, set.ColumnSpan, $"Table '{table.TableName}' has no column '{set.Column}'.");
                return;
            }

            foreach (var subscript in SqlWalker.TargetSubscripts(set.Target))
            {
                BindExpression(subscript, null);
            }

            // A multi-column assignment's source is bound once, with its first column; each column checks its own value (a field's or
            // element's value has its type, not the column's).
            if (set.Position <= 0)
            {
                BindExpression(set.Value, null);
            }

            CheckValue(set.Value is RowExpr row && set.Position >= 0 && set.Position < row.Items.Count ? row.Items[set.Position] : set.Value, set.Target is null ? column : null);
        }
    }
}
