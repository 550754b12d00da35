using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0014: an index with neither properties nor Expression, a unique constraint or foreign key without properties, a check without SQL.</summary>
public sealed class SG0014Tests
{
    [Fact]
    public async Task An_index_without_keys_is_an_error_on_the_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [{|SG0014:Index(Name = "countries_nothing")|}]
            [{|SG0014:Unique|}]
            public sealed record Country(long Id, string Code);
            """);
    }

    [Fact]
    public async Task A_check_without_an_expression_is_an_error_on_the_expression()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Check("countries_code", {|SG0014:""|})]
            public sealed record Country(long Id, string Code);
            """);
    }

    [Fact]
    public async Task An_expression_index_and_a_check_with_SQL_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(Expression = "lower(code)")]
            [Check("countries_code_short", "length(code) <= 3")]
            public sealed record Country(long Id, string Code);
            """);
    }
}
