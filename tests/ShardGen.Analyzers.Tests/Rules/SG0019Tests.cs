using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0019: a foreign key between tables where Citus cannot enforce it; underlined on the principal (or on the first property).</summary>
public sealed class SG0019Tests
{
    private const string Tables = Usings + """
        [Distributed(nameof(TenantId))]
        public sealed record Customer(long TenantId, long Id);

        [Distributed(nameof(TenantId), Colocation = "none")]
        public sealed record Campaign(long TenantId, long Id);

        [Reference]
        public sealed record Country(long Id, string Code);

        [Local]
        public sealed record Setting(long Id, string Value);

        public sealed record NotATable(long Id);

        """;

    [Fact]
    public async Task Keys_to_tables_whose_rows_are_elsewhere_are_errors_on_the_principal()
    {
        await Verifier.VerifyAsync(Tables + """
            [Reference]
            [ForeignKey({|SG0019:typeof(Customer)|}, nameof(TenantId), nameof(CustomerId))]
            public sealed record Region(long Id, long TenantId, long CustomerId);

            [Local]
            [ForeignKey({|SG0019:typeof(Customer)|}, nameof(TenantId), nameof(CustomerId))]
            public sealed record Audit(long Id, long TenantId, long CustomerId);

            [Distributed(nameof(TenantId))]
            [ForeignKey({|SG0019:typeof(Setting)|}, nameof(SettingId))]
            [ForeignKey({|SG0019:typeof(Campaign)|}, nameof(TenantId), nameof(CampaignId))]
            [ForeignKey({|SG0019:typeof(NotATable)|}, nameof(CampaignId))]
            public sealed record Order(long TenantId, long Id, long SettingId, long CampaignId);

            [Reference]
            [ForeignKey({|SG0019:typeof(Setting)|}, nameof(SettingId))]
            public sealed record Currency(long Id, long SettingId);
            """);
    }

    [Fact]
    public async Task Each_message_says_why_in_Citus_words()
    {
        await SingleAsync(Tables + """
            [Reference]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId))]
            public sealed record Region(long Id, long TenantId, long CustomerId);
            """, "SG0019", "'regions_tenant_id_customer_id_fkey'", "reference table 'regions'", "distributed table 'customers'",
            "foreign keys from reference tables and local tables to distributed tables are not supported");
        await SingleAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Setting), nameof(SettingId))]
            public sealed record Order(long TenantId, long Id, long SettingId);
            """, "SG0019", "local table 'settings'", "the referencing and referenced rows need to be stored on the same node");
        await SingleAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Campaign), nameof(TenantId), nameof(CampaignId))]
            public sealed record Order(long TenantId, long Id, long CampaignId);
            """, "SG0019", "'int8'", "'campaigns'", "relations are not colocated or not referencing a reference table", "ColocateWith = typeof(Campaign)");
        await SingleAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(NotATable), nameof(Id))]
            public sealed record Order(long TenantId, long Id);
            """, "SG0019", "NotATable", "not a table of this model");
    }

    [Fact]
    public async Task A_key_between_colocated_tables_must_start_with_the_distribution_key()
    {
        await Verifier.VerifyAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), {|SG0019:nameof(OwnerTenantId)|}, nameof(CustomerId))]
            public sealed record Order(long TenantId, long Id, long OwnerTenantId, long CustomerId);
            """);
        await SingleAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), nameof(OwnerTenantId), nameof(CustomerId))]
            public sealed record Order(long TenantId, long Id, long OwnerTenantId, long CustomerId);
            """, "SG0019", "'OwnerTenantId'", "'TenantId'", "including partition column in the same ordinal in the both tables");
    }

    [Fact]
    public async Task The_cases_Citus_supports_raise_nothing()
    {
        await Verifier.VerifyAsync(Tables + """
            [Distributed(nameof(TenantId))]
            [ForeignKey(typeof(Customer), nameof(TenantId), nameof(CustomerId), OnDelete = ReferentialAction.Cascade)]
            [ForeignKey(typeof(Country), nameof(CountryId))]
            public sealed record Order(long TenantId, long Id, long CustomerId, long CountryId);

            [Reference]
            [ForeignKey(typeof(Country), nameof(CountryId))]
            public sealed record Region(long Id, long CountryId);

            [Local]
            [ForeignKey(typeof(Setting), nameof(SettingId))]
            [ForeignKey(typeof(Country), nameof(CountryId))]
            public sealed record Audit(long Id, long SettingId, long CountryId);
            """);
    }
}
