using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0101: valid PostgreSQL outside the subset ShardGen plans; underlined on the construct.</summary>
public sealed class SG0101Tests
{
    [Fact]
    public async Task WITH_RECURSIVE_is_underlined_up_to_the_main_statement()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0101:WITH RECURSIVE o AS (SELECT id FROM orders)|} SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task WITH_before_a_write_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("{|SG0101:WITH c AS (SELECT id FROM countries)|} DELETE FROM orders WHERE tenant_id = @t")]
            public partial Task<int> BeforeDelete(long t);
            """));
    }

    [Fact]
    public async Task UNION_over_several_shards_is_underlined_on_the_operator()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t {|SG0101:UNION|} SELECT id FROM customers WHERE tenant_id = @u")]
            public partial Task<List<IdRow>> UnionOfTwoKeys(long t, long u);

            [Query("SELECT id FROM orders UNION ALL {|SG0101:SELECT id FROM countries|}")]
            public partial Task<List<IdRow>> UnionAllWithAReferenceBranch();

            [Query("SELECT id FROM orders UNION ALL {|SG0101:SELECT DISTINCT id FROM customers|}")]
            public partial Task<List<IdRow>> UnionAllWithADistinctBranch();

            [Query("SELECT id FROM {|SG0120:orders|} WHERE tenant_id = @t UNION ALL SELECT id FROM customers ORDER BY id LIMIT 10")]
            public partial Task<List<IdRow>> UnionAllOverAllShards(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t UNION ALL SELECT id FROM customers WHERE tenant_id = @t ORDER BY id LIMIT 5")]
            public partial Task<List<IdRow>> OnOneKey(long t);

            [Query("SELECT id FROM countries UNION SELECT id FROM countries WHERE code = 'DE'")]
            public partial Task<List<IdRow>> ReferenceOnly();
            """));
    }

    [Fact]
    public async Task Subqueries_outside_the_subset_are_underlined_with_their_parentheses()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id = ANY {|SG0101:(SELECT id FROM customers WHERE tenant_id = @t)|}")]
            public partial Task<List<IdRow>> AnySubquery(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id IN {|SG0101:(VALUES (1), (2))|}")]
            public partial Task<List<IdRow>> Values(long t);

            [Query("SELECT id FROM {|SG0101:(VALUES (1, 2))|} x")]
            public partial Task<List<IdRow>> FromValues();

            [Query("UPDATE orders SET status = 'x' WHERE tenant_id = @t RETURNING {|SG0101:(SELECT max(id) FROM customers WHERE tenant_id = @t)|} AS id")]
            public partial Task<List<IdRow>> InReturning(long t);

            [Query("INSERT INTO orders (tenant_id, id, customer_id, status, total, created_at) VALUES (@t, {|SG0101:(SELECT max(id) + 1 FROM orders WHERE tenant_id = @t)|}, 1, 'a', 1, now())")]
            public partial Task<int> InValues(long t);
            """));
    }

    [Fact]
    public async Task A_named_window_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id, row_number() {|SG0101:OVER w|} AS n FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Positional_and_colon_parameters_are_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0101:$1|}")]
            public partial Task<List<IdRow>> Dollar(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = {|SG0101::t|}")]
            public partial Task<List<IdRow>> Colon(long t);
            """));
    }

    [Fact]
    public async Task Other_constructs_of_the_list()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t {|SG0101:FOR UPDATE|}")]
            public partial Task<List<IdRow>> Locking(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t; {|SG0101:SELECT 1|}")]
            public partial Task<List<IdRow>> TwoStatements(long t);

            """));
    }

    [Fact]
    public async Task A_volatile_function_in_a_write_to_shards_or_copies_is_underlined_on_the_call()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("UPDATE orders SET total = {|SG0101:random()|} WHERE tenant_id = @t")]
            public partial Task<int> DistributedSet(long t);

            [Query("DELETE FROM countries WHERE id < {|SG0101:random()|} * 100")]
            public partial Task<int> ReferenceWhere();
            """));
    }

    [Fact]
    public async Task One_query_reports_every_construct_it_uses()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id, rank() {|SG0101:OVER w|} AS r FROM orders WHERE tenant_id = {|SG0101:$1|}")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task The_message_names_the_construct_and_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("WITH RECURSIVE o AS (SELECT id FROM orders) SELECT id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0101", "Recursive CTEs (WITH RECURSIVE)", "separate [Query] calls");
        await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = $1")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0101", "($1)", "@name");
    }

    [Fact]
    public async Task The_supported_rewrites_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Joined(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id = ANY(@customers)")]
            public partial Task<List<IdRow>> AnyList(long t, long[] customers);

            [Query("SELECT count(CASE WHEN status = 'x' THEN 1 END) FROM orders WHERE tenant_id = @t")]
            public partial Task<long> Conditional(long t);

            [Query("UPDATE orders SET total = @total, created_at = now() WHERE tenant_id = @t")]
            public partial Task<int> StableFunction(long t, decimal total);

            [Query("UPDATE audit_entries SET message = gen_random_uuid()::text WHERE id = @id")]
            public partial Task<int> VolatileOnTheCoordinatorOnly(long id);

            [Query("WITH mine AS (SELECT id, status FROM orders WHERE tenant_id = @t) SELECT id, status FROM mine WHERE status <> 'x'")]
            public partial Task<List<OrderRow>> CteOnOneKey(long t);

            [Query("SELECT id FROM orders o WHERE tenant_id = @t AND EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = @t AND c.id = o.customer_id)")]
            public partial Task<List<IdRow>> ExistsOnOneKey(long t);

            [Query("SELECT o.id FROM {|SG0120:orders|} o WHERE o.customer_id IN (SELECT c.id FROM customers c WHERE c.tenant_id = o.tenant_id AND c.name = @name)")]
            public partial Task<List<IdRow>> CorrelatedOnTheKey(string name);

            [Query("SELECT id FROM {|SG0120:orders|} WHERE tenant_id IN (SELECT tenant_id FROM customers WHERE country_code = 'DE') AND total > (SELECT avg(total) FROM orders x WHERE x.tenant_id = orders.tenant_id)")]
            public partial Task<List<IdRow>> InOnTheKeyAndScalarOnTheKey();

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM countries WHERE code = 'DE')")]
            public partial Task<List<IdRow>> OverAReferenceTable(long t);

            [Query("SELECT rank() OVER (PARTITION BY customer_id ORDER BY total DESC) AS id FROM orders WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> WindowOnOneKey(long t);

            [Query("SELECT row_number() OVER (PARTITION BY tenant_id ORDER BY total DESC) AS id FROM {|SG0120:orders|}")]
            public partial Task<List<IdRow>> WindowPartitionedByTheKey();

            [Query("SELECT count(*) FILTER (WHERE status = 'x') FROM orders WHERE tenant_id = @t")]
            public partial Task<long> FilterOnOneKey(long t);

            [Query("DELETE FROM orders WHERE tenant_id = @t AND customer_id IN (SELECT id FROM customers WHERE tenant_id = @t AND name = 'x')")]
            public partial Task<int> DeleteWithASubqueryOnOneKey(long t);

            [Query("UPDATE {|SG0120:orders|} SET status = 'vip' WHERE EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = orders.tenant_id AND c.id = orders.customer_id)")]
            public partial Task<int> UpdateWithASubqueryOnTheKey();

            [Query("SELECT DISTINCT ON (status) id FROM orders WHERE tenant_id = @t ORDER BY status, total DESC")]
            public partial Task<List<IdRow>> DistinctOnOneKey(long t);

            [Query("SELECT DISTINCT ON (tenant_id) id FROM {|SG0120:orders|} ORDER BY tenant_id, total DESC")]
            public partial Task<List<IdRow>> DistinctOnTheKeyOverAllShards();

            [Query("SELECT count(*) FILTER (WHERE status = 'x') FROM {|SG0120:orders|}")]
            public partial Task<long> FilterOverAllShards();

            [Query("SELECT id FROM (SELECT id, tenant_id FROM orders) x WHERE tenant_id = @t")]
            public partial Task<List<IdRow>> FromSubqueryOnOneKey(long t);

            [Query("SELECT c.id FROM {|SG0120:customers|} c JOIN (SELECT tenant_id, customer_id, count(*) AS n FROM orders GROUP BY tenant_id, customer_id) x ON x.tenant_id = c.tenant_id AND x.customer_id = c.id WHERE x.n > 3")]
            public partial Task<List<IdRow>> FromSubqueryPartitionedByTheKey();

            [Query("WITH per_tenant AS (SELECT tenant_id, count(*) AS n FROM orders GROUP BY tenant_id) SELECT count(*) FROM {|SG0120:per_tenant|} WHERE n > 10")]
            public partial Task<long> CommonTableExpressionPartitionedByTheKey();

            [Query("WITH c AS (SELECT id FROM countries) SELECT o.id FROM {|SG0120:orders|} o JOIN c ON c.id = o.customer_id")]
            public partial Task<List<IdRow>> ReferenceCommonTableExpressionOverAllShards();
            """));
    }

    [Fact]
    public async Task Row_values_are_underlined_each()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND {|SG0101:(created_at, id)|} < {|SG0101:(@at, @id)|} ORDER BY created_at, id LIMIT 20")]
            public partial Task<List<IdRow>> NextPage(long t, DateTimeOffset at, long id);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND {|SG0101:ROW(status, id)|} = {|SG0101:ROW('x', 1)|}")]
            public partial Task<List<IdRow>> RowConstructor(long t);
            """));
    }

    [Fact]
    public async Task The_row_value_message_expands_a_row_comparison_with_its_meaning_kept()
    {
        // Keyset pagination: (created_at, id) < (@at, @id) compared column by column with AND would skip every row of an
        // earlier created_at whose id is not smaller. The message gives the lexicographic expansion.
        var diagnostics = await AnalyzeAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND (created_at, id) < (@at, @id) ORDER BY created_at, id LIMIT 20")]
            public partial Task<List<IdRow>> NextPage(long t, DateTimeOffset at, long id);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND ROW(status, id) = ROW('x', 1)")]
            public partial Task<List<IdRow>> RowConstructor(long t);
            """));
        var rows = diagnostics.Where(d => d.Id == "SG0101").ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, d =>
        {
            var message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("(a, b) < (x, y) is a < x OR (a = x AND b < y)", message, StringComparison.Ordinal);
            Assert.Contains("(a, b) = (x, y) is a = x AND b = y", message, StringComparison.Ordinal);
            Assert.Contains("(a, b) <> (x, y) is a <> x OR b <> y", message, StringComparison.Ordinal);
            Assert.DoesNotContain("one by one", message, StringComparison.Ordinal);
        });
    }
}
