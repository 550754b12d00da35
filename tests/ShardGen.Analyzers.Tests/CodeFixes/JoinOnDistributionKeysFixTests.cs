using ShardGen.CodeFixes;
using Fix = ShardGen.Analyzers.Tests.CodeFixes.CodeFixVerifier<ShardGen.CodeFixes.JoinOnDistributionKeysFix>;

namespace ShardGen.Analyzers.Tests.CodeFixes;

/// <summary>
/// SG0107's fix adds the key equality only where the query's conditions already make the keys equal (here through the
/// reference table tenants: c.tenant_id = tn.id AND tn.id = o.tenant_id), so that it changes no answer; everywhere
/// else it is not offered.
/// </summary>
public sealed class JoinOnDistributionKeysFixTests
{
    private const string ExtraTables = """
        [Reference]
        public sealed record Tenant(long Id, string Name);

        [Distributed(nameof(DeviceId))]
        public sealed record Device(long DeviceId, long TenantId, string Name);

        """;

    private static string Queries(string members) => QueryModel.Tables + ExtraTables + """
        public sealed partial class Q
        {
            public ShardedDataSource? Source { get; set; }

        """ + members + """

        }
        """;

    [Fact]
    public async Task The_key_equality_goes_at_the_end_of_the_ON_clause_of_a_regular_literal()
    {
        await Fix.VerifyAsync(
            Queries("""
                    [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|} WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task Escape_sequences_before_the_join_are_counted_as_the_characters_they_stand_for()
    {
        await Fix.VerifyAsync(
            Queries("""
                    [Query("SELECT o.id\tFROM \"orders\" o\u0020JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|}\nWHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query("SELECT o.id\tFROM \"orders\" o\u0020JOIN tenants tn ON tn.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id\nWHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_verbatim_literal_with_doubled_quotes_gets_the_equality_at_the_end_of_the_ON_clause()
    {
        await Fix.VerifyAsync(
            Queries("""
                    [Query(@"SELECT o.id AS ""id""
                             FROM ""orders"" o JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|}
                             WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query(@"SELECT o.id AS ""id""
                             FROM ""orders"" o JOIN tenants tn ON tn.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id
                             WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_multi_line_raw_literal_gets_the_equality_at_the_end_of_the_ON_line()
    {
        await Fix.VerifyAsync(
            Queries(""""
                    [Query("""
                        SELECT o.id
                        FROM orders o
                        JOIN tenants tn ON tn.id = o.tenant_id
                        {|SG0107:JOIN customers c
                          ON c.id = o.customer_id AND c.tenant_id = tn.id|}
                        WHERE o.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> M(long t);
                """"),
            Queries(""""
                    [Query("""
                        SELECT o.id
                        FROM orders o
                        JOIN tenants tn ON tn.id = o.tenant_id
                        JOIN customers c
                          ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id
                        WHERE o.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> M(long t);
                """"),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_join_that_ends_the_raw_literal_gets_the_equality_before_the_closing_line()
    {
        await Fix.VerifyAsync(
            Queries(""""
                    [Query("""
                        SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id
                        {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|}
                        """)]
                    public partial Task<List<IdRow>> M();
                """"),
            Queries(""""
                    [Query("""
                        SELECT o.id FROM {|SG0120:orders|} o JOIN tenants tn ON tn.id = o.tenant_id
                        JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id
                        """)]
                    public partial Task<List<IdRow>> M();
                """"),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task Fix_all_in_the_document_adds_every_missing_equality()
    {
        await Fix.VerifyAsync(
            Queries(""""
                    [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|} WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("""
                        SELECT c.id FROM customers c
                        JOIN tenants tn ON tn.id = c.tenant_id
                        {|SG0107:JOIN orders o ON o.customer_id = c.id AND o.tenant_id = tn.id|}
                        WHERE c.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> Second(long t);
                """"),
            Queries(""""
                    [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id AND c.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("""
                        SELECT c.id FROM customers c
                        JOIN tenants tn ON tn.id = c.tenant_id
                        JOIN orders o ON o.customer_id = c.id AND o.tenant_id = tn.id AND o.tenant_id = c.tenant_id
                        WHERE c.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> Second(long t);
                """"),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_join_without_an_ON_clause_gets_no_fix()
    {
        var source = Queries("""
                [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id, {|SG0107:customers c|} WHERE c.id = o.customer_id AND c.tenant_id = tn.id AND o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }

    [Fact]
    public async Task A_join_whose_key_equality_the_query_does_not_imply_gets_no_fix()
    {
        // Adding c.tenant_id = o.tenant_id here would drop the orders whose customer_id names another tenant's customer.
        var source = Queries("""
                [Query("SELECT o.id FROM orders o {|SG0107:JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }

    [Fact]
    public async Task An_outer_join_gets_no_fix_even_where_the_equality_is_implied()
    {
        // One SG0107 on the join (not joined on the keys), not a second one for the outer join on the same span.
        var source = Queries("""
                [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:LEFT JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|} WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }

    [Fact]
    public async Task An_inner_join_in_a_statement_with_an_outer_join_gets_no_fix()
    {
        var source = Queries("""
                [Query("SELECT o.id FROM orders o JOIN tenants tn ON tn.id = o.tenant_id {|SG0107:JOIN customers c ON c.id = o.customer_id AND c.tenant_id = tn.id|} LEFT JOIN tenants x ON x.name = c.name WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }

    [Fact]
    public async Task Tables_that_share_shards_only_by_key_type_get_no_fix()
    {
        // The issue's case: d.device_id = o.tenant_id would turn the build green and the count of 9000 rows into 0.
        var source = Queries("""
                [Query("SELECT o.id FROM orders o {|SG0107:JOIN devices d ON d.tenant_id = o.tenant_id|} WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Inner(long t);

                [Query("SELECT o.id FROM orders o {|SG0107:LEFT JOIN devices d ON d.tenant_id = o.tenant_id|} WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Outer(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }
}
