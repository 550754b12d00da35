using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0021: ON DELETE SET NULL / SET DEFAULT on a foreign key that includes a distributed table's distribution key.</summary>
public sealed class SG0021Tests
{
    private const string Tables = Usings + """
        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id);

        [Reference]
        public sealed record Country(long Id, string Code);

        """;

    [Fact]
    public async Task Set_null_with_the_distribution_key_is_an_error_on_OnDelete()
    {
        await Verifier.VerifyAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId), {|SG0021:OnDelete = ReferentialAction.SetNull|})]
            public sealed record Order(long TenantId, long Id, long? CustomerId);
            """);
        await SingleAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId), OnDelete = ReferentialAction.SetDefault)]
            public sealed record Order(long TenantId, long Id, long CustomerId);
            """, "SG0021", "'orders'", "'TenantId'", "SET DEFAULT",
            "SET NULL or SET DEFAULT is not supported in ON DELETE operation when distribution key is included in the foreign key constraint");
    }

    [Fact]
    public async Task Set_null_on_columns_without_the_key_raises_nothing()
    {
        await Verifier.VerifyAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Country), nameof(CountryId), OnDelete = ReferentialAction.SetNull)]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId), OnDelete = ReferentialAction.Cascade)]
            public sealed record Order(long TenantId, long Id, long? CountryId, long CustomerId);
            """);
    }
}
