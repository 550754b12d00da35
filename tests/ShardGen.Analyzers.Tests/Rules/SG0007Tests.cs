using static ShardGen.Analyzers.Tests.Rules.RuleTest;

namespace ShardGen.Analyzers.Tests.Rules;

/// <summary>SG0007: a colocation group with two key types; underlined on the ColocateWith or Colocation argument.</summary>
public sealed class SG0007Tests
{
    [Fact]
    public async Task ColocateWith_a_table_of_another_key_type_is_underlined_on_the_argument()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(DeviceId), {|SG0007:ColocateWith = typeof(Order)|})]
            public sealed record Reading(Guid DeviceId, long Id);
            """);
    }

    [Fact]
    public async Task A_named_group_takes_the_key_type_of_its_first_table_by_name()
    {
        // orders comes before readings: the group "shared" hashes int8 keys, and readings' uuid key does not fit.
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId), Colocation = "shared")]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(DeviceId), {|SG0007:Colocation = "shared"|})]
            public sealed record Reading(Guid DeviceId, long Id);
            """);
    }

    [Fact]
    public async Task A_default_group_of_another_key_type_is_refused()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(DeviceId), {|SG0007:Colocation = "int8"|})]
            public sealed record Reading(Guid DeviceId, long Id);
            """);
    }

    [Fact]
    public async Task The_message_names_both_tables_and_key_types()
    {
        await SingleAsync(Usings + """
            [Distributed(nameof(TenantId))]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(DeviceId), ColocateWith = typeof(Order))]
            public sealed record Reading(Guid DeviceId, long Id);
            """, "SG0007", "'Reading'", "uuid", "Order", "int8");
    }

    [Fact]
    public async Task Groups_of_one_key_type_raise_nothing()
    {
        await Verifier.VerifyAsync(Usings + """
            [Distributed(nameof(TenantId), Colocation = "shared")]
            public sealed record Order(long TenantId, long Id);

            [Distributed(nameof(DeviceId), Colocation = DistributedAttribute.NoColocation)]
            public sealed record Reading(Guid DeviceId, long Id);

            [Distributed(nameof(DeviceId), Colocation = "devices")]
            public sealed record Device(Guid DeviceId, string Name);

            [Distributed(nameof(TenantId), ColocateWith = typeof(Order))]
            public sealed record Customer(long TenantId, long Id);
            """);
    }
}
