using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

// Subqueries and common table expressions: bound in scopes of their own, and where they may run (Citus:
// query_pushdown_planning.c): pinned to the statement's key, joined to it on the key, or partitioned by a key.
internal static partial class QueryPlanner
{
    private sealed partial class Planner
    {
        /// <summary>
        /// Binds a subquery (or a common table expression's body) in a scope of its own: its tables, columns (an
        /// enclosing query's columns too, for a subquery) and parameters. Where it may run is decided once the
        /// whole statement is bound, in <see cref="CheckSubqueries"/>.
        /// </summary>
        private SubqueryScope PlanSubquery(SelectStatement query, SqlExpr? node, CommonTableExpression? cte, TableRef? derived = null, bool isolated = false, bool lateral = false)
        {
            // A CTE, a subquery in FROM (not LATERAL) or an INSERT's SELECT sees no column of the enclosing statement.
            var scope = new Scope((cte is null && derived is null && !isolated) || lateral ? _scope : null);
            var planned = new SubqueryScope(query, scope, node, cte, derived);
            var enclosing = _scope;
            enclosing.Children.Add(planned);
            _scope = scope;

            // A WITH clause inside a subquery names its common table expressions for that subquery only.
            var outerCtes = query.With.Count > 0 || query.SetOperation?.With.Count > 0 ? new Dictionary<string, SubqueryScope>(_ctes, StringComparer.Ordinal) : null;
            try
            {
                if (query.SetOperation is { } set)
                {
                    PlanNestedSetOperation(set, planned);
                }
                else
                {
                    PlanWith(query.With, nested: true);
                    if (Problems.Count == 0)
                    {
                        BindSubqueryBody(planned);
                    }
                }
            }
            finally
            {
                _scope = enclosing;
                if (outerCtes is not null)
                {
                    _ctes.Clear();
                    foreach (var known in outerCtes)
                    {
                        _ctes.Add(known.Key, known.Value);
                    }
                }
            }

            if (cte is not null)
            {
                _ctes[cte.Name] = planned;
            }

            return planned;
        }

