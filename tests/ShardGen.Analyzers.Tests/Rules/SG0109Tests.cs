using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0109: a local table read with a distributed table where ShardGen cannot bring the distributed rows to the coordinator (a statement with subqueries); underlined on the local table.</summary>
public sealed class SG0109Tests
{
    [Fact]
    public async Task A_local_table_joined_to_a_distributed_one_in_a_statement_with_a_subquery_is_underlined_on_the_local_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN {|SG0109:audit_entries a|} ON a.id = o.id WHERE o.tenant_id = @t AND o.customer_id IN (SELECT id FROM countries)")]
            public partial Task<List<IdRow>> Joined(long t);

            [Query("SELECT a.id FROM {|SG0109:audit_entries a|} JOIN orders o ON a.id = o.id WHERE o.tenant_id = @t AND EXISTS (SELECT 1 FROM countries)")]
            public partial Task<List<IdRow>> LocalFirst(long t);
            """));
    }

    [Fact]
    public async Task The_message_names_both_tables()
    {
        await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN audit_entries a ON a.id = o.id WHERE o.tenant_id = @t AND EXISTS (SELECT 1 FROM countries)")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0109", "Local table 'audit_entries'", "distributed table 'orders'", "[Reference]", "subqueries");
    }

    [Fact]
    public async Task Local_tables_alone_or_with_reference_tables_raise_nothing()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM audit_entries WHERE message LIKE @pattern")]
            public partial Task<List<IdRow>> Alone(string pattern);

            [Query("SELECT a.id FROM audit_entries a JOIN countries c ON a.id = c.id")]
            public partial Task<List<IdRow>> WithReference();
            """));
    }

    [Fact]
    public async Task A_local_table_in_a_subquery_of_a_distributed_query_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND id IN (SELECT id FROM {|SG0109:audit_entries|})")]
            public partial Task<List<IdRow>> Bad(long t);

            [Query("SELECT id FROM audit_entries WHERE id IN (SELECT id FROM countries)")]
            public partial Task<List<IdRow>> LocalWithReference();
            """));
    }

    [Fact]
    public async Task INSERT_SELECT_between_local_and_distributed_tables_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("INSERT INTO audit_entries (id, message) SELECT id, status FROM {|SG0109:orders|} WHERE tenant_id = @t")]
            public partial Task<int> IntoLocal(long t);

            [Query("INSERT INTO customers (tenant_id, id, name, country_code) SELECT id, id, message, 'DE' FROM {|SG0109:audit_entries|}")]
            public partial Task<int> FromLocal();

            [Query("INSERT INTO audit_entries (id, message) SELECT id, name FROM countries")]
            public partial Task<int> LocalFromReference();
            """));
    }
}
