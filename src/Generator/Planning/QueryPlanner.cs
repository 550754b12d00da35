using System;
using System.Collections.Generic;
using System.Globalization;
using SortKey = ShardGen.Generator.Model.SortKey;
using System.Linq;
using System.Text;
using System.Threading;
using ShardGen.Generator.Model;
using ShardGen.Generator.Sql;

namespace ShardGen.Generator.Planning;

/// <summary>
/// Plans a <c>[Query]</c> method against the schema: binds every table, column and parameter,
/// classifies the query (router on a key, fan-out with a merge plan, reference or local), and
/// writes the SQL that runs on a shard and on a worker. What it cannot plan correctly it refuses,
/// with the span of the offending SQL; it never guesses.
/// </summary>
internal static partial class QueryPlanner
{
    private static readonly HashSet<string> Aggregates = new(StringComparer.Ordinal)
    {
        "count", "sum", "min", "max", "avg", "string_agg", "array_agg", "bool_and", "bool_or", "every", "bit_and", "bit_or",
        "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "json_agg", "jsonb_agg", "json_object_agg",
        "jsonb_object_agg", "percentile_cont", "percentile_disc", "mode", "corr", "covar_pop", "covar_samp", "regr_count",
    };

    /// <summary>Functions whose value differs from one transaction to the next: each copy of a reference table would store its own.</summary>
    private static readonly HashSet<string> PerTransactionFunctions = new(StringComparer.Ordinal)
    {
        "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime", "transaction_timestamp", "statement_timestamp",
    };

    /// <summary>PostgreSQL's volatile built-ins: a new value on every call (Citus refuses them in UPDATE SET and write WHERE).</summary>
    private static readonly HashSet<string> VolatileFunctions = new(StringComparer.Ordinal)
    {
        "random", "random_normal", "setseed", "nextval", "setval", "currval", "lastval", "clock_timestamp", "timeofday",
        "gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
    };

