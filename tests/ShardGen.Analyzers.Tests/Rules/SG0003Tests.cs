using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0003: the distribution key is nullable; underlined on the key property.</summary>
public sealed class SG0003Tests
{
    [Fact]
    public async Task A_nullable_value_type_key_is_underlined_on_the_positional_parameter()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long? {|SG0003:TenantId|}, long Id);
            """);
    }

    [Fact]
    public async Task A_nullable_string_key_is_underlined_on_the_property()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public string? {|SG0003:TenantId|} { get; set; }
                public long Id { get; set; }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_key_and_the_type()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(Guid? TenantId, long Id);
            """, "SG0003", "'TenantId'", "'Order'");
    }

    [Fact]
    public async Task Keys_that_are_not_nullable_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(Country))]
            public sealed class Region
            {
                public string Country { get; set; } = "";
                public long Id { get; set; }
            }
            """);
    }

    [Fact]
    public async Task A_string_key_outside_a_nullable_context_is_taken_as_not_null()
    {
        await Verifier.VerifyAsync(Usings + """
            #nullable disable
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public string TenantId { get; set; }
                public long Id { get; set; }
            }
            """);
    }
}
