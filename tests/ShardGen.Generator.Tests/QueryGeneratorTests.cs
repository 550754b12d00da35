using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ShardGen.Generator.Model;

namespace ShardGen.Generator.Tests;

/// <summary>[Query] methods: one of each plan kind generated as the baselines say; classified; cached per method; refused on the exact span.</summary>
public sealed class QueryGeneratorTests
{
    private const string Tables = """
        using System;
        using ShardGen;

        namespace Sample.Queries;

        [Distributed(nameof(TenantId))]
        public sealed record Order(long TenantId, long Id, long CustomerId, string Status, decimal Total, DateTimeOffset CreatedAt);

        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id, string Name, string? CountryCode);

        [Distributed(nameof(DeviceId), Colocation = "none")]
        public sealed record Reading(Guid DeviceId, long Id, double Value);

        [Reference]
        public sealed record Country([property: PrimaryKey] string Code, string Name);

        [Local]
        public sealed record Setting([property: PrimaryKey] string Key, string Value);

        public sealed record OrderRow(long Id, decimal Total, string Name);

        public sealed record StatusCount(string Status, long N, decimal? Average);

        public sealed record IdRow(long Id);
        """;

    private const string Queries = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using ShardGen;

        namespace Sample.Queries;

        public sealed partial class ShopQueries
        {
            public ShopQueries(ShardedDataSource source) => Source = source;

            public ShardedDataSource Source { get; }

            [Query("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @tenantId AND o.status = @status ORDER BY o.created_at DESC LIMIT 20")]
            public partial Task<List<OrderRow>> Router(long tenantId, string status, CancellationToken cancellationToken = default);

            [Query("SELECT status, count(*) AS n, avg(total) AS average FROM orders WHERE tenant_id = ANY(@ids) GROUP BY status HAVING count(*) > 1 ORDER BY n DESC")]
            public partial Task<List<StatusCount>> MultiKey(long[] ids);

            [Query("SELECT o.id, o.total, c.name FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id ORDER BY o.total DESC LIMIT @limit OFFSET @offset")]
            public partial IAsyncEnumerable<OrderRow> AllShards(int limit, int offset, CancellationToken cancellationToken = default);

            [Query("SELECT count(*) FROM orders")]
            public partial Task<long> CountAll();

            [Query("SELECT name FROM countries WHERE code = @code")]
            public partial Task<string?> Reference(string code);

            [Query("SELECT value FROM settings WHERE key = @key")]
            public partial Task<string?> Local(string key);

            [Query("UPDATE orders SET status = @status WHERE tenant_id = @tenantId AND id = @id")]
            public partial Task<int> RoutedWrite(long tenantId, long id, string status);

            [Query("DELETE FROM orders WHERE status = 'cancelled'")]
            public partial Task<int> FanOutWrite();

            [Query("INSERT INTO orders (tenant_id, id, status) VALUES (@a, 1, 'new'), (@b, 2, 'new'), (@a, 3, @status) RETURNING id")]
            public partial Task<List<IdRow>> InsertForTwoKeys(long a, long b, string status);

            [Query("WITH open AS (SELECT id, total FROM orders WHERE tenant_id = @tenantId AND status = 'open') SELECT id FROM open WHERE total > (SELECT avg(total) FROM open)")]
            public partial Task<List<IdRow>> CommonTableExpression(long tenantId);

            [Query("SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.tenant_id = c.tenant_id AND o.customer_id = c.id)")]
            public partial Task<List<IdRow>> CorrelatedOnTheKey();

