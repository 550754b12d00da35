using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>
/// SG0108: a reference table as the preserved side of an outer join with a distributed table, in a statement ShardGen
/// cannot run on the coordinator (one with subqueries or common table expressions); underlined on the join. Without
/// those, the join runs on the coordinator (SG0122).
/// </summary>
public sealed class SG0108Tests
{
    [Fact]
    public async Task A_reference_table_LEFT_JOIN_a_distributed_table_with_a_subquery_is_underlined_on_the_join_clause()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM countries c {|SG0108:LEFT JOIN orders o ON o.customer_id = c.id|} WHERE o.tenant_id = @t AND c.id IN (SELECT id FROM countries WHERE code <> 'X')")]
            public partial Task<List<IdRow>> Bad(long t);

            [Query("WITH k AS (SELECT id FROM countries) SELECT o.id FROM k {|SG0108:LEFT JOIN orders o ON o.customer_id = k.id|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> CommonTableExpression(long t);
            """));
    }

    [Fact]
    public async Task RIGHT_and_FULL_joins_that_preserve_the_reference_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o {|SG0108:RIGHT JOIN countries c ON o.customer_id = c.id|} WHERE o.tenant_id = @t AND EXISTS (SELECT 1 FROM countries)")]
            public partial Task<List<IdRow>> Right(long t);

            [Query("SELECT o.id FROM orders o {|SG0108:FULL JOIN countries c ON o.customer_id = c.id|} WHERE o.tenant_id = @t AND EXISTS (SELECT 1 FROM countries)")]
            public partial Task<List<IdRow>> Full(long t);
            """));
    }

    [Fact]
    public async Task The_message_says_why_and_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM countries c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.tenant_id = @t AND c.id IN (SELECT id FROM countries)")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0108", "Reference table 'countries'", "distributed table 'orders'", "preserved side", "Reorder the join", "subqueries");
    }

    [Fact]
    public async Task Outer_joins_that_preserve_the_distributed_table_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o LEFT JOIN countries c ON o.customer_id = c.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Left(long t);

            [Query("SELECT o.id FROM countries c RIGHT JOIN orders o ON o.customer_id = c.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Right(long t);

            [Query("SELECT c.id FROM countries c LEFT JOIN countries p ON p.id = c.id")]
            public partial Task<List<IdRow>> ReferenceOnly();
            """));
    }

    [Fact]
    public async Task A_reference_table_joined_to_a_distributed_one_before_the_outer_join_raises_nothing()
    {
        // The preserved side (orders joined with countries) holds a distributed table: no reference row recurs per shard.
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN countries c ON c.id = o.customer_id LEFT JOIN customers cu ON cu.tenant_id = o.tenant_id AND cu.id = o.customer_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Good(long t);
            """));
    }
}