        /// <summary>Binds the SELECT of <paramref name="planned"/> in its scope, and checks its tables and joins.</summary>
        private void BindSubqueryBody(SubqueryScope planned)
        {
            var query = planned.Query;
            var outputs = BindSelect(query);
            if (outputs is null)
            {
                return;
            }

            planned.Outputs = outputs;
            if (Problems.Count > 0 || query.From is null)
            {
                return;
            }

            if ((planned.Node is SubqueryExpr or InSubqueryExpr) && outputs.Count != 1)
            {
                Fail(RuleIds.SyntaxError, query.SelectListSpan, $"This subquery returns {outputs.Count} columns: a subquery used as a value or with IN, ANY or ALL must return one.");
                return;
            }

            if (planned.IsTable && outputs.Select(o => o.Name).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            {
                Fail(RuleIds.UnknownColumn, query.SelectListSpan, $"{planned.Describe()} has two columns named '{duplicate.Key}': alias one of them.");
                return;
            }

            Classify();
            if (Problems.Count == 0)
            {
                CheckJoins(query.Where, query.Joins);
            }
        }

        /// <summary>
        /// The common table expressions of a WITH clause, each bound in a scope of its own, in order (a later one may read an
        /// earlier one); a data-modifying one (UPDATE, DELETE or INSERT as its body) as in <see cref="PlanWritingCte"/>, only at the
        /// top level of the statement (<paramref name="nested"/>: the WITH clause of a subquery or of a set operation inside one).
        /// </summary>
        private void PlanWith(EquatableArray<CommonTableExpression> with, bool nested = false)
        {
            foreach (var cte in with)
            {
                if (cte.Select is { } select)
                {
                    PlanSubquery(select, null, cte);
                }
                else if (nested)
                {
                    Fail(RuleIds.UnsupportedSql, cte.Span, $"Data-modifying common table expression '{cte.Name}' is inside a subquery: PostgreSQL takes a WITH clause that writes only at the top level of the statement. Move it to the statement's WITH clause.");
                }
                else
                {
                    PlanWritingCte(cte);
                }

                if (Problems.Count > 0)
                {
                    return;
                }
            }
        }

        /// <summary>
        /// A common table expression named in FROM, or a subquery in FROM: a table whose columns are the body's outputs, kept
        /// under its own name (the text stays as written). When its rows are partitioned by a distribution key (see
        /// <see cref="PartitionKey"/>) it is planned as a distributed table of that key's colocation group, whose key is the
        /// output that carries it: joined to the query on that key, it runs inside each shard. Otherwise it is planned as a
        /// reference (or, over local tables, a local) table, and its distributed tables must be pinned to the statement's key.
        /// </summary>
        private void BindDerived(TableRef reference, JoinKind join, SubqueryScope derived)
        {
            var alias = reference.Alias ?? reference.Name;
            if (_bindings.Any(b => b.Alias == alias))
            {
                Fail(RuleIds.UnknownTable, reference.Span, $"The name '{alias}' is used for two tables of this query: give one an alias.");
                return;
            }

            // A set operation's columns are its first branch's.
            var first = derived.Branches?[0] ?? derived;
            var saved = _scope;
            _scope = first.Scope;
            var columns = first.Query.Values.Count > 0
                ? Enumerable.Range(1, first.Query.Values[0].Count).Select(i => UntypedColumn("column" + i.ToString(CultureInfo.InvariantCulture))).ToList()
                : first.Outputs.Select(o => o.Expr is ColumnRef column && Resolve(column) is { } resolved
                    ? resolved.Column with { ColumnName = o.Name }
                    : UntypedColumn(o.Name)).ToList();

            // A set operation's column has a column's type only when every branch reads a column of that type there (PostgreSQL
            // resolves the branches' types into one); it is nullable when any branch's is.
            for (var i = 0; derived.Branches is { } branches && i < columns.Count; i++)
            {
                var typed = columns[i];
                foreach (var branch in branches.Skip(1))
                {
                    _scope = branch.Scope;
                    var other = i < branch.Outputs.Count && branch.Outputs[i].Expr is ColumnRef column && Resolve(column) is { } resolved ? resolved.Column : null;
                    typed = typed.PropertyName.Length > 0 && other is { PropertyName.Length: > 0 } && other.Type == typed.Type && other.EnumTypeName == typed.EnumTypeName
                        ? typed with { IsNullable = typed.IsNullable || other.IsNullable }
                        : UntypedColumn(typed.ColumnName);
                }

                columns[i] = typed;
            }

            _scope = saved;

            // WITH c(a, b) AS (...), and AS s(a, b) after a subquery or a CTE's name, rename its columns in order.
            foreach (var aliases in new[] { derived.Cte?.Columns ?? EquatableArray<string>.Empty, reference.ColumnAliases })
            {
                if (aliases.Count > columns.Count)
                {
                    Fail(RuleIds.UnknownColumn, reference.Span, $"{derived.Describe()} has {columns.Count} columns, but {aliases.Count} names are given for them.");
                    return;
                }

                for (var i = 0; i < aliases.Count; i++)
                {
                    columns[i] = columns[i] with { ColumnName = aliases[i] };
                }
            }

            var name = derived.Name!;
            var partition = PartitionKey(derived);
            derived.KeySource = partition?.Source;
            var kind = partition is not null ? TableKind.Distributed
                : AllScopes(derived.Scope).SelectMany(s => s.Bindings).Any(b => b.Table.Table.Kind == TableKind.Local) ? TableKind.Local
                : TableKind.Reference;
            var spec = new TableSpec(
                string.Empty, string.Empty, name, false, false, kind, name, columns.ToEquatableArray(), EquatableArray<int>.Empty, partition?.Output ?? -1,
                partition?.Source.Table.Table.KeyType ?? default, default, null, EquatableArray<ConstructorParameterSpec>.Empty);
            _bindings.Add(new Binding(alias, new TableModel(spec, partition?.Source.Table.ColocationGroup, name), reference, join, derived));
        }

        /// <summary>
        /// The output of a CTE or subquery in FROM that carries a distribution key, when its rows are partitioned by it: it reads
        /// distributed tables (joined on their keys, as checked in its scope), has no LIMIT or OFFSET, groups by a distribution
        /// key if it groups or aggregates at all, partitions every window by one, and selects a distribution key as a plain
        /// column. Each shard then computes exactly the rows of its own keys, as Citus pushes such a subquery down.
        /// </summary>
        private (int Output, Binding Source)? PartitionKey(SubqueryScope derived) =>
            derived.Branches is { } branches ? SetOperationPartitionKey(derived, branches) : KeyOutputs(derived).Select(k => ((int Output, Binding Source)?)k).FirstOrDefault();

        /// <summary>
        /// The outputs of a SELECT in FROM or WITH that carry a distribution key when its rows are partitioned by it (see
        /// <see cref="PartitionKey"/>); none when they are not.
        /// </summary>
        private List<(int Output, Binding Source)> KeyOutputs(SubqueryScope derived)
        {
            var keys = new List<(int Output, Binding Source)>();
            var query = derived.Query;
            if (derived.Writes)
            {
                // The rows a write returns come from one node only: it is never run on each shard.
                return keys;
            }

            var saved = _scope;
            _scope = derived.Scope;
            try
            {
                // A body pinned to one key is planned like any pinned subquery: the statement then routes to that key.
                if (!derived.Scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed) || query.Limit is not null || query.Offset is not null
                    || KeyPins(TopLevelConditions(query)).Any(p => derived.Scope.Bindings.Contains(p.Binding)))
                {
                    return keys;
                }

                var aggregates = StatementExpressions(query).Any(ContainsAggregate);
                if ((query.GroupBy.Count > 0 || aggregates) && !query.GroupBy.Select(g => ResolvePosition(g, derived.Outputs)).Any(IsDistributionKey))
                {
                    return keys;
                }

                if (WindowsSpanningShards(query).Any())
                {
                    return keys;
                }

                for (var i = 0; i < derived.Outputs.Count; i++)
                {
                    if (derived.Outputs[i].Expr is ColumnRef column && Resolve(column) is { } resolved
                        && derived.Scope.Bindings.Contains(resolved.Binding) && IsKeyColumn(resolved.Binding, resolved.Column))
                    {
                        keys.Add((i, resolved.Binding));
                    }
                }

                return keys;
            }
            finally
            {
                _scope = saved;
            }
        }

