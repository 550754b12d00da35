using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0009: a reference or local table without a primary key; underlined on the table attribute.</summary>
public sealed class SG0009Tests
{
    [Fact]
    public async Task A_reference_table_without_Id_or_PrimaryKey_is_underlined_on_the_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0009:Reference|}]
            public sealed record Country(string Code, string Name);
            """);
    }

    [Fact]
    public async Task A_local_table_without_a_key_is_underlined_on_the_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0009:Local(Table = "settings")|}]
            public sealed record Setting(string Key, string Value);
            """);
    }

    [Fact]
    public async Task The_message_names_the_kind_and_the_type()
    {
        await SingleAsync(Usings + """
            [Reference]
            public sealed record Country(string Code, string Name);
            """, "SG0009", "Reference table 'Country'", "[PrimaryKey]");
    }

    [Fact]
    public async Task An_Id_property_or_PrimaryKey_properties_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country([property: PrimaryKey] string Code, string Name);

            [Local]
            public sealed record Setting(long Id, string Value);
            """);
    }

    [Fact]
    public async Task A_distributed_table_without_a_key_has_its_distribution_key_as_primary_key()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Tenant(long TenantId, string Name);
            """);
    }
}
