using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;
using ShardGen.Generator.Planning;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    internal static partial class Emitter
    {
        /// <summary>The name the query's definition has in its type's nested <c>ShardGenQueries</c> class.</summary>
        public static string QueryHintName(QueryMethodSpec method) =>
            $"{(method.Namespace.Length == 0 ? string.Empty : method.Namespace + ".")}{method.TypeName}.{method.MethodName}.Query.g.cs";

        public static void EmitQuery(SourceProductionContext context, QueryModel model)
        {
            if (model.Plan is not null)
            {
                context.AddSource(QueryHintName(model.Method), QuerySource(model));
            }
            else if (model.Method.CanHaveBody)
            {
                context.AddSource(QueryHintName(model.Method), RefusedSource(model));
            }
        }

        /// <summary>
        /// A refused query's body: it throws what the analyzers report, so that the build shows the refusal
        /// (an error by default) rather than a partial method without implementation; a team that lowers
        /// the rule's severity gets the same message at run time.
        /// </summary>
        public static string RefusedSource(QueryModel model)
        {
            var method = model.Method;
            var problem = model.Problems.Count > 0 ? model.Problems[0] : new QueryProblem(RuleIds.InternalError, "The query could not be planned.", 0, 0);
            var writer = new IndentedWriter();
            WriteHeader(writer, method.Namespace);
            writer.Line($"{(method.IsStaticType ? "static " : string.Empty)}partial {method.TypeKeyword} {Naming.EscapeIdentifier(method.TypeName)}");
            using (writer.Block())
            {
                var modifiers = method.Modifiers.Split(' ').Where(m => m.Length > 0 && m != "partial" && m != "async");
                var parameters = string.Join(", ", method.Parameters.Select(p => p.FullTypeName + " " + Naming.EscapeIdentifier(p.Name)));
                var message = $"ShardGen refused the query of {method.QualifiedType}.{method.MethodName} at build time: {problem.Rule}: {problem.Message}";
                writer.Line($"/// <summary>Refused at build time ({problem.Rule}): this body only throws.</summary>");
                writer.Line(GeneratedCodeAttribute);
                writer.Line($"{string.Join(" ", modifiers)} partial {method.ReturnType} {Naming.EscapeIdentifier(method.MethodName)}({parameters}) =>");
                using (writer.Indent())
                {
                    writer.Line($"throw new global::System.NotSupportedException({QueryPlanner.CSharpString(message)});");
                }
            }

            return writer.ToString();
        }

        /// <summary>
        /// The body of one <c>[Query]</c> method and its definition: the SQL written out at build time,
        /// the parameters bound positionally, and, for a fan-out, the merge spelled out in plain C#.
        /// </summary>
        public static string QuerySource(QueryModel model)
        {
            var method = model.Method;
            var plan = model.Plan!;
            var writer = new IndentedWriter();
            WriteHeader(writer, method.Namespace);
            writer.Line($"{(method.IsStaticType ? "static " : string.Empty)}partial {method.TypeKeyword} {Naming.EscapeIdentifier(method.TypeName)}");
            using (writer.Block())
            {
                WriteQueryDefinition(writer, method, plan);
                writer.Line();
                WriteQueryMethod(writer, method, plan);
            }

            return writer.ToString();
        }

        private static void WriteQueryDefinition(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan)
        {
            writer.Line("internal static partial class ShardGenQueries");
            using (writer.Block())
            {
                writer.Line($"/// <summary>The plan of <c>{Xml(method.MethodName)}</c>: {Xml(Describe(plan))}.</summary>");
                foreach (var line in plan.Sql.Split('\n'))
                {
                    writer.Line("// " + line.TrimEnd('\r'));
                }

                writer.Line(GeneratedCodeAttribute);
                writer.Line($"internal static readonly global::ShardGen.Model.QueryDefinition {Naming.EscapeIdentifier(method.MethodName)} = new(");
                using (writer.Indent())
                {
                    writer.Line($"{QueryPlanner.CSharpString(method.QualifiedType + "." + method.MethodName)},");
                    writer.Line($"global::ShardGen.Model.QueryTarget.{plan.Target},");
                    writer.Line("new global::ShardGen.Model.SqlTemplate(");
                    using (writer.Indent())
                    {
                        writer.Line($"new string[] {{ {string.Join(", ", plan.Parts.Select(QueryPlanner.CSharpString))} }},");
                        writer.Line($"new string[] {{ {string.Join(", ", plan.Tables.Select(QueryPlanner.CSharpString))} }}),");
                    }

                    writer.Line($"routingTable: {(plan.RoutingTable is null ? "null" : QueryPlanner.CSharpString(plan.RoutingTable))},");
                    writer.Line($"workerPrefix: {(plan.WorkerPrefix is null ? "null" : QueryPlanner.CSharpString(plan.WorkerPrefix))},");
                    var asWritten = plan.WrittenParts.Count > 0;
                    writer.Line($"workerSuffix: {(plan.WorkerSuffix is null ? "null" : QueryPlanner.CSharpString(plan.WorkerSuffix))}{(asWritten ? "," : ");")}");
                    if (asWritten)
                    {
                        writer.Line("asWritten: new global::ShardGen.Model.SqlTemplate(");
                        using (writer.Indent())
                        {
                            writer.Line($"new string[] {{ {string.Join(", ", plan.WrittenParts.Select(QueryPlanner.CSharpString))} }},");
                            writer.Line($"new string[] {{ {string.Join(", ", plan.WrittenTables.Select(QueryPlanner.CSharpString))} }}));");
                        }
                    }
                }

                if (plan.Rows.Count > 1)
                {
                    WriteMoreDefinitions(
                        writer, method, $"The statements of <c>{Xml(method.MethodName)}</c> for its other distribution keys, each routed to its own shard.", QueryTarget.Router,
                        plan.Rows.Skip(1).Select(row => (row.Parts, row.Tables, plan.RoutingTable!)));
                }

                if (plan.Pulls.Count > 0)
                {
                    WriteMoreDefinitions(
                        writer, method, $"The reads of <c>{Xml(method.MethodName)}</c>'s distributed tables, whose rows the statement on the coordinator joins.", QueryTarget.FanOut,
                        plan.Pulls.Select(pull => (pull.Parts, pull.Tables, pull.RoutingTable)));
                }

                if (plan.Merge is { } merge)
                {
                    if (merge.Order.Count > 0)
                    {
                        writer.Line();
                        writer.Line($"internal static readonly global::ShardGen.MergeOrder {Naming.EscapeIdentifier(method.MethodName)}Order = global::ShardGen.QueryMerge.Order({string.Join(", ", merge.Order.Select(k => $"({k.Ordinal.ToString(CultureInfo.InvariantCulture)}, {Bool(k.Descending)}, {Bool(k.NullsFirst)})"))});");
                    }

                    if (merge.GroupKeys >= 0)
                    {
                        writer.Line();
                        writer.Line($"internal static readonly global::ShardGen.MergeAggregate[] {Naming.EscapeIdentifier(method.MethodName)}Aggregates =");
                        using (writer.Block(";"))
                        {
                            foreach (var aggregate in merge.Aggregates)
                            {
                                writer.Line($"new(global::ShardGen.MergeAggregateKind.{aggregate.Kind}, {aggregate.Ordinal.ToString(CultureInfo.InvariantCulture)}, {aggregate.CountOrdinal.ToString(CultureInfo.InvariantCulture)}),");
                            }
                        }
                    }
                }
            }
        }

        /// <summary>The <c>Method__More</c> definitions of a method that makes several calls (a split INSERT, a coordinator join).</summary>
        private static void WriteMoreDefinitions(
            IndentedWriter writer, QueryMethodSpec method, string summary, QueryTarget target,
            IEnumerable<(EquatableArray<string> Parts, EquatableArray<string> Tables, string RoutingTable)> statements)
        {
            writer.Line();
            writer.Line($"/// <summary>{summary}</summary>");
            writer.Line(GeneratedCodeAttribute);
            writer.Line($"internal static readonly global::ShardGen.Model.QueryDefinition[] {method.MethodName}__More =");
            using (writer.Block(";"))
            {
                foreach (var (parts, tables, routingTable) in statements)
                {
                    writer.Line($"new({QueryPlanner.CSharpString(method.QualifiedType + "." + method.MethodName)}, global::ShardGen.Model.QueryTarget.{target}, new global::ShardGen.Model.SqlTemplate(new string[] {{ {string.Join(", ", parts.Select(QueryPlanner.CSharpString))} }}, new string[] {{ {string.Join(", ", tables.Select(QueryPlanner.CSharpString))} }}), routingTable: {QueryPlanner.CSharpString(routingTable)}),");
                }
            }
        }

        private static string Describe(QueryPlan plan) => plan.Target switch
        {
            QueryTarget.Local when plan.Pulls.Count > 0 => $"a read on the coordinator over the rows of {string.Join(", ", plan.Pulls.Select(p => p.RoutingTable))}, read from {(plan.Pulls.All(p => p.Key is not null) ? "the key's shard" : "the shards")} first",
            QueryTarget.Router when plan.Rows.Count > 1 => $"an INSERT split by distribution key into {plan.Rows.Count.ToString(CultureInfo.InvariantCulture)} statements, each routed to its key's shard, written in one transaction",
            QueryTarget.Router => $"{(plan.IsWrite ? "a write" : "a read")} routed to the one shard of {(plan.Key?.Parameter is { } p ? "parameter " + p : "key " + plan.Key?.Literal)}",
            QueryTarget.FanOut when plan.KeysList is not null => $"{(plan.IsWrite ? "a write" : "a read")} on the shards of the keys in {plan.KeysList}",
            QueryTarget.FanOut when plan.Keys.Count > 0 => $"{(plan.IsWrite ? "a write" : "a read")} on the shards of {plan.Keys.Count} keys",
            QueryTarget.FanOut => $"{(plan.IsWrite ? "a write" : "a read")} on every shard of {plan.RoutingTable}",
            QueryTarget.Reference => plan.IsWrite ? "a write to every copy of the reference tables" : "a read of one copy of the reference tables",
            _ => "a query on the coordinator",
        };

        private static void WriteQueryMethod(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan)
        {
            var modifiers = method.Modifiers.Split(' ').Where(m => m.Length > 0 && m != "partial" && m != "async").ToList();
            var isStream = method.Shape == ResultShape.Stream;
            var parameters = string.Join(", ", method.Parameters.Select(p =>
                (isStream && p.Kind == QueryParameterKind.CancellationToken ? "[global::System.Runtime.CompilerServices.EnumeratorCancellation] " : string.Empty)
                + p.FullTypeName + " " + Naming.EscapeIdentifier(p.Name)));
            var cancellation = method.Parameters.FirstOrDefault(p => p.Kind == QueryParameterKind.CancellationToken) is { } ct ? Naming.EscapeIdentifier(ct.Name) : "default";
            var options = method.Parameters.FirstOrDefault(p => p.Kind == QueryParameterKind.Options) is { } o ? Naming.EscapeIdentifier(o.Name) : "null";
            var definition = "ShardGenQueries." + Naming.EscapeIdentifier(method.MethodName);

            writer.Line(GeneratedCodeAttribute);
            writer.Line($"{string.Join(" ", modifiers)} async partial {method.ReturnType} {Naming.EscapeIdentifier(method.MethodName)}({parameters})");
            using (writer.Block())
            {
                WriteArgumentChecks(writer, method, plan);

                // A method that makes several calls (or may, on Citus, make another one) reaches its data source once.
                var source = method.DataSource!;
                if (plan.WrittenParts.Count > 0 || plan.Rows.Count > 1 || plan.Pulls.Count > 0)
                {
                    writer.Line($"var source = {source};");
                    source = "source";
                }

                if (plan.WrittenParts.Count > 0)
                {
                    WriteAsWritten(writer, method, plan, definition, cancellation);
                }

                if (plan.Rows.Count > 1)
                {
                    WriteRowsInsert(writer, method, plan, definition, cancellation);
                    return;
                }

                if (plan.Pulls.Count > 0)
                {
                    WritePulledRead(writer, method, plan, definition, cancellation, options);
                    return;
                }

                writer.Line($"var query = {source}.Query({definition});");
                var (args, bind) = Binding(plan);
                if (plan.IsWrite && plan.Outputs.Count == 0)
                {
                    var call = plan.Target == QueryTarget.FanOut
                        ? $"query.ExecuteFanOutAsync({Keys(plan)}, {args}, {bind}, {cancellation})"
                        : $"query.ExecuteAsync({RouteKeyOf(plan)}, {args}, {bind}, {cancellation})";
                    writer.Line(method.Shape == ResultShape.None ? $"await {call}.ConfigureAwait(false);" : $"return await {call}.ConfigureAwait(false);");
                    return;
                }

                if (plan.Merge is null)
                {
                    WriteSingleTargetRead(writer, method.Shape, "query", $"{RouteKeyOf(plan)}, {args}, {bind}, {ReaderMapper(method, plan)}, {cancellation}");
                    return;
                }

                WriteMerge(writer, method, plan, args, bind, cancellation, options);
            }
        }

        /// <summary>
        /// Null checks of the arguments a call cannot do without, named after the method's own parameters: a list bound
        /// for <c>= ANY(@list)</c>, and a string parameter that routes the call (a distribution key). Without them the
        /// runtime's helpers would throw an <see cref="System.ArgumentNullException"/> naming their own parameters.
        /// </summary>
        private static void WriteArgumentChecks(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan)
        {
            var routing = new HashSet<string>(System.StringComparer.Ordinal);
            void Add(RouteKey? key)
            {
                if (key?.Parameter is { } parameter)
                {
                    routing.Add(parameter);
                }
            }

            Add(plan.Key);
            foreach (var key in plan.Keys.Concat(plan.Rows.Select(r => r.Key)).Concat(plan.Pulls.SelectMany(p => p.Keys)))
            {
                Add(key);
            }

            foreach (var pull in plan.Pulls)
            {
                Add(pull.Key);
            }

            var keyLists = new HashSet<string>(plan.Pulls.Select(p => p.KeysList).Append(plan.KeysList).OfType<string>(), System.StringComparer.Ordinal);

            foreach (var parameter in method.Parameters)
            {
                var name = Naming.EscapeIdentifier(parameter.Name);
                string message;
                if (parameter.Kind == QueryParameterKind.List)
                {
                    message = $"'{parameter.Name}' is the list of values of @{parameter.Name} (= ANY(@{parameter.Name})) and cannot be null: pass an empty list to match no rows.";
                }
                else if (parameter.Kind == QueryParameterKind.Value && parameter.Value?.Type == ColumnType.String && routing.Contains(name))
                {
                    message = $"'{parameter.Name}' is the distribution key that routes this query to its shard and cannot be null.";
                }
                else
                {
                    continue;
                }

                writer.Line($"if ({name} is null)");
                using (writer.Block())
                {
                    writer.Line($"throw new global::System.ArgumentNullException(nameof({name}), {QueryPlanner.CSharpString(message)});");
                }

                writer.Line();

                // The keys of a text key list become ShardKeys, whose conversion would blame its own parameter for a null.
                if (parameter.Kind == QueryParameterKind.List && parameter.Value?.Type == ColumnType.String && keyLists.Contains(parameter.Name))
                {
                    writer.Line($"if (global::System.Linq.Enumerable.Contains({name}, null))");
                    using (writer.Block())
                    {
                        writer.Line($"throw new global::System.ArgumentException({QueryPlanner.CSharpString($"'{parameter.Name}' holds a null: its values are the distribution keys that route this query to their shards, and a key cannot be null.")}, nameof({name}));");
                    }

                    writer.Line();
                }
            }
        }

        /// <summary>
        /// On Citus, a query ShardGen would run as several statements is sent once, as written (the definition's
        /// <c>AsWritten</c>), and Citus plans it: its rows come back final, in the select list's order, with no merge.
        /// Its parameters are the method's own, bound as $1..$n.
        /// </summary>
        private static void WriteAsWritten(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan, string definition, string cancellation)
        {
            var (args, bind) = Binding(plan);
            var query = $"source.Query({definition})";
            writer.Line("if (source.Engine == global::ShardGen.ShardEngine.Citus)");
            using (writer.Block())
            {
                if (plan.Outputs.Count == 0)
                {
                    var call = $"{query}.ExecuteAsync(global::ShardGen.ShardKey.None, {args}, {bind}, {cancellation})";
                    if (method.Shape == ResultShape.None)
                    {
                        writer.Line($"await {call}.ConfigureAwait(false);");
                        writer.Line("return;");
                    }
                    else
                    {
                        writer.Line($"return await {call}.ConfigureAwait(false);");
                    }
                }
                else
                {
                    // The statement's own result: column i of the select list is ordinal i (a merge plan's rows are laid out otherwise).
                    var written = plan with { Outputs = plan.Outputs.Select((output, i) => output with { Ordinal = i }).ToEquatableArray() };
                    WriteSingleTargetRead(writer, method.Shape, query, $"global::ShardGen.ShardKey.None, {args}, {bind}, {ReaderMapper(method, written)}, {cancellation}");
                    if (method.Shape == ResultShape.Stream)
                    {
                        writer.Line();
                        writer.Line("yield break;");
                    }
                }
            }

            writer.Line();
        }

        /// <summary>
        /// A multi-row INSERT over several keys: each key's statement routed to its shard, all in the caller's transaction
        /// or in one of their own (a plain commit on one worker, two-phase commit across workers), rows returned in order.
        /// The parts and their commit run under one span of the method (<c>StartSplitCall</c>), marked failed if they fail.
        /// </summary>
        private static void WriteRowsInsert(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan, string definition, string cancellation)
        {
            var (args, bind) = Binding(plan);
            var returning = plan.Outputs.Count > 0;
            var read = returning ? ReaderMapper(method, plan) : null;
            var streamed = method.Shape == ResultShape.Stream;
            writer.Line("var arguments = " + args + ";");
            writer.Line($"var split = source.Query({definition}).StartSplitCall({plan.Rows.Count.ToString(CultureInfo.InvariantCulture)});");
            if (streamed)
            {
                // The rows go out after the span ended: an iterator cannot yield inside a try with a catch.
                var open = method.ReturnType.IndexOf('<') + 1;
                var element = method.ReturnType.Substring(open, method.ReturnType.LastIndexOf('>') - open);
                writer.Line($"var rows = new global::System.Collections.Generic.List<{element}>();");
            }

            writer.Line("try");
            using (writer.Block())
            {
                writer.Line($"await using var transaction = source.CurrentTransaction is null ? await source.BeginTransactionAsync(null, {cancellation}).ConfigureAwait(false) : null;");
                for (var i = 0; i < plan.Rows.Count; i++)
                {
                    var target = i == 0 ? definition : $"ShardGenQueries.{method.MethodName}__More[{(i - 1).ToString(CultureInfo.InvariantCulture)}]";
                    var key = plan.Rows[i].Key.Parameter ?? plan.Rows[i].Key.Literal!;
                    if (returning)
                    {
                        var call = $"await source.Query({target}).ListAsync({key}, arguments, {bind}, {read}, {cancellation}).ConfigureAwait(false)";
                        writer.Line(i == 0 && !streamed ? $"var rows = {call};" : $"rows.AddRange({call});");
                    }
                    else
                    {
                        var call = $"await source.Query({target}).ExecuteAsync({key}, arguments, {bind}, {cancellation}).ConfigureAwait(false)";
                        writer.Line(i == 0 ? $"var affected = {call};" : $"affected += {call};");
                    }
                }

                writer.Line("if (transaction is not null)");
                using (writer.Block())
                {
                    writer.Line($"await transaction.CommitAsync({cancellation}).ConfigureAwait(false);");
                }

                switch (method.Shape)
                {
                    case ResultShape.None:
                    case ResultShape.Stream:
                        break;
                    case ResultShape.AffectedRows:
                    case ResultShape.Scalar when !returning:
                        writer.Line("return affected;");
                        break;
                    case ResultShape.List:
                        writer.Line("return rows;");
                        break;
                    default:
                        writer.Line("return rows.Count > 0 ? rows[0] : default!;");
                        break;
                }
            }

            writer.Line("catch (global::System.Exception exception)");
            using (writer.Block())
            {
                writer.Line("split.Fail(exception);");
                writer.Line("throw;");
            }

            writer.Line("finally");
            using (writer.Block())
            {
                writer.Line("split.Dispose();");
            }

            if (streamed)
            {
                writer.Line();
                writer.Line("foreach (var row in rows)");
                using (writer.Block())
                {
                    writer.Line("yield return row;");
                }
            }
        }

        /// <summary>
        /// A read on the coordinator over distributed rows: each distributed table's rows are read first (as text, from
        /// the shards the plan names), then the statement runs on the coordinator with them as text-array parameters.
        /// </summary>
        private static void WritePulledRead(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan, string definition, string cancellation, string options)
        {
            var (args, bind) = Binding(plan);
            var columns = plan.Pulls.Sum(p => p.Columns);
            writer.Line("var arguments = " + args + ";");
            writer.Line($"var pulled = new global::System.Collections.Generic.List<string?>[{columns.ToString(CultureInfo.InvariantCulture)}];");
            writer.Line("for (var i = 0; i < pulled.Length; i++)");
            using (writer.Block())
            {
                writer.Line("pulled[i] = new global::System.Collections.Generic.List<string?>();");
            }

            var offset = 0;
            for (var i = 0; i < plan.Pulls.Count; i++)
            {
                var pull = plan.Pulls[i];
                var keys = pull.Key is { } key
                    ? $"new global::ShardGen.ShardKey[] {{ {key.Parameter ?? key.Literal} }}"
                    : Keys(pull.KeysList, pull.Keys);
                writer.Line($"await foreach (var row in {ConfigureAwait}(source.Query(ShardGenQueries.{method.MethodName}__More[{i.ToString(CultureInfo.InvariantCulture)}]).FanOutAsync({keys}, arguments, {bind}, global::ShardGen.QueryMerge.ReadValues, null, {options}, {cancellation}), false))");
                using (writer.Block())
                {
                    for (var c = 0; c < pull.Columns; c++)
                    {
                        writer.Line($"pulled[{(offset + c).ToString(CultureInfo.InvariantCulture)}].Add((string?)row[{c.ToString(CultureInfo.InvariantCulture)}]);");
                    }
                }

                offset += pull.Columns;
            }

            // The statement's own parameters, then one text array per pulled column.
            var names = plan.Parameters.Select(p => Naming.EscapeIdentifier(p.Parameter)).ToList();
            var tuple = names.Count == 0 ? "(__pulled: pulled, __none: 0)" : $"({string.Join(", ", names)}, __pulled: pulled)";
            var adds = string.Join(" ", plan.Parameters.Select((p, i) => $"parameters.Add({NewQueryParameter(p, "args." + names[i])});")
                .Concat(Enumerable.Range(0, columns).Select(c => $"parameters.Add(new global::Npgsql.NpgsqlParameter<string?[]> {{ TypedValue = args.__pulled[{c.ToString(CultureInfo.InvariantCulture)}].ToArray() }});")));
            writer.Line($"var query = source.Query({definition});");
            WriteSingleTargetRead(writer, method.Shape, "query", $"global::ShardGen.ShardKey.None, {tuple}, static (parameters, args) => {{ {adds} }}, {ReaderMapper(method, plan)}, {cancellation}");
        }

        /// <summary>
        /// Returns (or yields) the rows of <paramref name="query"/> (a <c>ShardedQuery</c> expression) on its one target, as the
        /// method's shape asks: <c>ListAsync</c>, <c>StreamAsync</c> or <c>SingleAsync</c>, called with <paramref name="arguments"/>
        /// (key, args, bind, read, token).
        /// </summary>
        private static void WriteSingleTargetRead(IndentedWriter writer, ResultShape shape, string query, string arguments)
        {
            switch (shape)
            {
                case ResultShape.List:
                    writer.Line($"return await {query}.ListAsync({arguments}).ConfigureAwait(false);");
                    break;
                case ResultShape.Stream:
                    writer.Line($"await foreach (var row in {ConfigureAwait}({query}.StreamAsync({arguments}), false))");
                    using (writer.Block())
                    {
                        writer.Line("yield return row;");
                    }

                    break;
                default:
                    writer.Line($"return await {query}.SingleAsync({arguments}).ConfigureAwait(false);");
                    break;
            }
        }

        /// <summary>The fan-out read: worker rows merged in order, de-duplicated, aggregated, filtered and cut as planned.</summary>
        private static void WriteMerge(IndentedWriter writer, QueryMethodSpec method, QueryPlan plan, string args, string bind, string cancellation, string options)
        {
            var merge = plan.Merge!;
            var name = Naming.EscapeIdentifier(method.MethodName);
            var aggregated = merge.GroupKeys >= 0;
            writer.Line(merge.Order.Count > 0 && !aggregated
                ? $"var rows = query.MergeAsync({Keys(plan)}, {args}, {bind}, ShardGenQueries.{name}Order, {options}, {cancellation});"
                : $"var rows = query.FanOutAsync({Keys(plan)}, {args}, {bind}, global::ShardGen.QueryMerge.ReadValues, null, {options}, {cancellation});");
            if (aggregated)
            {
                writer.Line($"var groups = await query.AggregateAsync(rows, {merge.GroupKeys.ToString(CultureInfo.InvariantCulture)}, ShardGenQueries.{name}Aggregates, {cancellation}).ConfigureAwait(false);");
                if (merge.Having is not null)
                {
                    writer.Line($"await query.HavingAsync(groups, (v, compare) => {merge.Having}, {cancellation}).ConfigureAwait(false);");
                }

                if (merge.Distinct)
                {
                    writer.Line($"groups = global::ShardGen.QueryMerge.Distinct(groups, {VisibleOrdinals(plan)});");
                }

                if (merge.Order.Count > 0)
                {
                    writer.Line($"await query.SortAsync(groups, ShardGenQueries.{name}Order, {cancellation}).ConfigureAwait(false);");
                }

                writer.Line($"rows = global::ShardGen.QueryMerge.AsAsync(groups);");
            }
            else if (merge.Distinct)
            {
                writer.Line($"rows = global::ShardGen.QueryMerge.Distinct(rows, {VisibleOrdinals(plan)}, {cancellation});");
            }

            if (merge.Offset is not null || merge.Limit is not null)
            {
                writer.Line($"rows = global::ShardGen.QueryMerge.SkipTake(rows, {merge.Offset ?? "null"}, {merge.Limit ?? "null"}, {cancellation});");
            }

            var map = ValuesMapper(method, plan);
            switch (method.Shape)
            {
                case ResultShape.List:
                    writer.Line($"var result = new global::System.Collections.Generic.List<{method.Row!.FullTypeName}{(method.RowIsScalar && method.Row.Columns[0].IsNullable && !method.Row.IsValueType ? "?" : string.Empty)}>();");
                    writer.Line($"await foreach (var v in {WithCancellation}(rows, {cancellation}).ConfigureAwait(false))");
                    using (writer.Block())
                    {
                        writer.Line($"result.Add({map});");
                    }

                    writer.Line("return result;");
                    break;
                case ResultShape.Stream:
                    writer.Line($"await foreach (var v in {WithCancellation}(rows, {cancellation}).ConfigureAwait(false))");
                    using (writer.Block())
                    {
                        writer.Line($"yield return {map};");
                    }

                    break;
                default:
                    writer.Line($"await foreach (var v in {WithCancellation}(rows, {cancellation}).ConfigureAwait(false))");
                    using (writer.Block())
                    {
                        writer.Line($"return {map};");
                    }

                    writer.Line("return default;");
                    break;
            }
        }

        // Generated code has no usings: the extension methods of async streams are called by their full names.
        private const string WithCancellation = "global::System.Threading.Tasks.TaskAsyncEnumerableExtensions.WithCancellation";
        private const string ConfigureAwait = "global::System.Threading.Tasks.TaskAsyncEnumerableExtensions.ConfigureAwait";

        private static string VisibleOrdinals(QueryPlan plan) =>
            $"new int[] {{ {string.Join(", ", plan.Outputs.Select(o => o.Ordinal.ToString(CultureInfo.InvariantCulture)))} }}";

        private static string RouteKeyOf(QueryPlan plan) => plan.Key is { } key
            ? key.Parameter ?? key.Literal!
            : "global::ShardGen.ShardKey.None";

        private static string Keys(QueryPlan plan) => Keys(plan.KeysList, plan.Keys);

        private static string Keys(string? list, EquatableArray<RouteKey> keys)
        {
            if (list is not null)
            {
                return $"global::ShardGen.QueryMerge.Keys({Naming.EscapeIdentifier(list)})";
            }

            return keys.Count == 0
                ? "null"
                : $"new global::ShardGen.ShardKey[] {{ {string.Join(", ", keys.Select(k => k.Parameter ?? k.Literal!))} }}";
        }

        /// <summary>The arguments (a value tuple of the bound parameters) and the static lambda that binds them as $1..$n.</summary>
        private static (string Args, string Bind) Binding(QueryPlan plan)
        {
            var names = plan.Parameters.Select(p => Naming.EscapeIdentifier(p.Parameter)).ToList();
            if (names.Count == 0)
            {
                return ("0", "static (_, _) => { }");
            }

            if (names.Count == 1)
            {
                return (names[0], $"static (parameters, args) => parameters.Add({NewQueryParameter(plan.Parameters[0], "args")})");
            }

            var adds = string.Join(" ", plan.Parameters.Select((p, i) => $"parameters.Add({NewQueryParameter(p, "args." + names[i])});"));
            return ($"({string.Join(", ", names)})", $"static (parameters, args) => {{ {adds} }}");
        }

        private static string NewQueryParameter(BoundParameter parameter, string value)
        {
            if (!parameter.IsList)
            {
                return NewParameter(parameter.Value, value);
            }

            var element = parameter.Value;
            var dbType = $"global::NpgsqlTypes.NpgsqlDbType.Array | global::NpgsqlTypes.NpgsqlDbType.{SqlTypes.NpgsqlDbType(element.Type)}";
            var converted = element.EnumTypeName is not null || SqlTypes.IsWidened(element.Type) || element.Type == ColumnType.DateTimeOffset
                ? $"global::System.Linq.Enumerable.ToArray(global::System.Linq.Enumerable.Select({value}, static e => {ToStorage(element, "e", element.IsNullable)}))"
                : $"global::System.Linq.Enumerable.ToArray({value})";
            return $"new global::Npgsql.NpgsqlParameter {{ Value = {converted}, NpgsqlDbType = {dbType} }}";
        }

        /// <summary>A static lambda reading the current row into the result type, typed where the column's type is the member's.</summary>
        private static string ReaderMapper(QueryMethodSpec method, QueryPlan plan)
        {
            var row = method.Row!;
            string Value(OutputColumn output)
            {
                var column = row.Columns[output.Member];
                return output.TypedRead
                    ? $"({ReadValue(column, output.Ordinal)})"
                    : $"global::ShardGen.SqlValues.To<{CSharpType(column)}>(reader.GetValue({output.Ordinal.ToString(CultureInfo.InvariantCulture)}))";
            }

            return "static reader => " + Construct(method, plan, Value);
        }

        /// <summary>An expression building the result from the merged values <c>v</c>.</summary>
        private static string ValuesMapper(QueryMethodSpec method, QueryPlan plan)
        {
            var row = method.Row!;
            return Construct(method, plan, output => $"global::ShardGen.SqlValues.To<{CSharpType(row.Columns[output.Member])}>(v[{output.Ordinal.ToString(CultureInfo.InvariantCulture)}])");
        }

        private static string Construct(QueryMethodSpec method, QueryPlan plan, System.Func<OutputColumn, string> value)
        {
            var row = method.Row!;
            if (method.RowIsScalar)
            {
                return value(plan.Outputs[0]);
            }

            var byMember = plan.Outputs.ToDictionary(o => o.Member);
            var arguments = string.Join(", ", row.ConstructorParameters.Select(p => value(byMember[p.Column])));
            var covered = new HashSet<int>(row.ConstructorParameters.Select(p => p.Column));
            var initializers = plan.Outputs.Where(o => !covered.Contains(o.Member))
                .Select(o => $"{Naming.EscapeIdentifier(row.Columns[o.Member].PropertyName)} = {value(o)}")
                .ToList();
            var construct = $"new {row.FullTypeName}({arguments})";
            return initializers.Count == 0 ? construct : $"{construct} {{ {string.Join(", ", initializers)} }}";
        }
    }
}
