using System;
using System.Collections.Generic;
using System.Linq;
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

        /// <summary>
        /// The spans of the <c>TABLE t</c> planned over several shards: the whole statement (each shard's statement written
        /// <c>SELECT * FROM t</c>), or a branch of a UNION ALL over several shards (run as written on each shard).
        /// </summary>
        private readonly HashSet<TextSpan> _tableFormPerShard = new();

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

        /// <summary>The tables of the SELECT (or subquery) being bound; an enclosing query's tables are in <see cref="Scope.Parent"/>.</summary>
        private List<Binding> _bindings => _scope.Bindings;

        public QueryPlan? PlanStatement(SqlStatement statement)
        {
            // (SELECT ... UNION SELECT ...) as the whole statement is that set operation.
            if (statement is SelectStatement { SetOperation: { } whole })
            {
                statement = whole;
            }

            // A WITH clause before INSERT, UPDATE, DELETE or a set operation: its queries are planned first, as a SELECT's are.
            var with = statement switch
            {
                InsertStatement insert => insert.With,
                UpdateStatement update => update.With,
                DeleteStatement delete => delete.With,
                SetOperationStatement set => set.With,
                _ => EquatableArray<CommonTableExpression>.Empty,
            };
            if (with.Count > 0)
            {
                _allowSubqueries = true;
                PlanWith(with);
                if (Problems.Count > 0)
                {
                    return null;
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
            PlanWith(select.With);
            if (Problems.Count > 0)
            {
                return null;
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

            // TABLE t as the whole statement over several shards is written SELECT * FROM t on each shard (PlanFanOutSelect).
            if (select.TableForm && !_pull && target == QueryTarget.FanOut && pin?.Single is null)
            {
                _tableFormPerShard.Add(select.Span);
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

        /// <summary>The table a distributed binding routes by: its own, or, for a CTE or subquery in FROM, the table its key comes from.</summary>
        private static string RoutingTableOf(Binding binding) => SourceOf(binding).Table.Table.TableName;

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
    }
}
