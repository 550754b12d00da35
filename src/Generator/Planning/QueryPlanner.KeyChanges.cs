using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// <c>UPDATE t SET key = ...</c>: a row lives on the shard of its key, so an UPDATE must not change the key (Citus: "modifying
    /// the partition value of rows is not allowed"). As Citus does, an assignment that cannot change it is accepted: the key set
    /// to itself, or to the value the WHERE clause pins it to (<c>SET tenant_id = @t ... WHERE tenant_id = @t</c>, or the same
    /// literal or computed value). The value the WHERE clause pins the key to is written as the key itself in the statement that
    /// runs (<c>SET tenant_id = "orders"."tenant_id"</c>): every row the statement touches has that key, so nothing changes,
    /// and Citus, which refuses a parameter there ("modifying the partition value of rows is not allowed"), accepts the column.
    /// </summary>
    private sealed partial class Planner
    {
        private void RefuseKeyChanges(EquatableArray<SetClause> sets, TableSpec table, Pin? pin)
        {
            var keyColumn = table.Columns[table.DistributionKey].ColumnName;
            foreach (var set in sets)
            {
                if (set.Column != keyColumn)
                {
                    continue;
                }

                if (set.Target is not null)
                {
                    Fail(RuleIds.UpdatesDistributionKey, set.Target.Span, $"Modifying the distribution key '{set.Column}' of distributed table '{table.TableName}' is not allowed: assigning to a field or element of it changes the key, and a row cannot move to another shard by UPDATE. Delete it and insert it with the new key.");
                    continue;
                }

                if (KeepsKey(set, table, pin, out var pinned))
                {
                    if (pinned is not null)
                    {
                        _edits.RemoveAll(e => e.Span.Start >= pinned.Span.Start && e.Span.End <= pinned.Span.End);
                        _edits.Add(new SqlBuilder.Edit(pinned.Span, null, SqlText.Identifier(_bindings[0].Alias) + "." + SqlText.Identifier(keyColumn)));
                    }

                    continue;
                }

                Fail(RuleIds.UpdatesDistributionKey, set.ColumnSpan, pin?.Single is not null
                    ? $"Modifying the distribution key '{set.Column}' of distributed table '{table.TableName}' is not allowed: this value may differ from the key the WHERE clause pins the rows to, and a row cannot move to another shard by UPDATE. Delete it and insert it with the new key (setting the key to the value the WHERE clause pins it to, or to itself, is accepted: it changes nothing)."
                    : $"Modifying the distribution key '{set.Column}' of distributed table '{table.TableName}' is not allowed: a row cannot move to another shard by UPDATE. Delete it and insert it with the new key.");
            }
        }

        /// <summary>
        /// Whether an assignment to the key leaves every row's key as it is: the key itself, or the value the statement is pinned
        /// to (then <paramref name="pinned"/> is that value's expression, which the statement that runs writes as the key column).
        /// </summary>
        private bool KeepsKey(SetClause set, TableSpec table, Pin? pin, out SqlExpr? pinned)
        {
            pinned = null;
            var value = set.Position < 0 ? set.Value
                : set.Value is RowExpr row && set.Position < row.Items.Count ? row.Items[set.Position]
                : null;
            if (value is null)
            {
                return false;
            }

            if (value is ColumnRef column && Resolve(column) is { } resolved && resolved.Binding == _bindings[0] && IsKeyColumn(resolved.Binding, resolved.Column))
            {
                return true;
            }

            if (pin?.Single is { } key && KeyValue(value, table, report: false) is { } assigned && assigned == key)
            {
                pinned = value;
                return true;
            }

            return false;
        }
    }
}
