using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using ShardGen.Generator.Model;
using ShardGen.Model;

namespace ShardGen.Generator.Tests;

/// <summary>
/// On Citus, a query ShardGen runs over several shards (a fan-out, a join on the coordinator)
/// is sent once as written: its definition carries the statement with <c>@name</c> as <c>$n</c> and each table in a place,
/// and the method takes that path first when the data source's engine is Citus. Queries that already run whole carry none,
/// nor does an INSERT split by key: on either engine each key's statement is routed to its shard, in one transaction.
/// </summary>
public sealed class CitusAsWrittenTests
{
    private const string Tables = """
        using System;
        using ShardGen;

        namespace Sample.Citus;

        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, long CustomerId, string Status, decimal Total, DateTimeOffset CreatedAt);

        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id, string Name, string? CountryCode);

        [Reference]
        public sealed record Country([property: PrimaryKey] string Code, string Name);

        [Local]
        public sealed record Setting([property: PrimaryKey] string Key, string Value);

        public sealed record OrderRow(long Id, decimal Total, string Name);

        public sealed record StatusCount(string Status, long N, decimal? Average);

        public sealed record IdRow(long Id);

        public sealed record KeyRow(long TenantId, long Id);
        """;

    private const string Queries = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ShardGen;

        namespace Sample.Citus;

        public sealed partial class CitusQueries
        {
            public CitusQueries(ShardedDataSource source) => Source = source;

            public ShardedDataSource Source { get; }

            [Query("SELECT count(*) AS n, status, avg(total) AS average FROM orders GROUP BY status HAVING count(*) > @min ORDER BY n DESC")]
            public partial Task<List<StatusCount>> Aggregate(long min);

            [Query("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.status = @status ORDER BY o.total DESC LIMIT @limit")]
            public partial Task<List<OrderRow>> Largest(string status, int limit, CancellationToken cancellationToken = default);

            [Query("SELECT o.id FROM settings s JOIN orders o ON o.status = s.key WHERE o.tenant_id = @tenantId AND s.value <> @off")]
            public partial Task<List<IdRow>> CoordinatorJoin(long tenantId, string off);

            [Query("INSERT INTO orders (tenant_id, id, status) VALUES (@a, 1, @status), (@b, 2, @status) RETURNING id")]
            public partial Task<List<IdRow>> InsertForTwoKeys(long a, long b, string status);

            [Query("UPDATE orders SET status = @status WHERE status = @old")]
            public partial Task Rename(string old, string status, CancellationToken cancellationToken = default);

            [Query("WITH recent AS (SELECT tenant_id, id FROM orders WHERE total > @min) SELECT r.tenant_id, r.id FROM recent r WHERE r.tenant_id = ANY(@tenants) ORDER BY r.id")]
            public partial IAsyncEnumerable<KeyRow> Stream(decimal min, long[] tenants, CancellationToken cancellationToken = default);

            [Query("SELECT id FROM orders WHERE tenant_id = @tenantId AND status = @status")]
            public partial Task<List<IdRow>> Router(long tenantId, string status);

            [Query("SELECT name FROM countries WHERE code = @code")]
            public partial Task<string?> Reference(string code);

