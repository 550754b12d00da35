using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0013: a property name in [Index], its Include, [Unique] or [ForeignKey] that names no stored property; underlined on the name.</summary>
public sealed class SG0013Tests
{
    [Fact]
    public async Task A_misspelt_index_property_is_an_error_on_the_name()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [Index(nameof(TenantId), {|SG0013:"Emial"|})]
            public sealed record Customer(long TenantId, long Id, string Email);
            """);
    }

    [Fact]
    public async Task An_Include_element_unique_and_foreign_key_names_are_checked_too()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [Index(nameof(TenantId), Include = new[] { nameof(Email), {|SG0013:"Nickname"|} })]
            [Unique(nameof(TenantId), {|SG0013:nameof(Extra)|})]
            [ForeignKey(typeof(Country), {|SG0013:"CountryCode"|})]
            public sealed class Customer
            {
                public long TenantId { get; set; }
                public long Id { get; set; }
                public string Email { get; set; } = "";
                public long CountryId { get; set; }
                [NotMapped] public string Extra { get; set; } = "";
            }

            [Reference]
            public sealed record Country(long Id, string Code);
            """);
    }

    [Fact]
    public async Task The_message_names_the_property_the_type_and_what_to_do()
    {
        await SingleAsync(Usings + """
            [Reference]
            [Index("Cod")]
            public sealed record Country(long Id, string Code);
            """, "SG0013", "'Cod'", "[Index]", "'Country'", "nameof");
    }

    [Fact]
    public async Task Names_of_stored_properties_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [Index(nameof(TenantId), nameof(Email), Include = new[] { nameof(Name) })]
            [Unique(nameof(TenantId), nameof(Name))]
            public sealed record Customer(long TenantId, long Id, string Email, string Name);
            """);
    }
}
