using System.Collections.Generic;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

internal static partial class QueryPlanner
{
    /// <summary>
    /// What SG0107 tells a user to do about two distributed tables that are not joined on their distribution keys, and
    /// when its code fix may add the key equality. Adding <c>b.key = a.key</c> to a join is a new condition: it drops
    /// every pair of rows whose keys differ, so the fix is offered only where the query's own conditions already make
    /// the keys equal, and the advice names the equality only for tables that share their key on purpose
    /// (<see cref="ColocationIntent"/>), as a condition the user must know to hold.
    /// </summary>
    private sealed partial class Planner
    {
        /// <summary>The end of SG0107's message on a join (after "… on their distribution keys, so the join would need rows from other shards"), and the code fix's text and place, if any.</summary>
        private (string Advice, string? FixText, int FixAt) JoinKeyAdvice(Binding binding, Binding other, SqlExpr? where, EquatableArray<JoinClause> joins)
        {
            var join = joins.FirstOrDefault(j => j.Table == binding.Reference);
            var equality = $"{KeyText(binding)} = {KeyText(other)}";
            var conditions = JoinConditions(where, joins).ToList();
            if (!OnPurpose(binding, other))
            {
                return (": " + UnrelatedKeysAdvice(binding, other, conditions), null, -1);
            }

            // Only inner joins: their conditions hold for every row of the result wherever they are written, so a condition
            // they imply can go in any ON. An outer join's ON decides which rows are kept with NULLs instead: never touched.
            if (join is { Kind: JoinKind.Inner, On: { } on and not BinaryExpr { Operator: "OR" } } && joins.All(j => j.Kind == JoinKind.Inner)
                && KeysMadeEqual(binding, other, conditions))
            {
                return ($": the query's conditions already make {KeyText(binding)} equal to {KeyText(other)} through other columns, so adding '{equality}' to the join condition changes no answer and lets ShardGen see it.", " AND " + equality, on.Span.End);
            }

            return (". " + SameKeyAdvice(equality, "pair of rows this join should match"), null, -1);
        }

        /// <summary>The advice for tables that share their key on purpose but are not joined on it: the equality, with the condition under which it keeps the answer.</summary>
        private static string SameKeyAdvice(string equality, string rows) =>
            $"If every {rows} has {equality}, add '{equality}' to its conditions; otherwise make one of the tables a [Reference] table. ShardGen does not add it for you: it cannot prove the equality from the query, and where it does not hold, adding it changes the answer.";

        /// <summary>
        /// The advice for tables that share shards only because their key types match: their keys hold different things, so
        /// equating them is never the answer; the table has to be distributed by the column that means the other's key.
        /// </summary>
        private string UnrelatedKeysAdvice(Binding binding, Binding other, IEnumerable<SqlExpr> conditions)
        {
            var table = SourceOf(binding).Table.Table;
            var otherTable = SourceOf(other).Table.Table;
            var key = ColocationIntent.KeyName(table);
            var otherKey = ColocationIntent.KeyName(otherTable);
            var joinedOn = ColumnJoinedToAKey(binding, conditions);
            return $"'{table.TableName}' is distributed by {key} and '{otherTable.TableName}' by {otherKey}, which share shards only because both are {SqlTypes.SqlType(table.Columns[table.DistributionKey].Type)} keys, so equating {key} with {otherKey} would change the answer. "
                + (joinedOn is not null
                    ? $"Distribute '{table.TableName}' by {joinedOn} (the column it is joined on), or make one of the tables a [Reference] table."
                    : $"Distribute '{table.TableName}' by a column that holds {otherKey} values, or make one of the tables a [Reference] table.");
        }

        /// <summary>The column of <paramref name="binding"/> (not its key) that <paramref name="conditions"/> equate with another table's distribution key.</summary>
        private string? ColumnJoinedToAKey(Binding binding, IEnumerable<SqlExpr> conditions)
        {
            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=", Left: ColumnRef left, Right: ColumnRef right } && Resolve(left) is { } a && Resolve(right) is { } b)
                {
                    foreach (var (own, their) in new[] { (a, b), (b, a) })
                    {
                        if (own.Binding == binding && !IsKeyColumn(own.Binding, own.Column) && their.Binding != binding && IsKeyColumn(their.Binding, their.Column))
                        {
                            return own.Column.ColumnName;
                        }
                    }
                }
            }

            return null;
        }

