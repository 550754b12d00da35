using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ShardGen.Generator;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Tests.Sql;

/// <summary>
/// Writes a <see cref="SqlStatement"/> tree back as PostgreSQL SQL, from the tree's fields alone (never from the text the
/// tree was parsed from): names, literal values, type names and operators come from the nodes, every keyword and every
/// clause from the node kinds. Every operation is fully parenthesized, so that the text parses to the tree's own nesting
/// whatever the precedence; PostgreSQL keeps no parentheses in its parse tree, so a faithful tree written back parses to
/// the tree PostgreSQL built from the original (RoundTripOracleTests checks exactly that).
/// </summary>
internal static partial class SqlWriter
{
    public static string Write(SqlStatement statement)
    {
        var writer = new StringBuilder();
        Statement(writer, statement);
        return writer.ToString();
    }

    // ---- statements

    private static void Statement(StringBuilder w, SqlStatement statement)
    {
        switch (statement)
        {
            case SelectStatement select:
                Select(w, select);
                break;
            case SetOperationStatement setOperation:
                SetOperation(w, setOperation);
                break;
            case InsertStatement insert:
                Insert(w, insert);
                break;
            case UpdateStatement update:
                Update(w, update);
                break;
            case DeleteStatement delete:
                Delete(w, delete);
                break;
            default:
                throw new NotSupportedException("No writer for " + statement.GetType().Name);
        }
    }

    private static void With(StringBuilder w, EquatableArray<CommonTableExpression> with)
    {
        if (with.Count == 0)
        {
            return;
        }

        w.Append(with.Any(cte => cte.Recursive) ? "WITH RECURSIVE " : "WITH ");
        for (var i = 0; i < with.Count; i++)
        {
            var cte = with[i];
            w.Append(i > 0 ? ", " : string.Empty).Append(Name(cte.Name));
            if (cte.Columns.Count > 0)
            {
                NameList(w, cte.Columns);
            }

            w.Append(" AS ");
            if (cte.Materialized is { } materialized)
            {
                w.Append(materialized ? "MATERIALIZED " : "NOT MATERIALIZED ");
            }

            w.Append('(');
            Statement(w, cte.Query);
            w.Append(')');
        }

        w.Append(' ');
    }

    private static void Select(StringBuilder w, SelectStatement select)
    {
        // A set operation nested in a subquery, a CTE or a parenthesized branch is a SELECT that holds it, as in PostgreSQL.
        if (select.SetOperation is { } nested)
        {
            SetOperation(w, nested);
            return;
        }

        With(w, select.With);
        if (select.Values.Count > 0)
        {
            w.Append("VALUES ");
            for (var i = 0; i < select.Values.Count; i++)
            {
                w.Append(i > 0 ? ", " : string.Empty);
                ExprList(w, select.Values[i], parenthesized: true);
            }
        }
        else if (select.TableForm)
        {
            // TABLE t is SELECT * FROM t in PostgreSQL's tree; the alias the tree gives it is not written (none can be).
            w.Append("TABLE ").Append(select.From!.Only ? "ONLY " : string.Empty);
            TableName(w, select.From);
        }
        else
        {
            w.Append("SELECT");
            if (select.Distinct)
            {
                w.Append(" DISTINCT");
            }
            else if (select.DistinctOn.Count > 0)
            {
                w.Append(" DISTINCT ON ");
                ExprList(w, select.DistinctOn, parenthesized: true);
            }

            if (select.Items.Count > 0)
            {
                w.Append(' ');
                SelectItems(w, select.Items);
            }

            if (select.From is { } from)
            {
                w.Append(" FROM ");
                FromList(w, from, select.Joins);
            }

            Where(w, select.Where);
            if (select.GroupBy.Count > 0)
            {
                w.Append(select.GroupByDistinct ? " GROUP BY DISTINCT " : " GROUP BY ");
                ExprList(w, select.GroupBy, parenthesized: false);
            }

            if (select.Having is { } having)
            {
                w.Append(" HAVING ");
                Expr(w, having);
            }

            for (var i = 0; i < select.Windows.Count; i++)
            {
                var window = select.Windows[i];
                w.Append(i == 0 ? " WINDOW " : ", ").Append(Name(window.Name)).Append(" AS ");
                WindowSpecification(w, window.BaseName, window.PartitionBy, window.OrderBy, window.Frame, window.FrameOffsets);
            }
        }

        OrderBy(w, select.OrderBy);
        if (select.LimitWithTies)
        {
            Offset(w, select.Offset);
            w.Append(" FETCH FIRST ");
            Expr(w, select.Limit!);
            w.Append(" ROWS WITH TIES");
        }
        else
        {
            if (select.LimitAll)
            {
                w.Append(" LIMIT ALL");
            }

            Limit(w, select.Limit);
            Offset(w, select.Offset);
        }

        foreach (var locking in select.Locking)
        {
            w.Append(" FOR ").Append(locking.Strength);
            for (var i = 0; i < locking.Of.Count; i++)
            {
                w.Append(i == 0 ? " OF " : ", ").Append(QualifiedName(locking.Of[i]));
            }

            if (locking.Wait is { } wait)
            {
                w.Append(' ').Append(wait);
            }
        }
    }

