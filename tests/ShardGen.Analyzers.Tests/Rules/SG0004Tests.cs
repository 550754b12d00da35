using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0004: more than one of [Distributed], [Reference] and [Local]; reported once, on the first.</summary>
public sealed class SG0004Tests
{
    [Fact]
    public async Task Distributed_and_Reference_are_reported_once_on_the_first_attribute()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0004:Distributed(nameof(TenantId))|}]
            [Reference]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task Reference_and_Local_in_one_attribute_list_are_reported_on_the_first()
    {
        await Verifier.VerifyAsync(Usings + """
            [{|SG0004:Reference|}, Local]
            public sealed record Country(long Id, string Name);
            """);
    }

    [Fact]
    public async Task The_message_names_the_type()
    {
        await SingleAsync(Usings + """
            [Local]
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);
            """, "SG0004", "'Order'");
    }

    [Fact]
    public async Task One_table_attribute_per_type_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Reference]
            public sealed record Country(long Id, string Name);

            [Local]
            public sealed record AuditEntry(long Id, string Message);
            """);
    }
}
