using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0012: a primary key column declared nullable; underlined on the property.</summary>
public sealed class SG0012Tests
{
    [Fact]
    public async Task A_nullable_Id_is_underlined_on_the_positional_parameter()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long? {|SG0012:Id|}, string Name);
            """);
    }

    [Fact]
    public async Task A_nullable_PrimaryKey_string_is_underlined_on_the_property()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                [PrimaryKey] public long TenantId { get; set; }
                [PrimaryKey(Order = 1)] public string? {|SG0012:Code|} { get; set; }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_column_and_the_type()
    {
        await SingleAsync(Usings + """
            [Reference]
            public sealed record Country(long? Id, string Name);
            """, "SG0012", "'Id'", "'Country'", "NOT NULL");
    }

    [Fact]
    public async Task Primary_keys_that_are_not_nullable_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string? Name);

            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                [PrimaryKey] public long TenantId { get; set; }
                [PrimaryKey(Order = 1)] public string Code { get; set; } = "";
            }
            """);
    }

    [Fact]
    public async Task A_string_key_outside_a_nullable_context_is_taken_as_not_null()
    {
        await Verifier.VerifyAsync(Usings + """
            #nullable disable
            [Local]
            public sealed class Setting
            {
                [PrimaryKey] public string Key { get; set; }
                public string Value { get; set; }
            }
            """);
    }
}