    private static void SetOperation(StringBuilder w, SetOperationStatement setOperation)
    {
        // Each branch in parentheses: a branch keeps its own ORDER BY and LIMIT, and the whole's come after the last one.
        With(w, setOperation.With);
        for (var i = 0; i < setOperation.Branches.Count; i++)
        {
            if (i > 0)
            {
                w.Append(' ').Append(setOperation.Operators[i - 1]).Append(' ');
            }

            w.Append('(');
            Select(w, setOperation.Branches[i]);
            w.Append(')');
        }

        OrderBy(w, setOperation.OrderBy);
        Limit(w, setOperation.Limit);
        Offset(w, setOperation.Offset);
    }

    private static void Insert(StringBuilder w, InsertStatement insert)
    {
        With(w, insert.With);
        w.Append("INSERT INTO ");
        TableName(w, insert.Table);
        if (insert.Table.Alias is { } alias)
        {
            w.Append(" AS ").Append(Name(alias));
        }

        if (insert.Columns.Count > 0)
        {
            w.Append(" (");
            for (var i = 0; i < insert.Columns.Count; i++)
            {
                w.Append(i > 0 ? ", " : string.Empty);
                Target(w, insert.Columns[i], insert.Targets.Count > 0 ? insert.Targets[i] : null);
            }

            w.Append(')');
        }

        if (insert.Overriding is { } overriding)
        {
            w.Append(" OVERRIDING ").Append(overriding).Append(" VALUE");
        }

        if (insert.DefaultValues)
        {
            w.Append(" DEFAULT VALUES");
        }
        else if (insert.Query is { } query)
        {
            w.Append(' ');
            Select(w, query);
        }
        else
        {
            w.Append(" VALUES ");
            for (var i = 0; i < insert.Rows.Count; i++)
            {
                w.Append(i > 0 ? ", " : string.Empty);
                ExprList(w, insert.Rows[i], parenthesized: true);
            }
        }

        if (insert.OnConflict is { } onConflict)
        {
            w.Append(" ON CONFLICT");
            if (onConflict.Constraint is { } constraint)
            {
                w.Append(" ON CONSTRAINT ").Append(Name(constraint));
            }
            else if (onConflict.Columns.Count + onConflict.Expressions.Count > 0)
            {
                // The target's plain columns and its expressions; PostgreSQL keeps them as one list of index elements in the
                // order written, which the tree does not record across the two lists: columns first, as written by every test.
                w.Append(" (");
                var first = true;
                foreach (var column in onConflict.Columns)
                {
                    w.Append(first ? string.Empty : ", ").Append(Name(column));
                    first = false;
                }

                foreach (var expression in onConflict.Expressions)
                {
                    w.Append(first ? string.Empty : ", ");
                    Expr(w, expression);
                    first = false;
                }

                w.Append(')');
                if (onConflict.TargetWhere is { } targetWhere)
                {
                    w.Append(" WHERE ");
                    Expr(w, targetWhere);
                }
            }

            if (onConflict.DoNothing)
            {
                w.Append(" DO NOTHING");
            }
            else
            {
                w.Append(" DO UPDATE SET ");
                SetClauses(w, onConflict.Updates);
                Where(w, onConflict.Where);
            }
        }

        Returning(w, insert.Returning);
    }

