using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using SortKey = ShardGen.Generator.Model.SortKey;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Combining the shards' results (Citus: combine_query_planner.c and the aggregate split of multi_logical_optimizer.c):
// partial aggregates and their combination, HAVING over the combined groups, ORDER BY and LIMIT/OFFSET after the merge.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// Aggregates whose groups span shards: each shard computes partial aggregates per group, each
        /// worker combines its shards' partials in SQL, and the run time combines the workers' rows:
        /// count and sum add up, min and max take the extreme, avg is a sum over a count. HAVING, ORDER BY,
        /// OFFSET and LIMIT apply to the combined groups.
        /// </summary>
        private QueryPlan? PlanMergedAggregation(SelectStatement select, List<Output> outputs, List<int> members, string routing, Pin? pin, List<SqlExpr> groupBy)
        {
            var groupKeys = groupBy.ToList();
            var distinctKeys = new List<SqlExpr>();
            var partials = new List<(string Text, TextSpan Span, FunctionCall Call, AggregateKind Kind)>();
            var finals = new List<int>();

            int AggregateOrdinal(FunctionCall call)
            {
                var text = Normalize(call.Span);
                for (var i = 0; i < partials.Count; i++)
                {
                    if (partials[i].Text == text)
                    {
                        return groupKeys.Count + i;
                    }
                }

                if (call.Distinct && call.Filter is not null && !(call.Arguments.Count == 1 && IsDistributionKey(call.Arguments[0])))
                {
                    Fail(RuleIds.NotCombinable, call.Span, "count(DISTINCT ...) FILTER (...) over several shards cannot be combined exactly: move the condition into the argument (count(DISTINCT CASE WHEN ... THEN x END)), or group by the distribution key.");
                    return -1;
                }

                if (call.Name == "count" && call.Distinct && call.Arguments.Count == 1 && !IsDistributionKey(call.Arguments[0]))
                {
                    // The distinct values travel: each shard groups by them too, and the run time counts
                    // them per group (a value of the distribution key lives on one shard, so that one needs no such care).
                    partials.Add((text, call.Span, call, AggregateKind.CountDistinct));
                    var argument = Normalize(call.Arguments[0].Span);
                    if (!distinctKeys.Any(d => Normalize(d.Span) == argument))
                    {
                        distinctKeys.Add(call.Arguments[0]);
                    }

                    return groupKeys.Count + partials.Count - 1;
                }

                if (call.Distinct && call.Name != "count")
                {
                    Fail(RuleIds.NotCombinable, call.Span, $"{call.Name}(DISTINCT ...) over several shards cannot be combined exactly: group by the distribution key so that it runs whole on each shard.");
                    return -1;
                }

                var kind = call.Name switch
                {
                    "count" => AggregateKind.Count,
                    "sum" => AggregateKind.Sum,
                    "min" => AggregateKind.Min,
                    "max" => AggregateKind.Max,
                    "avg" => AggregateKind.Avg,
                    _ => (AggregateKind?)null,
                };
                if (kind is null || (call.Name != "count" && call.Arguments.Count != 1))
                {
                    Fail(RuleIds.NotCombinable, call.Span, $"{call.Name}(...) over several shards cannot be combined from partial results: ShardGen combines count, sum, min, max and avg. Group by the distribution key so that it runs whole on each shard.");
                    return -1;
                }

                partials.Add((text, call.Span, call, kind.Value));
                return groupKeys.Count + partials.Count - 1;
            }

            int GroupOrdinal(SqlExpr expr)
            {
                var text = Normalize(expr.Span);
                for (var i = 0; i < groupKeys.Count; i++)
                {
                    if (Normalize(groupKeys[i].Span) == text || (expr is ColumnRef a && groupKeys[i] is ColumnRef b && SameColumn(a, b)))
                    {
                        return i;
                    }
                }

                return -1;
            }

            if (StatementExpressions(select).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().FirstOrDefault() is { } groupedWindow)
            {
                return Fail(RuleIds.NotCombinable, groupedWindow.Span, "A window function over groups that span shards cannot be combined: group by the distribution key (then each shard's groups are final), or pin the query to one key.");
            }

            // No function uses these windows, but PostgreSQL still checks their expressions against the groups: each shard's
            // statement would have to keep the clause over partial groups, so it is refused like a window over such groups.
            if (select.WindowSpan is { } windowClause)
            {
                return Fail(RuleIds.NotCombinable, windowClause, "A WINDOW clause over groups that span shards cannot be combined (and no window function here uses it): remove it, group by the distribution key (then each shard's groups are final), or pin the query to one key.");
            }

            // The final row: the group keys, then the aggregates; the select list maps onto it.
            var outputOrdinals = new List<int>();
            foreach (var output in outputs)
            {
                var expr = output.Expr!;
                int ordinal;
                if (expr is FunctionCall call && IsAggregate(call))
                {
                    ordinal = AggregateOrdinal(call);
                }
                else
                {
                    ordinal = GroupOrdinal(expr);
                    if (ordinal < 0)
                    {
                        if (ContainsAggregate(expr))
                        {
                            return Fail(RuleIds.NotCombinable, expr.Span, "An expression over aggregates cannot be combined across shards: select the aggregates themselves and compute the rest in C#, or group by the distribution key.");
                        }

                        return Fail(RuleIds.NotCombinable, expr.Span, "This column must appear in the GROUP BY clause or be used in an aggregate function.");
                    }
                }

                outputOrdinals.Add(ordinal);
            }

            var having = select.Having is null ? null : HavingExpression(select.Having, e => e is FunctionCall c && IsAggregate(c) ? AggregateOrdinal(c) : GroupOrdinal(e));
            var sortKeys = new List<SortKey>();
            foreach (var item in select.OrderBy)
            {
                var ordinal = OrdinalOf(item.Expr, outputs) is var o && o >= 0
                    ? outputOrdinals[o]
                    : item.Expr is FunctionCall call && IsAggregate(call) ? AggregateOrdinal(call) : GroupOrdinal(item.Expr);
                if (ordinal < 0)
                {
                    return Problems.Count > 0 ? null : Fail(RuleIds.NotCombinable, item.Span, "Over several shards, ORDER BY of an aggregated query must name a selected column, a group key or an aggregate.");
                }

                sortKeys.Add(new SortKey(ordinal, item.Descending, item.NullsFirst ?? item.Descending));
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            // Shard: SELECT keys, partials FROM ... WHERE ... GROUP BY keys.
            var shard = ShardSelect(select);
            var worker = new StringBuilder("SELECT ");
            var column = 0;
            void Column(string shardText, TextSpan? span, string workerCombine, SqlExpr? filter = null)
            {
                if (column > 0)
                {
                    shard.Text(", ");
                    worker.Append(", ");
                }

                var name = "\"sg_c" + column.ToString(CultureInfo.InvariantCulture) + "\"";
                if (span is { } s)
                {
                    shard.Text(shardText).Span(s).Text(shardText.Length > 0 ? ")" : string.Empty);
                    if (filter is not null)
                    {
                        shard.Text(" FILTER (WHERE ").Span(filter.Span).Text(")");
                    }
                }
                else
                {
                    shard.Text(shardText);
                }

                shard.Text(" AS " + name);
                worker.Append(workerCombine.Replace("{c}", name));
                column++;
            }

            foreach (var key in groupKeys)
            {
                Column(string.Empty, key.Span, "{c}");
            }

            var distinctOrdinals = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var key in distinctKeys)
            {
                distinctOrdinals[Normalize(key.Span)] = column;
                Column(string.Empty, key.Span, "{c}");
            }

            var aggregates = new List<AggregateSpec>();
            foreach (var partial in partials)
            {
                switch (partial.Kind)
                {
                    case AggregateKind.CountDistinct:
                        aggregates.Add(new AggregateSpec(AggregateKind.CountDistinct, distinctOrdinals[Normalize(partial.Call.Arguments[0].Span)], -1));
                        break;
                    case AggregateKind.Avg:
                        var sumOrdinal = column;
                        Column("sum(", partial.Call.Arguments[0].Span, "sum({c})", partial.Call.Filter);
                        Column("count(", partial.Call.Arguments[0].Span, "sum({c})", partial.Call.Filter);
                        aggregates.Add(new AggregateSpec(AggregateKind.Avg, sumOrdinal, sumOrdinal + 1));
                        break;
                    default:
                        var ordinal = column;
                        Column(string.Empty, partial.Span, partial.Kind switch
                        {
                            AggregateKind.Min => "min({c})",
                            AggregateKind.Max => "max({c})",
                            _ => "sum({c})",
                        });
                        aggregates.Add(new AggregateSpec(partial.Kind, ordinal, -1));
                        break;
                }
            }

            shard.Text(" ").Span(select.FromSpan!.Value);
            AppendClause(shard, select.WhereSpan);
            var grouped = groupKeys.Count + distinctKeys.Count;
            if (grouped > 0)
            {
                shard.Text(" GROUP BY " + string.Join(", ", Enumerable.Range(1, grouped).Select(i => i.ToString(CultureInfo.InvariantCulture))));
            }

            shard.Text(")");
            var (parts, tables) = shard.Build();

            worker.Append(" FROM (");
            var suffix = ") AS \"sg_w\"" + (grouped > 0
                ? " GROUP BY " + string.Join(", ", Enumerable.Range(1, grouped).Select(i => i.ToString(CultureInfo.InvariantCulture)))
                : string.Empty);

            var finalMembers = new List<int>();
            for (var i = 0; i < outputs.Count; i++)
            {
                finalMembers.Add(members[i]);
            }

            if (select.LimitSpan is { } limitSpan && groupKeys.Count > 0 && sortKeys.Any(k => k.Ordinal >= groupKeys.Count))
            {
                Note(RuleIds.AggregateOrderLimitAfterMerge, limitSpan,
                    "ORDER BY an aggregate with LIMIT over several shards cannot be cut on the shards: every group of every shard is combined in the application before LIMIT applies. Group by the distribution key, or pin the query to one key, if the groups are many.");
            }

            var merge = new MergePlan(
                sortKeys.ToEquatableArray(), LimitValue(select.Limit), LimitValue(select.Offset), select.Distinct,
                groupKeys.Count, aggregates.ToEquatableArray(), having, groupKeys.Count + partials.Count);
            var outputColumns = outputOrdinals.Select((ordinal, i) => new OutputColumn(ordinal, finalMembers[i])).ToEquatableArray();
            var plan = FanOutPlan(routing, pin, parts, tables, worker.ToString(), suffix, members, merge);
            return plan with { Outputs = outputColumns };
        }

        private string? LimitText(SelectStatement select)
        {
            if (select.Limit is null)
            {
                return null;
            }

            var limit = new SqlBuilder(_sql, _edits);
            AppendLimit(limit, select);
            return limit.Build().Parts[0];
        }

        private void AppendLimit(SqlBuilder builder, SelectStatement select) => builder.Text(LimitSql(select.Limit!, select.Offset));

        /// <summary>LIMIT n OFFSET m on the merged rows needs the first n + m rows of every shard: <c>n</c>, or <c>(n) + (m)</c>, with the edits applied.</summary>
        private string LimitSql(SqlExpr limit, SqlExpr? offset)
        {
            var builder = new SqlBuilder(_sql, _edits);
            if (offset is null)
            {
                builder.Span(limit.Span);
            }
            else
            {
                builder.Text("(").Span(limit.Span).Text(") + (").Span(offset.Span).Text(")");
            }

            return builder.Build().Parts[0];
        }

        private string? LimitValue(SqlExpr? expr) => expr switch
        {
            null => null,
            Literal { Kind: LiteralKind.Integer } literal => literal.Value + "L",
            Literal { Kind: LiteralKind.Null } => null,
            ParameterRef parameter when ParameterNamed(parameter.Name) is { Kind: QueryParameterKind.Value, Value: { } value } spec && IsInteger(value.Type) =>
                (value.IsNullable ? "(long?)" : "(long)") + Naming.EscapeIdentifier(spec.Name),
            ParameterRef parameter => Fail<string>(RuleIds.ParameterTypeMismatch, parameter.Span, $"LIMIT and OFFSET take an integer: parameter '{parameter.Name}' must be an int or a long."),
            _ => Fail<string>(RuleIds.NotCombinable, expr.Span, "Over several shards, LIMIT and OFFSET must be an integer literal or a parameter."),
        };

        private static bool IsInteger(ColumnType type) =>
            type is ColumnType.Int16 or ColumnType.Int32 or ColumnType.Int64 or ColumnType.Byte or ColumnType.SByte or ColumnType.UInt16 or ColumnType.UInt32;

        /// <summary>The end of a worker's combined statement over rows final on each shard: its shards' rows sorted and cut as the merge will.</summary>
        private static string WorkerSuffix(List<SortKey> order, string? limit) =>
            ") AS \"sg_w\""
            + (order.Count > 0 ? " ORDER BY " + PositionalOrder(order) : string.Empty)
            + (limit is null ? string.Empty : " LIMIT " + limit);

        private static string PositionalOrder(List<SortKey> keys) =>
            string.Join(", ", keys.Select(k => (k.Ordinal + 1).ToString(CultureInfo.InvariantCulture)
                + (k.Descending ? " DESC" : " ASC") + (k.NullsFirst ? " NULLS FIRST" : " NULLS LAST")));

        /// <summary>HAVING as a C# expression over the final row <c>v</c>, in SQL's three-valued logic.</summary>
        private string? HavingExpression(SqlExpr having, Func<SqlExpr, int> ordinalOf)
        {
            string? Operand(SqlExpr expr)
            {
                switch (expr)
                {
                    case Literal literal:
                        return LiteralObject(literal);
                    case ParameterRef parameter:
                        var spec = ParameterNamed(parameter.Name);
                        return spec is null ? null : "(object?)" + Naming.EscapeIdentifier(spec.Name);
                    default:
                        var ordinal = ordinalOf(expr);
                        if (ordinal < 0)
                        {
                            Fail(RuleIds.NotCombinable, expr.Span, "Over several shards, HAVING may compare aggregates and group keys with literals and parameters only.");
                            return null;
                        }

                        return "v[" + ordinal.ToString(CultureInfo.InvariantCulture) + "]";
                }
            }

            string? Condition(SqlExpr expr)
            {
                switch (expr)
                {
                    case BinaryExpr { Operator: "AND" or "OR" } logical:
                        var left = Condition(logical.Left);
                        var right = Condition(logical.Right);
                        return left is null || right is null ? null : $"({left} {(logical.Operator == "AND" ? "&" : "|")} {right})";
                    case UnaryExpr { Operator: "NOT" } not:
                        var operand = Condition(not.Operand);
                        return operand is null ? null : $"(!{operand})";
                    case BinaryExpr { Operator: "=" or "<>" or "<" or "<=" or ">" or ">=" } comparison:
                        var a = Operand(comparison.Left);
                        var b = Operand(comparison.Right);
                        var op = comparison.Operator == "<>" ? "!=" : comparison.Operator == "=" ? "==" : comparison.Operator;
                        return a is null || b is null ? null : $"compare.Compare({a}, {b}, static c => c {op} 0)";
                    case IsNullExpr isNull:
                        var value = Operand(isNull.Operand);
                        return value is null ? null : $"((bool?)({value} {(isNull.Negated ? "!=" : "==")} null))";
                    default:
                        Fail(RuleIds.NotCombinable, expr.Span, "Over several shards, HAVING may use AND, OR, NOT, comparisons and IS [NOT] NULL only.");
                        return null;
                }
            }

            return Condition(having);
        }

        private static string LiteralObject(Literal literal) => literal.Kind switch
        {
            LiteralKind.Integer => literal.Value + "L",
            LiteralKind.Numeric => literal.Value + "m",
            LiteralKind.Boolean => literal.Value == "true" ? "true" : "false",
            LiteralKind.Null => "null",
            _ => CSharpString(literal.Value),
        };
    }
}
