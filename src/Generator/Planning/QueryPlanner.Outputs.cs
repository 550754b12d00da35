using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// A query's output columns: their names as PostgreSQL gives them, the row type's members they fill, and the output an
// ORDER BY, GROUP BY or DISTINCT ON expression names.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        private List<Output>? ExpandOutputs(SelectStatement select)
        {
            var outputs = new List<Output>();
            foreach (var item in select.Items)
            {
                if (item.Expr is StarExpr star)
                {
                    if (_bindings.FirstOrDefault(b => b.Open && (star.Qualifier is null || b.Alias == star.Qualifier)) is { } open)
                    {
                        return Fail<List<Output>>(RuleIds.ResultNotMappable, item.Span, $"The columns of '{open.Alias}' are not listed, so '*' cannot be mapped: name them, AS {open.Alias}(a, b), or select them by name.");
                    }

                    foreach (var binding in _bindings.Where(b => star.Qualifier is null || b.Alias == star.Qualifier))
                    {
                        foreach (var column in binding.Table.Table.Columns)
                        {
                            outputs.Add(new Output(new ColumnRef(star.Span, binding.Alias, column.ColumnName), null, column.ColumnName, IsStar: true));
                        }
                    }
                }
                else
                {
                    outputs.Add(new Output(item.Expr, item.Alias, OutputName(item), ItemSpan: item.Span));
                }
            }

            return outputs;
        }

        /// <summary>The name PostgreSQL gives an output column: its alias, a column's name, a function's name, or ?column?.</summary>
        private static string OutputName(SelectItem item) => item.Alias ?? item.Expr switch
        {
            ColumnRef column => column.Name,
            FunctionCall call => call.Name.Substring(call.Name.LastIndexOf('.') + 1),
            WindowCall window => window.Function.Name.Substring(window.Function.Name.LastIndexOf('.') + 1),
            _ => ExpressionName(item.Expr),
        };

        /// <summary>The name PostgreSQL gives a column computed by <paramref name="expr"/> (FigureColname in parse_target.c).</summary>
        private static string ExpressionName(SqlExpr expr) => expr switch
        {
            ColumnRef column => column.Name,
            FunctionCall call => call.Name.Substring(call.Name.LastIndexOf('.') + 1),
            CastExpr cast => ExpressionName(cast.Operand),
            CaseExpr => "case",
            FieldExpr { Field: not "*" } field => field.Field,
            SubscriptExpr subscript => ExpressionName(subscript.Operand),
            CollateExpr collate => ExpressionName(collate.Operand),
            ArrayExpr or ArraySubqueryExpr => "array",
            RowExpr => "row",
            _ => "?column?",
        };

        /// <summary>For each output, the row type's member it fills; null (with a problem) when they do not match.</summary>
        private List<int>? MapOutputs(List<Output> outputs, TextSpan listSpan)
        {
            var row = _method.Row!;
            if (_method.RowIsScalar)
            {
                if (outputs.Count != 1)
                {
                    return Fail<List<int>>(RuleIds.ResultNotMappable, listSpan, $"'{_method.MethodName}' returns a single value, but the query returns {outputs.Count} columns.");
                }

                return new List<int> { 0 };
            }

            var members = new List<int>();
            var used = new HashSet<int>();
            foreach (var output in outputs)
            {
                var member = -1;
                for (var i = 0; i < row.Columns.Count && member < 0; i++)
                {
                    if (row.Columns[i].ColumnName == output.Name)
                    {
                        member = i;
                    }
                }

                for (var i = 0; i < row.Columns.Count && member < 0; i++)
                {
                    if (string.Equals(row.Columns[i].PropertyName, output.Name, StringComparison.OrdinalIgnoreCase)
                        || Naming.ColumnName(row.Columns[i].PropertyName) == output.Name)
                    {
                        member = i;
                    }
                }

                var span = output.ItemSpan ?? output.Expr?.Span ?? listSpan;
                if (member < 0)
                {
                    return Fail<List<int>>(RuleIds.ResultNotMappable, span, $"Column '{output.Name}' has no property in {row.FullTypeName.Replace("global::", string.Empty)}: add one, or alias the column to a property's name.");
                }

                if (!used.Add(member))
                {
                    return Fail<List<int>>(RuleIds.ResultNotMappable, span, $"Two columns fill property '{row.Columns[member].PropertyName}': alias one of them.");
                }

                members.Add(member);
            }

            foreach (var parameter in row.ConstructorParameters)
            {
                if (!used.Contains(parameter.Column))
                {
                    return Fail<List<int>>(RuleIds.ResultNotMappable, listSpan, $"The query gives no column for '{row.Columns[parameter.Column].PropertyName}', which the constructor of {row.FullTypeName.Replace("global::", string.Empty)} needs.");
                }
            }

            return members;
        }

        /// <summary>The output ordinal an ORDER BY or GROUP BY expression names (alias, position, or the same expression); -1 when none.</summary>
        private int OrdinalOf(SqlExpr expr, List<Output> outputs)
        {
            if (expr is Literal { Kind: LiteralKind.Integer } position && int.TryParse(position.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p >= 1 && p <= outputs.Count)
            {
                return p - 1;
            }

            if (expr is ColumnRef { Qualifier: null } alias)
            {
                var byAlias = outputs.FindIndex(o => o.Alias == alias.Name);
                if (byAlias >= 0)
                {
                    return byAlias;
                }
            }

            var text = Normalize(expr.Span);
            for (var i = 0; i < outputs.Count; i++)
            {
                var output = outputs[i].Expr;
                if (output is null)
                {
                    continue;
                }

                if (!outputs[i].IsStar && Normalize(output.Span) == text)
                {
                    return i;
                }

                if (expr is ColumnRef column && output is ColumnRef outputColumn && SameColumn(column, outputColumn))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The expression an output name stands for in ORDER BY or DISTINCT ON (an output name wins over a column's, as in PostgreSQL).</summary>
        private static SqlExpr ResolveAlias(SqlExpr expr, List<Output> outputs) =>
            expr is ColumnRef { Qualifier: null } column && outputs.FirstOrDefault(o => o.Alias == column.Name) is { Expr: { } aliased } ? aliased : expr;

        private SqlExpr ResolvePosition(SqlExpr expr, List<Output> outputs) =>
            expr is Literal { Kind: LiteralKind.Integer } && OrdinalOf(expr, outputs) is var ordinal && ordinal >= 0 && outputs[ordinal].Expr is { } resolved
                ? resolved
                : expr;

        private bool SameColumn(ColumnRef a, ColumnRef b) =>
            Resolve(a) is { } x && Resolve(b) is { } y && x.Binding == y.Binding && x.Column == y.Column;

        /// <summary>Whether an output is a plain table column of exactly the member's type (then the mapper reads it typed).</summary>
        private bool IsTypedRead(SqlExpr? expr, int member)
        {
            var target = _method.Row!.Columns[member];
            return expr is ColumnRef column && Resolve(column) is { } resolved
                && resolved.Column.PropertyName.Length > 0
                && resolved.Column.Type == target.Type
                && resolved.Column.EnumTypeName == target.EnumTypeName
                && (target.IsNullable || !resolved.Column.IsNullable);
        }
    }

    private sealed record Output(SqlExpr? Expr, string? Alias, string Name, bool IsStar = false, TextSpan? ItemSpan = null);
}
