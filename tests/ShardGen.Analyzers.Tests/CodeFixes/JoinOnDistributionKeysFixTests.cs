using ShardGen.CodeFixes;
using Fix = ShardGen.Analyzers.Tests.CodeFixes.CodeFixVerifier<ShardGen.CodeFixes.JoinOnDistributionKeysFix>;

namespace ShardGen.Analyzers.Tests.CodeFixes;

public sealed class JoinOnDistributionKeysFixTests
{
    private static string Queries(string members) => QueryModel.Tables + """
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
                    [Query("SELECT o.id FROM orders o {|SG0107:JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            JoinOnDistributionKeysFix.EquivalenceKey);
    }

    [Fact]
    public async Task Escape_sequences_before_the_join_are_counted_as_the_characters_they_stand_for()
    {
        await Fix.VerifyAsync(
            Queries("""
                    [Query("SELECT o.id\tFROM \"orders\" o\u0020{|SG0107:JOIN customers c ON c.id = o.customer_id|}\nWHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query("SELECT o.id\tFROM \"orders\" o\u0020JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.tenant_id\nWHERE o.tenant_id = @t")]
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
                             FROM ""orders"" o {|SG0107:JOIN customers c ON c.id = o.customer_id|}
                             WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                """),
            Queries("""
                    [Query(@"SELECT o.id AS ""id""
                             FROM ""orders"" o JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.tenant_id
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
                        {|SG0107:JOIN customers c
                          ON c.id = o.customer_id|}
                        WHERE o.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> M(long t);
                """"),
            Queries(""""
                    [Query("""
                        SELECT o.id
                        FROM orders o
                        JOIN customers c
                          ON c.id = o.customer_id AND c.tenant_id = o.tenant_id
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
                        SELECT o.id FROM orders o
                        {|SG0107:JOIN customers c ON c.id = o.customer_id|}
                        """)]
                    public partial Task<List<IdRow>> M();
                """"),
            Queries(""""
                    [Query("""
                        SELECT o.id FROM {|SG0120:orders|} o
                        JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.tenant_id
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
                    [Query("SELECT o.id FROM orders o {|SG0107:JOIN customers c ON c.id = o.customer_id|} WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("""
                        SELECT c.id FROM customers c
                        {|SG0107:JOIN orders o ON o.customer_id = c.id|}
                        WHERE c.tenant_id = @t
                        """)]
                    public partial Task<List<IdRow>> Second(long t);
                """"),
            Queries(""""
                    [Query("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id AND c.tenant_id = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("""
                        SELECT c.id FROM customers c
                        JOIN orders o ON o.customer_id = c.id AND o.tenant_id = c.tenant_id
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
                [Query("SELECT o.id FROM orders o, {|SG0107:customers c|} WHERE c.id = o.customer_id AND o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            """);
        await Fix.VerifyAsync(source, source);
    }
}