        private static IEnumerable<Scope> AllScopes(Scope scope)
        {
            yield return scope;
            foreach (var child in scope.Children)
            {
                foreach (var inner in AllScopes(child.Scope))
                {
                    yield return inner;
                }
            }
        }

        /// <summary>
        /// Where a statement with subqueries or common table expressions may run, as Citus' router and pushdown planners
        /// decide: every distributed table they read must be pinned to the key the statement is routed by, or joined to
        /// an enclosing query's distributed table on the distribution key (a correlated <c>inner.key = outer.key</c>, or
        /// <c>outer.key IN (SELECT inner.key ...)</c>), so that each shard answers the subquery from its own rows. A
        /// statement over reference tables whose subqueries are pinned to one key becomes a router query on that key.
        /// </summary>
        private (QueryTarget Target, string? Routing, Pin? Pin) CheckSubqueries(SelectStatement select, QueryTarget target, string? routing, Pin? pin) =>
            CheckSubqueries(TopLevelConditions(select).ToList(), select, target, routing, pin);

        /// <summary>
        /// <see cref="CheckSubqueries(SelectStatement, QueryTarget, string?, Pin?)"/> for any statement: <paramref name="conditions"/> are
        /// the conditions every row of the outer statement meets, <paramref name="select"/> the outer SELECT (null for an
        /// UPDATE or DELETE, whose target decides where it runs).
        /// </summary>
        private (QueryTarget Target, string? Routing, Pin? Pin) CheckSubqueries(List<SqlExpr> conditions, SelectStatement? select, QueryTarget target, string? routing, Pin? pin)
        {
            var scopes = new List<(SubqueryScope Sub, Scope Scope)>();
            void Collect(Scope scope)
            {
                foreach (var child in scope.Children)
                {
                    scopes.Add((child, child.Scope));
                    Collect(child.Scope);
                }
            }

            Collect(_root);
            var all = _root.Bindings.Concat(scopes.SelectMany(s => s.Scope.Bindings)).ToList();
            var distributed = all.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            var local = LocalReadWithDistributed(all, distributed);
            if (Problems.Count > 0)
            {
                return (target, routing, pin);
            }

            if (distributed.Count == 0)
            {
                return (local is not null ? QueryTarget.Local : target, routing, pin);
            }

            CheckColocated(distributed, "a subquery over one inside a query over the other would need rows from other shards");

            if (Problems.Count > 0)
            {
                return (target, routing, pin);
            }

            var outerDistributed = _root.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed);
            if (select is null && !outerDistributed)
            {
                var read = distributed.First(b => !_root.Bindings.Contains(b));
                Fail(RuleIds.WriteNotRoutable, read.Reference.Span, $"A write to {_root.Bindings[0].Table.Table.Kind.ToString().ToLowerInvariant()} table '{_root.Bindings[0].Table.Table.TableName}' cannot read distributed table '{read.Table.Table.TableName}' in a subquery: the write runs where that table's shards are not. Read the rows with a [Query] first.");
                return (target, routing, pin);
            }

