using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0016: two indexes or constraints of a table with one name (or an index name another table's index or the table itself has).</summary>
public sealed class SG0016Tests
{
    [Fact]
    public async Task A_second_object_with_a_name_is_an_error_on_its_name()
    {
        // Constraints are named first (CREATE TABLE), then indexes: the one PostgreSQL would refuse is reported.
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), Name = "countries_code")]
            [Index(nameof(Name), {|SG0016:Name = "countries_code"|})]
            [Check({|SG0016:"countries_pkey"|}, "code <> ''")]
            [Unique(nameof(Code))]
            [{|SG0016:Index(nameof(Code), IsUnique = true)|}]
            public sealed record Country(long Id, string Code, string Name);
            """);
    }

    [Fact]
    public async Task An_index_name_taken_by_another_tables_index_is_an_error_on_the_later_table()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code), Name = "by_code")]
            public sealed record Country(long Id, string Code);

            [Reference]
            [Index(nameof(Code), {|SG0016:Name = "by_code"|})]
            public sealed record Currency(long Id, string Code);
            """);
        await SingleAsync(Usings + """
            [Reference]
            [Index(nameof(Code), Name = "by_code")]
            public sealed record Country(long Id, string Code);

            [Reference]
            [Index(nameof(Code), Name = "by_code")]
            public sealed record Currency(long Id, string Code);
            """, "SG0016", "'by_code'", "'currencies'", "'countries'", "share the schema");
    }

    [Fact]
    public async Task Names_of_different_objects_raise_nothing()
    {
        // A unique index on the same columns as a unique constraint gets _key too: different names given, no clash.
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            [Index(nameof(Code))]
            [Unique(nameof(Code))]
            [Check("countries_code_check", "code <> ''")]
            public sealed record Country(long Id, string Code);

            [Reference]
            [Index(nameof(Code))]
            public sealed record Currency(long Id, string Code);
            """);
    }
}
