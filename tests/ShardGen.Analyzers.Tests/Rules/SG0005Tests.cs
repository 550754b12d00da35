using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0005 (warning): [PrimaryKey] properties that leave out the distribution key; underlined on the key.</summary>
public sealed class SG0005Tests
{
    [Fact]
    public async Task A_primary_key_without_the_distribution_key_is_a_warning_on_the_key_property()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long {|SG0005:TenantId|} { get; set; }
                [PrimaryKey] public long Id { get; set; }
            }
            """);
    }

    [Fact]
    public async Task A_positional_record_is_underlined_on_the_key_parameter()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long {|SG0005:TenantId|}, [property: PrimaryKey] long Id);
            """);
    }

    [Fact]
    public async Task The_message_names_the_table_and_the_key_and_quotes_Citus()
    {
        var diagnostic = await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                public long TenantId { get; set; }
                [PrimaryKey] public long Id { get; set; }
            }
            """, "SG0005", "'orders'", "'TenantId'", "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column");
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostic.Severity);
    }

    [Fact]
    public async Task A_primary_key_that_includes_the_distribution_key_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed class Order
            {
                [PrimaryKey] public long TenantId { get; set; }
                [PrimaryKey(Order = 1)] public long Id { get; set; }
            }
            """);
    }

    [Fact]
    public async Task A_primary_key_by_convention_raises_nothing()
    {
        // Id is the key by convention: ShardGen puts the distribution key first without being told.
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);
            """);
    }
}