            var refusedSetOperations = new HashSet<SubqueryScope>();
            var routedBy = outerDistributed && pin?.Single is not null ? KeyPins(conditions).Select(p => p.Value).FirstOrDefault() : null;
            var routedScope = (SubqueryScope?)null;
            foreach (var (sub, scope) in scopes)
            {
                var inner = scope.Bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
                if (inner.Count == 0 || sub.KeySource is not null || sub.SetOperation?.KeySource is not null)
                {
                    // A CTE or subquery in FROM partitioned by a key is a distributed table of the query: the query's join
                    // rules (on the key) hold for it, as for any table. So is a set operation there, branch by branch.
                    continue;
                }

                // A branch of a set operation in FROM or WITH is read as the set operation's rows.
                var owner = sub.SetOperation is { IsTable: true } set ? set : sub;

                _scope = scope;
                try
                {
                    var inside = TopLevelConditions(sub.Query).ToList();
                    var pinnedTo = KeyPins(inside).Where(p => inner.Contains(p.Binding)).Select(p => p.Value).FirstOrDefault();
                    var joined = KeyEqualities(inside).Any(e => inner.Contains(e.Left) != inner.Contains(e.Right) && e.Left.Table.Table.Kind == TableKind.Distributed && e.Right.Table.Table.Kind == TableKind.Distributed)
                        || (sub.Node is InSubqueryExpr { Operand: ColumnRef operand, IsMembership: true } && OuterKey(operand, scope.Parent) && sub.Outputs.Count == 1 && sub.Outputs[0].Expr is { } output && IsDistributionKey(output));
                    var span = owner.IsTable || owner.Node is null ? owner.Span : SubquerySpan(owner.Node);
                    var what = owner.IsTable ? owner.Describe() : "This subquery";
                    var table = inner[0].Table.Table;
                    var key = $"{SqlText.Name(inner[0].Alias)}.{SqlText.Name(table.Columns[table.DistributionKey].ColumnName)}";
                    if (sub.Writes && (pinnedTo is null || (routedBy is not null && pinnedTo != routedBy) || (routedBy is null && outerDistributed)))
                    {
                        Fail(RuleIds.UnsupportedSql, span, pinnedTo is null
                            ? $"{what} writes distributed table '{table.TableName}' without pinning it to one key: ShardGen runs a data-modifying common table expression only in a statement that runs whole on one shard, pinned to the same key. Pin it with '{key} = @...' in its WHERE."
                            : $"{what} writes distributed table '{table.TableName}' for another key than the statement is routed by: ShardGen runs a data-modifying common table expression only in a statement that runs whole on one shard. Pin the statement and the write to the same key.");
                        continue;
                    }

                    if (pinnedTo is not null && (routedBy is null ? !outerDistributed : pinnedTo == routedBy))
                    {
                        if (routedBy is null)
                        {
                            routedBy = pinnedTo;
                            routedScope = sub;
                        }

                        continue;
                    }

                    if (pinnedTo is not null && routedBy is not null && !joined)
                    {
                        Fail(RuleIds.JoinNotOnDistributionKey, span, $"{what} reads '{table.TableName}' for another key than the query, whose shard does not hold those rows: run it as a [Query] of its own, routed to its key, and pass its result as a parameter.");
                        continue;
                    }

                    if (owner.Cte is { Recursive: true } && !(joined && routedBy is not null))
                    {
                        Fail(RuleIds.UnsupportedSql, span, $"{what} is recursive (WITH RECURSIVE) and reads distributed table '{table.TableName}' on every shard: ShardGen runs a recursive common table expression only in a statement that runs whole on one node, as Citus does. Pin every distributed table it reads to the statement's key ('{key} = @...').");
                        continue;
                    }

                    if (owner != sub && owner.IsTable && !(joined && routedBy is not null))
                    {
                        // Once for the set operation, not once per branch.
                        if (refusedSetOperations.Add(owner))
                        {
                            var op = owner.Query.SetOperation!.Operators[0];
                            Fail(RuleIds.JoinNotOnDistributionKey, span, $"{what} is a set operation over distributed tables whose rows are not partitioned by a distribution key{(owner.NotPartitioned is { } reason ? ": " + reason : string.Empty)}. Over several shards ShardGen runs a UNION or UNION ALL in FROM or WITH inside each shard's statement only when every branch selects the distribution key at the same position (no LIMIT or OFFSET); otherwise pin every branch to the statement's key ('{key} = @...'), or run each branch as its own [Query].");
                        }

                        continue;
                    }

                    if (owner.IsTable && !(joined && routedBy is not null))
                    {
                        Fail(RuleIds.JoinNotOnDistributionKey, span, $"{what} reads distributed table '{table.TableName}' on every shard, and its rows are not partitioned by a distribution key, so no shard can compute them from its own rows. If they are meant per key, select {key} and group by it (no LIMIT or OFFSET); if they are meant for the query's key only, pin it with '{key} = @...'. If it means a computation over all keys, neither keeps its answer: make '{table.TableName}' a [Reference] table.");
                        continue;
                    }

                    if (!joined)
                    {
                        Fail(RuleIds.JoinNotOnDistributionKey, span, outerDistributed
                            ? $"{what} reads '{table.TableName}' without joining it to the query on the distribution key, so each shard would answer it from its own rows only. {SubqueryKeyAdvice(sub, inner[0])}"
                            : $"{what} reads distributed table '{table.TableName}' on every shard inside a query over reference tables, which runs on one node. If it is meant for one key, pin it with '{key} = @...'; otherwise run it as a [Query] of its own and pass its result as a parameter.");
                        continue;
                    }

                    if (sub.Node is InSubqueryExpr && !KeyEqualities(inside).Any(e => inner.Contains(e.Left) != inner.Contains(e.Right)) && (sub.Query.Limit is not null || sub.Query.Offset is not null) && routedBy is null)
                    {
                        Fail(RuleIds.NotCombinable, sub.Query.LimitSpan ?? sub.Query.OffsetSpan ?? span, "LIMIT and OFFSET in a subquery over several shards would apply on each shard: pin the query to one key, or leave them out.");
                    }
                }
                finally
                {
                    _scope = _root;
                }
            }

