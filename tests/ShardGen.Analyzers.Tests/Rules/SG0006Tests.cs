using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0006: ColocateWith names a type that is not a distributed table; underlined on the ColocateWith argument.</summary>
public sealed class SG0006Tests
{
    [Fact]
    public async Task ColocateWith_a_reference_table_is_underlined_on_the_argument()
    {
        await Verifier.VerifyAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Name);

            [Distributed(nameof(TenantId), {|SG0006:ColocateWith = typeof(Country)|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task ColocateWith_a_type_that_is_no_table()
    {
        await Verifier.VerifyAsync(Usings + """
            public sealed class Helper { }

            [Distributed(nameof(TenantId), {|SG0006:ColocateWith = typeof(Helper)|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task ColocateWith_a_type_that_does_not_exist()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId), {|SG0006:ColocateWith = typeof(Missing)|})]
            public sealed record Order(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task A_ColocateWith_cycle_is_reported_on_both_tables()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId), {|SG0006:ColocateWith = typeof(Customer)|})]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(TenantId), {|SG0006:ColocateWith = typeof(Order)|})]
            public sealed record Customer(long TenantId, long Id);
            """);
    }

    [Fact]
    public async Task The_message_names_the_table_and_the_target()
    {
        await SingleAsync(Usings + """
            [Reference]
            public sealed record Country(long Id, string Name);

            [Distributed(nameof(TenantId), ColocateWith = typeof(Country))]
            public sealed record Order(long TenantId, long Id);
            """, "SG0006", "'Order'", "Country", "not a distributed table");
    }

    [Fact]
    public async Task ColocateWith_a_distributed_table_of_the_same_key_type_raises_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId), Colocation = "tenants")]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(TenantId), ColocateWith = typeof(Order))]
            public sealed record Shipment(long TenantId, long Id, long OrderId);
            """);
    }
}