            [Query("SELECT o.id FROM settings s JOIN orders o ON o.status = s.key WHERE o.tenant_id = @tenantId AND s.value <> 'off'")]
            public partial Task<List<IdRow>> CoordinatorJoin(long tenantId);
        }
        """;

    [Fact]
    public void One_query_of_each_plan_kind_generates_as_the_baselines_say_and_compiles_cleanly()
    {
        var (result, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, Queries));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);

        var sources = GeneratorHarness.Sources(result);
        Baselines.Verify(sources.Where(s => s.Key.EndsWith(".Query.g.cs", StringComparison.Ordinal) || s.Key == "Sample.Queries.ShardDatabase.g.cs").ToDictionary(), "Queries");
        var problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Each_query_is_classified_as_its_sql_says()
    {
        var (result, _, _) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, Queries));
        var plans = Plans(result).ToDictionary(m => m.Method.MethodName, m => m.Plan!);

        Assert.Equal((QueryTarget.Router, "tenantId"), (plans["Router"].Target, plans["Router"].Key?.Parameter));
        Assert.Equal((QueryTarget.FanOut, "ids"), (plans["MultiKey"].Target, plans["MultiKey"].KeysList));
        Assert.Equal(1, plans["MultiKey"].Merge!.GroupKeys);
        Assert.Equal((QueryTarget.FanOut, (string?)null), (plans["AllShards"].Target, plans["AllShards"].KeysList));
        Assert.Equal("(long)limit", plans["AllShards"].Merge!.Limit);
        Assert.Equal(0, plans["CountAll"].Merge!.GroupKeys);
        Assert.Equal(QueryTarget.Reference, plans["Reference"].Target);
        Assert.Equal(QueryTarget.Local, plans["Local"].Target);
        Assert.Equal((QueryTarget.Router, true), (plans["RoutedWrite"].Target, plans["RoutedWrite"].IsWrite));
        Assert.Equal((QueryTarget.FanOut, true), (plans["FanOutWrite"].Target, plans["FanOutWrite"].IsWrite));
        Assert.Equal(["a", "b"], plans["InsertForTwoKeys"].Rows.Select(r => r.Key.Parameter));
        Assert.Contains("VALUES ($1, 1, 'new'), ($1, 3, $3) RETURNING id", plans["InsertForTwoKeys"].Rows[0].Sql);
        Assert.Contains("VALUES ($2, 2, 'new') RETURNING id", plans["InsertForTwoKeys"].Rows[1].Sql);
        Assert.Equal((QueryTarget.Router, "tenantId"), (plans["CommonTableExpression"].Target, plans["CommonTableExpression"].Key?.Parameter));
        Assert.StartsWith("WITH open AS (SELECT id, total FROM {orders}", plans["CommonTableExpression"].Sql);
        Assert.Equal((QueryTarget.FanOut, "customers"), (plans["CorrelatedOnTheKey"].Target, plans["CorrelatedOnTheKey"].RoutingTable));
        Assert.Equal(["customers", "orders"], plans["CorrelatedOnTheKey"].Tables.AsImmutableArray().ToArray());
        var pull = Assert.Single(plans["CoordinatorJoin"].Pulls);
        Assert.Equal((QueryTarget.Local, "orders", "tenantId", 3), (plans["CoordinatorJoin"].Target, pull.RoutingTable, pull.Key?.Parameter, pull.Columns));
        Assert.Contains("WHERE (o.tenant_id = $1)", pull.Sql);
        Assert.DoesNotContain("s.value", pull.Sql);
        Assert.Contains("unnest($2::text[], $3::text[], $4::text[])", plans["CoordinatorJoin"].Sql);

        // Parameters become $n in the order they first appear; tables become slots of the shard's tables.
        Assert.Equal(["tenantId", "status"], plans["Router"].Parameters.Select(p => p.Parameter));
        Assert.Equal(["orders", "customers"], plans["Router"].Tables.AsImmutableArray().ToArray());
        Assert.Contains("WHERE o.tenant_id = $1 AND o.status = $2", plans["Router"].Sql);
    }

    [Fact]
    public void Changing_one_query_string_replans_that_method_only()
    {
        var compilation = GeneratorHarness.Compilation("Sample.Queries", Tables, Queries);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Queries.Replace("ORDER BY o.created_at DESC LIMIT 20", "ORDER BY o.created_at DESC LIMIT 25"), GeneratorHarness.ParseOptions, path: tree.FilePath));
        var second = driver.RunGenerators(edited).GetRunResult();

        var steps = second.Results.Single().TrackedSteps;
        var plans = steps[TrackingNames.QueryPlans].SelectMany(s => s.Outputs).ToList();
        var modified = Assert.Single(plans, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Equal("Router", ((QueryModel)modified.Value).Method.MethodName);
        Assert.All(plans.Where(o => o != modified), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(steps[TrackingNames.PlannedQueries].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(steps[TrackingNames.Schema].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("LIMIT 25", GeneratorHarness.Sources(second)["Sample.Queries.ShopQueries.Router.Query.g.cs"]);
    }

    [Theory]
    [InlineData("UPDATE orders SET tenant_id = @t, status = 'x' WHERE tenant_id = @t AND id = 1", "SET tenant_id = \"orders\".\"tenant_id\", status = 'x' WHERE tenant_id = $1 AND id = 1")]
    [InlineData("UPDATE orders o SET (status, tenant_id) = ('x', 40 + 2) WHERE o.tenant_id = 42", "SET (status, tenant_id) = ('x', \"o\".\"tenant_id\") WHERE o.tenant_id = 42")]
    public void A_key_set_to_the_value_it_is_pinned_to_runs_as_the_key_itself(string sql, string expected)
    {
        var source = $$""""
            using System.Threading.Tasks;
            using ShardGen;