            if (Problems.Count > 0)
            {
                return (target, routing, pin);
            }

            if (select is not null && target == QueryTarget.FanOut && pin?.Single is null)
            {
                foreach (var clause in select.GroupBy.Concat(select.OrderBy.Select(o => o.Expr)).Concat(select.Having is null ? Array.Empty<SqlExpr>() : new[] { select.Having }))
                {
                    if (SqlWalker.Descendants(clause).FirstOrDefault(e => SqlWalker.Subquery(e) is not null) is { } nested)
                    {
                        Fail(RuleIds.NotCombinable, nested.Span, "Over several shards, subqueries are supported in the select list, WHERE and ON: compute this one in the select list and name it here.");
                    }
                }
            }

            if (!outerDistributed && routedScope is not null)
            {
                // A query over reference tables (or common table expressions) whose subqueries are pinned to one key runs on that key's shard.
                _scope = routedScope.Scope;
                var innerPin = FindPin(TopLevelConditions(routedScope.Query));
                _scope = _root;
                if (innerPin?.Single is null)
                {
                    Fail(RuleIds.InternalError, routedScope.Query.Span, "The key this subquery is pinned to could not be read.");
                    return (target, routing, pin);
                }

                return (QueryTarget.Router, RoutingTableOf(routedScope.Scope.Bindings.First(b => b.Table.Table.Kind == TableKind.Distributed)), innerPin);
            }

