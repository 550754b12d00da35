using System.Collections.Generic;
using System.Linq;

namespace ShardGen.Generator.Sql;

/// <summary>Enumerates the expressions of a parsed statement, without recursion (trees may be deep).</summary>
internal static class SqlWalker
{
    /// <summary>
    /// <paramref name="root"/> and every expression inside it, pre-order: a node, then its children in the order of the
    /// node's members (a CASE's operand, each WHEN's condition and result, then ELSE). A subquery is a leaf here (the
    /// operand of <c>x IN (SELECT ...)</c> is its child): its expressions are in another scope, see <see cref="Subquery"/>.
    /// </summary>
    public static IEnumerable<SqlExpr> Descendants(SqlExpr root)
    {
        var stack = new Stack<SqlExpr>();
        stack.Push(root);
        var children = new List<SqlExpr>();
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;

            children.Clear();
            AddChildren(node, children);
            for (var i = children.Count - 1; i >= 0; i--)
            {
                stack.Push(children[i]);
            }
        }
    }

    /// <summary>Every expression of <paramref name="statement"/>, clause by clause in the order they are written, each pre-order.</summary>
    public static IEnumerable<SqlExpr> Descendants(SqlStatement statement) => Roots(statement).SelectMany(Descendants);

    /// <summary>The top expression of each clause of <paramref name="statement"/>, in the order the clauses are written.</summary>
    public static IEnumerable<SqlExpr> Roots(SqlStatement statement)
    {
        switch (statement)
        {
            case SelectStatement select:
                foreach (var on in select.DistinctOn)
                {
                    yield return on;
                }

                foreach (var item in select.Items)
                {
                    yield return item.Expr;
                }

                foreach (var row in select.Values)
                {
                    foreach (var value in row)
                    {
                        yield return value;
                    }
                }

                foreach (var fromExpr in FromExpressions(select.From, select.Joins))
                {
                    yield return fromExpr;
                }

                if (select.Where is { } where)
                {
                    yield return where;
                }

                foreach (var group in select.GroupBy)
                {
                    yield return group;
                }

                if (select.Having is { } having)
                {
                    yield return having;
                }

                foreach (var window in select.Windows)
                {
                    foreach (var partition in window.PartitionBy)
                    {
                        yield return partition;
                    }

                    foreach (var order in window.OrderBy)
                    {
                        yield return order.Expr;
                    }

                    foreach (var frameOffset in window.FrameOffsets)
                    {
                        yield return frameOffset;
                    }
                }

                foreach (var order in select.OrderBy)
                {
                    yield return order.Expr;
                }

                if (select.Limit is { } limit)
                {
                    yield return limit;
                }

                if (select.Offset is { } offset)
                {
                    yield return offset;
                }

                break;

            case SetOperationStatement set:
                // The branches are scopes of their own.
                foreach (var order in set.OrderBy)
                {
                    yield return order.Expr;
                }

                if (set.Limit is { } setLimit)
                {
                    yield return setLimit;
                }

                if (set.Offset is { } setOffset)
                {
                    yield return setOffset;
                }

                break;

            case InsertStatement insert:
                foreach (var subscript in insert.Targets.SelectMany(TargetSubscripts))
                {
                    yield return subscript;
                }

                foreach (var row in insert.Rows)
                {
                    foreach (var value in row)
                    {
                        yield return value;
                    }
                }

                if (insert.OnConflict is { } conflict)
                {
                    foreach (var target in conflict.Expressions)
                    {
                        yield return target;
                    }

                    if (conflict.TargetWhere is { } targetWhere)
                    {
                        yield return targetWhere;
                    }

                    foreach (var set in conflict.Updates)
                    {
                        foreach (var subscript in TargetSubscripts(set.Target))
                        {
                            yield return subscript;
                        }

                        yield return set.Value;
                    }

                    if (conflict.Where is { } conflictWhere)
                    {
                        yield return conflictWhere;
                    }
                }

                foreach (var item in insert.Returning)
                {
                    yield return item.Expr;
                }

                break;

            case UpdateStatement update:
                // A multi-column assignment's source is the value of each of its columns: yield it once.
                foreach (var set in update.Sets)
                {
                    foreach (var subscript in TargetSubscripts(set.Target))
                    {
                        yield return subscript;
                    }

                    if (set.Position <= 0)
                    {
                        yield return set.Value;
                    }
                }

                if (update.From is { } updateFrom)
                {
                    foreach (var fromExpr in FromExpressions(updateFrom.First, updateFrom.Joins))
                    {
                        yield return fromExpr;
                    }
                }

                if (update.Where is { } updateWhere)
                {
                    yield return updateWhere;
                }

                foreach (var item in update.Returning)
                {
                    yield return item.Expr;
                }

                break;

            case DeleteStatement delete:
                if (delete.Using is { } deleteUsing)
                {
                    foreach (var fromExpr in FromExpressions(deleteUsing.First, deleteUsing.Joins))
                    {
                        yield return fromExpr;
                    }
                }

                if (delete.Where is { } deleteWhere)
                {
                    yield return deleteWhere;
                }

                foreach (var item in delete.Returning)
                {
                    yield return item.Expr;
                }

                break;
        }
    }

    /// <summary>The subscripts of an assignment's target (<c>tags[@i]</c>, <c>m[1][2:3].f</c>), outermost first; none for a whole column.</summary>
    public static IEnumerable<SqlExpr> TargetSubscripts(SqlExpr? target)
    {
        while (target is SubscriptExpr or FieldExpr)
        {
            if (target is SubscriptExpr subscript)
            {
                if (subscript.Lower is not null)
                {
                    yield return subscript.Lower;
                }

                if (subscript.Upper is not null)
                {
                    yield return subscript.Upper;
                }

                target = subscript.Operand;
            }
            else
            {
                target = ((FieldExpr)target).Operand;
            }
        }
    }

    /// <summary>
    /// The expressions of a FROM list outside its subqueries, in the order written: the calls of functions in FROM, the arguments
    /// of TABLESAMPLE and the ON conditions of joins, parenthesized joins included.
    /// </summary>
    public static IEnumerable<SqlExpr> FromExpressions(TableRef? first, EquatableArray<JoinClause> joins)
    {
        foreach (var (table, on) in new[] { (first, (SqlExpr?)null) }.Concat(joins.Select(j => ((TableRef?)j.Table, j.On))))
        {
            if (table?.Nested is { } nested)
            {
                foreach (var inner in FromExpressions(nested.First, nested.Joins))
                {
                    yield return inner;
                }
            }

            foreach (var function in table?.Functions ?? EquatableArray<SqlExpr>.Empty)
            {
                yield return function;
            }

            if (table?.Sample is { } sample)
            {
                foreach (var argument in sample.Arguments)
                {
                    yield return argument;
                }

                if (sample.Repeatable is not null)
                {
                    yield return sample.Repeatable;
                }
            }

            if (on is not null)
            {
                yield return on;
            }
        }
    }

    /// <summary>Every item of a FROM list, the items of parenthesized joins included (a parenthesized join itself is not one), in the order written.</summary>
    public static IEnumerable<TableRef> FromItems(TableRef? first, EquatableArray<JoinClause> joins)
    {
        foreach (var table in new[] { first }.Concat(joins.Select(j => j.Table)))
        {
            if (table is null)
            {
                continue;
            }

            if (table.Nested is { } nested)
            {
                foreach (var inner in FromItems(nested.First, nested.Joins))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return table;
            }
        }
    }

    /// <summary>Every <c>@name</c> in <paramref name="statement"/>, in the order they appear in the text; a name used twice appears twice.</summary>
    public static IEnumerable<ParameterRef> Parameters(SqlStatement statement)
        => Descendants(statement).OfType<ParameterRef>().OrderBy(p => p.Span.Start);

    /// <summary>Every <c>@name</c> in <paramref name="expr"/>, in the order they appear in the text.</summary>
    public static IEnumerable<ParameterRef> Parameters(SqlExpr expr)
        => Descendants(expr).OfType<ParameterRef>().OrderBy(p => p.Span.Start);

    /// <summary>The SELECT inside a subquery expression (<c>(SELECT ...)</c>, <c>EXISTS (...)</c>, <c>x IN (SELECT ...)</c>); null for any other expression.</summary>
    public static SelectStatement? Subquery(SqlExpr expr) => expr switch
    {
        SubqueryExpr subquery => subquery.Query,
        ExistsExpr exists => exists.Query,
        InSubqueryExpr inSubquery => inSubquery.Query,
        ArraySubqueryExpr array => array.Query,
        _ => null,
    };

    /// <summary>The direct child expressions of <paramref name="expr"/>, in the order of its members.</summary>
    public static IReadOnlyList<SqlExpr> Children(SqlExpr expr)
    {
        var children = new List<SqlExpr>();
        AddChildren(expr, children);
        return children;
    }

    private static void AddChildren(SqlExpr expr, List<SqlExpr> children)
    {
        switch (expr)
        {
            case UnaryExpr unary:
                children.Add(unary.Operand);
                break;
            case BinaryExpr binary:
                children.Add(binary.Left);
                children.Add(binary.Right);
                break;
            case InExpr @in:
                children.Add(@in.Operand);
                children.AddRange(@in.Items);
                break;
            case InSubqueryExpr inSubquery:
                // The subquery's own expressions belong to its scope: see Subquery.
                children.Add(inSubquery.Operand);
                break;
            case AnyExpr any:
                children.Add(any.Operand);
                children.Add(any.Array);
                break;
            case AllExpr all:
                children.Add(all.Operand);
                children.Add(all.Array);
                break;
            case ArrayExpr array:
                children.AddRange(array.Elements);
                break;
            case SubscriptExpr subscript:
                children.Add(subscript.Operand);
                if (subscript.Lower is { } lower)
                {
                    children.Add(lower);
                }

                if (subscript.Upper is { } upper)
                {
                    children.Add(upper);
                }

                break;
            case RowExpr row:
                children.AddRange(row.Items);
                break;
            case FieldExpr field:
                children.Add(field.Operand);
                break;
            case CollateExpr collate:
                children.Add(collate.Operand);
                break;
            case NamedArgument named:
                children.Add(named.Value);
                break;
            case BooleanTestExpr test:
                children.Add(test.Operand);
                break;
            case GroupingSetExpr grouping:
                children.AddRange(grouping.Items);
                break;
            case BetweenExpr between:
                children.Add(between.Operand);
                children.Add(between.Low);
                children.Add(between.High);
                break;
            case IsNullExpr isNull:
                children.Add(isNull.Operand);
                break;
            case FunctionCall call:
                children.AddRange(call.Arguments);
                children.AddRange(call.OrderBy.Select(o => o.Expr));
                if (call.Filter is { } filter)
                {
                    children.Add(filter);
                }

                break;
            case WindowCall window:
                // The window function's arguments, not the call itself: count(*) OVER (...) aggregates no group.
                children.AddRange(window.Function.Arguments);
                if (window.Function.Filter is { } windowFilter)
                {
                    children.Add(windowFilter);
                }

                children.AddRange(window.Function.OrderBy.Select(o => o.Expr));
                children.AddRange(window.PartitionBy);
                children.AddRange(window.OrderBy.Select(o => o.Expr));
                children.AddRange(window.FrameOffsets);
                break;
            case CaseExpr @case:
                if (@case.Operand is { } operand)
                {
                    children.Add(operand);
                }

                foreach (var when in @case.Whens)
                {
                    children.Add(when.Condition);
                    children.Add(when.Result);
                }

                if (@case.Else is { } otherwise)
                {
                    children.Add(otherwise);
                }

                break;
            case CastExpr cast:
                children.Add(cast.Operand);
                break;
        }
    }
}
