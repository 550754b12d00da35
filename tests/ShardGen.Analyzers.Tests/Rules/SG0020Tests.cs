using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0020: a foreign key whose properties do not fit the principal's primary key (count, or a column's type).</summary>
public sealed class SG0020Tests
{
    [Fact]
    public async Task Fewer_properties_than_primary_key_columns_is_an_error_on_the_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Customer(long TenantId, long Id);

            [Distributed(nameof(TenantId))]
            [{|SG0020:ForeignKey(typeof(Customer), nameof(TenantId))|}]
            public sealed record Order(long TenantId, long Id, long CustomerId);
            """);
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Customer(long TenantId, long Id);

            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), nameof(TenantId))]
            public sealed record Order(long TenantId, long Id, long CustomerId);
            """, "SG0020", "has 1 column", "'customers' ('tenant_id', 'id') has 2 columns", "in its order");
    }

    [Fact]
    public async Task A_column_of_another_type_is_an_error_on_its_property()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Code);

            [Reference]
            [ForeignKey(typeof(Country), {|SG0020:nameof(CountryId)|})]
            public sealed record Region(long Id, int CountryId);
            """);
        await SingleAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Code);

            [Reference]
            [ForeignKey(typeof(Country), nameof(CountryId))]
            public sealed record Region(long Id, int CountryId);
            """, "SG0020", "'CountryId' is integer", "'countries'.'id', is bigint", "Country.Id");
    }

    [Fact]
    public async Task Matching_columns_raise_nothing()
    {
        // An enum is stored as its number: it fits an integer key.
        await Verifier.VerifyAsync(Usings + """
            public enum Kind { A, B }

            [Reference]
            public sealed record Category(int Id, string Name);

            [Reference]
            [ForeignKey(typeof(Category), nameof(Kind))]
            public sealed record Item(long Id, Kind Kind);
            """);
    }
}