            return (target, routing, pin);
        }

        /// <summary>Where a subquery is underlined: <c>x IN (SELECT ...)</c> from its opening parenthesis, others whole.</summary>
        private TextSpan SubquerySpan(SqlExpr node) =>
            node is InSubqueryExpr @in && _sql.LastIndexOf('(', @in.Query.Span.Start - 1) is var open && open >= @in.Operand.Span.End
                ? TextSpan.FromBounds(open, @in.Span.End)
                : node.Span;

        /// <summary>The subqueries planned inside <paramref name="sub"/>, at any depth.</summary>
        private static IEnumerable<SubqueryScope> AllSubqueries(SubqueryScope sub) =>
            sub.Scope.Children.Concat(sub.Scope.Children.SelectMany(AllSubqueries));

        /// <summary>Whether <paramref name="operand"/>, read in <paramref name="scope"/>, is the distribution key of a distributed table there.</summary>
        private bool OuterKey(ColumnRef operand, Scope? scope)
        {
            if (scope is null)
            {
                return false;
            }

            var saved = _scope;
            _scope = scope;
            var result = IsDistributionKey(operand);
            _scope = saved;
            return result;
        }
    }

    /// <summary>A subquery (<see cref="Node"/> the expression holding it), a common table expression (<see cref="Cte"/>) or a subquery in FROM (<see cref="Derived"/>), bound in <see cref="Scope"/>.</summary>
    private sealed class SubqueryScope
    {
        public SubqueryScope(SelectStatement query, Scope scope, SqlExpr? node, CommonTableExpression? cte, TableRef? derived)
        {
            Query = query;
            Scope = scope;
            Node = node;
            Cte = cte;
            Derived = derived;
        }

        /// <summary>A subquery in FROM; null otherwise.</summary>
        public TableRef? Derived { get; }

        /// <summary>Whether it is read as a table: a common table expression or a subquery in FROM.</summary>
        public bool IsTable => Cte is not null || Derived is not null;

        /// <summary>The name it is read by, when <see cref="IsTable"/>.</summary>
        public string? Name => Cte?.Name ?? Derived?.Alias;

        /// <summary>Where it is written: the CTE's definition or the subquery in FROM with its alias.</summary>
        public TextSpan Span => Cte?.Span ?? Derived?.Span ?? Query.Span;

        /// <summary>When its rows are partitioned by a distribution key: the table of its body that key comes from.</summary>
        public Binding? KeySource { get; set; }

        public string Describe() => Cte is not null ? $"Common table expression '{Cte.Name}'" : $"Subquery '{Derived?.Alias}' in FROM";

        /// <summary>The SELECT bound; for a data-modifying CTE, a SELECT holding only the conditions its rows meet.</summary>
        public SelectStatement Query { get; set; }

        public Scope Scope { get; }

        public SqlExpr? Node { get; }

        public CommonTableExpression? Cte { get; }

        public List<Output> Outputs { get; set; } = new();

        /// <summary>For a set operation where a query goes (<see cref="SelectStatement.SetOperation"/>): its branches, each bound in a scope of its own.</summary>
        public List<SubqueryScope>? Branches { get; set; }

        /// <summary>A data-modifying common table expression: <see cref="Query"/> holds only its WHERE, <see cref="Outputs"/> its RETURNING.</summary>
        public bool Writes { get; init; }

        /// <summary>For a branch of such a set operation: the set operation.</summary>
        public SubqueryScope? SetOperation { get; set; }

        /// <summary>For a set operation in FROM or WITH over distributed tables whose rows are not partitioned by a key: why not.</summary>
        public string? NotPartitioned { get; set; }
    }
}
