using System.Globalization;
using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0107: colocated tables not joined on their distribution keys; underlined on the join.</summary>
public sealed class SG0107Tests
{
    private const string MissingKeySql = "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = @t";

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
    public async Task The_message_names_the_tables_and_the_equality_and_the_code_fix_gets_it()
    {
        var diagnostic = await SingleAsync(Queries($$"""
            [Query("{{MissingKeySql}}")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0107", "'customers'", "'orders'", "'c.tenant_id = o.tenant_id'");
        Assert.Equal(" AND c.tenant_id = o.tenant_id", diagnostic.Properties[ShardGenAnalyzer.FixTextProperty]);
        var on = "c.id = o.customer_id";
        Assert.Equal((MissingKeySql.IndexOf(on, StringComparison.Ordinal) + on.Length).ToString(CultureInfo.InvariantCulture), diagnostic.Properties[ShardGenAnalyzer.FixAtProperty]);
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