    private static void Update(StringBuilder w, UpdateStatement update)
    {
        With(w, update.With);
        w.Append("UPDATE ");
        TableRef(w, update.Table);
        w.Append(" SET ");
        SetClauses(w, update.Sets);
        if (update.From is { } from)
        {
            w.Append(" FROM ");
            FromList(w, from.First, from.Joins);
        }

        Where(w, update.Where);
        Returning(w, update.Returning);
    }

    private static void Delete(StringBuilder w, DeleteStatement delete)
    {
        With(w, delete.With);
        w.Append("DELETE FROM ");
        TableRef(w, delete.Table);
        if (delete.Using is { } usingList)
        {
            w.Append(" USING ");
            FromList(w, usingList.First, usingList.Joins);
        }

        Where(w, delete.Where);
        Returning(w, delete.Returning);
    }

    // A multi-column assignment (a, b) = source is one SetClause per column, each holding the whole source.
    private static void SetClauses(StringBuilder w, EquatableArray<SetClause> sets)
    {
        for (var i = 0; i < sets.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty);
            var set = sets[i];
            if (set.Position < 0)
            {
                Target(w, set.Column, set.Target);
                w.Append(" = ");
                Expr(w, set.Value);
                continue;
            }

            var j = i;
            while (j + 1 < sets.Count && sets[j + 1].Position == sets[j].Position + 1 && ReferenceEquals(sets[j + 1].Value, set.Value))
            {
                j++;
            }

            w.Append('(');
            for (var k = i; k <= j; k++)
            {
                w.Append(k > i ? ", " : string.Empty);
                Target(w, sets[k].Column, sets[k].Target);
            }

            w.Append(") = ");
            if (set.Value is RowExpr row)
            {
                // The source of a multi-column assignment is a row; ROW(...) and (...) differ in PostgreSQL's tree.
                RowBody(w, row);
            }
            else
            {
                Expr(w, set.Value);
            }

            i = j;
        }
    }

    private static void Returning(StringBuilder w, EquatableArray<SelectItem> returning)
    {
        if (returning.Count > 0)
        {
            w.Append(" RETURNING ");
            SelectItems(w, returning);
        }
    }

    private static void Where(StringBuilder w, SqlExpr? where)
    {
        if (where is not null)
        {
            w.Append(" WHERE ");
            Expr(w, where);
        }
    }

    private static void OrderBy(StringBuilder w, EquatableArray<OrderItem> orderBy)
    {
        if (orderBy.Count > 0)
        {
            w.Append(" ORDER BY ");
            OrderItems(w, orderBy);
        }
    }

    private static void Limit(StringBuilder w, SqlExpr? limit)
    {
        if (limit is not null)
        {
            w.Append(" LIMIT ");
            Expr(w, limit);
        }
    }

    private static void Offset(StringBuilder w, SqlExpr? offset)
    {
        if (offset is not null)
        {
            w.Append(" OFFSET ");
            Expr(w, offset);
        }
    }

    private static void SelectItems(StringBuilder w, EquatableArray<SelectItem> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty);
            Expr(w, items[i].Expr);
            if (items[i].Alias is { } alias)
            {
                w.Append(" AS ").Append(Name(alias));
            }
        }
    }

    private static void OrderItems(StringBuilder w, EquatableArray<OrderItem> items)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            w.Append(i > 0 ? ", " : string.Empty);
            Expr(w, item.Expr);
            if (item.Using is { } op)
            {
                w.Append(" USING ").Append(op);
            }
            else if (item.Descending)
            {
                w.Append(" DESC");
            }
            else if (item.Ascending)
            {
                w.Append(" ASC");
            }

            if (item.NullsFirst is { } nullsFirst)
            {
                w.Append(nullsFirst ? " NULLS FIRST" : " NULLS LAST");
            }
        }
    }

    // ---- FROM

    private static void FromList(StringBuilder w, TableRef first, EquatableArray<JoinClause> joins)
    {
        TableRef(w, first);
        foreach (var join in joins)
        {
            if (join.Comma)
            {
                w.Append(", ");
                TableRef(w, join.Table);
                continue;
            }

            w.Append(join.Natural ? " NATURAL " : " ").Append(join.Kind switch
            {
                JoinKind.Inner => "JOIN ",
                JoinKind.Left => "LEFT JOIN ",
                JoinKind.Right => "RIGHT JOIN ",
                JoinKind.Full => "FULL JOIN ",
                _ => "CROSS JOIN ",
            });

            // The right side of a join is a table_ref: a join there is parenthesized.
            TableRef(w, join.Table);
            if (join.On is { } on)
            {
                w.Append(" ON ");
                Expr(w, on);
            }
            else if (join.Using.Count > 0)
            {
                w.Append(" USING ");
                NameList(w, join.Using);
                if (join.UsingAlias is { } usingAlias)
                {
                    w.Append(" AS ").Append(Name(usingAlias));
                }
            }
        }
    }

    private static void TableRef(StringBuilder w, TableRef table)
    {
        if (table.Lateral)
        {
            w.Append("LATERAL ");
        }

        if (table.Nested is { } nested)
        {
            w.Append('(');
            FromList(w, nested.First, nested.Joins);
            w.Append(')');
        }
        else if (table.Query is { } query)
        {
            w.Append('(');
            Select(w, query);
            w.Append(')');
        }
        else if (table.Functions.Count > 0)
        {
            FunctionsInFrom(w, table);
        }
        else
        {
            if (table.Only)
            {
                w.Append("ONLY ");
            }

            TableName(w, table);
        }

        if (table.Alias is { } alias)
        {
            w.Append(" AS ").Append(Name(alias));
        }

        var aliases = table.AliasesWritten < 0 ? table.ColumnAliases : table.ColumnAliases.Take(table.AliasesWritten).ToEquatableArray();
        if (aliases.Count > 0)
        {
            w.Append(table.Alias is null ? " AS " : string.Empty);
            ColumnDefinitions(w, aliases, table.ColumnTypes);
        }

        if (table.Sample is { } sample)
        {
            w.Append(" TABLESAMPLE ").Append(FunctionName(sample.Method)).Append(' ');
            ExprList(w, sample.Arguments, parenthesized: true);
            if (sample.Repeatable is { } seed)
            {
                w.Append(" REPEATABLE (");
                Expr(w, seed);
                w.Append(')');
            }
        }
    }

    private static void FunctionsInFrom(StringBuilder w, TableRef table)
    {
        var rowsFrom = table.Functions.Count > 1 || table.RowsFrom;
        if (rowsFrom)
        {
            w.Append("ROWS FROM (");
        }

        for (var i = 0; i < table.Functions.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty);
            Expr(w, table.Functions[i], parenthesize: false);
        }

        if (rowsFrom)
        {
            w.Append(')');
        }

        if (table.Ordinality)
        {
            w.Append(" WITH ORDINALITY");
        }
    }

    private static void ColumnDefinitions(StringBuilder w, EquatableArray<string> names, EquatableArray<string> types)
    {
        w.Append('(');
        for (var i = 0; i < names.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty).Append(Name(names[i]));
            if (types.Count > 0)
            {
                w.Append(' ').Append(types[i]);
            }
        }

        w.Append(')');
    }

    private static void TableName(StringBuilder w, TableRef table)
    {
        if (table.Schema is { } schema)
        {
            w.Append(Name(schema)).Append('.');
        }

        w.Append(Name(table.Name));
    }

    // ---- expressions

    private static void Expr(StringBuilder w, SqlExpr expr, bool parenthesize = true)
    {
        switch (expr)
        {
            case ColumnRef column:
                if (column.Qualifier is { } qualifier)
                {
                    w.Append(QualifiedName(qualifier)).Append('.');
                }

                w.Append(Name(column.Name));
                return;
            case ParameterRef parameter:
                w.Append('@').Append(parameter.Name);
                return;
            case Literal literal:
                Literal(w, literal);
                return;
            case StarExpr star:
                if (star.Qualifier is { } starQualifier)
                {
                    w.Append(QualifiedName(starQualifier)).Append('.');
                }

                w.Append('*');
                return;
            case DefaultExpr:
                w.Append("DEFAULT");
                return;
            case NamedArgument named:
                w.Append(Name(named.Name)).Append(" => ");
                Expr(w, named.Value);
                return;
            case GroupingSetExpr groupingSet:
                w.Append(groupingSet.Kind switch
                {
                    "EMPTY" => string.Empty,
                    "SETS" => "GROUPING SETS ",
                    _ => groupingSet.Kind + " ",
                });
                ExprList(w, groupingSet.Items, parenthesized: true);
                return;
            case RowExpr row:
                RowBody(w, row);
                return;
            case SubqueryExpr subquery:
                w.Append('(');
                Select(w, subquery.Query);
                w.Append(')');
                return;
            case ExistsExpr exists:
                w.Append("EXISTS (");
                Select(w, exists.Query);
                w.Append(')');
                return;
            case ArraySubqueryExpr arraySubquery:
                w.Append("ARRAY(");
                Select(w, arraySubquery.Query);
                w.Append(')');
                return;
            case ArrayExpr array:
                w.Append("ARRAY");
                ArrayBody(w, array);
                return;
            case SubscriptExpr or FieldExpr:
                Indirection(w, expr);
                return;
            case FunctionCall call:
                Call(w, call);
                return;
            case WindowCall window:
                Call(w, window.Function);
                w.Append(" OVER ");
                if (!window.Copies && window.Name is { } windowName)
                {
                    w.Append(Name(windowName));
                }
                else
                {
                    WindowSpecification(w, window.Name, window.PartitionBy, window.OrderBy, window.Frame, window.FrameOffsets);
                }

                return;
            case CaseExpr caseExpr:
                w.Append("CASE");
                if (caseExpr.Operand is { } operand)
                {
                    w.Append(' ');
                    Expr(w, operand);
                }

                foreach (var when in caseExpr.Whens)
                {
                    w.Append(" WHEN ");
                    Expr(w, when.Condition);
                    w.Append(" THEN ");
                    Expr(w, when.Result);
                }

                if (caseExpr.Else is { } otherwise)
                {
                    w.Append(" ELSE ");
                    Expr(w, otherwise);
                }

                w.Append(" END");
                return;
            case CastExpr { TypedLiteral: true, Operand: Literal { Kind: LiteralKind.String } value } typed:
                TypedLiteral(w, typed.TypeName, value);
                return;
            case CastExpr { ColonSyntax: false } cast:
                w.Append("CAST(");
                Expr(w, cast.Operand);
                w.Append(" AS ").Append(cast.TypeName).Append(')');
                return;
        }

        // An operation: in parentheses, so that it nests as the tree does whatever the precedence of what surrounds it.
        if (parenthesize)
        {
            w.Append('(');
        }

        Operation(w, expr);
        if (parenthesize)
        {
            w.Append(')');
        }
    }

    private static void Operation(StringBuilder w, SqlExpr expr)
    {
        switch (expr)
        {
            case UnaryExpr unary:
                w.Append(unary.Operator).Append(' ');
                Expr(w, unary.Operand);
                return;
            case BinaryExpr { Operator: "OVERLAPS", Left: RowExpr left, Right: RowExpr right }:
                // row OVERLAPS row: the rows are not expressions there, and take no parentheses of their own.
                RowBody(w, left);
                w.Append(" OVERLAPS ");
                RowBody(w, right);
                return;
            case BinaryExpr binary:
                Expr(w, binary.Left);
                w.Append(' ').Append(binary.Operator).Append(' ');
                if (binary.Right is FunctionCall { Name: "like_escape" or "similar_to_escape", Arguments.Count: 2 } escape
                    && binary.Operator.EndsWith(escape.Name == "like_escape" ? "LIKE" : "SIMILAR TO", StringComparison.Ordinal))
                {
                    // x LIKE p ESCAPE e is PostgreSQL's x LIKE like_escape(p, e).
                    Expr(w, escape.Arguments[0]);
                    w.Append(" ESCAPE ");
                    Expr(w, escape.Arguments[1]);
                }
                else
                {
                    Expr(w, binary.Right);
                }

                return;
            case InExpr inExpr:
                Expr(w, inExpr.Operand);
                w.Append(inExpr.Negated ? " NOT IN " : " IN ");
                ExprList(w, inExpr.Items, parenthesized: true);
                return;
            case InSubqueryExpr inSubquery:
                // x IN (SELECT ...) is PostgreSQL's = ANY sublink; NOT IN its negation.
                Expr(w, inSubquery.Operand);
                w.Append(inSubquery.Quantified ? $" {inSubquery.Operator} {(inSubquery.All ? "ALL" : "ANY")} (" : inSubquery.Negated ? " NOT IN (" : " IN (");
                Select(w, inSubquery.Query);
                w.Append(')');
                return;
            case AnyExpr any:
                Expr(w, any.Operand);
                w.Append(' ').Append(any.Operator).Append(" ANY (");
                Expr(w, any.Array);
                w.Append(')');
                return;
            case AllExpr all:
                Expr(w, all.Operand);
                w.Append(' ').Append(all.Operator).Append(" ALL (");
                Expr(w, all.Array);
                w.Append(')');
                return;
            case CollateExpr collate:
                Expr(w, collate.Operand);
                w.Append(" COLLATE ").Append(collate.Collation);
                return;
            case BooleanTestExpr test:
                Expr(w, test.Operand);
                w.Append(test.Negated ? " IS NOT " : " IS ").Append(test.Test);
                return;
            case BetweenExpr between:
                Expr(w, between.Operand);
                w.Append(between.Negated ? " NOT BETWEEN " : " BETWEEN ").Append(between.Symmetric ? "SYMMETRIC " : string.Empty);
                Expr(w, between.Low);
                w.Append(" AND ");
                Expr(w, between.High);
                return;
            case IsNullExpr isNull:
                Expr(w, isNull.Operand);
                w.Append(isNull.Negated ? " IS NOT NULL" : " IS NULL");
                return;
            case CastExpr cast:
                Expr(w, cast.Operand);
                w.Append("::").Append(cast.TypeName);
                return;
            default:
                throw new NotSupportedException("No writer for " + expr.GetType().Name);
        }
    }

    private static void Literal(StringBuilder w, Literal literal)
    {
        switch (literal.Kind)
        {
            case LiteralKind.Integer or LiteralKind.Numeric:
                w.Append(literal.Value);
                break;
            case LiteralKind.String:
                w.Append('\'').Append(literal.Value.Replace("'", "''")).Append('\'');
                break;
            case LiteralKind.Boolean:
                w.Append(literal.Value == "true" ? "TRUE" : "FALSE");
                break;
            case LiteralKind.Null:
                w.Append("NULL");
                break;
            case LiteralKind.BitString:
                // The value keeps its prefix: b1010 for B'1010', x1f for X'1F'.
                w.Append(char.ToUpperInvariant(literal.Value[0])).Append('\'').Append(literal.Value, 1, literal.Value.Length - 1).Append('\'');
                break;
        }
    }

    // date '2020-01-01', and interval '1' day to second: the fields of an interval type go after the string.
    private static void TypedLiteral(StringBuilder w, string typeName, Literal value)
    {
        var fields = typeName.StartsWith("interval ", StringComparison.Ordinal) ? typeName.Substring("interval ".Length) : null;
        w.Append(fields is null ? typeName : "interval").Append(' ');
        Literal(w, value);
        if (fields is not null)
        {
            w.Append(' ').Append(fields);
        }
    }

    // ROW(a, b) or (a, b): PostgreSQL's tree tells the two apart; a row of one item or none needs ROW.
    private static void RowBody(StringBuilder w, RowExpr row)
    {
        if (row.Explicit || row.Items.Count < 2)
        {
            w.Append("ROW");
        }

        ExprList(w, row.Items, parenthesized: true);
    }

    private static void ArrayBody(StringBuilder w, ArrayExpr array)
    {
        w.Append('[');
        for (var i = 0; i < array.Elements.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty);
            if (array.Elements[i] is ArrayExpr inner && array.Elements.All(e => e is ArrayExpr))
            {
                // [1, 2] inside ARRAY[...], where every element is a sub-array (PostgreSQL's tree is that of ARRAY[1, 2]).
                ArrayBody(w, inner);
            }
            else
            {
                Expr(w, array.Elements[i]);
            }
        }

        w.Append(']');
    }

    // x[1][2].f: PostgreSQL keeps a chain of subscripts and fields as one indirection on its base, so it is written as one,
    // up to a nested one: (x[1])[2].
    private static void Indirection(StringBuilder w, SqlExpr expr)
    {
        var chain = new List<SqlExpr>();
        var node = expr;
        while (node is SubscriptExpr or FieldExpr)
        {
            chain.Add(node);
            var (operand, nested) = node is SubscriptExpr subscript ? (subscript.Operand, subscript.Nested) : (((FieldExpr)node).Operand, ((FieldExpr)node).Nested);
            node = operand;
            if (nested)
            {
                break;
            }
        }

        w.Append('(');
        Expr(w, node);
        w.Append(')');
        Suffixes(w, chain);
    }

    // A column assigned whole, or a field or element of it (tags[1], address.city): written without parentheses.
    private static void Target(StringBuilder w, string column, SqlExpr? target)
    {
        w.Append(Name(column));
        var chain = new List<SqlExpr>();
        for (var node = target; node is SubscriptExpr or FieldExpr; node = node is SubscriptExpr subscript ? subscript.Operand : ((FieldExpr)node).Operand)
        {
            chain.Add(node);
        }

        Suffixes(w, chain);
    }

    // The subscripts and fields of an indirection, innermost last in the chain.
    private static void Suffixes(StringBuilder w, List<SqlExpr> chain)
    {
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is SubscriptExpr subscript)
            {
                w.Append('[');
                if (subscript.Lower is { } lower)
                {
                    Expr(w, lower);
                }

                if (subscript.Slice)
                {
                    w.Append(':');
                    if (subscript.Upper is { } upper)
                    {
                        Expr(w, upper);
                    }
                }

                w.Append(']');
            }
            else
            {
                var field = ((FieldExpr)chain[i]).Field;
                w.Append('.').Append(field == "*" ? "*" : Name(field));
            }
        }
    }

    private static void Call(StringBuilder w, FunctionCall call)
    {
        if (call.SqlSyntax is { } syntax)
        {
            SqlSyntaxCall(w, call, syntax);
            return;
        }

        // A call of trim, position, extract or normalize without their keyword syntax is written "trim"(...), an ordinary call.
        w.Append(call.Name is "trim" or "position" or "extract" or "normalize" ? Name(call.Name) : FunctionName(call.Name)).Append('(');
        if (call.Star)
        {
            w.Append('*');
        }
        else
        {
            w.Append(call.Distinct ? "DISTINCT " : string.Empty);
            for (var i = 0; i < call.Arguments.Count; i++)
            {
                w.Append(i > 0 ? ", " : string.Empty);
                if (call.Variadic && i == call.Arguments.Count - 1)
                {
                    w.Append("VARIADIC ");
                }

                Expr(w, call.Arguments[i]);
            }

            if (call.OrderBy.Count > 0 && !call.WithinGroup)
            {
                w.Append(" ORDER BY ");
                OrderItems(w, call.OrderBy);
            }
        }

        w.Append(')');
        if (call.WithinGroup)
        {
            w.Append(" WITHIN GROUP (ORDER BY ");
            OrderItems(w, call.OrderBy);
            w.Append(')');
        }

        if (call.Filter is { } filter)
        {
            w.Append(" FILTER (WHERE ");
            Expr(w, filter);
            w.Append(')');
        }
    }

    // The calls PostgreSQL's grammar spells with keywords (FuncCall nodes marked COERCE_SQL_SYNTAX, or SQL value functions).
    private static void SqlSyntaxCall(StringBuilder w, FunctionCall call, string syntax)
    {
        var a = call.Arguments;
        switch (syntax)
        {
            case "VALUE":
                w.Append(call.Name.ToUpperInvariant());
                if (a.Count == 1)
                {
                    w.Append('(');
                    Expr(w, a[0]);
                    w.Append(')');
                }

                return;
            case "AT TIME ZONE":
                w.Append('(');
                Expr(w, a[1]);
                w.Append(" AT TIME ZONE ");
                Expr(w, a[0]);
                w.Append(')');
                return;
            case "COLLATION FOR":
                w.Append("COLLATION FOR (");
                Expr(w, a[0]);
                w.Append(')');
                return;
            case "EXTRACT":
                w.Append("EXTRACT(");
                Expr(w, a[0]);
                w.Append(" FROM ");
                Expr(w, a[1]);
                w.Append(')');
                return;
            default:
                // "substring(_ FROM _ FOR _)", "trim(BOTH _ FROM _)", ...: the keywords between the arguments, in order; an
                // argument the syntax writes as a keyword (the form of normalize(_, NFC)) has no "_".
                var parts = Placeholders(syntax);
                w.Append(parts[0]);
                for (var i = 0; i < parts.Count - 1; i++)
                {
                    Expr(w, a[i]);
                    w.Append(parts[i + 1]);
                }

                return;
        }
    }

    // A syntax's text around its operands: split at each "_" outside a quoted name or string (the XML forms quote theirs).
    private static List<string> Placeholders(string syntax)
    {
        var parts = new List<string>();
        var part = new StringBuilder();
        char? quote = null;
        foreach (var c in syntax)
        {
            if (quote is null && c == '_')
            {
                parts.Add(part.ToString());
                part.Clear();
                continue;
            }

            quote = quote is null && c is '"' or '\'' ? c : quote == c ? null : quote;
            part.Append(c);
        }

        parts.Add(part.ToString());
        return parts;
    }

    private static void WindowSpecification(StringBuilder w, string? baseName, EquatableArray<SqlExpr> partitionBy, EquatableArray<OrderItem> orderBy, WindowFrame? frame, EquatableArray<SqlExpr> offsets)
    {
        w.Append('(');
        if (baseName is not null)
        {
            w.Append(Name(baseName));
        }

        if (partitionBy.Count > 0)
        {
            w.Append(" PARTITION BY ");
            ExprList(w, partitionBy, parenthesized: false);
        }

        if (orderBy.Count > 0)
        {
            w.Append(" ORDER BY ");
            OrderItems(w, orderBy);
        }

        if (frame is not null)
        {
            var offset = 0;
            w.Append(' ').Append(frame.Mode).Append(frame.End is null ? " " : " BETWEEN ");
            FrameBound(w, frame.Start, offsets, ref offset);
            if (frame.End is { } end)
            {
                w.Append(" AND ");
                FrameBound(w, end, offsets, ref offset);
            }

            if (frame.Exclude is { } exclude)
            {
                w.Append(" EXCLUDE ").Append(exclude);
            }
        }

        w.Append(')');
    }

    private static void FrameBound(StringBuilder w, string bound, EquatableArray<SqlExpr> offsets, ref int offset)
    {
        if (bound is "PRECEDING" or "FOLLOWING")
        {
            Expr(w, offsets[offset++]);
            w.Append(' ');
        }

        w.Append(bound);
    }

    private static void ExprList(StringBuilder w, EquatableArray<SqlExpr> items, bool parenthesized)
    {
        w.Append(parenthesized ? "(" : string.Empty);
        for (var i = 0; i < items.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty);
            Expr(w, items[i]);
        }

        w.Append(parenthesized ? ")" : string.Empty);
    }

    private static void NameList(StringBuilder w, EquatableArray<string> names)
    {
        w.Append('(');
        for (var i = 0; i < names.Count; i++)
        {
            w.Append(i > 0 ? ", " : string.Empty).Append(Name(names[i]));
        }

        w.Append(')');
    }

    // ---- names

    /// <summary>A name the tree holds normalized (unquoted ones folded to lower case): always quoted, which keeps it exactly.</summary>
    private static string Name(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    private static string QualifiedName(string name) => string.Join(".", name.Split('.').Select(Name));

    /// <summary>
    /// A function's name: unquoted when it is a plain lower-case word, so that the keyword calls (coalesce, greatest, nullif, ...)
    /// stay the constructs PostgreSQL's grammar makes of them; quoted otherwise.
    /// </summary>
    private static string FunctionName(string name) =>
        string.Join(".", name.Split('.').Select(part => PlainWord().IsMatch(part) ? part : Name(part)));

    [GeneratedRegex("^[a-z_][a-z0-9_$]*$")]
    private static partial Regex PlainWord();
}
