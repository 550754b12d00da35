using System.Globalization;
using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0107: colocated tables not joined on their distribution keys; underlined on the join.</summary>
public sealed class SG0107Tests
{
    private const string MissingKeySql = "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = @t";

    /// <summary>A table distributed by its own bigint key: in the default group of bigint keys with orders and customers.</summary>
    private const string DeviceTable = """
        [Distributed(nameof(DeviceId))]
        public sealed record Device(long DeviceId, long TenantId, string Name);

        """;

    [Fact]
    public async Task An_inner_join_without_the_key_equality_is_underlined_on_the_join_clause()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o {|SG0107:JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_outer_join_needs_the_key_equality_in_its_own_ON()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o {|SG0107:LEFT JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t AND c.tenant_id = o.tenant_id")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task An_outer_join_missing_the_key_equality_everywhere_is_reported_once()
    {
        // Not joined on the keys at all and an outer join without the equality in its own ON: one problem, one span.
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o {|SG0107:LEFT JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Comma_and_cross_joins_are_underlined_on_the_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o, {|SG0107:customers c|} WHERE o.tenant_id = @t AND c.id = o.customer_id")]
            public partial Task<List<IdRow>> Comma(long t);

            [Query("SELECT o.id FROM orders o {|SG0107:CROSS JOIN customers c|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Cross(long t);
            """));
    }

    [Fact]
    public async Task Pinning_the_tables_to_two_different_keys_is_not_a_join_on_the_keys()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o {|SG0107:JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t AND c.tenant_id = @u")]
            public partial Task<List<IdRow>> Bad(long t, long u);
            """));
    }

    [Fact]
    public async Task The_message_names_the_equality_as_a_condition_to_check_and_offers_no_fix_the_query_does_not_prove()
    {
        // c.tenant_id = o.tenant_id would drop every order whose customer_id names another tenant's customer: a new condition.
        var diagnostic = await SingleAsync(Queries($$"""
            [Query("{{MissingKeySql}}")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0107", "'customers'", "'orders'", "If every pair of rows this join should match has c.tenant_id = o.tenant_id, add 'c.tenant_id = o.tenant_id'", "where it does not hold, adding it changes the answer");
        Assert.False(diagnostic.Properties.ContainsKey(ShardGenAnalyzer.FixTextProperty));
        Assert.False(diagnostic.Properties.ContainsKey(ShardGenAnalyzer.FixAtProperty));
    }

    [Fact]
    public async Task A_key_equality_the_conditions_already_imply_comes_with_the_fix_at_the_end_of_the_ON()
    {
        // c.tenant_id = k.id and k.id = o.tenant_id: every row of the result already has c.tenant_id = o.tenant_id.
        const string sql = "SELECT o.id FROM orders o JOIN countries k ON k.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = k.id WHERE o.tenant_id = @t";
        var diagnostic = await SingleAsync(Queries($$"""
            [Query("{{sql}}")]
            public partial Task<List<IdRow>> Implied(long t);
            """), "SG0107", "already make c.tenant_id equal to o.tenant_id", "'c.tenant_id = o.tenant_id'", "changes no answer");
        Assert.Equal("JOIN customers c ON c.id = o.customer_id AND c.tenant_id = k.id", Underlined(diagnostic));
        Assert.Equal(" AND c.tenant_id = o.tenant_id", diagnostic.Properties[ShardGenAnalyzer.FixTextProperty]);
        var on = "c.tenant_id = k.id";
        Assert.Equal((sql.IndexOf(on, StringComparison.Ordinal) + on.Length).ToString(CultureInfo.InvariantCulture), diagnostic.Properties[ShardGenAnalyzer.FixAtProperty]);
    }

    [Theory]
    [InlineData("SELECT o.id FROM orders o JOIN countries k ON k.id = o.tenant_id LEFT JOIN customers c ON c.id = o.customer_id AND c.tenant_id = k.id WHERE o.tenant_id = @t")]
    [InlineData("SELECT o.id FROM orders o JOIN countries k ON k.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = k.id LEFT JOIN countries n ON n.code = c.country_code WHERE o.tenant_id = @t")]
    [InlineData("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.total WHERE o.total = o.tenant_id AND o.tenant_id = @t")]
    [InlineData("SELECT o.id FROM orders o JOIN countries k ON k.id = o.tenant_id JOIN customers c ON c.id = o.customer_id OR c.name = k.name WHERE c.tenant_id = k.id AND o.tenant_id = @t")]
    [InlineData("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = @t AND c.tenant_id = @u")]
    public async Task No_fix_where_the_equality_is_not_proved_or_the_join_is_outer(string sql)
    {
        // An outer join anywhere (its ON keeps rows with NULLs instead of dropping them), a chain through a column of another
        // type (bigint = numeric compares through a cast), an ON that is an OR, keys pinned to two values: no fix.
        var diagnostics = await AnalyzeAsync(Queries($$"""
            [Query("{{sql}}")]
            public partial Task<List<IdRow>> M(long t, long u);
            """));
        var sg0107 = diagnostics.Where(d => d.Id == "SG0107").ToList();
        Assert.NotEmpty(sg0107);
        Assert.All(sg0107, d => Assert.False(d.Properties.ContainsKey(ShardGenAnalyzer.FixTextProperty), Describe(d)));
    }

    [Fact]
    public async Task Tables_that_share_shards_only_by_key_type_are_not_advised_to_equate_their_keys()
    {
        // devices by device_id, orders by tenant_id, both bigint: d.device_id = o.tenant_id would match a tenant with the
        // device of the same number (9000 rows become 0). The advice is to distribute devices by the column it is joined on.
        var diagnostic = await SingleAsync(QueriesWith(DeviceTable, """
            [Query("SELECT o.id FROM orders o JOIN devices d ON d.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0107", "'devices' is distributed by device_id and 'orders' by tenant_id, which share shards only because both are bigint keys",
            "Distribute 'devices' by tenant_id (the column it is joined on)");
        Assert.Equal("JOIN devices d ON d.tenant_id = o.tenant_id", Underlined(diagnostic));
        Assert.DoesNotContain("d.device_id = o.tenant_id", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.False(diagnostic.Properties.ContainsKey(ShardGenAnalyzer.FixTextProperty));
    }

    [Fact]
    public async Task The_outer_join_of_tables_that_share_shards_only_by_key_type_gets_neither_fix_nor_key_equality_advice()
    {
        var diagnostics = await AnalyzeAsync(QueriesWith(DeviceTable, """
            [Query("SELECT o.id FROM orders o LEFT JOIN devices d ON d.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
        var sg0107 = diagnostics.Where(d => d.Id == "SG0107").ToList();
        Assert.NotEmpty(sg0107);
        Assert.All(sg0107, d =>
        {
            Assert.Equal("LEFT JOIN devices d ON d.tenant_id = o.tenant_id", Underlined(d));
            Assert.False(d.Properties.ContainsKey(ShardGenAnalyzer.FixTextProperty));
            Assert.DoesNotContain("d.device_id = o.tenant_id", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.Contains("Distribute 'devices' by tenant_id", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_uncorrelated_aggregate_subquery_is_not_advised_to_be_correlated_on_the_key()
    {
        // Correlating it on tenant_id would turn the average of all orders into each tenant's own average.
        var diagnostic = await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o WHERE o.tenant_id = @t AND o.total > (SELECT avg(a.total) FROM orders a)")]
            public partial Task<List<IdRow>> AboveAverage(long t);
            """), "SG0107", "does not depend on the outer query's rows", "run it as a [Query] of its own and pass its result as a parameter",
            "Correlating it on the distribution key would change what it computes");
        Assert.Equal("(SELECT avg(a.total) FROM orders a)", Underlined(diagnostic));
        Assert.DoesNotContain("a.tenant_id = ", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subquery_correlated_on_another_column_gets_the_key_equality_as_a_condition_to_check()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)")]
            public partial Task<List<IdRow>> M();
            """), "SG0107", "If every row it should find has c.tenant_id = o.tenant_id, add 'c.tenant_id = o.tenant_id'", "it cannot prove the equality");
    }

    [Fact]
    public async Task A_subquery_pinned_to_another_key_is_advised_to_run_on_its_own()
    {
        var diagnostic = await SingleAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = @u)")]
            public partial Task<List<IdRow>> M(long t, long u);
            """), "SG0107", "for another key than the query", "run it as a [Query] of its own");
        Assert.DoesNotContain("pin both", diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_outer_join_message_names_the_table()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = @t AND c.tenant_id = o.tenant_id")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0107", "outer join", "'customers'");
    }

    [Fact]
    public async Task Joins_on_the_distribution_keys_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN customers c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> InOn(long t);

            [Query("SELECT o.id FROM orders o, customers c WHERE c.tenant_id = o.tenant_id AND c.id = o.customer_id AND o.tenant_id = @t")]
            public partial Task<List<IdRow>> InWhere(long t);

            [Query("SELECT o.id FROM orders o LEFT JOIN customers c ON o.tenant_id = c.tenant_id AND c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Outer(long t);

            [Query("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = @t AND c.tenant_id = @t")]
            public partial Task<List<IdRow>> BothPinnedToOneKey(long t);
            """));
    }

    [Fact]
    public async Task A_subquery_not_joined_to_the_query_on_the_key_is_underlined_on_the_subquery()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE customer_id IN {|SG0107:(SELECT id FROM customers WHERE name = @name)|}")]
            public partial Task<List<IdRow>> Uncorrelated(string name);

            [Query("SELECT id FROM orders o WHERE {|SG0107:EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)|}")]
            public partial Task<List<IdRow>> CorrelatedOnAnotherColumn();

            [Query("SELECT id FROM customers WHERE tenant_id = @t AND id < {|SG0107:(SELECT max(customer_id) FROM orders)|}")]
            public partial Task<List<IdRow>> ScalarOverAllShards(long t);
            """));
    }

    [Fact]
    public async Task A_subquery_pinned_to_another_key_than_the_query_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND {|SG0107:EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = @u)|}")]
            public partial Task<List<IdRow>> OtherKey(long t, long u);
            """));
    }

    [Fact]
    public async Task A_subquery_over_shards_inside_a_query_over_reference_tables_must_be_pinned()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM countries WHERE id IN {|SG0107:(SELECT customer_id FROM orders)|}")]
            public partial Task<List<IdRow>> Unpinned();

            [Query("SELECT id FROM countries WHERE id IN (SELECT customer_id FROM orders WHERE tenant_id = @t)")]
            public partial Task<List<IdRow>> Pinned(long t);

            [Query("SELECT id FROM countries WHERE id = ANY {|SG0107:(SELECT customer_id FROM orders)|}")]
            public partial Task<List<IdRow>> AnyUnpinned();

            [Query("SELECT id FROM countries WHERE id > ALL (SELECT customer_id FROM orders WHERE tenant_id = @t)")]
            public partial Task<List<IdRow>> AllPinned(long t);
            """));
    }

