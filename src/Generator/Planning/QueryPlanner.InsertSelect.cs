using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// INSERT ... SELECT (Citus: insert_select_planner.c), pushed down so that each shard inserts the rows it reads.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// <c>INSERT INTO t ... SELECT ...</c>, as Citus pushes it down: into a distributed table, the SELECT must read tables of
        /// the target's colocation group and give the target's key from a distribution key, with its rows partitioned by it
        /// (no LIMIT, grouped by the key if it aggregates), so that shard i of the source fills shard i of the target: the
        /// statement runs on every shard (or the pinned key's shard, or the listed keys' shards), atomically across workers.
        /// Into a reference table the SELECT reads reference tables only (each copy computes the same rows); into a local
        /// table, local and reference tables (on the coordinator).
        /// </summary>
        /// <param name="index">The position of the target's distribution key among the inserted columns; -1 for a reference or local target.</param>
        private QueryPlan? PlanInsertSelect(InsertStatement insert, SubqueryScope source, Binding target, int index)
        {
            var table = target.Table.Table;
            var read = source.Scope.Bindings;
            var distributed = read.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Distributed);
            var local = read.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local);
            switch (table.Kind)
            {
                case TableKind.Reference when distributed is not null || local is not null:
                    return Fail(RuleIds.WriteNotRoutable, (distributed ?? local)!.Reference.Span, $"INSERT ... SELECT into reference table '{table.TableName}' can read reference tables only: every copy runs the SELECT, and only reference tables are on every node. Read the rows with a [Query] and insert them.");
                case TableKind.Reference:
                    RefuseValuesPerCopy(table, StatementExpressions(source.Query));
                    return Problems.Count > 0 ? null : WritePlan(insert, null, null, insert.Returning);
                case TableKind.Local when distributed is not null:
                    return Fail(RuleIds.LocalJoinedWithDistributed, distributed.Reference.Span, $"INSERT ... SELECT into local table '{table.TableName}' cannot read distributed table '{distributed.Table.Table.TableName}': local tables live only on the coordinator. Read the rows with a [Query] and insert them.");
                case TableKind.Local:
                    return WritePlan(insert, null, null, insert.Returning);
            }

            var keyColumn = table.Columns[table.DistributionKey].ColumnName;
            if (local is not null)
            {
                return Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"INSERT ... SELECT into distributed table '{table.TableName}' cannot read local table '{local.Table.Table.TableName}': it lives only on the coordinator. Read the rows with a [Query] and insert them.");
            }

            _scope = source.Scope;
            try
            {
                var output = source.Outputs[index].Expr;
                var from = output is ColumnRef column && Resolve(column) is { } resolved && read.Contains(resolved.Binding) && IsKeyColumn(resolved.Binding, resolved.Column) ? resolved.Binding : null;
                if (from is null || from.Table.ColocationGroup != target.Table.ColocationGroup)
                {
                    return Fail(RuleIds.WriteNotRoutable, source.Outputs[index].ItemSpan ?? source.Query.SelectListSpan,
                        $"INSERT ... SELECT into distributed table '{table.TableName}' must take its key '{keyColumn}' from the distribution key of a table colocated with it{(from is null ? string.Empty : $" ('{from.Table.Table.TableName}' is in colocation group {from.Table.ColocationGroup}, '{table.TableName}' in {target.Table.ColocationGroup})")}, so that each shard inserts the rows it reads (Citus would move the rows through its coordinator). Select that key in this position, or read the rows with a [Query] and insert them.");
                }

                var pin = FindPin(TopLevelConditions(source.Query));
                if (pin?.Single is null && PartitionKey(source) is null)
                {
                    return Fail(RuleIds.NotCombinable, source.Query.LimitSpan ?? source.Query.GroupBySpan ?? source.Query.SelectListSpan,
                        $"The SELECT of this INSERT is not partitioned by its distribution key, so a shard could not compute its own rows: leave out LIMIT/OFFSET, group by the key if it aggregates, partition windows by it — or pin it to one key.");
                }

                if (pin is null)
                {
                    _scope = _root;
                    NoteAllShards(null, write: true, Enumerable.Empty<SqlExpr>());
                }

                _scope = _root;
                return WritePlan(insert, pin?.Single, pin, insert.Returning);
            }
            finally
            {
                _scope = _root;
            }
        }
    }
}
