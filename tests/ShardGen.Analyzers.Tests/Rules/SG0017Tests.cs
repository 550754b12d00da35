using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0017: a unique index or unique constraint of a distributed table without its distribution key; underlined on the attribute.</summary>
public sealed class SG0017Tests
{
    [Fact]
    public async Task A_unique_constraint_or_index_without_the_key_is_an_error_on_the_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [{|SG0017:Unique(nameof(Email))|}]
            [{|SG0017:Index(nameof(Email), IsUnique = true)|}]
            [{|SG0017:Index(Expression = "lower(email)", IsUnique = true)|}]
            public sealed record Customer(long TenantId, long Id, string Email);
            """);
    }

    [Fact]
    public async Task The_message_gives_Citus_reason_and_the_key()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [Unique(nameof(Email))]
            public sealed record Customer(long TenantId, long Id, string Email);
            """, "SG0017", "'customers_email_key'", "'customers'", "'TenantId'",
            "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column",
            "each shard enforces uniqueness among its own rows only", "nameof(TenantId)");
    }

    [Fact]
    public async Task With_the_key_or_on_a_reference_table_or_not_unique_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            [Unique(nameof(Email), nameof(TenantId))]
            [Index(nameof(TenantId), nameof(Email), IsUnique = true)]
            [Index(nameof(Email))]
            public sealed record Customer(long TenantId, long Id, string Email);

            [Reference]
            [Unique(nameof(Code))]
            public sealed record Country(long Id, string Code);
            """);
    }
}
