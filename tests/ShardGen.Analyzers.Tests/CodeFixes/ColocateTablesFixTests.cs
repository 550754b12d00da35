using ShardGen.CodeFixes;
using Fix = ShardGen.Analyzers.Tests.CodeFixes.CodeFixVerifier<ShardGen.CodeFixes.ColocateTablesFix>;

namespace ShardGen.Analyzers.Tests.CodeFixes;

public sealed class ColocateTablesFixTests
{
    private const string Usings = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using ShardGen;

        """;

    private const string Query = Usings + """
        public sealed record IdRow(long Id);

        public sealed partial class Q
        {
            public ShardedDataSource? Source { get; set; }

            [Query("SELECT o.id FROM orders o JOIN {|SG0106:branches b|} ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> M(long t);
        }
        """;

    private const string FixedQuery = Usings + """
        public sealed record IdRow(long Id);

        public sealed partial class Q
        {
            public ShardedDataSource? Source { get; set; }

            [Query("SELECT o.id FROM orders o JOIN branches b ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
            public partial Task<List<IdRow>> M(long t);
        }
        """;

    [Fact]
    public async Task Colocate_replaces_the_named_group_with_ColocateWith_in_the_declaration_of_the_table()
    {
        await Fix.VerifyAsync(
            Query + """

                [Distributed(nameof(TenantId))]
                public sealed record Order(long TenantId, long Id);

                [Distributed(nameof(Region), Colocation = "regions")]
                public sealed record Branch(long Region, long Id);
                """,
            FixedQuery + """

                [Distributed(nameof(TenantId))]
                public sealed record Order(long TenantId, long Id);

                [Distributed(nameof(Region), ColocateWith = typeof(Order))]
                public sealed record Branch(long Region, long Id);
                """,
            ColocateTablesFix.ColocateEquivalenceKey);
    }

    [Fact]
    public async Task Colocate_edits_the_table_where_it_is_declared_in_another_document_and_namespace()
    {
        var test = Fix.Create(Query.Replace("using ShardGen;", "using ShardGen;\nusing Sample;"), FixedQuery.Replace("using ShardGen;", "using ShardGen;\nusing Sample;"),
            ColocateTablesFix.ColocateEquivalenceKey);
        test.TestState.Sources.Add(("Tables.cs", """
            namespace Sample;

            [ShardGen.Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [ShardGen.Distributed(nameof(Region), Colocation = ShardGen.DistributedAttribute.NoColocation, Table = "branches")]
            public sealed record Branch(long Region, long Id);
            """));
        test.FixedState.Sources.Add(("Tables.cs", """
            namespace Sample;

            [ShardGen.Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [ShardGen.Distributed(nameof(Region), ColocateWith = typeof(Order), Table = "branches")]
            public sealed record Branch(long Region, long Id);
            """));
        await test.RunAsync();
    }

    [Fact]
    public async Task Colocate_adds_ColocateWith_after_the_key_when_the_table_names_no_group()
    {
        // Both keys are long, so Branch joins the default group of long keys with ColocateWith;
        // the mismatch here comes from Order naming a group of its own.
        await Fix.VerifyAsync(
            Query + """

                [Distributed(nameof(TenantId), Colocation = "tenants")]
                public sealed record Order(long TenantId, long Id);

                [Distributed(nameof(Region))]
                public sealed record Branch(long Region, long Id);
                """,
            FixedQuery + """

                [Distributed(nameof(TenantId), Colocation = "tenants")]
                public sealed record Order(long TenantId, long Id);

                [Distributed(nameof(Region), ColocateWith = typeof(Order))]
                public sealed record Branch(long Region, long Id);
                """,
            ColocateTablesFix.ColocateEquivalenceKey);
    }

    [Fact]
    public async Task Make_reference_replaces_Distributed_with_Reference()
    {
        await Fix.VerifyAsync(
            QueryModel.Tables + """
                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN {|SG0106:readings r|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                }
                """,
            QueryModel.Tables.Replace("[Distributed(nameof(DeviceId))]", "[Reference]") + """
                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN readings r ON r.order_id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> M(long t);
                }
                """,
            ColocateTablesFix.MakeReferenceEquivalenceKey);
    }

    [Fact]
    public async Task Make_reference_keeps_the_table_name()
    {
        var test = Fix.Create(Query.Replace("using ShardGen;", "using ShardGen;\nusing Sample;"), FixedQuery.Replace("using ShardGen;", "using ShardGen;\nusing Sample;"),
            ColocateTablesFix.MakeReferenceEquivalenceKey);
        test.TestState.Sources.Add(("Tables.cs", """
            namespace Sample;

            [ShardGen.Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [ShardGen.Distributed(nameof(Region), Colocation = "regions", Table = "branches")] // placed by region
            public sealed record Branch(long Region, long Id);
            """));
        test.FixedState.Sources.Add(("Tables.cs", """
            namespace Sample;

            [ShardGen.Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [ShardGen.Reference(Table = "branches")] // placed by region
            public sealed record Branch(long Region, long Id);
            """));
        await test.RunAsync();
    }

    [Fact]
    public async Task Fix_all_in_the_document_colocates_every_table()
    {
        await Fix.VerifyAsync(
            QueryModel.Tables + """
                [Distributed(nameof(Region), Colocation = DistributedAttribute.NoColocation)]
                public sealed record Depot(long Region, long Id);

                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN {|SG0106:branches b|} ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("SELECT o.id FROM orders o JOIN {|SG0106:depots d|} ON d.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Second(long t);

                    [Query("SELECT b.id FROM orders o JOIN {|SG0106:branches b|} ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Third(long t);
                }
                """,
            QueryModel.Tables.Replace("Colocation = \"regions\"", "ColocateWith = typeof(Order)") + """
                [Distributed(nameof(Region), ColocateWith = typeof(Order))]
                public sealed record Depot(long Region, long Id);

                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN branches b ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("SELECT o.id FROM orders o JOIN depots d ON d.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Second(long t);

                    [Query("SELECT b.id FROM orders o JOIN branches b ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Third(long t);
                }
                """,
            ColocateTablesFix.ColocateEquivalenceKey);
    }

    [Fact]
    public async Task Fix_all_in_the_document_makes_every_table_a_reference_table()
    {
        await Fix.VerifyAsync(
            QueryModel.Tables + """
                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN {|SG0106:readings r|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("SELECT o.id FROM orders o JOIN {|SG0106:branches b|} ON b.id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Second(long t);
                }
                """,
            QueryModel.Tables
                .Replace("[Distributed(nameof(DeviceId))]", "[Reference]")
                .Replace("[Distributed(nameof(Region), Colocation = \"regions\")]", "[Reference]") + """
                public sealed partial class Q
                {
                    public ShardedDataSource? Source { get; set; }

                    [Query("SELECT o.id FROM orders o JOIN readings r ON r.order_id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> First(long t);

                    [Query("SELECT o.id FROM orders o JOIN branches b ON b.id = o.id WHERE o.tenant_id = @t")]
                    public partial Task<List<IdRow>> Second(long t);
                }
                """,
            ColocateTablesFix.MakeReferenceEquivalenceKey);
    }

    [Fact]
    public async Task Colocate_is_not_offered_for_a_table_whose_key_has_another_type()
    {
        // Reading's key is a Guid, Order's a long: they can never share a colocation group.
        var source = QueryModel.Tables + """
            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT o.id FROM orders o JOIN {|SG0106:readings r|} ON r.order_id = o.id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> M(long t);
            }
            """;
        await Fix.VerifyAsync(source, source, ColocateTablesFix.ColocateEquivalenceKey);
    }

    [Fact]
    public async Task Colocate_is_offered_only_when_the_distribution_keys_have_the_same_type()
    {
        var source = QueryModel.Tables + """
            public sealed partial class Q
            {
                public ShardedDataSource? Source { get; set; }

                [Query("SELECT o.id FROM orders o JOIN readings r ON r.order_id = o.id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Guids(long t);

                [Query("SELECT o.id FROM orders o JOIN branches b ON b.region = o.tenant_id WHERE o.tenant_id = @t")]
                public partial Task<List<IdRow>> Longs(long t);
            }
            """;

        var offered = await CodeActions.OfferedAsync(new ColocateTablesFix(), source);

        Assert.Equal(
            [
                ("SG0106", "Make Reading a reference table", ColocateTablesFix.MakeReferenceEquivalenceKey),
                ("SG0106", "Colocate Branch with Order", ColocateTablesFix.ColocateEquivalenceKey),
                ("SG0106", "Make Branch a reference table", ColocateTablesFix.MakeReferenceEquivalenceKey),
            ],
            offered);
    }
}
