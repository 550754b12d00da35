using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0106: a join of distributed tables in different colocation groups; underlined on the later table.</summary>
public sealed class SG0106Tests
{
    [Fact]
    public async Task A_join_with_a_table_of_another_group_is_underlined_on_that_table()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN {|SG0106:readings r|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task A_comma_join_is_underlined_on_the_table_name()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM orders o, {|SG0106:readings|} WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task The_first_distributed_table_decides_which_one_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT o.id FROM readings r JOIN {|SG0106:orders o|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """));
    }

    [Fact]
    public async Task Keys_of_different_types_get_no_ColocateWith_advice()
    {
        var diagnostic = await SingleAsync(Queries("""
            [Query("SELECT o.id FROM orders o JOIN readings r ON r.order_id = o.id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> Bad(long t);
            """), "SG0106", "'orders' (colocation group int8)", "'readings' (colocation group uuid)", "different types", "[Reference]");
        Assert.DoesNotContain("Colocate them", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_of_one_type_get_ColocateWith_advice_and_the_code_fix_gets_both_types()
    {
        var diagnostics = await AnalyzeAsync(TableTypes + """

            [Distributed(nameof(TenantId), Colocation = DistributedAttribute.NoColocation)]
            public sealed record Invoice(long TenantId, long Id, long OrderId);

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT o.id FROM orders o JOIN invoices i ON i.tenant_id = o.tenant_id AND i.order_id = o.id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Bad(long t);
            }
            """);
        var diagnostic = Assert.Single(diagnostics, d => d.Id == "SG0106");
        Assert.Contains("ColocateWith", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal("Invoice", diagnostic.Properties[ShardGenAnalyzer.FixTypeProperty]);
        Assert.Equal("Order", diagnostic.Properties[ShardGenAnalyzer.FixOtherTypeProperty]);
    }

    [Fact]
    public async Task Colocated_tables_and_reference_tables_raise_nothing()
    {
        await Verifier.VerifyAsync(TableTypes + """

            [Distributed(nameof(TenantId), ColocateWith = typeof(Order))]
            public sealed record Shipment(long TenantId, long Id, long OrderId);

            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT o.id FROM orders o JOIN shipments s ON s.tenant_id = o.tenant_id AND s.order_id = o.id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Colocated(long t);

                [Query("SELECT o.id FROM orders o JOIN countries c ON c.id = o.customer_id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> WithReference(long t);

                [Query("SELECT r.id FROM readings r JOIN countries c ON c.id = r.order_id WHERE r.device_id = @d")]
                public partial Task<List<IdRow>> OtherGroupAlone(Guid d);
            }
            """);
    }

    [Fact]
    public async Task A_subquery_over_a_table_of_another_colocation_group_is_underlined()
    {
        await Verifier.VerifyAsync(Queries("""
            [Query("SELECT id FROM orders WHERE tenant_id = @t AND id IN (SELECT order_id FROM {|SG0106:readings|} WHERE device_id = @d)")]
            public partial Task<List<IdRow>> Bad(long t, Guid d);
            """));
    }
}