    public static QueryModel Plan(QueryMethodSpec method, SchemaModel schema, CancellationToken cancellationToken)
    {
        try
        {
            if (method.Problem is not null)
            {
                return Failed(method, schema, new QueryProblem(RuleIds.MethodNotGenerated, method.Problem, 0, method.Sql.Length));
            }

            var parsed = SqlParser.Parse(method.Sql);
            if (parsed.Problems.Count > 0 || parsed.Statement is null)
            {
                var problems = parsed.Problems.Select(p => new QueryProblem(p.Kind == SqlProblemKind.Unsupported ? RuleIds.UnsupportedSql : RuleIds.SyntaxError, p.Message, p.Span.Start, p.Span.Length)).ToList();
                if (problems.Count == 0)
                {
                    problems.Add(new QueryProblem(RuleIds.SyntaxError, "The SQL could not be parsed.", 0, method.Sql.Length));
                }

                return new QueryModel(method, null, problems.ToEquatableArray(), schema.Namespace);
            }

            cancellationToken.ThrowIfCancellationRequested();
            var planner = new Planner(method, schema);
            var plan = planner.PlanStatement(parsed.Statement);
            if (plan is not null && planner.Problems.Count == 0)
            {
                planner.NoteUnrelatedKeysEquated(parsed.Statement);
            }

            return planner.Problems.Count > 0 || plan is null
                ? new QueryModel(method, null, (planner.Problems.Count > 0 ? planner.Problems.Distinct().ToList() : new List<QueryProblem> { new(RuleIds.InternalError, "The query could not be planned.", 0, method.Sql.Length) }).ToEquatableArray(), schema.Namespace)
                : new QueryModel(method, plan, EquatableArray<QueryProblem>.Empty, schema.Namespace, planner.Notes.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // The generator never fails the build: an internal error is a problem of this query.
            return Failed(method, schema, new QueryProblem(RuleIds.InternalError, $"ShardGen could not plan this query ({ex.GetType().Name}: {ex.Message}); please report it.", 0, method.Sql.Length));
        }
    }

    private static QueryModel Failed(QueryMethodSpec method, SchemaModel schema, QueryProblem problem) =>
        new(method, null, new[] { problem }.ToEquatableArray(), schema.Namespace);

    public static bool IsAggregate(FunctionCall call) => Aggregates.Contains(call.Name);

    private sealed partial class Planner
    {
        private readonly QueryMethodSpec _method;
        private readonly string _sql;
        private readonly Dictionary<string, TableModel> _tables;
        private readonly Scope _root = new(null);
        private readonly Dictionary<string, SubqueryScope> _ctes = new(StringComparer.Ordinal);
        private Scope _scope;
        private readonly List<SqlBuilder.Edit> _edits = new();
        private readonly List<BoundParameter> _parameters = new();
        private readonly Dictionary<string, int> _parameterNumbers = new(StringComparer.Ordinal);
        private bool _inConflict;
        private bool _allowSubqueries;

        /// <summary>Set when the SELECT joins distributed tables with rows that live elsewhere: see <see cref="PlanPulled"/>.</summary>
        private bool _pull;

        public Planner(QueryMethodSpec method, SchemaModel schema)
        {
            _method = method;
            _sql = method.Sql;
            _scope = _root;
            _tables = new Dictionary<string, TableModel>(StringComparer.Ordinal);
            foreach (var table in schema.Tables)
            {
                _tables[table.Table.TableName] = table;
            }
        }

        public List<QueryProblem> Problems { get; } = new();

        /// <summary>The tables of the SELECT (or subquery) being bound; an enclosing query's tables are in <see cref="Scope.Parent"/>.</summary>
        private List<Binding> _bindings => _scope.Bindings;

        public List<QueryProblem> Notes { get; } = new();

        private void Note(string rule, TextSpan span, string message) => Notes.Add(new QueryProblem(rule, message, span.Start, span.Length));

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

        public QueryPlan? PlanStatement(SqlStatement statement)
        {
            // A WITH clause before INSERT, UPDATE or DELETE: its queries are planned first, as a SELECT's are.
            var with = statement switch
            {
                InsertStatement insert => insert.With,
                UpdateStatement update => update.With,
                DeleteStatement delete => delete.With,
                _ => EquatableArray<CommonTableExpression>.Empty,
            };
            if (with.Count > 0)
            {
                _allowSubqueries = true;
                foreach (var cte in with)
                {
                    PlanSubquery(cte.Query, null, cte);
                    if (Problems.Count > 0)
                    {
                        return null;
                    }
                }

                _allowSubqueries = false;
            }

            var plan = statement switch
            {
                SelectStatement select => PlanSelect(select),
                SetOperationStatement set => PlanSetOperation(set),
                InsertStatement insert => PlanInsert(insert),
                UpdateStatement update => PlanUpdateOrDelete(update, update.Table, update.Where, update.Returning, update.Sets),
                DeleteStatement delete => PlanUpdateOrDelete(delete, delete.Table, delete.Where, delete.Returning, EquatableArray<SetClause>.Empty),
                _ => Fail(RuleIds.MethodNotGenerated, statement.Span, "This kind of statement is not supported."),
            };

            if (plan is not null && Problems.Count == 0 && UnboundParameter() is { } missed)
            {
                // Every @name must have become $n: text sent with an @name left in it would mean something else to PostgreSQL.
                return Fail(RuleIds.InternalError, missed, "ShardGen did not bind this parameter where it stands; please report it with the query.");
            }

            return plan is null ? null : RequireOneNode(WithStatementAsWritten(plan, statement), statement);
        }

        // ---------------------------------------------------------------- SELECT

        private QueryPlan? PlanSelect(SelectStatement select)
        {
            if (_method.Shape is ResultShape.AffectedRows or ResultShape.None || (_method.Shape == ResultShape.Scalar && _method.Row is null))
            {
                return Fail(RuleIds.MethodNotGenerated, select.Span, $"A SELECT returns rows: '{_method.MethodName}' should return Task<List<T>>, Task<T?>, a scalar Task<T> or IAsyncEnumerable<T>.");
            }

            if (select.From is null)
            {
                return Fail(RuleIds.MethodNotGenerated, select.Span, "A query without FROM has no table to route by: compute it in C#.");
            }

            _allowSubqueries = true;
            foreach (var cte in select.With)
            {
                PlanSubquery(cte.Query, null, cte);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            var outputs = BindSelect(select);
            if (outputs is null)
            {
                return null;
            }

            var (target, routing) = Classify();
            if (Problems.Count > 0)
            {
                return null;
            }

            CheckJoins(select.Where, select.Joins);
            if (Problems.Count > 0)
            {
                return null;
            }

            var members = MapOutputs(outputs, select.SelectListSpan);
            if (members is null)
            {
                return null;
            }

            var pin = target == QueryTarget.FanOut ? FindPin(TopLevelConditions(select)) : null;
            if (Problems.Count > 0)
            {
                return null;
            }

            if (_root.Children.Count > 0)
            {
                (target, routing, pin) = CheckSubqueries(select, target, routing, pin);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            // A window whose partitions span shards is computed where the rows meet, as Citus computes it on its coordinator.
            if (target == QueryTarget.FanOut && pin?.Single is null && !_pull && WindowsNeedRowsTogether(select))
            {
                _pull = true;
                _pullForWindows = true;
            }

            // Split over several shards or joined on the coordinator, the statement no longer runs as written: what only runs that way is refused first.
            if ((_pull || (target == QueryTarget.FanOut && pin?.Single is null)) && RefuseOneNodeConstructs(select, _pull ? "on the coordinator, after reading distributed rows" : "over several shards"))
            {
                return null;
            }

            if (_pull)
            {
                return PlanPulled(select, outputs, members);
            }

            if (target != QueryTarget.FanOut || pin?.Single is not null)
            {
                // One shard (or one node) runs the statement as written: ORDER BY, LIMIT and
                // aggregates are all exact there.
                var builder = new SqlBuilder(_sql, _edits).Span(select.Span);
                var (parts, tables) = builder.Build();
                var outputColumns = members.Select((member, ordinal) => new OutputColumn(ordinal, member, IsTypedRead(outputs[ordinal].Expr, member))).ToEquatableArray();
                return new QueryPlan(
                    pin?.Single is not null ? QueryTarget.Router : target, false, routing, pin?.Single,
                    EquatableArray<RouteKey>.Empty, null, parts.ToEquatableArray(), tables.ToEquatableArray(), null, null,
                    _parameters.ToEquatableArray(), outputColumns, null, Preview(parts, tables));
            }

            CheckWindows(select);
            foreach (var sub in _root.Children.Concat(_root.Children.SelectMany(AllSubqueries)))
            {
                _scope = sub.Scope;
                CheckWindows(sub.Query);
                _scope = _root;
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            NoteAllShards(pin, write: false, TopLevelConditions(select));
            return PlanFanOutSelect(select, outputs, members, routing!, pin);
        }

        /// <summary>
        /// <c>SELECT ... UNION [ALL] SELECT ...</c> (and INTERSECT, EXCEPT): each branch is bound in a scope of its own; the whole
        /// statement runs as written on one node — a reference copy or the coordinator when it reads no distributed table, or the
        /// one shard every distributed table of every branch is pinned to (Citus's router planner). Over several shards it is refused.
        /// </summary>
        private QueryPlan? PlanSetOperation(SetOperationStatement set)
        {
            if (_method.Shape is ResultShape.AffectedRows or ResultShape.None || (_method.Shape == ResultShape.Scalar && _method.Row is null))
            {
                return Fail(RuleIds.MethodNotGenerated, set.Span, $"A SELECT returns rows: '{_method.MethodName}' should return Task<List<T>>, Task<T?>, a scalar Task<T> or IAsyncEnumerable<T>.");
            }

            _allowSubqueries = true;
            var branches = set.Branches.Select(branch => PlanSubquery(branch, null, null, isolated: true)).ToList();
            if (Problems.Count > 0)
            {
                return null;
            }

            var outputs = branches[0].Outputs;
            if (branches.Skip(1).FirstOrDefault(b => b.Outputs.Count != outputs.Count) is { } mismatched)
            {
                return Fail(RuleIds.SyntaxError, mismatched.Query.SelectListSpan, $"Each branch of a set operation must return the same number of columns: the first returns {outputs.Count}, this one {mismatched.Outputs.Count}.");
            }

            foreach (var item in set.OrderBy)
            {
                if (OrdinalOf(item.Expr, outputs) < 0 || item.Expr is not (ColumnRef { Qualifier: null } or Literal { Kind: LiteralKind.Integer }))
                {
                    return Fail(RuleIds.UnknownColumn, item.Span, "ORDER BY of a set operation names one of its result columns, by name or position.");
                }
            }

            foreach (var value in new[] { set.Limit, set.Offset })
            {
                if (value is not null)
                {
                    BindExpression(value, null);
                }
            }

            var members = MapOutputs(outputs.Select(o => o with { Expr = null }).ToList(), branches[0].Query.SelectListSpan);
            if (members is null || Problems.Count > 0)
            {
                return null;
            }

            var scopes = branches.SelectMany(b => AllScopes(b.Scope)).ToList();
            var bindings = scopes.SelectMany(scope => scope.Bindings).ToList();
            var distributed = bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            var local = LocalReadWithDistributed(bindings, distributed);
            if (Problems.Count > 0)
            {
                return null;
            }

            var target = local is not null ? QueryTarget.Local : QueryTarget.Reference;
            string? routing = null;
            RouteKey? key = null;
            if (distributed.Count > 0)
            {
                CheckColocated(distributed, "the branches of one statement must run on one shard");
                string? routedBy = null;
                foreach (var scope in scopes.Where(scope => scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed)))
                {
                    var query = QueryOf(scope, branches);
                    _scope = scope;
                    var pins = query is null ? new List<string>() : KeyPins(TopLevelConditions(query)).Where(p => scope.Bindings.Contains(p.Binding)).Select(p => p.Value).ToList();
                    if (pins.Count == 0 || (routedBy is not null && pins[0] != routedBy))
                    {
                        _scope = _root;
                        return PlanUnionAllOverShards(set, branches, outputs, members, distributed);
                    }

                    if (routedBy is null)
                    {
                        routedBy = pins[0];
                        key = FindPin(TopLevelConditions(query!))?.Single;
                        routing = RoutingTableOf(scope.Bindings.First(b => b.Table.Table.Kind == TableKind.Distributed));
                    }

                    _scope = _root;
                }

                if (Problems.Count > 0 || key is null)
                {
                    return Problems.Count > 0 ? null : Fail(RuleIds.InternalError, set.Span, "The key this statement is pinned to could not be read.");
                }

                target = QueryTarget.Router;
            }

            var (parts, tables) = new SqlBuilder(_sql, _edits).Span(set.Span).Build();
            var outputColumns = members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray();
            return new QueryPlan(
                target, false, routing, key, EquatableArray<RouteKey>.Empty, null, parts.ToEquatableArray(), tables.ToEquatableArray(), null, null,
                _parameters.ToEquatableArray(), outputColumns, null, Preview(parts, tables));
        }

        /// <summary>
        /// <c>SELECT ... UNION ALL SELECT ...</c> over several shards: each shard runs the whole set operation over its own shard
        /// tables, and the shards' rows are concatenated (or merged in the statement's ORDER BY, with LIMIT/OFFSET after the
        /// merge). Exact when every branch reads a distributed table of the one colocation group and its rows are final on each
        /// shard: no DISTINCT, no aggregate or GROUP BY unless grouped by a distribution key, windows partitioned by one, no
        /// subquery. UNION (which removes duplicates across shards), INTERSECT and EXCEPT need one shard.
        /// </summary>
        private QueryPlan? PlanUnionAllOverShards(SetOperationStatement set, List<SubqueryScope> branches, List<Output> outputs, List<int> members, List<Binding> distributed)
        {
            const string OneShard = "runs on one shard only: pin every branch (and every subquery in it) to the same distribution key, or run each branch as its own [Query] and combine the rows in C#.";
            var distinctOp = set.Operators.Select((op, i) => (op, i)).FirstOrDefault(o => o.op != "UNION ALL");
            if (distinctOp.op is not null)
            {
                return Fail(RuleIds.UnsupportedSql, set.OperatorSpans[distinctOp.i], $"{distinctOp.op} {OneShard} Over several shards, UNION ALL of branches partitioned by the key is supported.");
            }

            var (keys, pinned) = BranchKeys(branches);
            if (Problems.Count > 0)
            {
                return null;
            }

            foreach (var branch in branches)
            {
                _scope = branch.Scope;
                var query = branch.Query;
                var groupedOnKey = query.GroupBy.Select(g => ResolvePosition(g, branch.Outputs)).Any(IsDistributionKey);
                var aggregates = query.GroupBy.Count > 0 || query.Having is not null || StatementExpressions(query).Any(ContainsAggregate);

                // A branch pinned to one key has all its rows on that key's shard (and none elsewhere): duplicates, groups and
                // windows are whole there. Only an aggregate without GROUP BY returns a row from every shard it runs on.
                var why =
                    !branch.Scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed) ? "reads no distributed table, so every shard would return its rows"
                    : branch.Scope.Children.Count > 0 ? "has a subquery"
                    : pinned.Contains(branch) ? (aggregates && query.GroupBy.Count == 0 ? "aggregates without GROUP BY, so every shard the statement runs on would return a row" : null)
                    : query.Distinct || query.DistinctOn.Count > 0 ? "removes duplicates, which may be on other shards"
                    : aggregates && !groupedOnKey ? "aggregates groups that span shards"
                    : StatementExpressions(query).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().Any(w => !w.PartitionBy.Any(IsDistributionKey)) ? "has a window not partitioned by the distribution key"
                    : null;
                _scope = _root;
                if (why is not null)
                {
                    return Fail(RuleIds.UnsupportedSql, query.Span, $"Over several shards, this branch of the UNION ALL {why}: pin every branch to the same distribution key, or run each branch as its own [Query].");
                }
            }

            var sortKeys = set.OrderBy.Select(item => new SortKey(OrdinalOf(item.Expr, outputs), item.Descending, item.NullsFirst ?? item.Descending)).ToList();
            var limit = set.Limit is null ? null : LimitSql(set.Limit, set.Offset);
            var shard = new SqlBuilder(_sql, _edits).Text("(").Span(TextSpan.FromBounds(set.Span.Start, branches[branches.Count - 1].Query.Span.End));
            if (limit is not null)
            {
                if (sortKeys.Count > 0)
                {
                    shard.Text(" ORDER BY ").Text(PositionalOrder(sortKeys));
                }

                shard.Text(" LIMIT ").Text(limit);
            }

            var (parts, tables) = shard.Text(")").Build();
            var merge = new MergePlan(sortKeys.ToEquatableArray(), LimitValue(set.Limit), LimitValue(set.Offset), false, -1, EquatableArray<AggregateSpec>.Empty, null, outputs.Count);
            if (Problems.Count > 0)
            {
                return null;
            }

            var routing = distributed[0];
            if (keys is null)
            {
                Note(RuleIds.RunsOnAllShards, routing.Reference.NameSpan,
                    $"This UNION ALL has no condition on the distribution key of '{routing.Table.Table.TableName}' in every branch, so it runs on every shard (32 by default): pin every branch with '{routing.Alias}.{routing.Table.Table.Columns[routing.Table.Table.DistributionKey].ColumnName} = @...' if it is meant for one key.");
            }

            var pin = keys is null ? null : new Pin(null, keys.Distinct().ToEquatableArray(), null);
            return FanOutPlan(RoutingTableOf(routing), pin, parts, tables, "SELECT * FROM (", WorkerSuffix(sortKeys, limit), members, merge);
        }

        /// <summary>The SELECT bound in <paramref name="scope"/>: a branch's, or a subquery's inside one.</summary>
        private static SelectStatement? QueryOf(Scope scope, List<SubqueryScope> branches) =>
            branches.Concat(branches.SelectMany(AllSubqueries)).FirstOrDefault(b => b.Scope == scope)?.Query;

        private QueryPlan? PlanFanOutSelect(SelectStatement select, List<Output> outputs, List<int> members, string routing, Pin? pin)
        {
            if (select.DistinctOn.Count > 0 && !select.DistinctOn.Select(d => ResolvePosition(ResolveAlias(d, outputs), outputs)).Any(IsDistributionKey))
            {
                return Fail(RuleIds.NotCombinable, select.DistinctOnSpan!.Value, "DISTINCT ON over several shards must include the distribution key (DISTINCT ON (<table>.<key>, ...)), so that each group lies on one shard: add it, or pin the query to one key.");
            }

            var groupBy = select.GroupBy.Select(g => ResolvePosition(g, outputs)).ToList();
            var hasAggregates = outputs.Any(o => o.Expr is not null && ContainsAggregate(o.Expr))
                || (select.Having is not null && ContainsAggregate(select.Having))
                || select.OrderBy.Any(o => ContainsAggregate(o.Expr));
            var groupedOnKey = groupBy.Any(IsDistributionKey);
            if ((hasAggregates || groupBy.Count > 0) && !groupedOnKey)
            {
                return PlanMergedAggregation(select, outputs, members, routing, pin, groupBy);
            }

            // Rows are final on each shard (no aggregation, or GROUP BY the distribution key, whose
            // groups never span shards): each shard runs the query, the worker merges its shards in
            // SQL, the run time merges the workers, and LIMIT/OFFSET apply after the merge.
            var sortOrdinals = new List<SortKey>();
            var hidden = new List<SqlExpr>();
            foreach (var item in select.OrderBy)
            {
                var ordinal = OrdinalOf(item.Expr, outputs);
                if (ordinal < 0)
                {
                    if (select.Distinct)
                    {
                        return Fail(RuleIds.NotCombinable, item.Span, "With SELECT DISTINCT, ORDER BY expressions must appear in the select list.");
                    }

                    ordinal = outputs.Count + hidden.Count;
                    hidden.Add(item.Expr);
                }

                sortOrdinals.Add(new SortKey(ordinal, item.Descending, item.NullsFirst ?? item.Descending));
            }

            var limit = LimitText(select);
            var shard = ShardSelect(select);
            if (select.Distinct)
            {
                shard.Text("DISTINCT ");
            }
            else if (select.DistinctOnSpan is { } distinctOn)
            {
                // Each group lies on one shard (it holds a key), so the shard keeps the right row of it: its ORDER BY decides which.
                shard.Span(distinctOn).Text(" ");
            }

            shard.Span(select.SelectListSpan);
            for (var i = 0; i < hidden.Count; i++)
            {
                shard.Text(", ").Span(hidden[i].Span).Text(" AS \"sg_sort" + i.ToString(CultureInfo.InvariantCulture) + "\"");
            }

            shard.Text(" ").Span(select.FromSpan!.Value);
            AppendClause(shard, select.WhereSpan);
            AppendClause(shard, select.GroupBySpan);
            AppendClause(shard, select.HavingSpan);
            if ((limit is not null || select.DistinctOn.Count > 0) && select.OrderBy.Count > 0)
            {
                shard.Text(" ORDER BY ").Text(PositionalOrder(sortOrdinals));
            }

            if (limit is not null)
            {
                shard.Text(" LIMIT ");
                AppendLimit(shard, select);
            }

            shard.Text(")");
            var (parts, tables) = shard.Build();

            var merge = new MergePlan(
                sortOrdinals.ToEquatableArray(), LimitValue(select.Limit), LimitValue(select.Offset), select.Distinct,
                -1, EquatableArray<AggregateSpec>.Empty, null, outputs.Count + hidden.Count);
            return FanOutPlan(routing, pin, parts, tables, select.Distinct ? "SELECT DISTINCT * FROM (" : "SELECT * FROM (", WorkerSuffix(sortOrdinals, limit), members, merge);
        }

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

        private QueryPlan FanOutPlan(string routing, Pin? pin, List<string> parts, List<string> tables, string prefix, string suffix, List<int> members, MergePlan merge) =>
            new(QueryTarget.FanOut, false, routing, null,
                pin?.Multiple ?? EquatableArray<RouteKey>.Empty, pin?.List,
                parts.ToEquatableArray(), tables.ToEquatableArray(), prefix, suffix,
                _parameters.ToEquatableArray(),
                members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray(),
                merge, Preview(parts, tables));

        private void AppendClause(SqlBuilder builder, TextSpan? span)
        {
            if (span is { } s)
            {
                builder.Text(" ").Span(s);
            }
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

        // ---------------------------------------------------------------- writes

        private QueryPlan? PlanInsert(InsertStatement insert)
        {
            Bind(insert.Table, JoinKind.Inner);
            if (Problems.Count > 0)
            {
                return null;
            }

            var binding = _bindings[0];
            var table = binding.Table.Table;
            var columns = insert.Columns.Count > 0 ? insert.Columns.ToList() : table.Columns.Select(c => c.ColumnName).ToList();
            for (var i = 0; i < insert.Columns.Count; i++)
            {
                if (!table.Columns.Any(c => c.ColumnName == insert.Columns[i]))
                {
                    Fail(RuleIds.UnknownColumn, insert.ColumnSpans[i], $"Table '{table.TableName}' has no column '{insert.Columns[i]}'.");
                }
            }

            SubqueryScope? source = null;
            if (insert.Query is { } query)
            {
                _allowSubqueries = true;
                source = PlanSubquery(query, null, null, isolated: true);
                _allowSubqueries = false;
                if (Problems.Count == 0 && source.Outputs.Count != columns.Count)
                {
                    Fail(RuleIds.SyntaxError, query.SelectListSpan, $"The SELECT gives {source.Outputs.Count} columns for {columns.Count} columns of '{table.TableName}'.");
                }

                if (Problems.Count == 0 && source.Scope.Children.Count > 0)
                {
                    Fail(RuleIds.UnsupportedSql, source.Scope.Children[0].IsTable ? source.Scope.Children[0].Span : SubquerySpan(source.Scope.Children[0].Node!),
                        "Subqueries and CTEs inside INSERT ... SELECT are not supported: join the tables in the SELECT, or read the rows with a [Query] first.");
                }
            }

            foreach (var row in insert.Rows)
            {
                if (row.Count != columns.Count)
                {
                    Fail(RuleIds.SyntaxError, row.Count > 0 ? Cover(row[0].Span, row[row.Count - 1].Span) : insert.Span, $"This row has {row.Count} values for {columns.Count} columns.");
                    continue;
                }

                for (var i = 0; i < row.Count; i++)
                {
                    BindExpression(row[i], null);
                    CheckValue(row[i], table.Columns.FirstOrDefault(c => c.ColumnName == columns[i]));
                }
            }

            if (insert.OnConflict is { } conflict)
            {
                _inConflict = true;
                foreach (var set in conflict.Updates)
                {
                    BindSet(set, table);

                    // As in Citus: the key may only be set to itself (key or EXCLUDED.key, equal on a conflict).
                    if (table.Kind == TableKind.Distributed && set.Column == table.Columns[table.DistributionKey].ColumnName
                        && !(set.Value is ColumnRef same && same.Name == set.Column))
                    {
                        Fail(RuleIds.UpdatesDistributionKey, set.ColumnSpan, $"Modifying the distribution key '{set.Column}' of distributed table '{table.TableName}' is not allowed: ON CONFLICT ... DO UPDATE cannot move a row to another shard. Leave the key out of the SET list.");
                    }
                }

                foreach (var expr in conflict.Expressions.Concat(conflict.TargetWhere is null ? Enumerable.Empty<SqlExpr>() : new[] { conflict.TargetWhere }))
                {
                    BindExpression(expr, null);
                }

                if (conflict.Where is not null)
                {
                    BindExpression(conflict.Where, null);
                }

                _inConflict = false;
            }

            // Each copy of a reference table is written in its own transaction: a value computed by the
            // server (now(), random(), gen_random_uuid(), nextval()) would differ between copies.
            if (table.Kind == TableKind.Reference)
            {
                RefuseValuesPerCopy(table, insert.Rows.SelectMany(r => r).Concat(insert.OnConflict?.Updates.Select(u => u.Value) ?? Enumerable.Empty<SqlExpr>()));
            }

            foreach (var item in insert.Returning)
            {
                BindExpression(item.Expr, null);
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            var keyColumn = table.Kind == TableKind.Distributed ? table.Columns[table.DistributionKey].ColumnName : null;
            var index = keyColumn is null ? -1 : columns.IndexOf(keyColumn);
            if (keyColumn is not null && insert.DefaultValues)
            {
                return Fail(RuleIds.WriteNotRoutable, insert.Span, $"INSERT ... DEFAULT VALUES gives distributed table '{table.TableName}' no value for its distribution key '{keyColumn}': list the columns and their values.");
            }

            if (keyColumn is not null && index < 0)
            {
                return Fail(RuleIds.WriteNotRoutable, insert.Table.Span, $"An INSERT into distributed table '{table.TableName}' must give its distribution key '{keyColumn}'.");
            }

            if (source is not null)
            {
                return PlanInsertSelect(insert, source, binding, index);
            }

            RouteKey? key = null;
            if (keyColumn is not null)
            {
                var keys = new List<RouteKey>();
                foreach (var row in insert.Rows)
                {
                    var routeKey = KeyValue(row[index], table);
                    if (routeKey is null)
                    {
                        return Problems.Count > 0 ? null : Fail(RuleIds.WriteNotRoutable, row[index].Span, $"The distribution key '{keyColumn}' must be a parameter, a literal, or integer arithmetic and casts of them, so that the row can be routed.");
                    }

                    keys.Add(routeKey);
                }

                key = keys[0];
                if (keys.Distinct().Skip(1).Any())
                {
                    return PerKeyInsertPlan(insert, keys);
                }
            }

            return WritePlan(insert, key, null, insert.Returning);
        }

        /// <summary>
        /// Each copy of a reference table is written in its own transaction: a value the server computes (now(), random(),
        /// gen_random_uuid(), nextval()) in <paramref name="values"/> would differ between copies.
        /// </summary>
        private void RefuseValuesPerCopy(TableSpec table, IEnumerable<SqlExpr> values)
        {
            foreach (var call in values.SelectMany(SqlWalker.Descendants).OfType<FunctionCall>())
            {
                var name = call.Name.Substring(call.Name.LastIndexOf('.') + 1);
                if (VolatileFunctions.Contains(name) || PerTransactionFunctions.Contains(name))
                {
                    Fail(RuleIds.UnsupportedSql, call.Span, $"{name}() in a write to reference table '{table.TableName}' would give each copy its own value: compute it in C# and pass it as a parameter.");
                }
            }
        }

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

        /// <summary>
        /// A multi-row INSERT whose rows have different keys, split as Citus splits it: the rows of each key value become
        /// one INSERT (with the statement's ON CONFLICT and RETURNING) routed to that key's shard, in the order the keys
        /// first appear; the generated method writes them in one transaction (two-phase commit when they span workers).
        /// </summary>
        private QueryPlan? PerKeyInsertPlan(InsertStatement insert, List<RouteKey> keys)
        {
            var plan = WritePlan(insert, keys[0], null, insert.Returning);
            if (plan is null)
            {
                return null;
            }

            var firstValue = insert.Rows[0][0].Span.Start;
            var valuesEnd = _sql.IndexOf(')', insert.Rows[insert.Rows.Count - 1][insert.Rows[insert.Rows.Count - 1].Count - 1].Span.End) + 1;
            var prefix = TextSpan.FromBounds(insert.Span.Start, _sql.LastIndexOf('(', firstValue - 1));
            var suffix = TextSpan.FromBounds(valuesEnd, insert.Span.End);
            var statements = new List<RowStatement>();
            foreach (var group in keys.Select((key, row) => (Key: key, Row: insert.Rows[row])).GroupBy(r => r.Key))
            {
                var builder = new SqlBuilder(_sql, _edits).Span(prefix);
                var first = true;
                foreach (var (_, row) in group)
                {
                    builder.Text(first ? "(" : ", (").Span(Cover(row[0].Span, row[row.Count - 1].Span)).Text(")");
                    first = false;
                }

                var (parts, tables) = builder.Span(suffix).Build();
                statements.Add(new RowStatement(group.Key, parts.ToEquatableArray(), tables.ToEquatableArray(), Preview(parts, tables)));
            }

            return plan with
            {
                Parts = statements[0].Parts,
                Tables = statements[0].Tables,
                Sql = string.Join("\n", statements.Select(r => r.Sql)),
                Rows = statements.ToEquatableArray(),
            };
        }

        private QueryPlan? PlanUpdateOrDelete(SqlStatement statement, TableRef tableRef, SqlExpr? where, EquatableArray<SelectItem> returning, EquatableArray<SetClause> sets)
        {
            Bind(tableRef, JoinKind.Inner);
            if (Problems.Count > 0)
            {
                return null;
            }

            // Subqueries in SET and WHERE (not in RETURNING) are checked as in a SELECT: pinned to the write's key, or joined to it on the key.
            _allowSubqueries = true;

            var table = _bindings[0].Table.Table;

            // UPDATE ... FROM and DELETE ... USING read other tables: their distributed tables must be colocated with the target
            // and joined to it on the key. The whole statement then runs on the target's shard, or, over several shards, on each
            // shard with its own tables when the list holds tables joined by inner joins only (see FromRunsPerShard).
            var from = statement switch
            {
                UpdateStatement update => update.From,
                DeleteStatement delete => delete.Using,
                _ => null,
            };
            if (from is not null)
            {
                BindFromList(from.First, from.Joins, JoinKind.Inner);
                foreach (var expr in SqlWalker.FromExpressions(from.First, from.Joins))
                {
                    BindExpression(expr, null);
                }

                if (Problems.Count > 0)
                {
                    return null;
                }

                var distributed = _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
                if (distributed.Count > 0 && table.Kind != TableKind.Distributed)
                {
                    return Fail(RuleIds.UnsupportedSql, from.Span, $"A write to {table.Kind.ToString().ToLowerInvariant()} table '{table.TableName}' cannot read distributed table '{distributed[0].Table.Table.TableName}' in {(statement is UpdateStatement ? "FROM" : "USING")}: read those rows with their own [Query] and write by key.");
                }

                if (_bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local) is { } local && table.Kind != TableKind.Local)
                {
                    return Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"Local table '{local.Table.Table.TableName}' lives only on the coordinator: a write to '{table.TableName}' cannot read it.");
                }

                if (distributed.Count > 1)
                {
                    CheckColocated(distributed, "the write would need rows from other shards");
                    CheckJoins(where, from.Joins);
                }

                if (Problems.Count > 0)
                {
                    return null;
                }

                _fromRunsPerShard = table.Kind == TableKind.Distributed && FromRunsPerShard(from) ? (statement as UpdateStatement)?.FromSpan ?? (statement as DeleteStatement)?.UsingSpan : null;
            }
            foreach (var set in sets)
            {
                BindSet(set, table);
            }

            if (where is not null)
            {
                BindExpression(where, null);
            }

            _allowSubqueries = false;

            // As in Citus ("functions used in UPDATE queries on distributed tables must not be VOLATILE", and in the WHERE
            // clause of modification queries): each shard, and each copy of a reference table, would draw its own value.
            if (table.Kind != TableKind.Local)
            {
                foreach (var root in sets.Select(s => s.Value).Concat(where is null ? Enumerable.Empty<SqlExpr>() : new[] { where }))
                {
                    foreach (var call in SqlWalker.Descendants(root).OfType<FunctionCall>())
                    {
                        var name = call.Name.Substring(call.Name.LastIndexOf('.') + 1);
                        if (VolatileFunctions.Contains(name) || (table.Kind == TableKind.Reference && PerTransactionFunctions.Contains(name)))
                        {
                            Fail(RuleIds.UnsupportedSql, call.Span, $"The volatile function {name}() is not supported in the SET or WHERE of a write to {(table.Kind == TableKind.Reference ? "reference" : "distributed")} table '{table.TableName}' (Citus refuses it too): each shard or copy would compute its own value. Compute it in C# and pass it as a parameter.");
                        }
                    }
                }
            }

            foreach (var item in returning)
            {
                BindExpression(item.Expr, null);
            }

            if (Problems.Count > 0)
            {
                return null;
            }

            var pin = table.Kind == TableKind.Distributed ? FindPin(Conjuncts(where)) : null;
            if (table.Kind == TableKind.Distributed)
            {
                RefuseKeyChanges(sets, table, pin);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            if (_root.Children.Count > 0)
            {
                CheckSubqueries(Conjuncts(where).ToList(), null, table.Kind == TableKind.Distributed ? QueryTarget.FanOut : QueryTarget.Reference, null, pin);
                if (Problems.Count > 0)
                {
                    return null;
                }
            }

            if (table.Kind != TableKind.Distributed)
            {
                return WritePlan(statement, null, null, returning);
            }

            if (pin is null)
            {
                NoteAllShards(null, write: true, Conjuncts(where));
            }

            return Problems.Count > 0 ? null : WritePlan(statement, pin?.Single, pin, returning);
        }

        private QueryPlan? WritePlan(SqlStatement statement, RouteKey? key, Pin? pin, EquatableArray<SelectItem> returning)
        {
            var table = _bindings[0].Table;
            var kind = table.Table.Kind;
            var target = kind switch
            {
                TableKind.Reference => QueryTarget.Reference,
                TableKind.Local => QueryTarget.Local,
                _ => key is not null ? QueryTarget.Router : QueryTarget.FanOut,
            };

            var members = new List<int>();
            if (returning.Count > 0)
            {
                if (target is QueryTarget.FanOut or QueryTarget.Reference)
                {
                    return Fail(RuleIds.WriteNotRoutable, returning[0].Span.Start > 0 ? Cover(returning[0].Span, returning[returning.Count - 1].Span) : statement.Span,
                        target == QueryTarget.Reference
                            ? "RETURNING on a reference table is not supported: the write goes to every copy."
                            : "RETURNING on a write that spans shards is not supported: pin the write to one distribution key.");
                }

                if (_method.Shape is ResultShape.None || (_method.Shape == ResultShape.Scalar && _method.Row is null))
                {
                    return Fail(RuleIds.MethodNotGenerated, statement.Span, "A write with RETURNING returns rows: return Task<List<T>>, Task<T?>, a scalar Task<T> or IAsyncEnumerable<T>.");
                }

                var outputs = returning.SelectMany(item => item.Expr is StarExpr
                        ? _bindings[0].Table.Table.Columns.Select(c => new Output(new ColumnRef(item.Span, _bindings[0].Alias, c.ColumnName), null, c.ColumnName, IsStar: true))
                        : new[] { new Output(item.Expr, item.Alias, OutputName(item), ItemSpan: item.Span) })
                    .ToList();
                var mapped = MapOutputs(outputs, Cover(returning[0].Span, returning[returning.Count - 1].Span));
                if (mapped is null)
                {
                    return null;
                }

                members = mapped;
            }
            else if (_method.Shape is not (ResultShape.None or ResultShape.AffectedRows)
                     && !(_method.Shape == ResultShape.Scalar && _method.RowIsScalar && _method.Row!.Columns[0].Type == ColumnType.Int32 && !_method.Row.Columns[0].IsNullable))
            {
                return Fail(RuleIds.MethodNotGenerated, statement.Span, $"A write without RETURNING gives the number of rows it affected: '{_method.MethodName}' should return Task<int> or Task.");
            }

            var (parts, tables) = new SqlBuilder(_sql, _edits).Span(statement.Span).Build();
            return new QueryPlan(
                target, true, kind == TableKind.Distributed ? table.Table.TableName : null, key,
                target == QueryTarget.FanOut ? pin?.Multiple ?? EquatableArray<RouteKey>.Empty : EquatableArray<RouteKey>.Empty,
                target == QueryTarget.FanOut ? pin?.List : null,
                parts.ToEquatableArray(), tables.ToEquatableArray(), null, null, _parameters.ToEquatableArray(),
                members.Select((member, ordinal) => new OutputColumn(ordinal, member)).ToEquatableArray(), null,
                Preview(parts, tables));
        }

        private void BindSet(SetClause set, TableSpec table)
        {
            var column = table.Columns.FirstOrDefault(c => c.ColumnName == set.Column);
            if (column is null)
            {
                Fail(RuleIds.UnknownColumn, set.ColumnSpan, $"Table '{table.TableName}' has no column '{set.Column}'.");
                return;
            }

            // A multi-column assignment's source is bound once, with its first column; each column checks its own value.
            if (set.Position <= 0)
            {
                BindExpression(set.Value, null);
            }

            CheckValue(set.Value is RowExpr row && set.Position >= 0 && set.Position < row.Items.Count ? row.Items[set.Position] : set.Value, column);
        }

        // ---------------------------------------------------------------- subqueries and common table expressions

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
            try
            {
                var outputs = BindSelect(query);
                if (outputs is null)
                {
                    return planned;
                }

                planned.Outputs = outputs;
                if (Problems.Count > 0 || query.From is null)
                {
                    return planned;
                }

                if ((node is SubqueryExpr or InSubqueryExpr) && outputs.Count != 1)
                {
                    Fail(RuleIds.SyntaxError, query.SelectListSpan, $"This subquery returns {outputs.Count} columns: a subquery used as a value or with IN must return one.");
                    return planned;
                }

                if (planned.IsTable && outputs.Select(o => o.Name).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
                {
                    Fail(RuleIds.UnknownColumn, query.SelectListSpan, $"{planned.Describe()} has two columns named '{duplicate.Key}': alias one of them.");
                    return planned;
                }

                Classify();
                if (Problems.Count == 0)
                {
                    CheckJoins(query.Where, query.Joins);
                }
            }
            finally
            {
                _scope = enclosing;
            }

            if (cte is not null)
            {
                _ctes[cte.Name] = planned;
            }

            return planned;
        }

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
            var windows = new HashSet<string>(select.Windows.Select(w => w.Name), StringComparer.Ordinal);
            foreach (var (span, name) in StatementExpressions(select).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().Where(w => w.Name is not null).Select(w => (w.Span, w.Name!))
                .Concat(select.Windows.Where(w => w.BaseName is not null).Select(w => (w.Span, w.BaseName!))))
            {
                if (!windows.Contains(name))
                {
                    Fail(RuleIds.UnknownColumn, span, $"No window of this query is named '{name}': define it in a WINDOW clause, WINDOW {name} AS (...).");
                }
            }

            var aliases = new HashSet<string>(outputs.Where(o => o.Alias is not null).Select(o => o.Alias!), StringComparer.Ordinal);
            var aliased = new HashSet<SqlExpr>(select.GroupBy.Concat(select.OrderBy.Select(o => o.Expr)).Concat(select.DistinctOn));
            foreach (var expr in StatementExpressions(select))
            {
                BindExpression(expr, aliased.Contains(expr) ? aliases : null);
            }

            return outputs;
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

            var saved = _scope;
            _scope = derived.Scope;
            var columns = derived.Query.Values.Count > 0
                ? Enumerable.Range(1, derived.Query.Values[0].Count).Select(i => UntypedColumn("column" + i.ToString(CultureInfo.InvariantCulture))).ToList()
                : derived.Outputs.Select(o => o.Expr is ColumnRef column && Resolve(column) is { } resolved
                    ? resolved.Column with { ColumnName = o.Name }
                    : UntypedColumn(o.Name)).ToList();
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
        private (int Output, Binding Source)? PartitionKey(SubqueryScope derived)
        {
            var query = derived.Query;
            var saved = _scope;
            _scope = derived.Scope;
            try
            {
                // A body pinned to one key is planned like any pinned subquery: the statement then routes to that key.
                if (!derived.Scope.Bindings.Any(b => b.Table.Table.Kind == TableKind.Distributed) || query.Limit is not null || query.Offset is not null
                    || KeyPins(TopLevelConditions(query)).Any(p => derived.Scope.Bindings.Contains(p.Binding)))
                {
                    return null;
                }

                var aggregates = StatementExpressions(query).Any(ContainsAggregate);
                if ((query.GroupBy.Count > 0 || aggregates) && !query.GroupBy.Select(g => ResolvePosition(g, derived.Outputs)).Any(IsDistributionKey))
                {
                    return null;
                }

                if (StatementExpressions(query).SelectMany(SqlWalker.Descendants).OfType<WindowCall>().Any(w => !w.PartitionBy.Any(IsDistributionKey)))
                {
                    return null;
                }

                for (var i = 0; i < derived.Outputs.Count; i++)
                {
                    if (derived.Outputs[i].Expr is ColumnRef column && Resolve(column) is { } resolved
                        && derived.Scope.Bindings.Contains(resolved.Binding) && IsKeyColumn(resolved.Binding, resolved.Column))
                    {
                        return (i, resolved.Binding);
                    }
                }

                return null;
            }
            finally
            {
                _scope = saved;
            }
        }

        /// <summary>The table a distributed binding routes by: its own, or, for a CTE or subquery in FROM, the table its key comes from.</summary>
        private static string RoutingTableOf(Binding binding) => SourceOf(binding).Table.Table.TableName;

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

            var routedBy = outerDistributed && pin?.Single is not null ? KeyPins(conditions).Select(p => p.Value).FirstOrDefault() : null;
            var routedScope = (SubqueryScope?)null;
            foreach (var (sub, scope) in scopes)
            {
                var inner = scope.Bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
                if (inner.Count == 0 || sub.KeySource is not null)
                {
                    // A CTE or subquery in FROM partitioned by a key is a distributed table of the query: the query's join
                    // rules (on the key) hold for it, as for any table.
                    continue;
                }

                _scope = scope;
                try
                {
                    var inside = TopLevelConditions(sub.Query).ToList();
                    var pinnedTo = KeyPins(inside).Where(p => inner.Contains(p.Binding)).Select(p => p.Value).FirstOrDefault();
                    var joined = KeyEqualities(inside).Any(e => inner.Contains(e.Left) != inner.Contains(e.Right) && e.Left.Table.Table.Kind == TableKind.Distributed && e.Right.Table.Table.Kind == TableKind.Distributed)
                        || (sub.Node is InSubqueryExpr { Operand: ColumnRef operand } && OuterKey(operand, scope.Parent) && sub.Outputs.Count == 1 && sub.Outputs[0].Expr is { } output && IsDistributionKey(output));
                    var span = sub.IsTable ? sub.Span : SubquerySpan(sub.Node!);
                    var what = sub.IsTable ? sub.Describe() : "This subquery";
                    var table = inner[0].Table.Table;
                    var key = $"{SqlText.Name(inner[0].Alias)}.{SqlText.Name(table.Columns[table.DistributionKey].ColumnName)}";
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

                    if (sub.IsTable && !(joined && routedBy is not null))
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

        /// <summary>The local table among <paramref name="bindings"/>, if any; SG0109 when <paramref name="distributed"/> tables are read in the same statement.</summary>
        private Binding? LocalReadWithDistributed(List<Binding> bindings, List<Binding> distributed)
        {
            var local = bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local && b.Derived is null);
            if (local is not null && distributed.Count > 0)
            {
                Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"Local table '{local.Table.Table.TableName}' cannot be read in a statement with distributed table '{distributed[0].Table.Table.TableName}': local tables live only on the coordinator. Make it a [Reference] table.");
            }

            return local;
        }

        /// <summary>Where a subquery is underlined: <c>x IN (SELECT ...)</c> from its opening parenthesis, others whole.</summary>
        private TextSpan SubquerySpan(SqlExpr node) =>
            node is InSubqueryExpr @in && _sql.LastIndexOf('(', @in.Query.Span.Start - 1) is var open && open >= @in.Operand.Span.End
                ? TextSpan.FromBounds(open, @in.Span.End)
                : node.Span;

        /// <summary>The subqueries planned inside <paramref name="sub"/>, at any depth.</summary>
        private static IEnumerable<SubqueryScope> AllSubqueries(SubqueryScope sub) =>
            sub.Scope.Children.Concat(sub.Scope.Children.SelectMany(AllSubqueries));

        /// <summary>
        /// Over several shards a window function is exact only when every partition lives on one shard: PARTITION BY
        /// must name a distribution key (Citus pushes down exactly those).
        /// </summary>
        private void CheckWindows(SelectStatement select)
        {
            foreach (var window in StatementExpressions(select).SelectMany(SqlWalker.Descendants).OfType<WindowCall>())
            {
                if (!window.PartitionBy.Any(IsDistributionKey))
                {
                    Fail(RuleIds.NotCombinable, window.Span, "ShardGen runs a window function over several shards on the shards when it is partitioned by the distribution key (PARTITION BY <table>.<key>, ...), so that each partition lies on one shard; it brings the rows to the coordinator to compute any other window (as Citus does) only in a SELECT without subqueries, common table expressions or named windows. Pin the query to one key, add the key to PARTITION BY, or move the subquery into a [Query] of its own.");
                }
            }
        }

        /// <summary>The start of one shard's statement: <c>(</c>, the statement's WITH clause if it has one, <c>SELECT </c>.</summary>
        private SqlBuilder ShardSelect(SelectStatement select)
        {
            var builder = new SqlBuilder(_sql, _edits).Text("(");
            if (select.With.Count > 0)
            {
                builder.Span(TextSpan.FromBounds(select.Span.Start, select.With[select.With.Count - 1].Span.End)).Text(" ");
            }

            return builder.Text("SELECT ");
        }

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

        /// <summary>The conditions every row of a query meets: the top-level conjuncts of WHERE and of inner joins' ON.</summary>
        private static IEnumerable<SqlExpr> TopLevelConditions(SelectStatement select) =>
            Conjuncts(select.Where).Concat(select.Joins.Where(j => j.Kind is JoinKind.Inner or JoinKind.Cross && j.On is not null).SelectMany(j => Conjuncts(j.On)));

        // ---------------------------------------------------------------- rows brought to the coordinator

        /// <summary>
        /// A SELECT that joins distributed tables with a local table, or keeps the rows of a reference table that match
        /// nothing in a distributed one (the reference table on the preserved side of an outer join): as Citus plans it
        /// recursively, each distributed table's rows — only the columns the statement reads, filtered by the conditions
        /// on that table alone, from the shards of a pinned key or from every shard — are read first, and the statement
        /// runs on the coordinator with the table replaced by those rows (sent as text arrays and cast back to the
        /// columns' types). The coordinator holds the local tables and a copy of every reference table.
        /// </summary>
        private QueryPlan? PlanPulled(SelectStatement select, List<Output> outputs, List<int> members)
        {
            var nullable = NullableSide(select);
            var pulls = new List<PullStatement>();
            var arrays = _parameters.Count;

            // The statement on the coordinator has the pulled tables replaced by their rows; the statement as written
            // (see WithStatementAsWritten) keeps them, so the replacement goes to a copy of the edits.
            var edits = new List<SqlBuilder.Edit>(_edits);
            foreach (var binding in _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList())
            {
                var table = binding.Table.Table;
                var used = UsedColumns(select, binding, outputs);
                var join = select.Joins.FirstOrDefault(j => j.Table == binding.Reference);
                var pushed = new List<SqlExpr>();
                if (!nullable.Contains(binding))
                {
                    pushed.AddRange(Conjuncts(select.Where).Where(c => OnlyOn(c, binding)));
                }

                if (join is { Kind: JoinKind.Inner or JoinKind.Left, On: { } on })
                {
                    pushed.AddRange(Conjuncts(on).Where(c => OnlyOn(c, binding)));
                }

                // FROM t RIGHT JOIN ...: t's rows that fail the join's conditions on t alone match nothing, so they need not come.
                if (binding == _bindings[0] && select.Joins.Count > 0 && select.Joins[0] is { Kind: JoinKind.Right, On: { } right })
                {
                    pushed.AddRange(Conjuncts(right).Where(c => OnlyOn(c, binding)));
                }

                var pin = FindPin(pushed);
                if (pin is null)
                {
                    Note(RuleIds.RunsOnAllShards, binding.Reference.NameSpan,
                        $"This query reads every shard of '{table.TableName}' (32 by default) and {(_pullForWindows ? "computes its window functions" : "joins the rows")} on the coordinator: pin it with '{binding.Alias}.{table.Columns[table.DistributionKey].ColumnName} = @...' if it is meant for one key.");
                }

                Note(RuleIds.RowsBroughtToCoordinator, binding.Reference.NameSpan, _pullForWindows
                    ? $"The rows of '{table.TableName}' that this query reads ({string.Join(", ", used.Select(c => c.ColumnName))}) are brought to the coordinator, where its window functions not partitioned by the distribution key are computed over all of them (as Citus computes them on its coordinator). Partition the windows by the key to compute them on the shards, or filter '{table.TableName}' by its own columns (or pin its key) to bring fewer rows."
                    : $"The rows of '{table.TableName}' that this query reads ({string.Join(", ", used.Select(c => c.ColumnName))}) are brought to the coordinator and joined there: it holds the local and reference tables, the workers the shards. Filter '{table.TableName}' by its own columns (or pin its key) to bring fewer rows.");
                var builder = new SqlBuilder(_sql, _edits).Text("SELECT ");
                builder.Text(string.Join(", ", used.Select(c => $"{SqlText.Identifier(binding.Alias)}.{SqlText.Identifier(c.ColumnName)}::text")));
                builder.Text(" FROM ").Slot(table.TableName).Text(" AS " + SqlText.Identifier(binding.Alias));
                for (var i = 0; i < pushed.Count; i++)
                {
                    builder.Text(i == 0 ? " WHERE (" : " AND (").Span(pushed[i].Span).Text(")");
                }

                var (parts, tables) = builder.Build();
                pulls.Add(new PullStatement(
                    table.TableName, pin?.Single, pin?.Multiple ?? EquatableArray<RouteKey>.Empty, pin?.List, parts.ToEquatableArray(), tables.ToEquatableArray(),
                    used.Count, Preview(parts, tables)));

                // In the statement, the table becomes its rows: unnest($k::text[], ...) cast back to the columns' types.
                var columns = string.Join(", ", used.Select((c, i) => $"\"sg_pull\".c{i.ToString(CultureInfo.InvariantCulture)}::{SqlTypes.SqlType(c.Type)} AS {SqlText.Identifier(c.ColumnName)}"));
                var sources = string.Join(", ", used.Select((_, i) => "$" + (arrays + i + 1).ToString(CultureInfo.InvariantCulture) + "::text[]"));
                var names = string.Join(", ", used.Select((_, i) => "c" + i.ToString(CultureInfo.InvariantCulture)));
                arrays += used.Count;
                edits.RemoveAll(e => e.Span == binding.Reference.NameSpan);
                edits.Add(new SqlBuilder.Edit(binding.Reference.Span, null, $"(SELECT {columns} FROM unnest({sources}) AS \"sg_pull\"({names})) AS {SqlText.Identifier(binding.Alias)}"));
            }

            var (finalParts, finalTables) = new SqlBuilder(_sql, edits).Span(select.Span).Build();
            var outputColumns = members.Select((member, ordinal) => new OutputColumn(ordinal, member, IsTypedRead(outputs[ordinal].Expr, member))).ToEquatableArray();
            var preview = string.Join("\n", pulls.Select(p => p.Sql).Concat(new[] { Preview(finalParts, finalTables) }));
            return new QueryPlan(
                QueryTarget.Local, false, null, null, EquatableArray<RouteKey>.Empty, null, finalParts.ToEquatableArray(), finalTables.ToEquatableArray(),
                null, null, _parameters.ToEquatableArray(), outputColumns, null, preview, Pulls: pulls.ToEquatableArray());
        }

        /// <summary>The tables whose rows an outer join may replace by NULLs: a LEFT join's table, everything before a RIGHT join, both sides of a FULL one.</summary>
        private HashSet<Binding> NullableSide(SelectStatement select)
        {
            var nullable = new HashSet<Binding>();
            var seen = new List<Binding> { _bindings[0] };
            foreach (var join in select.Joins)
            {
                var binding = _bindings.First(b => b.Reference == join.Table);
                if (join.Kind is JoinKind.Left or JoinKind.Full)
                {
                    nullable.Add(binding);
                }

                if (join.Kind is JoinKind.Right or JoinKind.Full)
                {
                    nullable.UnionWith(seen);
                }

                seen.Add(binding);
            }

            return nullable;
        }

        /// <summary>Whether a condition reads only <paramref name="binding"/>'s columns (and values), so that it can filter that table's rows on its shards.</summary>
        private bool OnlyOn(SqlExpr condition, Binding binding)
        {
            var columns = 0;
            foreach (var expr in SqlWalker.Descendants(condition))
            {
                switch (expr)
                {
                    case ColumnRef column when Resolve(column) is { } resolved && resolved.Binding == binding:
                        columns++;
                        break;
                    case ColumnRef or StarExpr or SubqueryExpr or ExistsExpr or InSubqueryExpr:
                        return false;
                    case FunctionCall call when IsAggregate(call) || VolatileFunctions.Contains(call.Name.Substring(call.Name.LastIndexOf('.') + 1)):
                        return false;
                }
            }

            return columns > 0;
        }

        /// <summary>The columns of <paramref name="binding"/> the statement reads, in table order; the key alone when it reads none (the rows still count).</summary>
        private List<ColumnSpec> UsedColumns(SelectStatement select, Binding binding, List<Output> outputs)
        {
            var table = binding.Table.Table;
            var used = new HashSet<ColumnSpec>();
            foreach (var expr in StatementExpressions(select).SelectMany(SqlWalker.Descendants))
            {
                if (expr is ColumnRef column && Resolve(column) is { } resolved && resolved.Binding == binding)
                {
                    used.Add(resolved.Column);
                }
                else if (expr is StarExpr star && (star.Qualifier is null || star.Qualifier == binding.Alias))
                {
                    used.UnionWith(table.Columns);
                }
            }

            if (used.Count == 0)
            {
                used.Add(table.Columns[table.DistributionKey]);
            }

            return table.Columns.Where(used.Contains).ToList();
        }

        // ---------------------------------------------------------------- binding

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

        // ---------------------------------------------------------------- classification

        private (QueryTarget Target, string? RoutingTable) Classify()
        {
            var distributed = _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            var local = _bindings.FirstOrDefault(b => b.Table.Table.Kind == TableKind.Local);
            if (local is not null && distributed.Count > 0 && CanPull(local))
            {
                // The distributed tables' rows are brought to the coordinator, where the local table is.
                _pull = true;
                local = null;
            }

            if (local is not null && distributed.Count > 0)
            {
                Fail(RuleIds.LocalJoinedWithDistributed, local.Reference.Span, $"Local table '{local.Table.Table.TableName}' cannot be joined with distributed table '{distributed[0].Table.Table.TableName}' in a statement with subqueries or common table expressions: local tables live only on the coordinator, where ShardGen brings distributed rows only for plain joins. Make it a [Reference] table, or move the subquery into a [Query] of its own.");
                return (QueryTarget.Local, null);
            }

            if (local is not null)
            {
                return (QueryTarget.Local, null);
            }

            if (distributed.Count == 0)
            {
                return (QueryTarget.Reference, null);
            }

            CheckColocated(distributed, "the join requires repartitioning, which ShardGen does not do");
            return (_pull ? QueryTarget.Local : QueryTarget.FanOut, RoutingTableOf(distributed.FirstOrDefault(b => b.Derived is null) ?? distributed[0]));
        }

        /// <summary>SG0106 on every distributed table outside the first one's colocation group.</summary>
        private void CheckColocated(List<Binding> distributed, string why)
        {
            var first = distributed[0];
            foreach (var other in distributed.Skip(1).Where(b => b.Table.ColocationGroup != first.Table.ColocationGroup))
            {
                // Only tables whose keys have one type can share shards: ColocateWith is advice (and a code fix) for those alone;
                // the types travel either way, for the fix that makes one a reference table.
                var sameKeyType = other.Table.Table.KeyType == first.Table.Table.KeyType;
                var advice = sameKeyType
                    ? "Colocate them (ColocateWith = typeof(...)) or make one a [Reference] table."
                    : "Their distribution keys have different types, so no ColocateWith can put them in one group: make one a [Reference] table, or distribute one of them by a column of the other's key type.";
                Problems.Add(new QueryProblem(
                    RuleIds.NotColocated,
                    $"Tables '{first.Table.Table.TableName}' (colocation group {first.Table.ColocationGroup}) and '{other.Table.Table.TableName}' (colocation group {other.Table.ColocationGroup}) are not colocated: {why}. {advice}",
                    other.Reference.Span.Start, other.Reference.Span.Length,
                    FixType: other.Table.Table.FullTypeName,
                    FixOtherType: first.Table.Table.FullTypeName));
            }
        }

        /// <summary>
        /// Whether the statement can run on the coordinator with the distributed tables' rows brought there: a SELECT
        /// with no subquery, whose local table is not a common table expression.
        /// </summary>
        private bool CanPull(Binding recurring) =>
            _allowSubqueries && _scope == _root && _root.Children.Count == 0 && recurring.Derived is null;

        /// <summary>
        /// Distributed tables must be joined on their distribution keys (and an outer join must say so in
        /// its own ON); a reference table cannot be the preserved side of an outer join with a distributed one.
        /// </summary>
        private void CheckJoins(SqlExpr? where, EquatableArray<JoinClause> joins)
        {
            var distributed = _bindings.Where(b => b.Table.Table.Kind == TableKind.Distributed).ToList();
            if (distributed.Count > 1)
            {
                var parent = distributed.ToDictionary(b => b, b => b);
                Binding Find(Binding b) => parent[b] == b ? b : parent[b] = Find(parent[b]);
                var conditions = JoinConditions(where, joins);
                foreach (var (left, right) in KeyEqualities(conditions).Where(e => parent.ContainsKey(e.Left) && parent.ContainsKey(e.Right)))
                {
                    parent[Find(left)] = Find(right);
                }

                // Keys pinned to one same value (parameter or literal) in WHERE or an inner join's ON: every row of those
                // tables that the query keeps lives in that value's shard group, so they join there on any column (as
                // Citus' router planner finds when each colocated table has a filter on its distribution column).
                var topLevel = Conjuncts(where).Concat(joins.Where(j => j.Kind is JoinKind.Inner or JoinKind.Cross && j.On is not null).SelectMany(j => Conjuncts(j.On)));
                foreach (var group in KeyPins(topLevel).Where(p => parent.ContainsKey(p.Binding)).GroupBy(p => p.Value, StringComparer.Ordinal))
                {
                    var first = group.First().Binding;
                    foreach (var (binding, _) in group)
                    {
                        parent[Find(binding)] = Find(first);
                    }
                }

                var root = Find(distributed[0]);
                foreach (var binding in distributed.Skip(1))
                {
                    if (Find(binding) != root)
                    {
                        var span = joins.FirstOrDefault(j => j.Table == binding.Reference)?.Span ?? binding.Reference.Span;
                        var (advice, fixText, fixAt) = JoinKeyAdvice(binding, distributed[0], where, joins);
                        Problems.Add(new QueryProblem(
                            RuleIds.JoinNotOnDistributionKey,
                            $"Table '{binding.Table.Table.TableName}' is not joined with '{distributed[0].Table.Table.TableName}' on their distribution keys, so the join would need rows from other shards{advice}",
                            span.Start, span.Length, FixText: fixText, FixAt: fixAt));
                    }
                }
            }

            var seen = new List<Binding> { _bindings[0] };
            foreach (var join in joins)
            {
                var binding = _bindings.FirstOrDefault(b => b.Reference == join.Table);
                if (binding is null)
                {
                    continue;
                }

                var isDistributed = binding.Table.Table.Kind == TableKind.Distributed;
                // One problem per join: a join the key check above already reported is not reported again as an outer join.
                if (join.Kind is JoinKind.Left or JoinKind.Right or JoinKind.Full && isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed)
                    && !KeyEqualities(Conjuncts(join.On)).Any(e => e.Left == binding || e.Right == binding)
                    && !Problems.Any(p => p.Rule == RuleIds.JoinNotOnDistributionKey && p.Start == join.Span.Start && p.Length == join.Span.Length))
                {
                    var partner = seen.First(s => s.Table.Table.Kind == TableKind.Distributed);
                    Fail(RuleIds.JoinNotOnDistributionKey, join.Span, $"An outer join of distributed table '{binding.Table.Table.TableName}' must join on the distribution key in its own ON clause"
                        + (OnPurpose(binding, partner) ? "." : ": " + UnrelatedKeysAdvice(binding, partner, Conjuncts(join.On))));
                }

                var preservedReference = join.Kind switch
                {
                    // The preserved side recurs on every shard only when it holds no distributed table.
                    JoinKind.Left => isDistributed && seen.All(s => s.Table.Table.Kind == TableKind.Reference),
                    JoinKind.Right => !isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed),
                    JoinKind.Full => (isDistributed && seen.All(s => s.Table.Table.Kind == TableKind.Reference)) || (!isDistributed && seen.Any(s => s.Table.Table.Kind == TableKind.Distributed)),
                    _ => false,
                };
                if (preservedReference && (isDistributed ? seen.Where(b => b.Table.Table.Kind == TableKind.Reference) : new[] { binding }).All(CanPull))
                {
                    // The distributed side's rows are brought to the coordinator, which holds a copy of the reference tables.
                    _pull = true;
                }
                else if (preservedReference)
                {
                    var references = string.Join(", ", (isDistributed ? seen.Where(b => b.Table.Table.Kind == TableKind.Reference) : new[] { binding }).Select(b => "'" + b.Table.Table.TableName + "'"));
                    var distributedSide = string.Join(", ", (isDistributed ? new[] { binding } : seen.Where(b => b.Table.Table.Kind == TableKind.Distributed)).Select(b => "'" + b.Table.Table.TableName + "'"));
                    Fail(RuleIds.ReferenceOnOuterSide, join.Span, $"Reference table {references} cannot be the preserved side of an outer join with distributed table {distributedSide}: every shard would add the reference rows that match nothing. Reorder the join so the distributed table is preserved (ShardGen runs such a join on the coordinator, but not in a statement with subqueries or common table expressions).");
                }

                seen.Add(binding);
            }
        }

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

        private IEnumerable<(Binding Left, Binding Right)> KeyEqualities(IEnumerable<SqlExpr> conditions)
        {
            foreach (var condition in conditions)
            {
                if (condition is BinaryExpr { Operator: "=", Left: ColumnRef left, Right: ColumnRef right }
                    && Resolve(left) is { } a && Resolve(right) is { } b
                    && IsKeyColumn(a.Binding, a.Column) && IsKeyColumn(b.Binding, b.Column) && a.Binding != b.Binding)
                {
                    yield return (a.Binding, b.Binding);
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

        // ---------------------------------------------------------------- outputs

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

        // ---------------------------------------------------------------- helpers

        /// <summary>Every clause's top expression of <paramref name="select"/>: FROM's function calls and ON conditions, VALUES rows and WINDOW definitions included.</summary>
        private static IEnumerable<SqlExpr> StatementExpressions(SelectStatement select) => SqlWalker.Roots(select);

        private static IEnumerable<SqlExpr> Conjuncts(SqlExpr? expr)
        {
            if (expr is BinaryExpr { Operator: "AND" } and)
            {
                foreach (var part in Conjuncts(and.Left))
                {
                    yield return part;
                }

                foreach (var part in Conjuncts(and.Right))
                {
                    yield return part;
                }
            }
            else if (expr is not null)
            {
                yield return expr;
            }
        }

        private static bool ContainsAggregate(SqlExpr expr) => SqlWalker.Descendants(expr).OfType<FunctionCall>().Any(IsAggregate);

        private string Normalize(TextSpan span)
        {
            var text = new StringBuilder();
            var inString = false;
            foreach (var c in _sql.Substring(span.Start, span.Length))
            {
                if (c == '\'')
                {
                    inString = !inString;
                }

                if (!inString && char.IsWhiteSpace(c))
                {
                    continue;
                }

                text.Append(inString ? c : char.ToLowerInvariant(c));
            }

            return text.ToString();
        }

        private static TextSpan Cover(TextSpan first, TextSpan last) => TextSpan.FromBounds(first.Start, last.End);

        private QueryPlan? Fail(string rule, TextSpan span, string message) => Fail<QueryPlan>(rule, span, message);

        private T? Fail<T>(string rule, TextSpan span, string message)
            where T : class
        {
            Problems.Add(new QueryProblem(rule, message, span.Start, span.Length));
            return null;
        }
    }

    /// <summary>
    /// The statement as the generated code shows it in a comment, one comment line per SQL line: every other line
    /// terminator C# knows (a lone CR, NEL, U+2028, U+2029) becomes a newline, so that no SQL text can end the comment.
    /// </summary>
    private static string Preview(List<string> parts, List<string> tables)
    {
        var text = new StringBuilder(SqlBuilder.Preview(parts, tables)).Replace("\r\n", "\n");
        return text.Replace('\r', '\n').Replace('\u0085', '\n').Replace('\u2028', '\n').Replace('\u2029', '\n').ToString();
    }

    internal static string CSharpString(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                // Controls, C#'s other line terminators (U+2028, U+2029) and lone surrogates: escaped, so that any text
                // (an error message quoting the user's SQL) stays one valid literal.
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return text.Append('"').ToString();
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

        public SelectStatement Query { get; }

        public Scope Scope { get; }

        public SqlExpr? Node { get; }

        public CommonTableExpression? Cte { get; }

        public List<Output> Outputs { get; set; } = new();
    }

    private sealed record Output(SqlExpr? Expr, string? Alias, string Name, bool IsStar = false, TextSpan? ItemSpan = null);

    private sealed record Pin(RouteKey? Single, EquatableArray<RouteKey> Multiple, string? List);
}
