using ShardGen.CodeFixes;
using Fix = ShardGen.Analyzers.Tests.CodeFixes.CodeFixVerifier<ShardGen.CodeFixes.PrimaryKeyIncludesDistributionKeyFix>;

namespace ShardGen.Analyzers.Tests.CodeFixes;

public sealed class PrimaryKeyIncludesDistributionKeyFixTests
{
    [Fact]
    public async Task A_positional_record_parameter_gets_a_property_targeted_PrimaryKey()
    {
        await Fix.VerifyAsync(
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order(long {|SG0005:TenantId|}, [property: PrimaryKey] long Id, string Status);
            """,
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order([property: PrimaryKey] long TenantId, [property: PrimaryKey] long Id, string Status);
            """,
            PrimaryKeyIncludesDistributionKeyFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_parameter_on_its_own_line_keeps_its_indentation_and_its_other_attributes()
    {
        await Fix.VerifyAsync(
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order(
                [property: Column("tenant")] long {|SG0005:TenantId|},
                [property: PrimaryKey] long Id);
            """,
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order(
                [property: PrimaryKey] [property: Column("tenant")] long TenantId,
                [property: PrimaryKey] long Id);
            """,
            PrimaryKeyIncludesDistributionKeyFix.EquivalenceKey);
    }

    [Fact]
    public async Task A_property_gets_PrimaryKey_on_a_line_of_its_own_ordered_before_the_other_key_columns()
    {
        await Fix.VerifyAsync(
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed class OrderLine
            {
                /// <summary>The tenant.</summary>
                [Column("tenant")]
                public long {|SG0005:TenantId|} { get; set; }

                [PrimaryKey(Order = 1)]
                public long OrderId { get; set; }

                [PrimaryKey(Order = 2)]
                public long Line { get; set; }
            }
            """,
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed class OrderLine
            {
                /// <summary>The tenant.</summary>
                [PrimaryKey(Order = 0)]
                [Column("tenant")]
                public long TenantId { get; set; }

                [PrimaryKey(Order = 1)]
                public long OrderId { get; set; }

                [PrimaryKey(Order = 2)]
                public long Line { get; set; }
            }
            """,
            PrimaryKeyIncludesDistributionKeyFix.EquivalenceKey);
    }

    [Fact]
    public async Task Without_using_ShardGen_the_attribute_is_qualified()
    {
        await Fix.VerifyAsync(
            """
            [ShardGen.Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long {|SG0005:TenantId|} { get; set; }

                [ShardGen.PrimaryKey]
                public long Number { get; set; }
            }
            """,
            """
            [ShardGen.Distributed(nameof(TenantId))]
            public sealed class Order
            {
                [ShardGen.PrimaryKey]
                public long TenantId { get; set; }

                [ShardGen.PrimaryKey]
                public long Number { get; set; }
            }
            """,
            PrimaryKeyIncludesDistributionKeyFix.EquivalenceKey);
    }

    [Fact]
    public async Task Fix_all_in_the_document_adds_every_distribution_key()
    {
        await Fix.VerifyAsync(
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order(long {|SG0005:TenantId|}, [property: PrimaryKey] long Number);

            [Distributed(nameof(DeviceId))]
            public sealed class Reading
            {
                public System.Guid {|SG0005:DeviceId|} { get; set; }

                [PrimaryKey(Order = -3)]
                public long Sequence { get; set; }
            }
            """,
            """
            using ShardGen;

            [Distributed(nameof(TenantId))]
            public sealed record Order([property: PrimaryKey] long TenantId, [property: PrimaryKey] long Number);

            [Distributed(nameof(DeviceId))]
            public sealed class Reading
            {
                [PrimaryKey(Order = -4)]
                public System.Guid DeviceId { get; set; }

                [PrimaryKey(Order = -3)]
                public long Sequence { get; set; }
            }
            """,
            PrimaryKeyIncludesDistributionKeyFix.EquivalenceKey);
    }
}