            namespace Sample.Queries;

            public sealed partial class KeyQueries
            {
                public ShardedDataSource? Source { get; set; }

                [Query("""{{sql}}""")]
                public partial Task<int> Keep(long t);
            }
            """";
        var (result, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, source));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);

        // Citus refuses a parameter or a literal there ("modifying the partition value of rows is not allowed"); every row
        // the statement touches has the pinned key, so the key column itself means the same and Citus accepts it.
        var model = Assert.Single(Plans(result));
        Assert.Empty(model.Problems);
        Assert.EndsWith(expected, model.Plan!.Sql, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "SELECT id FROM nothere WHERE tenant_id = @t", "nothere", "Unknown table 'nothere'" },
        { "SELECT nope FROM orders WHERE tenant_id = @t", "nope", "column 'nope'" },
        { "SELECT id FROM orders WHERE tenant_id = @other", "@other", "No parameter" },
        { "SELECT id FROM orders WHERE tenant_id = @t AND status = @t", "@t", "do not compare" },
        { "SELECT o.id FROM orders o JOIN readings r ON r.id = o.id WHERE o.tenant_id = @t", "readings r", "not colocated" },
        { "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id", "JOIN customers c ON c.id = o.customer_id", "distribution keys" },
        { "UPDATE orders SET tenant_id = @t WHERE id = 1", "tenant_id", "distribution key" },
        { "SELECT s.key AS id FROM settings s JOIN orders o ON o.status = s.key WHERE EXISTS (SELECT 1 FROM countries)", "settings s", "Local table" },
        { "SELECT sum(DISTINCT total) AS id FROM orders", "sum(DISTINCT total)", "sum(DISTINCT" },
        { "SELECT sum(total) / count(*) AS id FROM orders", "sum(total) / count(*)", "expression over aggregates" },
        { "SELECT o.id FROM countries c LEFT JOIN orders o ON o.status = c.code WHERE c.code IN (SELECT code FROM countries)", "LEFT JOIN orders o ON o.status = c.code", "preserved side" },
        { "SELECT status AS id FROM orders GROUP BY status HAVING string_agg(status, ',') = 'x'", "string_agg(status, ',')", "cannot be combined" },
        { "INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()), (abs(@t), 2, 1, 'x', 1, now())", "abs(@t)", "a parameter, a literal" },
        { "WITH RECURSIVE r AS (SELECT id, customer_id FROM orders UNION ALL SELECT o.id, o.customer_id FROM orders o JOIN r ON o.id = r.customer_id) SELECT id FROM r", "r AS (SELECT id, customer_id FROM orders UNION ALL SELECT o.id, o.customer_id FROM orders o JOIN r ON o.id = r.customer_id)", "Common table expression 'r' is recursive (WITH RECURSIVE) and reads distributed table 'orders' on every shard" },
        { "WITH RECURSIVE r AS (SELECT tenant_id, id FROM orders) SELECT id FROM r", "r AS (SELECT tenant_id, id FROM orders)", "ShardGen runs WITH RECURSIVE only in a statement that runs whole on one node" },
        { "SELECT u.id FROM (SELECT tenant_id, id FROM orders UNION ALL SELECT id, tenant_id FROM customers) u", "(SELECT tenant_id, id FROM orders UNION ALL SELECT id, tenant_id FROM customers) u", "branch 2 selects the distribution key at another position" },
        { "SELECT u.id FROM (SELECT tenant_id, id FROM orders INTERSECT SELECT tenant_id, id FROM customers) u", "(SELECT tenant_id, id FROM orders INTERSECT SELECT tenant_id, id FROM customers) u", "it is an INTERSECT, which ShardGen runs only on one node" },
        { "SELECT u.id FROM (SELECT tenant_id, id FROM orders WHERE tenant_id = @t UNION ALL SELECT tenant_id, id FROM customers) u", "(SELECT tenant_id, id FROM orders WHERE tenant_id = @t UNION ALL SELECT tenant_id, id FROM customers) u", "branch 1 is pinned to one key and another is not" },
        { "SELECT u.id FROM (SELECT tenant_id, id FROM orders UNION ALL SELECT tenant_id, id FROM customers LIMIT 5) u", "(SELECT tenant_id, id FROM orders UNION ALL SELECT tenant_id, id FROM customers LIMIT 5) u", "its LIMIT/OFFSET would apply on each shard" },
        { "SELECT id FROM orders WHERE tenant_id IN (SELECT tenant_id FROM customers UNION SELECT tenant_id FROM orders)", "UNION", "ShardGen runs UNION inside a subquery or common table expression only in a statement that runs whole on one node" },
        { "SELECT o.id FROM orders o WHERE EXISTS (WITH c AS (SELECT tenant_id FROM customers) SELECT 1 FROM c WHERE c.tenant_id = o.tenant_id)", "c AS (SELECT tenant_id FROM customers)", "ShardGen runs a WITH clause inside a subquery only in a statement that runs whole on one node" },
        { "WITH d AS (DELETE FROM orders WHERE status = 'x' RETURNING id) SELECT id FROM d", "d AS (DELETE FROM orders WHERE status = 'x' RETURNING id)", "Common table expression 'd' writes distributed table 'orders' without pinning it to one key" },
        { "WITH d AS (DELETE FROM orders WHERE tenant_id = @t2 RETURNING id) SELECT id FROM customers WHERE tenant_id = @t", "d AS (DELETE FROM orders WHERE tenant_id = @t2 RETURNING id)", "writes distributed table 'orders' for another key than the statement is routed by" },
        { "WITH d AS (DELETE FROM orders WHERE tenant_id = @t RETURNING id) SELECT id FROM customers", "d AS (DELETE FROM orders WHERE tenant_id = @t RETURNING id)", "writes distributed table 'orders' for another key than the statement is routed by" },
        { "WITH i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()), (@t2, 2, 1, 'x', 1, now()) RETURNING id) SELECT id FROM i", "i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()), (@t2, 2, 1, 'x', 1, now()) RETURNING id)", "inserts rows whose distribution key 'tenant_id' is not one value known before it runs" },
        { "WITH i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) SELECT tenant_id, id, customer_id, status, total, created_at FROM orders WHERE tenant_id = @t RETURNING id) SELECT id FROM i", "i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) SELECT tenant_id, id, customer_id, status, total, created_at FROM orders WHERE tenant_id = @t RETURNING id)", "is an INSERT without VALUES rows" },
        { "WITH i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()) RETURNING id) SELECT id FROM orders WHERE tenant_id = @t2", "i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()) RETURNING id)", "writes distributed table 'orders' for another key than the statement is routed by" },
        { "WITH c AS (UPDATE countries SET name = 'x' RETURNING code) SELECT 1 AS id FROM c", "c AS (UPDATE countries SET name = 'x' RETURNING code)", "writes reference table 'countries'" },
        { "SELECT id FROM orders WHERE tenant_id = @t AND id IN (WITH d AS (DELETE FROM orders WHERE tenant_id = @t RETURNING id) SELECT id FROM d)", "d AS (DELETE FROM orders WHERE tenant_id = @t RETURNING id)", "PostgreSQL takes a WITH clause that writes only at the top level" },
    };

    [Theory]
    [InlineData("WITH RECURSIVE r AS (SELECT id, customer_id FROM orders WHERE tenant_id = @t UNION ALL SELECT o.id, o.customer_id FROM orders o JOIN r ON o.id = r.customer_id WHERE o.tenant_id = @t) SELECT id FROM r", "Router")]
    [InlineData("SELECT x.id FROM (SELECT id FROM orders WHERE tenant_id = @t UNION SELECT id FROM customers WHERE tenant_id = @t) x", "Router")]
    [InlineData("SELECT id FROM orders o WHERE tenant_id = @t AND EXISTS (WITH c AS (SELECT id FROM customers WHERE tenant_id = @t) SELECT 1 FROM c WHERE c.id = o.customer_id)", "Router")]
    [InlineData("WITH c AS (SELECT id FROM customers WHERE tenant_id = @t) SELECT id FROM c UNION SELECT id FROM orders WHERE tenant_id = @t", "Router")]
    [InlineData("SELECT id FROM orders WHERE tenant_id = @t AND id IN (SELECT id FROM customers WHERE tenant_id = @t EXCEPT SELECT customer_id FROM orders WHERE tenant_id = @t)", "Router")]
    [InlineData("WITH RECURSIVE n(i) AS (VALUES (1) UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i AS id FROM n", "Reference")]
    [InlineData("SELECT u.id FROM (SELECT tenant_id, id FROM orders UNION ALL SELECT tenant_id, id FROM customers) u", "FanOut")]
    [InlineData("SELECT c.id FROM customers c JOIN (SELECT tenant_id, customer_id AS id FROM orders UNION SELECT tenant_id, id FROM customers) u ON u.tenant_id = c.tenant_id AND u.id = c.id", "FanOut")]
    [InlineData("WITH u AS (SELECT tenant_id, id FROM orders UNION ALL SELECT tenant_id, id FROM customers) SELECT id FROM u WHERE tenant_id = @t", "Router")]
    [InlineData("WITH d AS (DELETE FROM orders WHERE tenant_id = @t AND status = 'x' RETURNING id) SELECT id FROM d", "Router")]
    [InlineData("WITH s AS (UPDATE settings SET value = 'x' WHERE key = 'a' RETURNING key) SELECT 1 AS id FROM s", "Local")]
    [InlineData("WITH i AS (INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, 1, 1, 'x', 1, now()) ON CONFLICT (tenant_id, id) DO UPDATE SET status = EXCLUDED.status RETURNING id) SELECT i.id FROM i JOIN customers c ON c.tenant_id = @t AND c.id = i.id", "Router")]
    [InlineData("(WITH c AS (SELECT tenant_id, id FROM customers) SELECT id FROM c)", "FanOut")]
    [InlineData("(SELECT id FROM orders WHERE tenant_id = @t UNION SELECT id FROM customers WHERE tenant_id = @t)", "Router")]
    [InlineData("WITH u AS (UPDATE orders SET status = 'y' WHERE tenant_id = @t AND status = 'x' RETURNING id) SELECT o.id FROM orders o WHERE o.tenant_id = @t AND o.id NOT IN (SELECT id FROM u)", "Router")]
    public void Set_operations_and_WITH_inside_a_statement_are_planned(string sql, string target) => PlanNested(sql, target);

    [Theory]
    [InlineData("SELECT u.id FROM (SELECT tenant_id, id FROM orders WHERE tenant_id = @t UNION ALL SELECT tenant_id, customer_id FROM orders WHERE tenant_id = @t) u", true)]
    [InlineData("SELECT u.id FROM (SELECT tenant_id, id FROM orders WHERE tenant_id = @t UNION ALL SELECT tenant_id, 1 FROM orders WHERE tenant_id = @t) u", false)]
    [InlineData("SELECT u.id FROM (SELECT tenant_id, id FROM orders WHERE tenant_id = @t UNION ALL SELECT tenant_id, length(status) FROM orders WHERE tenant_id = @t) u", false)]
    public void A_set_operations_column_is_read_typed_only_when_every_branch_reads_a_column_of_that_type(string sql, bool typed)
    {
        var plan = PlanNested(sql, "Router");
        Assert.Equal(typed, Assert.Single(plan.Outputs).TypedRead);
    }

    private static QueryPlan PlanNested(string sql, string target)
    {
        var source = $$""""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using ShardGen;