            [Query("SELECT value FROM settings WHERE key = @key")]
            public partial Task<string?> Local(string key);
        }
        """;

    private static readonly Lazy<(GeneratorDriverRunResult Result, Compilation Output)> Generated = new(() =>
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Citus", Tables, Queries));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
        return (result, output);
    });

    public static TheoryData<string, string> AsWritten => new()
    {
        // A merged aggregation: Citus runs GROUP BY, HAVING and ORDER BY itself.
        { "Aggregate", "SELECT count(*) AS n, status, avg(total) AS average FROM {orders} AS \"orders\" GROUP BY status HAVING count(*) > $1 ORDER BY n DESC" },

        // ORDER BY and LIMIT over every shard: the LIMIT is the method's, not the per-shard n + m.
        { "Largest", "SELECT o.id, o.total, c.name FROM {orders} o JOIN {customers} c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.status = $1 ORDER BY o.total DESC LIMIT $2" },

        // Rows of a distributed table joined on the coordinator: the table stays a table, no unnest of pulled rows.
        { "CoordinatorJoin", "SELECT o.id FROM {settings} s JOIN {orders} o ON o.status = s.key WHERE o.tenant_id = $1 AND s.value <> $2" },

        // A write on every shard, without RETURNING.
        { "Rename", "UPDATE {orders} AS \"orders\" SET status = $1 WHERE status = $2" },

        // A stream over the shards of several keys, WITH clause included.
        { "Stream", "WITH recent AS (SELECT tenant_id, id FROM {orders} AS \"orders\" WHERE total > $1) SELECT r.tenant_id, r.id FROM recent r WHERE r.tenant_id = ANY($2) ORDER BY r.id" },
    };

    [Theory]
    [MemberData(nameof(AsWritten))]
    public void A_query_run_as_several_statements_carries_its_statement_as_written(string method, string expected)
    {
        var definition = Definition(LoadGenerated(), method);
        Assert.NotNull(definition.AsWritten);
        Assert.Equal(expected, definition.AsWritten!.ToString());

        // The logical names in their places give the statement Citus is sent.
        var tables = definition.AsWritten.Tables!;
        Assert.Equal(
            expected.Replace("{", string.Empty, StringComparison.Ordinal).Replace("}", string.Empty, StringComparison.Ordinal),
            definition.AsWritten.Render(tables));

        // Its parameters are the method's own, $1..$n as the generated bind adds them (a pulled read's arrays come after, unused).
        var plan = Plan(method);
        var numbers = Regex.Matches(definition.AsWritten.ToString(), @"\$(\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order();
        Assert.Equal(Enumerable.Range(1, plan.Parameters.Count), numbers);
    }

    [Theory]
    [InlineData("Router")]
    [InlineData("Reference")]
    [InlineData("Local")]
    [InlineData("InsertForTwoKeys")]
    public void A_query_that_runs_whole_or_routed_by_key_carries_no_statement_as_written(string method)
    {
        Assert.Null(Definition(LoadGenerated(), method).AsWritten);
        Assert.Empty(Plan(method).WrittenParts);
        Assert.DoesNotContain("ShardEngine.Citus", Source(method));
    }

    [Fact]
    public void The_generated_code_compiles_cleanly()
    {
        var problems = GeneratorHarness.Problems(Generated.Value.Output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void On_Citus_the_method_sends_the_statement_once_and_reads_the_select_list_in_order()
    {
        // A merged aggregation's final rows put the group key first; the statement as written returns the select list.
        var aggregate = Source("Aggregate");
        Assert.Contains(
            "if (source.Engine == global::ShardGen.ShardEngine.Citus)\n        {\n            return await source.Query(ShardGenQueries.Aggregate).ListAsync(global::ShardGen.ShardKey.None, min, "
            + "static (parameters, args) => parameters.Add(new global::Npgsql.NpgsqlParameter<long> { TypedValue = args }), "
            + "static reader => new global::Sample.Citus.StatusCount(global::ShardGen.SqlValues.To<string>(reader.GetValue(1)), global::ShardGen.SqlValues.To<long>(reader.GetValue(0)), global::ShardGen.SqlValues.To<decimal?>(reader.GetValue(2))), default).ConfigureAwait(false);\n        }",
            aggregate);
        Assert.Contains("var query = source.Query(ShardGenQueries.Aggregate);", aggregate);

        // A pulled read binds only the method's parameters on Citus.
        var join = Source("CoordinatorJoin");
        var citus = join.Substring(join.IndexOf("ShardEngine.Citus", StringComparison.Ordinal));
        citus = citus.Substring(0, citus.IndexOf("\n        }", StringComparison.Ordinal));
        Assert.Contains(".ListAsync(global::ShardGen.ShardKey.None, (tenantId, off), ", citus);
        Assert.DoesNotContain("pulled", citus);

        // A write without RETURNING whose method returns Task, and a stream, end the method inside the branch.
        Assert.Contains(".ExecuteAsync(global::ShardGen.ShardKey.None, (status, old), ", Source("Rename"));
        Assert.Contains("await source.Query(ShardGenQueries.Rename).ExecuteAsync(global::ShardGen.ShardKey.None, (status, old), static (parameters, args) => { parameters.Add(new global::Npgsql.NpgsqlParameter<string> { TypedValue = args.status }); parameters.Add(new global::Npgsql.NpgsqlParameter<string> { TypedValue = args.old }); }, cancellationToken).ConfigureAwait(false);\n            return;\n", Source("Rename"));
        Assert.Contains(".StreamAsync(global::ShardGen.ShardKey.None, (min, tenants), ", Source("Stream"));
        Assert.Contains("yield return row;\n            }\n\n            yield break;\n        }", Source("Stream"));

        // The split INSERT declares its data source once.
        Assert.Single(Regex.Matches(Source("InsertForTwoKeys"), "var source = "));
    }

    private static string Source(string method) =>
        GeneratorHarness.Sources(Generated.Value.Result)[$"Sample.Citus.CitusQueries.{method}.Query.g.cs"];

    private static QueryPlan Plan(string method) =>
        GeneratorHarness.StepOutputs(Generated.Value.Result, TrackingNames.QueryPlans).Cast<QueryModel>().Single(m => m.Method.MethodName == method).Plan!;

    private static QueryDefinition Definition(Assembly assembly, string method) =>
        (QueryDefinition)assembly.GetType("Sample.Citus.CitusQueries+ShardGenQueries", throwOnError: true)!
            .GetField(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!.GetValue(null)!;

    // A fresh copy in its own collectible context; the runtime and Npgsql come from the test's own context.
    private static Assembly LoadGenerated()
    {
        using var image = new MemoryStream();
        var emit = Generated.Value.Output.Emit(image);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext("citus", isCollectible: true).LoadFromStream(image);
    }
}
