using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Binding: every table, column and @parameter of a statement resolved against the model, parameters numbered $n, and
// parameter types checked against the columns they meet. (Citus has none: PostgreSQL's parse analysis does it first.)
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// Binds a SELECT in the current scope: its tables, then every expression (output names may be used in GROUP BY,
        /// ORDER BY and DISTINCT ON, not in WHERE, ON or HAVING, as in PostgreSQL). Its outputs; null when a table did not bind.
        /// </summary>
        private List<Output>? BindSelect(SelectStatement select)
        {
            if (select.From is not null)
            {
                BindFromList(select.From, select.Joins, JoinKind.Inner);
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            var outputs = ExpandOutputs(select);
            if (outputs is null)
            {
                return null;
            }

            // OVER w and (w ORDER BY ...) name a window of this SELECT's WINDOW clause.
            CheckWindowNames(select);

            var aliases = new HashSet<string>(outputs.Where(o => o.Alias is not null).Select(o => o.Alias!), StringComparer.Ordinal);
            var aliased = new HashSet<SqlExpr>(select.GroupBy.Concat(select.OrderBy.Select(o => o.Expr)).Concat(select.DistinctOn));
            foreach (var expr in StatementExpressions(select))
            {
                BindExpression(expr, aliased.Contains(expr) ? aliases : null);
            }

            return outputs;
        }

        private void Bind(TableRef reference, JoinKind join)
        {
            if (reference.Functions.Count > 0)
            {
                BindFunction(reference, join);
                return;
            }

            if (reference.Nested is { } nested)
            {
                BindFromList(nested.First, nested.Joins, join);
                return;
            }

            if (reference.Query is not null && reference.Alias is null)
            {
                Fail(RuleIds.UnsupportedSql, reference.Span, "Give this subquery in FROM an alias, (SELECT ...) AS name: PostgreSQL before 16 requires one, and ShardGen names its rows by it.");
                return;
            }

            if (reference.Query is not null)
            {
                var derived = PlanSubquery(reference.Query, null, null, reference, lateral: reference.Lateral);
                if (Problems.Count == 0)
                {
                    BindDerived(reference, join, derived);
                }

                return;
            }

            if (reference.Schema is null && _ctes.TryGetValue(reference.Name, out var cte))
            {
                BindDerived(reference, join, cte);
                return;
            }

            if (reference.Schema is not null && reference.Schema != "public")
            {
                Fail(RuleIds.UnknownTable, reference.NameSpan, $"Schema '{reference.Schema}' is not supported: ShardGen's tables live in the default schema.");
                return;
            }

            if (!_tables.TryGetValue(reference.Name, out var table))
            {
                var known = string.Join(", ", _tables.Keys.OrderBy(k => k, StringComparer.Ordinal));
                Fail(RuleIds.UnknownTable, reference.NameSpan, $"Unknown table '{reference.Name}': the model has {(known.Length == 0 ? "no tables" : known)}.");
                return;
            }

            var alias = reference.Alias ?? reference.Name;
            if (_bindings.Any(b => b.Alias == alias))
            {
                Fail(RuleIds.UnknownTable, reference.Span, $"The name '{alias}' is used for two tables of this query: give one an alias.");
                return;
            }

            _bindings.Add(new Binding(alias, table, reference, join));

            // The table name becomes the shard table's; without an alias, the original name stays the
            // alias, so that qualified columns (orders.id) still resolve.
            _edits.Add(new SqlBuilder.Edit(reference.NameSpan, table.Table.TableName, reference.Alias is null ? " AS " + SqlText.Identifier(reference.Name) : string.Empty));
        }

        private void BindExpression(SqlExpr root, HashSet<string>? outputAliases)
        {
            foreach (var expr in SqlWalker.Descendants(root))
            {
                switch (expr)
                {
                    case ColumnRef column:
                        if (column.Qualifier == "excluded" && _inConflict && _bindings.All(b => b.Alias != "excluded"))
                        {
                            if (!_bindings[0].Table.Table.Columns.Any(c => c.ColumnName == column.Name))
                            {
                                Fail(RuleIds.UnknownColumn, column.Span, $"Table '{_bindings[0].Table.Table.TableName}' has no column '{column.Name}'.");
                            }

                            break;
                        }

                        if (Resolve(column) is null && !(column.Qualifier is null && outputAliases is not null && outputAliases.Contains(column.Name)))
                        {
                            ReportUnresolved(column);
                        }

                        break;
                    case ParameterRef parameter:
                        Number(parameter, isList: IsListContext(root, parameter));
                        break;
                    case StarExpr star when star.Qualifier is not null && _bindings.All(b => b.Alias != star.Qualifier):
                        Fail(RuleIds.UnknownTable, star.Span, $"No table of this query is named '{star.Qualifier}'.");
                        break;
                    case FunctionCall { Filter: not null } filtered when !IsAggregate(filtered):
                        Fail(RuleIds.SyntaxError, filtered.Span, $"FILTER is allowed on aggregate functions only, and {filtered.Name} is not one.");
                        break;
                    case SubqueryExpr or ExistsExpr or InSubqueryExpr:
                        if (!_allowSubqueries)
                        {
                            Fail(RuleIds.UnsupportedSql, SubquerySpan(expr), "Subqueries in INSERT ... VALUES, ON CONFLICT and RETURNING are not supported (UPDATE and DELETE take them in SET and WHERE): read the rows with a [Query], then write by key.");
                            break;
                        }

                        PlanSubquery(SqlWalker.Subquery(expr)!, expr, null);
                        break;
                }
            }

            foreach (var comparison in SqlWalker.Descendants(root))
            {
                switch (comparison)
                {
                    case BinaryExpr { Operator: "=" or "<>" or "<" or "<=" or ">" or ">=" or "LIKE" or "NOT LIKE" or "ILIKE" or "NOT ILIKE" or "IS DISTINCT FROM" or "IS NOT DISTINCT FROM" } binary:
                        CheckComparison(binary.Left, binary.Right);
                        CheckComparison(binary.Right, binary.Left);
                        break;
                    case InExpr @in:
                        foreach (var item in @in.Items)
                        {
                            CheckComparison(@in.Operand, item);
                        }

                        break;
                    case BetweenExpr between:
                        CheckComparison(between.Operand, between.Low);
                        CheckComparison(between.Operand, between.High);
                        break;
                    case AnyExpr any:
                        CheckComparison(any.Operand, any.Array);
                        break;
                }
            }
        }

        /// <summary>
        /// Whether a list parameter may stand where it is: anywhere an array goes (<c>= ANY(@ids)</c>, <c>tags &amp;&amp; @tags</c>,
        /// <c>unnest(@ids)</c>), not as one side of a comparison or an IN item, where a single value is meant.
        /// </summary>
        private static bool IsListContext(SqlExpr root, ParameterRef parameter)
        {
            bool Is(SqlExpr e) => e is ParameterRef p && p.Span == parameter.Span;
            return !SqlWalker.Descendants(root).Any(e => e switch
            {
                BinaryExpr { Operator: "=" or "<>" or "<" or "<=" or ">" or ">=" or "LIKE" or "NOT LIKE" or "ILIKE" or "NOT ILIKE" or "IS DISTINCT FROM" or "IS NOT DISTINCT FROM" } b => Is(b.Left) || Is(b.Right),
                AnyExpr any => Is(any.Operand),
                AllExpr all => Is(all.Operand),
                InExpr @in => Is(@in.Operand) || @in.Items.Any(Is),
                BetweenExpr between => Is(between.Operand) || Is(between.Low) || Is(between.High),
                _ => false,
            });
        }

        private void Number(ParameterRef reference, bool isList)
        {
            var parameter = ParameterNamed(reference.Name);
            if (parameter is null)
            {
                var names = string.Join(", ", _method.Parameters.Where(p => p.Kind is QueryParameterKind.Value or QueryParameterKind.List).Select(p => p.Name));
                Fail(RuleIds.UnknownParameter, reference.Span, $"No parameter of '{_method.MethodName}' is named '{reference.Name}'{(names.Length == 0 ? "." : ": it has " + names + ".")}");
                return;
            }

            if (parameter.Value is null)
            {
                Fail(RuleIds.ParameterTypeMismatch, reference.Span, $"Parameter '{parameter.Name}' is of type {parameter.FullTypeName}, which cannot be sent to PostgreSQL.");
                return;
            }

            if (parameter.Kind == QueryParameterKind.List && !isList)
            {
                Fail(RuleIds.ParameterTypeMismatch, reference.Span, $"Parameter '{parameter.Name}' is a list: use it as '= ANY(@{reference.Name})'.");
                return;
            }

            if (!_parameterNumbers.TryGetValue(parameter.Name, out var number))
            {
                _parameters.Add(new BoundParameter(parameter.Name, parameter.Value, parameter.Kind == QueryParameterKind.List));
                number = _parameters.Count;
                _parameterNumbers[parameter.Name] = number;
            }

            _edits.Add(new SqlBuilder.Edit(reference.Span, null, "$" + number.ToString(CultureInfo.InvariantCulture)));
        }

        private TextSpan? UnboundParameter()
        {
            foreach (var token in SqlLexer.Lex(_sql).Tokens.Where(t => t.Kind == SqlTokenKind.Parameter))
            {
                if (!_edits.Any(e => e.Span == token.Span))
                {
                    return token.Span;
                }
            }

            return null;
        }

        private QueryParameterSpec? ParameterNamed(string name) =>
            _method.Parameters.FirstOrDefault(p => p.Kind is QueryParameterKind.Value or QueryParameterKind.List && p.Name == name)
            ?? _method.Parameters.FirstOrDefault(p => p.Kind is QueryParameterKind.Value or QueryParameterKind.List && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>The table column <paramref name="column"/> names: in the current query, else in the queries enclosing it (a correlated reference).</summary>
        private (Binding Binding, ColumnSpec Column)? Resolve(ColumnRef column)
        {
            for (var scope = _scope; scope is not null; scope = scope.Parent)
            {
                if (column.Qualifier is not null)
                {
                    var binding = scope.Bindings.FirstOrDefault(b => b.Alias == column.Qualifier);
                    if (binding is not null)
                    {
                        var spec = binding.Table.Table.Columns.FirstOrDefault(c => c.ColumnName == column.Name) ?? (binding.Open ? UntypedColumn(column.Name) : null);
                        return spec is null ? null : (binding, spec);
                    }

                    continue;
                }

                var matches = scope.Bindings
                    .Select(b => (Binding: b, Column: b.Table.Table.Columns.FirstOrDefault(c => c.ColumnName == column.Name)))
                    .Where(m => m.Column is not null)
                    .ToList();
                if (matches.Count > 0)
                {
                    return matches.Count == 1 || scope.Merged.Contains(column.Name) ? (matches[0].Binding, matches[0].Column!) : null;
                }

                // A name no listed column has may be one of an open function's: when there is exactly one, it is that function's.
                var open = scope.Bindings.Where(b => b.Open).ToList();
                if (open.Count == 1)
                {
                    return (open[0], UntypedColumn(column.Name));
                }
            }

            return null;
        }

        private void ReportUnresolved(ColumnRef column)
        {
            if (column.Qualifier is not null)
            {
                var binding = _bindings.FirstOrDefault(b => b.Alias == column.Qualifier);
                Fail(RuleIds.UnknownColumn, column.Span, binding is null
                    ? $"No table of this query is named '{column.Qualifier}'."
                    : $"Table '{binding.Table.Table.TableName}' has no column '{column.Name}'.");
                return;
            }

            var owners = _bindings.Where(b => b.Table.Table.Columns.Any(c => c.ColumnName == column.Name)).Select(b => b.Alias).ToList();
            Fail(RuleIds.UnknownColumn, column.Span, owners.Count > 1
                ? $"Column '{column.Name}' is ambiguous: it is in {string.Join(" and ", owners)}. Qualify it."
                : $"No table of this query has a column '{column.Name}'.");
        }

        /// <summary>A parameter compared with (or assigned to) a column must have a type that compares with the column's.</summary>
        private void CheckComparison(SqlExpr columnSide, SqlExpr valueSide)
        {
            if (columnSide is ColumnRef column && Resolve(column) is { } resolved)
            {
                CheckValue(valueSide, resolved.Column);
            }
        }

        private void CheckValue(SqlExpr value, ColumnSpec? column)
        {
            if (column is null || column.PropertyName.Length == 0 || value is not ParameterRef reference || ParameterNamed(reference.Name) is not { Value: { } parameter } spec)
            {
                return;
            }

            if (Category(parameter.Type) != Category(column.Type))
            {
                Fail(RuleIds.ParameterTypeMismatch, reference.Span, $"Parameter '{spec.Name}' is {SqlTypes.ClrTypeName(parameter.Type)}{(spec.Kind == QueryParameterKind.List ? " (a list)" : string.Empty)} but column '{column.ColumnName}' is {SqlTypes.SqlType(column.Type)}: they do not compare.");
            }
        }

        private static int Category(ColumnType type) => type switch
        {
            ColumnType.Int16 or ColumnType.Byte or ColumnType.SByte or ColumnType.Int32 or ColumnType.UInt16 or ColumnType.Int64
                or ColumnType.UInt32 or ColumnType.Decimal or ColumnType.Single or ColumnType.Double => 1,
            ColumnType.DateTime or ColumnType.DateTimeOffset => 2,
            _ => 10 + (int)type,
        };
    }

    /// <summary>
    /// A table of a query; <see cref="Derived"/> is set for a common table expression or a subquery in FROM. <see cref="Open"/>:
    /// a function in FROM whose columns are not listed (<c>jsonb_array_elements(x) AS e</c>): any column named through its alias is
    /// one of its own, and PostgreSQL checks it when the statement runs.
    /// </summary>
    private sealed record Binding(string Alias, TableModel Table, TableRef Reference, JoinKind Join, SubqueryScope? Derived = null, bool Open = false);

    /// <summary>The tables of one SELECT; a subquery's scope has its enclosing query's as <see cref="Parent"/> (a CTE's has none).</summary>
    private sealed class Scope
    {
        public Scope(Scope? parent) => Parent = parent;

        public Scope? Parent { get; }

        public List<Binding> Bindings { get; } = new();

        /// <summary>Columns merged by JOIN ... USING or NATURAL JOIN: written unqualified, they name the merged column, not an ambiguous one.</summary>
        public HashSet<string> Merged { get; } = new(StringComparer.Ordinal);

        /// <summary>The subqueries and common table expressions planned inside this scope's query.</summary>
        public List<SubqueryScope> Children { get; } = new();
    }
}