    [Fact]
    public async Task A_quantified_subquery_joins_on_the_key_only_as_membership()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM {|SG0120:orders|} o WHERE o.tenant_id = ANY (SELECT c.tenant_id FROM customers c WHERE c.name = @name)")]
            public partial Task<List<IdRow>> AnyOnTheKey(string name);

            [Query("SELECT id FROM {|SG0120:orders|} o WHERE o.tenant_id <> ALL (SELECT c.tenant_id FROM customers c WHERE c.name = @name)")]
            public partial Task<List<IdRow>> NotAllOnTheKey(string name);

            [Query("SELECT id FROM orders o WHERE o.tenant_id > ALL {|SG0107:(SELECT c.tenant_id FROM customers c WHERE c.name = @name)|}")]
            public partial Task<List<IdRow>> GreaterThanAllIsNoJoin(string name);

            [Query("SELECT id FROM orders o WHERE o.tenant_id = @t AND o.total >= ALL (SELECT x.total FROM orders x WHERE x.tenant_id = @t)")]
            public partial Task<List<IdRow>> PinnedToTheSameKey(long t);

            [Query("SELECT id FROM orders WHERE tenant_id = @t AND customer_id = ANY (SELECT id FROM customers WHERE tenant_id = @t)")]
            public partial Task<List<IdRow>> AnyPinnedToTheSameKey(long t);
            """));
    }

    [Fact]
    public async Task A_common_table_expression_over_shards_must_be_pinned_to_the_query_key()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("WITH {|SG0107:c AS (SELECT country_code, count(*) AS n FROM customers GROUP BY country_code)|} SELECT o.id FROM orders o JOIN c ON c.n = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Unpinned(long t);

            [Query("SELECT o.id FROM orders o JOIN {|SG0107:(SELECT tenant_id, id FROM customers ORDER BY id LIMIT 10) AS c|} ON c.tenant_id = o.tenant_id WHERE o.total > 5")]
            public partial Task<List<IdRow>> FromSubqueryWithLimitOverAllShards();

            [Query("SELECT o.id FROM orders o {|SG0107:JOIN (SELECT tenant_id, id FROM customers) c ON c.id = o.customer_id|}")]
            public partial Task<List<IdRow>> FromSubqueryNotJoinedOnTheKey();

            [Query("WITH c AS (SELECT id, tenant_id FROM customers WHERE tenant_id = @t) SELECT o.id FROM orders o JOIN c ON c.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Pinned(long t);
            """));
    }

    [Fact]
    public async Task A_subquery_in_a_write_not_joined_on_the_key_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("DELETE FROM orders WHERE customer_id IN {|SG0107:(SELECT id FROM customers WHERE name = 'x')|}")]
            public partial Task<int> OverAllShards();

            [Query("UPDATE orders SET total = 0 WHERE tenant_id = @t AND {|SG0107:EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = @u)|}")]
            public partial Task<int> AnotherKey(long t, long u);
            """));
    }
}
