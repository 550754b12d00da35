using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0001: the distribution key of [Distributed] names no stored property.</summary>
public sealed class SG0001Tests
{
    [Fact]
    public async Task A_misspelt_key_is_underlined_on_the_key_argument()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed({|SG0001:"Tenant"|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task A_key_naming_a_NotMapped_property_is_underlined_on_the_nameof()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed({|SG0001:nameof(Total)|})]
            public sealed class Order
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                [NotMapped] public long Total => 1;
            }
            """);
    }

    [Fact]
    public async Task A_null_key_is_underlined_on_the_argument()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed({|SG0001:null!|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task The_message_names_the_key_and_the_type()
    {
        await SingleAsync(Usings + """
            [Distributed("Tenant")]
            public sealed record Order(long TenantId, long Id);
            """, "SG0001", "'Tenant'", "'Order'");
    }

    [Fact]
    public async Task A_key_naming_a_property_of_the_type_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed("TenantId")]
            public sealed class Customer
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
            }
            """);
    }
}