        /// <summary>
        /// Whether <paramref name="conditions"/> (all of them true for every row of the result) make the two keys equal
        /// through a chain of column equalities, <c>b.key = x.c AND x.c = a.key</c>. Every column of the chain has the keys'
        /// type: across types PostgreSQL may compare through a cast (bigint with double), and equality stops being transitive.
        /// </summary>
        private bool KeysMadeEqual(Binding binding, Binding other, IEnumerable<SqlExpr> conditions)
        {
            var type = binding.Table.Table.Columns[binding.Table.Table.DistributionKey].Type;
            var parent = new Dictionary<(Binding, string), (Binding, string)>();
            (Binding, string) Find((Binding, string) node)
            {
                if (!parent.TryGetValue(node, out var up) || up == node)
                {
                    return node;
                }

                return parent[node] = Find(up);
            }

            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=", Left: ColumnRef left, Right: ColumnRef right }
                    && Resolve(left) is { } a && Resolve(right) is { } b && a.Column.Type == type && b.Column.Type == type)
                {
                    parent[Find((a.Binding, a.Column.ColumnName))] = Find((b.Binding, b.Column.ColumnName));
                }
            }

            return Find((binding, KeyName(binding))) == Find((other, KeyName(other)));
        }

        /// <summary>SG0107's advice for a subquery that reads a distributed table without being joined to the query on the key.</summary>
        private string SubqueryKeyAdvice(SubqueryScope sub, Binding inner)
        {
            if (!Correlated(sub))
            {
                return $"It does not depend on the outer query's rows: run it as a [Query] of its own and pass its result as a parameter, or make '{inner.Table.Table.TableName}' a [Reference] table. Correlating it on the distribution key would change what it computes (it would be answered per key).";
            }

            var outer = EnclosingDistributed(sub.Scope);
            if (outer is null)
            {
                return $"Make '{inner.Table.Table.TableName}' a [Reference] table.";
            }

            return OnPurpose(inner, outer)
                ? SameKeyAdvice($"{KeyText(inner)} = {KeyText(outer)}", "row it should find")
                : UnrelatedKeysAdvice(inner, outer, TopLevelConditions(sub.Query));
        }

        /// <summary>Whether a subquery (or one nested in it) reads a column of a query that encloses it.</summary>
        private bool Correlated(SubqueryScope sub)
        {
            var own = new HashSet<Binding>(AllScopes(sub.Scope).SelectMany(s => s.Bindings));
            var saved = _scope;
            try
            {
                foreach (var query in new[] { sub }.Concat(AllSubqueries(sub)))
                {
                    _scope = query.Scope;
                    foreach (var column in StatementExpressions(query.Query).SelectMany(SqlWalker.Descendants).OfType<ColumnRef>())
                    {
                        if (Resolve(column) is { } resolved && !own.Contains(resolved.Binding))
                        {
                            return true;
                        }
                    }
                }

                return false;
            }
            finally
            {
                _scope = saved;
            }
        }

        /// <summary>The first distributed table of the queries that enclose <paramref name="scope"/>.</summary>
        private static Binding? EnclosingDistributed(Scope scope)
        {
            for (var outer = scope.Parent; outer is not null; outer = outer.Parent)
            {
                if (outer.Bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Distributed) is { } binding)
                {
                    return binding;
                }
            }

            return null;
        }

        private bool OnPurpose(Binding a, Binding b) => ColocationIntent.OnPurpose(SourceOf(a).Table, SourceOf(b).Table, _tables.Values);

        /// <summary>The table a distributed binding's key comes from: itself, or, for a CTE or subquery in FROM, the table behind its key output.</summary>
        private static Binding SourceOf(Binding binding)
        {
            while (binding.Derived?.KeySource is { } source)
            {
                binding = source;
            }

            return binding;
        }

        private static string KeyName(Binding binding) => ColocationIntent.KeyName(binding.Table.Table);

        /// <summary>The top-level conditions of WHERE and of every join's ON: where a join condition is written.</summary>
        private static IEnumerable<SqlExpr> JoinConditions(SqlExpr? where, EquatableArray<JoinClause> joins) =>
            Conjuncts(where).Concat(joins.Where(j => j.On is not null).SelectMany(j => Conjuncts(j.On)));

        private static string KeyText(Binding binding) => $"{SqlText.Name(binding.Alias)}.{SqlText.Name(KeyName(binding))}";
    }
}
