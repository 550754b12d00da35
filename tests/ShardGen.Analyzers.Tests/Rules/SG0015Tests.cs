using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0015: an index or constraint name that is empty or longer than PostgreSQL's 63 bytes.</summary>
public sealed class SG0015Tests
{
    [Fact]
    public async Task A_name_over_63_bytes_is_an_error_on_the_name()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), {|SG0015:Name = "countries_by_code_and_a_very_long_explanation_of_why_it_exists_at_all"|})]
            [Check({|SG0015:""|}, "code <> ''")]
            public sealed record Country(long Id, string Code);
            """);
    }

    [Fact]
    public async Task A_default_name_over_63_bytes_is_reported_on_the_attribute_with_its_length()
    {
        var diagnostic = await SingleAsync(Usings + """
            [Reference(Table = "countries_of_the_world_and_their_dependent_territories")]
            [Index(nameof(Code), nameof(Name))]
            public sealed record Country(long Id, string Code, string Name);
            """, "SG0015", "'countries_of_the_world_and_their_dependent_territories_code_name_idx'", "68 bytes", "Name");
        Assert.Equal("Index(nameof(Code), nameof(Name))", Underlined(diagnostic));
    }

    [Fact]
    public async Task A_name_of_63_bytes_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), Name = "countries_by_code_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
            public sealed record Country(long Id, string Code);
            """);
    }
}
