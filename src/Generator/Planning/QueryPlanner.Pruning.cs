using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Shard pruning (Citus: shard_pruning.c): the conditions every row meets, and the distribution key values they pin the
// statement to — one key (a router query), a list of keys, a list parameter — or none (every shard, noted as SG0120).
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>A fan-out over every shard is worth knowing: it is noted on the routing table's name.</summary>
        private void NoteAllShards(Pin? pin, bool write, IEnumerable<SqlExpr> conditions)
        {
            if (pin is null && _bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Distributed) is { } routing)
            {
                var what = write ? "write" : "query";
                var keyColumn = $"{routing.Alias}.{routing.Table.Table.Columns[routing.Table.Table.DistributionKey].ColumnName}";
                Note(RuleIds.RunsOnAllShards, routing.Reference.NameSpan, UnroutedKeyCondition(conditions) is { } condition
                    ? $"The condition '{SqlTextOf(condition)}' on the distribution key of this {what} is not a value ShardGen can compute before the {what} runs (a parameter, a literal, integer arithmetic and casts of them, or a list of those), so it runs on every shard (32 by default): compute the key in C# and pin it with '{keyColumn} = @...' if it is meant for one key."
                    : $"This {what} has no condition on the distribution key of '{routing.Table.Table.TableName}', so it runs on every shard (32 by default): pin it with '{keyColumn} = @...' if it is meant for one key.");
            }
        }

        /// <summary>The conditions every row of a query meets: the top-level conjuncts of WHERE and of inner joins' ON.</summary>
        private static IEnumerable<SqlExpr> TopLevelConditions(SelectStatement select) =>
            Conjuncts(select.Where).Concat(select.Joins.Where(j => j.Kind is JoinKind.Inner or JoinKind.Cross && j.On is not null).SelectMany(j => Conjuncts(j.On)));

        /// <summary>The <c>key = @parameter</c> / <c>key = literal</c> conditions among <paramref name="conditions"/>, with an identity of the value.</summary>
        private IEnumerable<(Binding Binding, string Value)> KeyPins(IEnumerable<SqlExpr> conditions)
        {
            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=" } equality)
                {
                    var (column, value) = equality.Left is ColumnRef ? (equality.Left, equality.Right) : (equality.Right, equality.Left);
                    if (column is ColumnRef key && Resolve(key) is { } resolved && IsKeyColumn(resolved.Binding, resolved.Column))
                    {
                        // The key value the run time routes by (so that 'tenant_id = 42' and 'tenant_id = 40 + 2' pin the same key), else the text of a parameter or literal.
                        var identity = KeyValue(value, resolved.Binding.Table.Table, report: false) is { } routed
                            ? "key:" + (routed.Parameter ?? routed.Literal)
                            : value switch
                            {
                                ParameterRef parameter => "@" + (ParameterNamed(parameter.Name)?.Name ?? parameter.Name),
                                Literal { Kind: LiteralKind.Integer or LiteralKind.String } literal => literal.Kind + ":" + literal.Value,
                                UnaryExpr { Operator: "-", Operand: Literal { Kind: LiteralKind.Integer } negative } => "Integer:-" + negative.Value,
                                _ => null,
                            };
                        if (identity is not null)
                        {
                            yield return (resolved.Binding, identity);
                        }
                    }
                }
            }
        }

        private static bool IsKeyColumn(Binding binding, ColumnSpec column) =>
            binding.Table.Table.Kind == TableKind.Distributed && binding.Table.Table.Columns[binding.Table.Table.DistributionKey] == column;

        private bool IsDistributionKey(SqlExpr expr) =>
            expr is ColumnRef column && Resolve(column) is { } resolved && IsKeyColumn(resolved.Binding, resolved.Column);

        /// <summary>The distribution-key restriction of the top-level conjuncts: one key, a list of keys, or a list parameter.</summary>
        private Pin? FindPin(IEnumerable<SqlExpr> conditions)
        {
            Pin? multiple = null;
            foreach (var condition in conditions)
            {
                switch (condition)
                {
                    case BinaryExpr { Operator: "=" } equality:
                        var (column, value) = equality.Left is ColumnRef ? (equality.Left, equality.Right) : (equality.Right, equality.Left);
                        if (IsDistributionKey(column) && Resolve((ColumnRef)column) is { } resolved && KeyValue(value, resolved.Binding.Table.Table) is { } key)
                        {
                            return new Pin(key, EquatableArray<RouteKey>.Empty, null);
                        }

                        break;
                    case InExpr { Negated: false } @in when IsDistributionKey(@in.Operand) && multiple is null:
                        var table = Resolve((ColumnRef)@in.Operand)!.Value.Binding.Table.Table;
                        var keys = @in.Items.Select(item => KeyValue(item, table)).ToList();
                        if (keys.All(k => k is not null))
                        {
                            multiple = new Pin(null, keys.Select(k => k!).Distinct().ToEquatableArray(), null);
                        }

                        break;
                    case AnyExpr { Operator: "=", Array: ParameterRef list } any when IsDistributionKey(any.Operand) && multiple is null:
                        var listParameter = ParameterNamed(list.Name);
                        var keyTable = Resolve((ColumnRef)any.Operand)!.Value.Binding.Table.Table;
                        if (listParameter is { Kind: QueryParameterKind.List, Value: { } element }
                            && SqlTypes.KeyTypeOf(element.Type) == keyTable.KeyType && !element.IsNullable)
                        {
                            multiple = new Pin(null, EquatableArray<RouteKey>.Empty, listParameter.Name);
                        }

                        break;
                    case AnyExpr { Operator: "=", Array: ArrayExpr array } arrayAny when IsDistributionKey(arrayAny.Operand) && multiple is null:
                        // key = ANY(ARRAY[a, b]) prunes as key IN (a, b) does (Citus reads both as the same list).
                        if (ArrayKeys(array, Resolve((ColumnRef)arrayAny.Operand)!.Value.Binding.Table.Table) is { } arrayKeys)
                        {
                            multiple = new Pin(null, arrayKeys.Distinct().ToEquatableArray(), null);
                        }

                        break;
                    case BinaryExpr { Operator: "OR" } disjunction when multiple is null && OrKeys(disjunction) is { } orKeys:
                        multiple = new Pin(null, orKeys.Distinct().ToEquatableArray(), null);
                        break;
                }
            }

            return multiple;
        }

        /// <summary>
        /// The keys of an OR each of whose branches is <c>key = value</c> or <c>key IN (values)</c> (as Citus' shard pruning
        /// reads an OR); null when any branch restricts something else, so that the query stays on every shard.
        /// </summary>
        private List<RouteKey>? OrKeys(BinaryExpr disjunction)
        {
            var branches = new List<(ColumnRef Key, SqlExpr Value)>();
            var pending = new Stack<SqlExpr>();
            pending.Push(disjunction);
            while (pending.Count > 0)
            {
                switch (pending.Pop())
                {
                    case BinaryExpr { Operator: "OR" } inner:
                        pending.Push(inner.Right);
                        pending.Push(inner.Left);
                        break;
                    case BinaryExpr { Operator: "=", Left: ColumnRef key } equality when IsDistributionKey(key):
                        branches.Add((key, equality.Right));
                        break;
                    case BinaryExpr { Operator: "=", Right: ColumnRef key } equality when IsDistributionKey(key):
                        branches.Add((key, equality.Left));
                        break;
                    case InExpr { Negated: false, Operand: ColumnRef key } @in when IsDistributionKey(key):
                        branches.AddRange(@in.Items.Select(item => (key, item)));
                        break;
                    case AnyExpr { Operator: "=", Operand: ColumnRef key, Array: ArrayExpr { Elements: { Count: > 0 } } array } when IsDistributionKey(key):
                        branches.AddRange(array.Elements.Select(element => (key, element)));
                        break;
                    default:
                        return null;
                }
            }

            var keys = new List<RouteKey>();
            foreach (var (key, value) in branches)
            {
                if (KeyValue(value, Resolve(key)!.Value.Binding.Table.Table) is not { } routeKey)
                {
                    return null;
                }

                keys.Add(routeKey);
            }

            return keys;
        }

        /// <summary>A distribution key value the run time can route by, of the key's own type; null for anything else.</summary>
        private RouteKey? KeyValue(SqlExpr value, TableSpec table, bool report = true)
        {
            switch (value)
            {
                case ParameterRef reference when ParameterNamed(reference.Name) is { Kind: QueryParameterKind.Value, Value: { } spec } parameter:
                    var matches = SqlTypes.KeyTypeOf(spec.Type) == table.KeyType
                        || (table.KeyType == DistributionKeyType.Int64 && spec.Type is ColumnType.Int32 or ColumnType.Int16);
                    if (!matches && table.KeyType == DistributionKeyType.Int32 && spec.Type is ColumnType.Int64 or ColumnType.UInt32 && spec.EnumTypeName is null)
                    {
                        if (report)
                        {
                            Fail(RuleIds.ParameterTypeMismatch, reference.Span, $"Parameter '{parameter.Name}' is {SqlTypes.ClrTypeName(spec.Type)} but distribution key '{table.Columns[table.DistributionKey].ColumnName}' of '{table.TableName}' is integer: a long cannot pick the shard of an int key. Make the parameter an int.");
                        }

                        return null;
                    }

                    if (!matches || spec.EnumTypeName is not null)
                    {
                        return null;
                    }

                    if (spec.IsNullable)
                    {
                        if (report)
                        {
                            Fail(RuleIds.ParameterTypeMismatch, reference.Span, $"Parameter '{parameter.Name}' routes the query by the distribution key, so it cannot be nullable.");
                        }

                        return null;
                    }

                    return new RouteKey(table.KeyType == DistributionKeyType.Int64 && spec.Type != ColumnType.Int64 ? "(long)" + Naming.EscapeIdentifier(parameter.Name) : Naming.EscapeIdentifier(parameter.Name), null);
                case Literal { Kind: LiteralKind.Integer } integer when table.KeyType is DistributionKeyType.Int32 or DistributionKeyType.Int64:
                    var isLong = table.KeyType == DistributionKeyType.Int64;
                    if (isLong ? !long.TryParse(integer.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) : !int.TryParse(integer.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                    {
                        return null;
                    }

                    return new RouteKey(null, integer.Value + (isLong ? "L" : string.Empty));
                case UnaryExpr { Operator: "-", Operand: Literal { Kind: LiteralKind.Integer } negative } when table.KeyType is DistributionKeyType.Int32 or DistributionKeyType.Int64:
                    return KeyValue(negative with { Value = "-" + negative.Value }, table, report);
                case Literal { Kind: LiteralKind.String } number when table.KeyType is DistributionKeyType.Int32 or DistributionKeyType.Int64
                    && long.TryParse(number.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _):
                    // PostgreSQL reads '42' as the key's integer type.
                    return KeyValue(new Literal(number.Span, LiteralKind.Integer, number.Value.Trim()), table, report);
                case Literal { Kind: LiteralKind.String } text when table.KeyType == DistributionKeyType.Text:
                    return new RouteKey(null, CSharpString(text.Value));
                case Literal { Kind: LiteralKind.String } uuid when table.KeyType == DistributionKeyType.Uuid && Guid.TryParse(uuid.Value, out var guid):
                    return new RouteKey(null, $"new global::System.Guid(\"{guid:D}\")");
                default:
                    return ComputedKeyValue(value, table);
            }
        }
    }

    private sealed record Pin(RouteKey? Single, EquatableArray<RouteKey> Multiple, string? List);
}