            namespace Sample.Queries;

            public sealed partial class NestedQueries
            {
                public ShardedDataSource? Source { get; set; }

                [Query("""{{sql}}""")]
                public partial Task<List<IdRow>> Nested(long t);
            }
            """";
        var (result, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, source));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);

        var model = Assert.Single(Plans(result));
        Assert.True(model.Problems.Count == 0, string.Join("\n", model.Problems.Select(p => p.Message)));
        Assert.Equal(target, model.Plan!.Target.ToString());
        Assert.Equal(model.Plan.Sql.Count(c => c == '('), model.Plan.Sql.Count(c => c == ')'));
        if (model.Plan.Target == QueryTarget.Router)
        {
            Assert.Equal("t", model.Plan.Key?.Parameter);
        }

        return model.Plan;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_query_that_cannot_run_well_is_refused_on_its_exact_span(string sql, string span, string message)
    {
        var source = $$""""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using ShardGen;

            namespace Sample.Queries;

            public sealed partial class BadQueries
            {
                public ShardedDataSource? Source { get; set; }

                [Query("""{{sql}}""")]
                public partial Task<List<IdRow>> Bad(long t, long t2);
            }
            """";
        var (result, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, source));
        GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);

        var model = Assert.Single(Plans(result));
        Assert.Null(model.Plan);
        Assert.True(model.Problems.Any(p => sql.Substring(p.Start, p.Length) == span && p.Message.Contains(message, StringComparison.Ordinal)), string.Join("\n", model.Problems.Select(p => $"{sql.Substring(p.Start, p.Length)}: {p.Message}")));

        // The method still gets a body, one that throws the refusal: the build shows the analyzer's
        // error instead of a partial method without implementation.
        var body = GeneratorHarness.Sources(result)["Sample.Queries.BadQueries.Bad.Query.g.cs"];
        Assert.Contains("throw new global::System.NotSupportedException(", body);
        Assert.Contains(model.Problems[0].Rule, body);
    }

    [Fact]
    public void An_unsupported_construct_is_refused_with_a_problem_not_an_exception()
    {
        foreach (var sql in new[] { "WITH RECURSIVE x AS (SELECT 1) SELECT id FROM orders", "SELECT id FROM orders UNION SELECT id FROM customers", "SELECT id FROM orders WHERE id IN (SELECT id FROM customers)", "SELECT rank() OVER (PARTITION BY tenant_id ORDER BY count(*)) AS id FROM orders GROUP BY status", "SELECT id FROM orders WHERE tenant_id = $1" })
        {
            var source = "using System.Collections.Generic; using System.Threading.Tasks; using ShardGen; namespace Sample.Queries; public sealed partial class BadQueries { public ShardedDataSource? Source { get; set; } [Query(\"" + sql + "\")] public partial Task<List<IdRow>> Bad(long t); }";
            var (result, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compilation("Sample.Queries", Tables, source));
            GeneratorHarness.AssertGeneratorDidNotFail(result, diagnostics);
            var model = Assert.Single(Plans(result));
            Assert.Null(model.Plan);
            Assert.NotEmpty(model.Problems);
            Assert.All(model.Problems, p => Assert.InRange(p.Start + p.Length, 0, sql.Length));
        }
    }

    private static List<QueryModel> Plans(GeneratorDriverRunResult result) =>
        GeneratorHarness.StepOutputs(result, TrackingNames.QueryPlans).Cast<QueryModel>().ToList();
}
