using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0121 (info): ORDER BY an aggregate with LIMIT over several shards; noted on the LIMIT clause.</summary>
public sealed class SG0121Tests
{
    [Fact]
    public async Task ORDER_BY_an_aggregate_with_LIMIT_is_noted_on_the_LIMIT_clause()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status ORDER BY count(*) DESC {|SG0121:LIMIT 5|}")]
            public partial Task<List<StatusCount>> Top();
            """));
    }

    [Fact]
    public async Task By_position_or_alias_and_with_a_parameter_and_OFFSET()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status ORDER BY 2 DESC {|SG0121:LIMIT @n|} OFFSET 5")]
            public partial Task<List<StatusCount>> ByPosition(int n);

            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status ORDER BY count DESC {|SG0121:LIMIT 5|}")]
            public partial Task<List<StatusCount>> ByAlias();
            """));
    }

    [Fact]
    public async Task The_message_says_where_LIMIT_applies_and_what_to_do()
    {
        await SingleAsync(Queries("""
            [Query("SELECT status, count(*) AS count FROM orders GROUP BY status ORDER BY count(*) DESC LIMIT 5")]
            public partial Task<List<StatusCount>> Top();
            """), "SG0121", "LIMIT", "every group of every shard", "pin the query to one key");
    }

    [Fact]
    public async Task Pinned_queries_group_keys_and_queries_without_LIMIT_are_not_noted()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT status, count(*) AS count FROM orders WHERE tenant_id = @t GROUP BY status ORDER BY 2 DESC LIMIT 5")]
            public partial Task<List<StatusCount>> Pinned(long t);

            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status ORDER BY status LIMIT 5")]
            public partial Task<List<StatusCount>> ByGroupKey();

            [Query("SELECT status, count(*) AS count FROM {|SG0120:orders|} GROUP BY status ORDER BY 2 DESC")]
            public partial Task<List<StatusCount>> WithoutLimit();

            [Query("SELECT tenant_id AS id FROM {|SG0120:orders|} GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 5")]
            public partial Task<List<IdRow>> GroupedByTheKey();
            """));
    }
}
