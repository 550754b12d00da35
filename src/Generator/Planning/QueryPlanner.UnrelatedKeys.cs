using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// SG0115, a check beyond Citus: a join that equates the distribution keys of two tables that share shards only
    /// because their keys have the same type (<c>devices.device_id = orders.tenant_id</c>, both bigint). The join runs
    /// inside the shards and Citus accepts it silently, but it matches a tenant with the device that happens to have
    /// the same number; it is almost always a join on the wrong column. Tables that share their key on purpose
    /// (<see cref="ColocationIntent"/>) are never reported.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>Notes every such equality of a planned statement, in its own query and in every subquery, on the condition's span.</summary>
        public void NoteUnrelatedKeysEquated(SqlStatement statement)
        {
            var conditions = statement switch
            {
                SelectStatement select => JoinConditions(select.Where, select.Joins),
                UpdateStatement update => Conjuncts(update.Where),
                DeleteStatement delete => Conjuncts(delete.Where),
                _ => Enumerable.Empty<SqlExpr>(),
            };
            NoteUnrelatedKeysEquated(_root, conditions);
            foreach (var sub in _root.Children.Concat(_root.Children.SelectMany(AllSubqueries)))
            {
                NoteUnrelatedKeysEquated(sub.Scope, JoinConditions(sub.Query.Where, sub.Query.Joins));

                // outer.key [NOT] IN (SELECT inner.key ...) joins (or anti-joins) the two keys as well.
                if (sub.Node is InSubqueryExpr { Operand: ColumnRef operand, IsMembership: true } node && sub.Scope.Parent is { } outer
                    && sub.Outputs.Count == 1 && sub.Outputs[0].Expr is ColumnRef output)
                {
                    _scope = outer;
                    var left = Resolve(operand);
                    _scope = sub.Scope;
                    var right = Resolve(output);
                    if (left is { } a && right is { } b)
                    {
                        NoteIfUnrelatedKeys(node.Span, a, b);
                    }
                }
            }

            _scope = _root;
        }

        private void NoteUnrelatedKeysEquated(Scope scope, IEnumerable<SqlExpr> conditions)
        {
            _scope = scope;
            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=", Left: ColumnRef left, Right: ColumnRef right } && Resolve(left) is { } a && Resolve(right) is { } b)
                {
                    NoteIfUnrelatedKeys(condition.Span, a, b);
                }
            }
        }

        private void NoteIfUnrelatedKeys(TextSpan span, (Binding Binding, ColumnSpec Column) a, (Binding Binding, ColumnSpec Column) b)
        {
            if (a.Binding == b.Binding || !IsKeyColumn(a.Binding, a.Column) || !IsKeyColumn(b.Binding, b.Column) || OnPurpose(a.Binding, b.Binding))
            {
                return;
            }

            var first = SourceOf(a.Binding).Table;
            var second = SourceOf(b.Binding).Table;
            if (first.ColocationGroup is null || first.ColocationGroup != second.ColocationGroup)
            {
                // Keys of two colocation groups are SG0106's.
                return;
            }

            // The table to suggest moving is the one with a column named after the other's key (devices.tenant_id).
            var (moved, movedAlias, anchor) = HasColumn(second.Table, ColocationIntent.KeyName(first.Table))
                ? (second.Table, b.Binding.Alias, first.Table)
                : (first.Table, a.Binding.Alias, second.Table);
            var movedKey = ColocationIntent.KeyName(moved);
            var anchorKey = ColocationIntent.KeyName(anchor);
            var rewrite = HasColumn(moved, anchorKey)
                ? $"If '{moved.TableName}' rows belong to a {anchorKey}, join on {SqlText.Name(movedAlias)}.{SqlText.Name(anchorKey)} and distribute '{moved.TableName}' by it"
                : "Join on the columns that hold the same thing";
            Note(RuleIds.UnrelatedKeysEquated, span,
                $"This condition equates the distribution keys of '{first.Table.TableName}' ({ColocationIntent.KeyName(first.Table)}) and '{second.Table.TableName}' ({ColocationIntent.KeyName(second.Table)}), which share shards only because both are {SqlTypes.SqlType(a.Column.Type)} keys: "
                + $"the join runs (Citus accepts it too), but the keys' names say they hold different things, so it matches rows whose keys merely have the same value. {rewrite}; "
                + $"if {movedKey} really holds {anchorKey} values, say so with ColocateWith = typeof({anchor.TypeName}) in the [Distributed] attribute of {moved.TypeName}.");
        }

        private static bool HasColumn(TableSpec table, string name) => table.Columns.Any(c => c.ColumnName == name);
    }
}
