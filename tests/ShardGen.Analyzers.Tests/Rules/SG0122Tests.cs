using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>
/// SG0122 (info): a join of distributed rows with a local table, or with a reference table on the preserved side of an
/// outer join, runs on the coordinator with the distributed rows brought there; noted on the distributed table.
/// </summary>
public sealed class SG0122Tests
{
    [Fact]
    public async Task A_local_table_joined_with_a_distributed_one_is_noted_on_the_distributed_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM {|SG0122:orders|} o JOIN audit_entries a ON a.id = o.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Joined(long t);

            [Query("SELECT a.id FROM audit_entries a JOIN {|SG0122:orders|} o ON a.id = o.id WHERE o.tenant_id = ANY(@ts)")]
            public partial Task<List<IdRow>> LocalFirstOverSeveralKeys(long[] ts);

            [Query("SELECT o.id FROM {|SG0122:orders|} o, audit_entries a WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Comma(long t);
            """));
    }

    [Fact]
    public async Task A_reference_table_preserved_by_an_outer_join_is_noted_on_the_distributed_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT c.id FROM countries c LEFT JOIN {|SG0122:orders|} o ON o.customer_id = c.id AND o.tenant_id = @t")]
            public partial Task<List<IdRow>> Left(long t);

            [Query("SELECT c.id FROM {|SG0122:orders|} o RIGHT JOIN countries c ON o.customer_id = c.id AND o.tenant_id = @t")]
            public partial Task<List<IdRow>> Right(long t);
            """));
    }

    [Fact]
    public async Task Without_a_key_condition_on_the_brought_table_every_shard_is_read_and_SG0120_says_so()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT c.id FROM countries c FULL JOIN {|SG0120:{|SG0122:orders|}|} o ON o.customer_id = c.id")]
            public partial Task<List<IdRow>> Full();

            [Query("SELECT o.id FROM countries c LEFT JOIN {|SG0120:{|SG0122:orders|}|} o ON o.customer_id = c.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> KeyConditionOnTheNullableSideIsNotPushed(long t);
            """));
    }

    [Fact]
    public async Task The_message_names_the_table_and_the_columns_brought()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN audit_entries a ON a.id = o.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Joined(long t);
            """), "SG0122", "'orders'", "(tenant_id, id)", "coordinator");
    }
}
